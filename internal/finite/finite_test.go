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
		if got := Is(v); got != (want == 0) {
			t.Fatalf("Is(%v) (bits %#x) = %v", v, math.Float32bits(v), got)
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

// TestFloat64 compares Float64 with math.IsNaN and math.IsInf on the edge
// values and on random bit patterns.
func TestFloat64(t *testing.T) {
	check := func(v float64) {
		want := !math.IsNaN(v) && !math.IsInf(v, 0)
		if got := Float64(v); got != want {
			t.Fatalf("Float64(%v) (bits %#x) = %v, want %v", v, math.Float64bits(v), got, want)
		}
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1), math.NaN(),
		math.Float64frombits(0x7ff0000000000001), math.Float64frombits(0xffffffffffffffff),
		math.Float64frombits(0x7fefffffffffffff)} {
		check(v)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		check(math.Float64frombits(rng.Uint64()))
	}
}
