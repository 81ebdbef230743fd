package plots

import (
	"image/color"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// palette is the Okabe-Ito colour-blind-safe palette (Okabe and Ito, "Color
// Universal Design", 2008), ordered so that the first colours are the most
// distinct from each other on white paper; its yellow, weak on white, comes
// last.
var palette = [...]color.RGBA{
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0x00, 0x00, 0x00, 0xFF}, // black
	{0xF0, 0xE4, 0x42, 0xFF}, // yellow
}

// dashes are the dash patterns, in points at a line width of 1 point
// (scaled with the line width): solid, dashed, dotted, dash-dot, long dash,
// dash-dot-dot, short dash, long-short.
var dashes = [...][]float64{
	nil,
	{4, 2},
	{1, 1.5},
	{5, 1.5, 1, 1.5},
	{8, 2},
	{5, 1.5, 1, 1.5, 1, 1.5},
	{2, 1.5},
	{8, 2, 3, 2},
}

// lineStyle returns the style of the model with 0-based style index k:
// colour k mod 8 and dash pattern (k + k/8) mod 8, so the first 64 models
// all differ in colour or dash, and the first 8 in both.
func lineStyle(k int, width vg.Length) draw.LineStyle {
	if k < 0 {
		k = -k
	}
	d := dashes[(k+k/len(palette))%len(dashes)]
	var ds []vg.Length
	scale := float64(width / vg.Points(1))
	if scale < 1 {
		scale = 1
	}
	for _, v := range d {
		ds = append(ds, vg.Points(v*scale))
	}
	return draw.LineStyle{Color: palette[k%len(palette)], Width: width, Dashes: ds}
}

var (
	grey      = color.RGBA{0x80, 0x80, 0x80, 0xFF}
	lightGrey = color.RGBA{0xE0, 0xE0, 0xE0, 0xFF}
	boxEdge   = color.RGBA{0xB0, 0xB0, 0xB0, 0xFF}
)
