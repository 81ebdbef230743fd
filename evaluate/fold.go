package evaluate

import (
	"maps"
	"slices"
	"sync"

	"github.com/zsadbench/zsadbench/pro"
	"github.com/zsadbench/zsadbench/rcpro"
	"github.com/zsadbench/zsadbench/roc"
	"github.com/zsadbench/zsadbench/sweep"
)

// exactFold folds exact-grid points into the pixel AUROC, AP and F1-max
// and, on the exact grid, AUPRO and RCPRO.
type exactFold struct {
	pixel *roc.Accumulator // nil when not needed
	aupro *pro.Integrator  // nil when not needed
	rc    *rcpro.Integrator
	fpr   func(fp int64) float64
}

func (f *exactFold) add(p *sweep.Point) {
	if f.pixel != nil {
		f.pixel.Add(p.TP, p.FP)
	}
	if f.aupro != nil {
		f.aupro.Add(f.fpr(p.FP), p.PRO)
	}
	if f.rc != nil {
		f.rc.Add(p.PRO, p.RC, p.Regions)
	}
}

func (f *exactFold) merge(b *exactFold) {
	if f.pixel != nil {
		f.pixel.Merge(b.pixel)
	}
	if f.aupro != nil {
		f.aupro.Merge(b.aupro)
	}
	if f.rc != nil {
		f.rc.Merge(b.rc)
	}
}

// blockFolds folds the exact grid's points one block at a time
// (sweep.BlockOf), in parallel when the sweep scans in parallel, and merges
// the blocks in order: the sums do not depend on the number of workers, nor
// on whether the points come from the sweep, from stored curves or from
// sweep.ExactROC.
type blockFolds struct {
	start   func(prev *sweep.Point) *exactFold // a fold resuming after prev
	mu      sync.Mutex
	byBlock map[int]*exactFold
}

func newBlockFolds(start func(prev *sweep.Point) *exactFold) *blockFolds {
	return &blockFolds{start: start, byBlock: map[int]*exactFold{}}
}

// fold is a sweep.Fold.
func (b *blockFolds) fold(block int, prev *sweep.Point) func(*sweep.Point) {
	f := b.start(prev)
	b.mu.Lock()
	b.byBlock[block] = f
	b.mu.Unlock()
	return f.add
}

// visitor returns a visitor of all the points, one at a time, in order.
func (b *blockFolds) visitor() func(*sweep.Point) {
	var prev sweep.Point
	started := false
	var visit func(*sweep.Point)
	block := 0
	return func(p *sweep.Point) {
		var last *sweep.Point
		if started {
			last = &prev
		}
		if k := sweep.BlockOf(last); visit == nil || k != block {
			block, visit = k, b.fold(k, last)
		}
		visit(p)
		prev, started = *p, true
	}
}

// merged returns the fold of every point: the first block's (or a fresh
// fold when there was no point) with the others merged in, in order.
func (b *blockFolds) merged() *exactFold {
	keys := slices.Sorted(maps.Keys(b.byBlock))
	if len(keys) == 0 {
		return b.start(nil)
	}
	all := b.byBlock[keys[0]]
	for _, k := range keys[1:] {
		all.merge(b.byBlock[k])
	}
	return all
}
