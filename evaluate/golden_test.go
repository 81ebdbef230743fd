package evaluate

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/sweep"
)

// goldenCase is one file of testdata/golden/cases, written by the independent
// Python reference testdata/golden/generate.py.
type goldenCase struct {
	Name    string `json:"name"`
	Options struct {
		Connectivity int     `json:"connectivity"`
		Thresholds   string  `json:"thresholds"`
		FPRLimit     float64 `json:"fpr_limit"`
		Tau          float64 `json:"tau"`
		Delta        float64 `json:"delta"`
		RCAverage    string  `json:"rc_average"`
	} `json:"options"`
	Images []struct {
		Name       string    `json:"name"`
		Height     int       `json:"height"`
		Width      int       `json:"width"`
		Scores     []float64 `json:"scores"`
		Mask       []int     `json:"mask"`
		ImageScore *float64  `json:"image_score"`
	} `json:"images"`
	Expected struct {
		Image map[string]*float64 `json:"image"`
		Pixel map[string]*float64 `json:"pixel"`
	} `json:"expected"`
	Curves *struct {
		PROFPR [][3]float64 `json:"pro_fpr"`
		RCPRO  [][3]float64 `json:"rc_pro"`
	} `json:"curves"`
}

func loadGolden(t testing.TB) []goldenCase {
	files, err := filepath.Glob("../testdata/golden/cases/*.json")
	if err != nil || len(files) < 8 {
		t.Fatalf("golden cases: %d files, err %v", len(files), err)
	}
	var cases []goldenCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c goldenCase
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases = append(cases, c)
	}
	return cases
}

func (g *goldenCase) category(t testing.TB) (*metric.Category, Settings) {
	cat := &metric.Category{Name: g.Name}
	for _, im := range g.Images {
		mi := metric.Image{Name: im.Name, Width: im.Width, Height: im.Height}
		for _, v := range im.Scores {
			f := float32(v)
			if float64(f) != v {
				t.Fatalf("%s: score %v is not a float32", g.Name, v)
			}
			mi.Scores = append(mi.Scores, f)
		}
		mi.Mask = make([]bool, len(im.Mask))
		for i, m := range im.Mask {
			mi.Mask[i] = m != 0
		}
		if im.ImageScore != nil {
			mi.Score, mi.HasScore = *im.ImageScore, true
		}
		cat.Images = append(cat.Images, mi)
	}
	s := DefaultSettings
	grid, err := metric.ParseGrid(g.Options.Thresholds)
	if err != nil {
		t.Fatal(err)
	}
	s.Grid = grid
	s.Connectivity = connected.Connectivity(g.Options.Connectivity)
	s.FPRLimit, s.Tau, s.Delta = g.Options.FPRLimit, g.Options.Tau, g.Options.Delta
	if g.Options.RCAverage == "image" {
		s.RCAverage = sweep.PerImage
	}
	s.Curves = true
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
			cat, s := g.category(t)
			for _, run := range []struct {
				workers int
				curves  bool
			}{{1, true}, {3, true}, {2, false}} {
				s.Workers, s.Curves = run.workers, run.curves
				rep, err := Category(cat, s)
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
					checkCurve(t, "pro_fpr", rep.Curves[curve.PROFPR], g.Curves.PROFPR, s.Grid.IsExact())
					checkCurve(t, "rc_pro", rep.Curves[curve.PRORC], g.Curves.RCPRO, true)
				}
			}
		})
	}
}

// checkCurve compares a curve with the reference's points, which omit the
// start point.
func checkCurve(t *testing.T, name string, got curve.Curve, want [][3]float64, hasStart bool) {
	t.Helper()
	if hasStart && got.Len() > 0 {
		got = curve.Curve{Threshold: got.Threshold[1:], X: got.X[1:], Y: got.Y[1:]}
	}
	if got.Len() != len(want) {
		t.Errorf("%s: %d points, want %d", name, got.Len(), len(want))
		return
	}
	for k, w := range want {
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
		cat, s := g.category(t)
		if s.Grid.IsExact() {
			continue
		}
		n++
		s.Curves = false
		want, err := Category(cat, s)
		if err != nil {
			t.Fatal(err)
		}
		st, err := NewStream(cat.Name, s, cat.Extent())
		if err != nil {
			t.Fatal(err)
		}
		each := func(fn func([]metric.Image) error) error {
			for i := range cat.Images {
				if err := fn(cat.Images[i : i+1]); err != nil {
					return err
				}
			}
			return nil
		}
		if err := st.ReadROCAgain(each, 7); err != nil {
			t.Fatal(err)
		}
		for i := range cat.Images {
			if err := st.Add(cat.Images[i : i+1]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.Finish()
		if err != nil {
			t.Fatal(err)
		}
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
