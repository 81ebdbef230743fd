package evaluate

import (
	"sync"

	"github.com/zsadbench/zsadbench/internal/integrate"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/roc"
)

// exactFold folds exact-grid points into the pixel AUROC, AP and F1-max
// and, on the exact grid, AUPRO and RCPRO.
type exactFold struct {
	pixel *roc.Accumulator // nil when not needed
	aupro *integrate.PRO   // nil when not needed
	rc    *integrate.RC
	f1    *f1Best // the F1-max threshold, for per-image records; nil when not needed
	// negatives is stream.normalPixels, the false-positive rates'
	// denominator.
	negatives float64
}

// f1Best finds the threshold of the pixel F1-max: the highest threshold
// where F1 is largest, F1 computed as roc.Accumulator does (where TP
// grows).
type f1Best struct {
	positives int64
	prevTP    int64
	best, t   float64
	ok        bool
}

func (b *f1Best) add(pts []sweep.Point) {
	for i := range pts {
		p := &pts[i]
		if p.TP > b.prevTP {
			f := 2 * float64(p.TP) / float64(p.TP+p.FP+b.positives)
			if !b.ok || f > b.best {
				b.best, b.t, b.ok = f, p.Threshold, true
			}
		}
		b.prevTP = p.TP
	}
}

func (b *f1Best) merge(o *f1Best) {
	if o.ok && (!b.ok || o.best > b.best || o.best == b.best && o.t > b.t) {
		b.best, b.t, b.ok = o.best, o.t, true
	}
}

// add folds a batch of points, one fold at a time.
func (f *exactFold) add(pts []sweep.Point) {
	if a := f.pixel; a != nil {
		for i := range pts {
			a.Add(pts[i].TP, pts[i].FP)
		}
	}
	if f.f1 != nil {
		f.f1.add(pts)
	}
	if g := f.aupro; g != nil {
		for i := 0; i < len(pts) && !g.Ended(); i++ {
			g.Add(float64(pts[i].FP)/f.negatives, pts[i].PRO)
		}
	}
	if g := f.rc; g != nil {
		for i := range pts {
			g.Add(pts[i].PRO, pts[i].RC, pts[i].Regions)
		}
	}
}

func (f *exactFold) merge(b *exactFold) {
	if f.pixel != nil {
		f.pixel.Merge(b.pixel)
	}
	if f.f1 != nil {
		f.f1.merge(b.f1)
	}
	if f.aupro != nil {
		f.aupro.Merge(b.aupro)
	}
	if f.rc != nil {
		f.rc.Merge(b.rc)
	}
}

// stretchFolds folds the exact grid's points in the stretches the sweep
// scans in parallel (a sweep.Fold), and merges them. The folds keep their
// sums in fixed point, so the merged result does not depend on how the
// points were cut: not on the number of workers, nor on whether they come
// from the sweep, from stored curves or from sweep.ExactROC.
type stretchFolds struct {
	start func(prev *sweep.Point) *exactFold // a fold resuming after prev
	mu    sync.Mutex
	folds []*exactFold
}

// fold is a sweep.Fold.
func (s *stretchFolds) fold(prev *sweep.Point) func([]sweep.Point) {
	f := s.start(prev)
	s.mu.Lock()
	s.folds = append(s.folds, f)
	s.mu.Unlock()
	return f.add
}

// merged returns the fold of every point (a fresh fold when there was none).
func (s *stretchFolds) merged() *exactFold {
	all := s.start(nil)
	for _, f := range s.folds {
		all.merge(f)
	}
	return all
}
