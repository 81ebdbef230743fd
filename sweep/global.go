package sweep

import (
	"fmt"
	"math"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/internal/parallel"
)

// The exact grid is one sort of the whole category: every pixel becomes
// orderKey(score)<<32 | global pixel index, and a parallel LSD radix sort on
// the keys gives each pixel its rank. Each image is then swept on its own,
// in rank order (a stable partition of the ranks by image), writing the
// change each pixel causes in that order; a final scan in rank order reads
// the changes back image by image (the partition's order again), sums them
// and emits a point wherever the score changes. Every access is sequential
// within an image's stream, and no event list is merged.

// rankDelta is the change one pixel causes when it switches on.
type rankDelta struct {
	pro, rc int64
	regions int32
	pos     bool
}

// chunk returns worker w's share [lo, hi) of n items.
func chunk(n, workers, w int) (lo, hi int) {
	return n * w / workers, n * (w + 1) / workers
}

// parallelRadixSort sorts keys by their upper 32 bits, stably, with byte
// digits: each worker counts and scatters its own chunk. It returns the sorted
// slice (keys or tmp).
func parallelRadixSort(keys, tmp []uint64, workers int) []uint64 {
	n := len(keys)
	if n < 1<<16 || workers < 2 {
		k, _ := radixSort(keys, tmp)
		return k
	}
	counts := make([][256]int, workers)
	for shift := uint(32); shift < 64; shift += 8 {
		parallel.Workers(workers, func(w int) {
			c := &counts[w]
			*c = [256]int{}
			lo, hi := chunk(n, workers, w)
			for _, k := range keys[lo:hi] {
				c[(k>>shift)&0xff]++
			}
		})
		d0 := (keys[0] >> shift) & 0xff
		total := 0
		for w := range counts {
			total += counts[w][d0]
		}
		if total == n {
			continue // every key has the same digit
		}
		sum := 0
		for d := range 256 {
			for w := range counts {
				c := counts[w][d]
				counts[w][d] = sum
				sum += c
			}
		}
		parallel.Workers(workers, func(w int) {
			c := &counts[w]
			lo, hi := chunk(n, workers, w)
			for _, k := range keys[lo:hi] {
				d := (k >> shift) & 0xff
				tmp[c[d]] = k
				c[d]++
			}
		})
		keys, tmp = tmp, keys
	}
	return keys
}

// finishExact sweeps the retained images on the exact grid and visits one
// point per distinct score. With full false it computes only TP and FP.
func (st *Stream) finishExact(full bool, visit func(*Point)) error {
	images := st.images
	base := make([]int, len(images)+1)
	for i := range images {
		base[i+1] = base[i] + images[i].Width*images[i].Height
	}
	n := base[len(images)]
	if full && n > math.MaxUint32 {
		return fmt.Errorf("%d pixels in one category; at most %d are supported", n, uint64(math.MaxUint32))
	}
	workers := len(st.sweeps)
	// Without RC, the low half of each key says all the scan needs: the
	// pixel's ground-truth region, numbered across the category (0 =
	// normal), or just its label. With RC it is the pixel's global index.
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
	keys := make([]uint64, n)
	parallel.Workers(workers, func(w int) {
		for i := w; i < len(images); i += workers {
			im := &images[i]
			out := keys[base[i]:base[i+1]]
			for p, v := range im.Scores {
				var low uint64
				switch {
				case proOnly:
					if l := gtLabels[i]; l != nil && l[p] != 0 {
						low = uint64(gtBase[i] + int64(l[p]))
					}
				case full:
					low = uint64(base[i] + p)
				case im.Mask != nil && im.Mask[p]:
					low = 1
				}
				out[p] = uint64(orderKey(v))<<32 | low
			}
		}
	})
	gtLabels = nil
	keys = parallelRadixSort(keys, make([]uint64, n), workers)

	var c curveState
	var p Point
	emit := func(r int) {
		if r+1 == n || keys[r+1]>>32 != keys[r]>>32 {
			c.point(&p, float64(keyScore(uint32(keys[r]>>32))), full, st.shift, st.res.GTRegions)
			visit(&p)
		}
	}
	if !full {
		for r, k := range keys {
			if k&1 != 0 {
				c.tp++
			} else {
				c.fp++
			}
			emit(r)
		}
		st.res.Positives, st.res.Negatives = c.tp, c.fp
		return nil
	}
	if proOnly {
		cov := make([]int64, len(gtArea))
		for r, k := range keys {
			if g := uint32(k); g != 0 {
				c.tp++
				cv, a := cov[g], gtArea[g]
				c.pro.add(((cv+1)<<st.shift)/a - (cv<<st.shift)/a)
				cov[g] = cv + 1
			} else {
				c.fp++
			}
			emit(r)
		}
		st.res.Positives, st.res.Negatives = c.tp, c.fp
		return nil
	}

	// Partition the ranks by image: order[base[i]:base[i+1]] lists image i's
	// pixels in rank order. imageOf finds a global pixel's image from a
	// table of blocks of 4096 pixels.
	const blockBits = 12
	first := make([]int32, n>>blockBits+1)
	for i := len(images) - 1; i >= 0; i-- {
		for b := base[i] >> blockBits; b <= (base[i+1]-1)>>blockBits; b++ {
			first[b] = int32(i)
		}
	}
	imageOf := func(gp int) int {
		i := int(first[gp>>blockBits])
		for gp >= base[i+1] {
			i++
		}
		return i
	}
	// In parallel: each worker counts its chunk of ranks per image, then
	// writes them after the earlier chunks' pixels of the same image.
	order := make([]int32, n)
	starts := make([][]int, workers)
	parallel.Workers(workers, func(w int) {
		c := make([]int, len(images))
		lo, hi := chunk(n, workers, w)
		for _, k := range keys[lo:hi] {
			c[imageOf(int(uint32(k)))]++
		}
		starts[w] = c
	})
	for i := range images {
		at := base[i]
		for w := range starts {
			c := starts[w][i]
			starts[w][i] = at
			at += c
		}
	}
	parallel.Workers(workers, func(w int) {
		at := starts[w]
		lo, hi := chunk(n, workers, w)
		for _, k := range keys[lo:hi] {
			gp := int(uint32(k))
			i := imageOf(gp)
			order[at[i]] = int32(gp - base[i])
			at[i]++
		}
	})
	cursor := make([]int, len(images))

	// Each image writes its pixels' changes in its own rank order, so every
	// write is sequential; the scan below reads them back the same way the
	// partition wrote them.
	deltas := make([]rankDelta, n)
	gtRegions := make([]int, len(images))
	parallel.For(len(images), workers, func(w, i int) {
		s := st.sweeps[w]
		s.begin(&images[i])
		gtRegions[i] = s.gtRegions
		out := deltas[base[i]:base[i+1]]
		for j, p := range order[base[i]:base[i+1]] {
			var d sums
			s.add(int(p), &d)
			out[j] = rankDelta{pro: d.pro, rc: d.rc, regions: int32(d.regions), pos: d.pos != 0}
		}
		s.end()
	})
	order = nil
	for _, g := range gtRegions {
		st.res.GTRegions += int64(g)
	}
	copy(cursor, base[:len(images)])
	for r, k := range keys {
		i := imageOf(int(uint32(k)))
		d := &deltas[cursor[i]]
		cursor[i]++
		if d.pos {
			c.tp++
		} else {
			c.fp++
		}
		c.regions += int64(d.regions)
		c.pro.add(d.pro)
		c.rc.add(d.rc)
		emit(r)
	}
	st.res.Positives, st.res.Negatives = c.tp, c.fp
	return nil
}
