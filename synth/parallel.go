package synth

import (
	"runtime"

	"github.com/zsadbench/zsadbench/internal/parallel"
)

// each computes the plan's images on GOMAXPROCS goroutines and hands them to
// fn in order, from this goroutine.
func (p *plan) each(fn func(Image) error) error {
	return inOrder(p.total(), p.image, fn)
}

// inOrder computes items 0 .. n-1 with render on GOMAXPROCS goroutines, each
// with its own scratch W, a batch at a time, and hands them to fn in order,
// from this goroutine. The batch bounds how many finished items wait for fn.
func inOrder[W, T any](n int, render func(k int, w *W) T, fn func(T) error) error {
	workers := runtime.GOMAXPROCS(0)
	ws := make([]W, workers)
	batch := make([]T, min(n, 4*workers))
	for start := 0; start < n; start += len(batch) {
		part := batch[:min(len(batch), n-start)]
		parallel.For(len(part), workers, func(w, i int) { part[i] = render(start+i, &ws[w]) })
		for i := range part {
			if err := fn(part[i]); err != nil {
				return err
			}
			var done T
			part[i] = done // fn may keep the item; this batch no longer does
		}
	}
	return nil
}
