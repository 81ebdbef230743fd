// Package pro computes the per-region overlap (PRO) curve over the
// false-positive rate and its normalised area AUPRO@L, as defined by the MVTec
// AD evaluation (Bergmann et al.) and METRICS.md.
//
// At threshold t, FPR(t) is the fraction of the category's normal pixels
// predicted positive and PRO(t) the mean, over every ground-truth region of the
// category, of the fraction of the region predicted positive. Ground-truth
// regions are connected components of each mask (8-connectivity by default).
package pro

import (
	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/integrate"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/metric"
)

// Result is a category's PRO curve and AUPRO.
type Result struct {
	// Curve has x = FPR, y = PRO. On the exact grid it starts at (0, 0)
	// (threshold +Inf) and has one point per distinct score, ending at (1, 1);
	// on the steps grid it has one point per threshold, highest first.
	Curve curve.Curve
	AUPRO metric.Value
}

// Compute sweeps the category and returns its PRO curve and AUPRO@L, with
// s.Thresholds, s.Connectivity, s.FPRLimit and s.Workers (the other fields
// are not read; start from metric.DefaultSettings, MVTec AD's: exact grid,
// 8-connectivity, L = 0.3).
//
// Exact grid: a pixel is predicted positive when its score is >= the
// threshold, over every distinct score, so ties enter together; AUPRO@L is
// the area under PRO over FPR from (0, 0) to FPR = L by the trapezoid rule,
// with PRO linearly interpolated at L when L is not a curve point (between
// the last point with FPR <= L and the next), divided by L: MVTec AD's
// evaluation.
//
// Steps grid (AnomalyCLIP-family compatibility, see metric.StepThresholds):
// a pixel is positive when its score is > the threshold; the points with
// FPR < L, their FPRs min-max rescaled to [0, 1], trapezoid area in
// threshold order. Undefined when fewer than two points have FPR < L or all
// have the same FPR, or the category's scores are all equal (no point).
//
// AUPRO is undefined (a value with a reason, not an error) when the
// category has no ground-truth region or no normal pixel. Errors are input
// errors: sizes that do not match, a score that is not finite, invalid
// settings.
func Compute(cat *metric.Category, s metric.Settings) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	r, err := sweep.Run(cat, sweep.Options{Settings: s, Need: sweep.NeedPRO})
	if err != nil {
		return Result{}, err
	}
	return Result{Curve: integrate.PROCurve(r), AUPRO: integrate.AUPRO(r, s.FPRLimit)}, nil
}
