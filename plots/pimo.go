package plots

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zsadbench/zsadbench/curve"
)

// PIMOFigure is the PIMO curves of a category's anomalous images (kind
// curve.PIMO): x = the shared FPR on a log axis from curve.PIMOXMin to
// curve.PIMOXMax, y = each image's TPR, one thin line per image; shaded,
// the band between the lowest and the highest image TPR at each shared
// FPR (images defined there: from their first point to their last, each
// drawn straight between points on the log axis); dashed, the bounds of
// AUPIMO's range [1e-5, 1e-4]. Build it with NewPIMO.
type PIMOFigure struct {
	plot          *plot.Plot
	width, height vg.Length
	dpi           int
}

// pimoBandPoints is the resolution of the band: 400 shared FPRs, evenly
// spaced on the log axis, finer than the figure's pixels.
const pimoBandPoints = 400

// NewPIMO builds the figure of the images' PIMO curves; value is the
// category's AUPIMO, shown in the title when hasValue. Points at a shared
// FPR of 0 or less (left of any log axis) are left out.
func NewPIMO(curves []curve.Curve, value float64, hasValue bool, opts Options) (*PIMOFigure, error) {
	o, err := opts.resolve(false)
	if err != nil {
		return nil, err
	}
	if len(curves) == 0 {
		return nil, fmt.Errorf("no PIMO curve to draw")
	}
	p := plot.New()
	p.Title.Text = o.Title
	if hasValue {
		if p.Title.Text != "" {
			p.Title.Text += ": "
		}
		p.Title.Text += "AUPIMO " + formatValue(value, o)
		if !o.Fractions {
			p.Title.Text += "%"
		}
		p.Title.Text += " (mean of " + strconv.Itoa(len(curves)) + " images)"
	}
	styleFrame(p, o.FontSize, o.FontSize-1)
	p.X.Scale = plot.LogScale{}
	p.X.Min, p.X.Max = curve.PIMOXMin, curve.PIMOXMax
	p.X.Tick.Marker = plot.ConstantTicks{{Value: 1e-6, Label: "1e-6"}, {Value: 1e-5, Label: "1e-5"}, {Value: 1e-4, Label: "1e-4"}, {Value: 1e-3, Label: "1e-3"}}
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = axisTicks(1, false)
	x, y := curve.PIMO.Axes()
	p.X.Label.Text, p.Y.Label.Text = x+" (mean FPR of the normal images)", y+" of each anomalous image"
	lines := make([]plotter.XYs, len(curves))
	for i, c := range curves {
		for k := range c.X {
			if c.X[k] > 0 {
				lines[i] = append(lines[i], plotter.XY{X: c.X[k], Y: clamp01(c.Y[k])})
			}
		}
	}
	if band := pimoBand(lines); len(band) > 0 {
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return nil, err
		}
		poly.Color = color.NRGBA{R: palette[0].R, G: palette[0].G, B: palette[0].B, A: 0x40}
		poly.LineStyle.Width = 0
		p.Add(poly)
	}
	for _, b := range []float64{curve.PIMOXMin * 10, curve.PIMOXMax / 10} {
		l, err := plotter.NewLine(plotter.XYs{{X: b, Y: 0}, {X: b, Y: 1}})
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: grey, Width: 0.5, Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
		p.Add(l)
	}
	thin := color.NRGBA{R: palette[0].R, G: palette[0].G, B: palette[0].B, A: 0xB0}
	for _, pts := range lines {
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: thin, Width: o.LineWidth / 2}
		p.Add(l)
	}
	h := o.Height
	if h == 0 {
		h = o.Width * 0.85
	}
	return &PIMOFigure{plot: p, width: o.Width, height: h, dpi: o.DPI}, nil
}

// pimoBand returns the polygon between the lowest and the highest y of
// the lines at each of pimoBandPoints shared FPRs, over the lines defined
// there; nil where fewer than one is anywhere.
func pimoBand(lines []plotter.XYs) plotter.XYs {
	lo, hi := math.Log10(curve.PIMOXMin), math.Log10(curve.PIMOXMax)
	var top, bottom plotter.XYs
	for k := range pimoBandPoints + 1 {
		u := lo + (hi-lo)*float64(k)/pimoBandPoints
		x := math.Pow(10, u)
		ymin, ymax, n := math.Inf(1), math.Inf(-1), 0
		for _, pts := range lines {
			if y, ok := pimoAt(pts, u); ok {
				ymin, ymax, n = math.Min(ymin, y), math.Max(ymax, y), n+1
			}
		}
		if n > 0 {
			top = append(top, plotter.XY{X: x, Y: ymax})
			bottom = append(bottom, plotter.XY{X: x, Y: ymin})
		}
	}
	if len(top) < 2 {
		return nil
	}
	for i := len(bottom) - 1; i >= 0; i-- {
		top = append(top, bottom[i])
	}
	return top
}

// pimoAt is a line's y at log10 shared FPR u, straight between its points
// on the log axis (the last point where several share u); false outside
// its first and last points.
func pimoAt(pts plotter.XYs, u float64) (float64, bool) {
	n := len(pts)
	if n == 0 || u < math.Log10(pts[0].X) || u > math.Log10(pts[n-1].X) {
		return 0, false
	}
	// first point with log10 x > u
	j := sort.Search(n, func(i int) bool { return math.Log10(pts[i].X) > u })
	if j == n {
		return pts[n-1].Y, true
	}
	a, b := pts[j-1], pts[j]
	ua, ub := math.Log10(a.X), math.Log10(b.X)
	return a.Y + (b.Y-a.Y)*(u-ua)/(ub-ua), true
}

// Size is the figure's size.
func (f *PIMOFigure) Size() (w, h vg.Length) { return f.width, f.height }

// Encode writes the figure to w in the given format.
func (f *PIMOFigure) Encode(w io.Writer, format Format) error {
	return encode(w, format, f, f.dpi)
}

// Draw draws the figure on c.
func (f *PIMOFigure) Draw(c draw.Canvas) { f.plot.Draw(inside(c)) }

// SavePIMO builds the figure (see NewPIMO) and writes it to path like Save.
func SavePIMO(path string, curves []curve.Curve, value float64, hasValue bool, opts Options) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	f, err := NewPIMO(curves, value, hasValue, opts)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return save(path, format, f, f.dpi)
}
