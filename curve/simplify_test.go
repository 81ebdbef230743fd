package curve

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// scoreCurves returns the exact ROC, PR and PRO-like curves of n scores drawn
// from two normal distributions (a tenth of them positive, shifted by
// shift), one point per score as the exact grid gives them, with the start
// points the engine writes.
func scoreCurves(n int, seed uint64, shift float64) (roc, pr Curve) {
	rng := rand.New(rand.NewPCG(seed, 7))
	type sample struct {
		score float64
		pos   bool
	}
	s := make([]sample, n)
	npos := 0
	for i := range s {
		s[i].pos = i%10 == 0
		s[i].score = rng.NormFloat64()
		if s[i].pos {
			s[i].score += shift
			npos++
		}
	}
	slices.SortFunc(s, func(a, b sample) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	nneg := n - npos
	roc.Append(math.Inf(1), 0, 0)
	tp, fp := 0, 0
	for i, v := range s {
		if v.pos {
			tp++
		} else {
			fp++
		}
		if i == 0 {
			pr.Append(math.Inf(1), 0, float64(tp)/float64(tp+fp))
		}
		roc.Append(v.score, float64(fp)/float64(nneg), float64(tp)/float64(npos))
		pr.Append(v.score, float64(tp)/float64(npos), float64(tp)/float64(tp+fp))
	}
	return roc, pr
}

// indicesOf maps the points of th back to their indices in c, checking that
// they are a subsequence of c that starts and ends with c's ends.
func indicesOf(t *testing.T, c, th Curve) []int {
	t.Helper()
	var idx []int
	j := 0
	for k := range th.Len() {
		for j < c.Len() && !(c.X[j] == th.X[k] && c.Y[j] == th.Y[k] &&
			math.Float64bits(c.Threshold[j]) == math.Float64bits(th.Threshold[k])) {
			j++
		}
		if j == c.Len() {
			t.Fatalf("kept point %d is not a point of the curve in order", k)
		}
		idx = append(idx, j)
		j++
	}
	if c.Len() > 0 && (idx[0] != 0 || idx[len(idx)-1] != c.Len()-1) {
		t.Fatalf("first/last kept indices %d, %d; want 0, %d", idx[0], idx[len(idx)-1], c.Len()-1)
	}
	return idx
}

// checkShape checks the geometric guarantee, each dropped point against the
// kept curve around it, written independently of the method: for a
// polyline, the point's distance to the kept segment (x and y divided by
// tol) is at most 1; for a staircase, the point is within tol in x and in
// y of the kept staircase's riser at x_a (from y_a to y_b) or of its tread
// at y_b (from x_a to x_b).
func checkShape(t *testing.T, name string, c Curve, idx []int, steps bool, tol float64) {
	t.Helper()
	eps := tol * 1e-6
	for k := 0; k+1 < len(idx); k++ {
		a, b := idx[k], idx[k+1]
		for i := a + 1; i < b; i++ {
			x, y := c.X[i], c.Y[i]
			if !steps {
				d := segDist(x/tol, y/tol, c.X[a]/tol, c.Y[a]/tol, c.X[b]/tol, c.Y[b]/tol)
				if d > 1+1e-6 {
					t.Fatalf("%s: dropped point %d is %.4g tol from its segment %d-%d", name, i, d, a, b)
				}
				continue
			}
			lo, hi := math.Min(c.Y[a], c.Y[b]), math.Max(c.Y[a], c.Y[b])
			riserDY := math.Max(0, math.Max(lo-y, y-hi))
			nearRiser := x-c.X[a] <= tol+eps && riserDY <= tol+eps
			nearTread := x >= c.X[a] && x <= c.X[b] && math.Abs(y-c.Y[b]) <= tol+eps
			if !nearRiser && !nearTread {
				t.Fatalf("%s: dropped point %d (%g, %g) is not within %g of the kept steps %d-%d", name, i, x, y, tol, a, b)
			}
		}
	}
}

// segDist returns the distance from p to the segment a-b.
func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
	}
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}

// checkSimplify simplifies c as kind k and checks every guarantee:
// subsequence, ends, shape, the metric to tol/2, and the points at L.
func checkSimplify(t *testing.T, name string, c Curve, k Kind, tol float64, r Rule) Curve {
	t.Helper()
	th := Simplify(c, k, tol, r)
	idx := indicesOf(t, c, th)
	checkShape(t, name, c, idx, k.Steps(), tol)
	full, okFull := Area(c, k, r)
	thin, okThin := Area(th, k, r)
	if okFull != okThin {
		t.Fatalf("%s: metric defined %v on the full curve, %v on the kept points", name, okFull, okThin)
	}
	if d := math.Abs(full - thin); d > tol/2+1e-12 {
		t.Fatalf("%s: metric %.9g on the full curve, %.9g on %d kept points: off by %.3g > tol/2 = %g", name, full, thin, th.Len(), d, tol/2)
	}
	if k == PROFPR {
		L := r.limit()
		for i := 1; i < c.Len(); i++ {
			if c.X[i-1] <= L && c.X[i] > L || c.X[i-1] < L && c.X[i] >= L {
				if !slices.Contains(idx, i-1) || !slices.Contains(idx, i) {
					t.Fatalf("%s: points %d and %d either side of L = %g not both kept", name, i-1, i, L)
				}
			}
		}
	}
	return th
}

func TestSimplifyMillionPoints(t *testing.T) {
	roc, pr := scoreCurves(1_000_000, 1, 1.5)
	for _, tol := range []float64{1e-4, 1e-3, 1e-5} {
		for _, tc := range []struct {
			name string
			c    Curve
			k    Kind
			r    Rule
		}{
			{"roc", roc, PixelROC, Rule{}},
			{"pr", pr, PixelPR, Rule{}},
			{"pro-fpr", roc, PROFPR, Rule{}},
			{"pro-fpr@0.05", roc, PROFPR, Rule{FPRLimit: 0.05}},
			{"pro-fpr steps", roc, PROFPR, Rule{StepsGrid: true}},
			{"rc", roc, PRORC, Rule{}},
		} {
			th := checkSimplify(t, tc.name, tc.c, tc.k, tol, tc.r)
			t.Logf("tol %g %s: %d -> %d points", tol, tc.name, tc.c.Len(), th.Len())
			// A file of the kept points: at most 1 MB at 3 x 24 bytes a point.
			if tol == 1e-4 && th.Len() > 12_000 {
				t.Errorf("tol %g %s: %d points kept, want at most 12,000", tol, tc.name, th.Len())
			}
		}
	}
}

// Curves as the engine makes them in corner cases: few points, a perfect
// map's ROC, a PR curve with vertical drops, a PRO curve whose points sit
// exactly on L, all points equal, noise.
func TestSimplifyShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var walk, noise, stairs, dup, onLimit Curve
	y := 0.5
	for i := range 50_000 {
		y = math.Max(0, math.Min(1, y+0.01*rng.NormFloat64()))
		walk.Append(float64(-i), float64(i)/49_999, y) // x rises, y wanders (like PRO-RC)
	}
	x := 0.0
	for i := range 20_000 {
		x += rng.Float64() / 10_000
		noise.Append(float64(i), math.Min(x, 1), rng.Float64()) // no structure
	}
	for i := range 10_000 {
		stairs.Append(float64(i), float64(i/2)/5000, float64((i+1)/2)/5000) // a fine staircase
		dup.Append(float64(i), 0.25, 0.75)
	}
	onLimit.Append(math.Inf(1), 0, 0)
	for i := 1; i <= 1000; i++ {
		onLimit.Append(float64(-i), float64(i)/1000, math.Sqrt(float64(i)/1000)) // a point at exactly 0.3
	}
	perfect := Curve{Threshold: []float64{math.Inf(1), 1, 0}, X: []float64{0, 0, 1}, Y: []float64{0, 1, 1}}
	for _, tc := range []struct {
		name string
		c    Curve
	}{{"walk", walk}, {"noise", noise}, {"stairs", stairs}, {"dup", dup}, {"on-limit", onLimit}, {"perfect", perfect}, {"empty", Curve{}}} {
		for _, k := range Kinds() {
			for _, r := range []Rule{{}, {StepsGrid: true}, {FPRLimit: 1}} {
				for _, tol := range []float64{1e-4, 1e-2} {
					checkSimplify(t, tc.name+" "+string(k), tc.c, k, tol, r)
				}
			}
		}
	}
	if th := Simplify(dup, PixelROC, 1e-4, Rule{}); th.Len() != 2 {
		t.Errorf("identical points: kept %d, want 2", th.Len())
	}
}

// On a PR curve a tread that drops in the middle must keep its corner:
// precision 1 over recall (0, 0.5], 0.5 over (0.5, 1], in fine steps.
func TestSimplifyPRKeepsStepCorners(t *testing.T) {
	var c Curve
	c.Append(math.Inf(1), 0, 1)
	for i := 1; i <= 1000; i++ {
		p := 1.0
		if i > 500 {
			p = 0.5
		}
		c.Append(float64(-i), float64(i)/1000, p)
	}
	th := Simplify(c, PixelPR, 1e-4, Rule{})
	want := []float64{0, 0.5, 1}
	if !slices.Equal(th.X, want) {
		t.Errorf("kept recalls %v, want %v", th.X, want)
	}
	if ap, _ := Area(th, PixelPR, Rule{}); ap != 0.75 {
		t.Errorf("AP of the kept points %v, want 0.75", ap)
	}
}

func TestArea(t *testing.T) {
	// docs/METRICS.md's worked example: PRO over FPR and RC over PRO.
	pro := Curve{
		Threshold: []float64{math.Inf(1), 0.9, 0.8, 0.7, 0.5, 0.4, 0.3, 0.2, 0.1},
		X:         []float64{0, 0, 0.2, 0.4, 0.4, 0.4, 0.6, 0.8, 1},
		Y:         []float64{0, 0.25, 0.25, 0.25, 0.5, 1, 1, 1, 1},
	}
	if v, _ := Area(pro, PROFPR, Rule{}); math.Abs(v-0.25) > 1e-15 {
		t.Errorf("AUPRO@0.3 = %v, want 0.25", v)
	}
	rc := Curve{
		Threshold: []float64{math.Inf(1), 0.9, 0.8, 0.7, 0.5, 0.4, 0.3, 0.2, 0.1},
		X:         []float64{0, 0.25, 0.25, 0.25, 0.5, 1, 1, 1, 1},
		Y:         []float64{1, 1, 0.5, 1.0 / 3, 1.0 / 3, 2.0 / 3, 1, 1, 2.0 / 3},
	}
	if v, _ := Area(rc, PRORC, Rule{}); math.Abs(v-0.5833333333333334) > 1e-15 {
		t.Errorf("RCPRO = %v, want 0.583333", v)
	}
	// Pixel AP of the worked example: (1 + 0.5 + 0.6) / 3.
	pr := Curve{
		Threshold: []float64{math.Inf(1), 0.9, 0.8, 0.7, 0.5, 0.4},
		X:         []float64{0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3, 1},
		Y:         []float64{1, 1, 0.5, 1.0 / 3, 0.5, 0.6},
	}
	if v, _ := Area(pr, PixelPR, Rule{}); math.Abs(v-0.7) > 1e-15 {
		t.Errorf("AP = %v, want 0.7", v)
	}
	// Steps grid: points with FPR < 0.3 rescaled: (0.1, 0.2), (0.2, 0.4).
	steps := Curve{Threshold: []float64{3, 2, 1}, X: []float64{0.1, 0.2, 0.5}, Y: []float64{0.2, 0.4, 1}}
	if v, ok := Area(steps, PROFPR, Rule{StepsGrid: true}); !ok || math.Abs(v-0.3) > 1e-15 {
		t.Errorf("steps AUPRO = %v, %v; want 0.3", v, ok)
	}
	if _, ok := Area(Curve{Threshold: []float64{1}, X: []float64{0.1}, Y: []float64{1}}, PROFPR, Rule{StepsGrid: true}); ok {
		t.Error("steps AUPRO of one point is defined")
	}
	if _, ok := Area(Curve{}, PixelROC, Rule{}); ok {
		t.Error("AUROC of no point is defined")
	}
}

func TestAverage(t *testing.T) {
	a := Curve{Threshold: []float64{1, 0}, X: []float64{0, 1}, Y: []float64{0, 1}}
	b := Curve{Threshold: []float64{1, 0.5, 0}, X: []float64{0, 0, 1}, Y: []float64{0, 1, 1}} // a perfect ROC
	m := Average([]Curve{a, b, {}}, PixelROC, 4)
	if want := []float64{0.5, 0.625, 0.75, 0.875, 1}; !slices.Equal(m.Y, want) {
		t.Errorf("ROC average y = %v, want %v", m.Y, want)
	}
	// Staircases: the step covering x is that of the first point at or past it.
	p := Curve{Threshold: []float64{2, 1, 0}, X: []float64{0, 0.5, 1}, Y: []float64{1, 1, 0.5}}
	if m := Average([]Curve{p}, PixelPR, 4); !slices.Equal(m.Y, []float64{1, 1, 1, 0.5, 0.5}) {
		t.Errorf("PR average y = %v", m.Y)
	}
	if m := Average(nil, PixelROC, 4); m.Len() != 0 {
		t.Errorf("average of nothing has %d points", m.Len())
	}
}

func BenchmarkSimplifyMillion(b *testing.B) {
	roc, pr := scoreCurves(1_000_000, 1, 1.5)
	for _, tc := range []struct {
		name string
		c    Curve
		k    Kind
	}{{"roc", roc, PixelROC}, {"pr", pr, PixelPR}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				Simplify(tc.c, tc.k, DefaultTolerance, Rule{})
			}
		})
	}
}

// FuzzSimplify: on any curve whose x never decreases, Simplify keeps a
// subsequence with the curve's ends, within tol, with its metric within
// tol/2.
func FuzzSimplify(f *testing.F) {
	f.Add([]byte{0, 0, 10, 10, 20, 5, 30, 30}, uint8(2), uint8(0))
	f.Add([]byte{5, 5, 5, 5, 5, 5}, uint8(0), uint8(3))
	f.Add([]byte{0, 255, 0, 0, 0, 255, 255, 0, 255, 128}, uint8(200), uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, tolByte, kindByte uint8) {
		var c Curve
		x := 0.0
		for i := 0; i+1 < len(data); i += 2 {
			x = math.Min(1, x+float64(data[i])/2550)
			c.Append(float64(-i), x, float64(data[i+1])/255)
		}
		tol := math.Pow(10, -1-float64(tolByte%50)/10)
		k := Kinds()[int(kindByte)%len(Kinds())]
		checkSimplify(t, "fuzz", c, k, tol, Rule{StepsGrid: kindByte >= 128})
	})
}
