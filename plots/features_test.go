package plots

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"

	"github.com/zsadbench/zsadbench/curve"
)

// plotters returns the plotters of a figure's plot of type T.
func plotters[T any](f *Figure) []T {
	var out []T
	for _, p := range f.layers {
		if v, ok := p.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestPROFPRShowsTheLimitShaded(t *testing.T) {
	series := testSeriesList(curve.PROFPR, 2, 3000, 1)
	f, err := New(curve.PROFPR, series, Options{FPRLimit: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if f.plot.X.Min != 0 || f.plot.X.Max != 0.3 {
		t.Errorf("x axis [%v, %v], want [0, 0.3]", f.plot.X.Min, f.plot.X.Max)
	}
	polys := plotters[*plotter.Polygon](f)
	if len(polys) != 2 {
		t.Fatalf("%d shaded areas, want one a model", len(polys))
	}
	for _, p := range polys {
		xys := p.XYs[0]
		last := xys[len(xys)-1]
		if xys[0].X != 0 || xys[0].Y != 0 || last.X != 0.3 || last.Y != 0 {
			t.Errorf("shaded area runs from %v to %v, want (0, 0) to (0.3, 0)", xys[0], last)
		}
	}
	if f.legend.title != "Shaded: the area AUPRO@0.3 integrates" || f.legend.header != "AUPRO@0.3 (%)" {
		t.Errorf("legend title %q, header %q", f.legend.title, f.legend.header)
	}
	if r := f.legend.rows[0]; r.value != "95.0" {
		t.Errorf("legend value %q, want the table's 95.0", r.value)
	}
	// The limit line is the axis' end; over the full range it is marked.
	full, err := New(curve.PROFPR, series, Options{FPRLimit: 0.3, FullRange: true})
	if err != nil {
		t.Fatal(err)
	}
	if full.plot.X.Max != 1 || len(plotters[*plotter.Line](full)) != len(plotters[*plotter.Line](f))+1 {
		t.Errorf("full range: x to %v, %d lines (limited view: %d)", full.plot.X.Max, len(plotters[*plotter.Line](full)), len(plotters[*plotter.Line](f)))
	}
}

func TestPRORCSaysWhatItShades(t *testing.T) {
	f, err := New(curve.PRORC, testSeriesList(curve.PRORC, 1, 3000, 1), Options{Fractions: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.plot.X.Label.Text != "PRO (per-region overlap)" || f.plot.Y.Label.Text != "RC (region calibration)" {
		t.Errorf("axes %q, %q", f.plot.X.Label.Text, f.plot.Y.Label.Text)
	}
	if f.legend.title != "Shaded: the area RCPRO integrates" || f.legend.header != "RCPRO" || f.legend.rows[0].value != "0.950" {
		t.Errorf("legend title %q, header %q, value %q", f.legend.title, f.legend.header, f.legend.rows[0].value)
	}
	if polys := plotters[*plotter.Polygon](f); len(polys) != 1 {
		t.Errorf("%d shaded areas, want 1", len(polys))
	}
}

func TestPRDrawnAsSteps(t *testing.T) {
	// Precision 1 to recall 0.5, then 0.5: as steps the corner is at
	// (0.5, 0.5) below (0.5, 1), not a slope from (0.5, 1) to (1, 0.5).
	var c curve.Curve
	c.Append(2, 0, 1)
	c.Append(1, 0.5, 1)
	c.Append(0, 1, 0.5)
	f, err := New(curve.PixelPR, []Series{{Name: "m", Curve: c}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines := plotters[*plotter.Line](f)
	if len(lines) != 1 || lines[0].StepStyle != plotter.PreStep {
		t.Fatalf("PR curve: %d lines, step style %v; want one drawn as PreStep", len(lines), lines[0].StepStyle)
	}
	want := []point{{0, 1}, {0, 1}, {0.5, 1}, {0.5, 0.5}, {1, 0.5}}
	if got := f.obstacles[len(f.obstacles)-1].pts; !slices.Equal(got, want) {
		t.Errorf("the legend avoids %v, want the staircase %v", got, want)
	}
	if len(plotters[*plotter.Polygon](f)) != 0 {
		t.Error("a PR figure shades an area")
	}
}

func TestAxisTicks(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		tile bool
		want []string
	}{
		{1, false, []string{"0", "0.2", "0.4", "0.6", "0.8", "1"}},
		{1, true, []string{"0", "0.5", "1"}},
		{0.3, false, []string{"0", "0.1", "0.2", "0.3"}},
		{0.3, true, []string{"0", "0.2", "0.3"}},
		{0.05, false, []string{"0", "0.01", "0.02", "0.03", "0.04", "0.05"}},
		{0.07, false, []string{"0", "0.02", "0.04", "0.06", "0.07"}},
	} {
		var labels []string
		for _, tk := range axisTicks(tc.max, tc.tile) {
			if tk.Value < 0 || tk.Value > tc.max {
				t.Errorf("max %v: tick %v outside the axis", tc.max, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if !slices.Equal(labels, tc.want) {
			t.Errorf("max %v tile %v: labels %v, want %v", tc.max, tc.tile, labels, tc.want)
		}
	}
}

// Figures are small PDFs (a subset of the font embedded) and the same
// figure gives the same bytes, in every format.
func TestFiguresSmallAndRepeatable(t *testing.T) {
	for _, kind := range allKinds {
		series := testSeriesList(kind, 3, 20000, 2)
		for _, format := range []Format{PDF, PNG, SVG} {
			var out [2][]byte
			for i := range out {
				f, err := New(kind, series, Options{DPI: 150})
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := f.Encode(&buf, format); err != nil {
					t.Fatal(err)
				}
				out[i] = buf.Bytes()
			}
			if !bytes.Equal(out[0], out[1]) {
				t.Errorf("%s %s: two renderings differ", kind, format)
			}
			if format == PDF && len(out[0]) > 80_000 {
				t.Errorf("%s PDF: %d bytes, want under 80 kB", kind, len(out[0]))
			}
			if format == PDF && !strings.Contains(string(out[0]), "/FontFile2") {
				t.Errorf("%s PDF embeds no font", kind)
			}
		}
	}
}
