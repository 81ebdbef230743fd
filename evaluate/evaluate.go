// Package evaluate computes a paper's table: image and pixel AUROC, AP and
// F1-max, AUPRO and RCPRO per category, from one sweep over each category's
// pixels, and the unweighted mean over categories. Dataset evaluates a
// whole dataset from a Source that reads categories in batches, so memory
// stays bounded; Category evaluates one category held in memory. It knows
// nothing of files or flags: package load provides the Source of a maps
// folder and a dataset layout, and package report writes Reports.
package evaluate

import (
	"fmt"
	"math"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/aupimo"
	"github.com/zsadbench/zsadbench/internal/integrate"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/perimage"
	"github.com/zsadbench/zsadbench/pimo"
	"github.com/zsadbench/zsadbench/roc"
)

// Options are how an evaluation runs and what it keeps, beyond the metric
// settings; the zero value keeps no curve and holds at most
// DefaultHoldPixels pixels for the steps grid's exact pixel metrics.
type Options struct {
	// Curves keeps every curve in the report (for plots and CSV files).
	Curves bool
	// CurveTolerance, when positive, thins each curve as soon as it is
	// made (curve.Simplify: within the tolerance in x, y and the metric),
	// so that a report holds a few thousand points a curve instead of one
	// a pixel, and memory holds one category's full curve at a time. 0
	// keeps every point.
	CurveTolerance float64
	// HoldPixels (Dataset, steps grid) is the most pixels of a category held
	// for the exact pixel AUROC, AP and F1-max; a larger category is read
	// again in batches of about this size instead, so memory stays bounded.
	// 0 means DefaultHoldPixels.
	HoldPixels int
	// Progress, when set, is told what Dataset is doing (for a status
	// line); it is called from the goroutine that called Dataset.
	Progress func(Progress)
	// ByDefect (Dataset) adds to each category a report per defect type
	// (CategoryReport.Defects): the category's normal images with its
	// anomalous images of that type, evaluated as a category of their own,
	// in type order. It needs the source's CategoryInfo.Defects; a category
	// without them gets none, and a warning.
	ByDefect bool
	// Bootstrap, with Replicates > 0, adds bootstrap intervals of every
	// metric (CategoryReport.CILow, CIHigh, and the mean's). It holds a
	// category in memory on the steps grid too.
	Bootstrap Bootstrap
	// KeepReplicates keeps each category's bootstrap replicates in
	// CategoryReport.Replicates after Dataset (for paired comparisons of
	// runs); Category always keeps them.
	KeepReplicates bool
	// category is the index of the category being evaluated (the stream
	// of its bootstrap draws).
	category int
	// PerImage keeps one record per image in CategoryReport.Records
	// (package perimage). It needs the pixel ROC sweep (for the F1-max
	// threshold) whatever the metrics, and holds a category in memory on
	// the steps grid too.
	PerImage bool
	// buffers are the sweep's large arrays, reused from one category to
	// the next by Dataset, which evaluates one category at a time.
	buffers *sweep.Buffers
}

// DefaultHoldPixels is Options.HoldPixels' default: 2^28 pixels, about
// 1.3 GB of maps and masks.
const DefaultHoldPixels = 1 << 28

// ImageMetrics are the image-level metrics.
type ImageMetrics struct {
	AUROC metric.Value `json:"auroc"`
	AP    metric.Value `json:"ap"`
	F1Max metric.Value `json:"f1_max"`
}

// PixelMetrics are the pixel-level metrics.
type PixelMetrics struct {
	AUROC metric.Value `json:"auroc"`
	AP    metric.Value `json:"ap"`
	F1Max metric.Value `json:"f1_max"`
	AUPRO metric.Value `json:"aupro"`
	RCPRO metric.Value `json:"rcpro"`
	// AUPIMO and AUPIMOStd are the mean and the sample standard deviation
	// of the anomalous images' AUPIMO (package pimo).
	AUPIMO    metric.Value `json:"aupimo"`
	AUPIMOStd metric.Value `json:"aupimo_std"`
}

// notComputedPixel is PixelMetrics before anything is computed.
var notComputedPixel = PixelMetrics{notComputed, notComputed, notComputed, notComputed, notComputed, notComputed, notComputed}

// CategoryReport is one row of the table.
type CategoryReport struct {
	Name            string       `json:"name"`
	Images          int          `json:"images"`
	AnomalousImages int          `json:"anomalous_images"`
	Pixels          int64        `json:"pixels"`
	Image           ImageMetrics `json:"image"`
	Pixel           PixelMetrics `json:"pixel"`
	// Curves holds the curves by kind (curve.ImageROC, ...) when
	// Options.Curves is set, thinned to Options.CurveTolerance.
	Curves map[curve.Kind]curve.Curve `json:"-"`
	// PIMO holds the anomalous images' PIMO curves when Options.Curves is
	// set and AUPIMO computed: their points with shared FPR in
	// [curve.PIMOXMin, curve.PIMOXMax] and the nearest one either side
	// (with a shared FPR above 0), thinned to Options.CurveTolerance.
	PIMO *curve.Images `json:"-"`
	// Records has one record per image, in order, when Options.PerImage
	// is set.
	Records []perimage.Record `json:"-"`
	// CILow and CIHigh bound each metric's bootstrap interval
	// (Options.Bootstrap).
	CILow  *Metrics `json:"ci_low,omitempty"`
	CIHigh *Metrics `json:"ci_high,omitempty"`
	// Replicates are the bootstrap replicates' metrics (see
	// Options.KeepReplicates).
	Replicates []Metrics `json:"-"`
	// Warnings says which metrics are undefined and why.
	Warnings []string `json:"-"`
	// Defects are the category's rows per defect type, named after the
	// type, with Options.ByDefect.
	Defects []*CategoryReport `json:"defects,omitempty"`
}

// Value returns the metric whose curve is of kind k: what a figure of that
// kind shows in its legend.
func (c *CategoryReport) Value(k curve.Kind) metric.Value {
	return value(k, c.Image, c.Pixel)
}

// Value returns the mean of the metric whose curve is of kind k.
func (m *Mean) Value(k curve.Kind) metric.Value { return value(k, m.Image, m.Pixel) }

func value(k curve.Kind, im ImageMetrics, px PixelMetrics) metric.Value {
	switch k {
	case curve.ImageROC:
		return im.AUROC
	case curve.ImagePR:
		return im.AP
	case curve.PixelROC:
		return px.AUROC
	case curve.PixelPR:
		return px.AP
	case curve.PROFPR:
		return px.AUPRO
	case curve.PRORC:
		return px.RCPRO
	case curve.PIMO:
		return px.AUPIMO
	}
	return metric.NoValue(string(k), "not a curve kind")
}

var notComputed = metric.NoValue("metric", "not requested")

// Category evaluates one category held in memory. Input errors (a
// non-finite score, sizes that do not match) and invalid settings are
// returned as errors; undefined metrics are values with warnings.
func Category(cat *metric.Category, s metric.Settings, o Options) (*CategoryReport, error) {
	st, err := newStream(cat.Name, s, o, cat.ExtentFor(s.Thresholds))
	if err != nil {
		return nil, err
	}
	st.maxImages = len(cat.Images)
	if err := st.Add(cat.Images); err != nil {
		return nil, err
	}
	rep, err := st.Finish()
	if err != nil {
		return nil, err
	}
	if o.PerImage {
		rep.Records = st.records(cat.Images)
	}
	if o.Bootstrap.Replicates > 0 {
		if err := st.bootstrap(cat.Images); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// stream evaluates a category whose images arrive in parts, so that a large
// category need not be held in memory: on the steps grid, without pixel
// AUROC, AP and F1-max (which always use every threshold), memory does not
// grow with the number of images.
type stream struct {
	name      string
	s         metric.Settings
	o         Options
	need      sweep.Need
	sweep     *sweep.Stream
	rep       *CategoryReport
	scores    []float64
	labels    []bool
	positives int64
	ext       metric.Extent // what newStream was given, to rebuild the sweep (readROCAgain)
	// set by readROCAgain
	reread func(func([]metric.Image) error) error
	hold   int
	// folds of the sweep's points, set up by Finish: the exact grid's
	// points by stretch, the steps grid's in order
	exact *stretchFolds
	aupro *integrate.PRO
	rc    integrate.RC
	// AUPIMO: the images' summaries, made as they arrive (for at most
	// maxImages images in the category; 0 = unknown, then complete)
	maxImages      int
	pimo           []aupimo.Image
	pimoKeys       []string // the images' keys (names without), for PIMO curves
	perImageAUPIMO []float64
	// the per-image records' F1-max threshold, tF1 when hasF1
	tF1   float64
	hasF1 bool
}

// newStream starts evaluating category name, of extent ext (see
// sweep.NewStream).
func newStream(name string, s metric.Settings, o Options, ext metric.Extent) (*stream, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := o.Bootstrap.Validate(); err != nil {
		return nil, err
	}
	if t := o.CurveTolerance; !(t >= 0 && t < 1) {
		return nil, fmt.Errorf("evaluate: curve tolerance %v: want 0 (every point) or a value below 1", t)
	}
	st := &stream{name: name, s: s, o: o, rep: &CategoryReport{Name: name}, ext: ext}
	st.rep.Image = ImageMetrics{notComputed, notComputed, notComputed}
	st.rep.Pixel = notComputedPixel
	if o.Curves {
		st.rep.Curves = map[curve.Kind]curve.Curve{}
	}
	// The pixel ROC is swept for the pixel metrics, and for the per-image
	// records' F1-max threshold.
	if s.Metrics&metric.SelectPixel != 0 || o.PerImage {
		st.need |= sweep.NeedROC
	}
	if s.Metrics&metric.SelectAUPRO != 0 {
		st.need |= sweep.NeedPRO
	}
	if s.Metrics&metric.SelectRCPRO != 0 {
		st.need |= sweep.NeedPRO | sweep.NeedRC
	}
	if err := st.newSweep(); err != nil {
		return nil, err
	}
	return st, nil
}

// newSweep sets up the sweep for what st.need asks (none for image metrics
// only).
func (st *stream) newSweep() error {
	st.sweep = nil
	if st.need == 0 {
		return nil
	}
	opts := sweep.Options{Settings: st.s, Need: st.need, Buffers: st.o.buffers}
	if !st.o.Curves {
		// Every scalar is a fold over the sweep's points, in threshold
		// order; the points are stored only when the caller wants curves.
		opts.Fold = func(prev *sweep.Point) func([]sweep.Point) { return st.exact.fold(prev) }
		opts.Sparse = true
		opts.Visit = st.consumeStep
	} else if st.sparseCurves() {
		// The sparse grid's points also draw the exact grid's curves
		// (sweep.Options.Keep): fold them and keep them.
		opts.Fold = func(prev *sweep.Point) func([]sweep.Point) { return st.exact.fold(prev) }
		opts.Sparse, opts.Keep = true, true
		// Half the tolerance to the sweep's PRO-vs-RC curve, half to
		// thinning it (keepCurve).
		opts.KeepRCTolerance = st.rcTolerance()
	}
	var err error
	st.sweep, err = sweep.NewStream(opts, st.ext)
	return err
}

// sparseCurves reports whether the curves kept (Options.Curves) come from
// the sparse exact grid, which needs no sort of the whole category: the
// ROC, PR and PRO-vs-FPR curves run straight between its points, and on
// the steps grid the PRO and RC curves come from the steps. On the exact
// grid RC strays up and down at a fixed PRO between the sparse points, by
// how much depending on how the images' pixels interleave: the sweep adds
// the points where RC peaks in each stretch where it may stray by more
// than half the tolerance (sweep.Result.RCPeaks), and keepCurve thins the
// curve to the other half. With tolerance 0, every point.
func (st *stream) sparseCurves() bool {
	return st.o.CurveTolerance > 0
}

// rcTolerance is the tolerance PRO-vs-RC curves are thinned to: half of
// Options.CurveTolerance for the exact grid's sparse curves (see
// sparseCurves).
func (st *stream) rcTolerance() float64 {
	if st.sparseCurves() && st.s.Thresholds.IsExact() {
		return st.o.CurveTolerance / 2
	}
	return st.o.CurveTolerance
}

// thinCurves is false to keep the sparse curves unthinned (for tests).
var thinCurves = true

// readROCAgain makes Finish compute the exact pixel AUROC, AP and F1-max by
// reading the category again through each (which must hand fn the same
// images every time) in batches of at most about hold pixels
// (sweep.ExactROC), instead of keeping every pixel until Finish. With it, a
// steps-grid evaluation holds a bounded number of pixels whatever the size
// of the category. Call it before Add. It does nothing on the exact grid,
// whose sweep needs every pixel anyway, nor when curves are kept.
func (st *stream) readROCAgain(each func(fn func([]metric.Image) error) error, hold int) error {
	if st.s.Thresholds.IsExact() || st.o.Curves || st.s.Metrics&metric.SelectPixel == 0 {
		return nil
	}
	if st.rep.Images > 0 {
		panic("evaluate: readROCAgain after Add")
	}
	st.reread, st.hold = each, max(1, hold)
	st.need &^= sweep.NeedROC
	return st.newSweep()
}

// Add evaluates images; they are not kept.
func (st *stream) Add(images []metric.Image) error {
	// The sweep validates the images; without one, validate them here.
	if st.sweep != nil {
		if err := st.sweep.Add(images); err != nil {
			return err
		}
	} else {
		for i := range images {
			if err := images[i].Validate(); err != nil {
				return err
			}
		}
	}
	positives := make([]int64, len(images))
	parallel.For(len(images), st.s.Workers, func(_, i int) {
		positives[i] = int64(images[i].AnomalousPixels())
	})
	if st.s.Metrics&metric.SelectAUPIMO != 0 {
		st.summarize(images)
	}
	for i := range images {
		im := &images[i]
		st.positives += positives[i]
		st.scores = append(st.scores, im.ImageScore())
		anomalous := im.Anomalous()
		st.labels = append(st.labels, anomalous)
		if anomalous {
			st.rep.AnomalousImages++
		}
		st.rep.Images++
		st.rep.Pixels += int64(im.Width * im.Height)
	}
	return nil
}

// summarize adds the images' AUPIMO summaries.
func (st *stream) summarize(images []metric.Image) {
	limit := st.maxImages
	if limit <= 0 || st.o.Curves {
		limit = math.MaxInt32 // every pixel (curves run to any shared FPR)
	}
	if st.o.Curves {
		for i := range images {
			key := images[i].Key
			if key == "" {
				key = images[i].Name
			}
			st.pimoKeys = append(st.pimoKeys, key)
		}
	}
	at := len(st.pimo)
	st.pimo = append(st.pimo, make([]aupimo.Image, len(images))...)
	parallel.For(len(images), st.s.Workers, func(_, i int) {
		st.pimo[at+i] = aupimo.Summarize(&images[i], limit)
	})
}

// finishAUPIMO sets the category's AUPIMO.
func (st *stream) finishAUPIMO(warn func(string, metric.Value) metric.Value) {
	res := pimo.FromSummary(aupimo.Compute(st.pimo, nil, st.s.PIMOThresholds), nil)
	st.rep.Pixel.AUPIMO = warn("pixel", res.Mean)
	st.rep.Pixel.AUPIMOStd = res.Std
	if res.Mean.OK() {
		st.rep.Pixel.AUPIMOStd = warn("pixel", res.Std)
	}
	for _, w := range res.Warnings {
		st.rep.Warnings = append(st.rep.Warnings, st.name+": "+w)
	}
	st.perImageAUPIMO = res.AUPIMO
	if st.o.Curves {
		st.rep.PIMO = st.pimoCurves()
	}
}

// pimoCurves returns the anomalous images' PIMO curves (see
// CategoryReport.PIMO), or nil without a normal or an anomalous image.
func (st *stream) pimoCurves() *curve.Images {
	// Past PIMOXMax only the first point is kept: the shared curve stops
	// there.
	xs, ts := aupimo.SharedCurveTo(st.pimo, curve.PIMOXMax)
	if xs == nil {
		return nil
	}
	out := &curve.Images{}
	for i := range st.pimo {
		if !st.pimo[i].Anomalous {
			continue
		}
		c := aupimo.ImageCurve(&st.pimo[i], xs, ts)
		// x never decreases along c: keep [lo-1, hi] around the range.
		lo, hi := 0, c.Len()
		for lo < c.Len() && c.X[lo] < curve.PIMOXMin {
			lo++
		}
		if lo > 0 && c.X[lo-1] > 0 {
			lo--
		}
		for hi > lo && hi > 0 && c.X[hi-1] > curve.PIMOXMax {
			hi--
		}
		if hi < c.Len() {
			hi++ // the first point past the range, exact (SharedCurveTo)
		}
		c = curve.Curve{Threshold: c.Threshold[lo:hi], X: c.X[lo:hi], Y: c.Y[lo:hi]}
		if t := st.o.CurveTolerance; t > 0 {
			c = curve.Simplify(c, curve.PIMO, t, curve.Rule{})
		}
		out.Keys = append(out.Keys, st.pimoKeys[i])
		out.Curves = append(out.Curves, c)
	}
	return out
}

// fpr is a false-positive rate of the category.
func (st *stream) fpr(fp int64) float64 { return float64(fp) / st.normalPixels() }

// normalPixels is the denominator of false-positive rates: the category's
// normal pixels, or 1 when it has none (every rate is then 0).
func (st *stream) normalPixels() float64 { return max(1, float64(st.rep.Pixels-st.positives)) }

// consumeStep folds a point of the steps grid.
func (st *stream) consumeStep(p *sweep.Point) {
	if st.s.Metrics&metric.SelectAUPRO != 0 {
		st.aupro.Add(st.fpr(p.FP), p.PRO)
	}
	if st.s.Metrics&metric.SelectRCPRO != 0 {
		st.rc.Add(p.PRO, p.RC, p.Regions)
	}
}

// newExactFold returns a fold of exact-grid points that follow prev (nil:
// from the first point): pixel AUROC, AP and F1-max when withPixel, and on
// the exact grid the requested AUPRO and RCPRO when withRegions.
func (st *stream) newExactFold(prev *sweep.Point, withPixel, withRegions bool) *exactFold {
	return foldParams{s: st.s, positives: st.positives, pixels: st.rep.Pixels, f1: st.o.PerImage}.fold(prev, withPixel, withRegions)
}

// foldParams are what the folds of a category's exact-grid points need.
type foldParams struct {
	s                 metric.Settings
	positives, pixels int64
	f1                bool // find the F1-max threshold
}

// fold returns a fold of exact-grid points that follow prev (nil: from the
// first point): pixel AUROC, AP and F1-max when withPixel, and on the
// exact grid the requested AUPRO and RCPRO when withRegions.
func (p foldParams) fold(prev *sweep.Point, withPixel, withRegions bool) *exactFold {
	s := p.s
	f := &exactFold{negatives: max(1, float64(p.pixels-p.positives))}
	if withPixel {
		f.pixel = roc.NewAccumulator(p.positives, p.pixels-p.positives)
		if prev != nil {
			f.pixel.Resume(prev.TP, prev.FP)
		}
		if p.f1 {
			f.f1 = &f1Best{positives: p.positives}
			if prev != nil {
				f.f1.prevTP = prev.TP
			}
		}
	}
	if withRegions && s.Thresholds.IsExact() && s.Metrics&metric.SelectAUPRO != 0 {
		f.aupro = integrate.NewPRO(s.Thresholds, s.FPRLimit)
		if prev != nil {
			f.aupro.Resume(float64(prev.FP)/f.negatives, prev.PRO)
		}
	}
	if withRegions && s.Thresholds.IsExact() && s.Metrics&metric.SelectRCPRO != 0 {
		f.rc = &integrate.RC{}
		if prev != nil {
			f.rc.Resume(prev.PRO, prev.RC, prev.Regions)
		}
	}
	return f
}

// Finish returns the category's report. The Stream must not be used
// afterwards.
func (st *stream) Finish() (*CategoryReport, error) {
	s, rep := st.s, st.rep
	warn := func(level string, v metric.Value) metric.Value {
		if !v.OK() {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %s %v", st.name, level, v.Err))
		}
		return v
	}
	if s.Metrics&metric.SelectImage != 0 {
		c := roc.FromScores(st.scores, st.labels)
		rep.Image = ImageMetrics{warn("image", c.AUROC()), warn("image", c.AP()), warn("image", c.F1Max())}
		if st.o.Curves {
			st.keepCurve(curve.ImageROC, c.ROC())
			st.keepCurve(curve.ImagePR, c.PR())
		}
	}
	negatives := rep.Pixels - st.positives
	setPixel := func(a *roc.Accumulator) {
		rep.Pixel.AUROC = warn("pixel", a.AUROC())
		rep.Pixel.AP = warn("pixel", a.AP())
		rep.Pixel.F1Max = warn("pixel", a.F1Max())
	}
	if st.reread != nil {
		folds := &stretchFolds{start: func(prev *sweep.Point) *exactFold { return st.newExactFold(prev, true, false) }}
		pos, neg, err := sweep.ExactROC(st.reread, st.hold, s.Workers, folds.fold(nil))
		if err != nil {
			return nil, err
		}
		if pos != st.positives || neg != negatives {
			return nil, fmt.Errorf("%s: reading the category again gave %d/%d pixels, the first time %d/%d", st.name, pos, neg, st.positives, negatives)
		}
		setPixel(folds.merged().pixel)
	}
	if s.Metrics&metric.SelectAUPIMO != 0 {
		st.finishAUPIMO(warn)
	}
	if st.sweep == nil {
		return rep, nil // image metrics only, AUPIMO, or none (data without labels)
	}
	withPixel := st.need&sweep.NeedROC != 0 // not when readROCAgain took it
	st.exact = &stretchFolds{start: func(prev *sweep.Point) *exactFold { return st.newExactFold(prev, withPixel, true) }}
	st.aupro = integrate.NewPRO(s.Thresholds, s.FPRLimit)
	r, err := st.sweep.Finish()
	if err != nil {
		return nil, err
	}
	if st.o.Curves && !st.sparseCurves() {
		visit := st.exact.fold(nil)
		var pts []sweep.Point
		for k := range r.Exact.Threshold {
			if pts = append(pts, r.Exact.At(k)); len(pts) == 256 {
				visit(pts)
				pts = pts[:0]
			}
		}
		visit(pts)
	}
	if st.o.Curves {
		if r.Steps != nil {
			for k := range r.Steps.Threshold {
				p := r.Steps.At(k)
				st.consumeStep(&p)
			}
		}
	}
	// The pixel curves are built and thinned at once, at the end.
	var pixelCurves []curveJob
	exact := st.exact.merged()
	if exact.f1 != nil {
		st.tF1, st.hasF1 = exact.f1.t, exact.f1.ok
	}
	if withPixel && s.Metrics&metric.SelectPixel != 0 {
		setPixel(exact.pixel)
		if st.o.Curves {
			c := roc.Counts{Threshold: r.Exact.Threshold, TP: r.Exact.TP, FP: r.Exact.FP, Positives: r.Positives, Negatives: r.Negatives}
			pixelCurves = append(pixelCurves, curveJob{curve.PixelROC, c.ROC}, curveJob{curve.PixelPR, c.PR})
		}
	}
	if s.Thresholds.IsExact() {
		if exact.aupro != nil {
			st.aupro = exact.aupro
		}
		if exact.rc != nil {
			st.rc = *exact.rc
		}
	}
	if s.Metrics&metric.SelectAUPRO != 0 {
		rep.Pixel.AUPRO = warn("pixel", st.aupro.AUPRO(r.GTRegions, r.Negatives))
		if st.o.Curves {
			pixelCurves = append(pixelCurves, curveJob{curve.PROFPR, func() curve.Curve { return integrate.PROCurve(r) }})
		}
	}
	if s.Metrics&metric.SelectRCPRO != 0 {
		rep.Pixel.RCPRO = warn("pixel", st.rc.RCPRO(r.GTRegions))
		if st.o.Curves {
			pixelCurves = append(pixelCurves, curveJob{curve.PRORC, func() curve.Curve { return integrate.RCCurve(r) }})
		}
	}
	st.keepCurves(pixelCurves)
	return rep, nil
}

// keepCurve puts a curve of kind k in the report, thinned to
// Options.CurveTolerance.
func (st *stream) keepCurve(k curve.Kind, c curve.Curve) {
	st.rep.Curves[k] = st.thin(k, c)
}

// thin returns c thinned to Options.CurveTolerance (for kind k).
func (st *stream) thin(k curve.Kind, c curve.Curve) curve.Curve {
	t := st.o.CurveTolerance
	if k == curve.PRORC {
		t = st.rcTolerance()
	}
	if t > 0 && thinCurves {
		c = curve.Simplify(c, k, t, curve.Rule{FPRLimit: st.s.FPRLimit, StepsGrid: !st.s.Thresholds.IsExact()})
	}
	return c
}

// curveJob builds a curve of a kind.
type curveJob struct {
	kind  curve.Kind
	build func() curve.Curve
}

// keepCurves builds the curves of jobs, thins them and puts them in the
// report, in parallel: each takes a pass over every point of the category.
func (st *stream) keepCurves(jobs []curveJob) {
	out := make([]curve.Curve, len(jobs))
	parallel.For(len(jobs), st.s.Workers, func(_, i int) {
		out[i] = st.thin(jobs[i].kind, jobs[i].build())
	})
	for i, j := range jobs {
		st.rep.Curves[j.kind] = out[i]
	}
}
