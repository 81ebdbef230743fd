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
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/pro"
	"github.com/zsadbench/zsadbench/rcpro"
	"github.com/zsadbench/zsadbench/roc"
	"github.com/zsadbench/zsadbench/sweep"
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
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := cat.Validate(); err != nil {
		return nil, err
	}
	rep := &CategoryReport{Name: cat.Name, Images: len(cat.Images)}
	rep.Image = ImageMetrics{notComputed, notComputed, notComputed}
	rep.Pixel = PixelMetrics{notComputed, notComputed, notComputed, notComputed, notComputed}
	if s.Curves {
		rep.Curves = map[string]curve.Curve{}
	}
	scores := make([]float64, len(cat.Images))
	labels := make([]bool, len(cat.Images))
	var positives int64
	for i := range cat.Images {
		im := &cat.Images[i]
		scores[i] = im.ImageScore()
		labels[i] = im.Anomalous()
		if labels[i] {
			rep.AnomalousImages++
		}
		rep.Pixels += int64(im.Width * im.Height)
		for _, m := range im.Mask {
			if m {
				positives++
			}
		}
	}
	negatives := rep.Pixels - positives
	warn := func(level string, v metric.Value) metric.Value {
		if !v.OK() {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %s %v", cat.Name, level, v.Err))
		}
		return v
	}
	if s.Metrics&Image != 0 {
		c := roc.FromScores(scores, labels)
		rep.Image = ImageMetrics{warn("image", c.AUROC()), warn("image", c.AP()), warn("image", c.F1Max())}
		if s.Curves {
			rep.Curves[curve.ImageROC] = c.ROC()
			rep.Curves[curve.ImagePR] = c.PR()
		}
	}
	var need sweep.Need
	if s.Metrics&Pixel != 0 {
		need |= sweep.NeedROC
	}
	if s.Metrics&AUPRO != 0 {
		need |= sweep.NeedPRO
	}
	if s.Metrics&RCPRO != 0 {
		need |= sweep.NeedPRO | sweep.NeedRC
	}
	if need == 0 {
		return rep, nil // image metrics only, or none (data without labels)
	}

	// Every scalar is a fold over the sweep's points, in threshold order; the
	// points are stored only when the caller wants the curves.
	pixel := roc.NewAccumulator(positives, negatives)
	aupro := pro.NewIntegrator(s.Grid, s.FPRLimit)
	var rc rcpro.Integrator
	consume := func(exact bool, p *sweep.Point) {
		if exact && need&sweep.NeedROC != 0 {
			pixel.Add(p.TP, p.FP)
		}
		if exact != s.Grid.IsExact() {
			return
		}
		if s.Metrics&AUPRO != 0 {
			x := 0.0
			if negatives > 0 {
				x = float64(p.FP) / float64(negatives)
			}
			aupro.Add(x, p.PRO)
		}
		if s.Metrics&RCPRO != 0 {
			rc.Add(p.PRO, p.RC, p.Regions)
		}
	}
	opts := sweep.Options{
		Grid: s.Grid, Connectivity: s.Connectivity, Tau: s.Tau, Delta: s.Delta,
		RCAverage: s.RCAverage, Need: need, Workers: s.Workers,
	}
	if !s.Curves {
		opts.Visit = consume
	}
	r, err := sweep.Run(cat, opts)
	if err != nil {
		return nil, err
	}
	if r.Positives != positives || r.Negatives != negatives {
		return nil, fmt.Errorf("%s: internal error: sweep counted %d/%d pixels, masks %d/%d", cat.Name, r.Positives, r.Negatives, positives, negatives)
	}
	if s.Curves {
		for k := range r.Exact.Threshold {
			p := r.Exact.At(k)
			consume(true, &p)
		}
		if r.Steps != nil {
			for k := range r.Steps.Threshold {
				p := r.Steps.At(k)
				consume(false, &p)
			}
		}
	}
	if s.Metrics&Pixel != 0 {
		rep.Pixel.AUROC = warn("pixel", pixel.AUROC())
		rep.Pixel.AP = warn("pixel", pixel.AP())
		rep.Pixel.F1Max = warn("pixel", pixel.F1Max())
		if s.Curves {
			c := roc.Counts{Threshold: r.Exact.Threshold, TP: r.Exact.TP, FP: r.Exact.FP, Positives: r.Positives, Negatives: r.Negatives}
			rep.Curves[curve.PixelROC] = c.ROC()
			rep.Curves[curve.PixelPR] = c.PR()
		}
	}
	if s.Metrics&AUPRO != 0 {
		rep.Pixel.AUPRO = warn("pixel", aupro.AUPRO(r.GTRegions, r.Negatives))
		if s.Curves {
			rep.Curves[curve.PROFPR] = pro.Curve(r)
		}
	}
	if s.Metrics&RCPRO != 0 {
		rep.Pixel.RCPRO = warn("pixel", rc.RCPRO(r.GTRegions))
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
