package sweep

import (
	"cmp"
	"github.com/zsadbench/zsadbench/metric"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/zsadbench/zsadbench/connected"
)

// TestSparsePoints checks that the sparse exact grid gives exactly the
// points of the full grid at each distinct score of an anomalous pixel and
// just before it, and the last point, for every Need, in stretches whose
// prev is the point before them.
func TestSparsePoints(t *testing.T) {
	defer func(m int) { minSparseStretch = m }(minSparseStretch)
	minSparseStretch = 1
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := range 400 {
		cat := randomCategory(rng)
		opts := Options{Settings: metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05, RCPRODelta: 2}, Need: Need(1 + rng.IntN(int(NeedAll)))}
		if rng.IntN(2) == 0 {
			opts.Connectivity = connected.Four
		}
		if rng.IntN(2) == 0 {
			opts.RCAverage = metric.PerImage
		}
		if opts.Need&NeedRC != 0 {
			opts.Need |= NeedPRO
		}
		full, err := Run(cat, opts)
		if err != nil {
			t.Fatal(err)
		}
		p := &full.Exact
		var want []Point
		for k := range p.Threshold {
			last := k+1 == p.Len()
			tpChange := p.TP[k] != 0 && (k == 0 || p.TP[k] != p.TP[k-1])
			beforeChange := !last && p.TP[k+1] != p.TP[k]
			if tpChange || beforeChange || last {
				want = append(want, p.At(k))
			}
		}
		type stretch struct {
			prev *Point
			pts  []Point
		}
		var mu sync.Mutex
		var got []*stretch
		sparse := opts
		sparse.Sparse, sparse.Workers = true, 1+rng.IntN(4)
		sparse.Fold = func(prev *Point) func([]Point) {
			s := &stretch{}
			if prev != nil {
				q := *prev
				s.prev = &q
			}
			mu.Lock()
			got = append(got, s)
			mu.Unlock()
			return func(pts []Point) { s.pts = append(s.pts, pts...) }
		}
		res, err := Run(cat, sparse)
		if err != nil {
			t.Fatal(err)
		}
		if res.Positives != full.Positives || res.Negatives != full.Negatives || res.GTRegions != full.GTRegions {
			t.Fatalf("trial %d: counts %d/%d/%d, full grid %d/%d/%d", trial, res.Positives, res.Negatives, res.GTRegions,
				full.Positives, full.Negatives, full.GTRegions)
		}
		slices.SortFunc(got, func(a, b *stretch) int {
			switch {
			case a.prev == nil:
				return -1
			case b.prev == nil:
				return 1
			case a.prev.Threshold > b.prev.Threshold:
				return -1
			}
			return 1
		})
		var all []Point
		for i, s := range got {
			if i > 0 && (s.prev == nil || *s.prev != all[len(all)-1]) {
				t.Fatalf("trial %d: stretch %d starts after %+v, the point before it is %+v", trial, i, s.prev, all[len(all)-1])
			}
			all = append(all, s.pts...)
		}
		if d := gocmp.Diff(want, all); d != "" {
			t.Fatalf("trial %d, need %d: (-full grid +sparse)\n%s", trial, opts.Need, d)
		}
	}
}

// TestSortPixels compares sortPixels with a plain stable sort, on images
// whose keys share some or all of their digits.
func TestSortPixels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	var s imageSweep
	for trial := range 300 {
		w, h := 1+rng.IntN(40), 1+rng.IntN(40)
		scores := make([]float32, w*h)
		levels := []int{1, 2, 5, 1000, 1 << 20}[rng.IntN(5)]
		for i := range scores {
			scores[i] = float32(rng.IntN(levels)) / float32(levels)
		}
		want := make([]uint64, len(scores))
		for p, v := range scores {
			want[p] = uint64(orderKey(v))<<32 | uint64(p+2*(p/w)+w+3)
		}
		slices.SortStableFunc(want, func(a, b uint64) int { return cmp.Compare(a>>32, b>>32) })
		got, ok := s.sortPixels(make([]uint64, len(scores)), scores, w)
		if !ok {
			t.Fatal("finite scores reported not finite")
		}
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d (%dx%d, %d levels): sorted wrongly", trial, w, h, levels)
		}
	}
	if _, ok := s.sortPixels(make([]uint64, 3), []float32{0, float32(math.NaN()), 1}, 3); ok {
		t.Error("NaN not reported")
	}
}

// TestAdvance checks advance, which walks or searches the bucket bounds,
// against a binary search from scratch.
func TestAdvance(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for trial := range 2000 {
		// Small sets with short steps, and large ones with long jumps
		// (which gallop).
		n, span, jump := 50, 200, 30
		if trial%2 == 1 {
			n, span, jump = 3000, 20000, 5000
		}
		keys := make([]uint32, rng.IntN(n))
		for i := range keys {
			keys[i] = uint32(rng.IntN(span)) // consecutive keys give equal bounds
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		bounds := bucketBounds(keys)
		j := 0
		for k := uint32(0); k < uint32(2*span+20); k += uint32(1 + rng.IntN(jump)) {
			want, _ := slices.BinarySearch(bounds, k+1)
			if j = advance(bounds, j, k); j != want {
				t.Fatalf("trial %d: key %d in bucket %d, want %d (bounds %v)", trial, k, j, want, bounds)
			}
		}
	}
}

// TestSparseFallsBack checks that a category whose sparse sums would take
// too much memory gets the full grid's points instead.
func TestSparseFallsBack(t *testing.T) {
	defer func(s int64) { sparseSlack = s }(sparseSlack)
	sparseSlack = -1 << 40
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := range 50 {
		cat := randomCategory(rng)
		opts := Options{Settings: metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05, RCPRODelta: 2, Workers: 1}, Need: NeedAll}
		full, err := Run(cat, opts)
		if err != nil {
			t.Fatal(err)
		}
		var got []Point
		opts.Sparse = true
		opts.Fold = func(*Point) func([]Point) { return func(pts []Point) { got = append(got, pts...) } }
		if _, err := Run(cat, opts); err != nil {
			t.Fatal(err)
		}
		var want []Point
		for k := range full.Exact.Threshold {
			want = append(want, full.Exact.At(k))
		}
		if d := gocmp.Diff(want, got); d != "" {
			t.Fatalf("trial %d: (-full grid +fallback)\n%s", trial, d)
		}
	}
}

// TestSparseEventsFallBack checks that a category whose RC events
// (Options.Keep) would take more memory than is left gets the full grid's
// points instead, that one that needs none is not affected, and that with
// the memory the sparse grid is used.
func TestSparseEventsFallBack(t *testing.T) {
	defer func(m int64) { maxEventBlocks = m }(maxEventBlocks)
	rng := rand.New(rand.NewPCG(10, 10))
	sparser, fellBack := 0, 0
	for trial := range 30 {
		cat := randomCategory(rng)
		opts := Options{Settings: metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05, RCPRODelta: 2, Workers: 2},
			Need: NeedAll, Keep: true, KeepRCTolerance: 1e-3}
		full, err := Run(cat, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.Sparse = true
		opts.Fold = func(*Point) func([]Point) { return func([]Point) {} }
		maxEventBlocks = -1
		sparse, err := Run(cat, opts)
		if err != nil {
			t.Fatal(err)
		}
		if sparse.Exact.Len() == full.Exact.Len() {
			continue // no normal pixel between anomalous ones: nothing to tell apart
		}
		sparser++
		maxEventBlocks = 0
		got, err := Run(cat, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got.RCPeaks != nil {
			// No list was needed: the sparse grid, as with the memory.
			if d := gocmp.Diff(sparse, got); d != "" {
				t.Fatalf("trial %d: (-with memory +without)\n%s", trial, d)
			}
			continue
		}
		fellBack++
		if d := gocmp.Diff(full.Exact, got.Exact); d != "" {
			t.Fatalf("trial %d: (-full grid +fallback)\n%s", trial, d)
		}
	}
	if sparser == 0 || fellBack == 0 {
		t.Errorf("%d categories took the sparse grid, %d fell back: want some of each", sparser, fellBack)
	}
}
