package sweep

import (
	"os"
	"strconv"
	"testing"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
)

// benchCategory is one category of 100 synthetic maps of 256x256, or of
// $ZSAD_BENCH_IMAGES maps of $ZSAD_BENCH_SIZE^2 (ns/px is per pixel).
func benchCategory(b *testing.B) *metric.Category {
	b.Helper()
	o := synth.Options{Categories: 1, Images: 100, Size: 256, Seed: 1}
	for env, v := range map[string]*int{"ZSAD_BENCH_IMAGES": &o.Images, "ZSAD_BENCH_SIZE": &o.Size} {
		if s := os.Getenv(env); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				b.Fatalf("%s=%q: want a positive integer", env, s)
			}
			*v = n
		}
	}
	cats, err := synth.Categories(o)
	if err != nil {
		b.Fatal(err)
	}
	return &cats[0]
}

func benchmarkRun(b *testing.B, opts Options) {
	cat := benchCategory(b)
	opts.Connectivity, opts.RCPROTau, opts.RCPRODelta = connected.Eight, 0.05, 2
	opts.Fold = func(*Point) func([]Point) { return func([]Point) {} }
	opts.Visit = func(*Point) {}
	b.ResetTimer()
	for range b.N {
		if _, err := Run(cat, opts); err != nil {
			b.Fatal(err)
		}
	}
	px := 0
	for i := range cat.Images {
		px += len(cat.Images[i].Scores)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(px), "ns/px")
}

// One category of 100 maps of 256x256 (6.5 Mpx), exact grid with every
// point (what stored curves need).
func BenchmarkRunAll(b *testing.B) { benchmarkRun(b, Options{Need: NeedAll}) }
func BenchmarkRunROC(b *testing.B) { benchmarkRun(b, Options{Need: NeedROC}) }
func BenchmarkRunPRO(b *testing.B) { benchmarkRun(b, Options{Need: NeedPRO}) }

// The same on the sparse exact grid (what the metrics need).
func BenchmarkRunAllSparse(b *testing.B) { benchmarkRun(b, Options{Need: NeedAll, Sparse: true}) }
func BenchmarkRunROCSparse(b *testing.B) { benchmarkRun(b, Options{Need: NeedROC, Sparse: true}) }
func BenchmarkRunPROSparse(b *testing.B) { benchmarkRun(b, Options{Need: NeedPRO, Sparse: true}) }
func BenchmarkRunSteps200(b *testing.B) {
	benchmarkRun(b, Options{Settings: metric.Settings{Thresholds: metric.Steps(200)}, Need: NeedPRO | NeedRC})
}

func BenchmarkSortPixels256(b *testing.B) {
	cat := benchCategory(b)
	var s imageSweep
	keys := make([]uint64, 256*256)
	b.ResetTimer()
	for i := range b.N {
		s.sortPixels(keys, cat.Images[i%len(cat.Images)].Scores, 256)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(256*256), "ns/px")
}

// The sparse grid keeping its points for the curves, with the PRO-vs-RC
// curve's peaks (what score --curves does), to compare with
// BenchmarkRunAllSparse.
func BenchmarkRunAllSparseKeep(b *testing.B) {
	benchmarkRun(b, Options{Need: NeedAll, Sparse: true, Keep: true, KeepRCTolerance: 5e-5})
}
