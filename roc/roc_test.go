package roc

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/integrate"
	"gonum.org/v1/gonum/stat"
)

func randomScores(rng *rand.Rand) ([]float64, []bool) {
	n := 1 + rng.IntN(60)
	levels := 0
	if rng.IntN(2) == 0 {
		levels = 1 + rng.IntN(5)
	}
	s := make([]float64, n)
	l := make([]bool, n)
	for i := range s {
		l[i] = rng.IntN(3) == 0
		v := rng.Float64()
		if l[i] {
			v += 0.3
		}
		if levels > 0 {
			v = math.Round(v * float64(levels))
		}
		s[i] = v
	}
	return s, l
}

// TestAUROCMatchesGonum compares AUROC with gonum's stat.ROC and trapezoid
// integration.
func TestAUROCMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 2000; trial++ {
		s, l := randomScores(rng)
		c := FromScores(s, l)
		got := c.AUROC()
		if c.Positives == 0 || c.Negatives == 0 {
			if got.OK() {
				t.Fatalf("trial %d: AUROC defined with one class", trial)
			}
			continue
		}
		y := append([]float64(nil), s...)
		classes := append([]bool(nil), l...)
		stat.SortWeightedLabeled(y, classes, nil)
		tpr, fpr, _ := stat.ROC(nil, y, classes, nil)
		want := integrate.Trapezoidal(fpr, tpr)
		if math.Abs(got.V-want) > 1e-12 {
			t.Fatalf("trial %d: AUROC %v, gonum %v", trial, got.V, want)
		}
	}
}

// TestAPDirect compares AP with its direct definition: the mean over
// positives of the precision at that positive's score.
func TestAPDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 2000; trial++ {
		s, l := randomScores(rng)
		c := FromScores(s, l)
		if c.Positives == 0 || c.Negatives == 0 {
			continue
		}
		sum := 0.0
		for i := range s {
			if !l[i] {
				continue
			}
			var tp, all int
			for j := range s {
				if s[j] >= s[i] {
					all++
					if l[j] {
						tp++
					}
				}
			}
			sum += float64(tp) / float64(all)
		}
		want := sum / float64(c.Positives)
		if got := c.AP(); math.Abs(got.V-want) > 1e-12 {
			t.Fatalf("trial %d: AP %v, direct %v", trial, got.V, want)
		}
		// F1-max over thresholds, directly.
		best := 0.0
		for i := range s {
			var tp, fp int
			for j := range s {
				if s[j] >= s[i] {
					if l[j] {
						tp++
					} else {
						fp++
					}
				}
			}
			if tp > 0 {
				p, r := float64(tp)/float64(tp+fp), float64(tp)/float64(c.Positives)
				best = math.Max(best, 2*p*r/(p+r))
			}
		}
		if got := c.F1Max(); math.Abs(got.V-best) > 1e-12 {
			t.Fatalf("trial %d: F1-max %v, direct %v", trial, got.V, best)
		}
	}
}

func TestUndefined(t *testing.T) {
	c := FromScores([]float64{1, 2}, []bool{true, true})
	for _, v := range []interface{ OK() bool }{c.AUROC(), c.AP(), c.F1Max()} {
		if v.OK() {
			t.Error("metric defined with one class")
		}
	}
}

// Pixel-level counts of one category of 100 maps of 256x256 from raw scores.
func BenchmarkFromScores6M(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	n := 100 * 256 * 256
	s := make([]float64, n)
	l := make([]bool, n)
	for i := range s {
		l[i] = rng.IntN(20) == 0
		s[i] = float64(float32(rng.Float64()))
	}
	b.ResetTimer()
	for range b.N {
		c := FromScores(s, l)
		c.AUROC()
	}
}

func FuzzFromScores(f *testing.F) {
	f.Add([]byte{1, 2, 3, 200, 100, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := make([]float64, len(data))
		l := make([]bool, len(data))
		for i, b := range data {
			s[i] = float64(b >> 2)
			l[i] = b&1 == 1
		}
		c := FromScores(s, l)
		for _, v := range []interface {
			OK() bool
		}{c.AUROC(), c.AP(), c.F1Max()} {
			_ = v.OK()
		}
		if a := c.AUROC(); a.OK() && (a.V < 0 || a.V > 1) {
			t.Fatalf("AUROC %v", a.V)
		}
	})
}
