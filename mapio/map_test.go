package mapio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestBinary(t *testing.T) {
	nan := float32(math.NaN())
	m := Map{Width: 3, Height: 2, Pix: []float32{0, 0.5, 1, -1, nan, 0.25}}
	got := m.Binary(0.25)
	want := []bool{false, true, true, false, false, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Binary(0.25) = %v, want %v", got, want)
		}
	}
	got = m.Binary(0)
	want = []bool{false, true, true, false, false, true}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Binary(0) = %v, want %v", got, want)
		}
	}
}

func TestCheckFiniteAndValidate(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	for _, tc := range []struct {
		m        Map
		row, col int // -1: finite
	}{
		{Map{Width: 2, Height: 2, Pix: []float32{0, 1, 2, 3}}, -1, -1},
		{Map{Width: 2, Height: 2, Pix: []float32{0, 1, nan, inf}}, 1, 0},
		{Map{Width: 3, Height: 2, Pix: []float32{0, -inf, 2, 3, nan, 0}}, 0, 1},
		{Map{Width: 1, Height: 1, Pix: []float32{math.MaxFloat32}}, -1, -1},
	} {
		err := tc.m.CheckFinite()
		if tc.row < 0 {
			if err != nil || tc.m.Validate() != nil {
				t.Errorf("%v: %v", tc.m.Pix, err)
			}
			continue
		}
		var nf *NonFiniteError
		if !errors.As(err, &nf) || nf.Row != tc.row || nf.Col != tc.col {
			t.Errorf("%v: got %v, want row %d col %d", tc.m.Pix, err, tc.row, tc.col)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("row %d, col %d", tc.row, tc.col)) {
			t.Errorf("message %q lacks the position", err)
		}
		if !errors.As(tc.m.Validate(), &nf) {
			t.Errorf("Validate missed the non-finite value")
		}
	}
	for _, m := range []Map{{}, {Width: 2, Height: 2, Pix: make([]float32, 3)}, {Width: -2, Height: -2, Pix: make([]float32, 4)}} {
		if m.Validate() == nil {
			t.Errorf("Validate accepted %dx%d with %d values", m.Width, m.Height, len(m.Pix))
		}
	}
}

// TestMaxFinite: on random maps of every length up to 13 (all the four
// lanes' remainders), with a NaN or ±Inf put anywhere or nowhere, MaxFinite
// gives the maximum of a plain loop and CheckFinite's error.
func TestMaxFinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for trial := range 2000 {
		n := trial % 14
		m := Map{Width: max(n, 1), Height: min(n, 1), Pix: make([]float32, n)}
		for i := range m.Pix {
			m.Pix[i] = float32(rng.NormFloat64() * 1e3)
		}
		if n > 0 && rng.IntN(2) == 0 {
			m.Pix[rng.IntN(n)] = bad[rng.IntN(len(bad))]
		}
		peak, err := m.MaxFinite()
		if want := m.CheckFinite(); fmt.Sprint(err) != fmt.Sprint(want) {
			t.Fatalf("%v: error %v, want %v", m.Pix, err, want)
		}
		if err != nil {
			continue
		}
		want := float32(0)
		for i, v := range m.Pix {
			if i == 0 || v > want {
				want = v
			}
		}
		if peak != want {
			t.Fatalf("%v: maximum %v, want %v", m.Pix, peak, want)
		}
	}
}

func TestNewAndAt(t *testing.T) {
	m := New(3, 2)
	m.Pix[1*3+2] = 7
	if m.At(1, 2) != 7 || m.At(0, 0) != 0 || len(m.Pix) != 6 {
		t.Fatal("New/At disagree with the row-major layout")
	}
	for _, f := range []func(){
		func() { New(0, 1) },
		func() { New(1<<20, 1<<20) },
		func() { m.At(2, 0) },
		func() { m.At(0, -1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestMaskImageTypes covers image types through Go's own PNG encoder; the
// golden fixtures cover files written by PIL, libtiff and tifffile.
func TestMaskImageTypes(t *testing.T) {
	g16 := image.NewGray16(image.Rect(0, 0, 2, 1))
	g16.SetGray16(0, 0, color.Gray16{Y: 65535})
	g16.SetGray16(1, 0, color.Gray16{Y: 258})
	nrgba64 := image.NewNRGBA64(image.Rect(0, 0, 2, 1))
	nrgba64.SetNRGBA64(0, 0, color.NRGBA64{R: 1, G: 40000, B: 3, A: 0})
	nrgba64.SetNRGBA64(1, 0, color.NRGBA64{R: 9, G: 8, B: 7, A: 65535})
	pal := image.NewPaletted(image.Rect(0, 0, 3, 1), color.Palette{
		color.NRGBA{R: 10, G: 200, B: 30, A: 0}, // transparent: alpha ignored
		color.RGBA{R: 5, G: 6, B: 7, A: 255},
	})
	pal.Pix = []uint8{0, 1, 0}
	for _, tc := range []struct {
		name string
		img  image.Image
		want []float32
	}{
		{"gray16", g16, []float32{65535, 258}},
		{"nrgba64", nrgba64, []float32{40000, 9}},
		{"palette", pal, []float32{200, 7, 200}},
	} {
		m, err := DecodeMask(bytes.NewReader(encodePNG(t, tc.img)))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i, v := range tc.want {
			if m.Pix[i] != v {
				t.Fatalf("%s: got %v, want %v", tc.name, m.Pix, tc.want)
			}
		}
	}
	// Colour PNGs are masks but not score maps.
	if _, err := DecodePNG(bytes.NewReader(encodePNG(t, nrgba64))); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("DecodePNG of a colour PNG: %v", err)
	}
	m, err := DecodePNG(bytes.NewReader(encodePNG(t, g16)))
	if err != nil || m.Pix[0] != 1 || m.Pix[1] != float32(258)/65535 {
		t.Fatalf("DecodePNG gray16: %v %v", m.Pix, err)
	}
}
