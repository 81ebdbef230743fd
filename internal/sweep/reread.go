package sweep

import (
	"fmt"

	"github.com/zsadbench/zsadbench/metric"
)

// ExactROC visits the exact-grid ROC points (TP and FP at every distinct
// score, from the highest down, as Result.Exact has them) of a category too
// large to hold. It reads the category through each, which must hand fn the
// same images, in the same order, every time it is called: once to
// histogram the scores, then once per batch of consecutive scores holding at
// most about hold pixels, which it sorts and scans. Memory is about 16 bytes
// times hold, whatever the size of the category; the time is one read per
// batch. It returns the category's anomalous and normal pixel counts.
func ExactROC(each func(fn func([]metric.Image) error) error, hold, workers int, visit func([]Point)) (positives, negatives int64, err error) {
	// Bins of the top 16 bits of the order key, in descending score order.
	var bins [1 << 16]int64
	err = each(func(images []metric.Image) error {
		for i := range images {
			im := &images[i]
			if err := im.Validate(); err != nil {
				return err
			}
			for _, v := range im.Scores {
				bins[orderKey(v)>>16]++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	// Batches of bins [lo, hi): at least one bin, at most hold pixels
	// unless a single bin holds more. Their key buffers are allocated once,
	// for the largest batch, and reused, so that garbage from one batch never
	// adds to the next one's memory.
	type batch struct {
		lo, hi int
		n      int64
	}
	var batches []batch
	largest := int64(0)
	for lo := 0; lo < len(bins); {
		hi, n := lo, int64(0)
		for hi < len(bins) && (hi == lo || n+bins[hi] <= int64(hold)) {
			n += bins[hi]
			hi++
		}
		if n > 0 {
			batches = append(batches, batch{lo, hi, n})
			largest = max(largest, n)
		}
		lo = hi
	}
	bufA, bufB := make([]uint64, 0, largest), make([]uint64, largest)
	var c curveState
	out := &points{visit: visit}
	for _, bt := range batches {
		keys := bufA[:0]
		err := each(func(images []metric.Image) error {
			for i := range images {
				im := &images[i]
				for px, v := range im.Scores {
					k := orderKey(v)
					if b := int(k >> 16); b < bt.lo || b >= bt.hi {
						continue
					}
					var label uint64
					if im.Mask != nil && im.Mask[px] {
						label = 1
					}
					keys = append(keys, uint64(k)<<32|label)
				}
			}
			return nil
		})
		if err != nil {
			return 0, 0, err
		}
		if int64(len(keys)) != bt.n {
			return 0, 0, fmt.Errorf("reading the category again gave %d pixels in a batch of %d: the images changed", len(keys), bt.n)
		}
		sorted := parallelRadixSort(keys, bufB[:len(keys)], workers)
		for r, k := range sorted {
			if k&1 != 0 {
				c.tp++
			} else {
				c.fp++
			}
			if r+1 == len(sorted) || sorted[r+1]>>32 != k>>32 {
				c.point(out.next(), float64(keyScore(uint32(k>>32))), false, 0, 0)
			}
		}
	}
	out.flush()
	return c.tp, c.fp, nil
}
