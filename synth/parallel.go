package synth

import (
	"runtime"
	"sync"
)

// each computes the plan's images on up to GOMAXPROCS goroutines and hands
// them to fn in order, from this goroutine.
func (p *plan) each(fn func(Image) error) error {
	n := p.total()
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		var ws workspace
		for k := range n {
			if err := fn(p.image(k, &ws)); err != nil {
				return err
			}
		}
		return nil
	}

	// The producer starts image k once a worker slot is free and queues its
	// result channel in order; the consumer (this goroutine) receives from
	// the channels in queue order. The queue's capacity bounds how many
	// finished images wait for fn.
	queue := make(chan chan Image, 2*workers)
	done := make(chan struct{})
	slots := make(chan *workspace, workers)
	for range workers {
		slots <- new(workspace)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(queue)
		for k := range n {
			var ws *workspace
			select {
			case ws = <-slots:
			case <-done:
				return
			}
			c := make(chan Image, 1)
			select {
			case queue <- c:
			case <-done:
				slots <- ws
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				img := p.image(k, ws)
				slots <- ws
				c <- img
			}()
		}
	}()

	var err error
	for c := range queue {
		if err = fn(<-c); err != nil {
			break
		}
	}
	close(done)
	wg.Wait()
	return err
}
