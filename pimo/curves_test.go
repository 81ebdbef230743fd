package pimo

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/zsadbench/zsadbench/internal/golden"
	"github.com/zsadbench/zsadbench/metric"
)

// TestCurvesGiveAUPIMO: integrating each PIMO curve over [log 1e-5,
// log 1e-4] (points with FPR > 0, interpolated at the bounds) gives the
// exact grid's AUPIMO; the curves rise and end at (1, 1).
func TestCurvesGiveAUPIMO(t *testing.T) {
	var gc golden.PIMOCase
	if err := golden.LoadJSON(filepath.Join(statsDir, "pimo_base.json"), &gc); err != nil {
		t.Fatal(err)
	}
	cat, err := gc.Category()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Compute(cat, metric.DefaultSettings)
	if err != nil {
		t.Fatal(err)
	}
	cv, err := ComputeCurves(cat, metric.DefaultSettings)
	if err != nil || cv == nil || len(cv.Curves) == 0 {
		t.Fatalf("curves: %v, %v", cv, err)
	}
	a, b := math.Log(Lower), math.Log(Upper)
	for k, i := range cv.Images {
		c := cv.Curves[k]
		n := c.Len()
		if c.X[n-1] != 1 || c.Y[n-1] != 1 {
			t.Errorf("image %d: curve ends at (%v, %v)", i, c.X[n-1], c.Y[n-1])
		}
		area := 0.0
		var px, py float64
		started := false
		for p := range n {
			if p > 0 && (c.X[p] < c.X[p-1] || c.Y[p] < c.Y[p-1] || c.Threshold[p] >= c.Threshold[p-1]) {
				t.Fatalf("image %d: point %d goes back", i, p)
			}
			if c.X[p] == 0 {
				continue
			}
			x, y := math.Log(c.X[p]), c.Y[p]
			if started && x > px && x > a && px < b {
				xa, xb := max(px, a), min(x, b)
				ya := py + (y-py)*(xa-px)/(x-px)
				yb := py + (y-py)*(xb-px)/(x-px)
				area += (xb - xa) * (ya + yb) / 2
			}
			px, py, started = x, y, true
		}
		got := min(1, max(0, area/math.Log(Upper/Lower)))
		if math.Abs(got-res.AUPIMO[i]) > 1e-12 {
			t.Errorf("image %d: AUPIMO from its curve %v, Compute %v", i, got, res.AUPIMO[i])
		}
	}
}
