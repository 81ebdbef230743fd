package hugepage

import (
	"syscall"
	"unsafe"
)

// adviseHuge asks Linux to back b with transparent huge pages where they
// fit (whole 2 MiB pages inside it). It is advice: an error (a kernel
// without them) changes nothing.
func adviseHuge(b []byte) {
	// madvise wants a page-aligned start: Go's large allocations are.
	const page = 4096
	start := (page - int(uintptr(unsafe.Pointer(unsafe.SliceData(b)))%page)) % page
	if start >= len(b) {
		return
	}
	b = b[start:]
	_ = syscall.Madvise(b[:len(b)/page*page], syscall.MADV_HUGEPAGE)
}
