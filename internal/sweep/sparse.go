package sweep

import (
	"fmt"
	"math"
	"slices"

	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/metric"
)

// The sparse exact grid (Options.Sparse) keeps only the points that the
// folds of AUROC, AP, F1-max, AUPRO and RCPRO need. Between two consecutive
// scores of anomalous pixels only normal pixels switch on: TP and PRO stay
// the same, and along such a run the ROC and PRO curves are straight lines
// and RCPRO's trapezoids have no width. So the points needed are, for each
// distinct score of an anomalous pixel, the point at that score and the one
// just before it, plus the last point.
//
// That needs no sort of the whole category. The anomalous pixels' order
// keys, sorted, cut the scores into buckets: bucket 2j holds the scores
// strictly between the (j-1)-th and the j-th anomalous key, bucket 2j+1
// the j-th key itself, and bucket 2M, for M keys, the scores below the
// lowest. Each image is sorted and swept on its own, in cache and in
// parallel, as on the full exact grid, and each pixel's change is added to
// its bucket's sums (its bucket follows from the previous pixel's, since
// the image's keys ascend). The points are the prefix sums of the buckets.

// sparseSums are one worker's sums per bucket.
type sparseSums struct {
	// simple[b]: the pixels in bucket b << 32 + the change of the region
	// count; both fit in 32 bits, the change as a signed number (a category
	// has fewer than 2^31 pixels, and an image's pixels in a run of its
	// sweep change its region count by at most half its pixels).
	simple []int64
	rc     []wide   // per bucket, with RC
	pro    []wide   // per anomalous key j (bucket 2j+1), with PRO
	last   []uint32 // per j <= M: the largest key of bucket 2j, 0 when empty
	// With RC's extent (extent.go): per j <= M, the region count's in
	// bucket 2j; the runs whose RC numerator does not only fall; the
	// images' RC events in bucket 2M.
	ext    []rExtent
	excess blockList[qExcess]
	events rcEvents
	zones  zones // of the events recorded
}

func newSparseSums(keys int, full bool, need Need, extent bool) *sparseSums {
	s := &sparseSums{simple: make([]int64, 2*keys+1), last: make([]uint32, keys+1)}
	if extent {
		s.ext = make([]rExtent, keys+1)
	}
	if full && need&NeedRC != 0 {
		s.rc = make([]wide, 2*keys+1)
	}
	if full && need&NeedPRO != 0 {
		s.pro = make([]wide, keys)
	}
	// The sums are read before they are first written (+=), and a fresh
	// page that is read first maps the shared zero page, which the first
	// write must then copy, with a TLB shootdown across the threads: about
	// 5% of a sweep's time. Written first, each page faults once.
	clear(s.simple)
	clear(s.last)
	clear(s.rc)
	clear(s.pro)
	return s
}

// anomalousKeys returns the distinct order keys of the anomalous pixels,
// ascending, and the number of pixels with each. A score that is not
// finite is an error.
func anomalousKeys(images []metric.Image, workers int) (keys []uint32, count []int64, err error) {
	// Each worker collects its images' anomalous pixels' keys (in the upper
	// halves, for radixSort); their order does not matter.
	workers = max(1, workers)
	per := make([][]uint64, workers)
	err = parallel.Do(len(images), workers, func(w, i int) error {
		im := &images[i]
		out := per[w]
		var bad uint32
		for p := im.NextAnomalous(0); p >= 0; p = im.NextAnomalous(p + 1) {
			v := im.Scores[p]
			bad |= finite.Not(v)
			out = append(out, uint64(orderKey(v))<<32)
		}
		per[w] = out
		if bad != 0 {
			return im.Validate()
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	all := slices.Concat(per...)
	all, _ = radixSort(all, make([]uint64, len(all)))
	keys, count = make([]uint32, 0, len(all)), make([]int64, 0, len(all))
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j] == all[i] {
			j++
		}
		keys = append(keys, uint32(all[i]>>32))
		count = append(count, int64(j-i))
		i = j
	}
	return keys, count, nil
}

// bucketBounds returns the first key of each bucket but the first: key j
// starts bucket 2j+1 and key j + 1 starts bucket 2j+2. A key's bucket is
// the number of bounds at or below it.
func bucketBounds(keys []uint32) []uint32 {
	b := make([]uint32, 0, 2*len(keys))
	for _, k := range keys {
		b = append(b, k, k+1) // k+1 does not wrap: no finite score has key 2^32-1
	}
	return b
}

// advance returns the bucket of key k, given j, the bucket of a key at or
// below k: the number of bounds at or below k. An image's next pixel is
// mostly a few buckets on, so it steps, then gallops (1, 2, 4, ... bounds
// ahead) and binary searches only the last gallop's span, in cache.
func advance(bounds []uint32, j int, k uint32) int {
	for n := 0; j < len(bounds) && bounds[j] <= k; n++ {
		if n == 4 {
			// bounds[lo] <= k; gallop until bounds[lo+step] > k.
			lo, step := j, 1
			for lo+step < len(bounds) && bounds[lo+step] <= k {
				lo += step
				step <<= 1
			}
			i, _ := slices.BinarySearch(bounds[lo+1:min(lo+step, len(bounds))], k+1)
			return lo + 1 + i
		}
		j++
	}
	return j
}

// sparseSlack is how much memory the sparse grid's sums may take beyond
// the full grid's sort keys (16 bytes a pixel) before the full grid is
// used instead: only a category with a large share of anomalous pixels
// reaches it. (A variable for tests.)
var sparseSlack int64 = 256 << 20

// inspectExtent, when set, is given the sparse points with RC's extent
// (for tests).
var inspectExtent func(*sparsePoints)

// maxEventBlocks, when not negative, caps the blocks of RC events below
// what the memory allows (a variable for tests).
var maxEventBlocks int64 = -1

// finishSparse sweeps the retained images on the sparse exact grid and
// folds its points. It does nothing and reports false when the category
// has so many distinct anomalous scores that the sums per bucket, one set
// per worker, would take more memory than the full grid (which gives the
// folds the same result).
func (st *Stream) finishSparse(fold Fold, keep bool) (done bool, err error) {
	images, full := st.images, st.exactFull()
	n := 0
	for i := range images {
		n += images[i].Width * images[i].Height
	}
	if n >= 1<<31 {
		return false, fmt.Errorf("%d pixels in one category; at most %d are supported", n, 1<<31-1)
	}
	keys, tp, err := anomalousKeys(images, len(st.sweeps))
	if err != nil {
		return false, err
	}
	// The PRO-vs-RC curve from the sparse points, if RC stays close.
	extent := full && st.opts.Keep && st.opts.Need&NeedRC != 0
	spare := int64(16)*int64(n) + sparseSlack - sparseBytes(len(keys), len(st.sweeps), extent)
	if spare < 0 {
		return false, nil
	}
	bounds := bucketBounds(keys)
	per := make([]*sparseSums, len(st.sweeps))
	gtRegions := make([]int, len(images))
	errs := make([]error, len(images))
	// Images with ground truth take about twice as long: sweeping them
	// first evens out the workers' ends. (A mask without an anomalous
	// pixel, which some layouts give normal images, is no ground truth.)
	order := make([]int, 0, len(images))
	withGT := make([]bool, len(images))
	for i := range images {
		if withGT[i] = images[i].NextAnomalous(0) >= 0; withGT[i] {
			order = append(order, i)
		}
	}
	for i := range images {
		if !withGT[i] {
			order = append(order, i)
		}
	}
	var recs []imageRecord
	if st.opts.Record {
		if !full || st.opts.Need&NeedPRO == 0 {
			panic("sweep: Options.Record needs NeedPRO")
		}
		recs = make([]imageRecord, len(images))
	}
	// The lists RC's extent records (extent.go) take what is left.
	budget := &eventBudget{}
	var z zones
	if extent {
		z = zonesOf(images)
	}
	budget.left.Store(spare / listBlockBytes)
	if maxEventBlocks >= 0 {
		budget.left.Store(min(budget.left.Load(), maxEventBlocks))
	}
	parallel.For(len(images), len(st.sweeps), func(w, k int) {
		i := order[k]
		if per[w] == nil {
			per[w] = newSparseSums(len(keys), full, st.opts.Need, extent)
			per[w].events.budget = budget
			per[w].excess.budget = budget
			per[w].zones = z
		}
		var rec *imageRecord
		if recs != nil {
			rec = &recs[i]
		}
		gtRegions[i], errs[i] = st.sweeps[w].sweepSparse(&images[i], bounds, full, per[w], rec)
	})
	// The first error in image order (the images were swept in another).
	if err := parallel.FirstError(errs); err != nil {
		return false, err
	}
	if budget.over.Load() {
		return false, nil // the lists would take more than the full grid
	}
	sp := sparsePoints{keys: keys, tp: tp, per: slices.DeleteFunc(per, func(s *sparseSums) bool { return s == nil })}
	var gtTotal int64
	for _, g := range gtRegions {
		gtTotal += int64(g)
	}
	sc := sp.stretchesOf(len(st.sweeps))
	st.res.GTRegions += gtTotal
	var positives int64
	for _, c := range tp {
		positives += c
	}
	st.res.Positives, st.res.Negatives = positives, int64(n)-positives
	var kept *Points
	if keep {
		n := 0
		for _, p := range sc.points {
			n += p
		}
		st.res.Exact = newPoints(n, full && st.opts.Need&NeedPRO != 0, full && st.opts.Need&NeedRC != 0)
		kept = &st.res.Exact
	}
	var strays *strayFinder
	if extent {
		if inspectExtent != nil {
			inspectExtent(&sp)
		}
		strays = sp.newStrayFinder(st.opts.KeepRCTolerance, st.shift, len(sc.starts))
	}
	sp.scan(scanner{full: full, shift: st.shift, gtRegions: st.res.GTRegions, fold: fold}, sc, kept, strays)
	if extent {
		// (The events of buckets between the zones are at most one per
		// pixel of those that stray: past the scan, whose folds took the
		// points, there is no falling back to the full grid.)
		stray := strays.buckets()
		lists := st.strayEvents(stray, keys, bounds, z)
		for _, s := range sp.per {
			lists = append(lists, &s.events)
		}
		st.res.RCPeaks = sp.rcPeaks(stray, lists, st.opts.KeepRCTolerance, st.shift, st.res.GTRegions)
	}
	if recs != nil {
		st.res.Replicates = st.replicates(images, recs, gtRegions, &sp)
	}
	return true, nil
}

// sparseBytes is the memory of the sparse grid's sums for keys anomalous
// keys: per worker, sparseSums at its largest (8 + 16 bytes per bucket,
// 16 + 4 per key, and 8 more with RC's extent), and the keys and their
// counts. The lists of RC's extent come on top, within what is left
// (eventBudget).
func sparseBytes(keys, workers int, extent bool) int64 {
	perKey := int64(2*24 + 20)
	if extent {
		perKey += 8 // rExtent
	}
	return int64(keys) * (int64(workers)*perKey + 12)
}

// sweepSparse sorts and sweeps one image, adding each pixel's change to its
// bucket's sums in acc: its PRO and RC changes when full, else only its
// count. It returns the image's number of ground-truth regions (0 unless
// full), or the error of a score that is not finite.
func (s *imageSweep) sweepSparse(im *metric.Image, bounds []uint32, full bool, acc *sparseSums, rec *imageRecord) (gtRegions int, err error) {
	s.keys = growU64(s.keys, len(im.Scores))
	sorted, ok := s.sortPixels(s.keys, im.Scores, im.Width)
	if !ok {
		return 0, im.Validate()
	}
	if &sorted[0] != &s.keys[0] {
		s.keys, s.tmp = s.tmp, s.keys // no copy back
	}
	// The image's pixels of one bucket come one after another: their
	// simple sums are added up in r and leave it when the keys reach the
	// next bucket (flush, which also settles RC).
	r := newBucketRun(acc, bounds)
	r.rec = rec
	if !full {
		// Only the pixels per bucket: the anomalous ones are counted with
		// the keys.
		for _, kv := range s.keys {
			r.reach(kv)
			r.sum += 1 << 32
		}
		r.flush()
		return 0, nil
	}
	gtRegions = s.begin(im)
	defer s.end()
	if s.gt == nil && s.opts.Need&NeedRC != 0 && s.opts.RCAverage == metric.Pooled {
		// No ground truth: every quality is 0, and a pixel changes only the
		// number of regions (what add does, without its bookkeeping).
		if acc.ext != nil {
			s.extentNoGT(r)
			return gtRegions, nil
		}
		for _, kv := range s.keys {
			r.reach(kv)
			r.sum += 1<<32 + int64(s.tracker.AddCount(int32(kv)))
		}
		r.flush()
		return gtRegions, nil
	}
	r.sweep = s
	s.tracker.KeepParts(acc.ext != nil)
	if rec != nil {
		s.recordSparse(r)
		return gtRegions, nil
	}
	if acc.ext != nil {
		s.extentSparse(r)
		return gtRegions, nil
	}
	for _, kv := range s.keys {
		r.reach(kv)
		var d sums
		s.add(int32(kv), &d)
		r.sum += 1<<32 + d.regions
		if d.pos != 0 {
			acc.pro[r.j>>1].add(d.pro) // an anomalous pixel's bucket is 2j+1
		}
	}
	r.flush()
	return gtRegions, nil
}

// bucketRun is an image's sweep through the buckets.
type bucketRun struct {
	acc    *sparseSums
	bounds []uint32    // bucketBounds
	sweep  *imageSweep // to settle RC, when it is swept
	j      int         // the current bucket
	next   uint32      // the first key beyond it (bounds[j])
	sum    int64       // its pixels << 32 + the change of the region count, not yet in acc
	last   uint32      // the key of its last pixel so far
	// rec, when set, records the image's sums per bucket (Options.Record),
	// with pos and pro, the bucket's anomalous pixels and PRO change.
	rec *imageRecord
	pos int32
	pro int64
	// ext is the image's RC extent in the current bucket, when acc.ext;
	// settled the RC change settled within it (extentSparse).
	ext     imageExtent
	settled int64
	evR     int64 // the change of the region count since the last event
}

func newBucketRun(acc *sparseSums, bounds []uint32) *bucketRun {
	r := &bucketRun{acc: acc, bounds: bounds}
	r.aim()
	return r
}

// aim sets next for bucket j: beyond every finite score's key for the last.
func (r *bucketRun) aim() {
	r.next = math.MaxUint32
	if r.j < len(r.bounds) {
		r.next = r.bounds[r.j]
	}
}

// reach takes the pixel with sorted key kv into the run, first moving on
// to its bucket when it lies beyond the current one.
func (r *bucketRun) reach(kv uint64) {
	k := uint32(kv >> 32)
	if k >= r.next {
		r.move(k)
	}
	r.last = k
}

// move flushes the current bucket and moves on to key k's.
func (r *bucketRun) move(k uint32) {
	r.flush()
	r.j = advance(r.bounds, r.j, k)
	r.aim()
}

// flush adds the current bucket's sums to acc (at a move to another
// bucket, and at the end of the image).
func (r *bucketRun) flush() {
	a := r.acc
	a.simple[r.j] += r.sum
	if r.j&1 == 0 && r.last > a.last[r.j>>1] {
		a.last[r.j>>1] = r.last
	}
	rc := r.settled
	if r.sweep != nil {
		var d sums
		r.sweep.settle(&d)
		rc += d.rc
	}
	if rc != 0 {
		a.rc[r.j].add(rc)
	}
	if a.ext != nil && r.j&1 == 0 {
		r.ext.flush(a, r.j>>1, rc)
	}
	r.ext = imageExtent{}
	r.settled, r.evR = 0, 0
	if r.rec != nil {
		r.record(rc)
	}
	r.sum = 0
}

// sparsePoints turns the workers' bucket sums into points.
type sparsePoints struct {
	keys []uint32 // the anomalous keys
	tp   []int64  // the anomalous pixels with each key
	per  []*sparseSums
}

// add adds bucket b's sums to c and returns its number of pixels.
func (sp *sparsePoints) add(c *curveState, b int) (pixels int64) {
	for _, s := range sp.per {
		v := s.simple[b]
		regions := int64(int32(v))
		pixels += (v - regions) >> 32
		c.regions += regions
		if s.rc != nil {
			c.rc = c.rc.plus(s.rc[b])
		}
		if b&1 != 0 && s.pro != nil {
			c.pro = c.pro.plus(s.pro[b>>1])
		}
	}
	if b&1 != 0 {
		c.tp += sp.tp[b>>1]
		c.fp += pixels - sp.tp[b>>1]
	} else {
		c.fp += pixels
	}
	return pixels
}

// last returns the largest key of bucket 2j.
func (sp *sparsePoints) last(j int) uint32 {
	k := uint32(0)
	for _, s := range sp.per {
		k = max(k, s.last[j])
	}
	return k
}

// minSparseStretch is the fewest anomalous keys worth a stretch of its own
// (a variable for tests).
var minSparseStretch = 4096

// sparseStretches is the number of stretches scan cuts m anomalous keys
// into.
func sparseStretches(m, workers int) int { return max(1, min(workers, m/minSparseStretch)) }

// stretches cut the anomalous keys to go through in parallel: stretch w
// covers keys [from[w], from[w+1]), so buckets 2from[w] to 2from[w+1]-1,
// the last one also bucket 2M; it starts at state starts[w] and emits
// points[w] points (one per bucket with a pixel).
type stretches struct {
	from   []int
	starts []curveState
	points []int
}

func (sp *sparsePoints) stretchesOf(workers int) stretches {
	m := len(sp.keys)
	n := sparseStretches(m, workers)
	sc := stretches{from: make([]int, n+1), starts: make([]curveState, n), points: make([]int, n)}
	for w := range sc.from {
		sc.from[w] = m * w / n
	}
	// Each stretch's total, then the state at its start.
	parallel.Workers(n, func(w int) {
		for b := 2 * sc.from[w]; b < 2*sc.from[w+1]; b++ {
			if sp.add(&sc.starts[w], b) > 0 {
				sc.points[w]++
			}
		}
	})
	if c := (curveState{}); sp.add(&c, 2*m) > 0 {
		sc.points[n-1]++
	}
	sc.starts = stretchStarts(sc.starts)
	return sc
}

// scan emits the points of the stretches, in parallel, and when keep is
// not nil also writes them there (which has room for them all); when
// strays is not nil, it gives it each bucket of normal pixels with a pixel.
func (sp *sparsePoints) scan(proto scanner, sc stretches, keep *Points, strays *strayFinder) {
	m, stretches := len(sp.keys), len(sc.starts)
	at := make([]int, stretches+1) // where each stretch's points go in keep
	for w, n := range sc.points {
		at[w+1] = at[w] + n
	}
	parallel.Workers(stretches, func(w int) {
		s := proto
		s.out = &points{}
		if keep != nil {
			k := at[w]
			s.fold = func(prev *Point) func([]Point) {
				visit := proto.fold(prev)
				return func(pts []Point) {
					visit(pts)
					k += keep.set(k, pts)
				}
			}
		}
		c := sc.starts[w]
		lo, hi := sc.from[w], sc.from[w+1]
		if lo > 0 {
			s.prev = &Point{}
			c.point(s.prev, float64(keyScore(sp.keys[lo-1])), s.full, s.shift, s.gtRegions)
		}
		normal := func(int, *curveState, *curveState) {}
		if strays != nil {
			normal = strays.stretch(w, lo)
		}
		var before curveState
		for j := lo; j < hi; j++ {
			if strays != nil {
				before = c
			}
			if sp.add(&c, 2*j) > 0 {
				normal(j, &before, &c)
				s.emit(uint64(sp.last(j))<<32, &c)
			}
			// (An anomalous key's bucket always has a pixel, except in a
			// bootstrap replicate that left its images out.)
			if sp.add(&c, 2*j+1) > 0 {
				s.emit(uint64(sp.keys[j])<<32, &c)
			}
		}
		if before = c; w == stretches-1 && sp.add(&c, 2*m) > 0 {
			normal(m, &before, &c)
			s.emit(uint64(sp.last(m))<<32, &c)
		}
		s.out.flush()
	})
}
