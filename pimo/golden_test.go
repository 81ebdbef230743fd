package pimo

import (
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/internal/golden"
	"github.com/zsadbench/zsadbench/metric"
)

const statsDir = "../testdata/golden/stats"

// TestGolden compares AUPIMO with the independent Python reference
// (testdata/golden/generate_stats.py) on both grids, undefined cases
// included, to 1e-12.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(statsDir, "pimo_*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no PIMO case in %s: %v", statsDir, err)
	}
	for _, path := range paths {
		var gc golden.PIMOCase
		if err := golden.LoadJSON(path, &gc); err != nil {
			t.Fatal(err)
		}
		cat, err := gc.Category()
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gc.Grids {
			name := strings.TrimSuffix(filepath.Base(path), ".json")
			t.Run(name+"/"+gridName(g.PIMOThresholds), func(t *testing.T) {
				s := metric.DefaultSettings
				s.PIMOThresholds = g.PIMOThresholds
				res, err := Compute(cat, s)
				if err != nil {
					t.Fatal(err)
				}
				if g.Undefined != nil {
					if res.Mean.OK() {
						t.Errorf("mean %v, want undefined (%s)", res.Mean.V, *g.Undefined)
					}
					t.Logf("undefined: %v", res.Mean.Err)
					return
				}
				if !res.Mean.OK() {
					t.Fatalf("undefined (%v), want %v", res.Mean.Err, *g.Mean)
				}
				near(t, "mean", res.Mean.V, *g.Mean)
				if g.Std != nil {
					near(t, "std", res.Std.V, *g.Std)
				}
				for i, want := range g.AUPIMO {
					got := res.AUPIMO[i]
					if want == nil {
						if !math.IsNaN(got) {
							t.Errorf("image %d: %v, want none", i, got)
						}
						continue
					}
					near(t, cat.Images[i].Name, got, *want)
				}
				if g.Points != nil && res.Points != *g.Points {
					t.Errorf("points %d, want %d", res.Points, *g.Points)
				}
			})
		}
	}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("%s = %.17g, want %.17g (diff %.3g)", what, got, want, got-want)
	}
}

func gridName(k int) string {
	if k == 0 {
		return "exact"
	}
	return "linspace" + strconv.Itoa(k)
}
