package plots

import (
	"image/color"
	"math"
	"sort"
	"strconv"

	"github.com/zsadbench/zsadbench/curve"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// thinTolerance is how far, in pixels at Options.DPI, a drawn curve may
// deviate from its exact points.
const thinTolerance = 0.25

// Figure is one figure: the curves of several models for one category, with
// axes from 0 to 1 and a legend. Build it with New, then Encode it or Draw
// it on any gonum canvas.
type Figure struct {
	opts      Options // resolved
	plot      *plot.Plot
	layers    []plot.Plotter // what newPlot added to plot, bottom to top
	obstacles []obstacle     // what the legend must not cover
	legend    tableLegend
	width     vg.Length
	height    vg.Length
	below     bool   // legend below the axes, else in corner
	corner    corner // when !below
}

// point is a point in data units.
type point struct{ x, y float64 }

// obstacle is a polyline, in data units, that a legend should not cover.
// Covering a segment of a curve weighs more than covering any number of
// segments of a guide line (chance diagonal, FPR limit).
type obstacle struct {
	pts    []point
	weight int
	filled bool // pts is a polygon whose inside counts too
}

const (
	guideWeight = 1
	areaWeight  = 1 << 10 // a shaded area: better covered than a curve
	curveWeight = 1 << 20
)

// New builds the figure of the given kind for the series, one curve per
// model, drawn in the order given with the first on top. Each model gets
// its style (Series.Style) and a legend row: line sample, name, and value
// when it has one, under a header naming the metric.
//
// The legend goes in the first corner of the plot area (lower right, lower
// left, upper right, upper left) where it covers no curve, chance diagonal
// or limit line; when none is free, or Options.LegendBelow is set, it goes
// below the axes, and with an automatic height the figure grows to make
// room for it.
//
// Curves are thinned (see Thin) to a quarter pixel at Options.DPI over the
// figure's size. New returns an error for invalid options, an unknown kind,
// no series, a series without a name, a point outside [0, 1] (beyond
// rounding by 1e-9, which is clamped) or not finite, or a legend value
// that is not finite.
func New(kind curve.Kind, series []Series, opts Options) (*Figure, error) {
	o, err := opts.resolve(false)
	if err != nil {
		return nil, err
	}
	info, err := info(kind, o)
	if err != nil {
		return nil, err
	}
	styles, err := checkSeries(series)
	if err != nil {
		return nil, err
	}
	f := &Figure{opts: o, width: o.Width}
	// Thin for the largest plot area the figure can have: the plot area
	// is inside the figure, and with an automatic height it is a square no
	// wider than the figure.
	px := float64(max(o.Width, o.Height)) / float64(vg.Inch) * float64(o.DPI)
	f.plot, f.obstacles, f.layers = newPlot(info, series, styles, o, plotLayout{
		title:  o.Title,
		xLabel: true, yLabel: true,
		tickFont: o.FontSize - 1,
		pixels:   px,
		tol:      thinTolerance,
	})
	f.legend = tableLegend{
		title:  info.title,
		header: metricName(info, o, true),
		sty:    newTextStyle(o.FontSize-1, f.plot.TextHandler),
		thumb:  2.6 * (o.FontSize - 1),
	}
	for i, s := range series {
		r := legendRow{line: lineStyle(styles[i], o.LineWidth), name: s.Name}
		if s.HasValue {
			r.value = formatValue(s.Value, o)
		}
		f.legend.rows = append(f.legend.rows, r)
	}

	// Decide where the legend goes, on the figure's final size.
	h := o.Height
	if h == 0 {
		h = squareHeight(f.plot, o.Width-2*margin) + 2*margin
	}
	c := inside(sizeCanvas(o.Width, h))
	if !o.LegendBelow {
		f.corner, f.below = f.pickCorner(c)
	} else {
		f.below = true
	}
	if f.below {
		f.legend.fitColumns(o.Width)
	}
	if o.Height == 0 && f.below {
		h += f.belowHeight()
	}
	f.height = h
	return f, nil
}

// Size returns the figure's width and height.
func (f *Figure) Size() (w, h vg.Length) { return f.width, f.height }

// Plot returns the underlying gonum plot (axes, curves, title; the legend
// is drawn by Figure.Draw). Changes to it show in later drawings; the size
// and the legend's place were fixed by New.
func (f *Figure) Plot() *plot.Plot { return f.plot }

// margin is the blank border of a figure: nothing touches its edge.
const margin vg.Length = 1.5

// inside returns c less the margin.
func inside(c draw.Canvas) draw.Canvas { return draw.Crop(c, margin, -margin, margin, -margin) }

// Draw draws the figure on c, filling it.
func (f *Figure) Draw(c draw.Canvas) {
	if f.plot.BackgroundColor != nil {
		c.SetColor(f.plot.BackgroundColor)
		c.Fill(c.Rectangle.Path())
	}
	c = inside(c)
	if f.below {
		bh := f.belowHeight()
		pc := c
		pc.Min.Y += bh
		f.plot.Draw(pc)
		dc := f.plot.DataCanvas(pc)
		w, _ := f.legend.size()
		x := (dc.Min.X+dc.Max.X)/2 - w/2
		x = min(max(x, c.Min.X), c.Max.X-w)
		f.legend.draw(c, vg.Point{X: x, Y: c.Min.Y}, nil)
		return
	}
	f.plot.Draw(c)
	r := f.cornerRect(f.plot.DataCanvas(c), f.corner)
	f.legend.draw(c, r.Min, color.White)
}

// belowHeight is the band a legend below the axes takes, gap included.
func (f *Figure) belowHeight() vg.Length {
	_, h := f.legend.size()
	return h + 0.3*f.opts.FontSize
}

// corner is a corner of the plot area.
type corner int

const (
	lowerRight corner = iota
	lowerLeft
	upperRight
	upperLeft
)

// inset is the gap between the legend box and the edges of the plot area:
// enough that a curve along an edge stays visible.
func (f *Figure) inset() vg.Length { return f.opts.LineWidth + 2 }

func (f *Figure) cornerRect(dc draw.Canvas, k corner) vg.Rectangle {
	w, h := f.legend.size()
	return cornerRect(dc, k, w, h, f.inset())
}

func cornerRect(dc draw.Canvas, k corner, w, h, inset vg.Length) vg.Rectangle {
	var r vg.Rectangle
	switch k {
	case lowerRight, upperRight:
		r.Max.X = dc.Max.X - inset
		r.Min.X = r.Max.X - w
	default:
		r.Min.X = dc.Min.X + inset
		r.Max.X = r.Min.X + w
	}
	switch k {
	case upperLeft, upperRight:
		r.Max.Y = dc.Max.Y - inset
		r.Min.Y = r.Max.Y - h
	default:
		r.Min.Y = dc.Min.Y + inset
		r.Max.Y = r.Min.Y + h
	}
	return r
}

// pickCorner returns the first corner where the legend covers nothing, or
// below = true when there is none or the legend is too large to sit inside
// the plot area.
func (f *Figure) pickCorner(c draw.Canvas) (k corner, below bool) {
	dc := f.plot.DataCanvas(c)
	w, h := f.legend.size()
	if w > 0.8*(dc.Max.X-dc.Min.X) || h > 0.6*(dc.Max.Y-dc.Min.Y) {
		return 0, true
	}
	k, hits := bestCorner(dc, f.obstacles, w, h, f.inset(), f.opts.LineWidth)
	return k, hits > 0
}

// bestCorner returns the corner, in preference order, whose legend
// rectangle (w x h, inset from the edges) crosses the least weight of
// obstacle segments, and that weight (0: it covers nothing). Segments are
// widened by half the line width.
func bestCorner(dc draw.Canvas, obstacles []obstacle, w, h, inset, lineWidth vg.Length) (corner, int) {
	best, bestHits := lowerRight, math.MaxInt
	for k := lowerRight; k <= upperLeft; k++ {
		r := cornerRect(dc, k, w, h, inset)
		grow := lineWidth/2 + 0.5
		r.Min.X -= grow
		r.Min.Y -= grow
		r.Max.X += grow
		r.Max.Y += grow
		hits := 0
		for _, o := range obstacles {
			n := segmentsHitting(dc, o.pts, r)
			if o.filled {
				// An area counts once, whether its edge crosses the
				// rectangle or the rectangle lies inside it.
				n = min(n, 1)
				if n == 0 && len(o.pts) > 0 {
					n = insidePolygon(dc, o.pts, (r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2)
				}
			}
			hits += o.weight * n
		}
		if hits < bestHits {
			best, bestHits = k, hits
		}
		if hits == 0 {
			break
		}
	}
	return best, bestHits
}

// segmentsHitting counts the segments (and lone points) of a polyline in
// data units that meet rectangle r of canvas dc.
func segmentsHitting(dc draw.Canvas, line []point, r vg.Rectangle) int {
	tr := func(p point) (float64, float64) {
		return float64(dc.Min.X) + p.x*float64(dc.Max.X-dc.Min.X),
			float64(dc.Min.Y) + p.y*float64(dc.Max.Y-dc.Min.Y)
	}
	x0, y0, x1, y1 := float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X), float64(r.Max.Y)
	if len(line) == 1 {
		px, py := tr(line[0])
		if px >= x0 && px <= x1 && py >= y0 && py <= y1 {
			return 1
		}
		return 0
	}
	n := 0
	for i := 0; i+1 < len(line); i++ {
		ax, ay := tr(line[i])
		bx, by := tr(line[i+1])
		if segmentMeetsRect(ax, ay, bx, by, x0, y0, x1, y1) {
			n++
		}
	}
	return n
}

// insidePolygon returns 1 when the point (x, y) of canvas dc lies inside
// the polygon pts (data units, closed by its last edge), else 0: the
// even-odd rule.
func insidePolygon(dc draw.Canvas, pts []point, x, y vg.Length) int {
	px := (float64(x) - float64(dc.Min.X)) / float64(dc.Max.X-dc.Min.X)
	py := (float64(y) - float64(dc.Min.Y)) / float64(dc.Max.Y-dc.Min.Y)
	in := 0
	for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
		a, b := pts[i], pts[j]
		if (a.y > py) != (b.y > py) && px < a.x+(py-a.y)*(b.x-a.x)/(b.y-a.y) {
			in ^= 1
		}
	}
	return in
}

// segmentMeetsRect reports whether segment a-b meets the rectangle
// [x0, x1] x [y0, y1] (Liang-Barsky clipping).
func segmentMeetsRect(ax, ay, bx, by, x0, y0, x1, y1 float64) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := bx-ax, by-ay
	for _, e := range [4][2]float64{{-dx, ax - x0}, {dx, x1 - ax}, {-dy, ay - y0}, {dy, y1 - ay}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// sizeCanvas is a canvas that only has a size: enough for layout
// computations (plot.DataCanvas), which never draw.
func sizeCanvas(w, h vg.Length) draw.Canvas {
	return draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: w, Y: h}}}
}

// squareHeight returns the height at which p, drawn w wide, has a square
// plot area.
func squareHeight(p *plot.Plot, w vg.Length) vg.Length {
	dc := p.DataCanvas(sizeCanvas(w, w))
	dw, dh := dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y
	return dw + (w - dh)
}

// plotLayout is what differs between a figure's plot and a grid tile's.
type plotLayout struct {
	title          string
	xLabel, yLabel bool
	tile           bool // a grid's tile: fewer ticks
	tickFont       vg.Length
	pixels         float64 // plot area size in pixels, for thinning (upper bound)
	tol            float64 // thinning tolerance in pixels
}

// newPlot builds the gonum plot of the series (validated, with their
// 0-based styles) and returns it with what a legend must not cover and
// what it drew, bottom to top.
func newPlot(info kindInfo, series []Series, styles []int, o Options, l plotLayout) (*plot.Plot, []obstacle, []plot.Plotter) {
	p := plot.New()
	var layers []plot.Plotter
	add := func(pl plot.Plotter) {
		p.Add(pl)
		layers = append(layers, pl)
	}
	p.Title.Text = l.title
	styleFrame(p, o.FontSize, l.tickFont)
	for i, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Min, a.Max = 0, 1
		if i == 0 {
			a.Max = info.xMax
		}
		a.Padding = o.LineWidth/2 + 2
		a.LineStyle.Width = 0.6
		a.Tick.Marker = axisTicks(a.Max, l.tile)
	}
	if l.xLabel {
		p.X.Label.Text = info.x
	}
	if l.yLabel {
		p.Y.Label.Text = info.y
	}

	grid := plotter.NewGrid()
	grid.Vertical = draw.LineStyle{Color: lightGrey, Width: 0.4}
	grid.Horizontal = grid.Vertical
	add(grid)

	// Obstacles are in axis units: x over the axis' length.
	var obstacles []obstacle
	addGuide := func(pts []point, sty draw.LineStyle) {
		xys := make(plotter.XYs, len(pts))
		for i, q := range pts {
			xys[i].X, xys[i].Y = q.x, q.y
		}
		add(&plotter.Line{XYs: xys, LineStyle: sty})
		obstacles = append(obstacles, obstacle{pts: inAxisUnits(pts, info.xMax), weight: guideWeight})
	}
	if info.diagonal {
		addGuide([]point{{0, 0}, {1, 1}},
			draw.LineStyle{Color: grey, Width: 0.6, Dashes: []vg.Length{1, 2}})
	}
	if info.limit {
		addGuide([]point{{o.FPRLimit, 0}, {o.FPRLimit, 1}},
			draw.LineStyle{Color: grey, Width: 0.75, Dashes: []vg.Length{3, 2}})
	}

	// The points each curve is drawn through: those in view, thinned.
	drawn := make([][]point, len(series))
	for i, s := range series {
		c := s.Curve
		n := len(c.X)
		if info.xMax < 1 {
			// Past the axis' end only the first point counts: the line
			// to it is clipped at the edge.
			n = min(n, sort.Search(n, func(k int) bool { return c.X[k] > info.xMax })+1)
		}
		keep := thinIndices(c.X[:n], c.Y[:n], l.pixels/info.xMax, l.pixels, l.tol, info.steps)
		drawn[i] = make([]point, len(keep))
		for j, k := range keep {
			drawn[i][j] = point{clamp01(c.X[k]), clamp01(c.Y[k])}
		}
	}
	// Shading under the curves, below every line; translucent, so that
	// overlapping areas of several models stay visible, and fainter the
	// more models there are, so that where every area overlaps it is as
	// dark as one model's alone (22%).
	if info.shadeTo > 0 {
		alpha := uint8(math.Round(255 * (1 - math.Pow(1-0.22, 1/float64(len(series))))))
		for i := len(series) - 1; i >= 0; i-- {
			poly := areaUnder(drawn[i], math.Min(info.shadeTo, info.xMax))
			if len(poly) < 3 {
				continue
			}
			xys := make(plotter.XYs, len(poly))
			for j, q := range poly {
				xys[j].X, xys[j].Y = q.x, q.y
			}
			c := palette[styles[i]%len(palette)]
			c.A = alpha
			c.R, c.G, c.B = premultiply(c.R, alpha), premultiply(c.G, alpha), premultiply(c.B, alpha)
			add(&plotter.Polygon{XYs: []plotter.XYs{xys}, Color: c})
			obstacles = append(obstacles, obstacle{pts: inAxisUnits(poly, info.xMax), weight: areaWeight, filled: true})
		}
	}

	// Curves last to first, so that the first is drawn on top.
	for i := len(series) - 1; i >= 0; i-- {
		pts := drawn[i]
		xys := make(plotter.XYs, len(pts))
		for j, q := range pts {
			xys[j].X, xys[j].Y = q.x, q.y
		}
		sty := lineStyle(styles[i], o.LineWidth)
		switch len(xys) {
		case 0:
			continue
		case 1:
			// A lone point has no line to show: mark it.
			sc := &plotter.Scatter{XYs: xys, GlyphStyle: draw.GlyphStyle{
				Color: sty.Color, Radius: o.LineWidth * 1.5, Shape: draw.CircleGlyph{}}}
			add(sc)
		default:
			line := &plotter.Line{XYs: xys, LineStyle: sty}
			if info.steps {
				line.StepStyle = plotter.PreStep
			}
			add(line)
		}
		if info.steps {
			pts = staircase(pts)
		}
		obstacles = append(obstacles, obstacle{pts: inAxisUnits(pts, info.xMax), weight: curveWeight})
	}
	// Adding plotters widens the axes to their data; pin them.
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, info.xMax, 0, 1
	return p, obstacles, layers
}

// styleFrame gives p's title and axes the look every figure shares: the
// title and the axis labels in fontSize, tick labels in tickFont, short
// thin ticks.
func styleFrame(p *plot.Plot, fontSize, tickFont vg.Length) {
	hdlr := p.TextHandler
	p.Title.TextStyle = newTextStyle(fontSize, hdlr)
	p.Title.TextStyle.XAlign = draw.XCenter
	p.Title.TextStyle.YAlign = draw.YTop
	p.Title.Padding = 0.3 * fontSize
	for i, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Tick.Length = 0.35 * fontSize
		a.Tick.LineStyle.Width = 0.5
		a.Tick.Label = newTextStyle(tickFont, hdlr)
		a.Label.TextStyle = newTextStyle(fontSize, hdlr)
		a.Label.TextStyle.XAlign = draw.XCenter
		a.Label.TextStyle.YAlign = draw.YBottom
		a.Label.Padding = 0.15 * fontSize
		if i == 0 {
			a.Tick.Label.XAlign, a.Tick.Label.YAlign = draw.XCenter, draw.YTop
		} else {
			a.Tick.Label.XAlign, a.Tick.Label.YAlign = draw.XRight, draw.YCenter
		}
	}
}

func clamp01(v float64) float64 { return math.Min(1, math.Max(0, v)) }

// premultiply scales a colour component by alpha, as color.RGBA holds it.
func premultiply(v, alpha uint8) uint8 { return uint8(uint16(v) * uint16(alpha) / 0xff) }

// inAxisUnits returns pts with x divided by the x axis' length.
func inAxisUnits(pts []point, xMax float64) []point {
	if xMax == 1 {
		return pts
	}
	out := make([]point, len(pts))
	for i, q := range pts {
		out[i] = point{q.x / xMax, q.y}
	}
	return out
}

// staircase returns the corners of the staircase a PR curve is drawn as:
// up or down first, then across.
func staircase(pts []point) []point {
	if len(pts) < 2 {
		return pts
	}
	out := make([]point, 0, 2*len(pts))
	out = append(out, pts[0])
	for i := 1; i < len(pts); i++ {
		out = append(out, point{pts[i-1].x, pts[i].y}, pts[i])
	}
	return out
}

// areaUnder returns the polygon between the polyline pts (x not
// decreasing) and y = 0, from its first point to x = to (interpolated
// there when the line goes on past it).
func areaUnder(pts []point, to float64) []point {
	if len(pts) == 0 || pts[0].x > to {
		return nil
	}
	poly := []point{{pts[0].x, 0}}
	end := pts[0].x
	for i, q := range pts {
		if q.x > to {
			a := pts[i-1]
			y := a.y + (q.y-a.y)*(to-a.x)/(q.x-a.x)
			poly = append(poly, point{to, y})
			end = to
			break
		}
		poly = append(poly, q)
		end = q.x
	}
	return append(poly, point{end, 0})
}

// axisTicks returns the ticks of an axis from 0 to max: labelled ones at a
// round step (0.2 on a unit axis, 0.5 in a grid's tile), an unlabelled one
// halfway between each, and max itself, labelled, when it is not a multiple
// of the step.
func axisTicks(max float64, tile bool) plot.ConstantTicks {
	most := 5.0
	if tile {
		most = 2
	}
	step := max
	for _, s := range []float64{0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5} {
		if max/s <= most+1e-9 {
			step = s
			break
		}
	}
	label := func(v float64) string { return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'g', -1, 64) }
	var ticks plot.ConstantTicks
	k := 0
	for ; float64(k)*step <= max+1e-9; k++ {
		// k*step may exceed max by rounding (3*0.1); gonum leaves a tick
		// past the axis' end out of its layout, so its label is cut off.
		v := math.Min(float64(k)*step, max)
		ticks = append(ticks, plot.Tick{Value: v, Label: label(v)})
		if mid := v + step/2; mid < max-1e-9 {
			ticks = append(ticks, plot.Tick{Value: mid})
		}
	}
	if last := float64(k-1) * step; max-last > 1e-9 {
		ticks = append(ticks, plot.Tick{Value: max, Label: label(max)})
	}
	return ticks
}
