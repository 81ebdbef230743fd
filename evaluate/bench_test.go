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

func BenchmarkSuite100x256(b *testing.B) { benchmarkSuite(b, metric.SelectAll) }
func BenchmarkPixel100x256(b *testing.B) { benchmarkSuite(b, metric.SelectPixel) }
func BenchmarkAUPRO100x256(b *testing.B) { benchmarkSuite(b, metric.SelectAUPRO) }
func BenchmarkRCPRO100x256(b *testing.B) { benchmarkSuite(b, metric.SelectRCPRO) }
