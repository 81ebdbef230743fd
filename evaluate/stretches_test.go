package evaluate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/connected"

	"github.com/google/go-cmp/cmp"
	"github.com/zsadbench/zsadbench/internal/integrate"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/roc"
	"github.com/zsadbench/zsadbench/synth"
)

// TestStretchesIdentical evaluates a category large enough for the sweep's
// parallel sort and scan: every worker count, stored curves or not, and on
// the steps grid the exact pixel metrics read again in batches, give
// bit-identical reports; and the folds merged from stretches equal one fold
// over all the stored points.
func TestStretchesIdentical(t *testing.T) {
	cats, err := synth.Categories(synth.Options{Categories: 1, Images: 24, Size: 96, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	cat := &cats[0]
	if n := cat.Extent().Pixels; n < 3<<16 {
		t.Fatalf("%d pixels: want more than the parallel sort's 2^16", n)
	}
	values := func(r *CategoryReport) []metric.Value {
		return []metric.Value{r.Image.AUROC, r.Pixel.AUROC, r.Pixel.AP, r.Pixel.F1Max, r.Pixel.AUPRO, r.Pixel.RCPRO}
	}
	for _, grid := range []metric.Grid{metric.Exact, metric.Steps(50)} {
		s := metric.DefaultSettings
		var o Options
		s.Thresholds, s.Workers = grid, 1
		want, err := Category(cat, s, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{2, 3, 5} {
			for _, curves := range []bool{false, true} {
				s.Workers, o.Curves = workers, curves
				got, err := Category(cat, s, o)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(values(want), values(got)); d != "" {
					t.Errorf("%v, %d workers, curves %v: (-1 worker +got)\n%s", grid, workers, curves, d)
				}
			}
		}
		if !grid.IsExact() {
			o.Curves = false
			st, err := newStream(cat.Name, s, o, cat.Extent())
			if err != nil {
				t.Fatal(err)
			}
			each := func(fn func([]metric.Image) error) error { return fn(cat.Images) }
			if err := st.readROCAgain(each, 5000); err != nil {
				t.Fatal(err)
			}
			if err := st.Add(cat.Images); err != nil {
				t.Fatal(err)
			}
			got, err := st.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(values(want), values(got)); d != "" {
				t.Errorf("read again: (-in memory +got)\n%s", d)
			}
			continue
		}
		// One fold over all the stored points.
		r, err := sweep.Run(cat, sweep.Options{Settings: metric.Settings{Thresholds: grid, Connectivity: s.Connectivity, RCPROTau: s.RCPROTau, RCPRODelta: s.RCPRODelta}, Need: sweep.NeedAll})
		if err != nil {
			t.Fatal(err)
		}
		c := roc.Counts{Threshold: r.Exact.Threshold, TP: r.Exact.TP, FP: r.Exact.FP, Positives: r.Positives, Negatives: r.Negatives}
		plain := []metric.Value{want.Image.AUROC, c.AUROC(), c.AP(), c.F1Max(), integrate.AUPRO(r, s.FPRLimit), integrate.RCPRO(r)}
		near := cmp.Comparer(func(a, b metric.Value) bool { return a.OK() == b.OK() && math.Abs(a.V-b.V) <= 1e-12 })
		if d := cmp.Diff(plain, values(want), near); d != "" {
			t.Errorf("merged folds differ from plain folds: (-plain +merged)\n%s", d)
		}
	}
}

// TestNonFiniteScores checks that a NaN or ±Inf score is an error naming
// the image, for every selection of metrics and both grids.
func TestNonFiniteScores(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		for _, m := range []metric.Selection{metric.SelectImage, metric.SelectPixel, metric.SelectAUPRO, metric.SelectRCPRO, metric.SelectAll} {
			for _, grid := range []metric.Grid{metric.Exact, metric.Steps(20)} {
				cat := &metric.Category{Name: "c"}
				for i := range 4 {
					im := metric.Image{Name: "im" + string(rune('0'+i)), Width: 3, Height: 2, Scores: []float32{0.1, 0.5, 0.2, 0.9, 0.3, 0.4}, Mask: make([]bool, 6)}
					im.Mask[3] = i%2 == 1
					cat.Images = append(cat.Images, im)
				}
				cat.Images[2].Scores[4] = bad
				s := metric.DefaultSettings
				var o Options
				s.Metrics, s.Thresholds = m, grid
				if _, err := Category(cat, s, o); err == nil || !strings.Contains(err.Error(), "im2: score") {
					t.Errorf("%v, metrics %v, %v: error %v", bad, m, grid, err)
				}
			}
		}
	}
}

// TestSparseIdentical checks on small random categories with many tied
// scores that the sparse exact grid (the points the folds need, used
// without curves) gives the same bits as folding every point (with curves),
// for every selection of metrics, both RC averages and connectivities, and
// several worker counts.
func TestSparseIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	values := func(r *CategoryReport) []metric.Value {
		return []metric.Value{r.Pixel.AUROC, r.Pixel.AP, r.Pixel.F1Max, r.Pixel.AUPRO, r.Pixel.RCPRO}
	}
	same := cmp.Comparer(func(a, b metric.Value) bool {
		return a.OK() == b.OK() && (!a.OK() || math.Float64bits(a.V) == math.Float64bits(b.V))
	})
	for trial := range 300 {
		cat := &metric.Category{Name: "random"}
		levels := 2 + rng.IntN(40)
		w, h := 1+rng.IntN(12), 1+rng.IntN(12)
		for i := range 1 + rng.IntN(6) {
			im := metric.Image{Name: fmt.Sprint("im", i), Width: w, Height: h, Scores: make([]float32, w*h)}
			if rng.IntN(3) > 0 {
				im.Mask = make([]bool, w*h)
			}
			for p := range im.Scores {
				im.Scores[p] = float32(rng.IntN(levels)) / float32(levels)
				if im.Mask != nil && rng.IntN(4) == 0 {
					im.Mask[p] = true
					im.Scores[p] += float32(rng.IntN(levels)) / float32(2*levels)
				}
			}
			cat.Images = append(cat.Images, im)
		}
		s := metric.DefaultSettings
		var o Options
		s.Metrics = metric.Selection(1 + rng.IntN(int(metric.SelectAll)))
		s.FPRLimit = []float64{0.3, 1, 0.05, 0.5}[rng.IntN(4)]
		if rng.IntN(2) == 0 {
			s.RCAverage = metric.PerImage
		}
		if rng.IntN(2) == 0 {
			s.Connectivity = connected.Four
		}
		o.Curves, s.Workers = true, 1
		want, err := Category(cat, s, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{1, 2, 3} {
			o.Curves, s.Workers = false, workers
			got, err := Category(cat, s, o)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(values(want), values(got), same); d != "" {
				t.Fatalf("trial %d, metrics %v, %d workers: (-all points +sparse)\n%s", trial, s.Metrics, workers, d)
			}
		}
	}
}
