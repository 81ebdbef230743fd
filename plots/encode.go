package plots

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/atomicfile"
	"github.com/zsadbench/zsadbench/internal/pdfcanvas"
)

// Format is an output file format.
type Format string

// The output formats.
const (
	PNG Format = "png" // raster at Options.DPI, with the DPI recorded in the file (pHYs)
	SVG Format = "svg" // vector; text as text in Liberation Sans, falling back to Arial, Helvetica
	PDF Format = "pdf" // vector, with the subset of each font that the figure uses embedded
)

// FormatOf returns the format named by a file name's extension (.png,
// .svg or .pdf, in any letter case).
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return PNG, nil
	case ".svg":
		return SVG, nil
	case ".pdf":
		return PDF, nil
	}
	return "", fmt.Errorf("%s: unknown figure format %q (want .png, .svg or .pdf)", path, filepath.Ext(path))
}

// drawing is what Figure and Grid have in common.
type drawing interface {
	Size() (w, h vg.Length)
	Draw(draw.Canvas)
}

// maxPixels bounds a PNG's size (a 100-megapixel RGBA image takes 400 MB).
const maxPixels = 100_000_000

// Encode writes the figure to w in the given format.
func (f *Figure) Encode(w io.Writer, format Format) error {
	return encode(w, format, f, f.opts.DPI)
}

// Encode writes the grid to w in the given format.
func (g *Grid) Encode(w io.Writer, format Format) error {
	return encode(w, format, g, g.opts.DPI)
}

func encode(w io.Writer, format Format, d drawing, dpi int) error {
	width, height := d.Size()
	var buf bytes.Buffer
	switch format {
	case PNG:
		px := float64(width) / float64(vg.Inch) * float64(dpi)
		py := float64(height) / float64(vg.Inch) * float64(dpi)
		if px*py > maxPixels {
			return fmt.Errorf("a %.0f x %.0f pixel PNG is larger than %d pixels: lower the DPI or the size", px, py, maxPixels)
		}
		c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))
		d.Draw(draw.New(c))
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
			return fmt.Errorf("encode PNG: %w", err)
		}
		b, err := withPNGDensity(buf.Bytes(), dpi)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case SVG:
		c := vgsvg.New(width, height)
		d.Draw(draw.New(c))
		if _, err := c.WriteTo(&buf); err != nil {
			return fmt.Errorf("encode SVG: %w", err)
		}
		b := bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"),
			[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
		_, err := w.Write(b)
		return err
	case PDF:
		c := pdfcanvas.New(width, height)
		d.Draw(draw.New(c))
		if _, err := c.WriteTo(&buf); err != nil {
			return fmt.Errorf("encode PDF: %w", err)
		}
		_, err := w.Write(buf.Bytes())
		return err
	}
	return fmt.Errorf("unknown figure format %q (want png, svg or pdf)", string(format))
}

// withPNGDensity inserts a pHYs chunk recording dpi right after the IHDR
// chunk of an encoded PNG, so that programs that place images at their
// physical size (LaTeX's \includegraphics without a width, word processors)
// get the intended size.
func withPNGDensity(b []byte, dpi int) ([]byte, error) {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4 // signature, length, type, data, CRC
	if len(b) < ihdrEnd || string(b[12:16]) != "IHDR" {
		return nil, fmt.Errorf("encode PNG: unexpected encoder output")
	}
	ppm := uint32(math.Round(float64(dpi) / 0.0254)) // pixels per metre
	chunk := make([]byte, 0, 4+4+9+4)
	chunk = binary.BigEndian.AppendUint32(chunk, 9)
	chunk = append(chunk, "pHYs"...)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = append(chunk, 1) // unit: metre
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := make([]byte, 0, len(b)+len(chunk))
	out = append(out, b[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, b[ihdrEnd:]...), nil
}

// Save builds the figure (see New) and writes it to path in the format its
// extension names. The file is written whole or not at all: the figure is
// rendered first, then written to a temporary file in the same folder that
// is renamed over path.
func Save(path string, kind curve.Kind, series []Series, opts Options) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	f, err := New(kind, series, opts)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return save(path, format, f, f.opts.DPI)
}

// SaveGrid builds the grid figure (see NewGrid) and writes it to path like
// Save.
func SaveGrid(path string, kind curve.Kind, categories []string, series [][]Series, opts Options) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	g, err := NewGrid(kind, categories, series, opts)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return save(path, format, g, g.opts.DPI)
}

func save(path string, format Format, d drawing, dpi int) error {
	var buf bytes.Buffer
	if err := encode(&buf, format, d, dpi); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, buf.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
