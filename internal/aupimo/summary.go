// Package aupimo computes AUPIMO (docs/METRICS.md, "PIMO and AUPIMO") from
// a small summary of each image, on the exact grid and on the reference
// implementation's linspace grid, with optional bootstrap weights.
//
// AUPIMO only looks at shared false-positive rates up to 1e-4, so a normal
// image is summarised by its highest scores: enough of them that any rate
// the integration or its bounds can need is known exactly (Summarize), a
// few per mille of its pixels. An anomalous image keeps every anomalous
// pixel's score. Summaries are made as images arrive and the images can be
// dropped: the integration needs nothing else, and a bootstrap replicate
// (Compute with weights) reuses them without touching a pixel.
package aupimo

import (
	"math"
	"slices"

	"github.com/zsadbench/zsadbench/internal/scorekey"
	"github.com/zsadbench/zsadbench/metric"
)

// The integration range of shared FPR.
const (
	Lower = 1e-5
	Upper = 1e-4
)

// Image is what AUPIMO needs of one image.
type Image struct {
	// Anomalous: the mask has an anomalous pixel.
	Anomalous bool
	// Pixels is the denominator of the image's rate: all its pixels for a
	// normal image (FPR), its anomalous pixels for an anomalous one (TPR).
	Pixels int64
	// Scores are distinct scores, descending, and Counts[i] the number of
	// the image's pixels (anomalous pixels, for an anomalous image) with a
	// score >= Scores[i]. A normal image keeps its highest scores only,
	// down to the first whose count reaches the image's limit (see
	// Summarize); below its last score its counts are unknown, unless that
	// count is Pixels.
	Scores []float32
	Counts []int64
	// Lo and Hi are a normal image's smallest and largest scores (the
	// linspace grid's range).
	Lo, Hi float32
}

// Keep returns how many of a normal image's highest pixels Summarize keeps
// at least, for a category of at most maxNormal normal images: more than
// 2 * maxNormal * Upper of them. Then a pixel it drops lies where the
// image's own FPR exceeds 2 * maxNormal * Upper, so the shared FPR there is
// above 2 * Upper for any mix of at most maxNormal normal images that
// includes the image, and nothing AUPIMO computes needs its exact value
// there (see count).
func Keep(pixels int64, maxNormal int) int64 {
	m := int64(math.Floor(2*float64(maxNormal)*Upper*float64(pixels))) + 2
	return min(m, pixels)
}

// Summarize summarises an image of a category with at most maxNormal normal
// images. Scores must be finite.
func Summarize(im *metric.Image, maxNormal int) Image {
	if im.NextAnomalous(0) >= 0 {
		var v []float32
		for p := im.NextAnomalous(0); p >= 0; p = im.NextAnomalous(p + 1) {
			v = append(v, im.Scores[p])
		}
		slices.Sort(v)
		slices.Reverse(v)
		s := Image{Anomalous: true, Pixels: int64(len(v))}
		s.Scores, s.Counts = distinct(v, s.Scores, s.Counts)
		return s
	}
	return summarizeNormal(im.Scores, Keep(int64(len(im.Scores)), maxNormal))
}

func cmpDesc(a, b float32) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// distinct appends the distinct values of v (sorted descending) and their
// cumulative counts.
func distinct(v []float32, scores []float32, counts []int64) ([]float32, []int64) {
	for i := 0; i < len(v); {
		j := i + 1
		for j < len(v) && v[j] == v[i] {
			j++
		}
		scores = append(scores, v[i])
		counts = append(counts, int64(j))
		i = j
	}
	return scores, counts
}

// summarizeNormal keeps the distinct scores down to the m-th highest pixel's
// (scorekey.Select: no sort of the image), with their counts.
func summarizeNormal(scores []float32, m int64) Image {
	s := Image{Pixels: int64(len(scores))}
	if len(scores) == 0 {
		return s
	}
	s.Lo, s.Hi = scores[0], scores[0]
	for _, v := range scores {
		s.Lo = min(s.Lo, v)
		s.Hi = max(s.Hi, v)
	}
	if m >= int64(len(scores)) {
		v := slices.Clone(scores)
		slices.Sort(v)
		slices.Reverse(v)
		s.Scores, s.Counts = distinct(v, nil, nil)
		return s
	}
	keys := make([]uint32, len(scores))
	for i, x := range scores {
		keys[i] = scorekey.Key(x)
	}
	v, below, atKey := scorekey.SelectKeys(keys, m)
	prefix := scorekey.Key(v)
	// below pixels have a key under prefix; atKey have it.
	top := make([]float32, 0, below)
	for i, k := range keys {
		if k < prefix {
			top = append(top, scores[i])
		}
	}
	slices.Sort(top)
	slices.Reverse(top)
	s.Scores, s.Counts = distinct(top, nil, nil)
	s.Scores = append(s.Scores, v)
	s.Counts = append(s.Counts, below+atKey)
	return s
}

// count returns the number of the image's pixels with a score >= t, and
// whether it is known (see Image.Scores).
func (im *Image) count(t float32) (int64, bool) {
	// i = the number of kept scores >= t.
	i, _ := slices.BinarySearchFunc(im.Scores, t, func(s, t float32) int {
		if s >= t {
			return -1
		}
		return 1
	})
	n := len(im.Scores)
	switch {
	case i == 0:
		return 0, true
	case i < n || t == im.Scores[n-1]:
		return im.Counts[i-1], true
	case im.Counts[n-1] == im.Pixels:
		return im.Pixels, true // every pixel is kept
	}
	return 0, false
}

// countAbove returns the number of the image's pixels with a score > t
// (for an anomalous image, whose counts are all known).
func (im *Image) countAbove(t float32) int64 {
	i, _ := slices.BinarySearchFunc(im.Scores, t, func(s, t float32) int {
		if s > t {
			return -1
		}
		return 1
	})
	if i == 0 {
		return 0
	}
	return im.Counts[i-1]
}

// rate is count / Pixels.
func (im *Image) rate(n int64) float64 { return float64(n) / float64(im.Pixels) }
