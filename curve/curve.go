// Package curve holds the one curve type every zsadbench metric returns: a
// sequence of points (threshold, x, y) in sweep order. Curves are values that
// callers plot or save; scalar metrics are computed from them.
package curve

// Curve is a polyline of points in the order the sweep produced them.
// Threshold[k] is the score cutoff of point k; X[k], Y[k] its coordinates.
// The three slices always have the same length. A point that does not belong
// to any threshold (a start or end point) has Threshold +Inf or -Inf.
type Curve struct {
	Threshold []float64
	X         []float64
	Y         []float64
}

// Len returns the number of points.
func (c Curve) Len() int { return len(c.X) }

// Append adds one point.
func (c *Curve) Append(threshold, x, y float64) {
	c.Threshold = append(c.Threshold, threshold)
	c.X = append(c.X, x)
	c.Y = append(c.Y, y)
}
