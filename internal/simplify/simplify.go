// Package simplify chooses which points of a curve to keep so that the
// curve drawn through them stays within a tolerance of the full one, and,
// when asked, so that the area under it changes by at most a budget. It is
// the machinery behind curve.Simplify (compact curve files) and plots.Thin
// (figures).
//
// Two shapes: a polyline (ROC, PRO and RC curves, whose metrics are
// trapezoid areas) and a staircase that goes up or down first, then across
// (PR curves: average precision is the step sum of (R_k - R_{k-1}) P_k, so
// precision P_k holds over the recall interval (R_{k-1}, R_k]).
//
// Our own code: no library we know of simplifies a polyline with a bound on
// both the distance and the change of area, nor a staircase.
package simplify

import (
	"math"

	"github.com/zsadbench/zsadbench/internal/finite"
)

// Options says what Indices may drop.
type Options struct {
	// SX and SY scale x and y before distances are measured; Tol is the
	// tolerance in scaled units (for a figure: pixels per data unit, and
	// pixels). Polyline: every dropped point is within Tol of the segment
	// joining the kept points around it. Staircase: every point of the full
	// staircase is within Tol in x and in y of a point of the kept one, and
	// the other way round.
	SX, SY, Tol float64
	// Steps selects the staircase shape.
	Steps bool
	// Keep lists indices, ascending, that are kept whatever the tolerance
	// (the points either side of an integration limit); no kept segment
	// spans one.
	Keep []int
	// Area, when set, bounds the change of the area under the curve.
	Area *Area
}

// Area bounds how much dropping points changes the area under points
// 0..End (trapezoids for a polyline, the step sum for a staircase). The
// change is kept within Budget*(x_b - x_0)/(x_End - x_0) after each kept
// point b up to End, so the area's total change is at most Budget and the
// budget is spread along x rather than spent at the start. End must be one
// of Options.Keep or the last point.
type Area struct {
	End    int
	Budget float64
}

// lookahead bounds how many points a segment's scan examines past the last
// point that could have ended it. It bounds the running time on curves that
// double back on themselves; on the curves metrics produce (x never
// decreasing) it is rarely reached.
const lookahead = 1024

// Indices returns the indices of the points to keep, ascending: always the
// first and the last point, the points in o.Keep, every point with a
// non-finite coordinate together with its neighbours, and as few others as
// the greedy method finds. xs and ys must have the same length.
//
// The method is greedy: from the last kept point it extends a segment over
// as many points as the tolerance (and the area budget) allow, then keeps
// its end. It runs in time linear in the number of points for curves whose x
// never decreases.
func Indices(xs, ys []float64, o Options) []int {
	n := len(xs)
	if n <= 2 {
		keep := make([]int, n)
		for i := range keep {
			keep[i] = i
		}
		return keep
	}
	s := scan{xs: xs, ys: ys, o: o}
	// Shrink the tolerance a hair so that rounding in the arithmetic cannot
	// push a dropped point past it.
	s.tol = o.Tol * (1 - 1e-9)
	if o.Area != nil && o.Area.End > 0 {
		s.area = true
		s.end = min(o.Area.End, n-1)
		s.x0, s.width = xs[0], xs[s.end]-xs[0]
	}
	keep := []int{0}
	next := 0 // index in o.Keep of the next point that must be kept
	for a := 0; a < n-1; {
		for next < len(o.Keep) && o.Keep[next] <= a {
			next++
		}
		limit := n - 1
		if next < len(o.Keep) {
			limit = o.Keep[next]
		}
		best, change := a+1, 0.0
		if s.finite(a) {
			if o.Steps {
				best, change = s.extendSteps(a, limit)
			} else {
				best, change = s.extendLine(a, limit)
			}
		}
		s.spent += change
		keep = append(keep, best)
		a = best
	}
	return keep
}

// scan is the state of one Indices call.
type scan struct {
	xs, ys    []float64
	o         Options
	tol       float64
	area      bool    // whether the area is bounded
	end       int     // the last point whose area is bounded
	x0, width float64 // x_0 and x_End - x_0
	spent     float64 // the area's change so far, signed
}

func (s *scan) finite(i int) bool { return finite.Float64(s.xs[i]) && finite.Float64(s.ys[i]) }

// areaOK reports whether a segment ending at b whose area differs from the
// full curve's by change keeps the running change within its allowance.
func (s *scan) areaOK(b int, change float64) bool {
	if !s.area || b > s.end {
		return true
	}
	allow := s.o.Area.Budget
	if s.width > 0 {
		allow *= (s.xs[b] - s.x0) / s.width
	}
	return math.Abs(s.spent+change) <= allow
}

// extendLine returns the furthest index b in (a, limit] such that every
// point strictly between a and b is within tol of the segment from a to b
// and the area stays within its allowance, as far as the scan finds it, and
// the change of area that segment makes. Point a is finite.
//
// Why the distance test is exact: a point p at distance d > tol from a is
// within tol of the infinite line through a in direction θ iff the angle
// between θ and the direction of p is at most w = asin(tol/d); that angle is
// below 90°, so p projects onto the ray ahead of a. Its projection is at
// most d from a, so when the end b is at least as far from a as every such
// p, p projects onto the segment itself and its distance to the segment is
// its distance to the line. Points within tol of a are within tol of any
// segment from a.
//
// The cone of allowed directions is the intersection of the arcs [θ-w, θ+w]
// of the points seen so far. Each arc is narrower than π, so the cone is one
// arc narrower than π, held as its clockwise and counter-clockwise boundary
// vectors (any length); membership is then two cross-product signs, with no
// trigonometry.
func (s *scan) extendLine(a, limit int) (best int, change float64) {
	xs, ys := s.xs, s.ys
	sx, sy, tol := s.o.SX, s.o.SY, s.tol
	ax, ay := xs[a]*sx, ys[a]*sy
	tol2 := tol * tol
	var (
		lx, ly, rx, ry float64 // the cone: clockwise bound l, counter-clockwise bound r
		cone           bool    // whether any point constrains the direction yet
		maxD2          float64 // largest squared distance from a of a constraining point
		trapezoids     float64 // area under the full polyline from a to j
	)
	best = a + 1
	for j := a + 1; j <= limit; j++ {
		if !s.finite(j) {
			if j == a+1 {
				return j, 0
			}
			break
		}
		trapezoids += (xs[j] - xs[j-1]) * (ys[j] + ys[j-1]) / 2
		vx, vy := xs[j]*sx-ax, ys[j]*sy-ay
		d2 := vx*vx + vy*vy
		// Could j end the segment? Only the points before it constrain.
		if !cone || (d2 >= maxD2 && inArc(lx, ly, rx, ry, vx, vy)) {
			c := trapezoids - (xs[j]-xs[a])*(ys[a]+ys[j])/2
			if j == a+1 || s.areaOK(j, c) {
				best, change = j, c
			}
		}
		if j-best > lookahead {
			break
		}
		if d2 <= tol2 {
			continue
		}
		// j constrains the ends beyond it: the arc of directions within
		// w = asin(tol/d) of v, bounded by v rotated by -w and +w (scaled
		// by d², which keeps the directions).
		c, sn := math.Sqrt(d2-tol2), tol
		clx, cly := vx*c+vy*sn, -vx*sn+vy*c
		crx, cry := vx*c-vy*sn, vx*sn+vy*c
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
			return best, change // disjoint: no direction keeps every point so far in the sleeve
		}
		switch {
		case inArc(lx, ly, rx, ry, crx, cry):
			rx, ry = crx, cry
		case inArc(clx, cly, crx, cry, rx, ry):
		default:
			return best, change
		}
		maxD2 = math.Max(maxD2, d2)
	}
	return best, change
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

// extendSteps is extendLine for the staircase. The full staircase from a to
// b runs up or down from y_a to y_{a+1} at x_a, across to x_{a+1}, and so on
// to (x_b, y_b); the kept one runs from y_a to y_b at x_a, then across to
// x_b. Each is within tol (in x and in y) of the other when
//
//   - every y_j, a < j <= b, is within tol of y_b: the full staircase's
//     level pieces are then within tol of the kept one's, and its first
//     riser ends within tol of where the kept one's does; or
//   - x_b - x_a <= tol and every y_j lies within tol of the range between
//     y_a and y_b: the full staircase then stays within tol of the kept
//     riser, and, being connected from y_a to y_b, passes within tol of
//     each of its points.
//
// x must not decrease: a point where it does ends the segment before it.
func (s *scan) extendSteps(a, limit int) (best int, change float64) {
	xs, ys := s.xs, s.ys
	sx, sy, tol := s.o.SX, s.o.SY, s.tol
	ya := ys[a] * sy
	lo, hi := math.Inf(1), math.Inf(-1) // range of y_j, a < j <= b, scaled
	var steps float64                   // step sum of the full staircase from a to j
	best = a + 1
	for j := a + 1; j <= limit; j++ {
		if !s.finite(j) || xs[j] < xs[j-1] {
			if j == a+1 {
				return j, 0
			}
			break
		}
		steps += (xs[j] - xs[j-1]) * ys[j]
		y := ys[j] * sy
		lo, hi = math.Min(lo, y), math.Max(hi, y)
		narrow := (xs[j]-xs[a])*sx <= tol
		level := hi-tol <= y && y <= lo+tol
		riser := narrow && lo >= math.Min(ya, y)-tol && hi <= math.Max(ya, y)+tol
		if level || riser {
			c := steps - (xs[j]-xs[a])*ys[j]
			if j == a+1 || s.areaOK(j, c) {
				best, change = j, c
			}
		}
		if (!narrow && hi-lo > 2*tol) || j-best > lookahead {
			break // neither test can pass again
		}
	}
	return best, change
}
