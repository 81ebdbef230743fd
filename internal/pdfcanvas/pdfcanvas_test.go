package pdfcanvas

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/vg"
)

// page draws a translucent white box, a line of text and an image, and
// returns the PDF (uncompressed when plain, so its operators can be read).
func page(t *testing.T, text string, plain bool) []byte {
	t.Helper()
	font.DefaultCache.Add(liberation.Collection())
	c := New(3*vg.Inch, 1*vg.Inch)
	if plain {
		c.doc.SetCompression(false)
	}
	face := font.DefaultCache.Lookup(font.Font{Typeface: "Liberation", Variant: "Sans"}, 10)
	c.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 128})
	c.Fill(vg.Rectangle{Max: vg.Point{X: 20, Y: 20}}.Path())
	c.SetColor(color.Black)
	c.FillString(face, vg.Point{X: 10, Y: 30}, text)
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: 100, Y: 10}, Max: vg.Point{X: 140, Y: 50}}, img)
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPage(t *testing.T) {
	const text = "RCPRO (%) τ = 0.05"
	plain := string(page(t, text, true))
	// Translucent white is white at half opacity (vgpdf drew it grey).
	if !strings.Contains(plain, "1.000 g\n1.000 G\n/GS2 gs") || !strings.Contains(plain, "/ca 0.502") {
		t.Error("translucent white is not white at opacity 0.502")
	}
	// The font is embedded as a subset (a Type0 font with a TrueType
	// program of the glyphs used; fpdf does not tag its name as a subset's),
	// and the PDF stays small.
	for _, want := range []string{"/Subtype /Type0", "/FontFile2", "liberationsans"} {
		if !strings.Contains(plain, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	pdf := page(t, text, false)
	if len(pdf) > 30_000 {
		t.Errorf("PDF of one line of text is %d bytes, want under 30 kB", len(pdf))
	}
	if again := page(t, text, false); !bytes.Equal(pdf, again) {
		t.Error("the same drawing gave different bytes")
	}
	// With poppler's tools at hand: the font is embedded and subset, and
	// the text reads back.
	path := filepath.Join(t.TempDir(), "p.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdffonts", path).Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 3 || !strings.Contains(lines[2], "Identity-H       yes") {
			t.Errorf("pdffonts:\n%s", out)
		}
	}
	if out, err := exec.Command("pdftotext", path, "-").Output(); err == nil && !strings.Contains(string(out), text) {
		t.Errorf("pdftotext reads %q, want %q", out, text)
	}
}

// An image is drawn upright: its first row at the top of its rectangle
// (checked by rendering the page with poppler's pdftoppm, when at hand).
func TestImageUpright(t *testing.T) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm (poppler-utils) is not installed")
	}
	for _, size := range []int{8, 100} { // PNG and JPEG embedding
		c := New(1*vg.Inch, 1*vg.Inch)
		img := image.NewRGBA(image.Rect(0, 0, size, size))
		for y := range size {
			for x := range size {
				c := color.RGBA{0, 0, 255, 255} // bottom half blue
				if y < size/2 {
					c = color.RGBA{255, 0, 0, 255} // top half red
				}
				img.SetRGBA(x, y, c)
			}
		}
		c.DrawImage(vg.Rectangle{Max: vg.Point{X: 72, Y: 72}}, img)
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		in := filepath.Join(dir, "p.pdf")
		if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftoppm", "-r", "20", "-png", "-singlefile", in, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		f, err := os.Open(filepath.Join(dir, "p.png"))
		if err != nil {
			t.Fatal(err)
		}
		page, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		b := page.Bounds()
		top, _, _, _ := page.At(b.Dx()/2, b.Dy()/5).RGBA()
		bottom, _, _, _ := page.At(b.Dx()/2, 4*b.Dy()/5).RGBA()
		if top < 0xc000 || bottom > 0x4000 {
			t.Errorf("%d px image: red at the top %x, at the bottom %x; want the red half on top", size, top, bottom)
		}
	}
}
