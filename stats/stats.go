// Package stats holds the statistics zsadbench reports next to its
// metrics, as docs/METRICS.md defines them ("Statistics: confidence
// intervals and paired comparisons"): percentile bootstrap intervals with
// NumPy's linear-interpolation quantile, the stratified resampling that
// draws bootstrap replicates, the paired bootstrap p-value, DeLong's test
// for two correlated AUROCs (the midrank algorithm of Sun and Xu, 2014),
// Wilcoxon's signed-rank test as the AUPIMO paper applies it, and Holm's
// step-down correction.
//
// It works on plain slices and knows nothing of images or files. The
// normal distribution is gonum's; the rest is written here because no
// well-kept Go library implements these exact definitions (scipy's
// choices for Wilcoxon, NumPy's quantile).
package stats

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Quantile returns the q-quantile (0 <= q <= 1) of sorted (ascending, not
// empty) by linear interpolation between order statistics, NumPy's default
// (np.percentile's "linear"): h = (n-1) q, x[floor h] + (h - floor h)
// (x[floor h + 1] - x[floor h]).
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		panic("stats: Quantile of no value")
	}
	h := float64(n-1) * q
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	if lo < 0 {
		return sorted[0]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// PercentileInterval returns the percentile interval of confidence c
// (0 < c < 1) of the values (NaN values are left out): the (1-c)/2 and
// (1+c)/2 quantiles, and the number of values used. ok is false when no
// value is left.
func PercentileInterval(values []float64, c float64) (lo, hi float64, n int, ok bool) {
	v := make([]float64, 0, len(values))
	for _, x := range values {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN(), math.NaN(), 0, false
	}
	slices.Sort(v)
	return Quantile(v, (1-c)/2), Quantile(v, (1+c)/2), len(v), true
}

// BootstrapP returns the two-sided p-value of a paired bootstrap from the
// replicates' differences (NaN left out): min(1, 2 (min(#{d <= 0},
// #{d >= 0}) + 1) / (B + 1)). ok is false with no replicate.
func BootstrapP(diffs []float64) (p float64, ok bool) {
	var le, ge, n int
	for _, d := range diffs {
		if math.IsNaN(d) {
			continue
		}
		n++
		if d <= 0 {
			le++
		}
		if d >= 0 {
			ge++
		}
	}
	if n == 0 {
		return math.NaN(), false
	}
	return min(1, 2*float64(min(le, ge)+1)/float64(n+1)), true
}

// Holm returns Holm's step-down adjustment of the p-values (NaN values are
// left out and stay NaN): sorted ascending, p_(i) (m - i + 1), made
// non-decreasing, capped at 1; ties keep their input order.
func Holm(p []float64) []float64 {
	var idx []int
	for i, v := range p {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	out := make([]float64, len(p))
	for i := range out {
		out[i] = math.NaN()
	}
	m := len(idx)
	run := 0.0
	for i, j := range idx {
		run = max(run, min(1, float64(m-i)*p[j]))
		out[j] = run
	}
	return out
}

var unitNormal = distuv.UnitNormal

// NormalQuantile returns the standard normal quantile of p.
func NormalQuantile(p float64) float64 { return unitNormal.Quantile(p) }

// twoSidedNormal returns 2 Phi(-|z|).
func twoSidedNormal(z float64) float64 { return 2 * unitNormal.CDF(-math.Abs(z)) }
