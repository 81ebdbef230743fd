// Package bools scans []bool masks many bytes at a time: a Go bool is one
// byte, 0 or 1, so a mask can be read as bytes.
package bools

import (
	"bytes"
	"unsafe"
)

// Bytes views b as its bytes, without a copy.
func Bytes(b []bool) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}

// Count returns the number of true values in b.
func Count(b []bool) int { return bytes.Count(Bytes(b), []byte{1}) }

// Next returns the index of the first true value at or after p (p >= 0),
// or -1 when there is none. A true value at p itself (inside a region) is
// returned without a search; false ones are skipped many at a time.
func Next(b []bool, p int) int {
	if p >= len(b) {
		return -1
	}
	if b[p] {
		return p
	}
	if i := bytes.IndexByte(Bytes(b[p:]), 1); i >= 0 {
		return p + i
	}
	return -1
}
