package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/metric"
)

// TestCurveFilesKeepTheirMetrics: on synth data, the metric recomputed from
// every curve file score --curves writes (curve.Area) matches the exact
// value in results.json to the tolerance, on the exact grid and on the
// steps grid, at two FPR limits and two tolerances; every point of the
// library's full curve lies within the tolerance of the file's curve; the
// files are small.
func TestCurveFilesKeepTheirMetrics(t *testing.T) {
	data := filepath.Join(t.TempDir(), "synth")
	mustRun(t, "synth", "--data", data, "--num-categories", "2", "--images-per-category", "16", "--image-size", "96", "--seed", "11")
	for _, tc := range []struct {
		name  string
		flags []string
		s     metric.Settings
		tol   float64
	}{
		{"exact", nil, metric.DefaultSettings, curve.DefaultTolerance},
		{"exact-L0.05-tol1e-3", []string{"--fpr-limit", "0.05", "--curve-tolerance", "1e-3"}, withLimit(metric.DefaultSettings, 0.05), 1e-3},
		{"steps", []string{"--thresholds", "steps:200"}, withGrid(metric.DefaultSettings, metric.Steps(200)), curve.DefaultTolerance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "curves")
			args := append([]string{"score", "--maps", data, "--data", data, "--curves", dir, "--format", "json"}, tc.flags...)
			mustRun(t, args...)
			rep := readResults(t, filepath.Join(dir, resultsFile))
			full := libraryCurves(t, data, tc.s)
			rule := curve.Rule{FPRLimit: tc.s.FPRLimit, StepsGrid: !tc.s.Thresholds.IsExact()}
			files := 0
			for _, cr := range rep.Categories {
				for _, kind := range curve.Kinds() {
					path := filepath.Join(dir, curve.FileName(cr.Name, kind))
					fi, err := os.Stat(path)
					if err != nil {
						t.Fatal(err)
					}
					if fi.Size() > 1<<20 {
						t.Errorf("%s: %d bytes, want at most 1 MB", path, fi.Size())
					}
					got, err := readCurveFile(path)
					if err != nil {
						t.Fatal(err)
					}
					files++
					exact := cr.Value(kind)
					area, ok := curve.Area(got, kind, rule)
					if ok != exact.OK() {
						t.Errorf("%s: metric defined %v from the file, %v in results.json", path, ok, exact.OK())
						continue
					}
					if d := math.Abs(area - exact.V); ok && d > tc.tol {
						t.Errorf("%s: %s from the file %.9f, exact %.9f: off by %.2g > %g", path, kind.Metric(), area, exact.V, d, tc.tol)
					}
					all := full[cr.Name][kind]
					checkWithin(t, path, all, got, kind.Steps(), tc.tol)
					t.Logf("%s: %d of %d points, %d bytes, %s off by %.2g", filepath.Base(path), got.Len(), all.Len(), fi.Size(), kind.Metric(), math.Abs(area-exact.V))
				}
			}
			if files != 2*len(curve.Kinds()) {
				t.Errorf("%d curve files, want %d", files, 2*len(curve.Kinds()))
			}
		})
	}
}

func withLimit(s metric.Settings, l float64) metric.Settings    { s.FPRLimit = l; return s }
func withGrid(s metric.Settings, g metric.Grid) metric.Settings { s.Thresholds = g; return s }

func readResults(t *testing.T, path string) *evaluate.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rep evaluate.Report
	if err := json.NewDecoder(f).Decode(&rep); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &rep
}

// libraryCurves evaluates the folder with every point of every curve.
func libraryCurves(t *testing.T, data string, s metric.Settings) map[string]map[curve.Kind]curve.Curve {
	t.Helper()
	ds, err := dataset.Open(dataset.Options{Pred: data, GT: data})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := evaluate.Dataset(context.Background(), load.Maps(ds, nil, load.DefaultOptions), s, evaluate.Options{Curves: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[curve.Kind]curve.Curve{}
	for _, cr := range rep.Categories {
		out[cr.Name] = cr.Curves
	}
	return out
}

// checkWithin checks that thin is a subsequence of full with its ends and
// that every point of full lies within tol (in x and in y) of thin's curve:
// of the segment between the kept points around it, or for a staircase of
// its riser or tread.
func checkWithin(t *testing.T, name string, full, thin curve.Curve, steps bool, tol float64) {
	t.Helper()
	var idx []int
	j := 0
	for k := range thin.Len() {
		for j < full.Len() && !(math.Float64bits(full.Threshold[j]) == math.Float64bits(thin.Threshold[k]) && full.X[j] == thin.X[k] && full.Y[j] == thin.Y[k]) {
			j++
		}
		if j == full.Len() {
			t.Fatalf("%s: point %d is not a point of the full curve in order", name, k)
		}
		idx = append(idx, j)
		j++
	}
	if len(idx) == 0 || idx[0] != 0 || idx[len(idx)-1] != full.Len()-1 {
		t.Fatalf("%s: the full curve's ends are not kept", name)
	}
	const eps = 1e-12
	for k := 0; k+1 < len(idx); k++ {
		a, b := idx[k], idx[k+1]
		ax, ay, bx, by := full.X[a], full.Y[a], full.X[b], full.Y[b]
		for i := a + 1; i < b; i++ {
			x, y := full.X[i], full.Y[i]
			ok := false
			if steps {
				riser := math.Max(0, math.Max(math.Min(ay, by)-y, y-math.Max(ay, by)))
				ok = (x-ax <= tol+eps && riser <= tol+eps) || (x >= ax && x <= bx && math.Abs(y-by) <= tol+eps)
			} else {
				ok = segmentDistance(x, y, ax, ay, bx, by) <= tol*(1+1e-9)
			}
			if !ok {
				t.Fatalf("%s: point %d (%g, %g) of the full curve is farther than %g from the file's curve between its points %d and %d", name, i, x, y, tol, a, b)
			}
		}
	}
}

// segmentDistance is the distance from (px, py) to the segment a-b.
func segmentDistance(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	u := 0.0
	if l2 > 0 {
		u = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
	}
	return math.Hypot(px-(ax+u*dx), py-(ay+u*dy))
}
