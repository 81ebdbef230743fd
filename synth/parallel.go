package synth

import (
	"runtime"

	"github.com/zsadbench/zsadbench/internal/parallel"
)

// each computes the plan's images on GOMAXPROCS goroutines, a batch at a
// time, and hands them to fn in order, from this goroutine. The batch bounds
// how many finished images wait for fn.
func (p *plan) each(fn func(Image) error) error {
	n := p.total()
	workers := runtime.GOMAXPROCS(0)
	ws := make([]workspace, workers)
	batch := make([]Image, min(n, 4*workers))
	for start := 0; start < n; start += len(batch) {
		part := batch[:min(len(batch), n-start)]
		parallel.For(len(part), workers, func(w, i int) { part[i] = p.image(start+i, &ws[w]) })
		for i := range part {
			if err := fn(part[i]); err != nil {
				return err
			}
			part[i] = Image{} // fn may keep the image; this batch no longer does
		}
	}
	return nil
}
