// Package rcpro computes RCPRO, the region-calibrated PRO of the DIVE paper
// (appendix 0.A.3), as specified by METRICS.md.
//
// At threshold t every predicted region P (a connected component of the
// pixels predicted positive, never crossing images) gets a quality q(P): 0 when
// it overlaps no ground-truth region of its image, or overlaps its best match
// G* (largest overlap, ties: lowest label) by less than Tau*|G*|; else 1 when
// its excess ratio r = |P \ G*| / |G*| is at most Delta, and Delta/r beyond.
// RC(t) is the mean quality over the category's predicted regions (or, with
// PerImage, the mean over images of each image's mean). The RC curve has
// x = PRO(t), y = RC(t) at every threshold with a predicted region, from the
// highest down, and starts at (0, RC(t_first)); RCPRO is the trapezoid area
// under it, without normalisation and without an FPR limit.
//
// Predicted regions are tracked incrementally with union-find as thresholds
// fall, so the exact grid costs one sort and near-linear work per image.
package rcpro

import (
	"math"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/fixedsum"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/metric"
)

// Average says how RC averages region qualities: sweep.Pooled (over all
// regions of the category) or sweep.PerImage.
type Average = sweep.RCAverage

const (
	Pooled   = sweep.Pooled
	PerImage = sweep.PerImage
)

// Options configure Compute.
type Options struct {
	// Tau is the overlap tolerance: a region overlapping its best match by
	// less than Tau of the match's area is a false alarm.
	Tau float64
	// Delta is the excess tolerance: quality decays as Delta/r beyond it.
	Delta        float64
	Connectivity connected.Connectivity
	Average      Average
	Grid         metric.Grid
	Workers      int
}

// DefaultOptions are the DIVE paper's settings on the exact grid.
var DefaultOptions = Options{Tau: 0.05, Delta: 2.0, Connectivity: connected.Eight, Average: Pooled, Grid: metric.Exact}

// Result is a category's RC curve and RCPRO.
type Result struct {
	// Curve has x = PRO, y = RC; its first point is the start point
	// (0, RC(t_first)) with threshold +Inf.
	Curve curve.Curve
	RCPRO metric.Value
}

// Compute sweeps the category and returns its RC curve and RCPRO.
func Compute(cat *metric.Category, opts Options) (Result, error) {
	r, err := sweep.Run(cat, sweep.Options{
		Grid: opts.Grid, Connectivity: opts.Connectivity, Tau: opts.Tau, Delta: opts.Delta,
		RCAverage: opts.Average, Need: sweep.NeedPRO | sweep.NeedRC, Workers: opts.Workers,
	})
	if err != nil {
		return Result{}, err
	}
	return Result{Curve: Curve(r), RCPRO: RCPRO(r)}, nil
}

// Curve returns the RC-vs-PRO curve of a sweep made with sweep.NeedPRO and
// sweep.NeedRC; it is empty when no threshold has a predicted region.
func Curve(r *sweep.Result) curve.Curve {
	p := r.Curves()
	var c curve.Curve
	for k := range p.Threshold {
		if p.Regions[k] == 0 {
			continue
		}
		if c.Len() == 0 {
			c.Append(math.Inf(1), 0, p.RC[k])
		}
		c.Append(p.Threshold[k], p.PRO[k], p.RC[k])
	}
	return c
}

// RCPRO returns the area under the RC curve of a sweep made with
// sweep.NeedPRO and sweep.NeedRC; see Integrator.
func RCPRO(r *sweep.Result) metric.Value {
	var g Integrator
	p := r.Curves()
	for k := range p.Threshold {
		g.Add(p.PRO[k], p.RC[k], p.Regions[k])
	}
	return g.RCPRO(r.GTRegions)
}

// Integrator folds curve points, from the highest threshold down, into
// RCPRO: the trapezoid area under RC over PRO at the thresholds with a
// predicted region, starting at (0, RC(t_first)). The zero value is ready.
type Integrator struct {
	started bool
	px, py  float64
	area    fixedsum.Sum
}

// Add takes the next threshold's PRO, RC and number of predicted regions
// (of images with a region, for per-image RC); thresholds without one are
// skipped.
func (g *Integrator) Add(pro, rc float64, regions int64) {
	if regions == 0 {
		return
	}
	if g.started && pro == g.px {
		g.py = rc // points with equal PRO add nothing
		return
	}
	g.step(pro, rc)
}

func (g *Integrator) step(pro, rc float64) {
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
func (g *Integrator) Resume(pro, rc float64, regions int64) {
	if regions > 0 {
		g.px, g.py, g.started = pro, rc, true
	}
}

// Merge adds the area of b, which folded other points of the same curve.
func (g *Integrator) Merge(b *Integrator) {
	g.area.Merge(b.area)
	g.started = g.started || b.started
}

// RCPRO returns the value, given the category's number of ground-truth
// regions. It is undefined when there is none or no threshold of the grid had
// a predicted region.
func (g *Integrator) RCPRO(gtRegions int64) metric.Value {
	const name = "RCPRO"
	if gtRegions == 0 {
		return metric.NoValue(name, "no ground-truth region")
	}
	if !g.started {
		return metric.NoValue(name, "no threshold of the grid has a predicted region")
	}
	return metric.Defined(g.area.Float())
}
