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
	"math"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/sweep"
)

// Options configure Compute.
type Options struct {
	Grid         metric.Grid
	Connectivity connected.Connectivity
	// FPRLimit is L of AUPRO@L, in (0, 1].
	FPRLimit float64
	Workers  int
}

// DefaultOptions are MVTec AD's: exact grid, 8-connectivity, L = 0.3.
var DefaultOptions = Options{Grid: metric.Exact, Connectivity: connected.Eight, FPRLimit: 0.3}

// Result is a category's PRO curve and AUPRO.
type Result struct {
	// Curve has x = FPR, y = PRO. On the exact grid it starts at (0, 0)
	// (threshold +Inf) and has one point per distinct score, ending at (1, 1);
	// on the steps grid it has one point per threshold, highest first.
	Curve curve.Curve
	AUPRO metric.Value
}

// Compute sweeps the category and returns its PRO curve and AUPRO@L.
func Compute(cat *metric.Category, opts Options) (Result, error) {
	r, err := sweep.Run(cat, sweep.Options{Grid: opts.Grid, Connectivity: opts.Connectivity, Need: sweep.NeedPRO, Workers: opts.Workers})
	if err != nil {
		return Result{}, err
	}
	return Result{Curve: Curve(r), AUPRO: AUPRO(r, opts.FPRLimit)}, nil
}

// Curve returns the PRO-vs-FPR curve of a sweep made with sweep.NeedPRO.
func Curve(r *sweep.Result) curve.Curve {
	p := r.Curves()
	var c curve.Curve
	n := p.Len()
	if r.Grid.IsExact() {
		n++
	}
	c.Threshold = make([]float64, 0, n)
	c.X = make([]float64, 0, n)
	c.Y = make([]float64, 0, n)
	if r.Grid.IsExact() {
		c.Append(math.Inf(1), 0, 0)
	}
	for k := range p.Threshold {
		c.Append(p.Threshold[k], fpr(p.FP[k], r.Negatives), p.PRO[k])
	}
	return c
}

func fpr(fp, negatives int64) float64 {
	if negatives == 0 {
		return 0
	}
	return float64(fp) / float64(negatives)
}

// AUPRO returns AUPRO@limit of a sweep made with sweep.NeedPRO.
//
// Exact grid: the area under PRO over FPR from 0 to limit by the trapezoid
// rule, with PRO linearly interpolated at FPR = limit when limit is not a curve
// point, divided by limit (MVTec AD's evaluation).
//
// Steps grid (AnomalyCLIP-family compatibility): the points with FPR < limit,
// their FPRs min-max rescaled to [0, 1], trapezoid area in threshold order.
// Undefined when fewer than two points have FPR < limit or all have the same
// FPR, or the category's scores are all equal.
//
// Both are undefined when the category has no ground-truth region or no
// normal pixel. It panics unless 0 < limit <= 1.
func AUPRO(r *sweep.Result, limit float64) metric.Value {
	if !(limit > 0 && limit <= 1) {
		panic("pro: FPR limit must be in (0, 1]")
	}
	const name = "AUPRO"
	switch {
	case r.GTRegions == 0:
		return metric.NoValue(name, "no ground-truth region")
	case r.Negatives == 0:
		return metric.NoValue(name, "no normal pixel")
	}
	p := r.Curves()
	if r.Grid.IsExact() {
		at := func(i int) (float64, float64) {
			if i == 0 {
				return 0, 0
			}
			return fpr(p.FP[i-1], r.Negatives), p.PRO[i-1]
		}
		return metric.Defined(AreaTo(p.Len()+1, at, limit) / limit)
	}
	if p.Len() == 0 {
		return metric.NoValue(name, "every score of the category is equal, so the steps grid is empty")
	}
	// Points in threshold order with FPR < limit; FPR grows as thresholds fall.
	lo, hi := math.Inf(1), math.Inf(-1)
	count := 0
	for k := range p.FP {
		if x := fpr(p.FP[k], r.Negatives); x < limit {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
			count++
		}
	}
	if count < 2 || lo == hi {
		return metric.NoValue(name, "fewer than two distinct false-positive rates below the limit on the steps grid")
	}
	area := 0.0
	px, py, first := 0.0, 0.0, true
	for k := range p.FP {
		x := fpr(p.FP[k], r.Negatives)
		if !(x < limit) {
			continue
		}
		x = (x - lo) / (hi - lo)
		y := p.PRO[k]
		if !first {
			area += (x - px) * (y + py) / 2
		}
		px, py, first = x, y, false
	}
	return metric.Defined(area)
}

// AreaTo integrates a polyline with non-decreasing x from its first point to
// x = limit by the trapezoid rule. Point i is at(i), i < n. When limit falls
// between two points, y is interpolated linearly between the last point with
// x <= limit and the next one; when the curve ends before limit, the area stops
// at its last point. Segments of zero width add nothing.
func AreaTo(n int, at func(i int) (x, y float64), limit float64) float64 {
	area := 0.0
	if n == 0 {
		return 0
	}
	px, py := at(0)
	for i := 1; i < n; i++ {
		x, y := at(i)
		if x > limit {
			if px < limit {
				yl := py + (y-py)*(limit-px)/(x-px)
				area += (limit - px) * (py + yl) / 2
			}
			return area
		}
		area += (x - px) * (y + py) / 2
		px, py = x, y
	}
	return area
}
