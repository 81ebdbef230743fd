package parallel

import (
	"runtime"
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
