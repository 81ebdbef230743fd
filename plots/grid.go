package plots

import (
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zsadbench/zsadbench/curve"
)

// Grid is one figure with a tile per category: every category of a run in
// one kind of curve. Build it with NewGrid, then Encode it or Draw it.
//
// Each tile is titled with its category and shows its models' values in a
// small box (line sample and number) in the corner of the tile where it
// covers the fewest curve segments; when it has to cover some, the box is
// translucent so that they show through. One legend below the tiles names the
// models and the metric the numbers are. Only the left column labels the
// y axis and only the lowest tile of each column the x axis.
type Grid struct {
	opts   Options // resolved
	tiles  []gridTile
	cols   int
	rows   int
	legend flowLegend
	title  string
	tsty   text.Style // of the title
	width  vg.Length
	height vg.Length
}

type gridTile struct {
	plot      *plot.Plot
	obstacles []obstacle
	values    tableLegend
}

// translucentWhite backs a tile's value box that has to cover curves.
var translucentWhite = color.NRGBA{R: 255, G: 255, B: 255, A: 190}

// minTileWidth is the narrowest tile the automatic column count allows.
const minTileWidth = 1.4 * vg.Inch

// NewGrid builds the grid figure of the given kind: categories[i] is the
// title of tile i and series[i] its models, in the order of New (the first
// drawn on top). A model is known by its Name; it must have the same style
// in every category (give Series.Style when categories show different
// models). Tiles run left to right, then top to bottom.
//
// NewGrid returns an error when the two slices differ in length or are
// empty, when a model's style differs between categories, and for anything
// New rejects (naming the category).
func NewGrid(kind curve.Kind, categories []string, series [][]Series, opts Options) (*Grid, error) {
	o, err := opts.resolve(true)
	if err != nil {
		return nil, err
	}
	info, err := info(kind, o)
	if err != nil {
		return nil, err
	}
	if len(categories) != len(series) {
		return nil, fmt.Errorf("%d categories but %d series lists", len(categories), len(series))
	}
	if len(categories) == 0 {
		return nil, fmt.Errorf("no categories to plot")
	}
	g := &Grid{opts: o, width: o.Width}
	n := len(categories)
	g.cols = o.Columns
	if g.cols == 0 {
		g.cols = max(1, int(o.Width/minTileWidth))
	}
	g.cols = min(g.cols, n)
	g.rows = (n + g.cols - 1) / g.cols

	em := o.FontSize
	padX, padY := 0.8*em, 0.6*em
	tileW := (o.Width - 2*margin - vg.Length(g.cols-1)*padX) / vg.Length(g.cols)
	tileH := tileW // refined below once a plot exists
	if o.Height > 0 {
		tileH = (o.Height - 2*margin - vg.Length(g.rows-1)*padY) / vg.Length(g.rows)
	}
	px := float64(max(tileW, tileH)) / float64(vg.Inch) * float64(o.DPI)

	small := o.FontSize - 1
	g.legend = flowLegend{sty: newTextStyle(small, plot.New().TextHandler), thumb: 2.6 * small}
	header := metricName(info, o, true)
	type model struct {
		style    int
		category string
	}
	models := map[string]model{}
	anyValue := false
	for i, cat := range categories {
		styles, err := checkSeries(series[i])
		if err != nil {
			return nil, fmt.Errorf("category %s: %w", cat, err)
		}
		for j, s := range series[i] {
			m, seen := models[s.Name]
			if !seen {
				models[s.Name] = model{styles[j], cat}
				g.legend.rows = append(g.legend.rows, legendRow{line: lineStyle(styles[j], o.LineWidth), name: s.Name})
			} else if m.style != styles[j] {
				return nil, fmt.Errorf("model %q has style %d in category %s but %d in %s",
					s.Name, m.style+1, m.category, styles[j]+1, cat)
			}
		}
		col := i % g.cols
		p, obstacles, _ := newPlot(info, series[i], styles, o, plotLayout{
			title:    cat,
			xLabel:   i+g.cols >= n,
			yLabel:   col == 0,
			tile:     true,
			tickFont: small,
			pixels:   px,
			tol:      thinTolerance,
		})
		p.BackgroundColor = nil // the grid draws one background for all tiles
		t := gridTile{plot: p, obstacles: obstacles,
			values: tableLegend{sty: newTextStyle(small, p.TextHandler), thumb: 1.4 * small}}
		for j, s := range series[i] {
			if s.HasValue {
				anyValue = true
				t.values.rows = append(t.values.rows, legendRow{
					line:  lineStyle(styles[j], o.LineWidth),
					value: formatValue(s.Value, o),
				})
			}
		}
		g.tiles = append(g.tiles, t)
	}
	switch {
	case anyValue && info.shadeTo > 0:
		g.legend.note = "Numbers: " + header + " = shaded area"
		if info.metric == "AUPRO" {
			g.legend.note += " / " + strconv.FormatFloat(o.FPRLimit, 'g', -1, 64)
		}
	case anyValue:
		g.legend.note = "Numbers: " + header
	case info.shadeTo > 0:
		g.legend.note = info.title
	}
	g.title = o.Title
	g.tsty = newTextStyle(o.FontSize+1, g.legend.sty.Handler)
	g.tsty.XAlign, g.tsty.YAlign = draw.XCenter, draw.YTop

	g.height = o.Height
	if g.height == 0 {
		// Square plot areas: measure the tile with the most decoration
		// (both axis labels) at a square size.
		probe := g.tiles[0].plot
		saved := probe.X.Label.Text
		probe.X.Label.Text = info.x
		tileH = squareHeight(probe, tileW)
		probe.X.Label.Text = saved
		g.height = 2*margin + g.titleHeight() + vg.Length(g.rows)*tileH + vg.Length(g.rows-1)*padY +
			g.legendBand(o.Width-2*margin)
	}
	return g, nil
}

// Size returns the grid's width and height.
func (g *Grid) Size() (w, h vg.Length) { return g.width, g.height }

func (g *Grid) titleHeight() vg.Length {
	if g.title == "" {
		return 0
	}
	return g.tsty.Height(g.title) + 0.4*g.opts.FontSize
}

// legendBand is the height of the model legend below the tiles, gap
// included.
func (g *Grid) legendBand(width vg.Length) vg.Length {
	return g.legend.height(width) + 0.6*g.opts.FontSize
}

// Draw draws the grid on c, filling it.
func (g *Grid) Draw(c draw.Canvas) {
	em := g.opts.FontSize
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	c = inside(c)
	area := c
	if th := g.titleHeight(); th > 0 {
		c.FillText(g.tsty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y}, g.title)
		area.Max.Y -= th
	}
	band := g.legendBand(c.Max.X - c.Min.X)
	area.Min.Y += band
	g.legend.draw(c, area.Min.Y-0.6*em)

	plots := make([][]*plot.Plot, g.rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, g.cols)
	}
	for i, t := range g.tiles {
		plots[i/g.cols][i%g.cols] = t.plot
	}
	canvases := plot.Align(plots, draw.Tiles{Rows: g.rows, Cols: g.cols, PadX: 0.8 * em, PadY: 0.6 * em}, area)
	for i, t := range g.tiles {
		tc := canvases[i/g.cols][i%g.cols]
		t.plot.Draw(tc)
		if len(t.values.rows) == 0 {
			continue
		}
		dc := t.plot.DataCanvas(tc)
		w, h := t.values.size()
		inset := g.opts.LineWidth + 1.5
		k, hits := bestCorner(dc, t.obstacles, w, h, inset, g.opts.LineWidth)
		r := cornerRect(dc, k, w, h, inset)
		var fill color.Color = color.White
		if hits >= curveWeight {
			fill = translucentWhite // let the curves it covers show through
		}
		t.values.draw(tc, r.Min, fill)
	}
}
