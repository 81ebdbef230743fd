package sweep

import (
	"github.com/zsadbench/zsadbench/internal/parallel"
)

// Fold receives the exact grid's points in stretches of consecutive
// points, scanned in parallel: for each stretch, Fold(prev) returns the
// visitor of its points, which it is then given in order, in batches, where
// prev is the point just before the stretch (nil for the first). Fold may be
// called concurrently, and the batches are reused after each call. Callers
// fold each stretch on its own and merge the stretches (see
// roc.Accumulator.Merge): how the points are cut into stretches depends on
// the number of workers.
type Fold func(prev *Point) (visit func([]Point))

// batch is the number of points a visitor gets at once: enough to make the
// call's cost vanish, few enough to stay in the first-level cache.
const batch = 256

// points buffers points for a visitor.
type points struct {
	buf   [batch]Point
	n     int
	visit func([]Point)
}

// next returns the point to fill next; the previous one is at last().
func (b *points) next() *Point {
	if b.n == batch {
		b.flush()
	}
	b.n++
	return &b.buf[b.n-1]
}

// flush hands the buffered points to the visitor.
func (b *points) flush() {
	if b.n > 0 {
		b.visit(b.buf[:b.n])
		b.n = 0
	}
}

// scanner emits the points of one stretch of the sorted keys.
type scanner struct {
	full      bool
	shift     uint
	gtRegions int64
	fold      Fold
	prev      *Point // the point before the stretch, nil for the first
	out       *points
}

// emit ends the run of equal scores of key k with the state c.
func (s *scanner) emit(k uint64, c *curveState) {
	if s.out.visit == nil {
		s.out.visit = s.fold(s.prev)
	}
	c.point(s.out.next(), float64(keyScore(uint32(k>>32))), s.full, s.shift, s.gtRegions)
}

// scanBounds cuts the sorted keys into one stretch per worker; stretch w
// is [bounds[w], bounds[w+1]). A stretch starts at the first run of equal
// scores that starts in its share, so runs of ties are never split.
func scanBounds(keys []uint64, workers int) (bounds []int) {
	n := len(keys)
	workers = max(1, min(workers, n))
	bounds = make([]int, workers+1)
	for w := 1; w < workers; w++ {
		r := max(n*w/workers, bounds[w-1])
		for r < n && r > 0 && keys[r]>>32 == keys[r-1]>>32 {
			r++
		}
		bounds[w] = r
	}
	bounds[workers] = n
	return bounds
}

// stretchStarts turns each stretch's total change into the state at its
// start.
func stretchStarts(totals []curveState) []curveState {
	var acc curveState
	for w := range totals {
		acc, totals[w] = acc.plus(totals[w]), acc
	}
	return totals
}

// scanStretches runs run(w, keys[lo:hi], c, s) for each stretch [lo, hi)
// in parallel, with c the state at the start of the stretch and s a scanner
// ready to emit its points (run calls s.emit at the last key of each run of
// equal scores).
func scanStretches(keys []uint64, bounds []int, starts []curveState, proto scanner,
	run func(w int, ks []uint64, c *curveState, s *scanner)) {
	parallel.Workers(len(bounds)-1, func(w int) {
		lo, hi := bounds[w], bounds[w+1]
		if lo == hi {
			return
		}
		s := proto
		s.out = &points{}
		c := starts[w]
		if lo > 0 {
			s.prev = &Point{}
			c.point(s.prev, float64(keyScore(uint32(keys[lo-1]>>32))), s.full, s.shift, s.gtRegions)
		}
		run(w, keys[lo:hi], &c, &s)
		s.out.flush()
	})
}
