package tracker

import (
	"unsafe"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/internal/reuse"
)

// Tracker follows the regions of one image while its pixels switch on one at
// a time (in any order), without relabelling: union-find with union by size
// and path halving over int32 arrays.
//
// Each region carries what region-calibrated metrics need: its area and its
// overlap, in pixels, with every ground-truth region it touches, so that its
// best-matched ground-truth region (largest overlap, ties: lowest label) and
// that overlap are known at any time without a rescan.
//
// Pixels are named by their index in the image framed by a one-pixel border
// that never switches on (Index converts): a pixel's neighbours are then at
// fixed offsets, with no bounds to check and no division. Which neighbours
// are on is read from a bitmap (three loads, one per row) as one 8-bit mask,
// and a table gives one neighbour per group of neighbours that touch each
// other (so are already one region): most pixels need a single Find. The
// sweep is bound by instructions more than by memory, so the mask is built
// with as few as possible.
//
// A Tracker can be reused for many images with Reset, which keeps its memory.
type Tracker struct {
	w, h  int
	fw    int32  // framed width, w + 2
	inner uint32 // framed indices from fw+1 on, below fw+1+inner, are inside the frame's inner rows
	conn  connected.Connectivity
	gt    []int32 // framed ground-truth label per pixel, 0 = normal; nil when none
	gtBuf []int32 // gt's memory, kept for the next image
	// Per framed pixel, as small as can be, since pixels switch on in
	// score order, all over the image: whether it is on and whether it is
	// in ground truth, a bit each (bitmaps small enough for the first-level
	// cache); where on, the parent, or at a root a negative number,
	// ^(area | listBit when the region overlaps ground truth) (Add) or
	// ^(birth number) (AddCount); the overlap list of a root with listBit.
	on       []byte
	inGT     []byte
	parent   []int32
	listOf   []int32
	lists    [][]Overlap
	top      []Overlap   // per list: the best-matched label and its overlap
	free     []int32     // indices of lists no longer used
	n        int         // number of regions
	births   int32       // regions born so far (AddCount)
	offset   [8]int32    // offsets of the neighbours, in mask order (neighbourXY)
	table    *[256]group // groups8 or groups4
	keep     uint32      // the mask bits the connectivity sees
	absorbed []int32     // Add's lists
	// keepParts asks Add for parts (see Parts).
	keepParts bool
	parts     []Match
}

// A root's parent entry is ^(area | listBit when its region overlaps ground
// truth and listOf holds its overlap list): Find, which reads it, then knows
// the region's state without another access. Areas are below 2^27.
const (
	listBit  = 1 << 30
	areaMask = listBit - 1
)

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

// neighbourXY are the neighbours of a pixel in row order, as (dx, dy): bit i
// of a neighbour mask is neighbourXY[i]. Row order puts each row's bits next
// to each other, so the mask is the three rows' bits side by side.
var neighbourXY = [8][2]int{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}}

// The bits of the edge neighbours (up, left, right, down), which alone count
// under 4-connectivity.
const edgeBits = 1<<1 | 1<<3 | 1<<4 | 1<<6

// group lists one neighbour (a bit of the mask) per group of on neighbours
// that are connected among themselves.
type group struct {
	n   uint8
	pos [4]uint8
}

// groups[c][mask] for each neighbour mask, under 8- and 4-connectivity (4:
// only the edge neighbours, edgeBits, are ever set).
var groups8, groups4 = groupTable(connected.Eight), groupTable(connected.Four)

func groupTable(c connected.Connectivity) (t [256]group) {
	touch := func(a, b int) bool {
		dx, dy := neighbourXY[a][0]-neighbourXY[b][0], neighbourXY[a][1]-neighbourXY[b][1]
		dx, dy = max(dx, -dx), max(dy, -dy)
		if c == connected.Four {
			return dx+dy == 1
		}
		return max(dx, dy) == 1
	}
	for m := range 256 {
		var seen [8]bool
		for a := range 8 {
			if m&(1<<a) == 0 || seen[a] {
				continue
			}
			g := &t[m]
			if int(g.n) == len(g.pos) {
				panic("connected: more than four groups of neighbours")
			}
			g.pos[g.n] = uint8(a)
			g.n++
			// Mark a's whole group: flood over touching on neighbours.
			stack := []int{a}
			seen[a] = true
			for len(stack) > 0 {
				b := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for d := range 8 {
					if m&(1<<d) != 0 && !seen[d] && touch(b, d) {
						seen[d] = true
						stack = append(stack, d)
					}
				}
			}
		}
	}
	return t
}

// NewTracker returns a tracker for a w x h image whose ground-truth regions are
// given by gt (labels 1..n from Label, 0 = normal; nil = all normal). All
// pixels start off.
func NewTracker(w, h int, c connected.Connectivity, gt []int32) *Tracker {
	t := &Tracker{}
	t.Reset(w, h, c, gt)
	return t
}

// Reset prepares the tracker for a new w x h image with ground-truth labels gt
// (row-major, unframed; nil = all normal). All pixels start off.
func (t *Tracker) Reset(w, h int, c connected.Connectivity, gt []int32) {
	if !c.Valid() {
		panic("connected: connectivity must be 4 or 8")
	}
	if gt != nil && len(gt) != w*h {
		panic("connected: len(gt) != w*h")
	}
	t.w, t.h, t.fw, t.conn = w, h, int32(w+2), c
	n := (w + 2) * (h + 2)
	t.inner = uint32(max(0, n-2*(w+2)-2))
	// Eight bytes beyond the last pixel's, for three's 64-bit loads.
	t.on = reuse.Slice(t.on, n/8+9)
	clear(t.on)
	t.parent = reuse.Slice(t.parent, n)
	t.listOf = reuse.Slice(t.listOf, n)
	if gt != nil {
		t.gtBuf = Frame(t.gtBuf, gt, w, h)
		t.gt = t.gtBuf
		t.inGT = reuse.Slice(t.inGT, len(t.on))
		clear(t.inGT)
		for q, l := range t.gt {
			if l != 0 {
				t.inGT[q>>3] |= 1 << (q & 7)
			}
		}
	} else {
		t.gt = nil // no pixel is in ground truth, so no label is ever read
	}
	for i, xy := range neighbourXY {
		t.offset[i] = int32(xy[0]) + int32(xy[1])*t.fw
	}
	t.table, t.keep = &groups8, 0xff
	if c == connected.Four {
		t.table, t.keep = &groups4, edgeBits
	}
	for i := range t.lists {
		t.lists[i] = t.lists[i][:0]
	}
	t.free = t.free[:0]
	for i := len(t.lists) - 1; i >= 0; i-- {
		t.free = append(t.free, int32(i))
	}
	t.n, t.births = 0, 0
}

// Frame returns labels (row-major, w x h) framed by a one-pixel border of
// zeros, (w+2) x (h+2), the layout of a Tracker's indices. It reuses dst's
// memory when it is large enough.
func Frame(dst, labels []int32, w, h int) []int32 {
	fw := w + 2
	dst = reuse.Slice(dst, fw*(h+2))
	clear(dst[:fw])
	for y := range h {
		row := dst[(y+1)*fw : (y+2)*fw]
		row[0], row[fw-1] = 0, 0
		copy(row[1:], labels[y*w:(y+1)*w])
	}
	clear(dst[(h+1)*fw:])
	return dst
}

// Labels returns the framed ground-truth labels given to Reset (nil when
// none were). The slice belongs to the tracker.
func (t *Tracker) Labels() []int32 { return t.gt }

// Index returns the framed index of pixel p (row-major in the w x h image).
func (t *Tracker) Index(p int) int32 {
	return int32(p + 2*(p/t.w) + t.w + 3)
}

// GT returns the ground-truth label of the pixel at framed index q.
func (t *Tracker) GT(q int32) int32 {
	if t.gt == nil || t.inGT[q>>3]&(1<<(q&7)) == 0 {
		return 0 // without reading the labels
	}
	return t.gt[q]
}

// Regions returns the number of regions.
func (t *Tracker) Regions() int { return t.n }

// three returns the on bits of the framed pixels p-1, p and p+1, in bits
// 0, 1 and 2: one 64-bit load from the byte that holds p-1's bit. p must be
// an index of the frame's inner rows (groups checks), so that the eight
// bytes lie in t.on, which has eight bytes to spare. The load is unchecked:
// with the row-order mask, dropping the three checks a pixel took the mask
// from 7.6 to 4.8 ns a pixel.
func (t *Tracker) three(p int32) uint32 {
	i := uint32(p - 1)
	w := *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(t.on)), i>>3))
	return uint32(w>>(i&7)) & 7
}

// Find returns the root of the region of the pixel at framed index q, which
// must be on.
func (t *Tracker) Find(q int32) int32 {
	par := t.parent
	for {
		p := par[q]
		if p < 0 {
			return q
		}
		pp := par[p]
		if pp < 0 {
			return p
		}
		par[q] = pp // path halving
		q = pp
	}
}

// Region returns the state of the region whose root is r.
func (t *Tracker) Region(r int32) Match {
	x := ^t.parent[r]
	area := x & areaMask
	if x&listBit == 0 {
		return Match{Area: area}
	}
	b := t.top[t.listOf[r]]
	return Match{Area: area, Best: b.Label, Overlap: b.Pixels}
}

// Add switches on the pixel at framed index q (it must be off). It returns
// the root of the region that now holds q, the number of regions that
// existed before this call and are now part of that region, and the overlap
// lists (see List) of those of them that overlap ground truth, each once:
// a caller that keeps a score per region, by list, gets the scores of the
// regions merged. The returned slice is reused by the next call.
func (t *Tracker) Add(q int32) (root int32, joined int, lists []int32) {
	g := t.groups(q)
	if t.GT(q) != 0 {
		t.listOf[q] = t.newList(Overlap{Label: t.gt[q], Pixels: 1})
		t.parent[q] = ^int32(1 | listBit)
	} else {
		t.parent[q] = ^int32(1)
	}
	t.on[q>>3] |= 1 << (q & 7)
	t.n++
	lists = t.absorbed[:0]
	root = q
	for _, pos := range g.pos[:g.n] {
		rq := t.Find(q + t.offset[pos])
		if rq == root {
			continue
		}
		if ^t.parent[rq]&listBit != 0 {
			if t.keepParts && len(lists) > 0 {
				if len(lists) == 1 {
					t.parts = append(t.parts[:0], t.Region(root))
				}
				t.parts = append(t.parts, t.Region(rq))
			}
			lists = append(lists, t.listOf[rq])
		}
		joined++
		root = t.union(root, rq)
	}
	if cap(lists) != cap(t.absorbed) {
		t.absorbed = lists
	}
	return root, joined, lists
}

// KeepParts sets whether Add keeps the parts it merges (see Parts).
func (t *Tracker) KeepParts(on bool) { t.keepParts = on }

// Parts returns, after an Add of a pixel outside ground truth whose lists
// number two or more, with KeepParts on, the states of the regions of
// those lists just before they merged: Parts()[k] is that of lists[k],
// the first one with the pixel (and any region that overlaps no ground
// truth that joined it first). The slice is reused by the next call.
func (t *Tracker) Parts() []Match { return t.parts }

// Overlaps reports whether the region whose root is r overlaps a
// ground-truth region.
func (t *Tracker) Overlaps(r int32) bool { return ^t.parent[r]&listBit != 0 }

// List returns the number of the overlap list of the region whose root is
// r, which must overlap ground truth. Numbers are small (below the number
// of such regions there have been at once) and stay with a region until it
// is absorbed: when regions merge, the merged region keeps the list of one
// of them, and the others' numbers are free for new regions.
func (t *Tracker) List(r int32) int32 { return t.listOf[r] }

// groups returns the groups of the neighbours that are on of the pixel at
// framed index q, which must be off and inside the frame.
func (t *Tracker) groups(q int32) *group {
	fw := t.fw
	if uint32(q-fw-1) >= t.inner {
		// Outside the frame's inner rows; three's loads need this.
		panic("connected: pixel index out of range")
	}
	up, mid, down := t.three(q-fw), t.three(q), t.three(q+fw)
	if mid&2 != 0 {
		panic("connected: pixel added twice")
	}
	// Mask bits in row order: the row above, left and right, the row below.
	return &t.table[(up|mid&1<<3|mid&4<<2|down<<5)&t.keep]
}

// AddCount switches on the pixel at framed index q (it must be off), like
// Add, and returns the change of the number of regions: 1 minus the number
// of regions it joins. It keeps no state of the regions (their area and
// overlaps, which Region reports), so it is much cheaper; a tracker must be
// given every pixel of an image through Add or every pixel through AddCount.
//
// A pixel that joins one region is linked to its neighbour's parent
// without a Find. When regions merge, the elder (born first) stays the
// root: a root's parent entry holds ^ its birth number, and elder regions
// are mostly the larger ones, so the trees stay shallow without sizes;
// path halving in the Finds does the rest.
func (t *Tracker) AddCount(q int32) int {
	g := t.groups(q)
	t.on[q>>3] |= 1 << (q & 7)
	par := t.parent
	if g.n < 2 {
		// One branch for both cases, which noisy maps mix unpredictably:
		// a new region (its birth number) or its neighbour's parent.
		nb := q + t.offset[g.pos[0]]
		p := par[nb]
		if p < 0 {
			p = nb
		}
		born := 1 - int32(g.n)
		t.births += born
		p = p&^-born | ^t.births&-born
		par[q] = p
		t.n += int(born)
		return int(born)
	}
	root := t.Find(q + t.offset[g.pos[0]])
	joined := 1
	for _, pos := range g.pos[1:g.n] {
		if r := t.Find(q + t.offset[pos]); r != root {
			if par[r] > par[root] { // r is the elder: ^birth is larger
				r, root = root, r
			}
			par[r] = root
			joined++
		}
	}
	par[q] = root
	t.n += 1 - joined
	return 1 - joined
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
	par := t.parent
	xa, xb := ^par[a], ^par[b]
	if xa&areaMask < xb&areaMask {
		a, b, xa, xb = b, a, xb, xa
	}
	par[a] = ^(xa&areaMask + xb&areaMask | (xa|xb)&listBit)
	par[b] = a
	t.n--
	if xb&listBit == 0 {
		return a
	}
	lb := t.listOf[b]
	if xa&listBit == 0 {
		t.listOf[a] = lb
		return a
	}
	la := t.listOf[a]
	best := t.top[la]
	if ob := t.top[lb]; ob.Pixels > best.Pixels || (ob.Pixels == best.Pixels && ob.Label < best.Label) {
		best = ob
	}
	small, large := t.lists[lb], t.lists[la]
	if len(small) > len(large) {
		// Merge the shorter list into the longer one; the lists swap owners.
		small, large = large, small
		la, lb = lb, la
		t.listOf[a] = la
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
