package finite

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestNot compares Not with math.IsNaN and math.IsInf on the edge values
// and on random bit patterns.
func TestNot(t *testing.T) {
	check := func(v float32) {
		want := uint32(0)
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			want = 1
		}
		if got := Not(v); got != want {
			t.Fatalf("Not(%v) (bits %#x) = %d, want %d", v, math.Float32bits(v), got, want)
		}
	}
	for _, v := range []float32{0, float32(math.Copysign(0, -1)), 1, -1, math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.Float32frombits(0x7f800001), math.Float32frombits(0xffffffff), math.Float32frombits(0x7f7fffff)} {
		check(v)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		check(math.Float32frombits(rng.Uint32()))
	}
}
