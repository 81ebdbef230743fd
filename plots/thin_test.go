package plots

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zsadbench/zsadbench/curve"
)

// sweepCurves returns the exact ROC and PR curves of n scores drawn from two
// normal distributions (a tenth of them anomalous, shifted by 1.5): n+1
// points each, as the exact grid gives them.
func sweepCurves(n int, seed uint64) (roc, pr curve.Curve) {
	return sweepCurvesShift(n, seed, 1.5)
}

// sweepCurvesShift is sweepCurves with the anomalous scores shifted by shift.
func sweepCurvesShift(n int, seed uint64, shift float64) (roc, pr curve.Curve) {
	rng := rand.New(rand.NewPCG(seed, 7))
	type sample struct {
		score float64
		pos   bool
	}
	s := make([]sample, n)
	var npos int
	for i := range s {
		s[i].pos = i%10 == 0
		s[i].score = rng.NormFloat64()
		if s[i].pos {
			s[i].score += shift
			npos++
		}
	}
	slices.SortFunc(s, func(a, b sample) int { return -cmpFloat(a.score, b.score) })
	nneg := n - npos
	roc.Append(math.Inf(1), 0, 0)
	pr.Append(math.Inf(1), 0, 1)
	tp, fp := 0, 0
	for _, v := range s {
		if v.pos {
			tp++
		} else {
			fp++
		}
		roc.Append(v.score, float64(fp)/float64(nneg), float64(tp)/float64(npos))
		pr.Append(v.score, float64(tp)/float64(npos), float64(tp)/float64(tp+fp))
	}
	return roc, pr
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// segDist returns the distance from p to the segment a-b.
func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = ((px-ax)*dx + (py-ay)*dy) / l2
		t = math.Max(0, math.Min(1, t))
	}
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}

// checkThin verifies Thin's guarantee: the first and last points are kept,
// kept points are a subsequence of c, and every dropped point is within tol
// pixels of the segment joining the kept points around it. It returns the
// largest such distance.
func checkThin(t *testing.T, name string, c curve.Curve, sx, sy, tol float64) curve.Curve {
	t.Helper()
	th := Thin(c, sx, sy, tol)
	n := c.Len()
	if n == 0 {
		if th.Len() != 0 {
			t.Fatalf("%s: thinned empty curve has %d points", name, th.Len())
		}
		return th
	}
	if th.Len() < min(n, 2) {
		t.Fatalf("%s: %d points kept of %d", name, th.Len(), n)
	}
	// Map kept points back to indices (a subsequence, in order).
	idx := make([]int, 0, th.Len())
	j := 0
	for k := range th.Len() {
		for j < n && !(math.Float64bits(c.X[j]) == math.Float64bits(th.X[k]) &&
			math.Float64bits(c.Y[j]) == math.Float64bits(th.Y[k]) &&
			math.Float64bits(c.Threshold[j]) == math.Float64bits(th.Threshold[k])) {
			j++
		}
		if j == n {
			t.Fatalf("%s: kept point %d is not a point of the curve in order", name, k)
		}
		idx = append(idx, j)
		j++
	}
	if idx[0] != 0 || idx[len(idx)-1] != n-1 {
		t.Fatalf("%s: first/last kept indices %d, %d; want 0, %d", name, idx[0], idx[len(idx)-1], n-1)
	}
	worst := 0.0
	for k := 0; k+1 < len(idx); k++ {
		a, b := idx[k], idx[k+1]
		for i := a + 1; i < b; i++ {
			d := segDist(c.X[i]*sx, c.Y[i]*sy, c.X[a]*sx, c.Y[a]*sy, c.X[b]*sx, c.Y[b]*sy)
			worst = math.Max(worst, d)
			if d > tol {
				t.Fatalf("%s: dropped point %d is %.6g px from the kept segment %d-%d (tol %g)", name, i, d, a, b, tol)
			}
		}
	}
	t.Logf("%s: %d -> %d points, worst distance %.4f px (tol %g)", name, n, th.Len(), worst, tol)
	return th
}

// The acceptance test: a million-point curve thinned at the
// resolution of a one-column figure (3.5 in at 300 dpi) stays within half a
// pixel of the full curve and shrinks to at most a few thousand points.
func TestThinMillionPoints(t *testing.T) {
	roc, pr := sweepCurves(1_000_000, 1)
	const px = 3.5 * 300
	for _, tc := range []struct {
		name string
		c    curve.Curve
	}{{"roc", roc}, {"pr", pr}} {
		th := checkThin(t, tc.name, tc.c, px, px, 0.5)
		if th.Len() >= 3000 {
			t.Errorf("%s: %d points after thinning, want < 3000", tc.name, th.Len())
		}
	}
}

func TestThinShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var walk, spiral, noise, steps, dup curve.Curve
	y := 0.5
	for i := range 100_000 {
		y = math.Max(0, math.Min(1, y+0.01*rng.NormFloat64()))
		walk.Append(float64(-i), float64(i)/99_999, y) // x rises, y wanders (like PRO-RC)
		a := float64(i) / 1000
		r := 0.5 * float64(100_000-i) / 100_000
		spiral.Append(float64(i), 0.5+r*math.Cos(a), 0.5+r*math.Sin(a)) // x goes back and forth
	}
	for i := range 20_000 {
		noise.Append(float64(i), rng.Float64(), rng.Float64()) // worst case: no structure
	}
	for i := range 10_000 {
		// A staircase: exact ROC curves of few images move in steps.
		steps.Append(float64(i), float64(i/2)/5000, float64((i+1)/2)/5000)
		dup.Append(float64(i), 0.25, 0.75) // all points the same (thresholds tell them apart)
	}
	for _, tc := range []struct {
		name string
		c    curve.Curve
	}{{"walk", walk}, {"spiral", spiral}, {"noise", noise}, {"steps", steps}, {"dup", dup}} {
		for _, tol := range []float64{0.5, 0.1, 2} {
			checkThin(t, tc.name, tc.c, 1050, 700, tol)
		}
	}
	if th := Thin(dup, 1000, 1000, 0.5); th.Len() != 2 {
		t.Errorf("identical points: kept %d, want 2", th.Len())
	}
	if th := Thin(steps, 1000, 1000, 0.5); th.Len() > 10 {
		t.Errorf("fine staircase on a diagonal: kept %d, want a handful", th.Len())
	}
}

func TestThinSmallAndNonFinite(t *testing.T) {
	for n := range 4 {
		var c curve.Curve
		for i := range n {
			c.Append(float64(i), float64(i)/4, float64(i)/4)
		}
		if got := Thin(c, 100, 100, 0.5).Len(); got != min(n, 2) && !(n == 3 && got == 2) {
			t.Errorf("%d collinear points: kept %d", n, got)
		}
	}
	// A straight line with a NaN in the middle keeps the NaN and its
	// neighbours.
	var c curve.Curve
	for i := range 101 {
		x := float64(i) / 100
		c.Append(0, x, x)
	}
	c.Y[50] = math.NaN()
	th := Thin(c, 1000, 1000, 0.5)
	want := []float64{0, 0.49, 0.5, 0.51, 1}
	if !slices.Equal(th.X, want) {
		t.Errorf("kept x = %v, want %v", th.X, want)
	}
	// Thin copies: changing the result leaves the input alone.
	th.X[0] = 7
	if c.X[0] != 0 {
		t.Error("Thin aliases its input")
	}
}

func TestThinPanics(t *testing.T) {
	for _, f := range []func(){
		func() { Thin(curve.Curve{X: []float64{0}, Y: []float64{0}}, 1, 1, 1) },
		func() { Thin(curve.Curve{}, -1, 1, 1) },
		func() { Thin(curve.Curve{}, 1, 1, math.NaN()) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

func BenchmarkThinMillion(b *testing.B) {
	roc, _ := sweepCurves(1_000_000, 1)
	b.ResetTimer()
	for b.Loop() {
		Thin(roc, 1050, 1050, 0.25)
	}
}

// FuzzThin: on any points (finite or not) Thin does not panic, keeps the
// first and last point, and keeps every dropped finite point within tol of
// the segment around it.
func FuzzThin(f *testing.F) {
	f.Add([]byte{0, 0, 10, 10, 20, 5, 30, 30}, uint8(2), uint16(1000))
	f.Add([]byte{5, 5, 5, 5, 5, 5}, uint8(0), uint16(10))
	f.Add([]byte{0, 255, 255, 0, 0, 255, 255, 0, 128, 128}, uint8(200), uint16(65535))
	f.Fuzz(func(t *testing.T, data []byte, tolByte uint8, scale uint16) {
		var c curve.Curve
		for i := 0; i+1 < len(data); i += 2 {
			x, y := float64(data[i])/255, float64(data[i+1])/255
			if data[i] == 77 {
				x = math.NaN()
			}
			c.Append(float64(i), x, y)
		}
		tol := float64(tolByte) / 16
		sx := float64(scale)
		th := Thin(c, sx, sx/2, tol)
		n := c.Len()
		if n == 0 {
			if th.Len() != 0 {
				t.Fatal("points from nothing")
			}
			return
		}
		if th.Threshold[0] != 0 || th.Threshold[th.Len()-1] != c.Threshold[n-1] {
			t.Fatal("first or last point dropped")
		}
		// Thresholds are the indices times 2: map back.
		idx := make([]int, th.Len())
		for k := range idx {
			idx[k] = int(th.Threshold[k]) / 2
			if k > 0 && idx[k] <= idx[k-1] {
				t.Fatal("kept points out of order")
			}
		}
		for k := 0; k+1 < len(idx); k++ {
			a, b := idx[k], idx[k+1]
			for i := a + 1; i < b; i++ {
				if math.IsNaN(c.X[i]) || math.IsNaN(c.X[a]) || math.IsNaN(c.X[b]) {
					t.Fatalf("point %d dropped next to a NaN", i)
				}
				d := segDist(c.X[i]*sx, c.Y[i]*sx/2, c.X[a]*sx, c.Y[a]*sx/2, c.X[b]*sx, c.Y[b]*sx/2)
				if d > tol+1e-9 { // rounding: see Thin
					t.Fatalf("dropped point %d is %g from its segment, tol %g", i, d, tol)
				}
			}
		}
	})
}
