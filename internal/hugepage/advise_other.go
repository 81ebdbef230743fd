//go:build !linux

package hugepage

// adviseHuge does nothing: huge-page advice is for Linux.
func adviseHuge([]byte) {}
