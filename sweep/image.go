package sweep

import (
	"math"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
)

// sums are changes of a category's curve state, in integers: pixel counts,
// the PRO sum in fixed point, and the RC numerator and denominator (pooled:
// sum of region qualities and region count; per image: the image's mean
// quality and 1 when it has a region).
type sums struct {
	pos, neg, regions, pro, rc int64
}

// imageSweep holds one worker's reusable buffers and the state of the image
// it is sweeping.
type imageSweep struct {
	opts       Options
	thresholds []float32 // steps grid, ascending; nil on the exact grid
	levels     *levels   // this worker's steps-grid sums; nil when not needed
	shift      uint      // fixed-point scale: value * 2^shift
	one        int64     // 1 << shift

	keys, tmp []uint64
	tracker   connected.Tracker
	gtArea    []int64
	cov       []int64
	im        *metric.Image
	gt        []int32

	// the current image's RC state
	rcSum, regions, mean int64
	gtRegions            int
}

// orderKey maps a float32 to a uint32 whose ascending order is the
// descending order of the scores; -0 and +0 map to the same key.
func orderKey(f float32) uint32 {
	if f == 0 {
		f = 0
	}
	b := math.Float32bits(f)
	if b&0x80000000 != 0 {
		b = ^b
	} else {
		b |= 0x80000000
	}
	return ^b
}

// keyScore inverts orderKey.
func keyScore(k uint32) float32 {
	b := ^k
	if b&0x80000000 != 0 {
		b &^= 0x80000000
	} else {
		b = ^b
	}
	return math.Float32frombits(b)
}

// begin prepares the sweep of one image: its ground-truth regions and an
// empty region tracker.
func (s *imageSweep) begin(im *metric.Image) {
	s.im = im
	s.gt = nil
	s.gtRegions = 0
	s.gtArea = s.gtArea[:0]
	if im.Mask != nil {
		labels, k := connected.Label(im.Mask, im.Width, im.Height, s.opts.Connectivity)
		if k > 0 {
			s.gt = labels
			s.gtArea = grow64(s.gtArea, k+1)
			s.cov = grow64(s.cov, k+1)
			for _, l := range labels {
				s.gtArea[l]++
			}
		}
		s.gtRegions = k
	}
	if s.opts.Need&NeedRC != 0 {
		s.tracker.Reset(im.Width, im.Height, s.opts.Connectivity, s.gt)
	}
	s.rcSum, s.regions, s.mean = 0, 0, 0
}

// add switches pixel p on and adds the changes of the image's sums to d. The
// changes of a group of pixels with one score add up to the change between
// the states before and after the group, whatever the order within it.
func (s *imageSweep) add(p int, d *sums) {
	if s.im.Mask != nil && s.im.Mask[p] {
		d.pos++
	} else {
		d.neg++
	}
	if s.gt != nil {
		if g := s.gt[p]; g != 0 {
			c, a := s.cov[g], s.gtArea[g]
			d.pro += ((c+1)<<s.shift)/a - (c<<s.shift)/a
			s.cov[g] = c + 1
		}
	}
	if s.opts.Need&NeedRC == 0 {
		return
	}
	root, absorbed := s.tracker.Add(p)
	dq := s.quality(s.tracker.Region(root))
	for _, m := range absorbed {
		dq -= s.quality(m)
	}
	dr := 1 - int64(len(absorbed))
	s.rcSum += dq
	s.regions += dr
	if s.opts.RCAverage != PerImage {
		d.rc += dq
		d.regions += dr
		return
	}
	// Per image: the change of the image's mean quality, and of whether it
	// has a region (it has from its first pixel on).
	mean := s.rcSum / s.regions
	d.rc += mean - s.mean
	s.mean = mean
	if s.regions == dr {
		d.regions++
	}
}

// quality is q(P) of METRICS.md in fixed point: 0 for a region that
// misses every ground-truth region or overlaps its best match by less than
// tau of that match's area; else 1 when the excess ratio r = |P \ G*| / |G*| is
// at most delta, and delta / r beyond.
func (s *imageSweep) quality(m connected.Match) int64 {
	if m.Best == 0 {
		return 0
	}
	a := float64(s.gtArea[m.Best])
	if float64(m.Overlap) < s.opts.Tau*a {
		return 0
	}
	r := float64(m.Area-m.Overlap) / a
	if r <= s.opts.Delta {
		return s.one
	}
	return int64(s.opts.Delta / r * float64(s.one)) // exact scaling: one is a power of two
}

// end clears what begin set up that the next image must not see.
func (s *imageSweep) end() {
	if s.gt != nil {
		clear(s.cov)
	}
	s.im, s.gt = nil, nil
}

// runSteps sweeps one image for the steps grid: its pixels in descending
// order, each threshold's changes added to the worker's levels.
func (s *imageSweep) runSteps(im *metric.Image) (positives, negatives int64, gtRegions int) {
	s.begin(im)
	defer s.end()
	for _, m := range im.Mask {
		if m {
			positives++
		}
	}
	negatives = int64(im.Width*im.Height) - positives
	gtRegions = s.gtRegions
	s.sortPixels(im.Scores)
	// A pixel is positive at threshold k when score > t[k]; bucket b counts
	// the thresholds below its score, so it first counts at level b-1.
	// Pixels at or below the lowest threshold never count.
	bucket := len(s.thresholds)
	var d sums
	for _, kv := range s.keys {
		v := keyScore(uint32(kv >> 32))
		if b := s.bucketOf(v, bucket); b != bucket {
			if d != (sums{}) {
				s.levels.add(bucket-1, d)
				d = sums{}
			}
			bucket = b
			if bucket == 0 {
				break
			}
		}
		s.add(int(uint32(kv)), &d)
	}
	if bucket > 0 && d != (sums{}) {
		s.levels.add(bucket-1, d)
	}
	return positives, negatives, gtRegions
}

// bucketOf returns the number of steps thresholds below v, searching down
// from b (scores arrive in descending order, so buckets never grow).
func (s *imageSweep) bucketOf(v float32, b int) int {
	t := s.thresholds
	for b > 0 && t[b-1] >= v {
		b--
	}
	return b
}

// sortPixels fills s.keys with orderKey(score)<<32 | pixel, sorted by key
// and, within equal keys, by pixel: an LSD radix sort on the key's four bytes,
// skipping bytes that are equal for all pixels.
func (s *imageSweep) sortPixels(scores []float32) {
	n := len(scores)
	s.keys = growU64(s.keys, n)
	s.tmp = growU64(s.tmp, n)
	for i, v := range scores {
		s.keys[i] = uint64(orderKey(v))<<32 | uint64(i)
	}
	s.keys, s.tmp = radixSort(s.keys, s.tmp)
}

// radixSort sorts keys by their upper 32 bits, stably, using tmp (of the
// same length) as scratch; it returns the sorted slice and the other.
func radixSort(keys, tmp []uint64) ([]uint64, []uint64) {
	n := len(keys)
	var count [256]int
	for shift := uint(32); shift < 64; shift += 8 {
		count = [256]int{}
		for _, k := range keys {
			count[(k>>shift)&0xff]++
		}
		if n == 0 || count[(keys[0]>>shift)&0xff] == n {
			continue
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, k := range keys {
			d := (k >> shift) & 0xff
			tmp[count[d]] = k
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	return keys, tmp
}

func grow64(s []int64, n int) []int64 {
	if cap(s) < n {
		return make([]int64, n)
	}
	s = s[:n]
	clear(s)
	return s
}

func growU64(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	return s[:n]
}
