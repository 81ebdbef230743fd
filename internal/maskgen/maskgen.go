// Package maskgen makes random binary masks for the tests and benchmarks of
// the labelling and the region tracker, so both see the same inputs.
package maskgen

import "math/rand/v2"

// Grid returns a random w x h grid, 1 <= w, h <= 15, of a random density.
func Grid(rng *rand.Rand) (on []bool, w, h int) {
	w, h = 1+rng.IntN(15), 1+rng.IntN(15)
	on = make([]bool, w*h)
	density := rng.Float64()
	for i := range on {
		on[i] = rng.Float64() < density
	}
	return on, w, h
}

// Squares returns n masks of size x size, each the union of 20 random
// squares (the same masks for the same n and size).
func Squares(n, size int) [][]bool {
	rng := rand.New(rand.NewPCG(9, 9))
	masks := make([][]bool, n)
	for i := range masks {
		m := make([]bool, size*size)
		for range 20 {
			cx, cy, r := rng.IntN(size), rng.IntN(size), 2+rng.IntN(20)
			for y := max(0, cy-r); y < min(size, cy+r); y++ {
				for x := max(0, cx-r); x < min(size, cx+r); x++ {
					m[y*size+x] = true
				}
			}
		}
		masks[i] = m
	}
	return masks
}
