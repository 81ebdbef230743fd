package sweep

import (
	"math"
	"math/bits"
)

// wide is a signed 128-bit accumulator: category-wide sums of region
// qualities can pass 2^63 in fixed point.
type wide struct {
	hi int64
	lo uint64
}

func (w *wide) add(d int64) {
	var carry uint64
	w.lo, carry = bits.Add64(w.lo, uint64(d), 0)
	w.hi += int64(carry)
	if d < 0 {
		w.hi--
	}
}

func (w wide) plus(o wide) wide {
	lo, carry := bits.Add64(w.lo, o.lo, 0)
	return wide{hi: w.hi + o.hi + int64(carry), lo: lo}
}

// float returns the value divided by 2^shift (an exact power-of-two scaling).
func (w wide) float(shift uint) float64 {
	scale := math.Float64frombits(uint64(1023-shift) << 52) // 2^-shift
	// Most sums fit in an int64: one conversion.
	if w.hi == int64(w.lo)>>63 {
		return float64(int64(w.lo)) * scale
	}
	return (float64(w.hi)*0x1p64 + float64(w.lo)) * scale
}

// levels sums the images' changes per steps threshold.
type levels struct {
	pos, neg, regions []int64
	pro, rc           []wide
}

func newLevels(n int) *levels {
	return &levels{
		pos: make([]int64, n), neg: make([]int64, n), regions: make([]int64, n),
		pro: make([]wide, n), rc: make([]wide, n),
	}
}

func (l *levels) add(k int, d sums) {
	l.pos[k] += d.pos
	l.neg[k] += d.neg
	l.regions[k] += d.regions
	l.pro[k].add(d.pro)
	l.rc[k].add(d.rc)
}

// curveState accumulates a category's sums down the thresholds.
type curveState struct {
	tp, fp, regions int64
	pro, rc         wide
}

func (c curveState) plus(o curveState) curveState {
	return curveState{tp: c.tp + o.tp, fp: c.fp + o.fp, regions: c.regions + o.regions, pro: c.pro.plus(o.pro), rc: c.rc.plus(o.rc)}
}

// point converts the sums to a curve point.
func (c *curveState) point(p *Point, t float64, full bool, shift uint, gtRegions int64) {
	p.Threshold, p.TP, p.FP = t, c.tp, c.fp
	if !full {
		return
	}
	p.PRO = 0
	if gtRegions > 0 {
		p.PRO = c.pro.float(shift) / float64(gtRegions)
	}
	p.Regions, p.RC = c.regions, 0
	if c.regions > 0 {
		p.RC = c.meanRC(shift)
	}
}

// meanRC is RC at the sums: the predicted regions' mean quality (NaN or
// Inf without a region).
func (c *curveState) meanRC(shift uint) float64 { return c.rc.float(shift) / float64(c.regions) }

// stepPoints turns the workers' per-threshold sums into points, from the
// highest threshold down.
func stepPoints(thresholds []float32, workers []*levels, shift uint, gtRegions int64, visit func(*Point)) {
	if len(thresholds) == 0 {
		return
	}
	total := newLevels(len(thresholds))
	for _, w := range workers {
		if w == nil {
			continue
		}
		for k := range thresholds {
			total.pos[k] += w.pos[k]
			total.neg[k] += w.neg[k]
			total.regions[k] += w.regions[k]
			total.pro[k] = total.pro[k].plus(w.pro[k])
			total.rc[k] = total.rc[k].plus(w.rc[k])
		}
	}
	var c curveState
	var p Point
	for k := len(thresholds) - 1; k >= 0; k-- {
		c.tp += total.pos[k]
		c.fp += total.neg[k]
		c.regions += total.regions[k]
		c.pro = c.pro.plus(total.pro[k])
		c.rc = c.rc.plus(total.rc[k])
		c.point(&p, float64(thresholds[k]), true, shift, gtRegions)
		visit(&p)
	}
}
