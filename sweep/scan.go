package sweep

import (
	"github.com/zsadbench/zsadbench/internal/parallel"
)

// foldBlock is the number of ranks (pixels, from the highest score down)
// of one block of exact-grid points (a variable for tests).
var foldBlock = 1 << 16

// BlockOf returns the block of the exact-grid point that follows prev (nil:
// the first point): block k holds the points whose run of equal scores
// starts at a rank in [k*2^16, (k+1)*2^16). Callers that fold points into
// sums (AP, curve areas) sum each block on its own and then the blocks in
// order, so that their floating-point results depend neither on how many
// workers scanned the blocks nor on whether the points were stored first.
func BlockOf(prev *Point) int {
	if prev == nil {
		return 0
	}
	return int((prev.TP + prev.FP) / int64(foldBlock))
}

// Fold receives the exact grid's points block by block (see BlockOf): for
// each block k with points, Fold(k, prev) returns the visitor of its points, in order,
// where prev is the point just before the block (nil for the first). Blocks
// are scanned in parallel, so Fold may be called concurrently, in any
// order, and the *Points are reused after each call.
type Fold func(block int, prev *Point) (visit func(*Point))

// scanner emits the points of one stretch of the sorted keys.
type scanner struct {
	keys      []uint64
	full      bool
	shift     uint
	gtRegions int64
	fold      Fold
	block     int
	visit     func(*Point)
	start     int // rank where the current run of equal scores starts
	// The point being emitted and the one before it (nil before the
	// first), swapped rather than copied.
	p, prev *Point
	points  [2]Point
}

// emit ends the run of equal scores at rank r with the state c.
func (s *scanner) emit(r int, c *curveState) {
	c.point(s.p, float64(keyScore(uint32(s.keys[r]>>32))), s.full, s.shift, s.gtRegions)
	if b := s.start / foldBlock; s.visit == nil || b != s.block {
		s.block = b
		s.visit = s.fold(b, s.prev)
	}
	s.visit(s.p)
	if s.prev == nil {
		s.prev = &s.points[1]
	}
	s.p, s.prev = s.prev, s.p
	s.start = r + 1
}

// scanBounds cuts the sorted keys into one stretch per worker, each made
// of whole blocks; stretch w is [bounds[w], bounds[w+1]). A stretch starts
// at the first run of equal scores that starts in it, so runs of ties are
// never split.
func scanBounds(keys []uint64, workers int) (bounds []int) {
	n := len(keys)
	blocks := (n + foldBlock - 1) / foldBlock
	workers = max(1, min(workers, blocks))
	bounds = make([]int, workers+1)
	for w := 1; w < workers; w++ {
		r := max(blocks*w/workers*foldBlock, bounds[w-1])
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

// scanStretches runs run(w, lo, hi, c, s) for each stretch in parallel,
// with c the state at the start of the stretch and s a scanner ready to
// emit its points (run calls s.emit at the last rank of each run of equal
// scores).
func scanStretches(keys []uint64, bounds []int, starts []curveState, proto scanner,
	run func(w, lo, hi int, c *curveState, s *scanner)) {
	parallel.Workers(len(bounds)-1, func(w int) {
		lo, hi := bounds[w], bounds[w+1]
		if lo == hi {
			return
		}
		s := proto
		s.keys, s.start = keys, lo
		s.p = &s.points[0]
		c := starts[w]
		if lo > 0 {
			s.prev = &s.points[1]
			c.point(s.prev, float64(keyScore(uint32(keys[lo-1]>>32))), s.full, s.shift, s.gtRegions)
		}
		run(w, lo, hi, &c, &s)
	})
}
