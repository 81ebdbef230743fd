package evaluate

import (
	"context"
	"math"
	"testing"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/stats"
	"github.com/zsadbench/zsadbench/synth"
)

func synthCategory(t testing.TB, images, size int, seed int64) *metric.Category {
	t.Helper()
	cats, err := synth.Categories(synth.Options{Categories: 1, Images: images, Size: size, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return &cats[0]
}

func sameValue(a, b metric.Value) bool {
	return a.OK() == b.OK() && (!a.OK() || a.V == b.V)
}

// TestBootstrapFastEqualsNaive: every replicate's metrics from the recorded
// per-image sums equal, bit for bit, an evaluation of the resampled
// category (the same draws), and so do the intervals, on the exact grid
// with each RC average and connectivity, with AUPIMO on both of its grids.
func TestBootstrapFastEqualsNaive(t *testing.T) {
	cat := synthCategory(t, 24, 96, 3)
	const b = 12
	for _, c := range []struct {
		name   string
		change func(*metric.Settings)
	}{
		{"default", func(*metric.Settings) {}},
		{"rc-image-conn4", func(s *metric.Settings) { s.RCAverage, s.Connectivity = metric.PerImage, connected.Four }},
		{"tau-delta-L", func(s *metric.Settings) { s.RCPROTau, s.RCPRODelta, s.FPRLimit = 0.3, 0.5, 0.05 }},
		{"aupimo-linspace", func(s *metric.Settings) { s.PIMOThresholds = 300000 }},
		{"steps", func(s *metric.Settings) { s.Thresholds = metric.Steps(50) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := metric.DefaultSettings
			s.Metrics = metric.SelectAll
			c.change(&s)
			boot := Bootstrap{Replicates: b, Confidence: 0.9, Seed: 11}
			rep, err := Category(cat, s, Options{Bootstrap: boot})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Replicates) != b {
				t.Fatalf("%d replicates, want %d", len(rep.Replicates), b)
			}
			class := make([]int, len(cat.Images))
			for i := range cat.Images {
				if cat.Images[i].Anomalous() {
					class[i] = 1
				}
			}
			draws := stats.NewResampler(boot.Seed, 0, class)
			w := make([]int32, len(cat.Images))
			var naive []Metrics
			defined := 0
			for r := range b {
				draws.Next(w)
				nr, err := Category(Resample(cat, w), s, Options{})
				if err != nil {
					t.Fatal(err)
				}
				naive = append(naive, Metrics{Image: nr.Image, Pixel: nr.Pixel})
				for _, f := range Fields {
					got, want := *f.Get(&rep.Replicates[r]), *f.Get(&naive[r])
					if !sameValue(got, want) {
						t.Errorf("replicate %d %s: fast %v (%v), naive %v (%v)", r, f.Name, got.V, got.Err, want.V, want.Err)
					}
					if got.OK() {
						defined++
					}
				}
			}
			if defined < b*8 {
				t.Errorf("only %d replicate values defined: the test checks too little", defined)
			}
			lo, hi, _ := intervals(naive, s.Metrics, boot.Confidence, cat.Name)
			for _, f := range Fields {
				if !sameValue(*f.Get(rep.CILow), *f.Get(lo)) || !sameValue(*f.Get(rep.CIHigh), *f.Get(hi)) {
					t.Errorf("%s interval [%v, %v], naive [%v, %v]", f.Name, f.Get(rep.CILow).V, f.Get(rep.CIHigh).V, f.Get(lo).V, f.Get(hi).V)
				}
			}
			// The data's own values are inside their intervals most of the
			// time; at least they are not all outside.
			inside := 0
			for _, f := range Fields {
				v, l, h := *f.Get(&Metrics{Image: rep.Image, Pixel: rep.Pixel}), *f.Get(rep.CILow), *f.Get(rep.CIHigh)
				if v.OK() && l.OK() && v.V >= l.V && v.V <= h.V {
					inside++
				}
			}
			if inside < 5 {
				t.Errorf("only %d metrics lie in their own interval", inside)
			}
		})
	}
}

// TestBootstrapWorkers: replicates and intervals are bit-identical for
// every number of workers, and a seed changes them.
func TestBootstrapWorkers(t *testing.T) {
	cat := synthCategory(t, 20, 64, 5)
	s := metric.DefaultSettings
	s.Metrics = metric.SelectAll
	run := func(workers int, seed uint64) *CategoryReport {
		s.Workers = workers
		rep, err := Category(cat, s, Options{Bootstrap: Bootstrap{Replicates: 40, Confidence: 0.95, Seed: seed}})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	a, b, c := run(1, 7), run(3, 7), run(2, 8)
	differ := false
	for r := range a.Replicates {
		for _, f := range Fields {
			if !sameValue(*f.Get(&a.Replicates[r]), *f.Get(&b.Replicates[r])) {
				t.Fatalf("replicate %d %s: 1 worker %v, 3 workers %v", r, f.Name, f.Get(&a.Replicates[r]).V, f.Get(&b.Replicates[r]).V)
			}
			differ = differ || !sameValue(*f.Get(&a.Replicates[r]), *f.Get(&c.Replicates[r]))
		}
	}
	if !differ {
		t.Error("another seed gives the same replicates")
	}
}

// TestBootstrapDataset: the mean's interval comes from the mean of each
// category's replicates; JSON settings echo the bootstrap; replicates are
// dropped unless kept.
func TestBootstrapDataset(t *testing.T) {
	cats, err := synth.Categories(synth.Options{Categories: 2, Images: 16, Size: 48, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	s := metric.DefaultSettings
	boot := Bootstrap{Replicates: 25, Confidence: 0.8, Seed: 3}
	rep, err := Dataset(context.Background(), Categories(cats), s, Options{Bootstrap: boot, KeepReplicates: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Settings.Bootstrap == nil || *rep.Settings.Bootstrap != boot {
		t.Errorf("settings' bootstrap %v", rep.Settings.Bootstrap)
	}
	mr := MeanReplicates(rep.Categories, boot.Replicates)
	lo, hi, _ := intervals(mr, s.Metrics, boot.Confidence, "mean")
	if !sameValue(rep.Mean.CILow.Pixel.AUPRO, lo.Pixel.AUPRO) || !sameValue(rep.Mean.CIHigh.Image.AUROC, hi.Image.AUROC) {
		t.Error("mean interval")
	}
	// Category 1's draws are its own stream: not category 0's.
	r0, r1 := rep.Categories[0].Replicates, rep.Categories[1].Replicates
	want := (r0[0].Pixel.AUROC.V + r1[0].Pixel.AUROC.V) / 2
	if math.Abs(mr[0].Pixel.AUROC.V-want) > 0 {
		t.Errorf("mean replicate %v, want %v", mr[0].Pixel.AUROC.V, want)
	}
	rep, err = Dataset(context.Background(), Categories(cats), s, Options{Bootstrap: boot})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Categories[0].Replicates != nil {
		t.Error("replicates kept without KeepReplicates")
	}
	if _, err := Dataset(context.Background(), Categories(cats), s, Options{Bootstrap: Bootstrap{Replicates: 10, Confidence: 1}}); err == nil {
		t.Error("confidence 1: no error")
	}
}
