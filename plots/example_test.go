package plots_test

import (
	"fmt"
	"image/png"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/plots"
)

// Two models' PRO-vs-RC curves in one one-column PDF and PNG, with their
// RCPRO in the legend.
func ExampleSave() {
	dir, err := os.MkdirTemp("", "plots-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Curves as package curve holds them (here made up; normally from the
	// rcpro package or read back with curve.ReadCSV).
	var dive, other curve.Curve
	for i := range 101 {
		pro := float64(i) / 100
		dive.Append(1-pro, pro, 0.9-0.2*pro*pro)
		other.Append(1-pro, pro, 0.5-0.3*pro)
	}
	series := []plots.Series{
		{Name: "DIVE", Curve: dive, Value: 0.833, HasValue: true},
		{Name: "AnomalyCLIP", Curve: other, Value: 0.350, HasValue: true},
	}
	for _, name := range []string{"bottle_pro-rc.pdf", "bottle_pro-rc.png"} {
		err := plots.Save(filepath.Join(dir, name), curve.PRORC, series, plots.Options{Title: "bottle"})
		if err != nil {
			log.Fatal(err)
		}
	}

	f, err := os.Open(filepath.Join(dir, "bottle_pro-rc.png"))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("PNG width:", cfg.Width, "pixels (3.5 in at 300 dpi)")
	// Output:
	// PNG width: 1050 pixels (3.5 in at 300 dpi)
}

// A grid with a tile per category, two columns wide, one legend below.
func ExampleNewGrid() {
	roc := func(d float64) curve.Curve { // a binormal ROC curve
		var c curve.Curve
		for i := range 201 {
			s := 4 - 8*float64(i)/200
			c.Append(s, 0.5*math.Erfc(s/math.Sqrt2), 0.5*math.Erfc((s-d)/math.Sqrt2))
		}
		return c
	}
	categories := []string{"bottle", "cable", "capsule"}
	var series [][]plots.Series
	for i := range categories {
		series = append(series, []plots.Series{
			{Name: "DIVE", Curve: roc(2 + 0.3*float64(i))},
			{Name: "AnomalyCLIP", Curve: roc(1.5)},
		})
	}
	g, err := plots.NewGrid(curve.PixelROC, categories, series, plots.Options{})
	if err != nil {
		log.Fatal(err)
	}
	w, _ := g.Size()
	fmt.Printf("%.2f in wide\n", w/72)
	if err := g.Encode(io.Discard, plots.SVG); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 7.16 in wide
}

// Thinning a million-point curve for a one-column figure at 300 dpi.
func ExampleThin() {
	var c curve.Curve
	const n = 1_000_000
	for i := range n {
		s := 5 - 10*float64(i)/(n-1)
		c.Append(s, 0.5*math.Erfc(s/math.Sqrt2), 0.5*math.Erfc((s-2)/math.Sqrt2))
	}
	px := 3.5 * 300.0 // pixels per unit: the plot area is at most this wide
	t := plots.Thin(c, px, px, 0.25)
	// (35 points on amd64; the exact count can differ by a point where
	// the compiler fuses multiply-adds.)
	fmt.Println("first and last kept:", t.X[0] == c.X[0] && t.X[t.Len()-1] == c.X[n-1])
	fmt.Println("under 100 points:", t.Len() < 100)
	// Output:
	// first and last kept: true
	// under 100 points: true
}
