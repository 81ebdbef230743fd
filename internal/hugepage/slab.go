// Package hugepage allocates large slices that the operating system is
// asked to back with huge pages. A category's score maps are read into
// fresh memory, and faulting that in 4 KiB at a time, with each fault in
// the middle of the kernel's copy from the page cache, cost about 5% of a
// whole evaluation of 100 maps of 256x256; with Linux's transparent huge
// pages in their default "madvise" mode, one fault maps 2 MiB.
package hugepage

import (
	"sync"
	"unsafe"
)

// Slab is a pool of float32 values, taken in pieces by Take. It is safe for
// concurrent use. Every piece keeps the whole slab alive.
type Slab struct {
	mu   sync.Mutex
	free []float32
}

// Make is make([]T, n) with huge-page advice.
func Make[T any](n int) []T {
	s := make([]T, n)
	if size := int(unsafe.Sizeof(*new(T))) * n; size >= minAdvised {
		adviseHuge(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), size))
	}
	return s
}

// minAdvised is the smallest slice worth advice: one huge page.
const minAdvised = 2 << 20

// NewSlab returns a slab of n values (none for n <= 0).
func NewSlab(n int) *Slab { return &Slab{free: Make[float32](max(0, n))} }

// Take returns n zeroed values: the next n of the slab, or a new slice when
// fewer are left.
func (s *Slab) Take(n int) []float32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > len(s.free) {
		return make([]float32, n)
	}
	v := s.free[:n:n]
	s.free = s.free[n:]
	return v
}
