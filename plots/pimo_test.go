package plots

import (
	"bytes"
	"math"
	"testing"

	"gonum.org/v1/plot/plotter"

	"github.com/zsadbench/zsadbench/curve"
)

// TestPIMOBand: the band runs between the lowest and the highest line at
// each shared FPR, straight in log10 between points, over the lines
// defined there.
func TestPIMOBand(t *testing.T) {
	a := plotter.XYs{{X: 1e-6, Y: 0}, {X: 1e-3, Y: 1}}
	b := plotter.XYs{{X: 1e-5, Y: 0.5}, {X: 1e-4, Y: 0.5}}
	if y, ok := pimoAt(a, -4.5); !ok || math.Abs(y-0.5) > 1e-12 {
		t.Errorf("a at 10^-4.5: %v %v, want 0.5", y, ok)
	}
	if _, ok := pimoAt(b, -5.5); ok {
		t.Error("b is defined left of its first point")
	}
	band := pimoBand([]plotter.XYs{a, b})
	n := len(band) / 2
	if len(band) != 2*(pimoBandPoints+1) {
		t.Fatalf("%d band points", len(band))
	}
	for k := range n {
		u := math.Log10(band[k].X)
		lo, hi := (u+6)/3, (u+6)/3
		if u >= -5-1e-9 && u <= -4+1e-9 {
			lo, hi = math.Min(lo, 0.5), math.Max(hi, 0.5)
		}
		if top, bottom := band[k].Y, band[len(band)-1-k].Y; math.Abs(top-hi) > 1e-9 || math.Abs(bottom-lo) > 1e-9 {
			t.Fatalf("at 10^%v: band [%v, %v], want [%v, %v]", u, bottom, top, lo, hi)
		}
	}
}

func TestNewPIMO(t *testing.T) {
	if _, err := NewPIMO(nil, 0, false, Options{}); err == nil {
		t.Error("no curves: no error")
	}
	if _, err := New(curve.PIMO, []Series{{Name: "a"}}, Options{}); err == nil {
		t.Error("New draws PIMO curves as one curve")
	}
	c := curve.Curve{Threshold: []float64{3, 2, 1, 0}, X: []float64{0, 2e-6, 5e-5, 2e-3}, Y: []float64{0, 0.1, 0.6, 1}}
	f, err := NewPIMO([]curve.Curve{c, c}, 0.42, true, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Encode(&b, SVG); err != nil || b.Len() == 0 {
		t.Fatalf("SVG: %v", err)
	}
	if !bytes.Contains(b.Bytes(), []byte("AUPIMO")) {
		t.Error("no AUPIMO in the title")
	}
}
