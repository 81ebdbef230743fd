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
// the curves of every point: each kept point is a point of the full curve,
// and every point of the full curve between two kept ones lies on the
// segment joining them (so Simplify's tolerance holds against the exact
// curve), on random categories, both grids, both RC averages and both
// connectivities; the metrics do not change by a bit.
func TestSparseCurvesEqualDense(t *testing.T) {
	fewer := false // some sparse curve has fewer points: the test reaches the sparse path
	for seed := int64(1); seed <= 4; seed++ {
		opts := synth.DefaultOptions()
		opts.Categories, opts.Images, opts.Size, opts.Seed = 1, 6+int(seed)*3, 24+8*int(seed), seed
		opts.AnomalousFraction = 0.2 * float64(seed)
		cats, err := synth.Categories(opts)
		if err != nil {
			t.Fatal(err)
		}
		cat := &cats[0]
		if seed == 4 {
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
					run := func(dense bool) *CategoryReport {
						denseCurves = dense
						defer func() { denseCurves = false }()
						rep, err := Category(cat, s, Options{Curves: true})
						if err != nil {
							t.Fatal(err)
						}
						return rep
					}
					all, sparse := run(true), run(false)
					name := func(k curve.Kind) string {
						return cat.Name + " seed " + fmt.Sprint(seed) + " " + grid.String() + fmt.Sprintf(" rc %v ", avg) + string(k)
					}
					if diff := cmp.Diff(all, sparse, cmpopts.EquateNaNs(), cmpopts.IgnoreFields(CategoryReport{}, "Curves")); diff != "" {
						t.Errorf("%s: the metrics changed:\n%s", name(""), diff)
					}
					for k, c := range all.Curves {
						onSegments(t, name(k), c, sparse.Curves[k])
						fewer = fewer || sparse.Curves[k].Len() < c.Len()
					}
					if len(sparse.Curves) != len(all.Curves) {
						t.Errorf("%s: %d curves, want %d", name(""), len(sparse.Curves), len(all.Curves))
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
// and that the points of all between two of them lie on the segment that
// joins them.
func onSegments(t *testing.T, name string, all, part curve.Curve) {
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
			if d := distance(all.X[m], all.Y[m], all.X[at], all.Y[at], all.X[i], all.Y[i]); d > 1e-12 {
				t.Errorf("%s: full point %d (%v, %v) is %g off the segment (%v, %v)-(%v, %v)", name, m, all.X[m], all.Y[m], d, all.X[at], all.Y[at], all.X[i], all.Y[i])
				return
			}
		}
		at = i
	}
	if at != all.Len()-1 {
		t.Errorf("%s: ends at point %d of %d", name, at, all.Len())
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
