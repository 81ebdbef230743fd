// Package finite tells NaN and ±Inf from finite float32 values without a
// branch, for loops that check every value of a map as they go.
package finite

import "math"

// Not is 1 for NaN and ±Inf, else 0. Adding one to the exponent carries
// all-ones exponent bits, and only those, into the sign bit.
func Not(v float32) uint32 {
	return (math.Float32bits(v)&0x7f800000 + 0x00800000) >> 31
}
