package evaluate_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/internal/golden"
	"github.com/zsadbench/zsadbench/metric"
)

const goldenDir = "../testdata/golden/cases"

// loadGolden reads every case written by the independent Python reference.
func loadGolden(t testing.TB) []*golden.Case {
	names, err := golden.Names(goldenDir)
	if err != nil || len(names) < 8 {
		t.Fatalf("golden cases: %d files, err %v", len(names), err)
	}
	var cases []*golden.Case
	for _, n := range names {
		c, err := golden.Load(filepath.Join(goldenDir, n+".json"))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	return cases
}

// category returns a case's category and its settings.
func category(t testing.TB, g *golden.Case) (*metric.Category, metric.Settings) {
	cat, err := g.Category()
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.Settings()
	if err != nil {
		t.Fatal(err)
	}
	return cat, s
}

const tol = 1e-12

func checkValue(t *testing.T, what string, got metric.Value, want *float64) {
	t.Helper()
	switch {
	case want == nil && got.OK():
		t.Errorf("%s = %v, want undefined", what, got.V)
	case want != nil && !got.OK():
		t.Errorf("%s undefined (%v), want %v", what, got.Err, *want)
	case want != nil && math.Abs(got.V-*want) > tol:
		t.Errorf("%s = %.15g, want %.15g (diff %.3g)", what, got.V, *want, got.V-*want)
	}
}

func TestGolden(t *testing.T) {
	for _, g := range loadGolden(t) {
		t.Run(g.Name, func(t *testing.T) {
			cat, s := category(t, g)
			for _, run := range []struct {
				workers int
				curves  bool
			}{{1, true}, {3, true}, {2, false}} {
				s.Workers = run.workers
				rep, err := evaluate.Category(cat, s, evaluate.Options{Curves: run.curves})
				if err != nil {
					t.Fatal(err)
				}
				checkValue(t, "image auroc", rep.Image.AUROC, g.Expected.Image["auroc"])
				checkValue(t, "image ap", rep.Image.AP, g.Expected.Image["ap"])
				checkValue(t, "image f1_max", rep.Image.F1Max, g.Expected.Image["f1_max"])
				checkValue(t, "pixel auroc", rep.Pixel.AUROC, g.Expected.Pixel["auroc"])
				checkValue(t, "pixel ap", rep.Pixel.AP, g.Expected.Pixel["ap"])
				checkValue(t, "pixel f1_max", rep.Pixel.F1Max, g.Expected.Pixel["f1_max"])
				checkValue(t, "aupro", rep.Pixel.AUPRO, g.Expected.Pixel["aupro"])
				checkValue(t, "rcpro", rep.Pixel.RCPRO, g.Expected.Pixel["rcpro"])
				if g.Curves != nil && run.curves {
					checkCurve(t, "pro_fpr", rep.Curves[curve.PROFPR], g.Curves["pro_fpr"], s.Thresholds.IsExact())
					checkCurve(t, "rc_pro", rep.Curves[curve.PRORC], g.Curves["rc_pro"], true)
				}
			}
		})
	}
}

// checkCurve compares a curve with the reference's points, which omit the
// start point.
func checkCurve(t *testing.T, name string, got curve.Curve, want []golden.Point, hasStart bool) {
	t.Helper()
	if hasStart && got.Len() > 0 {
		got = curve.Curve{Threshold: got.Threshold[1:], X: got.X[1:], Y: got.Y[1:]}
	}
	if got.Len() != len(want) {
		t.Errorf("%s: %d points, want %d", name, got.Len(), len(want))
		return
	}
	for k, w := range want {
		// An undefined coordinate (all_normal's PRO) is 0 in zsadbench's curves.
		for i := range w {
			if math.IsNaN(w[i]) {
				w[i] = 0
			}
		}
		if float64(float32(got.Threshold[k])) != float64(float32(w[0])) ||
			math.Abs(got.X[k]-w[1]) > tol || math.Abs(got.Y[k]-w[2]) > tol {
			t.Errorf("%s point %d = (%v, %v, %v), want %v", name, k, got.Threshold[k], got.X[k], got.Y[k], w)
			return
		}
	}
}

// TestReadROCAgain evaluates the steps-grid golden cases with the exact
// pixel metrics computed by rereading the images in small batches: the
// report must equal the in-memory one exactly.
func TestReadROCAgain(t *testing.T) {
	n := 0
	for _, g := range loadGolden(t) {
		cat, s := category(t, g)
		if s.Thresholds.IsExact() {
			continue
		}
		n++
		want, err := evaluate.Category(cat, s, evaluate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// Past HoldPixels (7 here), Dataset computes the exact pixel
		// metrics by reading the category again in batches.
		rep, err := evaluate.Dataset(context.Background(), evaluate.Categories([]metric.Category{*cat}), s, evaluate.Options{HoldPixels: 7})
		if err != nil {
			t.Fatal(err)
		}
		got := rep.Categories[0]
		same := func(a, b metric.Value) bool { return a.OK() == b.OK() && (!a.OK() || a.V == b.V) }
		if !same(got.Pixel.AUROC, want.Pixel.AUROC) || !same(got.Pixel.AP, want.Pixel.AP) || !same(got.Pixel.F1Max, want.Pixel.F1Max) ||
			!same(got.Pixel.AUPRO, want.Pixel.AUPRO) || !same(got.Pixel.RCPRO, want.Pixel.RCPRO) || !same(got.Image.AUROC, want.Image.AUROC) {
			t.Errorf("%s: rereading gives %+v, in memory %+v", g.Name, got.Pixel, want.Pixel)
		}
	}
	if n < 3 {
		t.Fatalf("only %d steps-grid cases", n)
	}
}
