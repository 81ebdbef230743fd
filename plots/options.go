package plots

import (
	"fmt"
	"strconv"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/finite"
)

// Figure widths of the common two-column paper templates (IEEE, CVF, ACM,
// Springer LNCS fit within them).
const (
	OneColumn vg.Length = 3.5 * vg.Inch  // the width of one column
	TwoColumn vg.Length = 7.16 * vg.Inch // the width of the text, both columns
)

// kindInfo says how a kind of curve is drawn.
type kindInfo struct {
	x, y     string  // axis labels
	metric   string  // the legend's scalar ("AUPRO" gets "@L" added)
	diagonal bool    // draw the chance diagonal (ROC)
	limit    bool    // mark FPR = L (PRO-vs-FPR over the full range)
	xMax     float64 // the x axis runs from 0 to xMax
	shadeTo  float64 // shade the area under each curve from x = 0 to shadeTo; 0: none
	steps    bool    // draw as a staircase (PR: AP is a step sum)
	title    string  // the legend's title: what the shading is
}

// The words for PRO and RC on axes: the abbreviations alone do not tell a
// reader of a paper what the axes are.
const (
	proWords = "PRO (per-region overlap)"
	rcWords  = "RC (region calibration)"
)

func info(k curve.Kind, o Options) (kindInfo, error) {
	if !k.Valid() {
		return kindInfo{}, fmt.Errorf("unknown figure kind %q", string(k))
	}
	if k == curve.PIMO {
		return kindInfo{}, fmt.Errorf("PIMO curves are one per image: draw them with NewPIMO")
	}
	x, y := k.Axes()
	in := kindInfo{x: x, y: y, metric: k.Metric(), diagonal: x == "FPR" && y == "TPR", xMax: 1, steps: k.Steps()}
	switch k {
	case curve.PROFPR:
		in.y = proWords
		in.shadeTo = o.FPRLimit
		in.title = "Shaded: the area " + metricName(in, o, false) + " integrates"
		if o.FullRange {
			in.limit = true
		} else {
			in.xMax = o.FPRLimit
		}
	case curve.PRORC:
		in.x, in.y = proWords, rcWords
		in.shadeTo = 1
		in.title = "Shaded: the area RCPRO integrates"
	}
	return in, nil
}

// Series is one model's curve in a figure.
type Series struct {
	// Name is the model's name in the legend.
	Name string
	// Curve holds the points, x and y in [0, 1] and finite; its thresholds
	// are not drawn. An empty curve draws nothing but keeps the model's
	// legend entry.
	Curve curve.Curve
	// Value is the scalar shown next to the name (AUROC for ROC curves, AP
	// for PR, AUPRO@L for PRO-vs-FPR, RCPRO for PRO-vs-RC), when HasValue.
	// The package never computes it: metrics live in their own packages.
	Value    float64
	HasValue bool
	// Style selects the model's colour and dash pattern: Style k (k >= 1)
	// is the k-th entry of the Okabe-Ito palette (blue, vermillion, bluish
	// green, reddish purple, orange, sky blue, black, yellow) with the k-th
	// dash pattern (solid, dashed, dotted, dash-dot, long dash,
	// dash-dot-dot, short dash, long-short), cycling after 8 so that the
	// first 64 styles differ. 0 means the series' position in its slice
	// plus one. To keep a model's look across figures that do not all show
	// the same models, give each model a fixed Style.
	Style int
}

// Options sizes and labels a figure. The zero value gives the defaults
// documented on each field; a caller changes only what it needs.
type Options struct {
	// Width of the whole figure. Default: OneColumn for a figure,
	// TwoColumn for a grid.
	Width vg.Length
	// Height of the whole figure. Default: the height that makes the plot
	// area (each tile's, in a grid) square, plus the room a legend below it
	// takes.
	Height vg.Length
	// DPI is the resolution of PNG output, and the resolution at which
	// curves are thinned for every format (a vector figure thinned at 300
	// dpi to a quarter pixel deviates by at most 1/1200 inch). Default 300.
	DPI int
	// FontSize of axis labels and titles; tick labels and the legend use
	// one point less. Default 9 pt for a figure, 8 pt for a grid.
	FontSize vg.Length
	// LineWidth of the curves. Default 1.25 pt for a figure, 1 pt for a
	// grid.
	LineWidth vg.Length
	// FPRLimit is the integration limit L of AUPRO, in (0, 1]: PRO-vs-FPR
	// figures show FPR from 0 to L with the area AUPRO integrates shaded,
	// and name the legend value AUPRO@L. Default 0.3. Other kinds ignore
	// it.
	FPRLimit float64
	// FullRange shows PRO-vs-FPR figures over FPR from 0 to 1, with FPR = L
	// marked by a vertical dashed line.
	FullRange bool
	// Title above the figure (a grid's tiles are titled with their
	// categories). Default: none.
	Title string
	// Fractions shows legend values as fractions (0.931) instead of
	// percentages (93.1), the unit of the tables zsadbench prints.
	Fractions bool
	// Decimals of legend values. Default: 1 for percentages, as the
	// tables print them, and 3 for fractions.
	Decimals int
	// LegendBelow puts the legend under the axes even when a corner of the
	// plot area is free of curves. A grid's model legend is always below.
	LegendBelow bool
	// Columns of tiles in a grid. Default: as many tiles at least 1.4 in
	// wide as the width holds, at most the number of categories.
	Columns int
}

// resolve fills in the defaults and checks the values.
func (o Options) resolve(grid bool) (Options, error) {
	if o.Width == 0 {
		o.Width = OneColumn
		if grid {
			o.Width = TwoColumn
		}
	}
	if o.DPI == 0 {
		o.DPI = 300
	}
	if o.FontSize == 0 {
		o.FontSize = 9
		if grid {
			o.FontSize = 8
		}
	}
	if o.LineWidth == 0 {
		o.LineWidth = 1.25
		if grid {
			o.LineWidth = 1
		}
	}
	if o.FPRLimit == 0 {
		o.FPRLimit = 0.3
	}
	if o.Decimals == 0 {
		o.Decimals = 1
		if o.Fractions {
			o.Decimals = 3
		}
	}
	switch {
	case !(o.Width > 0) || !finite.Float64(float64(o.Width)) || o.Width > 100*vg.Inch:
		return o, fmt.Errorf("width %v: want more than 0 and at most 100 in", o.Width)
	case o.Height < 0 || !finite.Float64(float64(o.Height)) || o.Height > 100*vg.Inch:
		return o, fmt.Errorf("height %v: want 0 (automatic) or at most 100 in", o.Height)
	case o.DPI < 0 || o.DPI > 2400:
		return o, fmt.Errorf("dpi %d: want 1 to 2400", o.DPI)
	case !(o.FontSize >= 2) || o.FontSize > 72:
		return o, fmt.Errorf("font size %v: want 2 to 72 pt", o.FontSize)
	case !(o.LineWidth > 0) || o.LineWidth > 20:
		return o, fmt.Errorf("line width %v: want more than 0 and at most 20 pt", o.LineWidth)
	case !(o.FPRLimit > 0 && o.FPRLimit <= 1):
		return o, fmt.Errorf("FPR limit %v: want a value in (0, 1]", o.FPRLimit)
	case o.Decimals < 0 || o.Decimals > 15:
		return o, fmt.Errorf("decimals %d: want 0 (default) to 15", o.Decimals)
	case o.Columns < 0:
		return o, fmt.Errorf("columns %d: want 0 (automatic) or more", o.Columns)
	}
	return o, nil
}

// metricName is the legend header: the scalar's name, with its unit when
// unit is set.
func metricName(info kindInfo, o Options, unit bool) string {
	name := info.metric
	if info.metric == "AUPRO" {
		name += "@" + strconv.FormatFloat(o.FPRLimit, 'g', -1, 64)
	}
	if unit && !o.Fractions {
		name += " (%)"
	}
	return name
}

// formatValue is how a legend shows a scalar.
func formatValue(v float64, o Options) string {
	if o.Fractions {
		return strconv.FormatFloat(v, 'f', o.Decimals, 64)
	}
	return strconv.FormatFloat(100*v, 'f', o.Decimals, 64)
}

// sansFont is the figures' typeface: Liberation Sans, metrically compatible
// with Arial and Helvetica, so an SVG shown with either keeps its layout.
var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// coordTolerance is how far outside [0, 1] a coordinate may stray by
// rounding before a series is rejected; such points are clamped.
const coordTolerance = 1e-9

// checkSeries validates the series of one figure and returns each one's
// 0-based style index.
func checkSeries(series []Series) ([]int, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("no series to plot")
	}
	styles := make([]int, len(series))
	for i, s := range series {
		if s.Name == "" {
			return nil, fmt.Errorf("series %d has no name", i)
		}
		c := s.Curve
		if len(c.Y) != len(c.X) {
			return nil, fmt.Errorf("series %q: %d x values but %d y values", s.Name, len(c.X), len(c.Y))
		}
		for k := range c.X {
			x, y := c.X[k], c.Y[k]
			if !(x >= -coordTolerance && x <= 1+coordTolerance) || !(y >= -coordTolerance && y <= 1+coordTolerance) {
				return nil, fmt.Errorf("series %q: point %d (%g, %g) is outside [0, 1]", s.Name, k, x, y)
			}
		}
		if s.HasValue && !finite.Float64(s.Value) {
			return nil, fmt.Errorf("series %q: legend value %v is not finite", s.Name, s.Value)
		}
		switch {
		case s.Style < 0:
			return nil, fmt.Errorf("series %q: style %d is negative", s.Name, s.Style)
		case s.Style == 0:
			styles[i] = i
		default:
			styles[i] = s.Style - 1
		}
	}
	return styles, nil
}
