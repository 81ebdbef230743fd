package stats

import (
	"math/bits"
	"math/rand/v2"
)

// Resampler draws stratified bootstrap replicates of one category's images:
// each replicate has as many images of each class as the category, drawn
// with replacement within the class. Its draws are a fixed function of
// the seed, the stream (the category's index) and the classes: PCG-DXSM
// (math/rand/v2's PCG, seeded with (seed, stream)) and Lemire's unbiased
// bounded draw on its 64-bit outputs, so that they are the same on every
// machine and for every number of workers, and identical for two models
// evaluated on the same images.
type Resampler struct {
	src     *rand.PCG
	classes [][]int // the images of each class, in order
	n       int
}

// NewResampler returns the resampler of a category whose image i is in
// class[i] (e.g. 0 normal, 1 anomalous; any small non-negative numbers).
func NewResampler(seed, stream uint64, class []int) *Resampler {
	r := &Resampler{src: rand.NewPCG(seed, stream), n: len(class)}
	for i, c := range class {
		for len(r.classes) <= c {
			r.classes = append(r.classes, nil)
		}
		r.classes[c] = append(r.classes[c], i)
	}
	return r
}

// Next fills weights (one per image) with the next replicate: how many
// times each image is drawn.
func (r *Resampler) Next(weights []int32) {
	if len(weights) != r.n {
		panic("stats: Resampler.Next with the wrong number of weights")
	}
	clear(weights)
	for _, set := range r.classes {
		for range set {
			weights[set[r.below(uint64(len(set)))]]++
		}
	}
}

// below returns a uniform integer in [0, n) (Lemire, 2019).
func (r *Resampler) below(n uint64) uint64 {
	hi, lo := bits.Mul64(r.src.Uint64(), n)
	if lo < n {
		t := -n % n
		for lo < t {
			hi, lo = bits.Mul64(r.src.Uint64(), n)
		}
	}
	return hi
}
