// Package connected labels the connected regions of binary images: the
// ground-truth regions of PRO and the predicted regions of RCPRO.
//
// Regions use 8-connectivity (a pixel touches its eight neighbours, as scipy's
// ndimage.label with a 3x3 structure and skimage's measure.label default) or
// 4-connectivity (edge neighbours only). Labels are 1..n, numbered in raster
// order of each region's first pixel; 0 is background.
package connected

import (
	"fmt"

	"github.com/zsadbench/zsadbench/internal/bools"
	"github.com/zsadbench/zsadbench/internal/reuse"
)

// Connectivity is the neighbourhood of a pixel: 8 or 4.
type Connectivity int

const (
	Eight Connectivity = 8
	Four  Connectivity = 4
)

// Valid reports whether c is 4 or 8.
func (c Connectivity) Valid() bool { return c == Eight || c == Four }

// ParseConnectivity reads 4 or 8.
func ParseConnectivity(n int) (Connectivity, error) {
	c := Connectivity(n)
	if !c.Valid() {
		return 0, fmt.Errorf("connectivity %d: want 4 or 8", n)
	}
	return c, nil
}

// Label labels the connected regions of the true pixels of a row-major
// w x h grid. It returns one label per pixel (0 for false pixels) and the
// number of regions n; labels run 1..n in raster order of each region's first
// pixel. It panics if len(on) != w*h or c is not 4 or 8.
func Label(on []bool, w, h int, c Connectivity) (labels []int32, n int) {
	var lb Labeler
	return lb.Label(on, w, h, c)
}

// Labeler labels grids like Label, keeping its memory from one call to the
// next (a sweep labels one mask after another).
type Labeler struct {
	parent, labels []int32
}

// Label is Label; the labels returned belong to the Labeler, and its next
// call overwrites them.
func (lb *Labeler) Label(on []bool, w, h int, c Connectivity) (labels []int32, n int) {
	if len(on) != w*h {
		panic("connected: len(on) != w*h")
	}
	if !c.Valid() {
		panic("connected: connectivity must be 4 or 8")
	}
	// Union-find over the pixel indices, joining each pixel to its already
	// scanned neighbours, then one raster pass numbers the roots.
	lb.parent = reuse.Slice(lb.parent, len(on)) // read only where set
	parent := lb.parent
	find := func(p int32) int32 {
		for parent[p] != p {
			parent[p] = parent[parent[p]]
			p = parent[p]
		}
		return p
	}
	union := func(a, b int32) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		if ra < rb {
			parent[rb] = ra
		} else {
			parent[ra] = rb
		}
	}
	// Masks are mostly off: on pixels are found many bytes at a time.
	for p := bools.Next(on, 0); p >= 0; p = bools.Next(on, p+1) {
		x, y := p%w, p/w
		parent[p] = int32(p)
		if x > 0 && on[p-1] {
			union(int32(p), int32(p-1))
		}
		if y > 0 {
			up := p - w
			if on[up] {
				union(int32(p), int32(up))
			}
			if c == Eight {
				if x > 0 && on[up-1] {
					union(int32(p), int32(up-1))
				}
				if x+1 < w && on[up+1] {
					union(int32(p), int32(up+1))
				}
			}
		}
	}
	lb.labels = reuse.Slice(lb.labels, len(on))
	labels = lb.labels
	clear(labels)
	// Roots are the smallest index of their region (union keeps the smaller
	// root), so the root is the region's first pixel in raster order, and
	// numbering roots as they appear gives raster order of first pixels.
	for p := bools.Next(on, 0); p >= 0; p = bools.Next(on, p+1) {
		r := find(int32(p))
		if r == int32(p) {
			n++
			labels[p] = int32(n)
		} else {
			labels[p] = labels[r]
		}
	}
	return labels, n
}
