// Package pimo computes PIMO curves and AUPIMO, the per-image overlap of
// Bertoldo et al. (BMVC 2024), as docs/METRICS.md defines them ("PIMO and
// AUPIMO"): each anomalous image's TPR against the shared FPR (the mean of
// the normal images' FPRs), integrated over shared FPR in [1e-5, 1e-4] on
// a log scale and normalised to [0, 1].
//
// A pixel is positive when score >= t. Only images with a mask take part;
// an image is anomalous when its mask has an anomalous pixel, and an
// anomalous image's normal pixels are not used. Two grids:
// metric.Settings.PIMOThresholds = 0 is the exact grid (every distinct score,
// the bounds interpolated in log FPR); K >= 2 is the reference
// implementation's (aupimo, and anomalib's port): K thresholds from
// np.linspace over the normal images' scores in float64, rounded to
// float32, the integration range between the thresholds closest to the
// bounds, and its checks (more than 30 points). AUPIMO is undefined, with
// the reason, when the category has no normal or no anomalous image, and
// when the grid's conditions fail (see METRICS.md).
package pimo

import (
	"math"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/aupimo"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/metric"
)

// Lower and Upper bound the integration range of shared FPR.
const (
	Lower = aupimo.Lower
	Upper = aupimo.Upper
)

// Result is a category's AUPIMO.
type Result struct {
	// AUPIMO has one value per image of the category, in order: the
	// image's AUPIMO, or NaN for a normal image and when undefined.
	AUPIMO []float64
	// Mean and Std are the mean and the sample standard deviation (n - 1)
	// over the anomalous images (Std is undefined with one).
	Mean, Std metric.Value
	// Points is the number of points the linspace grid integrates (0 on
	// the exact grid).
	Points int
	// Warnings are the reference implementation's: a bound missed by more
	// than 1%, fewer than 300 points.
	Warnings []string
}

// Compute returns the AUPIMO of the category's anomalous images on the grid
// of s.PIMOThresholds. Invalid settings and input errors (a non-finite
// score, sizes that do not match) are errors; an undefined AUPIMO is a
// value with its reason.
func Compute(cat *metric.Category, s metric.Settings) (*Result, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := cat.Validate(); err != nil {
		return nil, err
	}
	sum := make([]aupimo.Image, len(cat.Images))
	parallel.For(len(cat.Images), s.Workers, func(_, i int) {
		sum[i] = aupimo.Summarize(&cat.Images[i], len(cat.Images))
	})
	return FromSummary(aupimo.Compute(sum, nil, s.PIMOThresholds), nil), nil
}

// FromSummary turns the engine's result into a Result; weights are the
// images' bootstrap weights (nil: once each), which the mean and the
// standard deviation count. (For package evaluate.)
func FromSummary(r aupimo.Result, weights []int32) *Result {
	res := &Result{AUPIMO: r.AUPIMO, Points: r.Points, Warnings: r.Warnings}
	if r.Undefined != "" {
		res.Mean = metric.NoValue("AUPIMO", r.Undefined)
		res.Std = metric.NoValue("AUPIMO std", r.Undefined)
		return res
	}
	res.Mean, res.Std = MeanStd(r.AUPIMO, weights)
	return res
}

// MeanStd returns the mean and the sample standard deviation of the
// defined values of v (NaN = left out), each counted weights[i] times (nil:
// once), summed in order.
func MeanStd(v []float64, weights []int32) (mean, std metric.Value) {
	w := func(i int) int32 {
		if weights == nil {
			return 1
		}
		return weights[i]
	}
	sum, n := 0.0, 0
	for i, x := range v {
		if !math.IsNaN(x) {
			for range w(i) {
				sum += x
				n++
			}
		}
	}
	if n == 0 {
		return metric.NoValue("AUPIMO", "no anomalous image"), metric.NoValue("AUPIMO std", "no anomalous image")
	}
	m := sum / float64(n)
	if n < 2 {
		return metric.Defined(m), metric.NoValue("AUPIMO std", "one anomalous image")
	}
	ss := 0.0
	for i, x := range v {
		if !math.IsNaN(x) {
			d := x - m
			for range w(i) {
				ss += d * d
			}
		}
	}
	return metric.Defined(m), metric.Defined(math.Sqrt(ss / float64(n-1)))
}

// Curves are a category's PIMO curves on the exact grid, for figures.
type Curves struct {
	// Images are the indices of the anomalous images, in category order,
	// and Curves their curves: x = the shared FPR, y = the image's TPR,
	// one point per distinct score of the normal images and of the image's
	// anomalous pixels, from the highest threshold down.
	Images []int
	Curves []curve.Curve
}

// ComputeCurves returns the PIMO curves of the category's anomalous images
// on the exact grid (every threshold, so it holds every normal pixel's
// score), or nil when the category has no normal or no anomalous image.
func ComputeCurves(cat *metric.Category, s metric.Settings) (*Curves, error) {
	if err := cat.Validate(); err != nil {
		return nil, err
	}
	// Every pixel of every normal image is kept (a limit above any count).
	sum := make([]aupimo.Image, len(cat.Images))
	parallel.For(len(cat.Images), s.Workers, func(_, i int) {
		sum[i] = aupimo.Summarize(&cat.Images[i], math.MaxInt32)
	})
	xs, ts := aupimo.SharedCurve(sum)
	if xs == nil {
		return nil, nil
	}
	out := &Curves{}
	for i := range sum {
		if sum[i].Anomalous {
			out.Images = append(out.Images, i)
			out.Curves = append(out.Curves, aupimo.ImageCurve(&sum[i], xs, ts))
		}
	}
	return out, nil
}
