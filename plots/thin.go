package plots

import (
	"fmt"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/internal/simplify"
)

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
	return c.Pick(thinIndices(c.X, c.Y, xPixels, yPixels, tol, false))
}

// thinIndices returns the indices of the points Thin keeps, ascending;
// steps thins a staircase (see curve.Kind.Steps) instead of a polyline.
func thinIndices(xs, ys []float64, sx, sy, tol float64, steps bool) []int {
	return simplify.Indices(xs, ys, simplify.Options{SX: sx, SY: sy, Tol: tol, Steps: steps})
}
