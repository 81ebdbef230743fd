package evaluate

import (
	"testing"

	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/stats"
	"github.com/zsadbench/zsadbench/synth"
)

// benchCategory is one category of 100 synthetic maps of 256x256.
func benchCategory(b *testing.B) *metric.Category {
	b.Helper()
	cats, err := synth.Categories(synth.Options{Categories: 1, Images: 100, Size: 256, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return &cats[0]
}

func benchmarkSuite(b *testing.B, m metric.Selection) {
	cat := benchCategory(b)
	s := metric.DefaultSettings
	var o Options
	s.Metrics = m
	b.ResetTimer()
	for range b.N {
		if _, err := Category(cat, s, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(100*256*256), "ns/px")
}

func BenchmarkSuite100x256(b *testing.B)  { benchmarkSuite(b, metric.SelectPaper) }
func BenchmarkAll100x256(b *testing.B)    { benchmarkSuite(b, metric.SelectAll) }
func BenchmarkAUPIMO100x256(b *testing.B) { benchmarkSuite(b, metric.SelectAUPIMO) }
func BenchmarkPixel100x256(b *testing.B)  { benchmarkSuite(b, metric.SelectPixel) }
func BenchmarkAUPRO100x256(b *testing.B)  { benchmarkSuite(b, metric.SelectAUPRO) }
func BenchmarkRCPRO100x256(b *testing.B)  { benchmarkSuite(b, metric.SelectRCPRO) }

// The bootstrap target: 1,000 replicates of the whole exact suite of one
// category of 100 maps of 256x256 (the evaluation of the data included),
// against evaluating each resampled category again (the naive path: one
// replicate per op, reported as seconds per 1,000 replicates too).
func BenchmarkBootstrap1000(b *testing.B) { benchmarkBootstrap(b, metric.SelectPaper) }

// The same with AUPIMO.
func BenchmarkBootstrap1000All(b *testing.B) { benchmarkBootstrap(b, metric.SelectAll) }

func benchmarkBootstrap(b *testing.B, m metric.Selection) {
	cat := benchCategory(b)
	s := metric.DefaultSettings
	s.Metrics = m
	o := Options{Bootstrap: Bootstrap{Replicates: 1000, Confidence: 0.95, Seed: 1}}
	b.ResetTimer()
	for range b.N {
		if _, err := Category(cat, s, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/1000rep")
}

func BenchmarkBootstrapNaive(b *testing.B) {
	cat := benchCategory(b)
	s := metric.DefaultSettings
	class := make([]int, len(cat.Images))
	for i := range cat.Images {
		if cat.Images[i].Anomalous() {
			class[i] = 1
		}
	}
	draws := stats.NewResampler(1, 0, class)
	w := make([]int32, len(cat.Images))
	b.ResetTimer()
	for range b.N {
		draws.Next(w)
		if _, err := Category(Resample(cat, w), s, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1000*b.Elapsed().Seconds()/float64(b.N), "s/1000rep")
}
