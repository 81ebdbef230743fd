package plots

import (
	"fmt"
	"math"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/finite"
)

// thinLookahead bounds how many points Thin examines past the last point
// that could have ended the current segment before it gives up extending it.
// It bounds the running time on curves that double back on themselves; on
// the curves metrics produce (x never decreasing) it is never reached.
const thinLookahead = 1024

// Thin returns a copy of c with the points dropped that a drawing at the
// given resolution cannot show. Coordinates are measured in pixels: a
// point (x, y) is at (x*xPixels, y*yPixels), so xPixels and yPixels are the
// lengths in pixels of one data unit along each axis (the width and height
// of the plot area when the axes run from 0 to 1).
//
// Guarantee: every dropped point lies within tol pixels of the segment
// joining the kept points before and after it, so the polyline through the
// kept points never strays more than tol pixels from the full curve's
// points. (Up to rounding: with tol = 0 exactly collinear points are
// dropped, and float64 arithmetic may place them 1e-16 of a coordinate off
// the line.) The first and the last point are always kept, as is every point
// with a non-finite coordinate together with its neighbours. Kept points
// keep their thresholds, in order.
//
// The method is greedy segment extension with a cone of directions (a
// sleeve-fitting simplification): from the last kept point it extends a
// segment over as many points as fit in the sleeve of half-width tol, then
// keeps its end. It runs in time linear in the number of points for curves
// whose x never decreases. On the exact curves of a category (a million
// points or more) it keeps a few hundred to a few thousand points at
// figure resolution.
//
// Thin panics if the slices of c differ in length or xPixels, yPixels or
// tol is negative or NaN.
func Thin(c curve.Curve, xPixels, yPixels, tol float64) curve.Curve {
	n := len(c.X)
	if len(c.Y) != n || len(c.Threshold) != n {
		panic(fmt.Sprintf("plots: Thin: slice lengths differ: threshold %d, x %d, y %d",
			len(c.Threshold), n, len(c.Y)))
	}
	if !(xPixels >= 0) || !(yPixels >= 0) || !(tol >= 0) {
		panic(fmt.Sprintf("plots: Thin: invalid scale (%v, %v) or tolerance %v", xPixels, yPixels, tol))
	}
	keep := thinIndices(c.X, c.Y, xPixels, yPixels, tol)
	out := curve.Curve{
		Threshold: make([]float64, len(keep)),
		X:         make([]float64, len(keep)),
		Y:         make([]float64, len(keep)),
	}
	for i, k := range keep {
		out.Threshold[i], out.X[i], out.Y[i] = c.Threshold[k], c.X[k], c.Y[k]
	}
	return out
}

// thinIndices returns the indices of the points Thin keeps, ascending.
func thinIndices(xs, ys []float64, sx, sy, tol float64) []int {
	n := len(xs)
	if n <= 2 {
		keep := make([]int, n)
		for i := range keep {
			keep[i] = i
		}
		return keep
	}
	// Shrink the tolerance a hair so that rounding in the angle arithmetic
	// cannot push a dropped point past tol.
	tol *= 1 - 1e-9
	isFinite := func(i int) bool { return finite.Float64(xs[i]) && finite.Float64(ys[i]) }
	keep := []int{0}
	a := 0
	for a < n-1 {
		best := a + 1
		if isFinite(a) {
			best = extend(xs, ys, sx, sy, tol, a, isFinite)
		}
		keep = append(keep, best)
		a = best
	}
	return keep
}

// extend returns the furthest index e > a such that every point strictly
// between a and e is within tol of the segment from a to e, as far as the
// scan finds it. Point a is finite.
//
// Why the test is exact: a point p at distance d > tol from a is within tol
// of the infinite line through a in direction θ iff the angle between θ and
// the direction of p is at most w = asin(tol/d); that angle is below 90°, so
// p projects onto the ray ahead of a. Its projection is at most d from a, so
// when the end e is at least as far from a as every such p, p projects onto
// the segment itself and its distance to the segment is its distance to the
// line. Points within tol of a are within tol of any segment from a.
//
// The cone of allowed directions is the intersection of the arcs [θ-w, θ+w]
// of the points seen so far. Each arc is narrower than π, so the cone is one
// arc narrower than π, held as its clockwise and counter-clockwise boundary
// vectors (any length); membership is then two cross-product signs, with no
// trigonometry.
func extend(xs, ys []float64, sx, sy, tol float64, a int, finite func(int) bool) int {
	n := len(xs)
	ax, ay := xs[a]*sx, ys[a]*sy
	tol2 := tol * tol
	var (
		lx, ly, rx, ry float64 // the cone: clockwise bound l, counter-clockwise bound r
		cone           bool    // whether any point constrains the direction yet
		maxD2          float64 // largest squared distance from a of a constraining point
		best           = a + 1
	)
	for j := a + 1; j < n; j++ {
		if !finite(j) {
			if j == a+1 {
				return j
			}
			break
		}
		vx, vy := xs[j]*sx-ax, ys[j]*sy-ay
		d2 := vx*vx + vy*vy
		// Could j end the segment? Only the points before it constrain.
		if !cone || (d2 >= maxD2 && inArc(lx, ly, rx, ry, vx, vy)) {
			best = j
		} else if j-best > thinLookahead {
			break
		}
		if d2 <= tol2 {
			continue
		}
		// j constrains the ends beyond it: the arc of directions within
		// w = asin(tol/d) of v, bounded by v rotated by -w and +w (scaled
		// by d², which keeps the directions).
		c, s := math.Sqrt(d2-tol2), tol
		clx, cly := vx*c+vy*s, -vx*s+vy*c
		crx, cry := vx*c-vy*s, vx*s+vy*c
		if !cone {
			lx, ly, rx, ry, cone = clx, cly, crx, cry, true
			maxD2 = d2
			continue
		}
		// The intersection of two arcs narrower than π is one arc (or
		// nothing): it starts at whichever start lies in the other arc and
		// ends at whichever end does.
		switch {
		case inArc(lx, ly, rx, ry, clx, cly):
			lx, ly = clx, cly
		case inArc(clx, cly, crx, cry, lx, ly):
		default:
			return best // disjoint: no direction keeps every point so far in the sleeve
		}
		switch {
		case inArc(lx, ly, rx, ry, crx, cry):
			rx, ry = crx, cry
		case inArc(clx, cly, crx, cry, rx, ry):
		default:
			return best
		}
		maxD2 = math.Max(maxD2, d2)
	}
	return best
}

// inArc reports whether direction v lies in the arc that runs
// counter-clockwise from direction l to direction r, an arc narrower than π.
// The cross products place v counter-clockwise of l and clockwise of r,
// which for such an arc leaves only the arc itself, except when it has no
// width and v points the opposite way: the dot products (one is positive for
// every v in the arc, which is narrower than π) rule that out.
func inArc(lx, ly, rx, ry, vx, vy float64) bool {
	return lx*vy-ly*vx >= 0 && vx*ry-vy*rx >= 0 && (lx*vx+ly*vy > 0 || rx*vx+ry*vy > 0)
}
