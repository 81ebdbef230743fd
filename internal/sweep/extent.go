package sweep

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"sync/atomic"
	"unsafe"

	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/metric"
)

// With Options.Keep and RC on the exact grid, the sparse grid's points
// also draw the PRO-vs-RC curve, if RC does not stray far between them.
// Between two sparse points only normal pixels switch on: PRO stays the
// same while RC moves, so the exact curve runs up and down at that PRO,
// and the segment joining the two points is within the tolerance of it
// only if RC stays within the tolerance of the two ends' range. Where RC
// goes depends on how the images' pixels interleave, which the sparse
// grid does not sort. But each image knows how far its own RC numerator
// (qualities) and denominator (regions) move within a bucket, and at
// every threshold the category's sums are the start's plus each image's
// change so far: so the sums stay within the start's plus the images'
// lowest and highest changes, and RC = numerator / denominator within the
// ratios of those bounds (strayFinder).
//
// Those bounds cost almost nothing. The region count is followed pixel by
// pixel. A normal pixel adds area to a region and no overlap, so with the
// pooled average an image's numerator only falls within a bucket, except
// where a pixel merges two regions that overlap ground truth: there the
// tracker keeps the regions' states just before (Tracker.Parts), which
// bound the numerator's lowest so far, and the sweep scores the regions
// (settle). Only the runs with such a merge are kept apart (qExcess); the
// others' lowest change is their change, which the bucket's sums have.
// (The per-image average's mean moves both ways: that average settles at
// every score of a normal bucket.)
//
// Where those bounds are not within the tolerance, the images' changes of
// RC's sums at each score of the bucket (rcEvent, a few per region made or
// merged) are sorted across images and replayed: the points where RC is
// lowest and highest within the bucket (rcPeaks) join the curve, which
// then covers every point of the exact curve there. Such buckets lie
// where few regions are predicted: among the highest scores, and among
// the lowest, where each image's regions merge into one. So the sweep
// records the events of the highest scores and of the lowest (zones) as
// it goes; those of buckets that stray between come from sweeping each
// image's pixels again down to the last such bucket (strayEvents).

// zoneShares are about the shares of a category's pixels, from the highest
// score down and from the lowest up, whose RC events the sparse sweep
// records (a variable for tests).
var zoneShares = [2]float64{1.0 / 16, 1.0 / 32}

// zones are the keys of the scores whose RC events the sparse sweep
// records: those at or below top, those at or above bottom, and those of
// bucket 2M.
type zones struct{ top, bottom uint32 }

// zonesOf returns the zones of the images, from a sample of their pixels.
func zonesOf(images []metric.Image) zones {
	// (No finite score has key 0 or 2^32 - 1: zones of no key.)
	z := zones{0, math.MaxUint32}
	n := 0
	for i := range images {
		n += len(images[i].Scores)
	}
	step := max(1, n/(1<<16))
	var sample []uint64
	at := 0 // the index in the category of the next pixel sampled
	for i := range images {
		sc := images[i].Scores
		for ; at < len(sc); at += step {
			sample = append(sample, uint64(orderKey(sc[at]))<<32)
		}
		at -= len(sc)
	}
	if len(sample) == 0 {
		return z
	}
	sorted, _ := radixSort(sample, make([]uint64, len(sample)))
	last := float64(len(sorted) - 1)
	if zoneShares[0] > 0 {
		z.top = uint32(sorted[int(last*zoneShares[0])] >> 32)
	}
	if zoneShares[1] > 0 {
		z.bottom = uint32(sorted[int(last*(1-zoneShares[1]))] >> 32)
	}
	return z
}

// rExtent sums over images the lowest and highest change of the region
// count within a bucket of normal pixels (an image's change is at most its
// pixels there, and a category has fewer than 2^31).
type rExtent struct{ lo, hi int32 }

// qExcess is an image's run through bucket 2j whose RC numerator did not
// only fall: its lowest change less its change, and its highest change
// (fixed point).
type qExcess struct {
	j      int
	lo, hi int64
}

// imageExtent is one image's change within its current bucket: its RC
// numerator's change as of the last settle, and the extremes of that and
// of the region count's change (runCount), from 0.
type imageExtent struct {
	q                  int64
	loQ, hiQ, loR, hiR int64
}

func (e *imageExtent) reachQ() { e.loQ, e.hiQ = min(e.loQ, e.q), max(e.hiQ, e.q) }

// runCount follows the region count's change within an image's run
// through a bucket pixel by pixel, in a local variable (a field of the run
// would cost a load and a store a pixel).
type runCount struct{ r, lo, hi int64 }

func (c *runCount) add(dr int64) {
	c.r += dr
	c.lo, c.hi = min(c.lo, c.r), max(c.hi, c.r)
}

// store moves the count into the run's extent, for its flush.
func (c *runCount) store(r *bucketRun) {
	r.ext.loR, r.ext.hiR = c.lo, c.hi
	*c = runCount{}
}

// flush adds the image's run through bucket 2j, whose numerator changed by
// q in all, to acc and starts over.
func (e *imageExtent) flush(acc *sparseSums, j int, q int64) {
	e.q = q
	e.reachQ()
	x := &acc.ext[j]
	x.lo += int32(e.loR)
	x.hi += int32(e.hiR)
	if e.hiQ != 0 || e.loQ != q { // (hiQ is 0 only if q <= 0)
		acc.excess.add(qExcess{j: j, lo: e.loQ - q, hi: e.hiQ})
	}
	*e = imageExtent{}
}

// rcEvent is the change of an image's RC sums at one of its scores in a
// bucket of normal pixels. Its bucket follows from its key (16 bytes, not
// 24: there can be millions).
type rcEvent struct {
	key uint32 // the score's order key
	dr  int32  // the change of RC's denominator
	dq  int64  // the change of RC's numerator (fixed point)
}

// blockList is a worker's list of T, in blocks: appending never copies.
// During the sweep the workers share a budget of blocks (eventBudget):
// past it, they record no more and the category falls back to the full
// grid, so that the lists never take more memory than the full grid's
// sort keys. A list without a budget has no limit (the second sweep's
// events, strayEvents: see finishSparse).
type blockList[T any] struct {
	blocks [][]T
	budget *eventBudget
}

// listBlockBytes is the memory of one block of a blockList.
const listBlockBytes = 256 << 10

// eventBudget is the number of blocks the workers may still take; over is
// set once one was refused.
type eventBudget struct {
	left atomic.Int64
	over atomic.Bool
}

func (l *blockList[T]) add(e T) {
	n := len(l.blocks)
	if n == 0 || len(l.blocks[n-1]) == cap(l.blocks[n-1]) {
		if l.budget != nil && l.budget.left.Add(-1) < 0 {
			l.budget.over.Store(true)
			return
		}
		l.blocks = append(l.blocks, make([]T, 0, listBlockBytes/int(unsafe.Sizeof(e))))
		n++
	}
	l.blocks[n-1] = append(l.blocks[n-1], e)
}

// rcEvents are a worker's events, image by image, each image's keys
// ascending.
type rcEvents = blockList[rcEvent]

// extentSparse is sweepSparse's loop over an image's sorted keys that also
// follows its RC extent in each bucket of normal pixels, and records its RC
// events there in the zones (unrecorded).
func (s *imageSweep) extentSparse(r *bucketRun) {
	acc, keys := r.acc, s.keys
	perKey := s.opts.RCAverage == metric.PerImage
	from, to := r.unrecorded(keys)
	var count runCount
	for i, kv := range keys {
		// (bucketRun.reach, written out so that count stays in
		// registers)
		if k := uint32(kv >> 32); k >= r.next {
			count.store(r)
			r.move(k)
		}
		r.last = uint32(kv >> 32)
		if i == to && i > 0 {
			// Into the zone of the lowest scores: the changes so far are
			// not its events.
			r.settle()
		}
		record := i < from || i >= to
		s.wantFloor = r.j&1 == 0 && !perKey && !record
		var d sums
		s.add(int32(kv), &d)
		r.sum += 1<<32 + d.regions
		if d.pos != 0 {
			acc.pro[r.j>>1].add(d.pro)
		}
		if r.j&1 != 0 {
			continue
		}
		count.add(d.regions)
		switch {
		case perKey || record:
			// Settled at each score (and where the run enters the
			// lowest scores' zone, above).
			r.evR += d.regions
			if i+1 == len(keys) || keys[i+1]>>32 != kv>>32 {
				dq := r.settle()
				if record && (dq != 0 || r.evR != 0) {
					acc.events.add(rcEvent{key: uint32(kv >> 32), dr: int32(r.evR), dq: dq})
				}
				r.evR = 0
			}
		case s.mergedLists:
			// The numerator fell from its last score to the state before
			// this pixel (beforeMerge at least); then it may rise.
			s.mergedLists = false
			r.ext.loQ = min(r.ext.loQ, r.ext.q+s.beforeMerge)
			r.settle()
		}
	}
	count.store(r)
	s.wantFloor = false
	r.flush()
}

// settle settles the run's image's RC and returns the change of its
// numerator, which the run's total and, in a bucket of normal pixels, its
// extent take in.
func (r *bucketRun) settle() int64 {
	var e sums
	r.sweep.settle(&e)
	r.settled += e.rc
	if r.j&1 == 0 {
		r.ext.q += e.rc
		r.ext.reachQ()
	}
	return e.rc
}

// extentNoGT is sweepSparse's loop over the sorted keys of an image without
// ground truth, pooled: every quality is 0, and only the region count
// changes.
func (s *imageSweep) extentNoGT(r *bucketRun) {
	acc := r.acc
	from, to := r.unrecorded(s.keys)
	var count runCount
	for i, kv := range s.keys {
		// (bucketRun.reach, written out so that count stays in
		// registers)
		if k := uint32(kv >> 32); k >= r.next {
			count.store(r)
			r.move(k)
		}
		r.last = uint32(kv >> 32)
		dr := int64(s.tracker.AddCount(int32(kv)))
		r.sum += 1<<32 + dr
		if r.j&1 == 0 {
			count.add(dr)
			if dr != 0 && (i < from || i >= to) {
				acc.events.add(rcEvent{key: uint32(kv >> 32), dr: int32(dr)})
			}
		}
	}
	count.store(r)
	r.flush()
}

// unrecorded returns the range [from, to) of an image's sorted keys whose
// RC events the sweep does not record: those between the zones and before
// bucket 2M.
func (r *bucketRun) unrecorded(keys []uint64) (from, to int) {
	// (Keys of the same score are recorded alike: a pixel's index is below
	// 2^32 - 1.)
	z := r.acc.zones
	from, _ = slices.BinarySearch(keys, uint64(z.top)<<32|math.MaxUint32)
	to, _ = slices.BinarySearch(keys, uint64(z.bottom)<<32)
	if n := len(r.bounds); n > 0 {
		tail, _ := slices.BinarySearch(keys, uint64(r.bounds[n-1])<<32)
		to = min(to, tail)
	} else {
		to = 0 // every key is in bucket 2M
	}
	return min(from, to), to
}

// rcBucket is a bucket of normal pixels (2j) where RC may stray, and the
// state before it.
type rcBucket struct {
	j             int
	before, after curveState
}

// strayFinder finds, for the sparse scan (a stretch of it each), the
// buckets of normal pixels where RC's bounds do not lie within tol of the
// range of its ends (the sparse points either side). Points without a
// predicted region are not on the curve.
type strayFinder struct {
	sp     *sparsePoints
	tol    float64
	shift  uint
	excess []qExcess    // sparsePoints.excess
	stray  [][]rcBucket // per stretch
}

func (sp *sparsePoints) newStrayFinder(tol float64, shift uint, stretches int) *strayFinder {
	return &strayFinder{sp: sp, tol: tol, shift: shift, excess: sp.excess(), stray: make([][]rcBucket, stretches)}
}

// stretch returns the visitor of stretch w's buckets of normal pixels,
// from 2lo on (scan).
func (f *strayFinder) stretch(w, lo int) func(j int, before, after *curveState) {
	b := f.sp.bounds(f.shift, lo, f.excess)
	return func(j int, before, after *curveState) {
		r := b(j, before, after)
		if after.regions == 0 {
			return
		}
		lo, hi := r.loQ/r.hiR, min(1, r.hiQ/r.loR)
		a, c := after.meanRC(f.shift), after.meanRC(f.shift)
		if before.regions > 0 {
			a = before.meanRC(f.shift)
		}
		// (Where the curve starts in the bucket, its first point is
		// needed.)
		if before.regions == 0 || min(a, c)-lo > f.tol || hi-max(a, c) > f.tol {
			f.stray[w] = append(f.stray[w], rcBucket{j: j, before: *before, after: *after})
		}
	}
}

// buckets returns the stray buckets, in order.
func (f *strayFinder) buckets() []rcBucket { return slices.Concat(f.stray...) }

// rcRange bounds RC's numerator (a float, not fixed point) and
// denominator within a bucket.
type rcRange struct{ loQ, hiQ, loR, hiR float64 }

// excess returns the workers' runs kept apart (qExcess) by bucket.
func (sp *sparsePoints) excess() []qExcess {
	var excess []qExcess
	for _, s := range sp.per {
		for _, b := range s.excess.blocks {
			excess = append(excess, b...)
		}
	}
	slices.SortFunc(excess, func(a, b qExcess) int { return cmp.Compare(a.j, b.j) })
	return excess
}

// bounds returns the range of RC's sums at every threshold within bucket
// 2j, for buckets 2j with a pixel from 2lo on, in order, given the states
// before and after it (with the denominator at least 1: where it is 0,
// RC is not on the curve). excess are the runs kept apart
// (sparsePoints.excess).
func (sp *sparsePoints) bounds(shift uint, lo int, excess []qExcess) func(j int, before, after *curveState) rcRange {
	scale := math.Ldexp(1, -int(shift))
	excess = excess[sort.Search(len(excess), func(i int) bool { return excess[i].j >= lo }):]
	return func(j int, before, after *curveState) rcRange {
		var exLo, exHi float64
		for len(excess) > 0 && excess[0].j <= j {
			if excess[0].j == j {
				exLo += float64(excess[0].lo)
				exHi += float64(excess[0].hi)
			}
			excess = excess[1:]
		}
		var rLo, rHi int64
		for _, s := range sp.per {
			rLo += int64(s.ext[j].lo)
			rHi += int64(s.ext[j].hi)
		}
		// The numerator's lowest is the bucket's end less what the runs
		// kept apart rose above their ends; its highest, the start plus
		// what they rose.
		q0, r0 := before.rc.float(shift), float64(before.regions)
		return rcRange{
			loQ: max(0, after.rc.float(shift)+exLo*scale), hiQ: q0 + exHi*scale,
			loR: max(1, r0+float64(rLo)), hiR: max(1, r0+float64(rHi)),
		}
	}
}

// strayEvents sweeps again each image's pixels down to the last bucket in
// stray with keys the sweep did not record (between the zones z, not in
// bucket 2M), and returns their RC events, one list per worker. bounds
// are the buckets' (bucketBounds).
func (st *Stream) strayEvents(stray []rcBucket, keys, bounds []uint32, z zones) []*rcEvents {
	isStray := make([]bool, len(keys)+1)
	last := -1 // the last such bucket's j
	for _, b := range stray {
		if b.j == len(keys) {
			continue
		}
		isStray[b.j] = true
		// Bucket 2j holds the keys after key j - 1's to key j's.
		first := uint32(0)
		if b.j > 0 {
			first = keys[b.j-1] + 1
		}
		if max(first, z.top+1) <= min(keys[b.j]-1, z.bottom-1) {
			last = b.j
		}
	}
	if last < 0 {
		return nil
	}
	end := min(keys[last]-1, z.bottom-1) // the largest key to record
	per := make([]*rcEvents, len(st.sweeps))
	images := st.images
	parallel.For(len(images), len(st.sweeps), func(w, i int) {
		if per[w] == nil {
			per[w] = &rcEvents{}
		}
		st.sweeps[w].strayEvents(&images[i], z.top, end, bounds, isStray, per[w])
	})
	return per
}

// strayEvents adds to out the image's RC events with keys beyond top to
// end in the buckets of normal pixels 2j with stray[j], sweeping its
// pixels with keys up to end.
func (s *imageSweep) strayEvents(im *metric.Image, top, end uint32, bounds []uint32, stray []bool, out *rcEvents) {
	// (The sweep checked the scores: sorted is nil only if one is not
	// finite.)
	s.keys = growU64(s.keys, len(im.Scores))
	sorted, _ := s.sortPixels(s.keys, im.Scores, im.Width)
	n, _ := slices.BinarySearch(sorted, uint64(end)<<32|math.MaxUint32)
	keys := sorted[:n]
	inStray := func(b int) bool { return b&1 == 0 && stray[b>>1] }
	b, hit := 0, false
	for _, kv := range keys {
		if k := uint32(kv >> 32); k > top {
			if b = advance(bounds, b, k); inStray(b) {
				hit = true
				break
			}
		}
	}
	if !hit {
		return // no pixel in a stray bucket: no event
	}
	s.begin(im)
	defer s.end()
	b = 0
	next, in := uint32(math.MaxUint32), inStray(0)
	if len(bounds) > 0 {
		next = bounds[0]
	}
	var dr int64
	for i, kv := range keys {
		k := uint32(kv >> 32)
		if k >= next {
			b = advance(bounds, b, k)
			next = math.MaxUint32
			if b < len(bounds) {
				next = bounds[b]
			}
			if in = inStray(b); in {
				var e sums
				s.settle(&e) // (the changes of earlier buckets)
			}
		}
		if k <= top && in {
			// (Recorded by the sweep; settled at the last.)
			var d sums
			s.add(int32(kv), &d)
			if i+1 == len(keys) || keys[i+1]>>32 != kv>>32 {
				var e sums
				s.settle(&e)
			}
			continue
		}
		var d sums
		s.add(int32(kv), &d)
		if !in {
			continue
		}
		dr += d.regions
		if i+1 == len(keys) || keys[i+1]>>32 != kv>>32 {
			var e sums
			s.settle(&e)
			if e.rc != 0 || dr != 0 {
				out.add(rcEvent{key: k, dr: int32(dr), dq: e.rc})
				dr = 0
			}
		}
	}
}

// rcPeaks replays the images' RC events (each list's image by image, each
// image's keys ascending) in the buckets where RC may stray and returns
// the points of each that the PRO-vs-RC curve needs to stay within tol of
// every point of the full curve: those where RC turns back by more than
// tol (kept so that every point between two kept ones lies within tol of
// the range of those two, at the bucket's fixed PRO), and the first point
// with a predicted region, where the curve starts. They come from the
// highest threshold down; their TP and FP are those before the bucket
// (only normal pixels switch on in it). Nil lists are skipped.
func (sp *sparsePoints) rcPeaks(stray []rcBucket, lists []*rcEvents, tol float64, shift uint, gtRegions int64) *Points {
	out := &Points{}
	if len(stray) == 0 {
		return out
	}
	// The keys of each stray bucket, [lo, hi], ascending: an event's
	// bucket is found by walking them (an image's keys ascend).
	m := len(sp.keys)
	ranges := make([][2]uint32, len(stray))
	for i, b := range stray {
		ranges[i] = [2]uint32{0, math.MaxUint32}
		if b.j > 0 {
			ranges[i][0] = sp.keys[b.j-1] + 1
		}
		if b.j < m {
			ranges[i][1] = sp.keys[b.j] - 1
		}
	}
	// within walks r to the range of key k, or past it, and reports
	// whether k is in one; r restarts at 0 when k is below the last key.
	within := func(r *int, last *uint32, k uint32) bool {
		if k < *last {
			*r = 0
		}
		*last = k
		for *r < len(ranges) && ranges[*r][1] < k {
			*r++
		}
		return *r < len(ranges) && ranges[*r][0] <= k
	}
	// The events in stray buckets (most are not), each list's counted and
	// then copied on its own.
	lists = slices.DeleteFunc(slices.Clone(lists), func(l *rcEvents) bool { return l == nil })
	count := make([]int, len(lists)+1)
	parallel.Workers(len(lists), func(w int) {
		r, last := 0, uint32(0)
		for _, blk := range lists[w].blocks {
			for _, e := range blk {
				if within(&r, &last, e.key) {
					count[w+1]++
				}
			}
		}
	})
	for w := range lists {
		count[w+1] += count[w]
	}
	ev := make([]rcEvent, count[len(lists)])
	parallel.Workers(len(lists), func(w int) {
		r, last, at := 0, uint32(0), count[w]
		for _, blk := range lists[w].blocks {
			for _, e := range blk {
				if within(&r, &last, e.key) {
					ev[at] = e
					at++
				}
			}
		}
	})
	// In key order (a radix sort of key << 32 | index: the last bucket can
	// hold as many events as pixels).
	order := make([]uint64, len(ev))
	for i, e := range ev {
		order[i] = uint64(e.key)<<32 | uint64(i)
	}
	order = parallelRadixSort(order, make([]uint64, len(order)), len(sp.per))
	sorted := make([]rcEvent, len(ev))
	for i, o := range order {
		sorted[i] = ev[uint32(o)]
	}
	ev = sorted
	emit := func(st *rcState) {
		var q Point
		st.c.point(&q, float64(keyScore(st.key)), true, shift, gtRegions)
		out.append(&q, true, Options{Need: NeedAll})
	}
	r, last := 0, uint32(0)
	for i := 0; i < len(ev); {
		within(&r, &last, ev[i].key)
		b := &stray[r]
		end := sp.last(b.j)
		// The bucket's states with a region, in order: the one before it
		// (not emitted again), those at its events, and its end (a point
		// of Exact, not emitted again).
		k := rcKeep{emitFirst: b.before.regions == 0}
		c := b.before
		if c.regions > 0 {
			k.next(rcState{c: c, rc: c.meanRC(shift)}, tol, emit)
		}
		for i < len(ev) && ev[i].key <= ranges[r][1] {
			key := ev[i].key
			for ; i < len(ev) && ev[i].key == key; i++ {
				c.rc.add(ev[i].dq)
				c.regions += int64(ev[i].dr)
			}
			if c.regions > 0 && key != end {
				k.next(rcState{key: key, c: c, rc: c.meanRC(shift)}, tol, emit)
			}
		}
		k.next(rcState{key: end, c: b.after, rc: b.after.meanRC(shift)}, tol, emit)
	}
	return out
}

// rcState is the category's state at a key within a bucket.
type rcState struct {
	key uint32
	c   curveState
	rc  float64
}

// rcKeep picks the states of a bucket to keep as they come: the first if
// it is in the bucket (emitFirst: not the state before the bucket), then,
// from each kept state, the last state before the first one whose range
// from the kept one leaves a state between them more than tol outside.
type rcKeep struct {
	emitFirst  bool
	n          int     // states so far
	kept, last rcState // the last kept, and the last one
	lo, hi     float64 // RC's range of the states strictly between them
}

func (k *rcKeep) next(s rcState, tol float64, emit func(*rcState)) {
	if k.n == 0 {
		k.kept, k.lo, k.hi = s, math.Inf(1), math.Inf(-1)
	} else {
		if k.n == 1 && k.emitFirst {
			emit(&k.kept)
		}
		v, w := k.kept.rc, s.rc
		if k.lo < min(v, w)-tol || k.hi > max(v, w)+tol {
			k.kept = k.last
			emit(&k.kept)
			k.lo, k.hi = math.Inf(1), math.Inf(-1)
		}
		k.lo, k.hi = min(k.lo, s.rc), max(k.hi, s.rc)
	}
	k.last = s
	k.n++
}
