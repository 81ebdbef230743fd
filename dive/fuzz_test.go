package dive

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

func encodedSeeds(t testing.TB) [][]byte {
	small := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	for i := range small.Pix {
		small.Pix[i] = uint8(i * 37)
	}
	var seeds [][]byte
	for _, enc := range []func(*bytes.Buffer) error{
		func(w *bytes.Buffer) error { return png.Encode(w, small) },
		func(w *bytes.Buffer) error { return jpeg.Encode(w, small, nil) },
		func(w *bytes.Buffer) error { return bmp.Encode(w, small) },
		func(w *bytes.Buffer) error { return tiff.Encode(w, small, nil) },
		func(w *bytes.Buffer) error { return png.Encode(w, image.NewGray16(image.Rect(0, 0, 4, 4))) },
	} {
		var buf bytes.Buffer
		if err := enc(&buf); err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, buf.Bytes())
	}
	if b, err := os.ReadFile(filepath.Join(goldenDir, "pre_palette_45x33.png")); err == nil {
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzDecodeImage: decoding and pre-processing never panic, and a decoded
// image gives a finite tensor.
func FuzzDecodeImage(f *testing.F) {
	for _, s := range encodedSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeImage(bytes.NewReader(data))
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Dx()*b.Dy() > 1<<16 {
			return // valid but too slow for a fuzz iteration
		}
		for _, v := range Preprocess(img, 7, nil) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("non-finite tensor value %v", v)
			}
		}
	})
}

// FuzzPostprocess: any sizes and finite values give a finite map of the
// requested size, bounded by the input's range.
func FuzzPostprocess(f *testing.F) {
	f.Add(uint8(3), uint8(2), uint8(9), uint8(1), []byte{1, 2, 3, 4, 5, 6}, uint8(8))
	f.Add(uint8(1), uint8(1), uint8(40), uint8(40), []byte{200}, uint8(0))
	f.Fuzz(func(t *testing.T, sw, sh, dw, dh uint8, vals []byte, sigma8 uint8) {
		w, h, ow, oh := int(sw%50)+1, int(sh%50)+1, int(dw%80)+1, int(dh%80)+1
		src := make([]float32, w*h)
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for i := range src {
			if len(vals) > 0 {
				src[i] = float32(vals[i%len(vals)]) / 7
			}
			lo, hi = min(lo, src[i]), max(hi, src[i])
		}
		sigma := float64(sigma8) / 16
		out := Postprocess(src, w, h, ow, oh, sigma)
		if len(out) != ow*oh {
			t.Fatalf("%d values for %dx%d", len(out), ow, oh)
		}
		tol := 1e-5 * float64(max(1, hi-lo))
		for _, v := range out {
			if math.IsNaN(float64(v)) || float64(v) < float64(lo)-tol || float64(v) > float64(hi)+tol {
				t.Fatalf("value %v outside [%v, %v]", v, lo, hi)
			}
		}
	})
}

func TestToRGB8Types(t *testing.T) {
	r := image.Rect(2, 3, 5, 5) // non-zero origin
	want := func(x, y int) [3]uint8 { return [3]uint8{uint8(10 * x), uint8(20 * y), uint8(x + y)} }
	nrgba := image.NewNRGBA(r)
	rgba := image.NewRGBA(r)
	rgba64 := image.NewRGBA64(r)
	pal := image.NewPaletted(r, nil)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := want(x, y)
			nrgba.SetNRGBA(x, y, color.NRGBA{c[0], c[1], c[2], 77}) // alpha is dropped
			rgba.SetRGBA(x, y, color.RGBA{c[0], c[1], c[2], 255})
			rgba64.SetRGBA64(x, y, color.RGBA64{uint16(c[0]) * 257, uint16(c[1]) * 257, uint16(c[2]) * 257, 0xffff})
			pal.Palette = append(pal.Palette, color.NRGBA{c[0], c[1], c[2], 0})
			pal.SetColorIndex(x, y, uint8(len(pal.Palette)-1))
		}
	}
	for name, img := range map[string]image.Image{"NRGBA": nrgba, "RGBA": rgba, "RGBA64": rgba64, "Paletted": pal, "SubImage": nrgba.SubImage(r)} {
		got := toRGB8(img)
		if got.w != 3 || got.h != 2 {
			t.Fatalf("%s: size %dx%d", name, got.w, got.h)
		}
		for y := 0; y < 2; y++ {
			for x := 0; x < 3; x++ {
				j := 3 * (y*3 + x)
				if g, w := [3]uint8{got.pix[j], got.pix[j+1], got.pix[j+2]}, want(x+2, y+3); g != w {
					t.Errorf("%s: pixel (%d,%d) = %v, want %v", name, x, y, g, w)
				}
			}
		}
	}
	g16 := image.NewGray16(image.Rect(0, 0, 1, 1))
	g16.SetGray16(0, 0, color.Gray16{Y: 0xabcd})
	if got := toRGB8(g16).pix; got[0] != 0xab || got[1] != 0xab || got[2] != 0xab {
		t.Errorf("Gray16 0xabcd -> %v, want high byte 0xab", got)
	}
}

func TestDecodeImageFormats(t *testing.T) {
	for i, s := range encodedSeeds(t) {
		img, err := DecodeImage(bytes.NewReader(s))
		if err != nil {
			t.Errorf("seed %d: %v", i, err)
			continue
		}
		if img.Bounds().Empty() {
			t.Errorf("seed %d: empty image", i)
		}
	}
	// A PNG header claiming a huge image is refused before allocation.
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	copy(b[16:24], []byte{0, 1, 0, 0, 0, 1, 0, 0}) // 65536 x 65536
	if _, err := DecodeImage(bytes.NewReader(b)); err == nil {
		t.Error("65536x65536 PNG header accepted")
	}
}
