package resize

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// resize.json is written by testdata/mapio/generate.py: "want" is the
// half-pixel formula evaluated with numpy in float64 and rounded to
// float32; "torch" is PyTorch's F.interpolate output for the same input.
type golden struct {
	Bilinear []struct {
		SW, SH, DW, DH int
		Src, Want      []uint32
		Torch          []uint32
	}
	Nearest []struct {
		In, Out      int
		Index        []int
		ExactDiffers bool `json:"exact_differs"`
		TorchChecked bool `json:"torch_checked"`
	}
	CrossCheckedWith []string `json:"cross_checked_with"`
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	data, err := os.ReadFile("../testdata/mapio/resize.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Bilinear) < 8 || len(g.Nearest) < 10 {
		t.Fatalf("golden file has only %d bilinear and %d nearest cases", len(g.Bilinear), len(g.Nearest))
	}
	return g
}

func floats(bits []uint32) []float32 {
	out := make([]float32, len(bits))
	for i, b := range bits {
		out[i] = math.Float32frombits(b)
	}
	return out
}

func TestBilinearGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Bilinear {
		name := fmt.Sprintf("%dx%d->%dx%d", c.SW, c.SH, c.DW, c.DH)
		got := Bilinear(floats(c.Src), c.SW, c.SH, c.DW, c.DH)
		if len(got) != c.DW*c.DH {
			t.Fatalf("%s: got %d values", name, len(got))
		}
		for i, v := range got {
			if math.Float32bits(v) != c.Want[i] {
				t.Fatalf("%s: pixel (%d, %d) = %v, want %v (float64 reference)", name, i/c.DW, i%c.DW,
					v, math.Float32frombits(c.Want[i]))
			}
		}
		if c.Torch == nil {
			continue
		}
		worst := 0.0
		for i, v := range got {
			worst = max(worst, math.Abs(float64(v)-float64(math.Float32frombits(c.Torch[i]))))
		}
		if worst > 2e-7 {
			t.Errorf("%s: differs from PyTorch by up to %g", name, worst)
		}
	}
}

func TestNearestGolden(t *testing.T) {
	g := loadGolden(t)
	differs := 0
	for _, c := range g.Nearest {
		src := make([]int, c.In)
		for i := range src {
			src[i] = i
		}
		// Columns, then the same indices along rows.
		got := Nearest(src, c.In, 1, c.Out, 1)
		for i, v := range got {
			if v != c.Index[i] {
				t.Fatalf("%d->%d: column %d takes %d, want %d (PyTorch)", c.In, c.Out, i, v, c.Index[i])
			}
		}
		col := Nearest(src, 1, c.In, 1, c.Out)
		for i, v := range col {
			if v != c.Index[i] {
				t.Fatalf("%d->%d: row %d takes %d, want %d (PyTorch)", c.In, c.Out, i, v, c.Index[i])
			}
		}
		if c.ExactDiffers {
			differs++
		}
	}
	if differs == 0 {
		t.Error("no golden case where float32 rounding matters: the test cannot tell the formulas apart")
	}
}

func TestBilinearIdentityAndConstant(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, 7*5)
	for i := range src {
		src[i] = rng.Float32()*2 - 1
	}
	got := Bilinear(src, 7, 5, 7, 5)
	for i := range src {
		if got[i] != src[i] {
			t.Fatalf("identity resize changed pixel %d", i)
		}
	}
	got[0] = 99
	if src[0] == 99 {
		t.Fatal("identity resize aliases its input")
	}
	c := make([]float32, 6*4)
	for i := range c {
		c[i] = 0.3
	}
	for _, size := range [][2]int{{13, 9}, {2, 3}, {1, 1}, {6, 17}} {
		for i, v := range Bilinear(c, 6, 4, size[0], size[1]) {
			if v != float32(0.3) {
				t.Fatalf("constant map resized to %v has %v at %d", size, v, i)
			}
		}
	}
}

// TestBilinearHandComputed checks a 2x1 -> 4x1 upsampling by hand:
// sx = (dx+0.5)/2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamp -> 0, 0.25, 0.75, 1.
func TestBilinearHandComputed(t *testing.T) {
	got := Bilinear([]float32{0, 1}, 2, 1, 4, 1)
	want := []float32{0, 0.25, 0.75, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	// Downsampling 4 -> 2 averages pairs: sx = 0.5, 2.5.
	got = Bilinear([]float32{0, 1, 2, 3, 10, 11, 12, 13}, 4, 2, 2, 1)
	// sy = 0.5: rows blend equally: (0.5 + 10.5)/2 = 5.5, (2.5 + 12.5)/2 = 7.5.
	if got[0] != 5.5 || got[1] != 7.5 {
		t.Fatalf("got %v, want [5.5 7.5]", got)
	}
}

func TestNearestGeneric(t *testing.T) {
	src := []bool{true, false, false, true}
	got := Nearest(src, 2, 2, 4, 4)
	want := []bool{
		true, true, false, false,
		true, true, false, false,
		false, false, true, true,
		false, false, true, true,
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	down := Nearest([]uint8{1, 2, 3, 4, 5, 6}, 3, 2, 2, 1)
	// s = 1.5: columns 0 and 1 (floor 1.5); row 0.
	if down[0] != 1 || down[1] != 2 {
		t.Fatalf("got %v, want [1 2]", down)
	}
}

func TestPanics(t *testing.T) {
	for _, tc := range []struct {
		n, sw, sh, dw, dh int
	}{
		{6, 2, 3, 0, 1}, {6, 2, 3, 1, -1}, {5, 2, 3, 4, 4}, {0, 0, 0, 1, 1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Bilinear with %+v did not panic", tc)
				}
			}()
			Bilinear(make([]float32, tc.n), tc.sw, tc.sh, tc.dw, tc.dh)
		}()
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Nearest with %+v did not panic", tc)
				}
			}()
			Nearest(make([]int, tc.n), tc.sw, tc.sh, tc.dw, tc.dh)
		}()
	}
}

// TestBilinearMatchesDirect compares the row-cached implementation with a
// direct evaluation of the documented formula on random sizes.
func TestBilinearMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		sw, sh := 1+rng.IntN(20), 1+rng.IntN(20)
		dw, dh := 1+rng.IntN(40), 1+rng.IntN(40)
		src := make([]float32, sw*sh)
		for i := range src {
			src[i] = rng.Float32()
		}
		got := Bilinear(src, sw, sh, dw, dh)
		xs, ys := linearTaps(sw, dw), linearTaps(sh, dh)
		for dy := range dh {
			for dx := range dw {
				x, y := xs[dx], ys[dy]
				at := func(r, c int) float64 { return float64(src[r*sw+c]) }
				h0 := float64(at(y.i0, x.i0)*x.w0) + float64(at(y.i0, x.i1)*x.w1)
				h1 := float64(at(y.i1, x.i0)*x.w0) + float64(at(y.i1, x.i1)*x.w1)
				want := float32(float64(h0*y.w0) + float64(h1*y.w1))
				if sw == dw && sh == dh {
					want = src[dy*sw+dx]
				}
				if got[dy*dw+dx] != want {
					t.Fatalf("%dx%d->%dx%d: (%d, %d) = %v, want %v", sw, sh, dw, dh, dy, dx, got[dy*dw+dx], want)
				}
			}
		}
	}
}

func BenchmarkBilinear(b *testing.B) {
	for _, bc := range []struct{ sw, sh, dw, dh int }{
		{256, 256, 512, 512},   // upsampling a model's map to image size
		{1024, 1024, 256, 256}, // evaluating at a smaller size
		{37, 37, 518, 518},     // ViT patch grid to image
	} {
		b.Run(fmt.Sprintf("%dx%d_to_%dx%d", bc.sw, bc.sh, bc.dw, bc.dh), func(b *testing.B) {
			src := make([]float32, bc.sw*bc.sh)
			for i := range src {
				src[i] = float32(i%97) / 97
			}
			b.SetBytes(int64(4 * bc.dw * bc.dh))
			for b.Loop() {
				Bilinear(src, bc.sw, bc.sh, bc.dw, bc.dh)
			}
		})
	}
}

func BenchmarkNearest(b *testing.B) {
	src := make([]bool, 900*900)
	b.SetBytes(int64(256 * 256))
	for b.Loop() {
		Nearest(src, 900, 900, 256, 256)
	}
}
