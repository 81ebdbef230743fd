package evaluate

import (
	"math"
	"testing"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/stats"
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

// FuzzBootstrap checks the per-image records, AUPIMO and the bootstrap on
// any finite input: no panic, values in [0, 1], lo <= hi, and each fast
// replicate equal, bit for bit, to evaluating its resample.
func FuzzBootstrap(f *testing.F) {
	f.Add([]byte{0, 5, 7, 2, 1, 3, 3, 200, 17, 4, 9, 0, 255, 1, 64, 9, 9, 1})
	f.Add([]byte{4, 40, 1, 9, 0, 2, 9, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 6})
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, s := fuzzCategory(data)
		s.Metrics = metric.SelectAll
		if len(data) > 0 && data[len(data)-1]&1 != 0 {
			s.PIMOThresholds = 2 + int(data[len(data)-1])
		}
		boot := Bootstrap{Replicates: 3, Confidence: 0.9, Seed: uint64(len(data))}
		rep, err := Category(cat, s, Options{PerImage: true, Bootstrap: boot})
		if err != nil {
			t.Fatalf("finite input rejected: %v", err)
		}
		if len(rep.Records) != len(cat.Images) {
			t.Fatalf("%d records for %d images", len(rep.Records), len(cat.Images))
		}
		in01 := func(what string, v metric.Value) {
			if v.OK() && !(v.V >= -1e-12 && v.V <= 1+1e-12) {
				t.Fatalf("%s = %v out of [0, 1]", what, v.V)
			}
		}
		for _, r := range rep.Records {
			for _, v := range []metric.Value{r.AUPIMO, r.AtF1.FPR, r.AtF1.PRO, r.AtF1.RC, r.AtFPRLimit.FPR, r.AtFPRLimit.PRO, r.AtFPRLimit.RC} {
				in01(r.Key, v)
			}
		}
		for _, fd := range Fields {
			if fd.Name == "pixel.aupimo_std" {
				continue
			}
			lo, hi := *fd.Get(rep.CILow), *fd.Get(rep.CIHigh)
			in01(fd.Name, lo)
			in01(fd.Name, hi)
			if lo.OK() && hi.OK() && lo.V > hi.V {
				t.Fatalf("%s interval [%v, %v]", fd.Name, lo.V, hi.V)
			}
		}
		if !s.Thresholds.IsExact() {
			return
		}
		class := make([]int, len(cat.Images))
		for i := range cat.Images {
			if cat.Images[i].Anomalous() {
				class[i] = 1
			}
		}
		draws := stats.NewResampler(boot.Seed, 0, class)
		w := make([]int32, len(cat.Images))
		for r := range boot.Replicates {
			draws.Next(w)
			nr, err := Category(Resample(cat, w), s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			naive := Metrics{Image: nr.Image, Pixel: nr.Pixel}
			for _, fd := range Fields {
				got, want := *fd.Get(&rep.Replicates[r]), *fd.Get(&naive)
				if got.OK() != want.OK() || got.OK() && math.Float64bits(got.V) != math.Float64bits(want.V) {
					t.Fatalf("replicate %d %s: fast %v, naive %v", r, fd.Name, got.V, want.V)
				}
			}
		}
	})
}
