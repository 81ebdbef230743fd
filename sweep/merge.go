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

// float returns the value divided by the fixed-point scale.
func (w wide) float() float64 {
	return math.Ldexp(float64(w.hi)*0x1p64+float64(w.lo), -fixedShift)
}

// levels sums the images' changes per steps threshold.
type levels struct {
	pos, neg, regions, pro []int64
	rc                     []wide
}

func newLevels(n int) *levels {
	return &levels{
		pos: make([]int64, n), neg: make([]int64, n), regions: make([]int64, n),
		pro: make([]int64, n), rc: make([]wide, n),
	}
}

func (l *levels) add(k int, d sums) {
	l.pos[k] += d.pos
	l.neg[k] += d.neg
	l.regions[k] += d.regions
	l.pro[k] += d.pro
	l.rc[k].add(d.rc)
}

// curveState accumulates a category's sums down the thresholds and appends
// points.
type curveState struct {
	tp, fp, regions, pro int64
	rc                   wide
}

func (c *curveState) addSums(d sums) {
	c.tp += d.pos
	c.fp += d.neg
	c.regions += d.regions
	c.pro += d.pro
	c.rc.add(d.rc)
}

func (p *Points) appendPoint(t float64, c *curveState, full bool, opts Options, gtRegions int64) {
	p.Threshold = append(p.Threshold, t)
	p.TP = append(p.TP, c.tp)
	p.FP = append(p.FP, c.fp)
	if !full {
		return
	}
	if opts.Need&NeedPRO != 0 {
		pro := 0.0
		if gtRegions > 0 {
			pro = math.Ldexp(float64(c.pro), -fixedShift) / float64(gtRegions)
		}
		p.PRO = append(p.PRO, pro)
	}
	if opts.Need&NeedRC != 0 {
		rc := 0.0
		if c.regions > 0 {
			rc = c.rc.float() / float64(c.regions)
		}
		p.Regions = append(p.Regions, c.regions)
		p.RC = append(p.RC, rc)
	}
}

// stepPoints turns the workers' per-threshold sums into points, from the
// highest threshold down.
func stepPoints(thresholds []float32, workers []*levels, opts Options, gtRegions int64) *Points {
	p := &Points{}
	if len(thresholds) == 0 {
		return p
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
			total.pro[k] += w.pro[k]
			total.rc[k] = total.rc[k].plus(w.rc[k])
		}
	}
	var c curveState
	for k := len(thresholds) - 1; k >= 0; k-- {
		c.tp += total.pos[k]
		c.fp += total.neg[k]
		c.regions += total.regions[k]
		c.pro += total.pro[k]
		c.rc = c.rc.plus(total.rc[k])
		p.appendPoint(float64(thresholds[k]), &c, true, opts, gtRegions)
	}
	return p
}

// merge combines the images' events in score order into one point per
// distinct score of the category: a k-way merge with a binary heap of images.
func merge(outs []imageOut, opts Options, gtRegions int64, full bool) Points {
	total := 0
	h := make([]int32, 0, len(outs)) // heap of image indices
	pos := make([]int, len(outs))
	for i, o := range outs {
		total += len(o.events)
		if len(o.events) > 0 {
			h = append(h, int32(i))
		}
	}
	less := func(a, b int32) bool {
		ka, kb := outs[a].events[pos[a]].key, outs[b].events[pos[b]].key
		return ka < kb || (ka == kb && a < b)
	}
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && less(h[r], h[l]) {
				m = r
			}
			if !less(h[m], h[i]) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	var p Points
	p.Threshold = make([]float64, 0, total)
	p.TP = make([]int64, 0, total)
	p.FP = make([]int64, 0, total)
	if full && opts.Need&NeedPRO != 0 {
		p.PRO = make([]float64, 0, total)
	}
	if full && opts.Need&NeedRC != 0 {
		p.Regions = make([]int64, 0, total)
		p.RC = make([]float64, 0, total)
	}
	var c curveState
	for len(h) > 0 {
		i := h[0]
		e := outs[i].events[pos[i]]
		c.addSums(e.d)
		pos[i]++
		if pos[i] == len(outs[i].events) {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
		if len(h) > 0 {
			j := h[0]
			if outs[j].events[pos[j]].key == e.key {
				continue // more pixels with the same score in another image
			}
		}
		p.appendPoint(float64(keyScore(e.key)), &c, full, opts, gtRegions)
	}
	return p
}
