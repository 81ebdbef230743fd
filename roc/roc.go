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
	"github.com/zsadbench/zsadbench/internal/fixedsum"
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

// Accumulator folds a classifier's cumulative counts, threshold by
// threshold from the highest down, into AUROC, AP and F1-max, so that curves
// with millions of points need not be stored.
type Accumulator struct {
	positives, negatives int64
	prevTP, prevFP       int64
	runFP                int64  // FP where TP last changed; the run since is not yet in hi, lo
	hi, lo               uint64 // twice the ROC area times P*N, exact
	ap                   fixedsum.Sum
	f1                   float64
}

// NewAccumulator returns an accumulator for a classifier with this many
// positive and negative samples.
func NewAccumulator(positives, negatives int64) *Accumulator {
	return &Accumulator{positives: positives, negatives: negatives}
}

// Add takes the cumulative counts at the next lower threshold.
func (a *Accumulator) Add(tp, fp int64) {
	if tp != a.prevTP {
		a.addPositives(tp, fp)
		return
	}
	// Only negatives entered (most points): AP and F1 do not change, and the
	// trapezoids of a run of such points add up to (fp_end - fp_start) *
	// 2tp, added when the run ends.
	a.prevFP = fp
}

// settle adds the trapezoids of the run of points since TP last changed.
func (a *Accumulator) settle() {
	a.addArea(uint64(a.prevFP-a.runFP), uint64(2*a.prevTP))
	a.runFP = a.prevFP
}

// addArea adds x * y to twice the area.
func (a *Accumulator) addArea(x, y uint64) {
	h, l := bits.Mul64(x, y)
	var carry uint64
	a.lo, carry = bits.Add64(a.lo, l, 0)
	a.hi += h + carry
}

func (a *Accumulator) addPositives(tp, fp int64) {
	a.settle()
	// Trapezoid: (fp_k - fp_{k-1}) * (tp_k + tp_{k-1}), summed exactly.
	a.addArea(uint64(fp-a.prevFP), uint64(tp+a.prevTP))
	if d := tp - a.prevTP; d > 0 {
		a.ap.Add(float64(d) * (float64(tp) / float64(tp+fp)))
		// 2PR/(P+R) = 2TP / (TP + FP + Positives).
		a.f1 = math.Max(a.f1, 2*float64(tp)/float64(tp+fp+a.positives))
	}
	a.prevTP, a.prevFP, a.runFP = tp, fp, fp
}

// Resume makes a new accumulator fold a stretch of points on its own: the
// points that follow a point with counts tp and fp. Merge then joins the
// stretches' sums, in any order, with the same result as one fold of all
// the points: every sum is kept in fixed point.
func (a *Accumulator) Resume(tp, fp int64) { a.prevTP, a.prevFP, a.runFP = tp, fp, fp }

// Merge adds the sums of b, which folded other points of the same curve.
func (a *Accumulator) Merge(b *Accumulator) {
	a.settle()
	b.settle()
	var carry uint64
	a.lo, carry = bits.Add64(a.lo, b.lo, 0)
	a.hi += b.hi + carry
	a.ap.Merge(b.ap)
	a.f1 = math.Max(a.f1, b.f1)
}

func (a *Accumulator) bothClasses(name string) metric.Value {
	switch {
	case a.positives == 0:
		return metric.NoValue(name, "no anomalous sample")
	case a.negatives == 0:
		return metric.NoValue(name, "no normal sample")
	}
	return metric.Value{}
}

// AUROC is the area under the ROC curve by the trapezoid rule, from (0, 0)
// through every threshold, computed in exact integer arithmetic and divided
// once. Undefined when either class is empty.
func (a *Accumulator) AUROC() metric.Value {
	if v := a.bothClasses("AUROC"); !v.OK() {
		return v
	}
	a.settle()
	dh, dl := bits.Mul64(uint64(a.positives), uint64(a.negatives))
	num := float64(a.hi)*0x1p64 + float64(a.lo)
	den := 2 * (float64(dh)*0x1p64 + float64(dl))
	return metric.Defined(num / den)
}

// AP is the average precision: the sum over thresholds, from the highest
// down, of (R_k - R_{k-1}) * P_k, with R_0 = 0. Undefined when either class is
// empty (scikit-learn returns a meaningless value without positives).
func (a *Accumulator) AP() metric.Value {
	if v := a.bothClasses("AP"); !v.OK() {
		return v
	}
	return metric.Defined(a.ap.Float() / float64(a.positives))
}

// F1Max is the largest 2PR/(P+R) over the thresholds (0 where P+R is 0).
// Undefined when either class is empty.
func (a *Accumulator) F1Max() metric.Value {
	if v := a.bothClasses("F1-max"); !v.OK() {
		return v
	}
	return metric.Defined(a.f1)
}

func (c *Counts) accumulate() *Accumulator {
	a := NewAccumulator(c.Positives, c.Negatives)
	for k := range c.TP {
		a.Add(c.TP[k], c.FP[k])
	}
	return a
}

// AUROC: see Accumulator.AUROC.
func (c *Counts) AUROC() metric.Value { return c.accumulate().AUROC() }

// AP: see Accumulator.AP.
func (c *Counts) AP() metric.Value { return c.accumulate().AP() }

// F1Max: see Accumulator.F1Max.
func (c *Counts) F1Max() metric.Value { return c.accumulate().F1Max() }

// ROC returns the ROC curve: x = false-positive rate, y = true-positive rate,
// starting at (0, 0) with threshold +Inf, then one point per threshold.
// Rates are 0 for an empty class.
func (c *Counts) ROC() curve.Curve {
	out := withCapacity(len(c.TP) + 1)
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
	out := withCapacity(len(c.TP) + 1)
	for k := range c.TP {
		p := float64(c.TP[k]) / float64(c.TP[k]+c.FP[k])
		if k == 0 {
			out.Append(math.Inf(1), 0, p)
		}
		out.Append(c.Threshold[k], rate(c.TP[k], c.Positives), p)
	}
	return out
}

// withCapacity returns an empty curve with room for n points: curves of a
// category's pixels have millions, which growing by appends copies over and
// over.
func withCapacity(n int) curve.Curve {
	return curve.Curve{Threshold: make([]float64, 0, n), X: make([]float64, 0, n), Y: make([]float64, 0, n)}
}

func rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
