package sweep

import (
	"fmt"
	"math/bits"

	"github.com/zsadbench/zsadbench/metric"
)

// A bootstrap replicate counts each image of a category some number of
// times. Every sum the sparse grid keeps per bucket is a sum over images,
// so a replicate's sums are the images' own sums per bucket, each times
// its image's weight: Options.Record keeps those (each image's pixels,
// change of the region count, anomalous pixels, PRO and RC changes, per
// bucket it touches), and Replicates.Scan combines them and folds the
// points, with no pixel sorted, labelled or swept again. The buckets are
// the whole category's, so a replicate that leaves an image out has more
// buckets than a sweep of the replicate would: they only split runs where
// TP, PRO and RC do not change (and the empty ones emit no point), which
// changes no bit of the folds (see Options.Sparse).

// imageRecord is one image's sums per bucket.
type imageRecord struct {
	buckets []uint32  // the buckets the image's pixels fall in, ascending
	simple  []int64   // per bucket: pixels << 32 + the change of the region count
	rich    []richSum // the buckets with anomalous pixels or an RC change
}

type richSum struct {
	bucket uint32
	pos    int32 // anomalous pixels (odd buckets)
	pro    int64 // PRO change, fixed point
	rc     int64 // RC numerator change, fixed point
}

// record adds the run's bucket to the image's record.
func (r *bucketRun) record(rc int64) {
	rec := r.rec
	if r.sum != 0 {
		rec.buckets = append(rec.buckets, uint32(r.j))
		rec.simple = append(rec.simple, r.sum)
	}
	if r.pos != 0 || r.pro != 0 || rc != 0 {
		rec.rich = append(rec.rich, richSum{bucket: uint32(r.j), pos: r.pos, pro: r.pro, rc: rc})
	}
	r.pos, r.pro = 0, 0
}

// recordSparse is sweepSparse's loop over an image's sorted keys, also
// counting each bucket's anomalous pixels and PRO change for the record.
func (s *imageSweep) recordSparse(r *bucketRun) {
	acc := r.acc
	for _, kv := range s.keys {
		r.reach(kv)
		var d sums
		s.add(int32(kv), &d)
		r.sum += 1<<32 + d.regions
		if d.pos != 0 {
			acc.pro[r.j>>1].add(d.pro)
			r.pos++
			r.pro += d.pro
		}
	}
	r.flush()
}

// Replicates are a category's per-image sums (Options.Record).
type Replicates struct {
	keys      []uint32 // the anomalous keys
	last      []uint32 // per j <= M: the largest key of bucket 2j
	shift     uint
	need      Need
	images    []imageRecord
	gtRegions []int64 // per image
	positives []int64 // per image: anomalous pixels
	pixels    []int64 // per image
}

// Images returns the number of images.
func (rp *Replicates) Images() int { return len(rp.images) }

func (st *Stream) replicates(images []metric.Image, recs []imageRecord, gt []int, sp *sparsePoints) *Replicates {
	rp := &Replicates{keys: sp.keys, shift: st.shift, need: st.opts.Need, images: recs,
		gtRegions: make([]int64, len(images)), positives: make([]int64, len(images)), pixels: make([]int64, len(images))}
	rp.last = make([]uint32, len(sp.keys)+1)
	for j := range rp.last {
		rp.last[j] = sp.last(j)
	}
	for i := range images {
		rp.gtRegions[i] = int64(gt[i])
		rp.pixels[i] = int64(len(images[i].Scores))
		for _, e := range recs[i].rich {
			rp.positives[i] += int64(e.pos)
		}
	}
	return rp
}

// ReplicateBuffers are one worker's arrays for Replicates.Scan, reused.
type ReplicateBuffers struct {
	sums *sparseSums
	tp   []int64
}

// Counts are a replicate's totals.
type Counts struct {
	Positives, Negatives, GTRegions int64
}

// Scan folds the points of the replicate that counts image i weights[i]
// times (one stretch, in this goroutine) and returns its totals. It is an
// error when the replicate has 2^31 pixels or more.
func (rp *Replicates) Scan(weights []int32, buf *ReplicateBuffers, fold Fold) (Counts, error) {
	if len(weights) != len(rp.images) {
		panic("sweep: Replicates.Scan with the wrong number of weights")
	}
	if buf.sums == nil {
		buf.sums = newSparseSums(len(rp.keys), true, rp.need, false)
		buf.tp = make([]int64, len(rp.keys))
	} else {
		clear(buf.sums.simple)
		clear(buf.sums.rc)
		clear(buf.sums.pro)
		clear(buf.tp)
	}
	c := rp.Totals(weights)
	if pixels := c.Positives + c.Negatives; pixels >= 1<<31 {
		return c, fmt.Errorf("a bootstrap replicate of %d pixels; at most %d are supported", pixels, 1<<31-1)
	}
	s := buf.sums
	for i, w32 := range weights {
		if w32 == 0 {
			continue
		}
		w := int64(w32)
		rec := &rp.images[i]
		for k, b := range rec.buckets {
			s.simple[b] += w * rec.simple[k]
		}
		for _, e := range rec.rich {
			if e.pos != 0 {
				buf.tp[e.bucket>>1] += w * int64(e.pos)
			}
			if e.pro != 0 {
				s.pro[e.bucket>>1].addMul(e.pro, w)
			}
			if e.rc != 0 {
				s.rc[e.bucket].addMul(e.rc, w)
			}
		}
	}
	s.last = rp.last
	sp := sparsePoints{keys: rp.keys, tp: buf.tp, per: []*sparseSums{s}}
	sp.scan(scanner{full: true, shift: rp.shift, gtRegions: c.GTRegions, fold: fold}, sp.stretchesOf(1), nil, nil)
	return c, nil
}

// addMul adds d * m (m > 0) in 128 bits.
func (w *wide) addMul(d, m int64) {
	neg := d < 0
	u := uint64(d)
	if neg {
		u = -u
	}
	hi, lo := bits.Mul64(u, uint64(m))
	if neg {
		var c uint64
		lo, c = bits.Add64(^lo, 1, 0)
		hi = ^hi + c
	}
	*w = w.plus(wide{hi: int64(hi), lo: lo})
}

// Totals returns the totals of the replicate with these weights (those
// Scan returns), without scanning.
func (rp *Replicates) Totals(weights []int32) Counts {
	var c Counts
	var pixels int64
	for i, w32 := range weights {
		w := int64(w32)
		pixels += w * rp.pixels[i]
		c.Positives += w * rp.positives[i]
		c.GTRegions += w * rp.gtRegions[i]
	}
	c.Negatives = pixels - c.Positives
	return c
}
