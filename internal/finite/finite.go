// Package finite is the one test for NaN and ±Inf: a value is finite when
// not all of its exponent bits are set. Not is branch-free, for loops that
// check every value of a map as they go; Is and Float64 are for single values.
package finite

import "math"

// Not is 1 for NaN and ±Inf, else 0. Adding one to the exponent carries
// all-ones exponent bits, and only those, into the sign bit.
func Not(v float32) uint32 {
	return (math.Float32bits(v)&0x7f800000 + 0x00800000) >> 31
}

// Is reports whether v is neither NaN nor ±Inf.
func Is(v float32) bool { return Not(v) == 0 }

// Float64 reports whether v is neither NaN nor ±Inf.
func Float64(v float64) bool {
	const exp = 0x7ff0000000000000
	return math.Float64bits(v)&exp != exp
}
