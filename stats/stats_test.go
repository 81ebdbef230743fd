package stats

import (
	"math"
	"slices"
	"testing"

	"github.com/zsadbench/zsadbench/internal/golden"
)

const dir = "../testdata/golden/stats/"

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol*max(1, math.Abs(want)) {
		t.Errorf("%s = %.17g, want %.17g", what, got, want)
	}
}

// TestDeLongGolden: DeLong's variances, covariance and p-value equal the
// O(mn) definition (generate_stats.py) to 1e-9.
func TestDeLongGolden(t *testing.T) {
	var f struct{ Cases []golden.DeLongCase }
	if err := golden.LoadJSON(dir+"delong.json", &f); err != nil {
		t.Fatal(err)
	}
	for k, c := range f.Cases {
		pos := make([]bool, len(c.Labels))
		for i, l := range c.Labels {
			pos[i] = l == 1
		}
		d, err := DeLongTest(pos, c.A, c.B)
		if err != nil {
			t.Fatal(err)
		}
		e := c.Expected
		for _, v := range []struct {
			what      string
			got, want float64
		}{{"auc_a", d.AUCA, e.AUCA}, {"auc_b", d.AUCB, e.AUCB}, {"var_a", d.VarA, e.VarA}, {"var_b", d.VarB, e.VarB},
			{"cov", d.Cov, e.Cov}, {"var", d.Var, e.Var}, {"diff", d.Diff, e.Diff}} {
			near(t, v.what, v.got, v.want, 1e-9)
		}
		// p to 1e-9, relative where it is tiny
		if math.Abs(d.P-e.P) > 1e-9*max(e.P, 1e-300) && math.Abs(d.P-e.P) > 1e-9 {
			t.Errorf("case %d: p = %g, want %g", k, d.P, e.P)
		}
		if e.Z != nil {
			near(t, "z", d.Z, *e.Z, 1e-9)
		}
		lo, hi := d.Interval(c.Confidence)
		near(t, "ci_low", lo, e.CILow, 1e-9)
		near(t, "ci_high", hi, e.CIHigh, 1e-9)
	}
	if _, err := DeLongTest([]bool{true, false, false}, []float64{1, 2, 3}, []float64{1, 2, 3}); err == nil {
		t.Error("one positive: no error")
	}
}

// TestWilcoxonGolden: the exact and approximate p-values equal scipy's
// (generate_stats.py) where its choices are METRICS.md's.
func TestWilcoxonGolden(t *testing.T) {
	var f struct{ Cases []golden.WilcoxonCase }
	if err := golden.LoadJSON(dir+"wilcoxon.json", &f); err != nil {
		t.Fatal(err)
	}
	for k, c := range f.Cases {
		w := WilcoxonTest(c.D, AUPIMOTolerance)
		near(t, "p", w.P, c.Expected.P, 1e-12)
		if want := c.Expected.Method == "exact"; w.Exact != want {
			t.Errorf("case %d: exact %v, want %s", k, w.Exact, c.Expected.Method)
		}
	}
}

func TestQuantileHolmGolden(t *testing.T) {
	var m golden.Misc
	if err := golden.LoadJSON(dir+"misc.json", &m); err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Quantiles {
		s := slices.Sorted(slices.Values(c.X))
		for i, q := range c.Q {
			near(t, "quantile", Quantile(s, q), c.Expected[i], 1e-12)
		}
		// The 95% interval is the 0.025 and 0.975 quantiles (Q[1], Q[5]).
		lo, hi, n, ok := PercentileInterval(append(c.X, math.NaN()), 0.95)
		if !ok || n != len(c.X) {
			t.Fatalf("interval of %d values: n %d, ok %v", len(c.X), n, ok)
		}
		near(t, "ci_low", lo, c.Expected[1], 1e-12)
		near(t, "ci_high", hi, c.Expected[5], 1e-12)
	}
	for _, c := range m.Holm {
		got := Holm(c.P)
		for i := range got {
			near(t, "holm", got[i], c.Expected[i], 1e-15)
		}
	}
}

func TestBootstrapP(t *testing.T) {
	same := make([]float64, 999)
	if p, _ := BootstrapP(same); p != 1 {
		t.Errorf("a run against itself: p = %v, want 1", p)
	}
	better := make([]float64, 999)
	for i := range better {
		better[i] = 0.01 + float64(i)*1e-5
	}
	if p, _ := BootstrapP(better); p != 2.0/1000 {
		t.Errorf("every replicate better: p = %v, want 2/1000", p)
	}
	if _, ok := BootstrapP([]float64{math.NaN()}); ok {
		t.Error("no replicate: ok")
	}
}

// TestResampler: replicates keep each class's count, are a function of the
// seed and stream only, and differ between streams.
func TestResampler(t *testing.T) {
	class := []int{0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0}
	a, b, c := NewResampler(7, 3, class), NewResampler(7, 3, class), NewResampler(7, 4, class)
	wa, wb, wc := make([]int32, len(class)), make([]int32, len(class)), make([]int32, len(class))
	differ := false
	for range 100 {
		a.Next(wa)
		b.Next(wb)
		c.Next(wc)
		var n [2]int32
		for i, w := range wa {
			n[class[i]] += w
			if wb[i] != w {
				t.Fatal("same seed and stream, different draws")
			}
			differ = differ || wc[i] != w
		}
		if n[0] != 6 || n[1] != 5 {
			t.Fatalf("class counts %v, want [6 5]", n)
		}
	}
	if !differ {
		t.Error("another stream gives the same draws")
	}
	// The first replicate of seed 1, stream 0 (pins the draws: a change
	// would change every published interval).
	r := NewResampler(1, 0, []int{0, 0, 0, 0, 1, 1, 1})
	w := make([]int32, 7)
	r.Next(w)
	if want := []int32{2, 0, 2, 0, 0, 1, 2}; !slices.Equal(w, want) {
		t.Errorf("first replicate %v, want %v", w, want)
	}
}
