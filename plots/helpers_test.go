package plots

import (
	"math"
	"math/rand/v2"

	"github.com/zsadbench/zsadbench/curve"
)

var testModels = []string{"DIVE", "AnomalyCLIP", "AdaCLIP", "WinCLIP", "APRIL-GAN", "VAND", "MuSc", "CLIP-AD", "Model 9"}

// testCurve returns a plausible curve of the kind for model m with about n
// points: better models (lower m) have higher curves.
func testCurve(kind curve.Kind, m, n int, seed uint64) curve.Curve {
	rng := rand.New(rand.NewPCG(seed, uint64(m)))
	var c curve.Curve
	switch kind {
	case curve.ImageROC, curve.PixelROC, curve.ImagePR, curve.PixelPR:
		roc, pr := sweepCurvesShift(n, seed+uint64(m), 2.5-0.5*float64(m))
		if kind == curve.ImageROC || kind == curve.PixelROC {
			return roc
		}
		return pr
	case curve.PROFPR:
		k := 12.0 / float64(m+1)
		c.Append(math.Inf(1), 0, 0)
		for i := 1; i < n; i++ {
			fpr := float64(i) / float64(n-1)
			pro := 1 - math.Pow(1-fpr, k)
			c.Append(1-fpr, fpr, math.Min(1, pro))
		}
	case curve.PRORC:
		base := 0.9 - 0.18*float64(m)
		y := base
		for i := range n {
			pro := float64(i) / float64(n-1)
			y += 0.004 * rng.NormFloat64()
			y = math.Max(0.02, math.Min(1, y+0.0004*(base-0.35*pro-y)*float64(1000)/float64(n)))
			c.Append(1-pro, pro, y)
		}
	}
	return c
}

func testSeriesList(kind curve.Kind, models, n int, seed uint64) []Series {
	var s []Series
	for m := range models {
		s = append(s, Series{
			Name:     testModels[m%len(testModels)],
			Curve:    testCurve(kind, m, n, seed),
			Value:    0.95 - 0.07*float64(m),
			HasValue: true,
		})
	}
	return s
}
