package dive

import (
	"encoding/binary"
	"encoding/json"
	"image"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/zsadbench/zsadbench/resize"
)

const goldenDir = "../testdata/dive"

type goldenManifest struct {
	Mean       [3]float32 `json:"mean"`
	Std        [3]float32 `json:"std"`
	Preprocess []struct {
		Name          string `json:"name"`
		Input         string `json:"input"`
		Mode          string `json:"mode"`
		Width, Height int
		Size          int    `json:"size"`
		Resized       string `json:"resized"`
		Tensor        string `json:"tensor"`
	} `json:"preprocess"`
	Bilinear []struct {
		Name           string `json:"name"`
		SW, SH, DW, DH int
		Src, Want      string
		Torch          string
	} `json:"bilinear"`
	Gaussian []struct {
		Name      string `json:"name"`
		W, H      int
		Sigma     float64
		Src, Want string
	} `json:"gaussian"`
	Postprocess []struct {
		Name           string `json:"name"`
		SW, SH, DW, DH int
		Src, Want      string
	} `json:"postprocess"`
}

func readManifest(t testing.TB) goldenManifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m goldenManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(m.Preprocess) == 0 || len(m.Bilinear) == 0 || len(m.Gaussian) == 0 || len(m.Postprocess) == 0 {
		t.Fatal("manifest.json lists no cases")
	}
	return m
}

func readF32(t testing.TB, name string, n int) []float32 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 4*n {
		t.Fatalf("%s: %d bytes, want %d", name, len(b), 4*n)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func loadGoldenImage(t testing.TB, name string) image.Image {
	t.Helper()
	img, err := LoadImage(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestGoldenConstants(t *testing.T) {
	m := readManifest(t)
	if m.Mean != Mean || m.Std != Std {
		t.Errorf("Mean, Std = %v, %v; generator used %v, %v", Mean, Std, m.Mean, m.Std)
	}
}

// TestResizeMatchesPIL checks the resize against PIL's own output, byte for byte.
func TestResizeMatchesPIL(t *testing.T) {
	for _, c := range readManifest(t).Preprocess {
		t.Run(c.Name, func(t *testing.T) {
			src := loadGoldenImage(t, c.Input)
			if b := src.Bounds(); b.Dx() != c.Width || b.Dy() != c.Height {
				t.Fatalf("decoded %v, want %dx%d", b, c.Width, c.Height)
			}
			want := toRGB8(loadGoldenImage(t, c.Resized))
			got := resizeBicubic(toRGB8(src), c.Size, c.Size)
			if got.w != want.w || got.h != want.h {
				t.Fatalf("size %dx%d, want %dx%d", got.w, got.h, want.w, want.h)
			}
			bad := 0
			for i := range got.pix {
				if got.pix[i] != want.pix[i] {
					if bad < 5 {
						p := i / 3
						t.Errorf("pixel (%d,%d) channel %d = %d, PIL %d", p%got.w, p/got.w, i%3, got.pix[i], want.pix[i])
					}
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d samples differ from PIL (mode %s)", bad, len(got.pix), c.Mode)
			}
		})
	}
}

// TestPreprocessMatchesTorchvision checks the whole tensor, bit for bit.
func TestPreprocessMatchesTorchvision(t *testing.T) {
	n := 0
	for _, c := range readManifest(t).Preprocess {
		if c.Tensor == "" {
			continue
		}
		n++
		want := readF32(t, c.Tensor, 3*c.Size*c.Size)
		got := Preprocess(loadGoldenImage(t, c.Input), c.Size, nil)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: element %d = %v, want %v", c.Name, i, got[i], want[i])
			}
		}
	}
	if n == 0 {
		t.Fatal("no tensor case in the manifest")
	}
}

func maxAbsDiff(a, b []float32) (float64, int) {
	worst, at := 0.0, -1
	for i := range a {
		if d := math.Abs(float64(a[i]) - float64(b[i])); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	return worst, at
}

// TestBilinearMatchesReference cross-checks the resize package, which
// Postprocess relies on, against this package's references.
func TestBilinearMatchesReference(t *testing.T) {
	for _, c := range readManifest(t).Bilinear {
		src := readF32(t, c.Src, c.SW*c.SH)
		want := readF32(t, c.Want, c.DW*c.DH)
		torch := readF32(t, c.Torch, c.DW*c.DH)
		got := resize.Bilinear(src, c.SW, c.SH, c.DW, c.DH)
		// resize follows torch, whose float32 scale factor moves the
		// weights by up to ~2e-6 from the float64 formula.
		if d, at := maxAbsDiff(got, want); d > 4e-6 {
			t.Errorf("%s: max |diff| %g at %d (got %v, float64 reference %v)", c.Name, d, at, got[at], want[at])
		}
		if d, at := maxAbsDiff(got, torch); d > 1e-6 {
			t.Errorf("%s: max |diff| %g at %d (got %v, torch %v)", c.Name, d, at, got[at], torch[at])
		}
	}
}

func TestGaussianMatchesScipy(t *testing.T) {
	for _, c := range readManifest(t).Gaussian {
		src := readF32(t, c.Src, c.W*c.H)
		want := readF32(t, c.Want, c.W*c.H)
		got := Gaussian(src, c.W, c.H, c.Sigma)
		if d, at := maxAbsDiff(got, want); d > 1e-6 {
			t.Errorf("%s: max |diff| %g at %d (got %v, scipy %v)", c.Name, d, at, got[at], want[at])
		}
	}
}

func TestPostprocessMatchesReference(t *testing.T) {
	for _, c := range readManifest(t).Postprocess {
		src := readF32(t, c.Src, c.SW*c.SH)
		want := readF32(t, c.Want, c.DW*c.DH)
		got := Postprocess(src, c.SW, c.SH, c.DW, c.DH, DefaultSigma)
		if d, at := maxAbsDiff(got, want); d > 1e-6 {
			t.Errorf("%s: max |diff| %g at %d (got %v, want %v)", c.Name, d, at, got[at], want[at])
		}
	}
}
