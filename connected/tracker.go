package connected

// Tracker follows the regions of one image while its pixels switch on one at
// a time (in any order), without relabelling: union-find with union by size
// and path halving over int32 arrays.
//
// Each region carries what region-calibrated metrics need: its area and its
// overlap, in pixels, with every ground-truth region it touches, so that its
// best-matched ground-truth region (largest overlap, ties: lowest label) and
// that overlap are known at any time without a rescan.
//
// A Tracker can be reused for many images with Reset, which keeps its memory.
type Tracker struct {
	w, h   int
	conn   Connectivity
	gt     []int32  // ground-truth label per pixel, 0 = normal
	parent []int32  // -1 = pixel off; a root is its own parent
	reg    []region // per root
	lists  [][]Overlap
	top    []Overlap // per list: the best-matched label and its overlap
	free   []int32   // indices of lists no longer used
	n      int       // number of regions
	absorb []Match
}

// region is the state of a region, kept at its root in 8 bytes; the few
// regions that touch ground truth keep the rest in their overlap list.
type region struct {
	area int32
	list int32 // index into lists and top, -1 = overlaps no ground truth
}

// Overlap is the number of pixels a region shares with one ground-truth region.
type Overlap struct {
	Label  int32
	Pixels int32
}

// Match is the state of one tracked region.
type Match struct {
	Area int32
	// Best is the ground-truth label with the largest overlap (ties: lowest
	// label), 0 if the region overlaps no ground-truth region.
	Best int32
	// Overlap is the number of pixels the region shares with Best.
	Overlap int32
}

// NewTracker returns a tracker for a w x h image whose ground-truth regions are
// given by gt (labels 1..n from Label, 0 = normal; nil = all normal). All
// pixels start off.
func NewTracker(w, h int, c Connectivity, gt []int32) *Tracker {
	t := &Tracker{}
	t.Reset(w, h, c, gt)
	return t
}

// Reset prepares the tracker for a new w x h image with ground-truth labels gt
// (nil = all normal). All pixels start off.
func (t *Tracker) Reset(w, h int, c Connectivity, gt []int32) {
	if !c.Valid() {
		panic("connected: connectivity must be 4 or 8")
	}
	if gt != nil && len(gt) != w*h {
		panic("connected: len(gt) != w*h")
	}
	n := w * h
	t.w, t.h, t.conn, t.gt = w, h, c, gt
	grow := func(s []int32) []int32 {
		if cap(s) < n {
			return make([]int32, n)
		}
		return s[:n]
	}
	t.parent = grow(t.parent)
	for i := range t.parent {
		t.parent[i] = -1
	}
	if cap(t.reg) < n {
		t.reg = make([]region, n)
	}
	t.reg = t.reg[:n]
	for i := range t.lists {
		t.lists[i] = t.lists[i][:0]
	}
	t.free = t.free[:0]
	for i := len(t.lists) - 1; i >= 0; i-- {
		t.free = append(t.free, int32(i))
	}
	t.n = 0
}

// Regions returns the number of regions.
func (t *Tracker) Regions() int { return t.n }

// On reports whether pixel p is on.
func (t *Tracker) On(p int) bool { return t.parent[p] >= 0 }

// Find returns the root of the region of pixel p, which must be on.
func (t *Tracker) Find(p int32) int32 {
	par := t.parent
	for par[p] != p {
		par[p] = par[par[p]]
		p = par[p]
	}
	return p
}

// Region returns the state of the region whose root is r.
func (t *Tracker) Region(r int32) Match {
	g := t.reg[r]
	if g.list < 0 {
		return Match{Area: g.area}
	}
	b := t.top[g.list]
	return Match{Area: g.area, Best: b.Label, Overlap: b.Pixels}
}

// Add switches pixel p on (p must be off). It returns the root of the region
// that now holds p, and the state, just before this call, of each region that
// existed before it and is now part of that region (each once). Callers that
// score regions rescore the absorbed ones from these states, so no score
// needs to be cached per region. The returned slice is reused by the next
// call.
func (t *Tracker) Add(p int) (root int32, absorbed []Match) {
	parent := t.parent
	if parent[p] >= 0 {
		panic("connected: pixel added twice")
	}
	pp := int32(p)
	parent[pp] = pp
	r := region{area: 1, list: -1}
	if t.gt != nil {
		if g := t.gt[p]; g != 0 {
			r.list = t.newList(Overlap{Label: g, Pixels: 1})
		}
	}
	t.reg[pp] = r
	t.n++
	absorbed = t.absorb[:0]
	root = pp
	w := t.w
	x, y := p%w, p/w
	// The neighbours that are on, in a fixed order; at most 8.
	var nb [8]int32
	k := 0
	on := func(q int32) {
		if parent[q] >= 0 {
			nb[k] = q
			k++
		}
	}
	left, right := x > 0, x+1 < w
	if left {
		on(pp - 1)
	}
	if right {
		on(pp + 1)
	}
	eight := t.conn == Eight
	if y > 0 {
		up := pp - int32(w)
		on(up)
		if eight && left {
			on(up - 1)
		}
		if eight && right {
			on(up + 1)
		}
	}
	if y+1 < t.h {
		down := pp + int32(w)
		on(down)
		if eight && left {
			on(down - 1)
		}
		if eight && right {
			on(down + 1)
		}
	}
	for _, q := range nb[:k] {
		rq := t.Find(q)
		if rq == root {
			continue
		}
		absorbed = append(absorbed, t.Region(rq))
		root = t.union(root, rq)
	}
	if cap(absorbed) != cap(t.absorb) {
		t.absorb = absorbed
	}
	return root, absorbed
}

func (t *Tracker) newList(o Overlap) int32 {
	if k := len(t.free); k > 0 {
		i := t.free[k-1]
		t.free = t.free[:k-1]
		t.lists[i] = append(t.lists[i][:0], o)
		t.top[i] = o
		return i
	}
	t.lists = append(t.lists, []Overlap{o})
	t.top = append(t.top, o)
	return int32(len(t.lists) - 1)
}

// union joins the regions with roots a and b and returns the new root. The
// smaller region's overlaps are added into the larger one's, so every pixel's
// overlap entry moves O(log n) times.
func (t *Tracker) union(a, b int32) int32 {
	ra, rb := &t.reg[a], &t.reg[b]
	if ra.area < rb.area {
		a, b, ra, rb = b, a, rb, ra
	}
	t.parent[b] = a
	ra.area += rb.area
	t.n--
	lb := rb.list
	if lb < 0 {
		return a
	}
	la := ra.list
	if la < 0 {
		ra.list = lb
		return a
	}
	best := t.top[la]
	if ob := t.top[lb]; ob.Pixels > best.Pixels || (ob.Pixels == best.Pixels && ob.Label < best.Label) {
		best = ob
	}
	small, large := t.lists[lb], t.lists[la]
	if len(small) > len(large) {
		// Merge the shorter list into the longer one; the lists swap owners.
		small, large = large, small
		la, lb = lb, la
		ra.list = la
	}
	// Counts only grow, so the new best is an old best or an updated entry.
	for _, o := range small {
		k := -1
		for i := range large {
			if large[i].Label == o.Label {
				k = i
				break
			}
		}
		var c int32
		if k < 0 {
			large = append(large, o)
			c = o.Pixels
		} else {
			large[k].Pixels += o.Pixels
			c = large[k].Pixels
		}
		if c > best.Pixels || (c == best.Pixels && o.Label < best.Label) {
			best = Overlap{Label: o.Label, Pixels: c}
		}
	}
	t.lists[la] = large
	t.lists[lb] = small[:0]
	t.free = append(t.free, lb)
	t.top[la] = best
	return a
}
