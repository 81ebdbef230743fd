package main

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/curve"
)

// TestPIMOCurvesAndPlot: score --curves with AUPIMO writes each category's
// per-image PIMO curves (one per anomalous image, read back whole), and
// --plot-dir and plot --kind pimo draw them: the band and the curves in the figure's
// colour; several runs or categories without --category are refused.
func TestPIMOCurvesAndPlot(t *testing.T) {
	data := filepath.Join(t.TempDir(), "d")
	mustRun(t, "synth", "--data", data, "--categories", "bolt,nut", "--images-per-category", "12", "--image-size", "128", "--seed", "3")
	dir := filepath.Join(t.TempDir(), "curves")
	figs := filepath.Join(t.TempDir(), "figs")
	rep := parseReport(t, mustRun(t, "score", "--maps", data, "--data", data, "--metrics", "all", "--format", "json", "--curves", dir, "--plot-dir", figs).stdout)
	for _, c := range []string{"bolt", "nut"} {
		if fi, err := os.Stat(filepath.Join(figs, c+"_pimo.pdf")); err != nil || fi.Size() == 0 {
			t.Errorf("--plot-dir: no PIMO figure of %s: %v", c, err)
		}
	}
	for _, c := range rep.Categories {
		f, err := os.Open(filepath.Join(dir, curve.FileName(c.Name, curve.PIMO)))
		if err != nil {
			t.Fatal(err)
		}
		im, err := curve.ReadImagesCSV(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(im.Keys) != c.AnomalousImages || len(im.Keys) == 0 {
			t.Errorf("%s: %d PIMO curves, want one per anomalous image (%d)", c.Name, len(im.Keys), c.AnomalousImages)
		}
		for k, cv := range im.Curves {
			if !strings.HasPrefix(im.Keys[k], c.Name+"/test/") || cv.Len() < 2 || cv.X[0] <= 0 || cv.X[0] > curve.PIMOXMax {
				t.Errorf("%s %s: %d points from x = %v", c.Name, im.Keys[k], cv.Len(), cv.X)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bolt_pimo.csv")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "pimo.png")
	mustRun(t, "plot", "--run", "M="+dir, "--kind", "pimo", "--category", "bolt", "--dpi", "100", "--out", out)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	band := 0 // pixels of the light blue band (the first colour at 25%)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if bl>>8 > 200 && r>>8 < 220 && r>>8 > 150 && g>>8 > 180 {
				band++
			}
		}
	}
	if band < b.Dx()*b.Dy()/50 {
		t.Errorf("%d band pixels of %d", band, b.Dx()*b.Dy())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--run", "M=" + dir, "--run", "N=" + dir, "--category", "bolt"}, "give one --run"},
		{[]string{"--run", "M=" + dir}, "--kind pimo draws one category"},
	} {
		r := zsadbench(append([]string{"plot", "--kind", "pimo", "--out", filepath.Join(t.TempDir(), "x.png")}, tc.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %v", tc.args, r)
		}
	}
	plain := filepath.Join(t.TempDir(), "plain")
	mustRun(t, "score", "--maps", data, "--data", data, "--curves", plain)
	if r := zsadbench("plot", "--run", "M="+plain, "--kind", "pimo", "--category", "bolt", "--out", filepath.Join(t.TempDir(), "x.png")); r.code != 1 || !strings.Contains(r.stderr, "bolt_pimo.csv") {
		t.Errorf("a run without AUPIMO: %v", r)
	}
}
