// Package rcpro computes RCPRO, the region-calibrated PRO of the DIVE paper
// (appendix 0.A.3), as specified by METRICS.md.
//
// At threshold t every predicted region P (a connected component of the
// pixels predicted positive, never crossing images) gets a quality q(P): 0 when
// it overlaps no ground-truth region of its image, or overlaps its best match
// G* (largest overlap, ties: lowest label) by less than tau*|G*| (Settings.RCPROTau); else 1 when
// its excess ratio r = |P \ G*| / |G*| is at most delta (Settings.RCPRODelta), and delta/r beyond.
// RC(t) is the mean quality over the category's predicted regions (or, with
// metric.PerImage, the mean over images of each image's mean). The RC curve has
// x = PRO(t), y = RC(t) at every threshold with a predicted region, from the
// highest down, and starts at (0, RC(t_first)); RCPRO is the trapezoid area
// under it, without normalisation and without an FPR limit.
//
// Predicted regions are tracked incrementally with union-find as thresholds
// fall, so the exact grid costs one sort and near-linear work per image.
//
// README's "Why RCPRO" demonstrates what RCPRO sees and AUPRO does not, on
// maps of known behaviour (synth.RCPRODemo; zsadbench synth --preset
// rcpro-demo; scripts/rcpro-demo.sh).
package rcpro

import (
	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/integrate"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/metric"
)

// Result is a category's RC curve and RCPRO.
type Result struct {
	// Curve has x = PRO, y = RC; its first point is the start point
	// (0, RC(t_first)) with threshold +Inf. It is empty when no threshold
	// has a predicted region.
	Curve curve.Curve
	RCPRO metric.Value
}

// Compute sweeps the category and returns its RC curve and RCPRO, with
// s.Thresholds, s.Connectivity, s.RCPROTau, s.RCPRODelta, s.RCAverage and
// s.Workers (the other fields are not read; metric.DefaultSettings hold the
// DIVE paper's settings on the exact grid).
//
// RCPRO is undefined (a value with a reason, not an error) when the
// category has no ground-truth region or no threshold of the grid has a
// predicted region. Errors are input errors: sizes that do not match, a
// score that is not finite, invalid settings.
func Compute(cat *metric.Category, s metric.Settings) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	r, err := sweep.Run(cat, sweep.Options{Settings: s, Need: sweep.NeedPRO | sweep.NeedRC})
	if err != nil {
		return Result{}, err
	}
	return Result{Curve: integrate.RCCurve(r), RCPRO: integrate.RCPRO(r)}, nil
}
