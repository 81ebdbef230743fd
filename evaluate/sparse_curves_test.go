package evaluate

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
)

// The curves drawn from the sparse exact grid's points (sparseCurves) are
// the curves of every point (tolerance 0), on random categories, both
// grids, both RC averages and both connectivities: each of their points is
// a point of the full curve, and every point of the full curve between
// two of them lies on the segment joining them (ROC, PR, PRO-vs-FPR), or
// within half the tolerance of it (PRO-vs-RC, whose turning points the
// sweep adds); thinned, every curve is within the tolerance of the full
// one. The metrics do not change by a bit.
func TestSparseCurvesEqualDense(t *testing.T) {
	const tol = 1e-3 // coarse, so that some stretches are left to the bounds
	fewer := false   // some sparse curve has fewer points: the test reaches the sparse path
	for _, seed := range []int64{1, 2, 3, 5} {
		opts := synth.DefaultOptions()
		opts.Categories, opts.Images, opts.Size, opts.Seed = 1, 4+int(seed)*3, 24+8*int(seed), seed
		opts.AnomalousFraction = 0.15 * float64(seed)
		cats, err := synth.Categories(opts)
		if err != nil {
			t.Fatal(err)
		}
		cat := &cats[0]
		if seed%3 == 0 {
			// Coarse scores: many ties between normal and anomalous pixels.
			for i := range cat.Images {
				for p, v := range cat.Images[i].Scores {
					cat.Images[i].Scores[p] = float32(math.Round(float64(v)*20) / 20)
				}
			}
		}
		for _, grid := range []metric.Grid{metric.Exact, metric.Steps(50)} {
			for _, avg := range []metric.RCAverage{metric.Pooled, metric.PerImage} {
				for _, sel := range []metric.Selection{metric.SelectAll, metric.SelectPixel | metric.SelectAUPRO} {
					s := metric.DefaultSettings
					s.Thresholds, s.RCAverage, s.Metrics = grid, avg, sel
					if seed%2 == 0 {
						s.Connectivity = 4
					}
					run := func(tol float64, thin bool) *CategoryReport {
						thinCurves = thin
						defer func() { thinCurves = true }()
						rep, err := Category(cat, s, Options{Curves: true, CurveTolerance: tol})
						if err != nil {
							t.Fatal(err)
						}
						return rep
					}
					all, sparse, thin := run(0, true), run(tol, false), run(tol, true)
					name := func(k curve.Kind) string {
						return fmt.Sprintf("seed %d %v rc %v %s", seed, grid, avg, k)
					}
					for _, r := range []*CategoryReport{sparse, thin} {
						if diff := cmp.Diff(all, r, cmpopts.EquateNaNs(), cmpopts.IgnoreFields(CategoryReport{}, "Curves", "PIMO")); diff != "" {
							t.Errorf("%s: the metrics changed:\n%s", name(""), diff)
						}
						if len(r.Curves) != len(all.Curves) {
							t.Errorf("%s: %d curves, want %d", name(""), len(r.Curves), len(all.Curves))
						}
					}
					for k, c := range all.Curves {
						off := 1e-12
						if k == curve.PRORC && grid.IsExact() {
							off = tol / 2
						}
						onSegments(t, name(k), c, sparse.Curves[k], off)
						fewer = fewer || sparse.Curves[k].Len() < c.Len()
						within(t, name(k)+" thinned", c, thin.Curves[k], k.Steps(), tol)
					}
				}
			}
		}
	}
	if !fewer {
		t.Error("every sparse curve has every point")
	}
}

// onSegments checks that the points of part are points of all, in order,
// and that the points of all between two of them lie within off of the
// segment joining those two.
func onSegments(t *testing.T, name string, all, part curve.Curve, off float64) {
	t.Helper()
	if part.Len() == 0 || all.Len() == 0 {
		if part.Len() != all.Len() {
			t.Errorf("%s: %d points, every point has %d", name, part.Len(), all.Len())
		}
		return
	}
	at := 0 // the index in all of the last point of part matched
	for j := range part.Len() {
		i := at
		for i < all.Len() && !(all.Threshold[i] == part.Threshold[j] && all.X[i] == part.X[j] && all.Y[i] == part.Y[j]) {
			i++
		}
		if i == all.Len() {
			t.Errorf("%s: point %d (t=%v, %v, %v) is not on the full curve after point %d", name, j, part.Threshold[j], part.X[j], part.Y[j], at)
			return
		}
		if j == 0 && i != 0 {
			t.Errorf("%s: starts at point %d of the full curve", name, i)
		}
		for m := at + 1; m < i; m++ {
			if d := distance(all.X[m], all.Y[m], all.X[at], all.Y[at], all.X[i], all.Y[i]); d > off*(1+1e-9) {
				t.Errorf("%s: full point %d (%v, %v) is %g off the sparse curve's segment to its point %d (%v, %v)", name, m, all.X[m], all.Y[m], d, j, part.X[j], part.Y[j])
				return
			}
		}
		at = i
	}
	if at != all.Len()-1 {
		t.Errorf("%s: ends at point %d of %d", name, at, all.Len())
	}
}

// within checks that every point of all is within tol in x and in y of
// the curve through the points of thin (a staircase when steps: up or down
// first, then across), as curve.Simplify promises: within tol√2 of it.
func within(t *testing.T, name string, all, thin curve.Curve, steps bool, tol float64) {
	t.Helper()
	var xs, ys []float64
	for i := range thin.Len() {
		if steps && i > 0 {
			xs, ys = append(xs, thin.X[i-1]), append(ys, thin.Y[i])
		}
		xs, ys = append(xs, thin.X[i]), append(ys, thin.Y[i])
	}
	for m := range all.Len() {
		d := math.Inf(1)
		if len(xs) == 1 {
			d = math.Hypot(all.X[m]-xs[0], all.Y[m]-ys[0])
		}
		for s := 1; s < len(xs) && d > tol*math.Sqrt2; s++ {
			d = min(d, distance(all.X[m], all.Y[m], xs[s-1], ys[s-1], xs[s], ys[s]))
		}
		if d > tol*math.Sqrt2*(1+1e-9) {
			t.Errorf("%s: full point %d (%v, %v) is %g off", name, m, all.X[m], all.Y[m], d)
			return
		}
	}
}

// distance is the distance of (x, y) to the segment (ax, ay)-(bx, by).
func distance(x, y, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	u := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		u = max(0, min(1, ((x-ax)*dx+(y-ay)*dy)/l))
	}
	return math.Hypot(x-ax-u*dx, y-ay-u*dy)
}
