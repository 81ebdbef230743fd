package evaluate_test

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
)

// Options.CurveTolerance thins every curve as it is made: the metrics do not
// change by a bit, each curve is a small subset of the full one, and its
// metric read back (curve.Area) is within the tolerance.
func TestCurveTolerance(t *testing.T) {
	opts := synth.DefaultOptions()
	opts.Categories, opts.Images, opts.Size, opts.Seed = 2, 12, 96, 3
	cats, err := synth.Categories(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []metric.Settings{metric.DefaultSettings, func() metric.Settings {
		s := metric.DefaultSettings
		s.Thresholds = metric.Steps(200)
		return s
	}()} {
		run := func(tol float64) *evaluate.Report {
			rep, err := evaluate.Dataset(context.Background(), evaluate.Categories(cats), s, evaluate.Options{Curves: true, CurveTolerance: tol})
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		full, thin := run(0), run(curve.DefaultTolerance)
		if diff := cmp.Diff(full.Mean, thin.Mean, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("%v: thinning changed the metrics:\n%s", s.Thresholds, diff)
		}
		rule := curve.Rule{FPRLimit: s.FPRLimit, StepsGrid: !s.Thresholds.IsExact()}
		for i, cr := range thin.Categories {
			for _, k := range curve.Kinds() {
				c, all := cr.Curves[k], full.Categories[i].Curves[k]
				if c.Len() > all.Len() || (all.Len() > 10_000 && c.Len() > all.Len()/10) {
					t.Errorf("%s %s: %d of %d points kept", cr.Name, k, c.Len(), all.Len())
				}
				v, ok := curve.Area(c, k, rule)
				if exact := cr.Value(k); ok != exact.OK() || (ok && math.Abs(v-exact.V) > curve.DefaultTolerance) {
					t.Errorf("%s %s: %v (%v) from the thinned curve, exact %v", cr.Name, k, v, ok, exact)
				}
			}
		}
	}
	if _, err := evaluate.Dataset(context.Background(), evaluate.Categories(cats), metric.DefaultSettings, evaluate.Options{Curves: true, CurveTolerance: math.NaN()}); err == nil {
		t.Error("a NaN curve tolerance is accepted")
	}
}
