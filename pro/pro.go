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
	"github.com/zsadbench/zsadbench/internal/fixedsum"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/metric"
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

// AUPRO returns AUPRO@limit of a sweep made with sweep.NeedPRO; see
// Integrator for the definition on each grid. It panics unless
// 0 < limit <= 1.
func AUPRO(r *sweep.Result, limit float64) metric.Value {
	g := NewIntegrator(r.Grid, limit)
	p := r.Curves()
	for k := range p.Threshold {
		g.Add(fpr(p.FP[k], r.Negatives), p.PRO[k])
	}
	return g.AUPRO(r.GTRegions, r.Negatives)
}

// Integrator folds the points of a PRO curve, from the highest threshold
// down, into AUPRO@L.
//
// Exact grid: the area under PRO over FPR from (0, 0) to FPR = L by the
// trapezoid rule, with PRO linearly interpolated at L when L is not a curve
// point (between the last point with FPR <= L and the next), divided by L:
// MVTec AD's evaluation.
//
// Steps grid (AnomalyCLIP-family compatibility): the points with FPR < L,
// their FPRs min-max rescaled to [0, 1], trapezoid area in threshold order.
// Undefined when fewer than two points have FPR < L or all have the same FPR,
// or the category's scores are all equal (no point).
//
// Both are undefined when the category has no ground-truth region or no
// normal pixel.
type Integrator struct {
	exact  bool
	limit  float64
	px, py float64
	area   fixedsum.Sum
	n      int     // points seen (steps: points below the limit)
	lo, hi float64 // steps: FPR range below the limit
	ended  bool
}

// NewIntegrator returns an integrator for the grid and limit L. It panics
// unless 0 < limit <= 1.
func NewIntegrator(grid metric.Grid, limit float64) *Integrator {
	if !(limit > 0 && limit <= 1) {
		panic("pro: FPR limit must be in (0, 1]")
	}
	return &Integrator{exact: grid.IsExact(), limit: limit, lo: math.Inf(1), hi: math.Inf(-1)}
}

// Add takes the next point (FPR, PRO); FPR never decreases from one point to
// the next.
func (g *Integrator) Add(x, y float64) {
	if !g.ended {
		g.add(x, y)
	}
}

func (g *Integrator) add(x, y float64) {
	if !g.exact {
		if !(x < g.limit) {
			g.ended = true
			return
		}
		if g.n > 0 {
			g.area.Add((x - g.px) * (y + g.py) / 2)
		}
		g.lo, g.hi = math.Min(g.lo, x), math.Max(g.hi, x)
		g.px, g.py = x, y
		g.n++
		return
	}
	// The exact curve starts at (0, 0), where px, py begin.
	if x > g.limit {
		if g.px < g.limit {
			yl := g.py + (y-g.py)*(g.limit-g.px)/(x-g.px)
			g.trapezoid(g.limit, yl)
		}
		g.ended = true
		return
	}
	g.trapezoid(x, y)
	g.px, g.py = x, y
	g.n++
}

// trapezoid adds the exact grid's trapezoid from (px, py) to (x, y) as
// x*s/2 - px*s/2 with s = y + py, two rounded products. Where PRO stays
// the same over a run of points (only false positives enter), s is the
// same for each of the run's trapezoids, so the products at the inner
// points cancel exactly in the fixed-point sum: the area does not depend
// on which of those points are given, and a sweep may leave them out
// (sweep.Options.Sparse).
func (g *Integrator) trapezoid(x, y float64) {
	s := y + g.py
	g.area.Add(x * s / 2)
	g.area.Add(-(g.px * s / 2))
}

// Ended reports whether the integrator takes no more points (the curve has
// passed the FPR limit), so that callers can stop computing them.
func (g *Integrator) Ended() bool { return g.ended }

// Resume makes a new exact-grid integrator fold a stretch of points on its
// own: the points that follow the point (x, y). Merge then joins the
// stretches. It panics on the steps grid.
func (g *Integrator) Resume(x, y float64) {
	if !g.exact {
		panic("pro: Resume on the steps grid")
	}
	g.px, g.py, g.ended = x, y, x > g.limit
}

// Merge adds the area of b, which folded other points of the same exact
// curve. The area is kept in fixed point, so stretches merged in any order
// give the same result as one fold of all the points.
func (g *Integrator) Merge(b *Integrator) {
	g.area.Merge(b.area)
	g.n += b.n
}

// AUPRO returns the value, given the category's number of ground-truth
// regions and of normal pixels.
func (g *Integrator) AUPRO(gtRegions, negatives int64) metric.Value {
	const name = "AUPRO"
	switch {
	case gtRegions == 0:
		return metric.NoValue(name, "no ground-truth region")
	case negatives == 0:
		return metric.NoValue(name, "no normal pixel")
	}
	if g.exact {
		return metric.Defined(g.area.Float() / g.limit)
	}
	if g.n == 0 && !g.ended {
		return metric.NoValue(name, "every score of the category is equal, so the steps grid is empty")
	}
	if g.n < 2 || g.lo == g.hi {
		return metric.NoValue(name, "fewer than two distinct false-positive rates below the limit on the steps grid")
	}
	// Rescaling x to [0, 1] divides every trapezoid's width by the range.
	return metric.Defined(g.area.Float() / (g.hi - g.lo))
}
