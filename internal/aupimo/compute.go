package aupimo

import (
	"fmt"
	"math"
	"slices"
)

// Result is the AUPIMO of a category (or of a bootstrap replicate).
type Result struct {
	// AUPIMO has one value per image given to Compute: NaN for normal
	// images, for images of weight 0, and for all when Undefined is set.
	AUPIMO []float64
	// Undefined says why AUPIMO is undefined for the category ("" when it
	// is defined).
	Undefined string
	// Points is the number of points the linspace grid integrates (0 on
	// the exact grid).
	Points int
	// Warnings are the reference implementation's (a bound missed by more
	// than 1%, fewer than 300 points).
	Warnings []string
}

// Compute returns the AUPIMO of each anomalous image of the category whose
// images summaries are given, on the exact grid (k = 0) or on the linspace
// grid of k >= 2 thresholds. weights, when not nil, says how many times
// each image is in the category (a bootstrap replicate: weights[i] copies
// of image i, in image order); nil means once each. The summaries must
// have been made for at most as many normal images as the weights give.
func Compute(images []Image, weights []int32, k int) Result {
	return NewSet(images).Compute(weights, k)
}

// Set is a category's summaries, ready for any number of Compute calls
// (bootstrap replicates).
type Set struct {
	images []Image
	// cand are the distinct kept scores of the normal images, descending:
	// the exact grid's candidate points. A replicate that leaves an image
	// out keeps its scores, where F does not change: they add only
	// segments of no width, so the area has the same bits.
	cand []float32
}

// NewSet prepares the summaries of a category.
func NewSet(images []Image) *Set {
	s := &Set{images: images}
	for i := range images {
		if !images[i].Anomalous {
			s.cand = append(s.cand, images[i].Scores...)
		}
	}
	slices.Sort(s.cand)
	slices.Reverse(s.cand)
	s.cand = slices.Compact(s.cand)
	return s
}

// Compute is the package's Compute on the set's images.
func (s *Set) Compute(weights []int32, k int) Result {
	images := s.images
	c := calc{images: images, weights: weights, cand: s.cand}
	res := Result{AUPIMO: make([]float64, len(images))}
	for i := range res.AUPIMO {
		res.AUPIMO[i] = math.NaN()
	}
	for i := range images {
		switch w := c.weight(i); {
		case w == 0:
		case images[i].Anomalous:
			c.anomalous = append(c.anomalous, i)
		default:
			c.normal = append(c.normal, i)
			c.n0 += int64(w)
		}
	}
	if len(c.normal) == 0 || len(c.anomalous) == 0 {
		res.Undefined = "no normal or no anomalous image"
		return res
	}
	if k == 0 {
		c.exact(&res)
	} else {
		c.linspace(&res, k)
	}
	return res
}

type calc struct {
	images            []Image
	cand              []float32
	weights           []int32
	normal, anomalous []int // images of weight > 0
	n0                int64 // normal images counted with their weights
}

func (c *calc) weight(i int) int32 {
	if c.weights == nil {
		return 1
	}
	return c.weights[i]
}

// shared returns the shared FPR at threshold t: the images' FPRs summed in
// image order (an image of weight w w times), divided once, as NumPy's
// mean(axis=0) over the normal images' rows. It is unknown (false) where
// an image's count is; it is then above 2 * Upper (see Keep).
func (c *calc) shared(t float32) (float64, bool) {
	sum := 0.0
	for _, i := range c.normal {
		im := &c.images[i]
		n, ok := im.count(t)
		if !ok {
			return 0, false
		}
		r := im.rate(n)
		for range c.weight(i) {
			sum += r
		}
	}
	return sum / float64(c.n0), true
}

// exact integrates each PIMO curve over exactly [log Lower, log Upper].
// F changes only at the normal images' scores: at each such score s_k
// (descending), the curve has a sloped segment from (log F(s_{k-1}),
// TPR(> s_k)) to (log F(s_k), TPR(>= s_k)), and anomalous scores between
// two normal scores add vertical segments, of no area.
func (c *calc) exact(res *Result) {
	// The points from the highest normal score down to the first with
	// F > Upper, which brackets the range.
	var ts []float32
	var xs []float64
	reached := false
	for _, t := range c.cand {
		f, ok := c.shared(t)
		if !ok {
			break // F > 2 Upper already: not reached before the bracket
		}
		if f == 0 {
			continue // above every pixel of the images drawn
		}
		reached = reached || f <= Lower
		ts = append(ts, t)
		xs = append(xs, math.Log(f))
		if f > Upper {
			break
		}
	}
	if !reached {
		res.Undefined = "no threshold gives a shared FPR in (0, 1e-5]: the normal images have too few pixels, or too many tied at their top"
		return
	}
	a, b := math.Log(Lower), math.Log(Upper)
	norm := math.Log(Upper / Lower)
	for _, j := range c.anomalous {
		im := &c.images[j]
		area := 0.0
		for k := 1; k < len(ts); k++ {
			x0, x1 := xs[k-1], xs[k]
			if x1 <= a || x0 >= b {
				continue
			}
			y0 := im.rate(im.countAbove(ts[k]))
			n1, _ := im.count(ts[k])
			area += clipped(x0, x1, y0, im.rate(n1), a, b)
		}
		res.AUPIMO[j] = clip01(area / norm)
	}
}

// clipped is the trapezoid area of the segment (x0, y0)-(x1, y1), x0 < x1,
// over [a, b], interpolated linearly at a and b.
func clipped(x0, x1, y0, y1, a, b float64) float64 {
	if x1 <= x0 || x1 <= a || x0 >= b {
		return 0
	}
	xa, xb := max(x0, a), min(x1, b)
	ya := y0 + (y1-y0)*(xa-x0)/(x1-x0)
	yb := y0 + (y1-y0)*(xb-x0)/(x1-x0)
	return (xb - xa) * (ya + yb) / 2
}

func clip01(v float64) float64 { return min(1, max(0, v)) }

// grid is the linspace grid: np.linspace(lo, hi, k) in float64, rounded to
// float32.
type grid struct {
	lo, hi, step float64
	k            int
}

// at returns t_k. The conversions round each operation to float64, as
// NumPy does (no fused multiply-add).
func (g *grid) at(k int) float32 {
	if k == g.k-1 {
		return float32(g.hi)
	}
	return float32(float64(float64(k)*g.step) + g.lo)
}

// lastAtOrBelow returns the largest k with t_k <= v (t_0 = lo <= v).
func (g *grid) lastAtOrBelow(v float32) int {
	k := int(min(float64(g.k-1), max(0, (float64(v)-g.lo)/g.step)))
	for k > 0 && g.at(k) > v {
		k--
	}
	for k+1 < g.k && g.at(k+1) <= v {
		k++
	}
	return k
}

// linspace follows the reference implementation: K thresholds over the
// normal images' range, the integration range from the first threshold
// closest to Upper to the first closest to Lower, trapezoids in (log F,
// TPR) with no interpolation, and its validity checks.
func (c *calc) linspace(res *Result, k int) {
	lo, hi := c.images[c.normal[0]].Lo, c.images[c.normal[0]].Hi
	for _, i := range c.normal {
		lo, hi = min(lo, c.images[i].Lo), max(hi, c.images[i].Hi)
	}
	if !(hi > lo) {
		res.Undefined = "the normal images' scores are all equal"
		return
	}
	g := grid{lo: float64(lo), hi: float64(hi), step: (float64(hi) - float64(lo)) / float64(k-1), k: k}
	f := func(k int) (float64, bool) { return c.shared(g.at(k)) }
	fmin, _ := f(k - 1) // known: t = hi is at or above every kept score's end
	if Lower < fmin {
		res.Undefined = fmt.Sprintf("the shared FPR at the highest threshold, %g, is above 1e-5", fmin)
		return
	}
	kU, fU := closest(f, k, Upper)
	kL, fL := closest(f, k, Lower)
	for _, b := range []struct{ level, got float64 }{{Lower, fL}, {Upper, fU}} {
		if math.Abs(b.got-b.level) > 1e-8+1e-2*b.level {
			res.Warnings = append(res.Warnings, fmt.Sprintf("AUPIMO: the shared FPR bound %g is not reached within 1%%: the closest threshold gives %g", b.level, b.got))
		}
	}
	if kU >= kL {
		res.Undefined = fmt.Sprintf("the thresholds closest to the shared FPR bounds are the same or in the wrong order (%d, %d); more thresholds may help", kU, kL)
		return
	}
	res.Points = kL - kU + 1 // F > 0 at every k: F(t_{K-1}) > 0
	if res.Points <= 30 {
		res.Undefined = fmt.Sprintf("only %d points in the shared FPR range (the reference needs more than 30); more thresholds may help", res.Points)
		res.Points = 0
		return
	}
	if res.Points < 300 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("AUPIMO may be inaccurate: %d points in the shared FPR range (fewer than 300)", res.Points))
	}
	// F changes between k and k+1 only where a normal pixel's score v has
	// t_k <= v < t_{k+1}; elsewhere a trapezoid has no width. Every pixel at
	// or above t_kU is kept (F(t_kU) is known).
	tU, tL := g.at(kU), g.at(kL)
	var steps []int
	for _, i := range c.normal {
		for _, v := range c.images[i].Scores {
			if v >= tU && v < tL {
				steps = append(steps, g.lastAtOrBelow(v))
			}
		}
	}
	slices.Sort(steps)
	steps = slices.Compact(steps)
	// The trapezoids in ascending x (descending k), as np.trapz sums them.
	type step struct {
		t0, t1 float32 // thresholds at k and k+1
		dx     float64 // log F_k - log F_{k+1}
	}
	var st []step
	for _, s := range slices.Backward(steps) {
		f0, _ := f(s)
		f1, _ := f(s + 1)
		if f0 != f1 {
			st = append(st, step{g.at(s), g.at(s + 1), math.Log(f0) - math.Log(f1)})
		}
	}
	norm := math.Log(Upper / Lower)
	for _, j := range c.anomalous {
		im := &c.images[j]
		area := 0.0
		for _, s := range st {
			n0, _ := im.count(s.t0)
			n1, _ := im.count(s.t1)
			area += s.dx * (im.rate(n1) + im.rate(n0)) / 2
		}
		res.AUPIMO[j] = clip01(area / norm)
	}
}

// closest returns the first k that minimises |F_k - level| (numpy's
// argmin), F being non-increasing in k with F_{K-1} <= level, and F_k.
// Unknown values are above 2 * Upper, farther from level than any value
// at or below it.
func closest(f func(int) (float64, bool), k int, level float64) (int, float64) {
	atOrBelow := func(v float64) func(int) bool {
		return func(i int) bool {
			fi, ok := f(i)
			return ok && fi <= v
		}
	}
	a := search(k, atOrBelow(level))
	fa, _ := f(a)
	if a == 0 {
		return 0, fa
	}
	fb, ok := f(a - 1)
	if !ok || math.Abs(fb-level) > math.Abs(fa-level) {
		return a, fa
	}
	// F_{a-1} is as close or closer: its first occurrence.
	return search(k, atOrBelow(fb)), fb
}

// search returns the first i in [0, n) with ok(i), ok being false then
// true; n when none.
func search(n int, ok func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ok(m) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
