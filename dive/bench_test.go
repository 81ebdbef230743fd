package dive

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkPreprocess(b *testing.B) {
	img := testImage(1024, 1024, 1)
	dst := make([]float32, 3*DefaultSize*DefaultSize)
	b.ReportAllocs()
	for b.Loop() {
		Preprocess(img, DefaultSize, dst)
	}
}

func BenchmarkGaussian(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, 512*512)
	for i := range src {
		src[i] = r.Float32()
	}
	b.ReportAllocs()
	for b.Loop() {
		Gaussian(src, 512, 512, DefaultSigma)
	}
}

func BenchmarkPostprocess(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, 37*37)
	for i := range src {
		src[i] = r.Float32()
	}
	b.ReportAllocs()
	for b.Loop() {
		Postprocess(src, 37, 37, 1024, 1024, DefaultSigma)
	}
}
