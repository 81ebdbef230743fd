// Package roc computes the binary-classifier metrics of zsadbench — ROC and
// precision-recall curves, AUROC, average precision and F1-max — always on the
// exact grid: every distinct score is a threshold, a sample is predicted
// positive when its score >= the threshold, and tied scores enter together.
// The values equal scikit-learn's roc_auc_score (trapezoid rule, ties give
// half credit) and average_precision_score (step-wise, no interpolation).
package roc

import (
	"cmp"
	"math"
	"math/bits"
	"slices"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/metric"
)

// Counts are a classifier's cumulative confusion counts at descending
// thresholds: TP[k] and FP[k] are the positives and negatives with score >=
// Threshold[k]. Each threshold is a distinct score, so every step adds at least
// one sample; the last step includes every sample.
type Counts struct {
	Threshold            []float64
	TP, FP               []int64
	Positives, Negatives int64
}

// FromScores counts scores against labels (true = positive, anomalous).
// It panics if the lengths differ. NaN scores are the caller's to reject.
func FromScores(scores []float64, positive []bool) Counts {
	if len(scores) != len(positive) {
		panic("roc: len(scores) != len(positive)")
	}
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	var c Counts
	var tp, fp int64
	for k, i := range idx {
		if positive[i] {
			tp++
		} else {
			fp++
		}
		if k+1 < len(idx) && scores[idx[k+1]] == scores[i] {
			continue
		}
		c.Threshold = append(c.Threshold, scores[i])
		c.TP = append(c.TP, tp)
		c.FP = append(c.FP, fp)
	}
	c.Positives, c.Negatives = tp, fp
	return c
}

func (c *Counts) bothClasses(name string) metric.Value {
	switch {
	case c.Positives == 0:
		return metric.NoValue(name, "no anomalous sample")
	case c.Negatives == 0:
		return metric.NoValue(name, "no normal sample")
	}
	return metric.Value{}
}

// AUROC is the area under the ROC curve by the trapezoid rule, from (0, 0)
// through every threshold. It is computed in exact integer arithmetic and
// divided once. Undefined when either class is empty.
func (c *Counts) AUROC() metric.Value {
	if v := c.bothClasses("AUROC"); !v.OK() {
		return v
	}
	// Twice the area times P*N: sum of (fp_k - fp_{k-1}) * (tp_k + tp_{k-1}).
	var hi, lo uint64
	var ptp, pfp int64
	for k := range c.TP {
		h, l := bits.Mul64(uint64(c.FP[k]-pfp), uint64(c.TP[k]+ptp))
		var carry uint64
		lo, carry = bits.Add64(lo, l, 0)
		hi += h + carry
		ptp, pfp = c.TP[k], c.FP[k]
	}
	dh, dl := bits.Mul64(uint64(c.Positives), uint64(c.Negatives))
	num := float64(hi)*0x1p64 + float64(lo)
	den := 2 * (float64(dh)*0x1p64 + float64(dl))
	return metric.Defined(num / den)
}

// AP is the average precision: sum over thresholds, from the highest down, of
// (R_k - R_{k-1}) * P_k, with R_0 = 0. Undefined when either class is empty
// (scikit-learn returns a meaningless value without positives).
func (c *Counts) AP() metric.Value {
	if v := c.bothClasses("AP"); !v.OK() {
		return v
	}
	ap := 0.0
	var ptp int64
	for k := range c.TP {
		if d := c.TP[k] - ptp; d > 0 {
			ap += float64(d) / float64(c.Positives) * (float64(c.TP[k]) / float64(c.TP[k]+c.FP[k]))
		}
		ptp = c.TP[k]
	}
	return metric.Defined(ap)
}

// F1Max is the largest 2PR/(P+R) over the thresholds (0 where P+R is 0).
// Undefined when either class is empty.
func (c *Counts) F1Max() metric.Value {
	if v := c.bothClasses("F1-max"); !v.OK() {
		return v
	}
	best := 0.0
	for k := range c.TP {
		// 2PR/(P+R) = 2TP / (2TP + FP + FN) = 2TP / (TP + FP + Positives).
		if c.TP[k] == 0 {
			continue
		}
		f := 2 * float64(c.TP[k]) / float64(c.TP[k]+c.FP[k]+c.Positives)
		best = math.Max(best, f)
	}
	return metric.Defined(best)
}

// ROC returns the ROC curve: x = false-positive rate, y = true-positive rate,
// starting at (0, 0) with threshold +Inf, then one point per threshold.
// Rates are 0 for an empty class.
func (c *Counts) ROC() curve.Curve {
	var out curve.Curve
	out.Append(math.Inf(1), 0, 0)
	for k := range c.TP {
		out.Append(c.Threshold[k], rate(c.FP[k], c.Negatives), rate(c.TP[k], c.Positives))
	}
	return out
}

// PR returns the precision-recall curve: x = recall, y = precision, one point
// per threshold from the highest down, preceded by (0, P_1) at threshold +Inf,
// the point average precision's first step extends back to.
func (c *Counts) PR() curve.Curve {
	var out curve.Curve
	for k := range c.TP {
		p := float64(c.TP[k]) / float64(c.TP[k]+c.FP[k])
		if k == 0 {
			out.Append(math.Inf(1), 0, p)
		}
		out.Append(c.Threshold[k], rate(c.TP[k], c.Positives), p)
	}
	return out
}

func rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
