package curve

import (
	"fmt"
	"math"
	"sort"

	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/internal/simplify"
)

// DefaultTolerance is the tolerance of the curves `zsadbench score --curves`
// writes: 1e-4 in x, in y and in the metric recomputed from the file.
const DefaultTolerance = 1e-4

// Rule says how a curve's metric is read from its points where the kind
// alone does not say: AUPRO's FPR limit and threshold grid.
type Rule struct {
	// FPRLimit is AUPRO's integration limit L, in (0, 1]; 0 means 0.3.
	FPRLimit float64
	// StepsGrid selects AUPRO's steps-grid rule (the points with FPR < L,
	// their FPRs min-max rescaled) instead of the exact grid's (the area to
	// FPR = L, interpolated there, divided by L).
	StepsGrid bool
}

func (r Rule) limit() float64 {
	if r.FPRLimit == 0 {
		return 0.3
	}
	return r.FPRLimit
}

// Steps reports whether curves of kind k are staircases rather than
// polylines: PR curves, whose metric, average precision, is the step sum
// of (R_k - R_{k-1}) P_k, so that precision P_k holds over the recall
// interval (R_{k-1}, R_k] and the curve drawn between two points goes up
// or down first, then across.
func (k Kind) Steps() bool { return k == ImagePR || k == PixelPR }

// Area recomputes the metric of a curve of kind k from its points, as
// docs/METRICS.md defines it on the curve: the trapezoid area for ROC
// (AUROC) and PRO-vs-RC (RCPRO) curves, the step sum of (x_k - x_{k-1}) y_k
// for PR curves (AP), and for PRO-vs-FPR curves AUPRO@L by r. Points come
// in curve order (the order the sweep produced and the files hold); x must
// not decrease.
//
// ok is false where the metric is undefined on the points: an empty curve,
// and for AUPRO on the steps grid fewer than two points with FPR < L or no
// spread among their FPRs. On the curves zsadbench writes, Area agrees with
// the exact metric to rounding (about 1e-12), and on a curve thinned by
// Simplify to its tolerance.
func Area(c Curve, k Kind, r Rule) (v float64, ok bool) {
	n := c.Len()
	if n == 0 || !k.Valid() || k == PIMO {
		return 0, false // AUPIMO is a mean over images, each clipped to its range
	}
	xs, ys := c.X, c.Y
	switch {
	case k.Steps():
		for i := 1; i < n; i++ {
			v += (xs[i] - xs[i-1]) * ys[i]
		}
		return v, true
	case k == PROFPR && r.StepsGrid:
		L := r.limit()
		m := 0
		for m < n && xs[m] < L {
			m++
		}
		if m < 2 || xs[m-1] == xs[0] {
			return 0, false
		}
		return trapezoids(xs[:m], ys[:m]) / (xs[m-1] - xs[0]), true
	case k == PROFPR:
		L := r.limit()
		m := 0
		for m < n && xs[m] <= L {
			m++
		}
		v = trapezoids(xs[:m], ys[:m])
		if m > 0 && m < n && xs[m-1] < L {
			// PRO interpolated at L between the last point before it and
			// the first past it.
			yl := ys[m-1] + (ys[m]-ys[m-1])*(L-xs[m-1])/(xs[m]-xs[m-1])
			v += (L - xs[m-1]) * (yl + ys[m-1]) / 2
		}
		return v / L, true
	}
	return trapezoids(xs, ys), true
}

func trapezoids(xs, ys []float64) float64 {
	var v float64
	for i := 1; i < len(xs); i++ {
		v += (xs[i] - xs[i-1]) * (ys[i] + ys[i-1]) / 2
	}
	return v
}

// Simplify returns c with the points dropped that its drawing and its
// metric do not need, for files a figure can be drawn from whatever the
// number of pixels the curve came from. Guarantees, for tol > 0:
//
//   - the curve through the kept points (a polyline, or a staircase for PR
//     curves, see Kind.Steps) is within tol in x and tol in y of the curve
//     through all of them, and the other way round;
//   - Area of the kept points differs from Area of c by at most tol/2
//     (plus rounding), so a metric recomputed from a file of the kept
//     points matches the exact one to tol;
//   - PIMO curves are thinned on their log axis, within tol of the width
//     of [PIMOXMin, PIMOXMax] in log10 shared FPR (see pimoAxis); they have
//     no area guarantee (Area does not take them);
//   - the first and last points are kept, and for PRO-vs-FPR curves the
//     points either side of FPR = L (those AUPRO interpolates between, and
//     on the steps grid the last point below L), so the limit falls where
//     it does on the full curve.
//
// Kept points keep their thresholds, in order; c is not modified. x must
// not decrease along c (it never does on the curves metrics produce);
// where it does, the result still keeps the first and last points and is a
// subsequence of c, but the guarantees do not hold. Simplify panics if tol
// is not a positive finite number, k is not a kind, or the slices of c
// differ in length (all programmer errors).
func Simplify(c Curve, k Kind, tol float64, r Rule) Curve {
	n := c.Len()
	if len(c.Y) != n || len(c.Threshold) != n {
		panic(fmt.Sprintf("curve: Simplify: slice lengths differ: threshold %d, x %d, y %d", len(c.Threshold), n, len(c.Y)))
	}
	if !(tol > 0) || !finite.Float64(tol) || !k.Valid() {
		panic(fmt.Sprintf("curve: Simplify: tolerance %v (want > 0) or kind %q", tol, k))
	}
	o := simplify.Options{SX: 1 / tol, SY: 1 / tol, Tol: 1, Steps: k.Steps()}
	if k == PIMO {
		return c.Pick(simplify.Indices(pimoAxis(c.X), c.Y, o))
	}
	budget := tol / 2
	area := &simplify.Area{End: n - 1, Budget: budget}
	if k == PROFPR && n > 0 {
		L := r.limit()
		// The points either side of L, whether "before" means x < L (the
		// steps grid) or x <= L (the exact grid's interpolation).
		below := sort.SearchFloat64s(c.X, L) // first x >= L (x sorted)
		above := sort.Search(n, func(i int) bool { return c.X[i] > L })
		for _, i := range []int{below - 1, below, above - 1, above} {
			if i > 0 && i < n-1 && (len(o.Keep) == 0 || o.Keep[len(o.Keep)-1] < i) {
				o.Keep = append(o.Keep, i)
			}
		}
		// AUPRO is the area up to L divided by L (exact grid), or by the
		// FPR range below L (steps grid): bound the area to there.
		area.End, area.Budget = max(above-1, 0), budget*L
		if r.StepsGrid {
			area.End = max(below-1, 0)
			area.Budget = budget * (c.X[area.End] - c.X[0])
		}
	}
	o.Area = area
	keep := simplify.Indices(c.X, c.Y, o)
	return c.Pick(keep)
}

// PIMOXMin and PIMOXMax bound the shared FPR of the PIMO curves that files
// keep and figures show: a decade either side of AUPIMO's range [1e-5,
// 1e-4].
const (
	PIMOXMin = 1e-6
	PIMOXMax = 1e-3
)

// pimoAxis maps shared FPRs to where a figure draws them: log10 scaled so
// that [PIMOXMin, PIMOXMax] is [0, 1] (0 below PIMOXMin, where a log axis
// has no place). Simplify thins PIMO curves in these units: within tol of
// the axis's width, as a figure sees them.
func pimoAxis(xs []float64) []float64 {
	lo, hi := math.Log10(PIMOXMin), math.Log10(PIMOXMax)
	out := make([]float64, len(xs))
	for i, x := range xs {
		if x > PIMOXMin {
			out[i] = (math.Log10(x) - lo) / (hi - lo)
		}
	}
	return out
}

// Pick returns the points of c at the given indices.
func (c Curve) Pick(keep []int) Curve {
	out := Curve{
		Threshold: make([]float64, len(keep)),
		X:         make([]float64, len(keep)),
		Y:         make([]float64, len(keep)),
	}
	for i, k := range keep {
		out.Threshold[i], out.X[i], out.Y[i] = c.Threshold[k], c.X[k], c.Y[k]
	}
	return out
}

// Average returns the vertical average of curves of kind k: at n+1 evenly
// spaced x from 0 to 1, the mean over the curves of each one's y at that x
// (interpolated along a polyline, the value of the step that covers x on a
// staircase), for a figure's "mean" panel. Its points belong to no
// threshold: their thresholds are NaN, so WriteCSV refuses them. A curve's
// y at an x it has several points at is its last one there (the top of a
// ROC curve's first riser); before its first point, its first y; past its
// last, its last y. Empty curves are left out; with none, the result is
// empty. Average panics if n < 1.
func Average(cs []Curve, k Kind, n int) Curve {
	if n < 1 {
		panic(fmt.Sprintf("curve: Average: %d intervals", n))
	}
	var sum []float64
	used := 0
	for _, c := range cs {
		if c.Len() == 0 {
			continue
		}
		if sum == nil {
			sum = make([]float64, n+1)
		}
		used++
		for i := range sum {
			sum[i] += yAt(c, k.Steps(), float64(i)/float64(n))
		}
	}
	var out Curve
	for i, s := range sum {
		out.Append(math.NaN(), float64(i)/float64(n), s/float64(used))
	}
	return out
}

// yAt returns c's y at x (see Average).
func yAt(c Curve, steps bool, x float64) float64 {
	xs, ys := c.X, c.Y
	n := len(xs)
	if steps {
		// The step covering x is that of the first point at or past it.
		i := sort.SearchFloat64s(xs, x)
		return ys[min(i, n-1)]
	}
	i := sort.Search(n, func(i int) bool { return xs[i] > x }) - 1 // last point at or before x
	switch {
	case i < 0:
		return ys[0]
	case i == n-1 || xs[i] == x:
		return ys[i]
	}
	return ys[i] + (ys[i+1]-ys[i])*(x-xs[i])/(xs[i+1]-xs[i])
}
