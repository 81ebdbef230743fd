package stats

import (
	"math"
	"slices"
)

// AUPIMOTolerance is the AUPIMO paper's tolerance: per-image differences
// of at most 1e-3 count as none.
const AUPIMOTolerance = 1e-3

// Wilcoxon is the result of Wilcoxon's signed-rank test.
type Wilcoxon struct {
	// N is the number of differences left after dropping those within
	// the tolerance.
	N int
	// RPlus and RMinus are the rank sums of the positive and negative
	// differences.
	RPlus, RMinus float64
	// P is the two-sided p-value; Exact says whether it comes from the
	// exact null distribution (else the normal approximation).
	P     float64
	Exact bool
}

// WilcoxonTest is Wilcoxon's two-sided signed-rank test of the paired
// differences d (NaN left out), as scipy.stats.wilcoxon computes it with
// its default zero_method ("wilcox") and no continuity correction:
// differences with |d| <= tol count as zero and are dropped; the p-value is
// exact when at most 50 differences were given, none was dropped and no
// two |d| tie, else the normal approximation with the tie correction. It
// is 1 when every difference is dropped.
func WilcoxonTest(d []float64, tol float64) Wilcoxon {
	var nz []float64
	total := 0
	for _, x := range d {
		if math.IsNaN(x) {
			continue
		}
		total++
		if math.Abs(x) > tol {
			nz = append(nz, x)
		}
	}
	w := Wilcoxon{N: len(nz), P: 1}
	if len(nz) == 0 {
		return w
	}
	abs := make([]float64, len(nz))
	for i, x := range nz {
		abs[i] = math.Abs(x)
	}
	r := midranks(abs)
	ties := false
	sorted := slices.Sorted(slices.Values(abs))
	for i := 1; i < len(sorted); i++ {
		ties = ties || sorted[i] == sorted[i-1]
	}
	for i, x := range nz {
		if x > 0 {
			w.RPlus += r[i]
		} else {
			w.RMinus += r[i]
		}
	}
	n := float64(len(nz))
	if total <= 50 && len(nz) == total && !ties {
		w.Exact = true
		w.P = exactSignedRank(len(nz), int(w.RPlus))
		return w
	}
	t := min(w.RPlus, w.RMinus)
	mn := n * (n + 1) / 4
	se := n * (n + 1) * (2*n + 1)
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		if c := float64(j - i); c > 1 {
			se -= 0.5 * c * (c*c - 1)
		}
		i = j
	}
	se = math.Sqrt(se / 24)
	w.P = twoSidedNormal((t - mn) / se)
	return w
}

// exactSignedRank returns the two-sided exact p-value of rank sum r+ for n
// differences with ranks 1..n: 2 min(P(R <= r), P(R >= r)) under the null
// (each sign with probability 1/2), 1 at the centre, capped at 1. The
// counts of subsets by rank sum are exact in float64 (below 2^50).
func exactSignedRank(n, r int) float64 {
	total := n * (n + 1) / 2
	if 2*r == total {
		return 1
	}
	count := make([]float64, total+1)
	count[0] = 1
	for k := 1; k <= n; k++ {
		for s := total; s >= k; s-- {
			count[s] += count[s-k]
		}
	}
	var le, ge float64
	for s, c := range count {
		if s <= r {
			le += c
		}
		if s >= r {
			ge += c
		}
	}
	return min(1, 2*min(le, ge)/math.Exp2(float64(n)))
}
