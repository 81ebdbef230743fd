// Package parallel runs loops on a fixed number of goroutines.
package parallel

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Workers runs f(w) for every w in [0, workers) at once and waits. A
// panic in f is raised again in the calling goroutine once every f has
// returned (the lowest w's, when several panic), so that a caller can
// recover it: a panic in a goroutine of its own would end the process,
// which for the C library (package capi) is its host's, a Python
// interpreter.
func Workers(workers int, f func(w int)) {
	var wg sync.WaitGroup
	panics := make([]*workerPanic, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					panics[w] = &workerPanic{value: v, stack: debug.Stack()}
				}
			}()
			f(w)
		}()
	}
	wg.Wait()
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
}

// workerPanic is a worker's panic raised again by Workers, with the
// worker's stack, which the caller's own stack would not show.
type workerPanic struct {
	value any
	stack []byte
}

func (p *workerPanic) Error() string {
	return fmt.Sprintf("%v [recovered in a worker]\n%s", p.value, p.stack)
}

// Unwrap returns the worker's panic value when it is an error (a runtime
// error, say).
func (p *workerPanic) Unwrap() error {
	err, _ := p.value.(error)
	return err
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
