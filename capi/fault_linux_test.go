package capi

import (
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// TestFault checks that a map pointer into memory that is no longer mapped
// (a caller's bug) is an *InternalError, not the end of the process.
func TestFault(t *testing.T) {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip(err)
	}
	p := unsafe.Pointer(&mem[0])
	if err := syscall.Munmap(mem); err != nil {
		t.Fatal(err)
	}
	for _, borrow := range []bool{true, false} {
		b := Batch{N: 1, Maps: []unsafe.Pointer{p}, MapLayout: []int64{int64(Float32), 4, 4, 16, 4}}
		err := guard(func() error { _, err := b.images(borrow); return err })
		if _, ok := err.(*InternalError); !ok || !strings.Contains(err.Error(), "fault") {
			t.Errorf("borrow %v: %v, want an internal error naming the fault", borrow, err)
		}
	}
}
