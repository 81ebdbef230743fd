package evaluate

import (
	"math"
	"testing"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
)

// fuzzCategory decodes bytes into a small category: a header of options, then
// per image a size, scores (quantised from bytes, so ties are common) and a
// mask.
func fuzzCategory(data []byte) (*metric.Category, metric.Settings) {
	s := metric.DefaultSettings
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	h := next()
	if h&1 != 0 {
		s.Connectivity = connected.Four
	}
	if h&2 != 0 {
		s.Thresholds = metric.Steps(1 + int(next()%40))
	}
	if h&4 != 0 {
		s.RCAverage = metric.PerImage
	}
	s.RCPROTau = float64(next()%11) / 10
	s.RCPRODelta = 0.25 + float64(next()%16)/4
	s.FPRLimit = float64(1+next()%10) / 10
	s.Workers = 1 + int(next()%3)
	cat := &metric.Category{Name: "fuzz"}
	for len(data) > 2 && len(cat.Images) < 6 {
		w, ht := 1+int(next()%9), 1+int(next()%9)
		im := metric.Image{Name: "im", Width: w, Height: ht, Scores: make([]float32, w*ht), Mask: make([]bool, w*ht)}
		for p := range im.Scores {
			b := next()
			im.Scores[p] = float32(b>>1) / 16
			if b&1 != 0 && b > 100 {
				im.Scores[p] = -im.Scores[p]
			}
			im.Mask[p] = next()%3 == 0
		}
		cat.Images = append(cat.Images, im)
	}
	return cat, s
}

// FuzzCategory checks that every metric entry point accepts any finite input
// without panicking and returns values in [0, 1] or undefined.
func FuzzCategory(f *testing.F) {
	f.Add([]byte{0, 5, 7, 2, 1, 3, 3, 200, 17, 4, 9, 0, 255, 1, 64})
	f.Add([]byte{7, 40, 1, 9, 0, 2, 9, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte{2, 3, 10, 3, 1, 8, 8, 0, 0, 0, 0, 255, 255, 128, 3, 3, 3, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, s := fuzzCategory(data)
		var o Options
		values := func(r *CategoryReport) []metric.Value {
			return []metric.Value{r.Image.AUROC, r.Image.AP, r.Image.F1Max,
				r.Pixel.AUROC, r.Pixel.AP, r.Pixel.F1Max, r.Pixel.AUPRO, r.Pixel.RCPRO}
		}
		rep, err := Category(cat, s, o)
		if err != nil {
			t.Fatalf("finite input rejected: %v", err)
		}
		for _, v := range values(rep) {
			if v.OK() && !(v.V >= -1e-12 && v.V <= 1+1e-12) || !v.OK() && !math.IsNaN(v.V) {
				t.Fatalf("value %v (err %v) out of [0, 1]", v.V, v.Err)
			}
		}
		// Stored curves fold every point; without, the sweep gives only
		// the points the folds need: the same bits either way.
		o.Curves = true
		all, err := Category(cat, s, o)
		if err != nil {
			t.Fatalf("finite input rejected with curves: %v", err)
		}
		for i, v := range values(all) {
			w := values(rep)[i]
			if v.OK() != w.OK() || v.OK() && math.Float64bits(v.V) != math.Float64bits(w.V) {
				t.Fatalf("value %d: %v with every point, %v with the sparse grid", i, v.V, w.V)
			}
		}
	})
}
