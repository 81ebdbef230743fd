// Package pdfcanvas is a gonum/plot canvas (vg.Canvas) that writes PDF with
// subset fonts: each font embeds only the glyphs the figure uses, so a
// figure's PDF is tens of kilobytes instead of the few hundred that a whole
// embedded TrueType font costs, and journals' checks for embedded fonts
// pass.
//
// Adapted from gonum.org/v1/plot/vg/vgpdf (Copyright ©2015 The Gonum
// Authors, BSD-3-Clause: LICENSE-gonum in this folder), which embeds whole
// fonts in the Windows-1252 encoding through go-pdf/fpdf's AddFont. The
// changes: fonts go through fpdf's UTF-8 path, which subsets them (and
// takes any Unicode text); opaque photographs are embedded as JPEG;
// translucent colours are given to fpdf
// un-premultiplied (vgpdf passes premultiplied components, so translucent
// white came out grey); images are drawn upright (vgpdf mirrors them top to
// bottom); the document dates are fixed, so the same figure
// gives the same bytes; one page only.
package pdfcanvas

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"time"

	pdf "codeberg.org/go-pdf/fpdf"
	stdfnt "golang.org/x/image/font"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// dpi is the nominal resolution of drawing in PDF: one unit a point.
const dpi = 72

// date is the documents' creation and modification date: fixed, so that
// output depends only on the figure.
var date = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Canvas implements vg.Canvas, drawing to one PDF page.
type Canvas struct {
	doc       *pdf.Fpdf
	w, h      vg.Length
	numImages int
	stack     []context
	fonts     map[font.Font]bool
	err       error
}

type context struct {
	fill  color.Color
	line  color.Color
	width vg.Length
}

// New returns a canvas of one page of the given size.
func New(w, h vg.Length) *Canvas {
	cfg := pdf.InitType{UnitStr: "pt", Size: pdf.SizeType{Wd: w.Points(), Ht: h.Points()}}
	c := &Canvas{doc: pdf.NewCustom(&cfg), w: w, h: h, stack: make([]context, 1), fonts: map[font.Font]bool{}}
	c.doc.SetCreationDate(date)
	c.doc.SetModificationDate(date)
	c.doc.SetCatalogSort(true)
	c.doc.SetProducer("zsadbench", false)
	c.doc.SetMargins(0, 0, 0)
	c.doc.SetAutoPageBreak(false, 0)
	c.doc.AddPage()
	c.Push()
	c.Translate(vg.Point{X: 0, Y: c.h})
	c.Scale(1, -1)
	vg.Initialize(c)
	return c
}

func (c *Canvas) DPI() float64 { return dpi }

func (c *Canvas) context() *context { return &c.stack[len(c.stack)-1] }

func (c *Canvas) Size() (w, h vg.Length) { return c.w, c.h }

func (c *Canvas) SetLineWidth(w vg.Length) {
	c.context().width = w
	c.doc.SetLineWidth(unit(w))
}

func (c *Canvas) SetLineDash(dashes []vg.Length, offs vg.Length) {
	ds := make([]float64, len(dashes))
	for i, d := range dashes {
		ds[i] = unit(d)
	}
	c.doc.SetDashPattern(ds, unit(offs))
}

func (c *Canvas) SetColor(clr color.Color) {
	if clr == nil {
		clr = color.Black
	}
	c.context().line = clr
	c.context().fill = clr
	n := color.NRGBAModel.Convert(clr).(color.NRGBA) // fpdf takes straight alpha
	r, g, b := int(n.R), int(n.G), int(n.B)
	c.doc.SetFillColor(r, g, b)
	c.doc.SetDrawColor(r, g, b)
	c.doc.SetTextColor(r, g, b)
	c.doc.SetAlpha(float64(n.A)/math.MaxUint8, "Normal")
}

func (c *Canvas) Rotate(r float64) { c.doc.TransformRotate(-r*180/math.Pi, 0, 0) }

func (c *Canvas) Translate(pt vg.Point) { c.doc.TransformTranslate(unit(pt.X), unit(pt.Y)) }

func (c *Canvas) Scale(x float64, y float64) { c.doc.TransformScale(x*100, y*100, 0, 0) }

func (c *Canvas) Push() {
	c.stack = append(c.stack, *c.context())
	c.doc.TransformBegin()
}

func (c *Canvas) Pop() {
	c.doc.TransformEnd()
	c.stack = c.stack[:len(c.stack)-1]
}

func (c *Canvas) Stroke(p vg.Path) {
	if c.context().width > 0 {
		c.path(p, "D")
	}
}

func (c *Canvas) Fill(p vg.Path) { c.path(p, "F") }

func style(f font.Font) string {
	s := ""
	if f.Weight == stdfnt.WeightBold {
		s += "B"
	}
	if f.Style == stdfnt.StyleItalic {
		s += "I"
	}
	return s
}

func (c *Canvas) FillString(fnt font.Face, pt vg.Point, str string) {
	if fnt.Font.Size == 0 {
		return
	}
	name, sty := fnt.Name(), style(fnt.Font)
	key := fnt.Font
	key.Size = 0
	if !c.fonts[key] {
		var raw bytes.Buffer
		if _, err := fnt.Face.WriteSourceTo(nil, &raw); err != nil {
			c.setErr(fmt.Errorf("font %s: %w", name, err))
			return
		}
		c.fonts[key] = true
		c.doc.AddUTF8FontFromBytes(name, sty, raw.Bytes())
	}
	c.doc.SetFont(name, sty, unit(fnt.Font.Size))

	c.Push()
	defer c.Pop()
	c.Translate(pt)
	c.Scale(1, -1) // fpdf's origin is the top left corner
	_, h := c.doc.GetFontSize()
	d := c.doc.GetFontDesc(name, sty)
	top := 0.81 * h
	if d.Ascent != 0 {
		top = -float64(d.Ascent) * h / float64(d.Ascent-d.Descent)
	}
	c.doc.MoveTo(-c.doc.GetCellMargin(), top)
	c.doc.CellFormat(c.doc.GetStringWidth(str), h, str, "", 0, "BL", false, 0, "")
}

// jpegQuality is the quality of the JPEG images photographs are embedded
// as: no visible loss at print resolution, a fifth of PNG's size.
const jpegQuality = 92

// DrawImage draws img into rect. Opaque images of more than 4096 pixels
// (photographs and heatmaps: the panels of a qualitative figure) are
// embedded as JPEG, others (colour bars, masks with transparency) as PNG.
func (c *Canvas) DrawImage(rect vg.Rectangle, img image.Image) {
	var buf bytes.Buffer
	b := img.Bounds()
	opts := pdf.ImageOptions{ImageType: "png"}
	var err error
	if b.Dx()*b.Dy() > 4096 && opaque(img) {
		opts.ImageType = "jpg"
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		c.setErr(fmt.Errorf("encode image: %w", err))
		return
	}
	c.numImages++
	name := fmt.Sprintf("image_%03d.%s", c.numImages, opts.ImageType)
	c.doc.RegisterImageOptionsReader(name, opts, &buf)
	// fpdf draws an image's first row at the top of its rectangle in its
	// own coordinates, which the canvas' transform mirrors (vgpdf draws
	// images upside down): mirror back about the rectangle's middle.
	c.Push()
	c.Translate(vg.Point{Y: rect.Min.Y + rect.Max.Y})
	c.Scale(1, -1)
	size := rect.Size()
	c.doc.ImageOptions(name, unit(rect.Min.X), unit(rect.Min.Y), unit(size.X), unit(size.Y), false, opts, 0, "")
	c.Pop()
}

// opaque reports whether every pixel of img is opaque.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

func (c *Canvas) setErr(err error) {
	if c.err == nil {
		c.err = err
	}
}

func (c *Canvas) path(path vg.Path, style string) {
	var x0, y0 float64
	for _, comp := range path {
		switch comp.Type {
		case vg.MoveComp:
			x0, y0 = unit(comp.Pos.X), unit(comp.Pos.Y)
			c.doc.MoveTo(x0, y0)
		case vg.LineComp:
			c.doc.LineTo(unit(comp.Pos.X), unit(comp.Pos.Y))
		case vg.ArcComp:
			c.arc(comp, style)
		case vg.CurveComp:
			px, py := unit(comp.Pos.X), unit(comp.Pos.Y)
			switch len(comp.Control) {
			case 1:
				c.doc.CurveTo(unit(comp.Control[0].X), unit(comp.Control[0].Y), px, py)
			case 2:
				c.doc.CurveBezierCubicTo(unit(comp.Control[0].X), unit(comp.Control[0].Y),
					unit(comp.Control[1].X), unit(comp.Control[1].Y), px, py)
			default:
				panic("pdfcanvas: invalid number of control points")
			}
		case vg.CloseComp:
			c.doc.LineTo(x0, y0)
			c.doc.ClosePath()
		default:
			panic(fmt.Sprintf("pdfcanvas: unknown path component type %d", comp.Type))
		}
	}
	c.doc.DrawPath(style)
}

func (c *Canvas) arc(comp vg.PathComp, style string) {
	x0 := comp.Pos.X + comp.Radius*vg.Length(math.Cos(comp.Start))
	y0 := comp.Pos.Y + comp.Radius*vg.Length(math.Sin(comp.Start))
	c.doc.LineTo(unit(x0), unit(y0))
	r := unit(comp.Radius)
	const deg = 180 / math.Pi
	beg := comp.Start * deg
	c.doc.Arc(unit(comp.Pos.X), unit(comp.Pos.Y), r, r, comp.Angle*deg, beg, beg+comp.Angle*deg, style)
	x1 := comp.Pos.X + comp.Radius*vg.Length(math.Cos(comp.Start+comp.Angle))
	y1 := comp.Pos.Y + comp.Radius*vg.Length(math.Sin(comp.Start+comp.Angle))
	c.doc.MoveTo(unit(x1), unit(y1))
}

// unit converts a length to PDF points.
func unit(l vg.Length) float64 { return l.Dots(dpi) }

// WriteTo writes the PDF to w. The canvas may not be drawn on afterwards.
func (c *Canvas) WriteTo(w io.Writer) (int64, error) {
	if c.err != nil {
		return 0, c.err
	}
	c.Pop()
	c.doc.Close()
	cw := &countWriter{w: w}
	b := bufio.NewWriter(cw)
	if err := c.doc.Output(b); err != nil {
		return cw.n, err
	}
	err := b.Flush()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (w *countWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n += int64(n)
	return n, err
}
