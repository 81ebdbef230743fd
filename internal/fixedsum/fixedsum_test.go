package fixedsum

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestSum compares with exact big.Float sums of the rounded terms and checks
// that any order and grouping give the same bits.
func TestSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(300)
		terms := make([]float64, n)
		for i := range terms {
			x := rng.Float64() * math.Pow(2, float64(rng.IntN(120)-90))
			if rng.IntN(4) == 0 {
				x = -x
			}
			if rng.IntN(20) == 0 {
				x = 0
			}
			terms[i] = x
		}
		var s Sum
		exact := new(big.Float).SetPrec(400)
		for _, x := range terms {
			s.Add(x)
			// The term rounded to a multiple of 2^-80, half away from zero.
			r := new(big.Float).SetPrec(400).SetMantExp(big.NewFloat(x).SetPrec(400), 80)
			q, _ := new(big.Float).SetPrec(400).Abs(r).Add(new(big.Float).Abs(r), big.NewFloat(0.5)).Int(nil)
			if x < 0 {
				q.Neg(q)
			}
			exact.Add(exact, new(big.Float).SetPrec(400).SetMantExp(new(big.Float).SetInt(q), -80))
		}
		want, _ := exact.Float64()
		if got := s.Float(); math.Abs(got-want) > 1e-15*math.Abs(want)+1e-24 {
			t.Fatalf("trial %d: sum %v, want %v", trial, got, want)
		}
		// Shuffled, in two groups merged.
		rng.Shuffle(n, func(i, j int) { terms[i], terms[j] = terms[j], terms[i] })
		var a, b Sum
		k := rng.IntN(n + 1)
		for _, x := range terms[:k] {
			a.Add(x)
		}
		for _, x := range terms[k:] {
			b.Add(x)
		}
		b.Merge(a)
		if b != s {
			t.Fatalf("trial %d: order changed the sum: %+v, want %+v", trial, b, s)
		}
	}
}

func TestLimits(t *testing.T) {
	var s Sum
	s.Add(0x1p45)
	s.Add(-0x1p-81) // rounds away from zero to -2^-80
	s.Add(0x1p-82)  // rounds to 0
	if got, want := s.Float(), 0x1p45-0x1p-80; got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, x := range []float64{0x1p46, math.Inf(1), math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Add(%v) did not panic", x)
				}
			}()
			s.Add(x)
		}()
	}
}
