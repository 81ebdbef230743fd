package sweep

import (
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
func ExactROC(each func(fn func([]metric.Image) error) error, hold, workers int, visit func(*Point)) (positives, negatives int64, err error) {
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
	var c curveState
	var p Point
	for lo := 0; lo < len(bins); {
		// The batch is bins [lo, hi): at least one bin, at most hold pixels
		// unless a single bin holds more.
		hi, n := lo, int64(0)
		for hi < len(bins) && (hi == lo || n+bins[hi] <= int64(hold)) {
			n += bins[hi]
			hi++
		}
		if n == 0 {
			lo = hi
			continue
		}
		keys := make([]uint64, 0, n)
		err := each(func(images []metric.Image) error {
			for i := range images {
				im := &images[i]
				for px, v := range im.Scores {
					k := orderKey(v)
					if b := int(k >> 16); b < lo || b >= hi {
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
		keys = parallelRadixSort(keys, make([]uint64, len(keys)), workers)
		for r, k := range keys {
			if k&1 != 0 {
				c.tp++
			} else {
				c.fp++
			}
			if r+1 == len(keys) || keys[r+1]>>32 != k>>32 {
				c.point(&p, float64(keyScore(uint32(k>>32))), false, 0, 0)
				visit(&p)
			}
		}
		lo = hi
	}
	return c.tp, c.fp, nil
}
