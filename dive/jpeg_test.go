package dive

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/zsadbench/zsadbench/backend"
)

const jpegDir = "../testdata/jpeg"

// jpegCase is a testdata/jpeg case with PIL's pre-processed tensor (see
// testdata/jpeg/generate.py).
type jpegCase struct {
	Name, JPEG, Tensor string
	Width, Height      int
	DiveSize           int `json:"dive_size"`
}

func jpegTensorCases(t *testing.T) []jpegCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(jpegDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Cases []jpegCase }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var out []jpegCase
	for _, c := range m.Cases {
		if c.Tensor != "" {
			out = append(out, c)
		}
	}
	if len(out) < 2 {
		t.Fatalf("manifest has %d tensor cases", len(out))
	}
	return out
}

func readJPEGTensor(t *testing.T, c jpegCase) []float32 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(jpegDir, c.Tensor))
	if err != nil {
		t.Fatal(err)
	}
	n := 3 * c.DiveSize * c.DiveSize
	if len(b) != 4*n {
		t.Fatalf("%s: %d bytes, want %d", c.Tensor, len(b), 4*n)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
	}
	return out
}

// TestPreprocessJPEGMatchesPIL: a JPEG file read by LoadImage and
// pre-processed gives torchvision's tensor from PIL's decoding, bit for bit.
func TestPreprocessJPEGMatchesPIL(t *testing.T) {
	for _, c := range jpegTensorCases(t) {
		img, err := LoadImage(filepath.Join(jpegDir, c.JPEG))
		if err != nil {
			t.Fatal(err)
		}
		want := readJPEGTensor(t, c)
		got := Preprocess(img, c.DiveSize, nil)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: element %d = %v, PIL pipeline %v", c.Name, i, got[i], want[i])
			}
		}
	}
}

// TestPredictJPEGMatchesPIL: Predict on JPEG files equals the PyTorch/PIL
// pipeline (PIL's tensor through the test model, then the reference
// post-processing) to 1e-5, and Go's image/jpeg would not.
func TestPredictJPEGMatchesPIL(t *testing.T) {
	requireRuntime(t)
	sp := defaultSpec()
	m := openCPU(t, sp, Options{BatchSize: 2, Threads: 1})
	s := m.InputSize()
	var in []backend.Input
	var cases []jpegCase
	for _, c := range jpegTensorCases(t) {
		if c.DiveSize != s {
			continue
		}
		cases = append(cases, c)
		in = append(in, backend.Input{Key: c.Name, Path: filepath.Join(jpegDir, c.JPEG)})
	}
	if len(cases) < 2 {
		t.Fatalf("%d tensor cases of size %d", len(cases), s)
	}
	out, err := m.Predict(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	goDiffers := 0
	for i, c := range cases {
		raw, mw, mh, score := referenceOutputs(sp, readJPEGTensor(t, c), s)
		want := backend.Output{Key: c.Name, Width: c.Width, Height: c.Height,
			Map: Postprocess(raw, mw, mh, c.Width, c.Height, DefaultSigma), Score: score}
		compareOutput(t, out[i], want)

		data, err := os.ReadFile(filepath.Join(jpegDir, c.JPEG))
		if err != nil {
			t.Fatal(err)
		}
		goImg, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		goRaw, _, _, goScore := referenceOutputs(sp, Preprocess(goImg, s, nil), s)
		goMap := Postprocess(goRaw, mw, mh, c.Width, c.Height, DefaultSigma)
		d, _ := maxAbsDiff(goMap, want.Map)
		got, _ := maxAbsDiff(out[i].Map, want.Map)
		t.Logf("%s: map differs from the PIL pipeline's by %.3g (score %.3g); with image/jpeg it would by %.3g (score %.3g)",
			c.Name, got, math.Abs(out[i].Score-score), d, math.Abs(goScore-score))
		if d > 1e-5 {
			goDiffers++
		}
	}
	if goDiffers == 0 {
		t.Error("image/jpeg's decoding also matches: the test cannot tell decoders apart")
	}
}
