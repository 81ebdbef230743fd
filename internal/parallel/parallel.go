// Package parallel runs loops on a fixed number of goroutines.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers runs f(w) for every w in [0, workers) at once and waits.
func Workers(workers int, f func(w int)) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w)
		}()
	}
	wg.Wait()
}

// For runs f(w, i) for every i in [0, n) on at most workers goroutines
// (GOMAXPROCS when workers <= 0), handing out the indices in increasing order as goroutines
// become free; w identifies the goroutine, so that f can keep per-worker
// state. It waits for all of them.
func For(n, workers int, f func(w, i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(1, n))
	var next atomic.Int64
	Workers(workers, func(w int) {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			f(w, i)
		}
	})
}

// Do is For with errors: it returns the error of the lowest index i whose
// f(w, i) failed, or nil. Once a call has failed, indices above it are no
// longer started; every index below the lowest failure still runs. So the
// error returned, and which calls ran below it, depend neither on workers
// nor on timing: a message naming a file names the same file on every run.
func Do(n, workers int, f func(w, i int) error) error {
	var (
		mu    sync.Mutex
		first error
		bound atomic.Int64 // the lowest failed index so far; n when none
	)
	bound.Store(int64(n))
	For(n, workers, func(w, i int) {
		if int64(i) > bound.Load() {
			return
		}
		if err := f(w, i); err != nil {
			mu.Lock()
			if int64(i) < bound.Load() {
				first = err
				bound.Store(int64(i))
			}
			mu.Unlock()
		}
	})
	return first
}

// FirstError returns the error of the lowest index in errs, or nil: for
// loops that run their indices in an order of their own and report errors
// in index order.
func FirstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
