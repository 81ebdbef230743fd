package plots

import (
	"image/color"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendRow is one model in a legend.
type legendRow struct {
	line        draw.LineStyle
	name, value string
}

// tableLegend is a legend laid out as a small table: a line sample, the
// model's name, and its value right-aligned under a header naming the
// metric. It is drawn in a box inside the plot area, or bare below it.
type tableLegend struct {
	rows   []legendRow
	title  string // a line above the rows, across the legend (what the figure shades)
	header string // above the value column; shown only when some row has a value
	sty    text.Style
	thumb  vg.Length // length of the line sample
	cols   int       // side-by-side blocks of rows, filled top to bottom, then left to right; 0 means 1
}

func newTextStyle(size vg.Length, hdlr text.Handler) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(sansFont, size),
		XAlign:  draw.XLeft,
		YAlign:  draw.YCenter,
		Handler: hdlr,
	}
}

func (l *tableLegend) em() vg.Length   { return l.sty.Font.Size }
func (l *tableLegend) pad() vg.Length  { return 0.4 * l.em() }
func (l *tableLegend) rowH() vg.Length { return 1.3 * l.em() }
func (l *tableLegend) hasHeader() bool { return l.header != "" && l.hasValues() }
func (l *tableLegend) hasValues() bool {
	for _, r := range l.rows {
		if r.value != "" {
			return true
		}
	}
	return false
}

// columns returns the widths of the name and value columns (value 0 when
// no row has a value).
func (l *tableLegend) columns() (name, value vg.Length) {
	for _, r := range l.rows {
		name = max(name, l.sty.Width(r.name))
		value = max(value, l.sty.Width(r.value))
	}
	if l.hasValues() {
		value = max(value, l.sty.Width(l.header))
	} else {
		value = 0
	}
	return name, value
}

// size returns the legend's extent, box padding included.
func (l *tableLegend) size() (w, h vg.Length) {
	if len(l.rows) == 0 {
		return 0, 0
	}
	k, per := l.blocks()
	bw := l.colX().right
	rows := per
	if l.hasHeader() {
		rows++
	}
	w = vg.Length(k)*bw + vg.Length(k-1)*l.blockGap() + l.pad()
	if l.title != "" {
		rows++
		w = max(w, 2*l.pad()+l.sty.Width(l.title))
	}
	return w, 2*l.pad() + vg.Length(rows)*l.rowH()
}

// blocks returns the number of side-by-side blocks and of rows in each.
func (l *tableLegend) blocks() (k, per int) {
	k = max(1, min(l.cols, len(l.rows)))
	per = (len(l.rows) + k - 1) / k
	return (len(l.rows) + per - 1) / per, per
}

func (l *tableLegend) blockGap() vg.Length { return 1.2 * l.em() }

// fitColumns sets cols to the fewest blocks that give the fewest rows
// within width.
func (l *tableLegend) fitColumns(width vg.Length) {
	l.cols = 1
	bw := l.colX().right
	fit := int((width - l.pad() + l.blockGap()) / (bw + l.blockGap()))
	l.cols = max(1, min(fit, len(l.rows)))
	l.cols, _ = l.blocks()
}

// tableCols are the x offsets of a legend's columns from its left edge.
type tableCols struct {
	thumb, name, value, right vg.Length // value: the value column's right edge
}

// colX lays out the columns: padding, line sample, name (when any row has
// one), value (when any row has one).
func (l *tableLegend) colX() tableCols {
	em := l.em()
	nameW, valueW := l.columns()
	var t tableCols
	t.thumb = l.pad()
	x := t.thumb + l.thumb
	if nameW > 0 {
		t.name = x + 0.5*em
		x = t.name + nameW
	}
	if valueW > 0 {
		t.value = x + 0.9*em + valueW
		if nameW == 0 {
			t.value = x + 0.5*em + valueW
		}
		x = t.value
	}
	t.right = x
	return t
}

// draw draws the legend with its lower-left corner at at. A non-nil fill
// draws a box of that colour with a thin grey edge behind it.
func (l *tableLegend) draw(c draw.Canvas, at vg.Point, fill color.Color) {
	if len(l.rows) == 0 {
		return
	}
	w, h := l.size()
	if fill != nil {
		r := vg.Rectangle{Min: at, Max: vg.Point{X: at.X + w, Y: at.Y + h}}
		c.SetColor(fill)
		c.Fill(r.Path())
		c.SetLineStyle(draw.LineStyle{Color: boxEdge, Width: 0.4})
		c.Stroke(r.Path())
	}
	pad, rowH := l.pad(), l.rowH()
	cols := l.colX()
	thumbX := at.X + cols.thumb
	nameX := at.X + cols.name
	valueX := at.X + cols.value  // right edge of the value column
	y := at.Y + h - pad - rowH/2 // centre of the first row
	right := l.sty
	right.XAlign = draw.XRight
	if l.title != "" {
		c.FillText(l.sty, vg.Point{X: at.X + pad, Y: y}, l.title)
		y -= rowH
	}
	k, per := l.blocks()
	step := cols.right + l.blockGap()
	top := y
	for b := range k {
		dx := vg.Length(b) * step
		y = top
		if l.hasHeader() {
			c.FillText(right, vg.Point{X: valueX + dx, Y: y}, l.header)
			y -= rowH
		}
		for _, r := range l.rows[b*per : min((b+1)*per, len(l.rows))] {
			c.StrokeLine2(r.line, thumbX+dx, y, thumbX+dx+l.thumb, y)
			if r.name != "" {
				c.FillText(l.sty, vg.Point{X: nameX + dx, Y: y}, r.name)
			}
			if r.value != "" {
				c.FillText(right, vg.Point{X: valueX + dx, Y: y}, r.value)
			}
			y -= rowH
		}
	}
}

// flowLegend is a grid's model legend: line sample and name for each model,
// left to right, wrapped into centred rows that fit the width, followed by
// a note (which metric the tiles' numbers are).
type flowLegend struct {
	rows  []legendRow
	note  string
	sty   text.Style
	thumb vg.Length
}

type flowItem struct {
	row  *legendRow // nil for the note
	text string
	w    vg.Length
}

// layout splits the items into lines no wider than width (an item wider
// than width gets a line of its own).
func (l *flowLegend) layout(width vg.Length) (lines [][]flowItem, lineW []vg.Length) {
	em := l.sty.Font.Size
	gap := 1.2 * em
	var items []flowItem
	for i := range l.rows {
		r := &l.rows[i]
		items = append(items, flowItem{row: r, text: r.name, w: l.thumb + 0.4*em + l.sty.Width(r.name)})
	}
	if l.note != "" {
		items = append(items, flowItem{text: l.note, w: l.sty.Width(l.note)})
	}
	var cur []flowItem
	var curW vg.Length
	for _, it := range items {
		if len(cur) > 0 && curW+gap+it.w > width {
			lines, lineW = append(lines, cur), append(lineW, curW)
			cur, curW = nil, 0
		}
		if len(cur) > 0 {
			curW += gap
		}
		cur, curW = append(cur, it), curW+it.w
	}
	if len(cur) > 0 {
		lines, lineW = append(lines, cur), append(lineW, curW)
	}
	return lines, lineW
}

func (l *flowLegend) height(width vg.Length) vg.Length {
	lines, _ := l.layout(width)
	return vg.Length(len(lines)) * 1.3 * l.sty.Font.Size
}

// draw draws the legend in the horizontal band of c from c.Min.X to c.Max.X
// whose top is at top.
func (l *flowLegend) draw(c draw.Canvas, top vg.Length) {
	em := l.sty.Font.Size
	rowH := 1.3 * em
	gap := 1.2 * em
	lines, lineW := l.layout(c.Max.X - c.Min.X)
	y := top - rowH/2
	for i, line := range lines {
		x := (c.Min.X+c.Max.X)/2 - lineW[i]/2
		for j, it := range line {
			if j > 0 {
				x += gap
			}
			tx := x
			if it.row != nil {
				c.StrokeLine2(it.row.line, x, y, x+l.thumb, y)
				tx += l.thumb + 0.4*em
			}
			c.FillText(l.sty, vg.Point{X: tx, Y: y}, it.text)
			x += it.w
		}
		y -= rowH
	}
}
