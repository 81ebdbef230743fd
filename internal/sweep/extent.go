package sweep

import (
	"cmp"
	"math"
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/zsadbench/zsadbench/internal/parallel"
)

// With Options.Keep and RC on the exact grid, the sparse grid's points
// also draw the PRO-vs-RC curve, if RC does not stray far between them.
// Between two sparse points only normal pixels switch on: PRO stays the
// same while RC moves, so the exact curve runs up and down at that PRO,
// and the segment joining the two points is within the tolerance of it
// only if RC stays within the tolerance of the two ends' range. Where RC
// goes depends on how the images' pixels interleave, which the sparse
// grid does not sort. But each image knows how far its own RC numerator
// (qualities) and denominator (regions) move within a bucket, and at
// every threshold the category's sums are the start's plus each image's
// change so far: so the sums stay within the start's plus the images'
// lowest and highest changes, and RC = numerator / denominator within the
// ratios of those bounds. Where those bounds are not within the
// tolerance, the images' changes of RC's sums at each score of the bucket
// (rcEvent, a few per region made or merged) are sorted across images and
// replayed: the points where RC is lowest and highest within the bucket
// (rcPeaks) join the curve, which then covers every point of the exact
// curve there.

// rcExtent sums over images the lowest and highest change of RC's
// numerator (fixed point, as a float) and denominator within a bucket.
type rcExtent struct {
	loQ, hiQ, loR, hiR float64
}

// imageExtent is one image's change within its current bucket.
type imageExtent struct {
	q, r               int64 // the change so far
	loQ, hiQ, loR, hiR int64 // its extremes, from 0
}

func (e *imageExtent) reach() {
	e.loQ, e.hiQ = min(e.loQ, e.q), max(e.hiQ, e.q)
	e.loR, e.hiR = min(e.loR, e.r), max(e.hiR, e.r)
}

// flush adds the image's extremes to the bucket's and starts over.
func (e *imageExtent) flush(to *rcExtent) {
	to.loQ += float64(e.loQ)
	to.hiQ += float64(e.hiQ)
	to.loR += float64(e.loR)
	to.hiR += float64(e.hiR)
	*e = imageExtent{}
}

// rcEvent is the change of an image's RC sums at one of its scores in a
// bucket of normal pixels.
// Its bucket follows from its key (16 bytes, not 24: there are tens of
// millions).
type rcEvent struct {
	key uint32 // the score's order key
	dr  int32  // the change of RC's denominator
	dq  int64  // the change of RC's numerator (fixed point)
}

// rcEvents are a worker's events, in blocks: appending never copies
// (tens of millions of events take hundreds of megabytes). The workers
// share a budget of blocks (eventBudget): past it, they record no more and
// the category falls back to the full grid, so that the events never take
// more memory than the full grid's sort keys.
type rcEvents struct {
	blocks [][]rcEvent
	budget *eventBudget
}

const rcEventBlock = 1 << 14

// rcEventBlockBytes is the memory of one block of events.
const rcEventBlockBytes = rcEventBlock * int64(unsafe.Sizeof(rcEvent{}))

// eventBudget is the number of blocks of events the workers may still
// take; over is set once one was refused.
type eventBudget struct {
	left atomic.Int64
	over atomic.Bool
}

func (l *rcEvents) add(e rcEvent) {
	n := len(l.blocks)
	if n == 0 || len(l.blocks[n-1]) == rcEventBlock {
		if l.budget.left.Add(-1) < 0 {
			l.budget.over.Store(true)
			return
		}
		l.blocks = append(l.blocks, make([]rcEvent, 0, rcEventBlock))
		n++
	}
	l.blocks[n-1] = append(l.blocks[n-1], e)
}

// rcBucket is a bucket of normal pixels (2j) where RC may stray, and the
// state before it.
type rcBucket struct {
	j             int
	before, after curveState
}

// rcStray returns the buckets of normal pixels where RC's bounds do not
// lie within tol of the range of its ends (the sparse points either
// side). Points without a predicted region are not on the curve.
func (sp *sparsePoints) rcStray(tol float64, shift uint) (stray []rcBucket) {
	scale := math.Ldexp(1, -int(shift))
	var c curveState
	m := len(sp.keys)
	for j := 0; j <= m; j++ {
		before := c
		if sp.add(&c, 2*j) > 0 && c.regions > 0 {
			var e rcExtent
			for _, s := range sp.per {
				x := s.ext[j]
				e.loQ, e.hiQ, e.loR, e.hiR = e.loQ+x.loQ, e.hiQ+x.hiQ, e.loR+x.loR, e.hiR+x.hiR
			}
			q0, r0 := before.rc.float(shift), float64(before.regions)
			loQ, hiQ := max(0, q0+e.loQ*scale), q0+e.hiQ*scale
			loR, hiR := max(1, r0+e.loR), max(1, r0+e.hiR)
			lo, hi := loQ/hiR, min(1, hiQ/loR)
			a, b := c.meanRC(shift), c.meanRC(shift)
			if before.regions > 0 {
				a = before.meanRC(shift)
			}
			// (Where the curve starts in the bucket, its first point is
			// needed.)
			if before.regions == 0 || min(a, b)-lo > tol || hi-max(a, b) > tol {
				stray = append(stray, rcBucket{j: j, before: before, after: c})
			}
		}
		if j < m {
			sp.add(&c, 2*j+1)
		}
	}
	return stray
}

// rcPeaks replays the images' RC events in the buckets where RC may stray
// and returns the points of each that the PRO-vs-RC curve needs to stay
// within tol of every point of the full curve: those where RC turns back
// by more than tol (kept so that every point between two kept ones lies
// within tol of the range of those two, at the bucket's fixed PRO), and
// the first point with a predicted region, where the curve starts. They
// come from the highest threshold down; their TP and FP are those before
// the bucket (only normal pixels switch on in it). bounds are the
// buckets' (bucketBounds).
func (sp *sparsePoints) rcPeaks(stray []rcBucket, bounds []uint32, tol float64, shift uint, gtRegions int64) *Points {
	out := &Points{}
	if len(stray) == 0 {
		return out
	}
	which := make([]int32, len(sp.keys)+1)
	for i := range which {
		which[i] = -1
	}
	for i, b := range stray {
		which[b.j] = int32(i)
	}
	// A worker's events come image by image, their keys ascending within
	// an image: each event's bucket is a few bounds on from the last.
	type located struct {
		rcEvent
		bucket uint32
	}
	// Each worker's events are located on their own (most are in buckets
	// that do not stray, and are dropped).
	found := make([][]located, len(sp.per))
	parallel.Workers(len(sp.per), func(w int) {
		var out []located
		b, last := 0, uint32(0)
		for _, blk := range sp.per[w].events.blocks {
			for _, e := range blk {
				if e.key < last {
					b = 0 // the next image
				}
				last = e.key
				b = advance(bounds, b, e.key)
				if j := b >> 1; which[j] >= 0 {
					out = append(out, located{e, uint32(j)})
				}
			}
		}
		found[w] = out
	})
	ev := slices.Concat(found...)
	// Keys ascend from the highest score down, and the buckets with them.
	slices.SortFunc(ev, func(a, b located) int { return cmp.Compare(a.key, b.key) })
	type state struct {
		key uint32
		c   curveState
		rc  float64
	}
	var seq []state
	for i := 0; i < len(ev); {
		j := ev[i].bucket
		b := &stray[which[j]]
		end := sp.last(int(j))
		// The bucket's states with a region, in order: the one before it
		// (not emitted again), those at its events, and its end (a point
		// of Exact, not emitted again).
		seq = seq[:0]
		c := b.before
		if c.regions > 0 {
			seq = append(seq, state{c: c, rc: c.meanRC(shift)})
		}
		for i < len(ev) && ev[i].bucket == j {
			k := ev[i].key
			for ; i < len(ev) && ev[i].key == k; i++ {
				c.rc.add(ev[i].dq)
				c.regions += int64(ev[i].dr)
			}
			if c.regions > 0 && k != end {
				seq = append(seq, state{key: k, c: c, rc: c.meanRC(shift)})
			}
		}
		seq = append(seq, state{key: end, c: b.after, rc: b.after.meanRC(shift)})
		// Keep the first state (if it is in the bucket), then, from each
		// kept state, the last state before the first one whose range
		// from the kept one leaves a state between them more than tol
		// outside.
		emit := func(st *state) {
			var q Point
			st.c.point(&q, float64(keyScore(st.key)), true, shift, gtRegions)
			out.append(&q, true, Options{Need: NeedAll})
		}
		if b.before.regions == 0 && len(seq) > 1 {
			emit(&seq[0])
		}
		k := 0
		lo, hi := math.Inf(1), math.Inf(-1) // of the states strictly between k and i
		for i := 1; i < len(seq); i++ {
			v, w := seq[k].rc, seq[i].rc
			if lo < min(v, w)-tol || hi > max(v, w)+tol {
				k = i - 1
				emit(&seq[k])
				lo, hi = math.Inf(1), math.Inf(-1)
			}
			lo, hi = min(lo, seq[i].rc), max(hi, seq[i].rc)
		}
	}
	return out
}
