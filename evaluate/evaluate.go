// Package evaluate computes a paper's table for a category: image and pixel
// AUROC, AP and F1-max, AUPRO and RCPRO, from one sweep over the category's
// pixels, and the unweighted mean over categories. It knows nothing of files
// or flags; the command line fills metric.Category values and prints Reports.
package evaluate

import (
	"fmt"
	"math"
	"strings"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/pro"
	"github.com/zsadbench/zsadbench/rcpro"
	"github.com/zsadbench/zsadbench/roc"
)

// Metrics selects metric groups.
type Metrics uint8

const (
	Image Metrics = 1 << iota // image AUROC, AP, F1-max
	Pixel                     // pixel AUROC, AP, F1-max
	AUPRO
	RCPRO
	All = Image | Pixel | AUPRO | RCPRO
)

// ParseMetrics reads a comma-separated list of image, pixel, aupro, rcpro
// (or "all").
func ParseMetrics(s string) (Metrics, error) {
	var m Metrics
	for _, f := range strings.Split(s, ",") {
		switch strings.TrimSpace(strings.ToLower(f)) {
		case "image":
			m |= Image
		case "pixel":
			m |= Pixel
		case "aupro":
			m |= AUPRO
		case "rcpro":
			m |= RCPRO
		case "all":
			m |= All
		default:
			return 0, fmt.Errorf("metric %q: want image, pixel, aupro, rcpro or all", f)
		}
	}
	return m, nil
}

// String lists the groups, comma-separated.
func (m Metrics) String() string {
	var s []string
	for _, g := range []struct {
		m    Metrics
		name string
	}{{Image, "image"}, {Pixel, "pixel"}, {AUPRO, "aupro"}, {RCPRO, "rcpro"}} {
		if m&g.m != 0 {
			s = append(s, g.name)
		}
	}
	return strings.Join(s, ",")
}

// Settings configure an evaluation.
type Settings struct {
	Grid         metric.Grid
	FPRLimit     float64
	Tau, Delta   float64
	Connectivity connected.Connectivity
	RCAverage    sweep.RCAverage
	Metrics      Metrics
	// Curves keeps every curve in the report (for plots and CSV files).
	Curves  bool
	Workers int
	// Buffers, when set, are the sweep's large arrays, reused from one
	// category to the next (see sweep.Buffers); categories that share them
	// must not be evaluated at the same time.
	Buffers *sweep.Buffers
}

// DefaultSettings are METRICS.md's defaults: exact grid, L = 0.3, tau 0.05,
// delta 2.0, 8-connectivity, pooled RC, every metric.
var DefaultSettings = Settings{
	Grid: metric.Exact, FPRLimit: 0.3, Tau: rcpro.DefaultOptions.Tau, Delta: rcpro.DefaultOptions.Delta,
	Connectivity: connected.Eight, RCAverage: sweep.Pooled, Metrics: All,
}

// Validate checks the settings' ranges.
func (s Settings) Validate() error {
	switch {
	case !(s.FPRLimit > 0 && s.FPRLimit <= 1):
		return fmt.Errorf("FPR limit %v: want a value in (0, 1]", s.FPRLimit)
	case !(s.Tau >= 0 && s.Tau <= 1):
		return fmt.Errorf("RCPRO tau %v: want a value in [0, 1]", s.Tau)
	case !(s.Delta > 0) || math.IsInf(s.Delta, 0):
		return fmt.Errorf("RCPRO delta %v: want a positive value", s.Delta)
	case !s.Connectivity.Valid():
		return fmt.Errorf("connectivity %d: want 4 or 8", s.Connectivity)
	}
	return nil
}

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
}

// CategoryReport is one row of the table.
type CategoryReport struct {
	Name            string       `json:"name"`
	Images          int          `json:"images"`
	AnomalousImages int          `json:"anomalous_images"`
	Pixels          int64        `json:"pixels"`
	Image           ImageMetrics `json:"image"`
	Pixel           PixelMetrics `json:"pixel"`
	// Curves holds the curves by kind (curve.ImageROC, ...) when
	// Settings.Curves is set.
	Curves map[string]curve.Curve `json:"-"`
	// Warnings says which metrics are undefined and why.
	Warnings []string `json:"-"`
}

var notComputed = metric.NoValue("metric", "not requested")

// Category evaluates one category. Input errors (a non-finite score, sizes
// that do not match) are returned as errors; undefined metrics are values
// with warnings.
func Category(cat *metric.Category, s Settings) (*CategoryReport, error) {
	st, err := NewStream(cat.Name, s, cat.ExtentFor(s.Grid))
	if err != nil {
		return nil, err
	}
	if err := st.Add(cat.Images); err != nil {
		return nil, err
	}
	return st.Finish()
}

// Stream evaluates a category whose images arrive in parts, so that a large
// category need not be held in memory: on the steps grid, without pixel
// AUROC, AP and F1-max (which always use every threshold), memory does not
// grow with the number of images.
type Stream struct {
	name      string
	s         Settings
	need      sweep.Need
	sweep     *sweep.Stream
	rep       *CategoryReport
	scores    []float64
	labels    []bool
	positives int64
	ext       metric.Extent // what NewStream was given, to rebuild the sweep (ReadROCAgain)
	// set by ReadROCAgain
	reread func(func([]metric.Image) error) error
	hold   int
	// folds of the sweep's points, set up by Finish: the exact grid's
	// points by stretch, the steps grid's in order
	exact *stretchFolds
	aupro *pro.Integrator
	rc    rcpro.Integrator
}

// NewStream starts evaluating category name, of extent ext (see
// sweep.NewStream).
func NewStream(name string, s Settings, ext metric.Extent) (*Stream, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	st := &Stream{name: name, s: s, rep: &CategoryReport{Name: name}, ext: ext}
	st.rep.Image = ImageMetrics{notComputed, notComputed, notComputed}
	st.rep.Pixel = PixelMetrics{notComputed, notComputed, notComputed, notComputed, notComputed}
	if s.Curves {
		st.rep.Curves = map[string]curve.Curve{}
	}
	if s.Metrics&Pixel != 0 {
		st.need |= sweep.NeedROC
	}
	if s.Metrics&AUPRO != 0 {
		st.need |= sweep.NeedPRO
	}
	if s.Metrics&RCPRO != 0 {
		st.need |= sweep.NeedPRO | sweep.NeedRC
	}
	if err := st.newSweep(); err != nil {
		return nil, err
	}
	return st, nil
}

// newSweep sets up the sweep for what st.need asks (none for image metrics
// only).
func (st *Stream) newSweep() error {
	st.sweep = nil
	if st.need == 0 {
		return nil
	}
	s := st.s
	opts := sweep.Options{
		Grid: s.Grid, Connectivity: s.Connectivity, Tau: s.Tau, Delta: s.Delta,
		RCAverage: s.RCAverage, Need: st.need, Workers: s.Workers, Buffers: s.Buffers,
	}
	if !s.Curves {
		// Every scalar is a fold over the sweep's points, in threshold
		// order; the points are stored only when the caller wants curves.
		opts.Fold = func(prev *sweep.Point) func([]sweep.Point) { return st.exact.fold(prev) }
		opts.Sparse = true
		opts.Visit = st.consumeStep
	}
	var err error
	st.sweep, err = sweep.NewStream(opts, st.ext)
	return err
}

// ReadROCAgain makes Finish compute the exact pixel AUROC, AP and F1-max by
// reading the category again through each (which must hand fn the same
// images every time) in batches of at most about hold pixels
// (sweep.ExactROC), instead of keeping every pixel until Finish. With it, a
// steps-grid evaluation holds a bounded number of pixels whatever the size
// of the category. Call it before Add. It does nothing on the exact grid,
// whose sweep needs every pixel anyway, nor when curves are kept.
func (st *Stream) ReadROCAgain(each func(fn func([]metric.Image) error) error, hold int) error {
	if st.s.Grid.IsExact() || st.s.Curves || st.s.Metrics&Pixel == 0 {
		return nil
	}
	if st.rep.Images > 0 {
		panic("evaluate: ReadROCAgain after Add")
	}
	st.reread, st.hold = each, max(1, hold)
	st.need &^= sweep.NeedROC
	return st.newSweep()
}

// Add evaluates images; they are not kept.
func (st *Stream) Add(images []metric.Image) error {
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

// fpr is a false-positive rate of the category.
func (st *Stream) fpr(fp int64) float64 { return float64(fp) / st.normalPixels() }

// normalPixels is the denominator of false-positive rates: the category's
// normal pixels, or 1 when it has none (every rate is then 0).
func (st *Stream) normalPixels() float64 { return max(1, float64(st.rep.Pixels-st.positives)) }

// consumeStep folds a point of the steps grid.
func (st *Stream) consumeStep(p *sweep.Point) {
	if st.s.Metrics&AUPRO != 0 {
		st.aupro.Add(st.fpr(p.FP), p.PRO)
	}
	if st.s.Metrics&RCPRO != 0 {
		st.rc.Add(p.PRO, p.RC, p.Regions)
	}
}

// newExactFold returns a fold of exact-grid points that follow prev (nil:
// from the first point): pixel AUROC, AP and F1-max when withPixel, and on
// the exact grid the requested AUPRO and RCPRO when withRegions.
func (st *Stream) newExactFold(prev *sweep.Point, withPixel, withRegions bool) *exactFold {
	s := st.s
	f := &exactFold{negatives: st.normalPixels()}
	if withPixel {
		f.pixel = roc.NewAccumulator(st.positives, st.rep.Pixels-st.positives)
		if prev != nil {
			f.pixel.Resume(prev.TP, prev.FP)
		}
	}
	if withRegions && s.Grid.IsExact() && s.Metrics&AUPRO != 0 {
		f.aupro = pro.NewIntegrator(s.Grid, s.FPRLimit)
		if prev != nil {
			f.aupro.Resume(st.fpr(prev.FP), prev.PRO)
		}
	}
	if withRegions && s.Grid.IsExact() && s.Metrics&RCPRO != 0 {
		f.rc = &rcpro.Integrator{}
		if prev != nil {
			f.rc.Resume(prev.PRO, prev.RC, prev.Regions)
		}
	}
	return f
}

// Finish returns the category's report. The Stream must not be used
// afterwards.
func (st *Stream) Finish() (*CategoryReport, error) {
	s, rep := st.s, st.rep
	warn := func(level string, v metric.Value) metric.Value {
		if !v.OK() {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %s %v", st.name, level, v.Err))
		}
		return v
	}
	if s.Metrics&Image != 0 {
		c := roc.FromScores(st.scores, st.labels)
		rep.Image = ImageMetrics{warn("image", c.AUROC()), warn("image", c.AP()), warn("image", c.F1Max())}
		if s.Curves {
			rep.Curves[curve.ImageROC] = c.ROC()
			rep.Curves[curve.ImagePR] = c.PR()
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
	if st.sweep == nil {
		return rep, nil // image metrics only, or none (data without labels)
	}
	withPixel := s.Metrics&Pixel != 0 && st.reread == nil
	st.exact = &stretchFolds{start: func(prev *sweep.Point) *exactFold { return st.newExactFold(prev, withPixel, true) }}
	st.aupro = pro.NewIntegrator(s.Grid, s.FPRLimit)
	r, err := st.sweep.Finish()
	if err != nil {
		return nil, err
	}
	if s.Curves {
		visit := st.exact.fold(nil)
		var pts []sweep.Point
		for k := range r.Exact.Threshold {
			if pts = append(pts, r.Exact.At(k)); len(pts) == 256 {
				visit(pts)
				pts = pts[:0]
			}
		}
		visit(pts)
		if r.Steps != nil {
			for k := range r.Steps.Threshold {
				p := r.Steps.At(k)
				st.consumeStep(&p)
			}
		}
	}
	exact := st.exact.merged()
	if withPixel {
		setPixel(exact.pixel)
		if s.Curves {
			c := roc.Counts{Threshold: r.Exact.Threshold, TP: r.Exact.TP, FP: r.Exact.FP, Positives: r.Positives, Negatives: r.Negatives}
			rep.Curves[curve.PixelROC] = c.ROC()
			rep.Curves[curve.PixelPR] = c.PR()
		}
	}
	if s.Grid.IsExact() {
		if exact.aupro != nil {
			st.aupro = exact.aupro
		}
		if exact.rc != nil {
			st.rc = *exact.rc
		}
	}
	if s.Metrics&AUPRO != 0 {
		rep.Pixel.AUPRO = warn("pixel", st.aupro.AUPRO(r.GTRegions, r.Negatives))
		if s.Curves {
			rep.Curves[curve.PROFPR] = pro.Curve(r)
		}
	}
	if s.Metrics&RCPRO != 0 {
		rep.Pixel.RCPRO = warn("pixel", st.rc.RCPRO(r.GTRegions))
		if s.Curves {
			rep.Curves[curve.PRORC] = rcpro.Curve(r)
		}
	}
	return rep, nil
}

// Mean is the unweighted mean over categories of each metric, taken over the
// categories where it is defined; a metric defined nowhere is undefined.
type Mean struct {
	Image ImageMetrics `json:"image"`
	Pixel PixelMetrics `json:"pixel"`
}

// MeanOf averages the reports and returns a warning for each metric that some
// categories could not contribute to, naming them.
func MeanOf(reports []*CategoryReport, requested Metrics) (Mean, []string) {
	var warnings []string
	avg := func(level, name string, get func(*CategoryReport) metric.Value) metric.Value {
		sum, n := 0.0, 0
		var missing []string
		for _, r := range reports {
			if v := get(r); v.OK() {
				sum += v.V
				n++
			} else {
				missing = append(missing, r.Name)
			}
		}
		if n == 0 {
			return metric.NoValue("mean "+level+" "+name, "undefined in every category")
		}
		if len(missing) > 0 {
			warnings = append(warnings, fmt.Sprintf("mean %s %s is over %d of %d categories; undefined in: %s",
				level, name, n, len(reports), strings.Join(missing, ", ")))
		}
		return metric.Defined(sum / float64(n))
	}
	var m Mean
	m.Image = ImageMetrics{notComputed, notComputed, notComputed}
	m.Pixel = PixelMetrics{notComputed, notComputed, notComputed, notComputed, notComputed}
	if requested&Image != 0 {
		m.Image.AUROC = avg("image", "AUROC", func(r *CategoryReport) metric.Value { return r.Image.AUROC })
		m.Image.AP = avg("image", "AP", func(r *CategoryReport) metric.Value { return r.Image.AP })
		m.Image.F1Max = avg("image", "F1-max", func(r *CategoryReport) metric.Value { return r.Image.F1Max })
	}
	if requested&Pixel != 0 {
		m.Pixel.AUROC = avg("pixel", "AUROC", func(r *CategoryReport) metric.Value { return r.Pixel.AUROC })
		m.Pixel.AP = avg("pixel", "AP", func(r *CategoryReport) metric.Value { return r.Pixel.AP })
		m.Pixel.F1Max = avg("pixel", "F1-max", func(r *CategoryReport) metric.Value { return r.Pixel.F1Max })
	}
	if requested&AUPRO != 0 {
		m.Pixel.AUPRO = avg("pixel", "AUPRO", func(r *CategoryReport) metric.Value { return r.Pixel.AUPRO })
	}
	if requested&RCPRO != 0 {
		m.Pixel.RCPRO = avg("pixel", "RCPRO", func(r *CategoryReport) metric.Value { return r.Pixel.RCPRO })
	}
	return m, warnings
}
