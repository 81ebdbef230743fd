// Package sweep is the one descending pass over a category's pixels that
// feeds every pixel curve: ROC and PR counts, PRO sums, and the predicted
// regions that RC scores.
//
// On the exact grid each image is sorted and swept on its own, in parallel
// and in cache, switching pixels on from the highest score down while
// union-find merges predicted regions (no region is ever relabelled from
// scratch). For the metrics alone (Options.Sparse) only the points at and
// just before each anomalous pixel's score are needed: the anomalous scores
// cut the scores into buckets, each pixel's change is added to its bucket,
// and the points are the buckets' prefix sums, with no sort of the whole
// category. For every point (stored curves), each pixel's change goes into
// its sort key instead, one radix sort of the whole category interleaves
// the images, and a final scan in parallel stretches (each starting from
// the sum of the stretches before it) emits one point per distinct score.
// On the steps grid each image's pixels are bucketed by threshold and
// swept alone into per-threshold sums. All sums are exact integers (fixed
// point for PRO and RC), and the callers' folds of the points sum in fixed
// point too, so the result does not depend on the number of workers.
package sweep

import (
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/metric"
)

// Need selects what the sweep computes; it pays only for what is asked.
type Need uint8

const (
	NeedROC Need = 1 << iota // true and false positives on the exact grid
	NeedPRO                  // per-region overlap on the grid of Options.Thresholds
	NeedRC                   // region calibration on the grid of Options.Thresholds
	NeedAll = NeedROC | NeedPRO | NeedRC
)

// Options configure a sweep.
type Options struct {
	// Settings give the grid (Thresholds), Connectivity, RC's tolerances
	// and average, and Workers, the number of images swept at once; their
	// Metrics are not read: Need says what to compute.
	metric.Settings
	Need Need
	// Buffers, when set, are reused for the large arrays of the exact grid
	// with every point (not Sparse), and keep them for the next sweep that
	// is given them; sweeps that share Buffers must not run at the same
	// time.
	Buffers *Buffers
	// Fold, when set, receives the points of the exact grid (see Fold)
	// instead of Result storing them, which saves memory on large
	// categories.
	Fold Fold
	// Sparse, with Fold, gives Fold only the exact grid's points that the
	// folds of AUROC, AP, F1-max, AUPRO and RCPRO need: for each distinct
	// score of an anomalous pixel, its point and the point just before it,
	// and the last point. The others lie on runs where only normal pixels
	// switch on, along which those folds add nothing that the ends of the
	// run do not give (see roc.Accumulator, integrate.PRO and
	// integrate.RC). It needs no sort of the whole category, so it is
	// faster and holds much less than the full grid. A category with so
	// many distinct anomalous scores that its sparse sums would take more
	// memory than the full grid gets every point instead, with the same
	// folds.
	Sparse bool
	// Record, with Sparse and NeedPRO, also keeps each image's sums per
	// bucket in Result.Replicates, from which bootstrap replicates of the
	// category are folded without sweeping again. (A category that gets
	// every point instead, see Sparse, records nothing.)
	Record bool
	// Keep, with Fold, also stores in Result.Exact the points given to
	// Fold. With Sparse those are the sparse grid's points, which are
	// enough to draw the ROC, PR and PRO-vs-FPR curves exactly: between
	// two of them only normal pixels switch on, so TP and PRO stay the
	// same and those curves run straight (ROC and PRO-vs-FPR across, PR
	// down at a fixed recall). Not the PRO-vs-RC curve: RC moves between
	// them, and RC strays up and down at a fixed PRO: with NeedRC the
	// sweep adds Result.RCPeaks, where it may stray more than
	// KeepRCTolerance.
	Keep bool
	// KeepRCTolerance: see Keep (0: every stretch where RC strays beyond
	// its ends gets its peaks).
	KeepRCTolerance float64
	// Visit, when set, receives the points of the steps grid, from the
	// highest threshold down, instead of Result storing them. The *Point is
	// reused between calls.
	Visit func(p *Point)
}

// Point is the state of the curves at one threshold.
type Point struct {
	Threshold float64
	TP, FP    int64
	PRO       float64 // when NeedPRO
	Regions   int64   // when NeedRC
	RC        float64 // when NeedRC
}

// Points are curve coordinates at descending thresholds.
type Points struct {
	// Threshold is descending. On the exact grid a pixel is positive when
	// score >= Threshold[k]; on the steps grid when score > Threshold[k].
	Threshold []float64
	// TP and FP count anomalous and normal pixels predicted positive.
	TP, FP []int64
	// PRO is the mean over ground-truth regions of the fraction of each region
	// predicted positive; nil unless NeedPRO.
	PRO []float64
	// Regions counts the predicted regions (pooled RC) or the images with a
	// predicted region (per-image RC); nil unless NeedRC.
	Regions []int64
	// RC is the region-calibrated score, 0 where Regions is 0; nil unless NeedRC.
	RC []float64
}

// Len returns the number of points.
func (p *Points) Len() int { return len(p.Threshold) }

// At returns point k.
func (p *Points) At(k int) Point {
	q := Point{Threshold: p.Threshold[k], TP: p.TP[k], FP: p.FP[k]}
	if p.PRO != nil {
		q.PRO = p.PRO[k]
	}
	if p.RC != nil {
		q.Regions, q.RC = p.Regions[k], p.RC[k]
	}
	return q
}

// newPoints returns room for n points, with PRO and with Regions and RC
// as asked.
func newPoints(n int, pro, rc bool) Points {
	p := Points{Threshold: make([]float64, n), TP: make([]int64, n), FP: make([]int64, n)}
	if pro {
		p.PRO = make([]float64, n)
	}
	if rc {
		p.Regions, p.RC = make([]int64, n), make([]float64, n)
	}
	return p
}

// set writes pts from point k on and returns how many there are.
func (p *Points) set(k int, pts []Point) int {
	for i := range pts {
		q := &pts[i]
		p.Threshold[k+i], p.TP[k+i], p.FP[k+i] = q.Threshold, q.TP, q.FP
	}
	if p.PRO != nil {
		for i := range pts {
			p.PRO[k+i] = pts[i].PRO
		}
	}
	if p.RC != nil {
		for i := range pts {
			p.Regions[k+i], p.RC[k+i] = pts[i].Regions, pts[i].RC
		}
	}
	return len(pts)
}

// grow makes room for n more points (see append).
func (p *Points) grow(n int, full bool, opts Options) {
	p.Threshold = slices.Grow(p.Threshold, n)
	p.TP = slices.Grow(p.TP, n)
	p.FP = slices.Grow(p.FP, n)
	if full && opts.Need&NeedPRO != 0 {
		p.PRO = slices.Grow(p.PRO, n)
	}
	if full && opts.Need&NeedRC != 0 {
		p.Regions = slices.Grow(p.Regions, n)
		p.RC = slices.Grow(p.RC, n)
	}
}

func (p *Points) appendAll(q *Points) {
	p.Threshold = append(p.Threshold, q.Threshold...)
	p.TP = append(p.TP, q.TP...)
	p.FP = append(p.FP, q.FP...)
	p.PRO = append(p.PRO, q.PRO...)
	p.Regions = append(p.Regions, q.Regions...)
	p.RC = append(p.RC, q.RC...)
}

// appendBatch appends pts, with PRO and with Regions and RC as asked.
func (p *Points) appendBatch(pts []Point, pro, rc bool) {
	for i := range pts {
		q := &pts[i]
		p.Threshold = append(p.Threshold, q.Threshold)
		p.TP = append(p.TP, q.TP)
		p.FP = append(p.FP, q.FP)
	}
	if pro {
		for i := range pts {
			p.PRO = append(p.PRO, pts[i].PRO)
		}
	}
	if rc {
		for i := range pts {
			p.Regions = append(p.Regions, pts[i].Regions)
			p.RC = append(p.RC, pts[i].RC)
		}
	}
}

func (p *Points) append(q *Point, full bool, opts Options) {
	p.Threshold = append(p.Threshold, q.Threshold)
	p.TP = append(p.TP, q.TP)
	p.FP = append(p.FP, q.FP)
	if !full {
		return
	}
	if opts.Need&NeedPRO != 0 {
		p.PRO = append(p.PRO, q.PRO)
	}
	if opts.Need&NeedRC != 0 {
		p.Regions = append(p.Regions, q.Regions)
		p.RC = append(p.RC, q.RC)
	}
}

// Result is the outcome of a sweep over one category.
type Result struct {
	Grid metric.Grid
	// Positives and Negatives count the anomalous and normal pixels.
	Positives, Negatives int64
	// GTRegions counts the ground-truth regions of the category.
	GTRegions int64
	// Exact has one point per distinct score of the category. On the exact
	// grid it carries every curve; on the steps grid only TP and FP (ROC and PR
	// always use the exact grid), and only when NeedROC.
	Exact Points
	// Steps has one point per threshold of the steps grid (nil on the exact
	// grid, and empty when the category's scores are all equal).
	Steps *Points
	// RCPeaks, from a sparse sweep with Options.Keep and NeedRC, are the
	// exact grid's points where RC is lowest and highest between two
	// points of Exact where it may stray more than Options.KeepRCTolerance
	// (PRO is the same there): with them the PRO-vs-RC curve covers every
	// point of the full one within that tolerance. Their TP and FP are
	// those of the point of Exact before them. Nil otherwise.
	RCPeaks *Points
	// Replicates are the images' sums of a sparse sweep with
	// Options.Record (nil otherwise).
	Replicates *Replicates
}

// Curves returns the points of the PRO and RC curves: Steps on the steps
// grid, Exact otherwise.
func (r *Result) Curves() *Points {
	if r.Steps != nil {
		return r.Steps
	}
	return &r.Exact
}

// Pixels per image are capped at the limit of every reader (which per-image
// fixed-point sums need well below 2^62).
const maxImagePixels = metric.MaxImagePixels

// PRO fractions and region qualities are summed in fixed point, value *
// 2^shift: exact integer sums make results independent of order. The shift is
// as large as the category's largest image allows while an image's sums (at
// most one unit per pixel) stay below 2^62: 46 bits for 256x256 maps, 44 for
// 512x512, 36 at the 2^26-pixel cap, and at most 52.
func fixedShift(maxPixels int) uint {
	b := uint(0)
	for (1 << b) < maxPixels {
		b++
	}
	return min(62-b, 52)
}

// Run sweeps the category. It returns an error for invalid input (a map that
// is not finite, sizes that do not match, an image over
// metric.MaxImagePixels).
func Run(cat *metric.Category, opts Options) (*Result, error) {
	st, err := NewStream(opts, cat.ExtentFor(opts.Thresholds))
	if err != nil {
		return nil, err
	}
	if err := st.Add(cat.Images); err != nil {
		return nil, err
	}
	return st.Finish()
}

// Stream sweeps a category whose images arrive in parts. On the steps grid
// Add sweeps each image into per-threshold sums and drops it, so memory does
// not grow with the number of images; the exact grid (and the exact ROC
// counts, which every grid reports) needs every pixel at once, so Add keeps
// the images until Finish. Finish produces the same Result as Run on all the
// images.
type Stream struct {
	opts       Options
	thresholds []float32
	shift      uint
	maxPixels  int
	sweeps     []*imageSweep // one per worker, reused
	images     []metric.Image
	res        Result
}

// NewStream starts a sweep of a category of extent ext: its score range
// places the steps grid's thresholds (ignored on the exact grid), and its
// largest image sets the precision of the fixed-point sums (Add rejects a
// larger image).
func NewStream(opts Options, ext metric.Extent) (*Stream, error) {
	maxPixels := max(1, ext.MaxPixels)
	if opts.Need&(NeedPRO|NeedRC) != 0 && !opts.Connectivity.Valid() {
		return nil, fmt.Errorf("connectivity %d: want 4 or 8", opts.Connectivity)
	}
	if maxPixels > maxImagePixels {
		return nil, fmt.Errorf("an image of %d pixels; at most %d (metric.MaxImagePixels) are supported", maxPixels, maxImagePixels)
	}
	st := &Stream{opts: opts, shift: fixedShift(maxPixels), maxPixels: maxPixels}
	st.res.Grid = opts.Thresholds
	if !opts.Thresholds.IsExact() {
		st.thresholds = metric.StepThresholds(ext.Lo, ext.Hi, opts.Thresholds.Steps)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for range workers {
		s := &imageSweep{opts: opts, thresholds: st.thresholds, shift: st.shift, one: int64(1) << st.shift}
		if t := st.thresholds; len(t) > 1 && t[len(t)-1] > t[0] {
			s.perThreshold = float64(len(t)-1) / (float64(t[len(t)-1]) - float64(t[0]))
		}
		if st.stepsRegions() {
			s.levels = newLevels(len(st.thresholds))
		}
		st.sweeps = append(st.sweeps, s)
	}
	return st, nil
}

// stepsRegions reports whether PRO or RC is swept on the steps grid.
func (st *Stream) stepsRegions() bool {
	return !st.opts.Thresholds.IsExact() && st.opts.Need&(NeedPRO|NeedRC) != 0
}

// exactFull reports whether PRO or RC is swept on the exact grid.
func (st *Stream) exactFull() bool {
	return st.opts.Thresholds.IsExact() && st.opts.Need&(NeedPRO|NeedRC) != 0
}

// Add takes images. On the steps grid every score must lie within the lo and
// hi given to NewStream. Images kept for the exact grid must not change
// until Finish. A NaN or ±Inf score is an error of Add on the steps grid,
// of Finish when the image is kept for the exact grid (the scores are
// checked as the sweep reads them).
func (st *Stream) Add(images []metric.Image) error {
	err := parallel.Do(len(images), len(st.sweeps), func(_, i int) error {
		im := &images[i]
		// The scores are checked as they are read: by runSteps, or by
		// finishExact.
		if err := im.ValidateSizes(); err != nil {
			return err
		}
		if n := im.Width * im.Height; n > st.maxPixels {
			return fmt.Errorf("%s: %d pixels, more than the %d the sweep was set up for", im.Name, n, st.maxPixels)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if st.opts.Need&NeedROC != 0 || st.exactFull() {
		st.images = append(st.images, images...)
	}
	if !st.stepsRegions() {
		if st.opts.Need&NeedROC == 0 && !st.exactFull() {
			// Nothing reads the scores: check them here.
			for i := range images {
				if err := images[i].Validate(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	type counts struct{ pos, neg, gt int64 }
	per := make([]counts, len(st.sweeps))
	err = parallel.Do(len(images), len(st.sweeps), func(w, i int) error {
		pos, neg, gt, err := st.sweeps[w].runSteps(&images[i])
		per[w].pos += pos
		per[w].neg += neg
		per[w].gt += int64(gt)
		return err
	})
	if err != nil {
		return err
	}
	for _, c := range per {
		st.res.Positives += c.pos
		st.res.Negatives += c.neg
		st.res.GTRegions += c.gt
	}
	return nil
}

// Finish sweeps what the exact grid needs and returns the curves, or passes
// them to Options.Fold and Options.Visit. The Stream must not be used
// afterwards.
func (st *Stream) Finish() (*Result, error) {
	opts := st.opts
	res := &st.res
	if opts.Need&NeedROC != 0 || st.exactFull() {
		full := st.exactFull()
		done := false
		if opts.Sparse && opts.Fold != nil {
			// (It keeps its points itself, in place.)
			var err error
			if done, err = st.finishSparse(opts.Fold, opts.Keep); err != nil {
				return nil, err
			}
		}
		if !done {
			if err := st.finishEvery(full); err != nil {
				return nil, err
			}
		}
		st.images = nil
	}
	if st.stepsRegions() {
		res.Steps = &Points{}
		visit := func(p *Point) { res.Steps.append(p, true, opts) }
		if opts.Visit != nil {
			visit = opts.Visit
		}
		var lv []*levels
		for _, s := range st.sweeps {
			lv = append(lv, s.levels)
		}
		stepPoints(st.thresholds, lv, st.shift, res.GTRegions, visit)
	}
	return res, nil
}

// finishEvery sweeps the exact grid with every point, folds them
// (Options.Fold) and keeps them in Result.Exact when asked (Options.Keep,
// or without a Fold).
func (st *Stream) finishEvery(full bool) error {
	opts := st.opts
	var mu sync.Mutex
	stretches := map[float64]*Points{} // by the threshold of the point before
	keep := func(prev *Point) func([]Point) {
		b := &Points{}
		first := math.Inf(1)
		if prev != nil {
			first = prev.Threshold
		}
		mu.Lock()
		stretches[first] = b
		mu.Unlock()
		pro, rc := full && opts.Need&NeedPRO != 0, full && opts.Need&NeedRC != 0
		return func(pts []Point) { b.appendBatch(pts, pro, rc) }
	}
	fold := opts.Fold
	switch {
	case fold == nil:
		fold = keep
	case opts.Keep:
		fold = func(prev *Point) func([]Point) {
			f, k := opts.Fold(prev), keep(prev)
			return func(pts []Point) { f(pts); k(pts) }
		}
	}
	if err := st.finishExact(full, fold); err != nil {
		return err
	}
	n := 0
	for _, b := range stretches {
		n += b.Len()
	}
	st.res.Exact.grow(n, full, opts)
	for _, k := range slices.Backward(slices.Sorted(maps.Keys(stretches))) {
		st.res.Exact.appendAll(stretches[k])
	}
	return nil
}
