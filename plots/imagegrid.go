package plots

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ImageGrid is a figure of image panels in rows and columns, with a title
// over each column, a label left of each row, a colour bar right of each
// row and a caption below: the qualitative figure of a paper (input image,
// ground truth, each model's heatmap), whose panels package viz renders.
// Build it with NewImageGrid, then Encode it or Save it.
type ImageGrid struct {
	opts    Options // resolved
	columns []string
	rows    []ImageRow
	caption string
	sty     text.Style // column titles, row labels
	small   text.Style // colour bar labels, caption
	// layout, in the figure's coordinates
	labelW, barW, gap, panelW, headerH, captionH, titleH vg.Length
	rowH                                                 []vg.Length
	lines                                                []string // the caption, wrapped
	width, height                                        vg.Length
}

// ImageRow is one row of an ImageGrid.
type ImageRow struct {
	// Label is written left of the row, bottom to top (an image's name);
	// "\n" starts another line. A line longer than the row is high is
	// written smaller.
	Label string
	// Aspect is the panels' height over their width; 0 means 1.
	Aspect float64
	// Panels draw the row's panels, one a column: each is called with the
	// panel's size in pixels at Options.DPI and returns an image of that
	// size (a larger or smaller one is scaled). A nil entry leaves its
	// panel blank.
	Panels []func(w, h int) image.Image
	// Bar, when set, is the row's colour scale, drawn right of its panels.
	Bar *ColorBar
}

// ColorBar is a colour scale: Color(v) for v from 0 (the bar's bottom,
// labelled Lo) to 1 (its top, labelled Hi).
type ColorBar struct {
	Color  func(v float64) color.Color
	Lo, Hi float64
}

// NewImageGrid lays out the grid: columns are the column titles, rows the
// rows (each with one panel a column). The width is Options.Width (default
// two columns); the height follows from the panels' aspects. Options.DPI
// sets the panels' resolution (default 300); Title, when set, goes above;
// the caption, wrapped to the width, below. NewImageGrid returns an error
// for invalid options, no column or row, a row with another number of
// panels than columns, an aspect that is not positive and finite, or a
// colour bar with Lo > Hi or a bound that is not finite.
func NewImageGrid(columns []string, rows []ImageRow, caption string, opts Options) (*ImageGrid, error) {
	o, err := opts.resolve(true)
	if err != nil {
		return nil, err
	}
	if len(columns) == 0 || len(rows) == 0 {
		return nil, fmt.Errorf("image grid: %d columns and %d rows, want at least one of each", len(columns), len(rows))
	}
	for i, r := range rows {
		if len(r.Panels) != len(columns) {
			return nil, fmt.Errorf("image grid: row %d (%s) has %d panels for %d columns", i, r.Label, len(r.Panels), len(columns))
		}
		if r.Aspect < 0 || math.IsNaN(r.Aspect) || math.IsInf(r.Aspect, 0) {
			return nil, fmt.Errorf("image grid: row %d (%s): aspect %v", i, r.Label, r.Aspect)
		}
		if b := r.Bar; b != nil && (!(b.Lo <= b.Hi) || math.IsInf(b.Lo, 0) || math.IsInf(b.Hi, 0)) {
			return nil, fmt.Errorf("image grid: row %d (%s): colour bar from %v to %v", i, r.Label, b.Lo, b.Hi)
		}
	}
	hdlr := plot.New().TextHandler
	g := &ImageGrid{opts: o, columns: columns, rows: rows, caption: caption,
		sty: newTextStyle(o.FontSize, hdlr), small: newTextStyle(o.FontSize-1, hdlr), width: o.Width}
	em := o.FontSize
	g.gap = 0.15 * em
	lines := 1
	for _, r := range rows {
		lines = max(lines, strings.Count(r.Label, "\n")+1)
	}
	g.labelW = vg.Length(lines)*1.15*(em-1) + 0.3*em
	g.barW = 0
	for _, r := range rows {
		if r.Bar != nil {
			lo, hi := barLabel(r.Bar.Lo), barLabel(r.Bar.Hi)
			g.barW = max(g.barW, 0.4*em+0.8*em+0.3*em+max(g.small.Width(lo), g.small.Width(hi)))
		}
	}
	n := vg.Length(len(columns))
	g.panelW = (o.Width - 2*margin - g.labelW - g.barW - (n-1)*g.gap) / n
	if g.panelW < 0.1*vg.Inch {
		return nil, fmt.Errorf("image grid: %d columns leave panels %.2f in wide at width %.2f in", len(columns), g.panelW/vg.Inch, o.Width/vg.Inch)
	}
	g.headerH = 1.4 * em
	if o.Title != "" {
		g.titleH = 1.6 * em
	}
	g.lines = wrap(caption, g.small, o.Width-2*margin)
	g.captionH = vg.Length(len(g.lines)) * 1.25 * g.small.Font.Size
	if len(g.lines) > 0 {
		g.captionH += 0.7 * em
	}
	g.height = 2*margin + g.titleH + g.headerH + g.captionH
	for _, r := range rows {
		a := r.Aspect
		if a == 0 {
			a = 1
		}
		h := g.panelW * vg.Length(a)
		g.rowH = append(g.rowH, h)
		g.height += h + g.gap
	}
	return g, nil
}

// barLabel is how a colour bar writes a bound.
func barLabel(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// wrap splits s into lines no wider than width at spaces (a word wider
// than width gets a line of its own).
func wrap(s string, sty text.Style, width vg.Length) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && sty.Width(line+" "+w) > width {
				lines = append(lines, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		if line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// Size returns the grid's width and height.
func (g *ImageGrid) Size() (w, h vg.Length) { return g.width, g.height }

// PanelPixels returns the size in pixels at Options.DPI of the panels of
// row i: what its Panels functions are asked for.
func (g *ImageGrid) PanelPixels(i int) (w, h int) {
	px := func(l vg.Length) int { return max(1, int(math.Round(float64(l)/float64(vg.Inch)*float64(g.opts.DPI)))) }
	return px(g.panelW), px(g.rowH[i])
}

// PanelBounds returns where panel j of row i lies in the grid's PNG
// rendering, in pixels from the top left corner (for tests and for tools
// that crop panels out).
func (g *ImageGrid) PanelBounds(i, j int) image.Rectangle {
	top := margin + g.titleH + g.headerH
	for k := range i {
		top += g.rowH[k] + g.gap
	}
	left := margin + g.labelW + vg.Length(j)*(g.panelW+g.gap)
	px := func(l vg.Length) int { return int(math.Round(float64(l) / float64(vg.Inch) * float64(g.opts.DPI))) }
	return image.Rect(px(left), px(top), px(left+g.panelW), px(top+g.rowH[i]))
}

// Encode writes the grid to w in the given format.
func (g *ImageGrid) Encode(w io.Writer, format Format) error {
	return encode(w, format, g, g.opts.DPI)
}

// Save writes the grid to path in the format its extension names, whole or
// not at all (see Save).
func (g *ImageGrid) Save(path string) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	return save(path, format, g, g.opts.DPI)
}

// Draw draws the grid on c, filling it.
func (g *ImageGrid) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	c = inside(c)
	em := g.opts.FontSize
	y := c.Max.Y
	if g.titleH > 0 {
		t := g.sty
		t.Font.Size = em + 1
		t.XAlign, t.YAlign = draw.XCenter, draw.YTop
		c.FillText(t, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: y}, g.opts.Title)
		y -= g.titleH
	}
	x0 := c.Min.X + g.labelW
	colX := func(j int) vg.Length { return x0 + vg.Length(j)*(g.panelW+g.gap) }
	head := g.sty
	head.XAlign, head.YAlign = draw.XCenter, draw.YBottom
	for j, name := range g.columns {
		c.FillText(head, vg.Point{X: colX(j) + g.panelW/2, Y: y - g.headerH + 0.3*em}, name)
	}
	y -= g.headerH
	label := g.sty
	label.XAlign, label.YAlign = draw.XCenter, draw.YBottom
	label.Rotation = math.Pi / 2
	label.Font.Size = em - 1
	for i, r := range g.rows {
		h := g.rowH[i]
		top := y
		bottom := top - h
		if r.Label != "" {
			lines := strings.Split(r.Label, "\n")
			x := c.Min.X + g.labelW - 0.3*em - vg.Length(len(lines)-1)*1.15*(em-1)
			for _, line := range lines {
				sty := label
				if w := sty.Width(line); w > 0.95*h {
					sty.Font.Size *= 0.95 * h / w
				}
				c.FillText(sty, vg.Point{X: x, Y: (top + bottom) / 2}, line)
				x += 1.15 * (em - 1)
			}
		}
		pw, ph := g.PanelPixels(i)
		for j, panel := range r.Panels {
			rect := vg.Rectangle{Min: vg.Point{X: colX(j), Y: bottom}, Max: vg.Point{X: colX(j) + g.panelW, Y: top}}
			if panel == nil {
				continue
			}
			if img := panel(pw, ph); img != nil {
				c.DrawImage(rect, img)
			}
		}
		if r.Bar != nil {
			g.drawBar(c, r.Bar, colX(len(g.columns))-g.gap+0.4*em, bottom, top)
		}
		y = bottom - g.gap
	}
	cap := g.small
	cap.XAlign, cap.YAlign = draw.XLeft, draw.YTop
	y -= 0.4 * em
	for _, line := range g.lines {
		c.FillText(cap, vg.Point{X: c.Min.X, Y: y}, line)
		y -= 1.25 * g.small.Font.Size
	}
}

// barSteps is the number of colour steps of a colour bar's image.
const barSteps = 256

// drawBar draws a vertical colour bar at x from bottom to top, with its
// bounds and middle written right of it.
func (g *ImageGrid) drawBar(c draw.Canvas, b *ColorBar, x, bottom, top vg.Length) {
	em := g.opts.FontSize
	w := 0.8 * em
	img := image.NewRGBA(image.Rect(0, 0, 1, barSteps))
	for k := range barSteps {
		img.Set(0, barSteps-1-k, b.Color(float64(k)/float64(barSteps-1)))
	}
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: x, Y: bottom}, Max: vg.Point{X: x + w, Y: top}}, img)
	c.SetLineStyle(draw.LineStyle{Color: grey, Width: 0.4})
	c.Stroke(vg.Rectangle{Min: vg.Point{X: x, Y: bottom}, Max: vg.Point{X: x + w, Y: top}}.Path())
	sty := g.small
	sty.XAlign = draw.XLeft
	for _, t := range []struct {
		v     float64
		y     vg.Length
		align draw.YAlignment
	}{{b.Lo, bottom, draw.YBottom}, {b.Hi, top, draw.YTop}, {(b.Lo + b.Hi) / 2, (bottom + top) / 2, draw.YCenter}} {
		if t.align == draw.YCenter && b.Lo == b.Hi {
			continue
		}
		sty.YAlign = t.align
		c.StrokeLine2(draw.LineStyle{Color: grey, Width: 0.4}, x+w, t.y, x+w+0.2*em, t.y)
		c.FillText(sty, vg.Point{X: x + w + 0.3*em, Y: t.y}, barLabel(t.v))
	}
}
