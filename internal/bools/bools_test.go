package bools

import (
	"math/rand/v2"
	"testing"
)

// TestNextAndCount compares Next and Count with plain loops on random
// masks of every density.
func TestNextAndCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := range 500 {
		b := make([]bool, rng.IntN(100))
		density := rng.Float64()
		want := 0
		for i := range b {
			b[i] = rng.Float64() < density
			if b[i] {
				want++
			}
		}
		if got := Count(b); got != want {
			t.Fatalf("trial %d: Count = %d, want %d", trial, got, want)
		}
		for p := 0; p <= len(b)+1; p++ {
			want := -1
			for i := p; i < len(b); i++ {
				if b[i] {
					want = i
					break
				}
			}
			if got := Next(b, p); got != want {
				t.Fatalf("trial %d: Next(%d) = %d, want %d", trial, p, got, want)
			}
		}
	}
}
