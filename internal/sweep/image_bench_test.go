package sweep

import (
	"slices"
	"testing"

	"github.com/zsadbench/zsadbench/metric"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/synth"
)

// One worker sweeping the images of a category of 512x512 maps alone
// (sort, union-find, changes), in ns per pixel.
func benchmarkImages(b *testing.B, need Need, sortOnly bool) {
	cats, err := synth.Categories(synth.Options{Categories: 1, Images: 8, Size: 512, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	images := cats[0].Images
	s := &imageSweep{opts: Options{Settings: metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05, RCPRODelta: 2}, Need: need}, shift: 44, one: 1 << 44}
	out := make([]rankDelta, 512*512)
	keys := make([]uint64, 512*512)
	b.ResetTimer()
	for i := range b.N {
		im := &images[i%len(images)]
		s.begin(im)
		sorted, _ := s.sortPixels(keys, im.Scores, im.Width)
		if !sortOnly {
			for j, kv := range sorted {
				var d sums
				s.add(int32(kv), &d)
				s.settle(&d)
				out[j] = packDelta(d)
			}
		}
		s.end()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(512*512), "ns/px")
}

func BenchmarkImagesSort(b *testing.B) { benchmarkImages(b, NeedAll, true) }
func BenchmarkImagesPRO(b *testing.B)  { benchmarkImages(b, NeedPRO, false) }
func BenchmarkImagesAll(b *testing.B)  { benchmarkImages(b, NeedAll, false) }

// The tracker alone, in score order.
func BenchmarkImagesTrackerOnly(b *testing.B) {
	cats, err := synth.Categories(synth.Options{Categories: 1, Images: 8, Size: 512, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	images := cats[0].Images
	s := &imageSweep{opts: Options{Settings: metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05, RCPRODelta: 2}, Need: NeedAll}, shift: 44, one: 1 << 44}
	sorted := sortedImages(s, images)
	b.ResetTimer()
	for i := range b.N {
		im := &images[i%len(images)]
		s.begin(im)
		for _, kv := range sorted[i%len(images)] {
			s.tracker.Add(int32(kv))
		}
		s.end()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(512*512), "ns/px")
}

// One worker sweeping the anomalous images of a category of 256x256 maps
// (union-find with overlaps, PRO and RC changes), in ns per pixel.
func BenchmarkImagesGT256(b *testing.B) {
	cats, err := synth.Categories(synth.Options{Categories: 1, Images: 40, Size: 256, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var images []metric.Image
	for _, im := range cats[0].Images {
		if im.Anomalous() {
			images = append(images, im)
		}
	}
	s := &imageSweep{opts: Options{Settings: metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05, RCPRODelta: 2}, Need: NeedAll}, shift: 46, one: 1 << 46}
	sorted := sortedImages(s, images)
	b.ResetTimer()
	for i := range b.N {
		s.begin(&images[i%len(images)])
		for _, kv := range sorted[i%len(images)] {
			var d sums
			s.add(int32(kv), &d)
		}
		s.settle(&sums{})
		s.end()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(256*256), "ns/px")
}

// sortedImages returns each image's sorted keys (sortPixels).
func sortedImages(s *imageSweep, images []metric.Image) [][]uint64 {
	var sorted [][]uint64
	for i := range images {
		keys, _ := s.sortPixels(make([]uint64, len(images[i].Scores)), images[i].Scores, images[i].Width)
		sorted = append(sorted, slices.Clone(keys))
	}
	return sorted
}
