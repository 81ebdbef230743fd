// Package reuse keeps large scratch arrays from one image to the next, so that
// a sweep over thousands of images allocates about once.
package reuse

// Slice returns s resliced to length n when its capacity allows, else a new
// slice of length n. The contents are not cleared: callers write before they
// read.
func Slice[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
