package sweep

import (
	"math"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
)

// sums is the state of one image at some threshold, in integers: pixel
// counts, the PRO sum in fixed point, and the RC numerator and denominator
// (pooled: sum of region qualities and region count; per image: the image's
// mean quality and 1 when it has a region).
type sums struct {
	pos, neg, regions, pro, rc int64
}

func (a sums) minus(b sums) sums {
	return sums{a.pos - b.pos, a.neg - b.neg, a.regions - b.regions, a.pro - b.pro, a.rc - b.rc}
}

// event is the change of an image's sums when the pixels of one distinct
// score switch on, packed into 32 bytes (an image has at most 2^27 pixels, so
// counts fit in int32). key orders events: ascending key = descending score.
type event struct {
	key               uint32
	pos, neg, regions int32
	pro, rc           int64
}

func newEvent(key uint32, d sums) event {
	return event{key: key, pos: int32(d.pos), neg: int32(d.neg), regions: int32(d.regions), pro: d.pro, rc: d.rc}
}

type imageOut struct {
	positives, negatives int64
	gtRegions            int
	events               []event
}

// imageSweep holds one worker's reusable buffers.
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
	quality   []int64 // cached quality of each region, by root
	im        *metric.Image
	gt        []int32

	// running state of the current image
	pos, neg, pro, rcSum, regions int64
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

func (s *imageSweep) run(im *metric.Image) imageOut {
	n := im.Width * im.Height
	s.im = im
	out := imageOut{}
	needRegions := s.opts.Need&(NeedPRO|NeedRC) != 0
	s.gt = nil
	s.gtArea = s.gtArea[:0]
	if needRegions && im.Mask != nil {
		labels, k := connected.Label(im.Mask, im.Width, im.Height, s.opts.Connectivity)
		if k > 0 {
			s.gt = labels
			s.gtArea = grow64(s.gtArea, k+1)
			s.cov = grow64(s.cov, k+1)
			for _, l := range labels {
				s.gtArea[l]++
			}
		}
		out.gtRegions = k
	}
	needRC := s.opts.Need&NeedRC != 0
	if needRC {
		s.tracker.Reset(im.Width, im.Height, s.opts.Connectivity, s.gt)
		s.quality = grow64(s.quality, n)
	}
	s.pos, s.neg, s.pro, s.rcSum, s.regions = 0, 0, 0, 0, 0

	s.sortPixels(im.Scores)
	keys := s.keys

	exactFull := s.thresholds == nil && needRegions
	exactEvents := s.opts.Need&NeedROC != 0 || exactFull
	if exactEvents {
		distinct := 1
		for i := 1; i < n; i++ {
			if keys[i]>>32 != keys[i-1]>>32 {
				distinct++
			}
		}
		out.events = make([]event, 0, distinct)
	}
	steps := s.levels != nil
	bucket := len(s.thresholds)
	var lastExact, lastStep sums
	curKey := uint32(keys[0] >> 32)
	if steps {
		bucket = s.bucketOf(keyScore(curKey), bucket)
	}
	// On the steps grid, pixels at or below the lowest threshold are never
	// positive there; only ROC counts still need them.
	regionWork := needRegions && (!steps || bucket > 0)
	for _, kv := range keys {
		key := uint32(kv >> 32)
		if key != curKey {
			if exactEvents {
				now := s.snapshot(exactFull)
				out.events = append(out.events, newEvent(curKey, now.minus(lastExact)))
				lastExact = now
			}
			curKey = key
			if steps {
				if b := s.bucketOf(keyScore(key), bucket); b != bucket {
					now := s.snapshot(true)
					s.levels.add(bucket-1, now.minus(lastStep))
					lastStep = now
					bucket = b
					regionWork = bucket > 0
				}
			}
		}
		p := int(uint32(kv))
		anomalous := im.Mask != nil && im.Mask[p]
		if anomalous {
			s.pos++
		} else {
			s.neg++
		}
		if !regionWork {
			continue
		}
		if s.gt != nil {
			if g := s.gt[p]; g != 0 {
				c := s.cov[g]
				a := s.gtArea[g]
				s.pro += ((c+1)<<s.shift)/a - (c<<s.shift)/a
				s.cov[g] = c + 1
			}
		}
		if needRC {
			root, absorbed := s.tracker.Add(p)
			for _, r := range absorbed {
				s.rcSum -= s.quality[r]
			}
			s.regions += 1 - int64(len(absorbed))
			q := s.regionQuality(root)
			s.quality[root] = q
			s.rcSum += q
		}
	}
	if exactEvents {
		now := s.snapshot(exactFull)
		out.events = append(out.events, newEvent(curKey, now.minus(lastExact)))
	}
	if steps && bucket > 0 {
		s.levels.add(bucket-1, s.snapshot(true).minus(lastStep))
	}
	out.positives, out.negatives = s.pos, s.neg
	if s.gt != nil {
		clear(s.cov)
	}
	return out
}

// snapshot returns the image's current sums; with full false only the pixel
// counts.
func (s *imageSweep) snapshot(full bool) sums {
	st := sums{pos: s.pos, neg: s.neg}
	if !full {
		return st
	}
	st.pro = s.pro
	if s.opts.RCAverage == PerImage {
		if s.regions > 0 {
			st.regions = 1
			st.rc = s.rcSum / s.regions
		}
	} else {
		st.regions = s.regions
		st.rc = s.rcSum
	}
	return st
}

// regionQuality is q(P) of METRICS.md in fixed point: 0 for a region that
// misses every ground-truth region or overlaps its best match by less than
// tau of that match's area; else 1 when the excess ratio r = |P \ G*| / |G*| is
// at most delta, and delta / r beyond.
func (s *imageSweep) regionQuality(root int32) int64 {
	m := s.tracker.Region(root)
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
	keys, tmp := s.keys, s.tmp
	for i, v := range scores {
		keys[i] = uint64(orderKey(v))<<32 | uint64(i)
	}
	var count [256]int
	for shift := uint(32); shift < 64; shift += 8 {
		count = [256]int{}
		for _, k := range keys {
			count[(k>>shift)&0xff]++
		}
		if count[(keys[0]>>shift)&0xff] == n {
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
	s.keys, s.tmp = keys, tmp
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
