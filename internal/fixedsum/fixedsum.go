// Package fixedsum adds float64 terms in 128-bit fixed point, so that a sum
// does not depend on the order or grouping of its terms: the folds of a
// curve (average precision, areas) can then be computed in parallel
// stretches and merged, with the same bits whatever the number of workers.
// Each term is rounded to a multiple of 2^-80 (far finer than float64
// summation's own rounding, which also grows with the number of terms);
// terms must be below 2^46 in magnitude, and so must the sum.
package fixedsum

import (
	"math"
	"math/bits"
)

// fraction is the number of fractional bits.
const fraction = 80

// Sum is a sum of float64 terms. The zero value is 0.
type Sum struct {
	hi int64
	lo uint64
}

// Add adds x, rounded to a multiple of 2^-80 (half away from zero). It
// panics if x is not finite or |x| >= 2^46.
func (s *Sum) Add(x float64) {
	if x == 0 {
		return
	}
	b := math.Float64bits(x)
	exp := int(b>>52) & 0x7ff
	mant := b & (1<<52 - 1)
	if exp == 0 {
		exp = 1 // subnormal
	} else {
		mant |= 1 << 52
	}
	// x = ±mant * 2^(exp-1075), so x * 2^80 = ±mant * 2^shift.
	shift := exp - 1075 + fraction
	var hi, lo uint64
	switch {
	case shift > 73: // |x| >= 2^46, or not finite
		panic("fixedsum: term not finite or too large")
	case shift >= 64:
		hi = mant << uint(shift-64)
	case shift >= 0:
		hi, lo = mant>>(64-uint(shift)), mant<<uint(shift)
	case shift > -64:
		r := uint(-shift)
		lo = mant>>r + mant>>(r-1)&1
	}
	if b>>63 != 0 {
		var borrow uint64
		lo, borrow = bits.Sub64(0, lo, 0)
		hi, _ = bits.Sub64(0, hi, borrow)
	}
	s.add(int64(hi), lo)
}

func (s *Sum) add(hi int64, lo uint64) {
	var carry uint64
	s.lo, carry = bits.Add64(s.lo, lo, 0)
	s.hi += hi + int64(carry)
}

// Merge adds the terms of o.
func (s *Sum) Merge(o Sum) { s.add(o.hi, o.lo) }

// Float returns the sum, rounded to a float64.
func (s Sum) Float() float64 {
	return (float64(s.hi)*0x1p64 + float64(s.lo)) * 0x1p-80
}
