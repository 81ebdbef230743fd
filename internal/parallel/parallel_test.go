package parallel

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

func TestFor(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 50} {
		seen := make([]atomic.Int32, 37)
		var maxW atomic.Int32
		For(len(seen), workers, func(w, i int) {
			seen[i].Add(1)
			if int32(w) > maxW.Load() {
				maxW.Store(int32(w))
			}
		})
		for i := range seen {
			if seen[i].Load() != 1 {
				t.Fatalf("workers %d: index %d ran %d times", workers, i, seen[i].Load())
			}
		}
		limit := workers
		if limit <= 0 {
			limit = runtime.GOMAXPROCS(0)
		}
		if int(maxW.Load()) >= limit {
			t.Errorf("workers %d: worker id %d", workers, maxW.Load())
		}
	}
	For(0, 4, func(w, i int) { t.Error("ran with n = 0") })
}

// TestDo checks that Do returns the error of the lowest failing index and
// runs every index below it, for any number of workers, and that it stops
// starting indices above a failure.
func TestDo(t *testing.T) {
	const n = 200
	for _, fail := range [][]int{nil, {0}, {7}, {7, 150}, {3, 4, 5}, {n - 1}} {
		bad := map[int]bool{}
		for _, i := range fail {
			bad[i] = true
		}
		for _, workers := range []int{0, 1, 2, 5, 64} {
			ran := make([]atomic.Int32, n)
			err := Do(n, workers, func(w, i int) error {
				ran[i].Add(1)
				if bad[i] {
					return fmt.Errorf("index %d", i)
				}
				return nil
			})
			lowest := n
			if len(fail) > 0 {
				lowest = fail[0]
				if want := fmt.Sprintf("index %d", lowest); err == nil || err.Error() != want {
					t.Fatalf("fail %v, workers %d: error %v, want %s", fail, workers, err, want)
				}
			} else if err != nil {
				t.Fatalf("workers %d: error %v, want nil", workers, err)
			}
			for i := range ran {
				if c := ran[i].Load(); c > 1 || (i <= lowest && i < n && c != 1) {
					t.Fatalf("fail %v, workers %d: index %d ran %d times", fail, workers, i, c)
				}
			}
			if workers == 1 && lowest < n-1 && ran[lowest+1].Load() != 0 {
				t.Errorf("fail %v, one worker: index %d ran after %d failed", fail, lowest+1, lowest)
			}
		}
	}
	if err := Do(0, 4, func(w, i int) error { return errors.New("ran") }); err != nil {
		t.Errorf("n = 0: %v", err)
	}
}

// TestPanicReachesCaller checks that a worker's panic is raised again in the
// caller, where it can be recovered, after every worker has returned.
func TestPanicReachesCaller(t *testing.T) {
	for _, workers := range []int{1, 4} {
		got := func() (v any) {
			defer func() { v = recover() }()
			For(20, workers, func(_, i int) {
				if i == 7 {
					var s []int
					_ = s[i] // a runtime error, as a bug would give
				}
			})
			return nil
		}()
		err, ok := got.(error)
		if !ok {
			t.Fatalf("workers %d: recovered %v (%T), want an error", workers, got, got)
		}
		var re runtime.Error
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "index out of range") || !strings.Contains(err.Error(), "parallel_test.go") {
			t.Errorf("workers %d: recovered %q, want the runtime error with the worker's stack", workers, err)
		}
	}
}
