package jpegdec

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testdataDir = "../../testdata/jpeg"

// refCase is one entry of testdata/jpeg/manifest.json (see generate.py).
type refCase struct {
	Name, JPEG, Ref, Mode, What string
	RefMode                     string `json:"ref_mode"`
	Width, Height               int
	Progressive                 bool
}

func readCases(t testing.TB) []refCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Cases []refCase }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(m.Cases) < 20 {
		t.Fatalf("manifest.json lists %d cases", len(m.Cases))
	}
	return m.Cases
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rgbOf returns an image's pixels as interleaved 8-bit RGB.
func rgbOf(img image.Image) []uint8 {
	b := img.Bounds()
	out := make([]uint8, 0, 3*b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			out = append(out, c.R, c.G, c.B)
		}
	}
	return out
}

// compare returns how many samples differ and the largest difference.
func compare(got, want []uint8) (n, worst int) {
	for i := range got {
		d := int(got[i]) - int(want[i])
		if d != 0 {
			n++
			worst = max(worst, d, -d)
		}
	}
	return n, worst
}

// TestMatchesPIL decodes every reference file and requires PIL's pixels
// exactly. It also measures Go's image/jpeg on the same files, so that the
// test is known to tell decoders apart.
func TestMatchesPIL(t *testing.T) {
	goDiffers := 0
	for _, c := range readCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			data := readFile(t, c.JPEG)
			ref, err := png.Decode(bytes.NewReader(readFile(t, c.Ref)))
			if err != nil {
				t.Fatal(err)
			}
			img, err := Decode(data, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b != image.Rect(0, 0, c.Width, c.Height) {
				t.Fatalf("bounds %v, want %dx%d", b, c.Width, c.Height)
			}
			if _, grey := img.(*image.Gray); grey != (c.Mode == "L") {
				t.Errorf("decoded to %T for a mode %s file", img, c.Mode)
			}
			want := rgbOf(ref)
			if n, worst := compare(rgbOf(img), want); n > 0 {
				t.Errorf("%d of %d samples differ from PIL, by up to %d (%s)", n, len(want), worst, c.What)
			}
			cfg, err := DecodeConfig(data)
			if err != nil || cfg.Width != c.Width || cfg.Height != c.Height || cfg.Progressive != c.Progressive {
				t.Errorf("DecodeConfig = %+v, %v", cfg, err)
			}
			if goImg, err := jpeg.Decode(bytes.NewReader(data)); err == nil {
				if n, worst := compare(rgbOf(goImg), want); n > 0 {
					goDiffers++
					t.Logf("image/jpeg: %d of %d samples differ from PIL, by up to %d", n, len(want), worst)
				}
			}
		})
	}
	if goDiffers == 0 {
		t.Error("image/jpeg matches PIL on every file: the references cannot tell decoders apart")
	}
}

func TestErrors(t *testing.T) {
	good := readFile(t, "420_baseline_97x61.jpg")
	prog := readFile(t, "420_progressive_97x61.jpg")
	sosAt := bytes.Index(good, []byte{0xFF, 0xDA})
	withSize := func(w, h int) []byte {
		b := bytes.Clone(good)
		i := bytes.Index(b, []byte{0xFF, 0xC0})
		b[i+5], b[i+6], b[i+7], b[i+8] = byte(h>>8), byte(h), byte(w>>8), byte(w)
		return b
	}
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"empty", "not a JPEG", nil},
		{"PNG", "not a JPEG", []byte("\x89PNG\r\n\x1a\n")},
		{"headers only", "truncated", good[:sosAt]},
		{"cut in the scan", "truncated", good[:len(good)/2]},
		{"progressive cut", "truncated", prog[:len(prog)*2/3]},
		{"over the pixel limit", "exceeds the limit", withSize(1024, 1025)},
		{"zero height", "height 0", withSize(10, 0)},
		{"arithmetic", "arithmetic", append([]byte{0xFF, 0xD8, 0xFF, 0xC9, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0}, good[sosAt:]...)},
		{"12-bit", "precision 12", append([]byte{0xFF, 0xD8, 0xFF, 0xC1, 0, 11, 12, 0, 1, 0, 1, 1, 1, 0x11, 0}, good[sosAt:]...)},
		{"fractional sampling", "sampling", append([]byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0, 8, 0, 8, 3, 1, 0x31, 0, 2, 0x21, 0, 3, 0x11, 0}, good[sosAt:]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data, 1<<20)
			var fe FormatError
			if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want a FormatError containing %q", err, tc.want)
			}
		})
	}
}

// photo is a deterministic photo-like picture: smooth shading, texture and
// edges, which a JPEG encoder compresses about as it does a real photo.
func photo(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(12345)
	for y := range h {
		for x := range w {
			seed = seed*1664525 + 1013904223
			n := int(seed>>27) - 16
			r := 128 + (x*97/w - y*61/h) + n
			g := 90 + (x*x/(w+1)+y)%120 + n/2
			b := 60 + 150*((x/37+y/29)%2) + n
			if (x-w/2)*(x-w/2)+(y-h/3)*(y-h/3) < w*h/20 {
				r, g, b = 240, 200+n, 30
			}
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = clamp(r), clamp(g), clamp(b), 255
		}
	}
	return img
}

func clamp(v int) uint8 { return uint8(min(max(v, 0), 255)) }

func benchJPEG(b *testing.B) []byte {
	var buf bytes.Buffer
	// image/jpeg writes 4:2:0 baseline for RGBA input.
	if err := jpeg.Encode(&buf, photo(1024, 1024), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkDecode and BenchmarkImageJPEG decode the same 1024x1024 4:2:0
// photo-like JPEG.
func BenchmarkDecode(b *testing.B) {
	data := benchJPEG(b)
	b.SetBytes(1024 * 1024)
	b.ResetTimer()
	for range b.N {
		if _, err := Decode(data, 1<<28); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImageJPEG(b *testing.B) {
	data := benchJPEG(b)
	b.SetBytes(1024 * 1024)
	b.ResetTimer()
	for range b.N {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImageJPEGToRGBA adds the YCbCr to RGBA conversion a caller of
// image/jpeg needs to get what Decode returns.
func BenchmarkImageJPEGToRGBA(b *testing.B) {
	data := benchJPEG(b)
	b.SetBytes(1024 * 1024)
	b.ResetTimer()
	for range b.N {
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		yc := img.(*image.YCbCr)
		out := image.NewRGBA(yc.Rect)
		for y := yc.Rect.Min.Y; y < yc.Rect.Max.Y; y++ {
			for x := yc.Rect.Min.X; x < yc.Rect.Max.X; x++ {
				yi, ci := yc.YOffset(x, y), yc.COffset(x, y)
				r, g, bl := color.YCbCrToRGB(yc.Y[yi], yc.Cb[ci], yc.Cr[ci])
				i := out.PixOffset(x, y)
				out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = r, g, bl, 255
			}
		}
	}
}
