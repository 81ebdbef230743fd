package aupimo

import (
	"math"
	"slices"

	"github.com/zsadbench/zsadbench/curve"
)

// SharedCurve returns the distinct scores of the normal images (complete
// summaries: Summarize with a limit above any image's pixels), descending,
// and the shared FPR at each; nil without a normal or an anomalous image.
func SharedCurve(images []Image) (fpr []float64, thresholds []float32) {
	return SharedCurveTo(images, math.Inf(1))
}

// SharedCurveTo is SharedCurve up to the first threshold whose shared FPR
// exceeds maxFPR (the shared FPR never decreases as thresholds fall, and
// each threshold's costs a pass over the normal images). An ImageCurve of
// it has exact points up to that threshold's; those after have its FPR.
func SharedCurveTo(images []Image, maxFPR float64) (fpr []float64, thresholds []float32) {
	c := calc{images: images}
	for i := range images {
		if images[i].Anomalous {
			c.anomalous = append(c.anomalous, i)
		} else {
			c.normal = append(c.normal, i)
			c.n0++
		}
	}
	if len(c.normal) == 0 || len(c.anomalous) == 0 {
		return nil, nil
	}
	for _, i := range c.normal {
		thresholds = append(thresholds, images[i].Scores...)
	}
	slices.SortFunc(thresholds, cmpDesc)
	thresholds = slices.Compact(thresholds)
	fpr = make([]float64, len(thresholds))
	for k, t := range thresholds {
		if fpr[k], _ = c.shared(t); fpr[k] > maxFPR {
			return fpr[:k+1], thresholds[:k+1]
		}
	}
	return fpr, thresholds
}

// ImageCurve returns the PIMO curve of an anomalous image: one point per
// distinct score of the normal images (thresholds, with their shared FPR)
// and of the image's anomalous pixels, descending; x = shared FPR, y = TPR.
func ImageCurve(im *Image, fpr []float64, thresholds []float32) curve.Curve {
	var out curve.Curve
	i, j := 0, 0 // next normal threshold, next anomalous score
	for i < len(thresholds) || j < len(im.Scores) {
		var t float32
		switch {
		case j == len(im.Scores) || (i < len(thresholds) && thresholds[i] >= im.Scores[j]):
			t = thresholds[i]
		default:
			t = im.Scores[j]
		}
		for i < len(thresholds) && thresholds[i] >= t {
			i++
		}
		for j < len(im.Scores) && im.Scores[j] >= t {
			j++
		}
		f := 0.0
		if i > 0 {
			f = fpr[i-1] // the lowest normal threshold at or above t
		}
		tp := int64(0)
		if j > 0 {
			tp = im.Counts[j-1]
		}
		out.Append(float64(t), f, im.rate(tp))
	}
	return out
}
