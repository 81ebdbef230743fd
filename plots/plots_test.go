package plots

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/curve"
	"gonum.org/v1/plot/vg"
)

var allKinds = []curve.Kind{curve.ImageROC, curve.ImagePR, curve.PixelROC, curve.PixelPR, curve.PROFPR, curve.PRORC}

// pixels is the pixel count of a length at dpi, as the PNG canvas rounds it.
func pixels(l vg.Length, dpi int) int {
	return int(float64(l)/float64(vg.Inch)*float64(dpi) + 0.5)
}

// checkEncoded checks the start of an encoded figure and, for PNG, its
// pixel size and recorded density.
func checkEncoded(t *testing.T, name string, format Format, b []byte, w, h vg.Length, dpi int) {
	t.Helper()
	if len(b) < 1000 {
		t.Fatalf("%s: only %d bytes", name, len(b))
	}
	switch format {
	case PNG:
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: decode PNG: %v", name, err)
		}
		got := img.Bounds().Size()
		want := image.Pt(pixels(w, dpi), pixels(h, dpi))
		if got != want {
			t.Errorf("%s: PNG is %v pixels, want %v", name, got, want)
		}
		i := bytes.Index(b, []byte("pHYs"))
		if i < 0 {
			t.Fatalf("%s: PNG has no pHYs chunk", name)
		}
		ppm := binary.BigEndian.Uint32(b[i+4:])
		if want := uint32(math.Round(float64(dpi) / 0.0254)); ppm != want || b[i+12] != 1 {
			t.Errorf("%s: pHYs = %d px/m unit %d, want %d px/m unit 1", name, ppm, b[i+12], want)
		}
	case SVG:
		if !bytes.HasPrefix(b, []byte("<?xml")) && !bytes.HasPrefix(b, []byte("<svg")) {
			t.Errorf("%s: SVG starts with %q", name, b[:20])
		}
		if !bytes.Contains(b, []byte("</svg>")) {
			t.Errorf("%s: SVG is not closed", name)
		}
		if !bytes.Contains(b, []byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")) {
			t.Errorf("%s: SVG text has no font fallback", name)
		}
	case PDF:
		if !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Errorf("%s: PDF starts with %q", name, b[:20])
		}
		if !bytes.Contains(b, []byte("FontFile2")) {
			t.Errorf("%s: PDF embeds no font", name)
		}
	}
}

func TestRenderEveryKindAndFormat(t *testing.T) {
	for _, kind := range allKinds {
		for _, models := range []int{1, 3} {
			series := testSeriesList(kind, models, 5000, 1)
			for _, format := range []Format{PNG, SVG, PDF} {
				name := fmt.Sprintf("%s/%d models/%s", kind, models, format)
				dpi := 100
				if kind == curve.PRORC && models == 3 {
					dpi = 300 // the publication default, once
				}
				f, err := New(kind, series, Options{DPI: dpi, Title: "bottle"})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				var buf bytes.Buffer
				if err := f.Encode(&buf, format); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				w, h := f.Size()
				if w != OneColumn {
					t.Errorf("%s: width %v, want one column %v", name, w, OneColumn)
				}
				checkEncoded(t, name, format, buf.Bytes(), w, h, dpi)
				for _, s := range series {
					if !bytes.Contains(buf.Bytes(), []byte(s.Name)) && format == SVG {
						t.Errorf("%s: legend lacks %q", name, s.Name)
					}
				}
			}
		}
	}
}

func TestPNGSizes(t *testing.T) {
	series := testSeriesList(curve.PixelROC, 2, 1000, 1)
	for _, tc := range []struct {
		opts  Options
		w, h  int // pixels; h 0: not checked
		grid  bool
		wantW vg.Length
	}{
		{Options{}, 1050, 0, false, OneColumn},
		{Options{Width: TwoColumn, Height: 3 * vg.Inch, DPI: 150}, 1074, 450, false, TwoColumn},
		{Options{Width: 5 * vg.Centimeter, Height: 4 * vg.Centimeter, DPI: 254}, 500, 400, false, 5 * vg.Centimeter},
		{Options{DPI: 72}, 516, 0, true, TwoColumn},
	} {
		var d interface {
			Size() (vg.Length, vg.Length)
			Encode(w io.Writer, f Format) error
		}
		var err error
		if tc.grid {
			d, err = NewGrid(curve.PixelROC, []string{"a", "b", "c"}, [][]Series{series, series, series}, tc.opts)
		} else {
			d, err = New(curve.PixelROC, series, tc.opts)
		}
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := d.Encode(&buf, PNG); err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w, h := d.Size()
		if w != tc.wantW || cfg.Width != tc.w || (tc.h != 0 && cfg.Height != tc.h) {
			t.Errorf("%+v: size %v x %v, PNG %d x %d; want width %v, PNG %d x %d", tc.opts, w, h, cfg.Width, cfg.Height, tc.wantW, tc.w, tc.h)
		}
	}
}

// With an automatic height, a figure's plot area is square.
func TestAutoHeightSquare(t *testing.T) {
	for _, kind := range allKinds {
		f, err := New(kind, testSeriesList(kind, 3, 2000, 2), Options{Title: "t"})
		if err != nil {
			t.Fatal(err)
		}
		w, h := f.Size()
		c := inside(sizeCanvas(w, h))
		if f.below {
			c.Min.Y += f.belowHeight()
		}
		dc := f.plot.DataCanvas(c)
		dw, dh := dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y
		if math.Abs(float64(dw-dh)) > 0.01 {
			t.Errorf("%s: plot area %v x %v, want square", kind, dw, dh)
		}
	}
}

func TestLegendPlacement(t *testing.T) {
	// Typical ROC curves leave the lower right corner free.
	f, err := New(curve.PixelROC, testSeriesList(curve.PixelROC, 3, 5000, 1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.below || f.corner != lowerRight {
		t.Errorf("ROC: legend below=%v corner=%v, want lower right inside", f.below, f.corner)
	}
	// PR curves fall to the lower right; the lower left is free.
	f, err = New(curve.PixelPR, testSeriesList(curve.PixelPR, 3, 5000, 1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.below || f.corner != lowerLeft {
		t.Errorf("PR: legend below=%v corner=%v, want lower left inside", f.below, f.corner)
	}
	// Curves through every corner: the legend goes below and the figure
	// grows by its height.
	var zig curve.Curve
	for _, p := range [][2]float64{{0, 0}, {1, 1}, {0, 1}, {1, 0}, {0.5, 0.5}, {0, 0.1}, {1, 0.9}, {0.1, 0}, {0.9, 1}} {
		zig.Append(0, p[0], p[1])
	}
	series := []Series{{Name: "zigzag", Curve: zig, Value: 0.5, HasValue: true}}
	f, err = New(curve.PRORC, series, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !f.below {
		t.Errorf("curves through every corner: legend inside, at corner %v", f.corner)
	}
	g, err := New(curve.PRORC, []Series{{Name: "flat", Curve: curve.Curve{Threshold: []float64{0, 0}, X: []float64{0, 1}, Y: []float64{0.5, 0.5}}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, h1 := f.Size()
	_, h0 := g.Size()
	if h1 <= h0 {
		t.Errorf("legend below: height %v, not more than %v with the legend inside", h1, h0)
	}
	// Forced below.
	f, err = New(curve.PixelROC, testSeriesList(curve.PixelROC, 3, 500, 1), Options{LegendBelow: true})
	if err != nil {
		t.Fatal(err)
	}
	if !f.below {
		t.Error("LegendBelow ignored")
	}
	// The legend inside covers no curve point: check every thinned
	// point of every curve against the legend box.
	f, err = New(curve.PixelROC, testSeriesList(curve.PixelROC, 3, 5000, 3), Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, h := f.Size()
	c := inside(sizeCanvas(w, h))
	dc := f.plot.DataCanvas(c)
	r := f.cornerRect(dc, f.corner)
	for _, o := range f.obstacles {
		for _, p := range o.pts {
			x := dc.Min.X + vg.Length(p.x)*(dc.Max.X-dc.Min.X)
			y := dc.Min.Y + vg.Length(p.y)*(dc.Max.Y-dc.Min.Y)
			if x >= r.Min.X && x <= r.Max.X && y >= r.Min.Y && y <= r.Max.Y {
				t.Fatalf("point %v is under the legend %v", p, r)
			}
		}
	}
}

func TestSegmentMeetsRect(t *testing.T) {
	for _, tc := range []struct {
		ax, ay, bx, by float64
		want           bool
	}{
		{-1, 0.5, 2, 0.5, true},    // straight through
		{0.5, 0.5, 0.6, 0.6, true}, // inside
		{-1, -1, -0.5, 2, false},   // left of it
		{-1, 0, 0, 1.5, false},     // passes the corner outside
		{-1, 0, 1, 2, true},        // cuts the corner
		{0, 2, 1, 2, false},        // above, horizontal
		{1, -1, 1, 3, true},        // along the right edge
	} {
		if got := segmentMeetsRect(tc.ax, tc.ay, tc.bx, tc.by, 0, 0, 1, 1); got != tc.want {
			t.Errorf("segment (%v,%v)-(%v,%v): %v, want %v", tc.ax, tc.ay, tc.bx, tc.by, got, tc.want)
		}
	}
}

func TestStylesDistinct(t *testing.T) {
	type key struct {
		c color.RGBA
		d string
	}
	seen := map[key]int{}
	colours := map[color.RGBA]bool{}
	dashSet := map[string]bool{}
	for k := range 64 {
		s := lineStyle(k, 1)
		c := s.Color.(color.RGBA)
		d := fmt.Sprint(s.Dashes)
		if j, dup := seen[key{c, d}]; dup {
			t.Errorf("styles %d and %d are the same", j, k)
		}
		seen[key{c, d}] = k
		if k < 8 {
			colours[c], dashSet[d] = true, true
		}
	}
	if len(colours) != 8 || len(dashSet) != 8 {
		t.Errorf("first 8 styles: %d colours, %d dash patterns; want 8 and 8", len(colours), len(dashSet))
	}
	// Series.Style pins a style; 0 means the position.
	styles, err := checkSeries([]Series{{Name: "a"}, {Name: "b", Style: 5}, {Name: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(styles) != "[0 4 2]" {
		t.Errorf("styles %v, want [0 4 2]", styles)
	}
}

func TestValidation(t *testing.T) {
	good := testSeriesList(curve.PixelROC, 1, 100, 1)
	bad := func(mod func(*Series)) []Series {
		s := good[0]
		s.Curve = curve.Curve{
			Threshold: append([]float64(nil), s.Curve.Threshold...),
			X:         append([]float64(nil), s.Curve.X...),
			Y:         append([]float64(nil), s.Curve.Y...),
		}
		mod(&s)
		return []Series{s}
	}
	for _, tc := range []struct {
		name   string
		kind   curve.Kind
		series []Series
		opts   Options
		want   string
	}{
		{"kind", "roc", good, Options{}, `unknown figure kind "roc"`},
		{"no series", curve.PixelROC, nil, Options{}, "no series"},
		{"no name", curve.PixelROC, bad(func(s *Series) { s.Name = "" }), Options{}, "series 0 has no name"},
		{"outside", curve.PixelROC, bad(func(s *Series) { s.Curve.Y[7] = 1.5 }), Options{}, `series "DIVE": point 7 (`},
		{"negative", curve.PixelROC, bad(func(s *Series) { s.Curve.X[3] = -0.01 }), Options{}, "point 3"},
		{"nan", curve.PixelROC, bad(func(s *Series) { s.Curve.X[2] = math.NaN() }), Options{}, "point 2 (NaN"},
		{"lengths", curve.PixelROC, bad(func(s *Series) { s.Curve.Y = s.Curve.Y[1:] }), Options{}, "x values but"},
		{"value", curve.PixelROC, bad(func(s *Series) { s.Value = math.Inf(1) }), Options{}, "legend value +Inf"},
		{"style", curve.PixelROC, bad(func(s *Series) { s.Style = -1 }), Options{}, "style -1"},
		{"limit", curve.PROFPR, good, Options{FPRLimit: 1.5}, "FPR limit 1.5"},
		{"dpi", curve.PixelROC, good, Options{DPI: -3}, "dpi -3"},
		{"width", curve.PixelROC, good, Options{Width: -1}, "width"},
		{"height", curve.PixelROC, good, Options{Height: 1e9}, "height"},
		{"font", curve.PixelROC, good, Options{FontSize: 1}, "font size"},
		{"columns", curve.PixelROC, good, Options{Columns: -1}, "columns"},
	} {
		_, err := New(tc.kind, tc.series, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	// Rounding just outside [0, 1] is clamped, not rejected.
	s := bad(func(s *Series) { s.Curve.Y[len(s.Curve.Y)-1] = 1 + 1e-12 })
	if _, err := New(curve.PixelROC, s, Options{}); err != nil {
		t.Errorf("rounding above 1: %v", err)
	}
	// An empty curve keeps its legend row and draws.
	if _, err := New(curve.PixelROC, []Series{{Name: "none"}}, Options{}); err != nil {
		t.Errorf("empty curve: %v", err)
	}
}

func TestGrid(t *testing.T) {
	cats := []string{"bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather"}
	var all [][]Series
	for i := range cats {
		all = append(all, testSeriesList(curve.PROFPR, 3, 2000, uint64(i)))
	}
	g, err := NewGrid(curve.PROFPR, cats, all, Options{DPI: 100, Title: "MVTec AD"})
	if err != nil {
		t.Fatal(err)
	}
	if g.cols != 5 || g.rows != 2 {
		t.Errorf("7 tiles two columns wide: %d x %d, want 5 columns, 2 rows", g.cols, g.rows)
	}
	if len(g.legend.rows) != 3 || g.legend.note != "Numbers: AUPRO@0.3 (%) = shaded area / 0.3" {
		t.Errorf("grid legend: %d models, note %q", len(g.legend.rows), g.legend.note)
	}
	for _, format := range []Format{PNG, SVG, PDF} {
		var buf bytes.Buffer
		if err := g.Encode(&buf, format); err != nil {
			t.Fatal(err)
		}
		w, h := g.Size()
		checkEncoded(t, "grid "+string(format), format, buf.Bytes(), w, h, 100)
	}
	g, err = NewGrid(curve.PROFPR, cats[:2], all[:2], Options{Columns: 1, Width: OneColumn})
	if err != nil {
		t.Fatal(err)
	}
	if g.cols != 1 || g.rows != 2 {
		t.Errorf("one column: %d x %d", g.cols, g.rows)
	}

	// A model with another style in another category is an error; models
	// absent from some categories are fine when styles are pinned.
	other := testSeriesList(curve.PROFPR, 2, 100, 1)
	other[0], other[1] = other[1], other[0]
	if _, err := NewGrid(curve.PROFPR, []string{"a", "b"}, [][]Series{all[0], other}, Options{}); err == nil ||
		!strings.Contains(err.Error(), `model "AnomalyCLIP" has style 2 in category a but 1 in b`) {
		t.Errorf("style clash: %v", err)
	}
	other[0].Style, other[1].Style = 2, 1
	if _, err := NewGrid(curve.PROFPR, []string{"a", "b"}, [][]Series{all[0], other}, Options{}); err != nil {
		t.Errorf("pinned styles: %v", err)
	}
	for _, tc := range []struct {
		cats   []string
		series [][]Series
		want   string
	}{
		{[]string{"a"}, nil, "1 categories but 0 series lists"},
		{nil, nil, "no categories"},
		{[]string{"a", "b"}, [][]Series{all[0], nil}, "category b: no series"},
	} {
		if _, err := NewGrid(curve.PROFPR, tc.cats, tc.series, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want it to contain %q", err, tc.want)
		}
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	series := testSeriesList(curve.PRORC, 3, 1000, 1)
	for _, name := range []string{"a.png", "b.SVG", "c.pdf"} {
		path := filepath.Join(dir, name)
		if err := Save(path, curve.PRORC, series, Options{DPI: 72}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		format, _ := FormatOf(path)
		f, _ := New(curve.PRORC, series, Options{DPI: 72})
		w, h := f.Size()
		checkEncoded(t, name, format, b, w, h, 72)
	}
	path := filepath.Join(dir, "grid.pdf")
	if err := SaveGrid(path, curve.PRORC, []string{"x", "y"}, [][]Series{series, series[:1]}, Options{}); err != nil {
		t.Fatal(err)
	}

	// A failed save names the file and leaves an existing one alone.
	keep := filepath.Join(dir, "a.png")
	before, _ := os.ReadFile(keep)
	err := Save(keep, curve.PRORC, []Series{{Name: ""}}, Options{})
	if err == nil || !strings.Contains(err.Error(), keep) {
		t.Errorf("err = %v, want it to name %s", err, keep)
	}
	after, _ := os.ReadFile(keep)
	if !bytes.Equal(before, after) {
		t.Error("a failed save changed the existing file")
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "a.jpg"), `unknown figure format ".jpg"`},
		{filepath.Join(dir, "noext"), "unknown figure format"},
		{filepath.Join(dir, "missing", "a.png"), "missing"},
	} {
		if err := Save(tc.path, curve.PRORC, series, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.path, err, tc.want)
		}
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	// Huge PNGs are refused, not attempted.
	f, err := New(curve.PRORC, series, Options{Width: 100 * vg.Inch, DPI: 2400})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Encode(&bytes.Buffer{}, PNG); err == nil || !strings.Contains(err.Error(), "lower the DPI") {
		t.Errorf("huge PNG: %v", err)
	}
	if err := f.Encode(&bytes.Buffer{}, "gif"); err == nil {
		t.Error("gif accepted")
	}
}

// Thinning changes nothing visible: a figure of 200,000-point curves
// thinned to a quarter pixel, and the same figure thinned to a hundredth of a
// pixel, differ by no more than anti-aliasing noise: no channel of any pixel
// by more than 96/255 (a quarter-pixel shift of an edge changes its coverage
// by at most a quarter, 64/255, on either side).
//
// The reference is not the unthinned drawing, because rasterisers do not
// draw a stroke of a million sub-pixel segments faithfully: it comes out
// thicker than the same stroke with pixel-long segments (about half a pixel
// here), and dash patterns drift in phase. Thinning removes that artefact.
// The curves are smooth binormal ROC curves in solid lines.
func TestThinnedFigureLooksTheSame(t *testing.T) {
	if testing.Short() {
		t.Skip("renders long curves")
	}
	const n = 200_000
	var series []Series
	for m, d := range []float64{2.5, 1.5, 0.8} {
		var c curve.Curve
		for i := range n {
			s := 6 - 12*float64(i)/(n-1)
			x := 0.5 * math.Erfc(s/math.Sqrt2)
			y := 0.5 * math.Erfc((s-d)/math.Sqrt2)
			c.Append(s, x, y)
		}
		// Styles 1, 23, 30 are solid lines in blue, black and sky blue.
		style := []int{1, 23, 30}[m]
		if lineStyle(style-1, 1).Dashes != nil {
			t.Fatalf("style %d is not solid", style)
		}
		series = append(series, Series{Name: testModels[m], Curve: c, Value: 0.9, HasValue: true, Style: style})
	}
	opts := Options{DPI: 200}
	thin, err := New(curve.PixelROC, series, opts)
	if err != nil {
		t.Fatal(err)
	}
	full, err := New(curve.PixelROC, series, opts)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := opts.resolve(false)
	info, _ := info(curve.PixelROC, o)
	full.plot, full.obstacles, full.layers = newPlot(info, series, []int{0, 22, 29}, o, plotLayout{
		xLabel: true, yLabel: true,
		tickFont: o.FontSize - 1,
		pixels:   float64(pixels(o.Width, o.DPI)), tol: 0.01,
	})
	var nFull, nThin int
	for i := range full.obstacles {
		nFull += len(full.obstacles[i].pts)
		nThin += len(thin.obstacles[i].pts)
	}
	if nThin > 300 || nFull < 3*nThin {
		t.Fatalf("reference figure draws %d points, thinned %d", nFull, nThin)
	}
	render := func(f *Figure) *image.RGBA {
		var buf bytes.Buffer
		if err := f.Encode(&buf, PNG); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		return img.(*image.RGBA)
	}
	a, b := render(thin), render(full)
	if dir := os.Getenv("PLOTS_DEBUG_DIR"); dir != "" {
		for name, img := range map[string]*image.RGBA{"thin.png": a, "full.png": b} {
			var buf bytes.Buffer
			png.Encode(&buf, img)
			os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644)
		}
	}
	if a.Bounds() != b.Bounds() {
		t.Fatalf("sizes differ: %v, %v", a.Bounds(), b.Bounds())
	}
	var differ, maxDiff int
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		d = max(d, -d)
		maxDiff = max(maxDiff, d)
		if d > 64 {
			differ++
		}
	}
	t.Logf("%d -> %d points; %d of %d channel values differ by more than 64/255; largest difference %d",
		nFull, nThin, differ, len(a.Pix), maxDiff)
	if maxDiff > 96 {
		t.Errorf("a channel value differs by %d/255", maxDiff)
	}
}
