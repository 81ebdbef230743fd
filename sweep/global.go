package sweep

import (
	"fmt"
	"math"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/metric"
)

// The exact grid is one sort of the whole category. With RC, each image
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
	var count [2][256]int
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

// firstError returns the first error in image order, whatever the timing.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// chunk returns worker w's share [lo, hi) of n items.
func chunk(n, workers, w int) (lo, hi int) {
	return n * w / workers, n * (w + 1) / workers
}

// parallelRadixSort sorts keys by their upper 32 bits, stably, with byte
// digits: each worker counts all four digits of its chunk in one read, then
// for each digit that is not the same for every key, scatters its chunk
// after the earlier chunks' keys of each digit value. It returns the sorted
// slice (keys or tmp).
func parallelRadixSort(keys, tmp []uint64, workers int) []uint64 {
	n := len(keys)
	if n < 1<<16 || workers < 2 {
		k, _ := radixSort(keys, tmp)
		return k
	}
	counts := make([][4][256]int, workers)
	parallel.Workers(workers, func(w int) {
		c := &counts[w]
		lo, hi := chunk(n, workers, w)
		for _, k := range keys[lo:hi] {
			c[0][byte(k>>32)]++
			c[1][byte(k>>40)]++
			c[2][byte(k>>48)]++
			c[3][byte(k>>56)]++
		}
	})
	at := make([][256]int, workers)
	for d := range 4 {
		shift := uint(32 + 8*d)
		d0 := byte(keys[0] >> shift)
		total := 0
		for w := range counts {
			total += counts[w][d][d0]
		}
		if total == n {
			continue // every key has the same digit
		}
		// Worker w's chunk of this pass's input goes after every key with a
		// smaller digit and the earlier chunks' keys with the same digit.
		// The input of a pass is the previous pass's output, whose chunks
		// differ from the first read's: count each chunk's digits again.
		parallel.Workers(workers, func(w int) {
			c := &at[w]
			*c = [256]int{}
			lo, hi := chunk(n, workers, w)
			for _, k := range keys[lo:hi] {
				c[byte(k>>shift)]++
			}
		})
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
	workers := len(st.sweeps)
	// The scores are checked for NaN and ±Inf as they are read for the keys;
	// errs holds each image's error.
	errs := make([]error, len(images))
	// Without RC, the low half of each key says all the scan needs: the
	// pixel's ground-truth region, numbered across the category (0 =
	// normal), or just its label. With RC it is the pixel's change or
	// where it is (see lowSimple).
	proOnly := full && st.opts.Need&NeedRC == 0
	var gtLabels [][]int32
	var gtArea []int64
	gtBase := make([]int64, len(images)+1)
	if proOnly {
		gtLabels = make([][]int32, len(images))
		counts := make([]int, len(images))
		parallel.Workers(workers, func(w int) {
			for i := w; i < len(images); i += workers {
				if im := &images[i]; im.Mask != nil {
					gtLabels[i], counts[i] = connected.Label(im.Mask, im.Width, im.Height, st.opts.Connectivity)
				}
			}
		})
		for i, k := range counts {
			gtBase[i+1] = gtBase[i] + int64(k)
		}
		if gtBase[len(images)] >= math.MaxUint32 {
			return fmt.Errorf("%d ground-truth regions in one category; at most %d are supported", gtBase[len(images)], uint64(math.MaxUint32-1))
		}
		gtArea = make([]int64, gtBase[len(images)]+1)
		for i, labels := range gtLabels {
			for _, l := range labels {
				if l != 0 {
					gtArea[gtBase[i]+int64(l)]++
				}
			}
		}
		st.res.GTRegions = gtBase[len(images)]
	}
	bufs := st.opts.Buffers
	if bufs == nil {
		bufs = &Buffers{}
	}
	keys := reuse(&bufs.keys, n)
	// With RC, the stretches of the final scan are cut by score before the
	// images are swept (from a histogram of the top 16 bits of the order
	// keys), so that each image's sweep sums its changes per stretch and
	// no pass over the sorted keys is needed for the stretches' start
	// states. Stretch w holds the keys in [from[w], from[w+1]).
	var changes []rankDelta
	var from []uint32
	var bn *bins
	var rcTotals []curveState
	if full && !proOnly {
		bn = newBins(images, workers)
		from = bn.from
		stretches := len(from) - 1
		per := make([][]curveState, workers)
		// Image i's changes are written from changes[base[i]] on, as many
		// as it has: the array is as long as the category, but only the
		// pages written are ever touched.
		changes = reuse(&bufs.changes, n)
		gtRegions := make([]int, len(images))
		parallel.For(len(images), workers, func(w, i int) {
			if per[w] == nil {
				per[w] = make([]curveState, stretches)
			}
			s := st.sweeps[w]
			out, at := keys[base[i]:base[i+1]], uint64(base[i])
			if !s.sortPixels(out, images[i].Scores, images[i].Width) {
				errs[i] = images[i].Validate()
				return
			}
			gtRegions[i] = s.begin(&images[i])
			ss := stretchSums{totals: per[w], from: from, next: uint64(from[1]) << 32}
			if s.gt == nil && st.opts.RCAverage == Pooled {
				// No ground truth: every quality is 0, and a pixel changes
				// only the number of regions (what imageSweep.add does,
				// without its bookkeeping).
				for j, kv := range out {
					if kv >= ss.next {
						ss.reach(kv)
					}
					dr := s.tracker.AddCount(int32(kv))
					ss.acc.neg++
					ss.acc.regions += int64(dr)
					out[j] = kv&^0xffffffff | uint64(lowSimple|(dr+4))
				}
				ss.reach(math.MaxUint64)
				s.end()
				return
			}
			for j, kv := range out {
				if kv >= ss.next {
					ss.reach(kv)
				}
				var d sums
				s.add(int32(kv), &d)
				acc := &ss.acc
				acc.pos += d.pos
				acc.neg += d.neg
				acc.regions += d.regions
				acc.pro += d.pro
				acc.rc += d.rc
				low := uint64(lowSimple | (d.regions + 4))
				if d.pos != 0 || d.rc != 0 {
					changes[at] = packDelta(d)
					low = at
					at++
				}
				out[j] = kv&^0xffffffff | low
			}
			ss.reach(math.MaxUint64)
			s.end()
		})
		if err := firstError(errs); err != nil {
			return err
		}
		for _, g := range gtRegions {
			st.res.GTRegions += int64(g)
		}
		rcTotals = make([]curveState, stretches)
		for _, p := range per {
			for k := range p {
				rcTotals[k] = rcTotals[k].plus(p[k])
			}
		}
	} else {
		parallel.Workers(workers, func(w int) {
			for i := w; i < len(images); i += workers {
				im := &images[i]
				out := keys[base[i]:base[i+1]]
				var bad uint32
				for p, v := range im.Scores {
					bad |= nonFinite(v)
					var low uint64
					switch {
					case proOnly:
						if l := gtLabels[i]; l != nil && l[p] != 0 {
							low = uint64(gtBase[i] + int64(l[p]))
						}
					case im.Mask != nil && im.Mask[p]:
						low = 1
					}
					out[p] = uint64(orderKey(v))<<32 | low
				}
				if bad != 0 {
					errs[i] = im.Validate()
				}
			}
		})
		if err := firstError(errs); err != nil {
			return err
		}
	}
	gtLabels = nil
	// The final scan, in parallel stretches: the state at each stretch's
	// start comes from the totals of the stretches before it.
	var bounds []int
	if bn != nil {
		keys, bounds = sortInBins(keys, reuse(&bufs.tmp, n), base, bn)
	} else {
		keys = parallelRadixSort(keys, reuse(&bufs.tmp, n), workers)
		bounds = scanBounds(keys, workers)
	}
	totals := make([]curveState, len(bounds)-1)
	var positives int64
	sumPositives := func() {
		for _, t := range totals {
			positives += t.tp
		}
	}
	proto := scanner{full: full, shift: st.shift, gtRegions: st.res.GTRegions, fold: fold}
	switch {
	case !full:
		parallel.Workers(len(totals), func(w int) {
			c := &totals[w]
			for _, k := range keys[bounds[w]:bounds[w+1]] {
				c.tp += int64(k & 1)
			}
			c.fp = int64(bounds[w+1]-bounds[w]) - c.tp
		})
		sumPositives()
		scanStretches(keys, bounds, stretchStarts(totals), proto, func(w int, ks []uint64, c *curveState, s *scanner) {
			for i, k := range ks {
				pos := int64(k & 1)
				c.tp += pos
				c.fp += 1 - pos
				if i+1 == len(ks) || ks[i+1]>>32 != k>>32 {
					s.emit(k, c)
				}
			}
		})
	case proOnly:
		// A region's PRO changes telescope: over a stretch where its
		// covered count goes from a to b, they add up to
		// (b<<shift)/area - (a<<shift)/area. So each stretch counts its
		// pixels per region, and its start state follows from the counts
		// before it.
		counts := make([][]int64, len(totals))
		parallel.Workers(len(totals), func(w int) {
			cnt := make([]int64, len(gtArea))
			for _, k := range keys[bounds[w]:bounds[w+1]] {
				cnt[uint32(k)]++
			}
			counts[w] = cnt
		})
		starts := make([]curveState, len(totals))
		cov := make([]int64, len(gtArea)) // covered pixels per region before stretch w
		var covered int64
		for w, cnt := range counts {
			starts[w].tp, starts[w].fp = covered, int64(bounds[w])-covered
			for g := 1; g < len(cov); g++ {
				starts[w].pro.add((cov[g] << st.shift) / gtArea[g])
				// counts[w] becomes the covered counts at the stretch's start.
				k := cnt[g]
				cnt[g] = cov[g]
				cov[g] += k
				covered += k
			}
		}
		positives = covered
		scanStretches(keys, bounds, starts, proto, func(w int, ks []uint64, c *curveState, s *scanner) {
			cov := counts[w]
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
	default:
		copy(totals, rcTotals)
		sumPositives()
		scanStretches(keys, bounds, stretchStarts(totals), proto, func(w int, ks []uint64, c *curveState, s *scanner) {
			for i, k := range ks {
				c.addLow(uint32(k), changes)
				if i+1 == len(ks) || ks[i+1]>>32 != k>>32 {
					s.emit(k, c)
				}
			}
		})
	}
	st.res.Positives, st.res.Negatives = positives, int64(n)-positives
	return nil
}
