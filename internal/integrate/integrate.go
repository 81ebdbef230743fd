// Package integrate folds the points of the sweep's curves, from the highest
// threshold down, into AUPRO and RCPRO, and builds the PRO and RC curves of a
// sweep's stored points. Folds keep their areas in fixed point
// (internal/fixedsum), so stretches of a curve folded apart and merged in
// any order give the same bits as one fold of every point: results do not
// depend on the number of workers.
package integrate

import (
	"math"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/fixedsum"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/metric"
)

// PROCurve returns the PRO-vs-FPR curve of a sweep made with sweep.NeedPRO.
func PROCurve(r *sweep.Result) curve.Curve {
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

// AUPRO returns AUPRO@limit of a sweep made with sweep.NeedPRO; see PRO
// for the definition on each grid. It panics unless
// 0 < limit <= 1.
func AUPRO(r *sweep.Result, limit float64) metric.Value {
	g := NewPRO(r.Grid, limit)
	p := r.Curves()
	for k := range p.Threshold {
		g.Add(fpr(p.FP[k], r.Negatives), p.PRO[k])
	}
	return g.AUPRO(r.GTRegions, r.Negatives)
}

// PRO folds the points of a PRO curve, from the highest threshold
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
type PRO struct {
	exact  bool
	limit  float64
	px, py float64
	area   fixedsum.Sum
	n      int     // points seen (steps: points below the limit)
	lo, hi float64 // steps: FPR range below the limit
	ended  bool
}

// NewPRO returns an integrator for the grid and limit L. It panics
// unless 0 < limit <= 1.
func NewPRO(grid metric.Grid, limit float64) *PRO {
	if !(limit > 0 && limit <= 1) {
		panic("integrate: FPR limit must be in (0, 1]")
	}
	return &PRO{exact: grid.IsExact(), limit: limit, lo: math.Inf(1), hi: math.Inf(-1)}
}

// Add takes the next point (FPR, PRO); FPR never decreases from one point to
// the next.
func (g *PRO) Add(x, y float64) {
	if !g.ended {
		g.add(x, y)
	}
}

func (g *PRO) add(x, y float64) {
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
func (g *PRO) trapezoid(x, y float64) {
	s := y + g.py
	g.area.Add(x * s / 2)
	g.area.Add(-(g.px * s / 2))
}

// Ended reports whether the integrator takes no more points (the curve has
// passed the FPR limit), so that callers can stop computing them.
func (g *PRO) Ended() bool { return g.ended }

// Resume makes a new exact-grid integrator fold a stretch of points on its
// own: the points that follow the point (x, y). Merge then joins the
// stretches. It panics on the steps grid.
func (g *PRO) Resume(x, y float64) {
	if !g.exact {
		panic("integrate: Resume on the steps grid")
	}
	g.px, g.py, g.ended = x, y, x > g.limit
}

// Merge adds the area of b, which folded other points of the same exact
// curve. The area is kept in fixed point, so stretches merged in any order
// give the same result as one fold of all the points.
func (g *PRO) Merge(b *PRO) {
	g.area.Merge(b.area)
	g.n += b.n
}

// AUPRO returns the value, given the category's number of ground-truth
// regions and of normal pixels.
func (g *PRO) AUPRO(gtRegions, negatives int64) metric.Value {
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

// RCCurve returns the RC-vs-PRO curve of a sweep made with sweep.NeedPRO and
// sweep.NeedRC, with its Result.RCPeaks in threshold order; it is empty when
// no threshold has a predicted region.
func RCCurve(r *sweep.Result) curve.Curve {
	a, b := r.Curves(), &sweep.Points{}
	if r.Steps == nil && r.RCPeaks != nil {
		b = r.RCPeaks
	}
	n := 0
	for _, p := range []*sweep.Points{a, b} {
		for _, regions := range p.Regions {
			if regions != 0 {
				n++
			}
		}
	}
	c := curve.Curve{Threshold: make([]float64, 0, n+1), X: make([]float64, 0, n+1), Y: make([]float64, 0, n+1)}
	add := func(p *sweep.Points, k int) {
		if p.Regions[k] == 0 {
			return
		}
		if c.Len() == 0 {
			c.Append(math.Inf(1), 0, p.RC[k])
		}
		c.Append(p.Threshold[k], p.PRO[k], p.RC[k])
	}
	// The peaks join the points in descending threshold order (each is).
	i, j := 0, 0
	for i < a.Len() || j < b.Len() {
		if j == b.Len() || (i < a.Len() && a.Threshold[i] >= b.Threshold[j]) {
			add(a, i)
			i++
		} else {
			add(b, j)
			j++
		}
	}
	return c
}

// RCPRO returns the area under the RC curve of a sweep made with
// sweep.NeedPRO and sweep.NeedRC; see RC.
func RCPRO(r *sweep.Result) metric.Value {
	var g RC
	p := r.Curves()
	for k := range p.Threshold {
		g.Add(p.PRO[k], p.RC[k], p.Regions[k])
	}
	return g.RCPRO(r.GTRegions)
}

// RC folds curve points, from the highest threshold down, into
// RCPRO: the trapezoid area under RC over PRO at the thresholds with a
// predicted region, starting at (0, RC(t_first)). The zero value is ready.
type RC struct {
	started bool
	px, py  float64
	area    fixedsum.Sum
}

// Add takes the next threshold's PRO, RC and number of predicted regions
// (of images with a region, for per-image RC); thresholds without one are
// skipped.
func (g *RC) Add(pro, rc float64, regions int64) {
	if regions == 0 {
		return
	}
	if g.started && pro == g.px {
		g.py = rc // points with equal PRO add nothing
		return
	}
	g.step(pro, rc)
}

func (g *RC) step(pro, rc float64) {
	if !g.started {
		g.px, g.py, g.started = 0, rc, true
	}
	if pro != g.px {
		g.area.Add((pro - g.px) * (rc + g.py) / 2)
	}
	g.px, g.py = pro, rc
}

// Resume makes a new integrator fold a stretch of points on its own: the
// points that follow one with this PRO, RC and number of regions. Merge then
// joins the stretches: the area is kept in fixed point, so stretches merged
// in any order give the same result as one fold of all the points.
func (g *RC) Resume(pro, rc float64, regions int64) {
	if regions > 0 {
		g.px, g.py, g.started = pro, rc, true
	}
}

// Merge adds the area of b, which folded other points of the same curve.
func (g *RC) Merge(b *RC) {
	g.area.Merge(b.area)
	g.started = g.started || b.started
}

// RCPRO returns the value, given the category's number of ground-truth
// regions. It is undefined when there is none or no threshold of the grid had
// a predicted region.
func (g *RC) RCPRO(gtRegions int64) metric.Value {
	const name = "RCPRO"
	if gtRegions == 0 {
		return metric.NoValue(name, "no ground-truth region")
	}
	if !g.started {
		return metric.NoValue(name, "no threshold of the grid has a predicted region")
	}
	return metric.Defined(g.area.Float())
}
