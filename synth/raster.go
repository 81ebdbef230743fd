package synth

import "math"

// A primitive is a convex shape in continuous pixel coordinates (pixel (x, y)
// covers [x, x+1) x [y, y+1)); a pixel belongs to it when the pixel's centre
// does. spans calls emit(y, x0, x1) once for each row y that it covers, with
// the inclusive column range [x0, x1] clipped to the size x size image (the
// shapes are convex, so one range a row is exact).
type primitive interface {
	spans(size int, emit func(y, x0, x1 int))
}

// ellipse has centre (cx, cy), semi-axes a and b, and its a-axis along the
// unit vector (ux, uy).
type ellipse struct {
	cx, cy, a, b, ux, uy float64
}

func (e ellipse) spans(size int, emit func(y, x0, x1 int)) {
	ia2, ib2 := 1/(e.a*e.a), 1/(e.b*e.b)
	// Quadratic form of the ellipse: A dx^2 + B dx dy + C dy^2 <= 1.
	A := e.ux*e.ux*ia2 + e.uy*e.uy*ib2
	B := 2 * e.ux * e.uy * (ia2 - ib2)
	C := e.uy*e.uy*ia2 + e.ux*e.ux*ib2
	ey := math.Sqrt(e.a*e.a*e.uy*e.uy + e.b*e.b*e.ux*e.ux)
	y0 := max(int(math.Ceil(e.cy-ey-0.5)), 0)
	y1 := min(int(math.Floor(e.cy+ey-0.5)), size-1)
	for y := y0; y <= y1; y++ {
		dy := float64(y) + 0.5 - e.cy
		bdy := B * dy
		disc := bdy*bdy - 4*A*(C*dy*dy-1)
		if disc < 0 {
			continue
		}
		sq := math.Sqrt(disc)
		xlo := e.cx + (-bdy-sq)/(2*A)
		xhi := e.cx + (-bdy+sq)/(2*A)
		x0 := max(int(math.Ceil(xlo-0.5)), 0)
		x1 := min(int(math.Floor(xhi-0.5)), size-1)
		if x0 <= x1 {
			emit(y, x0, x1)
		}
	}
}

// capsule is the set of points within distance r of the segment (px, py) to
// (qx, qy): one stroke of a scratch.
type capsule struct {
	px, py, qx, qy, r float64
}

func (c capsule) spans(size int, emit func(y, x0, x1 int)) {
	dx, dy := c.qx-c.px, c.qy-c.py
	l2 := dx*dx + dy*dy
	r2 := c.r * c.r
	y0 := max(int(math.Ceil(min(c.py, c.qy)-c.r-0.5)), 0)
	y1 := min(int(math.Floor(max(c.py, c.qy)+c.r-0.5)), size-1)
	xa := max(int(math.Ceil(min(c.px, c.qx)-c.r-0.5)), 0)
	xb := min(int(math.Floor(max(c.px, c.qx)+c.r-0.5)), size-1)
	for y := y0; y <= y1; y++ {
		ry := float64(y) + 0.5 - c.py
		first, last := -1, -1
		for x := xa; x <= xb; x++ {
			rx := float64(x) + 0.5 - c.px
			t := 0.0
			if l2 > 0 {
				t = min(max((rx*dx+ry*dy)/l2, 0), 1)
			}
			ex, ey := rx-t*dx, ry-t*dy
			if ex*ex+ey*ey <= r2 {
				if first < 0 {
					first = x
				}
				last = x
			} else if first >= 0 {
				break // convex: the row's run has ended
			}
		}
		if first >= 0 {
			emit(y, first, last)
		}
	}
}

// fillMask sets the pixels of p in mask and returns how many it covered
// (including pixels that were already set).
func fillMask(mask []bool, size int, p primitive) int {
	n := 0
	p.spans(size, func(y, x0, x1 int) {
		row := mask[y*size : (y+1)*size]
		for x := x0; x <= x1; x++ {
			row[x] = true
		}
		n += x1 - x0 + 1
	})
	return n
}
