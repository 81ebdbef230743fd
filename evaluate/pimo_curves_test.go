package evaluate_test

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/pimo"
	"github.com/zsadbench/zsadbench/synth"
)

// TestPIMOCurves: with curves and AUPIMO, each category keeps its
// anomalous images' PIMO curves: at tolerance 0, exactly pimo.ComputeCurves'
// points from the last before curve.PIMOXMin (with a shared FPR above 0) to
// the first past curve.PIMOXMax; thinned, a subset of them with the same
// ends. Without AUPIMO there are none, and AUPIMO itself does not change.
func TestPIMOCurves(t *testing.T) {
	opts := synth.DefaultOptions()
	opts.Categories, opts.Images, opts.Size, opts.Seed = 2, 12, 128, 3
	cats, err := synth.Categories(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := metric.DefaultSettings
	s.Metrics = metric.SelectAll
	run := func(o evaluate.Options) *evaluate.Report {
		rep, err := evaluate.Dataset(context.Background(), evaluate.Categories(cats), s, o)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	full, thin, plain := run(evaluate.Options{Curves: true}), run(evaluate.Options{Curves: true, CurveTolerance: curve.DefaultTolerance}), run(evaluate.Options{})
	for i, cat := range cats {
		want, err := pimo.ComputeCurves(&cat, s)
		if err != nil {
			t.Fatal(err)
		}
		got, th := full.Categories[i].PIMO, thin.Categories[i].PIMO
		if got == nil || th == nil || len(got.Curves) != len(want.Curves) || len(th.Curves) != len(want.Curves) || len(want.Curves) == 0 {
			t.Fatalf("%s: PIMO curves %v, %v, want %d", cat.Name, got, th, len(want.Curves))
		}
		for k, c := range want.Curves {
			lo, hi := 0, c.Len()
			for lo < c.Len() && c.X[lo] < curve.PIMOXMin {
				lo++
			}
			if lo > 0 && c.X[lo-1] > 0 {
				lo--
			}
			for hi > lo && c.X[hi-1] > curve.PIMOXMax {
				hi--
			}
			hi = min(hi+1, c.Len())
			clip := curve.Curve{Threshold: c.Threshold[lo:hi], X: c.X[lo:hi], Y: c.Y[lo:hi]}
			if d := cmp.Diff(clip, got.Curves[k]); d != "" {
				t.Errorf("%s image %d (-want +got):\n%s", cat.Name, want.Images[k], d)
			}
			if key := cat.Images[want.Images[k]].Name; got.Keys[k] != key && got.Keys[k] != cat.Images[want.Images[k]].Key {
				t.Errorf("%s curve %d: key %q, want the image's %q", cat.Name, k, got.Keys[k], key)
			}
			tc := th.Curves[k]
			if tc.Len() > clip.Len() || tc.Len() == 0 || tc.X[0] != clip.X[0] || tc.Y[tc.Len()-1] != clip.Y[clip.Len()-1] {
				t.Errorf("%s image %d: thinned to %d of %d points, ends %v", cat.Name, k, tc.Len(), clip.Len(), tc)
			}
		}
		if a, b := full.Categories[i].Pixel.AUPIMO, plain.Categories[i].Pixel.AUPIMO; a.V != b.V || math.IsNaN(a.V) {
			t.Errorf("%s: AUPIMO %v with curves, %v without", cat.Name, a, b)
		}
	}
	s.Metrics = metric.SelectPaper
	if rep := run(evaluate.Options{Curves: true}); rep.Categories[0].PIMO != nil {
		t.Error("PIMO curves without AUPIMO")
	}
}
