package pimo

import (
	"math"
	"testing"

	"github.com/zsadbench/zsadbench/internal/aupimo"
	"github.com/zsadbench/zsadbench/metric"
)

// FuzzCompute: AUPIMO accepts any finite category without panicking, its
// values lie in [0, 1], and a normal image's top scores give the same bits
// as every pixel. Each category has a large normal image (so that the
// shared FPR reaches 1e-5 and AUPIMO is often defined) whose pixels are a
// fill value but for a few bytes' worth.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{0, 200, 3, 9, 250, 7, 7, 1, 99, 5, 6, 255, 0, 1, 2, 3, 4, 5})
	f.Add([]byte{3, 17, 17, 17, 17, 200, 201, 202, 1, 1, 1, 90, 91, 92, 93, 94, 95})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		k := 0
		if h := next(); h&1 != 0 {
			k = 2 + int(h)*1000
		}
		big := metric.Image{Name: "big", Width: 400, Height: 300, Scores: make([]float32, 120000)}
		for i := range big.Scores {
			big.Scores[i] = 0.1
		}
		for range int(next() % 64) {
			big.Scores[int(next())*401%len(big.Scores)] = float32(next()) / 200
		}
		cat := &metric.Category{Images: []metric.Image{big}}
		for len(data) > 2 && len(cat.Images) < 6 {
			w, h := 1+int(next()%8), 1+int(next()%8)
			im := metric.Image{Name: "im", Width: w, Height: h, Scores: make([]float32, w*h), Mask: make([]bool, w*h)}
			for p := range im.Scores {
				b := next()
				im.Scores[p] = float32(b>>1) / 100
				im.Mask[p] = b&1 != 0
			}
			cat.Images = append(cat.Images, im)
		}
		s := metric.DefaultSettings
		s.PIMOThresholds = k
		res, err := Compute(cat, s)
		if err != nil {
			t.Fatalf("finite input rejected: %v", err)
		}
		for _, v := range res.AUPIMO {
			if !math.IsNaN(v) && !(v >= 0 && v <= 1) {
				t.Fatalf("AUPIMO %v", v)
			}
		}
		all := make([]aupimo.Image, len(cat.Images))
		for i := range all {
			all[i] = aupimo.Summarize(&cat.Images[i], math.MaxInt32)
		}
		ref := aupimo.Compute(all, nil, k)
		for i := range ref.AUPIMO {
			if a, b := ref.AUPIMO[i], res.AUPIMO[i]; math.Float64bits(a) != math.Float64bits(b) && !(math.IsNaN(a) && math.IsNaN(b)) {
				t.Fatalf("image %d: every pixel %v, summary %v", i, a, b)
			}
		}
	})
}
