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

// float returns the value divided by 2^shift.
func (w wide) float(shift uint) float64 {
	return math.Ldexp(float64(w.hi)*0x1p64+float64(w.lo), -int(shift))
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

func (c *curveState) addEvent(e *event) {
	c.tp += int64(e.pos)
	c.fp += int64(e.neg)
	c.regions += int64(e.regions)
	c.pro.add(e.pro)
	c.rc.add(e.rc)
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
		p.RC = c.rc.float(shift) / float64(c.regions)
	}
}

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

// merge combines the images' events in score order into one point per
// distinct score of the category. The events are radix-sorted by key (four
// byte-wide passes, reading the images' event lists directly in the first),
// then scanned: every access is sequential, which a k-way merge
// over a hundred images' streams is not.
func merge(outs []imageOut, shift uint, gtRegions int64, full bool, visit func(*Point)) {
	events := sortEvents(outs)
	var c curveState
	var p Point
	for i := range events {
		e := &events[i]
		c.addEvent(e)
		if i+1 < len(events) && events[i+1].key == e.key {
			continue // more pixels with the same score in another image
		}
		c.point(&p, float64(keyScore(e.key)), full, shift, gtRegions)
		visit(&p)
	}
}

// sortEvents returns every image's events in one slice sorted by key.
func sortEvents(outs []imageOut) []event {
	total := 0
	for _, o := range outs {
		total += len(o.events)
	}
	// Byte digits: each pass scatters to 256 places, few enough for the
	// write streams to stay in cache and TLB.
	digits := [4]struct{ shift, bits uint }{{0, 8}, {8, 8}, {16, 8}, {24, 8}}
	var count [4][256]int
	for _, o := range outs {
		for i := range o.events {
			k := o.events[i].key
			count[0][k&255]++
			count[1][(k>>8)&255]++
			count[2][(k>>16)&255]++
			count[3][k>>24]++
		}
	}
	// The first pass that is needed reads the images' lists in place.
	var src, dst []event
	first := true
	for d, dg := range digits {
		c := &count[d]
		mask := uint32(1)<<dg.bits - 1
		if total == 0 || c[(firstKey(outs)>>dg.shift)&mask] == total {
			continue // every key has the same digit
		}
		sum := 0
		for i, v := range c {
			c[i] = sum
			sum += v
		}
		if dst == nil {
			dst = make([]event, total)
		}
		scatter := func(from []event) {
			for i := range from {
				di := (from[i].key >> dg.shift) & mask
				dst[c[di]] = from[i]
				c[di]++
			}
		}
		if first {
			for i := range outs {
				scatter(outs[i].events)
				outs[i].events = nil // free as we go: peak memory is two copies
			}
			first = false
		} else {
			scatter(src)
		}
		src, dst = dst, src
	}
	if first { // no pass was needed: every key is equal
		src = make([]event, 0, total)
		for i := range outs {
			src = append(src, outs[i].events...)
			outs[i].events = nil
		}
	}
	return src
}

func firstKey(outs []imageOut) uint32 {
	for _, o := range outs {
		if len(o.events) > 0 {
			return o.events[0].key
		}
	}
	return 0
}
