package stats

import (
	"fmt"
	"math"
	"slices"
)

// DeLong is DeLong's test of two correlated AUROCs: two models' scores of
// the same samples.
type DeLong struct {
	// AUCA and AUCB are the two AUROCs (ties count half).
	AUCA, AUCB float64
	// VarA, VarB and Cov are DeLong's estimates of their variances and
	// covariance; Var = VarA + VarB - 2 Cov is the variance of Diff.
	VarA, VarB, Cov, Var float64
	// Diff = AUCA - AUCB.
	Diff float64
	// Z = Diff / sqrt(Var) (NaN when Var is 0) and P its two-sided
	// p-value, 2 Phi(-|Z|); with Var 0, P is 1 when Diff is 0, else 0.
	Z, P float64
}

// Interval returns the normal interval of confidence c of Diff:
// Diff -+ Phi^-1((1 + c) / 2) sqrt(Var).
func (d *DeLong) Interval(c float64) (lo, hi float64) {
	half := NormalQuantile((1+c)/2) * math.Sqrt(max(0, d.Var))
	return d.Diff - half, d.Diff + half
}

// DeLongTest compares the AUROCs of scores a and b of the same samples
// (positive[i]: sample i is positive), with the structural components of
// DeLong et al. (1988) computed from midranks as Sun and Xu (2014) do:
// for the m positives V10_i = (R_i - Rx_i) / n and for the n negatives
// V01_j = 1 - (R_j - Ry_j) / m, with R the midrank among all samples and
// Rx, Ry among the positives, negatives; S = cov(V10)/m + cov(V01)/n,
// sample covariances. It returns an error with fewer than two samples of
// either class; lengths that differ are a programmer's error (panic).
func DeLongTest(positive []bool, a, b []float64) (DeLong, error) {
	if len(a) != len(positive) || len(b) != len(positive) {
		panic("stats: DeLongTest of slices of different lengths")
	}
	var m, n int
	for _, p := range positive {
		if p {
			m++
		} else {
			n++
		}
	}
	if m < 2 || n < 2 {
		return DeLong{}, fmt.Errorf("DeLong's test needs two samples of each class, got %d positive and %d negative", m, n)
	}
	v10a, v01a, auca := components(positive, a, m, n)
	v10b, v01b, aucb := components(positive, b, m, n)
	s10 := covariance(v10a, v10b)
	s01 := covariance(v01a, v01b)
	d := DeLong{AUCA: auca, AUCB: aucb}
	d.VarA = s10[0]/float64(m) + s01[0]/float64(n)
	d.VarB = s10[2]/float64(m) + s01[2]/float64(n)
	d.Cov = s10[1]/float64(m) + s01[1]/float64(n)
	d.Var = d.VarA + d.VarB - 2*d.Cov
	d.Diff = auca - aucb
	d.Z, d.P = ZTest(d.Diff, d.Var)
	return d, nil
}

// ZTest returns z = diff / sqrt(variance) and its two-sided p-value
// 2 Phi(-|z|); with variance 0, z is NaN and p is 1 when diff is 0, else 0.
func ZTest(diff, variance float64) (z, p float64) {
	switch {
	case variance > 0:
		z = diff / math.Sqrt(variance)
		return z, twoSidedNormal(z)
	case diff == 0:
		return math.NaN(), 1
	}
	return math.NaN(), 0
}

// components returns V10 (per positive), V01 (per negative) and the AUROC
// of scores s.
func components(positive []bool, s []float64, m, n int) (v10, v01 []float64, auc float64) {
	var x, y []float64
	for i, p := range positive {
		if p {
			x = append(x, s[i])
		} else {
			y = append(y, s[i])
		}
	}
	z := append(slices.Clone(x), y...)
	tx, ty, tz := midranks(x), midranks(y), midranks(z)
	v10 = make([]float64, m)
	v01 = make([]float64, n)
	sum := 0.0
	for i := range m {
		v10[i] = (tz[i] - tx[i]) / float64(n)
		sum += tz[i]
	}
	for j := range n {
		v01[j] = 1 - (tz[m+j]-ty[j])/float64(m)
	}
	auc = (sum - float64(m)*float64(m+1)/2) / (float64(m) * float64(n))
	return v10, v01, auc
}

// midranks returns each value's rank (1-based) in ascending order, ties
// getting the mean of their ranks (Sun and Xu's Algorithm 1).
func midranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case v[a] < v[b]:
			return -1
		case v[a] > v[b]:
			return 1
		}
		return 0
	})
	out := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && v[idx[j]] == v[idx[i]] {
			j++
		}
		r := float64(i+j+1) / 2 // mean of ranks i+1 .. j
		for k := i; k < j; k++ {
			out[idx[k]] = r
		}
		i = j
	}
	return out
}

// covariance returns the sample covariance matrix (n - 1) of a and b as
// [var a, cov, var b].
func covariance(a, b []float64) [3]float64 {
	n := float64(len(a))
	ma, mb := mean(a), mean(b)
	var saa, sab, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		saa += da * da
		sab += da * db
		sbb += db * db
	}
	return [3]float64{saa / (n - 1), sab / (n - 1), sbb / (n - 1)}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
