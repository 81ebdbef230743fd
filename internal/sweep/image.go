package sweep

import (
	"math"
	"slices"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/internal/scorekey"
	"github.com/zsadbench/zsadbench/internal/tracker"
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

	tmp     []uint64 // exact grid: scratch for sorting an image's pixels
	keys    []uint64 // sparse exact grid: the image's sorted keys
	tracker tracker.Tracker
	labeler connected.Labeler
	gtArea  []int64
	cov     []int64
	gt      []int32 // framed ground-truth labels (tracker.Tracker's frame), nil if none
	gtFrame []int32 // buffer for gt when there is no tracker

	// steps grid: thresholds per unit of score (to guess a bucket), and
	// each pixel's bucket, the pixels per bucket, the pixels by bucket
	perThreshold         float64
	bucket, count, order []int32

	// the current image's RC state: rcSum is the sum of account over the
	// regions that overlap ground truth, by overlap list (their quality
	// when last scored, see settle); dirty lists the regions changed since,
	// each once (changed), with their roots.
	rcSum, regions, mean int64
	account              []int64
	changed              []bool
	rootOf, dirty        []int32
	// With wantFloor (a normal pixel whose bucket's RC extent goes by
	// pieces, see extent.go), mergedLists is set when the pixel merges
	// regions that overlap ground truth (RC's numerator may rise), and
	// beforeMerge is then at most the change of RC's numerator since the
	// last settle just before the pixel (from the tracker's parts).
	wantFloor   bool
	mergedLists bool
	beforeMerge int64
	unsettled   int64 // a change of RC's numerator that settle is to add
}

// orderKey and keyScore are scorekey's order of scores (ascending key =
// descending score), under the sweep's names.
func orderKey(f float32) uint32 { return scorekey.Key(f) }

func keyScore(k uint32) float32 { return scorekey.Score(k) }

// begin prepares the sweep of one image: its ground-truth regions and an
// empty region tracker. It returns the number of ground-truth regions.
func (s *imageSweep) begin(im *metric.Image) (gtRegions int) {
	s.gt = nil
	s.gtArea = s.gtArea[:0]
	var labels []int32
	if im.Mask != nil {
		labels, gtRegions = s.labeler.Label(im.Mask, im.Width, im.Height, s.opts.Connectivity)
		if gtRegions > 0 {
			s.gtArea = grow64(s.gtArea, gtRegions+1)
			s.cov = grow64(s.cov, gtRegions+1)
			for p := im.NextAnomalous(0); p >= 0; p = im.NextAnomalous(p + 1) {
				s.gtArea[labels[p]]++
			}
		} else {
			labels = nil
		}
	}
	if s.opts.Need&NeedRC != 0 {
		s.tracker.Reset(im.Width, im.Height, s.opts.Connectivity, labels)
		if labels != nil {
			s.gt = s.tracker.Labels()
		}
	} else if labels != nil {
		s.gt = tracker.Frame(s.gtFrame, labels, im.Width, im.Height)
		s.gtFrame = s.gt
	}
	s.rcSum, s.regions, s.mean, s.unsettled = 0, 0, 0, 0
	s.wantFloor, s.mergedLists = false, false
	s.dirty = s.dirty[:0]
	clear(s.changed)
	return gtRegions
}

// add switches on the pixel at framed index q and adds the changes of the
// image's sums to d, except RC's numerator, which settle adds. The changes
// of a group of pixels with one score add up to the change between the
// states before and after the group, whatever the order within it.
func (s *imageSweep) add(q int32, d *sums) {
	rc := s.opts.Need&NeedRC != 0
	var g int32
	switch {
	case s.gt == nil:
	case rc:
		g = s.tracker.GT(q) // reads the tracker's flags, which it reads anyway
	default:
		g = s.gt[q]
	}
	if g != 0 {
		d.pos++
		d.pro += s.proStep(g)
	} else {
		d.neg++
	}
	if !rc {
		return
	}
	var dr int64
	if s.gt == nil {
		// No region overlaps ground truth, so every quality is 0: only the
		// number of regions changes, which AddCount tracks without the
		// regions' state.
		dr = int64(s.tracker.AddCount(q))
	} else {
		root, joined, absorbed := s.tracker.Add(q)
		dr = 1 - int64(joined)
		if s.tracker.Overlaps(root) {
			s.merge(root, absorbed)
		}
	}
	s.regions += dr
	if s.opts.RCAverage != metric.PerImage {
		d.regions += dr
	} else if s.regions == dr {
		d.regions++ // the image's first region (per image, it counts images)
	}
}

// proStep counts one more pixel of ground-truth region g switched on and
// returns the change of its overlap fraction, in fixed point. The fractions
// are rounded down, so that a region's changes add up to exactly its
// fraction.
func (s *imageSweep) proStep(g int32) int64 {
	c, a := s.cov[g], s.gtArea[g]
	s.cov[g] = c + 1
	return ((c+1)<<s.shift)/a - (c<<s.shift)/a
}

// merge records that the region with root r, which overlaps ground truth,
// changed: it took a pixel, and absorbed the regions with the given overlap
// lists (those that overlap ground truth). Their accounts become its
// account, so that rcSum stays the sum of the accounts; settle scores it.
func (s *imageSweep) merge(r int32, absorbed []int32) {
	l := s.tracker.List(r)
	if len(absorbed) > 1 && s.wantFloor {
		if parts := s.tracker.Parts(); len(parts) == len(absorbed) {
			s.mergedLists = true
			s.beforeMerge = s.settleBefore(absorbed, parts)
		}
	}
	if len(absorbed) == 1 && absorbed[0] == l && int(l) < len(s.changed) && s.changed[l] {
		// It took a pixel and is already to be scored; its root may have
		// moved to the pixel.
		s.rootOf[l] = r
		return
	}
	if int(l) >= len(s.account) {
		n := int(l) + 1
		s.account = append(s.account, make([]int64, n-len(s.account))...)
		s.changed = append(s.changed, make([]bool, n-len(s.changed))...)
		s.rootOf = append(s.rootOf, make([]int32, n-len(s.rootOf))...)
	}
	sum := int64(0) // a new region's own list (a ground-truth pixel's) has none yet
	for _, a := range absorbed {
		sum += s.account[a]
		if a != l {
			s.changed[a] = false // the list is free now
		}
	}
	s.account[l], s.rootOf[l] = sum, r
	if !s.changed[l] {
		s.changed[l] = true
		s.dirty = append(s.dirty, l)
	}
}

// settleBefore scores the regions changed since the last settle but those
// of the lists absorbed, which a pixel outside ground truth has just
// merged, their states just before being parts (Tracker.Parts); settle
// adds the change. It returns at most the change of RC's numerator since
// the last settle at the state just before the pixel: the first part has
// the pixel, which lowers its quality if anything.
func (s *imageSweep) settleBefore(absorbed []int32, parts []tracker.Match) int64 {
	d := int64(0)
	for _, l := range s.dirty {
		if s.changed[l] && !slices.Contains(absorbed, l) {
			q := s.quality(s.tracker.Region(s.rootOf[l]))
			d += q - s.account[l]
			s.account[l], s.changed[l] = q, false
		}
	}
	s.unsettled += d
	for k, l := range absorbed {
		d += s.quality(parts[k]) - s.account[l]
	}
	return d
}

// settle scores the regions changed since it last ran and adds the change
// of RC's numerator to d. Regions are scored once per group of pixels,
// not once per pixel: the sums are needed only between groups.
func (s *imageSweep) settle(d *sums) {
	if s.opts.Need&NeedRC == 0 {
		return
	}
	dq := s.unsettled
	s.unsettled = 0
	for _, l := range s.dirty {
		if s.changed[l] {
			s.changed[l] = false
			q := s.quality(s.tracker.Region(s.rootOf[l]))
			dq += q - s.account[l]
			s.account[l] = q
		}
	}
	s.dirty = s.dirty[:0]
	s.rcSum += dq
	if s.opts.RCAverage != metric.PerImage {
		d.rc += dq
		return
	}
	// Per image: the change of the image's mean quality.
	if s.regions > 0 {
		mean := s.rcSum / s.regions
		d.rc += mean - s.mean
		s.mean = mean
	}
}

// sweepImage sorts and sweeps one image on the exact grid with RC: keys
// (the image's share of the category's) get orderKey(score)<<32 | the
// pixel's change or where it is (see lowSimple): the changes that do not
// fit in a key go to changes[at:], in order. ss sums the changes per
// stretch. It returns the image's number of ground-truth regions, or the
// error of a score that is not finite.
func (s *imageSweep) sweepImage(im *metric.Image, keys []uint64, changes []rankDelta, at uint64, ss *stretchSums) (gtRegions int, err error) {
	sorted, ok := s.sortPixels(keys, im.Scores, im.Width)
	if !ok {
		return 0, im.Validate()
	}
	if &sorted[0] != &keys[0] {
		copy(keys, sorted)
	}
	gtRegions = s.begin(im)
	defer s.end()
	defer ss.reach(math.MaxUint64)
	if s.gt == nil && s.opts.RCAverage == metric.Pooled {
		// No ground truth: every quality is 0, and a pixel changes only the
		// number of regions (what add does, without its bookkeeping).
		for j, kv := range keys {
			if kv >= ss.next {
				ss.reach(kv)
			}
			dr := s.tracker.AddCount(int32(kv))
			ss.acc.neg++
			ss.acc.regions += int64(dr)
			keys[j] = kv&^0xffffffff | uint64(lowSimple|(dr+4))
		}
		return gtRegions, nil
	}
	for j, kv := range keys {
		if kv >= ss.next {
			ss.reach(kv)
		}
		var d sums
		s.add(int32(kv), &d)
		if j+1 == len(keys) || keys[j+1]>>32 != kv>>32 {
			s.settle(&d) // the last pixel of its score
		}
		acc := &ss.acc
		acc.pos += d.pos
		acc.neg += d.neg
		acc.regions += d.regions
		acc.pro += d.pro
		acc.rc += d.rc
		low := uint64(lowSimple | (d.regions + 4))
		if d.pos != 0 || d.rc != 0 {
			changes[at] = packDelta(d)
			low = at
			at++
		}
		keys[j] = kv&^0xffffffff | low
	}
	return gtRegions, nil
}

// quality is q(P) of METRICS.md in fixed point: 0 for a region that
// misses every ground-truth region or overlaps its best match by less than
// tau of that match's area; else 1 when the excess ratio r = |P \ G*| / |G*| is
// at most delta, and delta / r beyond.
func (s *imageSweep) quality(m tracker.Match) int64 {
	if m.Best == 0 {
		return 0
	}
	a := float64(s.gtArea[m.Best])
	if float64(m.Overlap) < s.opts.RCPROTau*a {
		return 0
	}
	r := float64(m.Area-m.Overlap) / a
	if r <= s.opts.RCPRODelta {
		return s.one
	}
	return int64(s.opts.RCPRODelta / r * float64(s.one)) // exact scaling: one is a power of two
}

// end clears what begin set up that the next image must not see.
func (s *imageSweep) end() {
	if s.gt != nil {
		clear(s.cov)
	}
	s.gt = nil
}

// runSteps sweeps one image for the steps grid: its pixels in descending
// order, each threshold's changes added to the worker's levels.
func (s *imageSweep) runSteps(im *metric.Image) (positives, negatives int64, gtRegions int, err error) {
	gtRegions = s.begin(im)
	defer s.end()
	positives = int64(im.AnomalousPixels())
	negatives = int64(im.Width*im.Height) - positives
	if len(s.thresholds) == 0 {
		// Constant scores: no threshold.
		return positives, negatives, gtRegions, im.Validate()
	}
	// A pixel is positive at threshold k when score > t[k]; bucket b counts
	// the thresholds below its score, so it first counts at level b-1.
	// Pixels at or below the lowest threshold never count. The sums at a
	// level do not depend on the order of the pixels within a bucket, so a
	// counting sort by bucket replaces sorting the scores.
	levels := len(s.thresholds) + 1
	s.count = growInt32(s.count, levels)
	clear(s.count)
	s.bucket = growInt32(s.bucket, len(im.Scores))
	for i, v := range im.Scores {
		if !finite.Is(v) {
			return 0, 0, 0, im.Validate()
		}
		b := s.bucketOf(v)
		s.bucket[i] = int32(b)
		s.count[b]++
	}
	// Bucket b's pixels go to order[at[b]-count[b] : at[b]], the highest
	// bucket first; bucket 0 is left out.
	at := int32(0)
	for b := levels - 1; b >= 1; b-- {
		at += s.count[b]
		s.count[b] = at - s.count[b] // its start, for now
	}
	s.order = growInt32(s.order, int(at))
	q, w := int32(im.Width+3), im.Width // framed index of the row's first pixel
	for y := 0; y < len(im.Scores); y += w {
		for x, b := range s.bucket[y : y+w] {
			if b > 0 {
				s.order[s.count[b]] = q + int32(x)
				s.count[b]++ // ends as the bucket's end
			}
		}
		q += int32(w + 2)
	}
	start := int32(0)
	for b := levels - 1; b >= 1; b-- {
		end := s.count[b]
		var d sums
		for _, q := range s.order[start:end] {
			s.add(q, &d)
		}
		s.settle(&d)
		if d != (sums{}) {
			s.levels.add(b-1, d)
		}
		start = end
	}
	return positives, negatives, gtRegions, nil
}

// bucketOf returns the number of steps thresholds below v: a guess from the
// grid's even spacing, corrected by comparisons.
func (s *imageSweep) bucketOf(v float32) int {
	t := s.thresholds
	n := len(t)
	g := int(max(0, min(float64(n), (float64(v)-float64(t[0]))*s.perThreshold+1)))
	for g > 0 && t[g-1] >= v {
		g--
	}
	for g < n && t[g] < v {
		g++
	}
	return g
}

func growInt32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// sortPixels fills dst (one element per score) with orderKey(score)<<32 |
// framed index for the scores of an image of width w, sorted by key and,
// within equal keys, by pixel (see radixSort). It reports whether every
// score is finite (and sorts nothing if one is not). The sorted keys end in
// dst or in the sweep's scratch, s.tmp: sorted is the one.
func (s *imageSweep) sortPixels(dst []uint64, scores []float32, w int) (sorted []uint64, ok bool) {
	s.tmp = growU64(s.tmp, len(scores))
	q := uint64(w + 3) // framed index of the row's first pixel
	var bad uint32
	for y := 0; y < len(scores); y += w {
		out := dst[y : y+w]
		for x, v := range scores[y : y+w] {
			bad |= finite.Not(v)
			out[x] = uint64(orderKey(v))<<32 | (q + uint64(x))
		}
		q += uint64(w + 2)
	}
	if bad != 0 {
		return nil, false
	}
	sorted, _ = radixSort(dst, s.tmp)
	return sorted, true
}

// radixSort sorts keys by their upper 32 bits, stably, using tmp (of the
// same length) as scratch; it returns the sorted slice and the other. The
// digits are 11, 11 and 10 bits: three scatters, whose 2^11 write streams
// still fit in cache for an image's keys. One read counts all three digits
// (their histograms do not depend on the order); a digit that is the same
// for every key is skipped. The counts are 32-bit, which halves their cache
// footprint: keys must number fewer than 2^32 (an image has at most 2^27
// pixels, and larger inputs go to parallelRadixSort).
func radixSort(keys, tmp []uint64) ([]uint64, []uint64) {
	if uint64(len(keys)) >= 1<<32 {
		panic("sweep: radixSort of 2^32 keys or more")
	}
	var count [3][1 << 11]uint32
	for _, k := range keys {
		count[0][(k>>32)&0x7ff]++
		count[1][(k>>43)&0x7ff]++
		count[2][k>>54]++
	}
	for d := range count {
		if radixPass(keys, tmp, count[d][:], uint(32+11*d), 0x7ff) {
			keys, tmp = tmp, keys
		}
	}
	return keys, tmp
}

// radixPass moves src into dst, stably, by the digit (k>>shift)&mask, given
// the digit's counts in c (which it turns into offsets). When every key has
// the same digit it moves nothing and returns false.
func radixPass(src, dst []uint64, c []uint32, shift uint, mask uint64) bool {
	if len(src) == 0 || int(c[(src[0]>>shift)&mask]) == len(src) {
		return false
	}
	sum := uint32(0)
	for i, v := range c {
		c[i] = sum
		sum += v
	}
	for _, k := range src {
		b := (k >> shift) & mask
		dst[c[b]] = k
		c[b]++
	}
	return true
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
