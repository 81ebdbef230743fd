package evaluate

import (
	"testing"

	"github.com/zsadbench/zsadbench/metric"
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

func benchmarkSuite(b *testing.B, m Metrics) {
	cat := benchCategory(b)
	s := DefaultSettings
	s.Metrics = m
	b.ResetTimer()
	for range b.N {
		if _, err := Category(cat, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(100*256*256), "ns/px")
}

func BenchmarkSuite100x256(b *testing.B) { benchmarkSuite(b, All) }
func BenchmarkPixel100x256(b *testing.B) { benchmarkSuite(b, Pixel) }
func BenchmarkAUPRO100x256(b *testing.B) { benchmarkSuite(b, AUPRO) }
func BenchmarkRCPRO100x256(b *testing.B) { benchmarkSuite(b, RCPRO) }
