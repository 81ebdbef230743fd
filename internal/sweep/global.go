package sweep

import (
	"fmt"
	"math"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/metric"
)

// The exact grid with every point (Options.Sparse unset; see sparse.go for
// the sparse grid) is one sort of the whole category. With RC, each image
// is first sorted and swept on its own, in cache, in parallel: union-find
// merges its predicted regions from the highest score down and each pixel's
// change of the sums becomes the low half of its key, orderKey(score)<<32 |
// low (see lowSimple), while the image's changes are totalled per stretch of
// scores (see bins). A radix sort of the keys that starts from the images'
// sorted runs (sortInBins) then interleaves the images, and a final scan in
// parallel stretches, each from the totals of those before it, emits a
// point wherever the score changes. Without RC the low half is the pixel's
// ground-truth region or label, no image is swept, and an LSD radix sort
// (parallelRadixSort) ranks the keys.

// rankDelta is the change one pixel causes when it switches on, in 16
// bytes: the PRO sum's change (positive exactly for an anomalous pixel,
// which always belongs to a ground-truth region), and the RC numerator's
// change times 8 plus the change of the region count plus 4 (a pixel joins
// at most four regions, so that is 1..5).
type rankDelta struct {
	pro, rcRegions int64
}

func packDelta(d sums) rankDelta {
	return rankDelta{pro: d.pro, rcRegions: d.rc<<3 | (d.regions + 4)}
}

func (d rankDelta) rc() int64       { return d.rcRegions >> 3 }
func (d rankDelta) positive() int64 { return int64(uint64(-d.pro) >> 63) } // pro > 0 (it is never negative)
func (d rankDelta) regions() int64  { return d.rcRegions&7 - 4 }

// The low half of a key with RC: most pixels are normal and leave RC's
// numerator as it is, so the key itself says their change, lowSimple | the
// change of the region count plus 4; the others' changes are in an array
// of rankDelta, and the key holds their index there (below 2^31).
const lowSimple = 1 << 31

// bins is a category's histogram of the top 16 bits of its pixels' order
// keys, which cuts the final scan's stretches and sorts the keys (see
// sortInBins). Worker w counts images [share[w], share[w+1]).
type bins struct {
	share []int
	count [][]int32 // count[w][b]: worker w's pixels in bin b
	// from cuts the pixels into stretches of about equal size, one per
	// worker, at bin bounds: stretch w holds the keys in [from[w],
	// from[w+1]); from[0] = 0 and the last is 2^32 (as a uint32 beyond every
	// key: no finite score has the order key 0xffffffff, a NaN's).
	from []uint32
}

func newBins(images []metric.Image, workers int) *bins {
	bn := &bins{share: make([]int, workers+1), count: make([][]int32, workers)}
	for w := range workers {
		bn.share[w+1] = len(images) * (w + 1) / workers
	}
	parallel.Workers(workers, func(w int) {
		h := make([]int32, 1<<16)
		for i := bn.share[w]; i < bn.share[w+1]; i++ {
			for _, v := range images[i].Scores {
				h[orderKey(v)>>16]++
			}
		}
		bn.count[w] = h
	})
	n := int64(0)
	total := func(b int) int64 {
		t := int64(0)
		for _, h := range bn.count {
			t += int64(h[b])
		}
		return t
	}
	for b := range 1 << 16 {
		n += total(b)
	}
	bn.from = make([]uint32, 1, workers+1)
	cum, w := int64(0), 1
	for b := range 1 << 16 {
		for w < workers && cum >= n*int64(w)/int64(workers) && cum > 0 {
			if uint32(b)<<16 > bn.from[len(bn.from)-1] {
				bn.from = append(bn.from, uint32(b)<<16)
			}
			w++
		}
		cum += total(b)
	}
	bn.from = append(bn.from, math.MaxUint32)
	return bn
}

// sortInBins sorts keys whose upper halves are sorted image by image (image
// i's are keys[base[i]:base[i+1]]), into tmp, which it returns, with the
// ranks where the stretches of bn start. It is an MSD radix sort: one
// scatter by the top 16 bits, whose writes follow each image's order, so
// they stay near one another; then each bin, mostly small enough to stay in
// cache, sorted by the next 16 bits, in parallel by stretch. Keys with equal
// upper halves may end in any order.
func sortInBins(keys, tmp []uint64, base []int, bn *bins) (sorted []uint64, bounds []int) {
	workers := len(bn.count)
	// start[b]: bin b's first rank; at[w][b]: where worker w writes next.
	start := make([]int, 1<<16+1)
	at := make([][]int, workers)
	for w := range at {
		at[w] = make([]int, 1<<16)
	}
	r := 0
	for b := range 1 << 16 {
		start[b] = r
		for w, h := range bn.count {
			at[w][b] = r
			r += int(h[b])
		}
	}
	start[1<<16] = r
	parallel.Workers(workers, func(w int) {
		a := at[w]
		for _, k := range keys[base[bn.share[w]]:base[bn.share[w+1]]] {
			b := k >> 48
			tmp[a[b]] = k
			a[b]++
		}
	})
	bounds = make([]int, len(bn.from))
	for s, k := range bn.from {
		bounds[s] = start[min(int(k>>16), 1<<16)]
	}
	bounds[len(bounds)-1] = len(keys)
	parallel.Workers(len(bounds)-1, func(s int) {
		lo, hi := int(bn.from[s]>>16), min(int(bn.from[s+1]>>16), 1<<16)
		if s == len(bounds)-2 {
			hi = 1 << 16
		}
		for b := lo; b < hi; b++ {
			sortBin(tmp[start[b]:start[b+1]], keys[start[b]:start[b+1]])
		}
	})
	return tmp, bounds
}

// sortBin sorts keys that share their top 16 bits by the next 16, using
// scratch (of the same length).
func sortBin(keys, scratch []uint64) {
	if len(keys) <= 32 {
		for i := 1; i < len(keys); i++ {
			k := keys[i]
			j := i
			for j > 0 && keys[j-1]>>32 > k>>32 {
				keys[j] = keys[j-1]
				j--
			}
			keys[j] = k
		}
		return
	}
	var count [2][256]uint32
	for _, k := range keys {
		count[0][byte(k>>32)]++
		count[1][byte(k>>40)]++
	}
	src, dst := keys, scratch
	for d := range count {
		if radixPass(src, dst, count[d][:], uint(32+8*d), 0xff) {
			src, dst = dst, src
		}
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}

// stretchSums sums an image's changes per stretch, its pixels coming in
// ascending order of their keys.
type stretchSums struct {
	totals []curveState // per stretch, added to
	from   []uint32     // stretch bounds (bins.from)
	sw     int          // the current stretch
	next   uint64       // the first key beyond it, as a full key
	acc    sums         // the changes in stretch sw not yet in totals
}

// reach moves on to the stretch of key kv (math.MaxUint64: beyond the
// last), adding the changes so far to their stretch's total.
func (t *stretchSums) reach(kv uint64) {
	for kv >= t.next {
		t.totals[t.sw].addSums(t.acc)
		t.acc = sums{}
		if t.sw+1 == len(t.totals) {
			return // only the end of the image passes the last stretch
		}
		t.sw++
		t.next = uint64(t.from[t.sw+1]) << 32
	}
}

func (c *curveState) addSums(d sums) {
	c.tp += d.pos
	c.fp += d.neg
	c.regions += d.regions
	c.pro.add(d.pro)
	c.rc.add(d.rc)
}

// add adds the change of the pixel whose key has low half low.
func (c *curveState) addLow(low uint32, changes []rankDelta) {
	if low&lowSimple != 0 {
		c.fp++
		c.regions += int64(low&7) - 4
		return
	}
	d := changes[low]
	pos := d.positive()
	c.tp += pos
	c.fp += 1 - pos
	c.regions += d.regions()
	c.pro.add(d.pro)
	c.rc.add(d.rc())
}

// Buffers are the large arrays of an exact-grid sweep, 16 bytes a pixel
// and 16 bytes per pixel that changes RC or PRO. Reused from one category
// to the next, they are neither allocated nor zeroed again: fresh memory
// costs a page fault per 4 KiB on first touch, more than the sweep's own
// work on large categories.
type Buffers struct {
	keys, tmp []uint64
	changes   []rankDelta
}

// reuse returns n elements of *buf, growing it when it is too small; the
// contents are left as they are.
func reuse[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = nil // let the old array go before the new one is made
		*buf = make([]T, n)
	}
	return (*buf)[:n]
}

// chunk returns worker w's share [lo, hi) of n items.
func chunk(n, workers, w int) (lo, hi int) {
	return n * w / workers, n * (w + 1) / workers
}

// parallelRadixSort sorts keys by their upper 32 bits, stably, with byte
// digits: for each digit, each worker counts its chunk of the pass's input,
// then scatters it after every key with a smaller digit and the earlier
// chunks' keys with the same digit. A digit that is the same for every key
// is skipped. It returns the sorted slice (keys or tmp).
func parallelRadixSort(keys, tmp []uint64, workers int) []uint64 {
	n := len(keys)
	if n < 1<<16 || workers < 2 && n < 1<<31 {
		k, _ := radixSort(keys, tmp)
		return k
	}
	workers = max(1, workers)
	at := make([][256]int, workers)
	for shift := uint(32); shift < 64; shift += 8 {
		parallel.Workers(workers, func(w int) {
			c := &at[w]
			*c = [256]int{}
			lo, hi := chunk(n, workers, w)
			for _, k := range keys[lo:hi] {
				c[byte(k>>shift)]++
			}
		})
		d0 := byte(keys[0] >> shift)
		total := 0
		for w := range at {
			total += at[w][d0]
		}
		if total == n {
			continue // every key has the same digit
		}
		sum := 0
		for b := range 256 {
			for w := range at {
				c := at[w][b]
				at[w][b] = sum
				sum += c
			}
		}
		parallel.Workers(workers, func(w int) {
			c := &at[w]
			lo, hi := chunk(n, workers, w)
			for _, k := range keys[lo:hi] {
				b := byte(k >> shift)
				tmp[c[b]] = k
				c[b]++
			}
		})
		keys, tmp = tmp, keys
	}
	return keys
}

// finishExact sweeps the retained images on the exact grid and visits one
// point per distinct score. With full false it computes only TP and FP.
func (st *Stream) finishExact(full bool, fold Fold) error {
	images := st.images
	base := make([]int, len(images)+1)
	for i := range images {
		base[i+1] = base[i] + images[i].Width*images[i].Height
	}
	n := base[len(images)]
	if full && n >= lowSimple {
		return fmt.Errorf("%d pixels in one category; at most %d are supported", n, lowSimple-1)
	}
	bufs := st.opts.Buffers
	if bufs == nil {
		bufs = &Buffers{}
	}
	ex := &exact{st: st, images: images, base: base, bufs: bufs, keys: reuse(&bufs.keys, n),
		proto: scanner{full: full, shift: st.shift, fold: fold}}
	var positives int64
	var err error
	switch {
	case full && st.opts.Need&NeedRC != 0:
		positives, err = ex.regions()
	case full:
		positives, err = ex.overlaps()
	default:
		positives, err = ex.labels()
	}
	if err != nil {
		return err
	}
	st.res.Positives, st.res.Negatives = positives, int64(n)-positives
	return nil
}

// exact is the state of one exact-grid sweep. Each of its three passes
// (regions, overlaps, labels) fills keys with orderKey(score)<<32 | what
// the scan needs of the pixel, sorts them, and scans them in parallel
// stretches, the state at each stretch's start coming from the totals of
// the stretches before it. The scores are checked for NaN and ±Inf as they
// are read for the keys.
type exact struct {
	st     *Stream
	images []metric.Image
	base   []int // image i's pixels are keys[base[i]:base[i+1]]
	bufs   *Buffers
	keys   []uint64
	proto  scanner
}

func (ex *exact) workers() int { return len(ex.st.sweeps) }

// regions is the pass with RC: each image is sorted and swept on its own
// (imageSweep.sweepImage), its keys carrying each pixel's change or where
// it is (see lowSimple), and totals its changes per stretch of scores (see
// bins); sortInBins then interleaves the images.
func (ex *exact) regions() (positives int64, err error) {
	images, workers := ex.images, ex.workers()
	bn := newBins(images, workers)
	stretches := len(bn.from) - 1
	per := make([][]curveState, workers)
	// Image i's changes are written from changes[base[i]] on, as many as it
	// has: the array is as long as the category, but only the pages written
	// are ever touched.
	changes := reuse(&ex.bufs.changes, len(ex.keys))
	gtRegions := make([]int, len(images))
	err = parallel.Do(len(images), workers, func(w, i int) error {
		if per[w] == nil {
			per[w] = make([]curveState, stretches)
		}
		ss := stretchSums{totals: per[w], from: bn.from, next: uint64(bn.from[1]) << 32}
		lo, hi := ex.base[i], ex.base[i+1]
		var err error
		gtRegions[i], err = ex.st.sweeps[w].sweepImage(&images[i], ex.keys[lo:hi], changes, uint64(lo), &ss)
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, g := range gtRegions {
		ex.st.res.GTRegions += int64(g)
	}
	totals := make([]curveState, stretches)
	for _, p := range per {
		for k := range p {
			totals[k] = totals[k].plus(p[k])
		}
	}
	for _, t := range totals {
		positives += t.tp
	}
	keys, bounds := sortInBins(ex.keys, reuse(&ex.bufs.tmp, len(ex.keys)), ex.base, bn)
	ex.proto.gtRegions = ex.st.res.GTRegions
	scanStretches(keys, bounds, stretchStarts(totals), ex.proto, func(w int, ks []uint64, c *curveState, s *scanner) {
		for i, k := range ks {
			c.addLow(uint32(k), changes)
			if i+1 == len(ks) || ks[i+1]>>32 != k>>32 {
				s.emit(k, c)
			}
		}
	})
	return positives, nil
}

// overlaps is the pass with PRO but without RC: the keys carry each
// pixel's ground-truth region, numbered across the category (0 = normal),
// and no image is swept.
func (ex *exact) overlaps() (positives int64, err error) {
	images, workers, st := ex.images, ex.workers(), ex.st
	gtLabels := make([][]int32, len(images))
	counts := make([]int, len(images))
	parallel.For(len(images), workers, func(_, i int) {
		if im := &images[i]; im.Mask != nil {
			gtLabels[i], counts[i] = connected.Label(im.Mask, im.Width, im.Height, st.opts.Connectivity)
		}
	})
	gtBase := make([]int64, len(images)+1)
	for i, k := range counts {
		gtBase[i+1] = gtBase[i] + int64(k)
	}
	if gtBase[len(images)] >= math.MaxUint32 {
		return 0, fmt.Errorf("%d ground-truth regions in one category; at most %d are supported", gtBase[len(images)], uint64(math.MaxUint32-1))
	}
	gtArea := make([]int64, gtBase[len(images)]+1)
	for i, labels := range gtLabels {
		for _, l := range labels {
			if l != 0 {
				gtArea[gtBase[i]+int64(l)]++
			}
		}
	}
	st.res.GTRegions = gtBase[len(images)]
	if err := ex.labelKeys(gtLabels, gtBase); err != nil {
		return 0, err
	}
	keys, bounds := ex.sortLSD()
	// A region's PRO changes telescope: over a stretch where its covered
	// count goes from a to b, they add up to (b<<shift)/area -
	// (a<<shift)/area. So each stretch counts its pixels per region, and its
	// start state follows from the counts before it.
	stretches := len(bounds) - 1
	cov := make([][]int64, stretches) // per stretch: counts, then covered counts at its start
	parallel.Workers(stretches, func(w int) {
		cnt := make([]int64, len(gtArea))
		for _, k := range keys[bounds[w]:bounds[w+1]] {
			cnt[uint32(k)]++
		}
		cov[w] = cnt
	})
	starts := make([]curveState, stretches)
	covered := make([]int64, len(gtArea)) // per region, before stretch w
	for w, cnt := range cov {
		starts[w].tp, starts[w].fp = positives, int64(bounds[w])-positives
		for g := 1; g < len(covered); g++ {
			starts[w].pro.add((covered[g] << st.shift) / gtArea[g])
			k := cnt[g]
			cnt[g] = covered[g]
			covered[g] += k
			positives += k
		}
	}
	ex.proto.gtRegions = st.res.GTRegions
	scanStretches(keys, bounds, starts, ex.proto, func(w int, ks []uint64, c *curveState, s *scanner) {
		cov := cov[w]
		for i, k := range ks {
			if g := uint32(k); g != 0 {
				c.tp++
				cv, a := cov[g], gtArea[g]
				c.pro.add(((cv+1)<<st.shift)/a - (cv<<st.shift)/a)
				cov[g] = cv + 1
			} else {
				c.fp++
			}
			if i+1 == len(ks) || ks[i+1]>>32 != k>>32 {
				s.emit(k, c)
			}
		}
	})
	return positives, nil
}

// labels is the pass for TP and FP only: the keys carry each pixel's label.
func (ex *exact) labels() (positives int64, err error) {
	if err := ex.labelKeys(nil, nil); err != nil {
		return 0, err
	}
	keys, bounds := ex.sortLSD()
	totals := make([]curveState, len(bounds)-1)
	parallel.Workers(len(totals), func(w int) {
		c := &totals[w]
		for _, k := range keys[bounds[w]:bounds[w+1]] {
			c.tp += int64(k & 1)
		}
		c.fp = int64(bounds[w+1]-bounds[w]) - c.tp
	})
	for _, t := range totals {
		positives += t.tp
	}
	scanStretches(keys, bounds, stretchStarts(totals), ex.proto, func(w int, ks []uint64, c *curveState, s *scanner) {
		for i, k := range ks {
			pos := int64(k & 1)
			c.tp += pos
			c.fp += 1 - pos
			if i+1 == len(ks) || ks[i+1]>>32 != k>>32 {
				s.emit(k, c)
			}
		}
	})
	return positives, nil
}

// labelKeys fills the keys of every image, in parallel, with
// orderKey(score)<<32 | the pixel's ground-truth region numbered across the
// category (gtLabels and gtBase from overlaps), or its label (gtLabels nil).
func (ex *exact) labelKeys(gtLabels [][]int32, gtBase []int64) error {
	return parallel.Do(len(ex.images), ex.workers(), func(_, i int) error {
		im := &ex.images[i]
		out := ex.keys[ex.base[i]:ex.base[i+1]]
		var bad uint32
		for p, v := range im.Scores {
			bad |= finite.Not(v)
			var low uint64
			switch {
			case gtLabels != nil:
				if l := gtLabels[i]; l != nil && l[p] != 0 {
					low = uint64(gtBase[i] + int64(l[p]))
				}
			case im.Mask != nil && im.Mask[p]:
				low = 1
			}
			out[p] = uint64(orderKey(v))<<32 | low
		}
		if bad != 0 {
			return im.Validate()
		}
		return nil
	})
}

// sortLSD sorts the keys with parallelRadixSort and cuts them into one
// stretch per worker.
func (ex *exact) sortLSD() (keys []uint64, bounds []int) {
	keys = parallelRadixSort(ex.keys, reuse(&ex.bufs.tmp, len(ex.keys)), ex.workers())
	return keys, scanBounds(keys, ex.workers())
}
