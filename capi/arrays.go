package capi

import (
	"errors"
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/metric"
)

// DType is the element type of an Array. The values are the C interface's
// (zsadbench.h lists them): 0 marks an absent mask.
type DType int64

const (
	None    DType = 0 // no array: a normal image's mask
	Float32 DType = 1 // a map, or a mask of 0 and 1
	Float64 DType = 2 // a map (rounded to float32, as the CLI reads .npy), or a mask of 0 and 1
	Uint8   DType = 3 // a mask (bool or uint8): anomalous where not 0
)

// size is the bytes of one element, which is also its alignment.
func (d DType) size() int64 {
	switch d {
	case Float32:
		return 4
	case Float64:
		return 8
	case Uint8:
		return 1
	}
	return 0
}

func (d DType) String() string {
	switch d {
	case None:
		return "none"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Uint8:
		return "uint8"
	}
	return fmt.Sprintf("dtype code %d", int64(d))
}

// Array is a 2-D array in the caller's memory: element (r, c) is at
// Data + r*RowStride + c*ColStride bytes, in the machine's byte order.
// Strides may be negative or zero (NumPy's reversed and broadcast views).
type Array struct {
	Data                 unsafe.Pointer
	DType                DType
	Height, Width        int64
	RowStride, ColStride int64
}

// LayoutColumns is how many int64 values describe one Array in the C
// interface's layout arrays: dtype, height, width, row stride, column
// stride.
const LayoutColumns = 5

// ArrayAt returns the Array of data and row i of layout (n rows of
// LayoutColumns values).
func ArrayAt(data unsafe.Pointer, layout []int64, i int) Array {
	l := layout[i*LayoutColumns : (i+1)*LayoutColumns]
	return Array{Data: data, DType: DType(l[0]), Height: l[1], Width: l[2], RowStride: l[3], ColStride: l[4]}
}

// MaxPixels bounds one image's pixels: metric.Image sizes are ints, and a
// larger image is far beyond any dataset's (a 2^31-pixel map is 8 GiB).
const MaxPixels = 1 << 31

// maxSpan bounds the bytes an array may span, which keeps every address
// computation below far from overflowing.
const maxSpan = 1 << 50

// check validates a's description, not its memory, which the caller
// vouches for: a non-nil, aligned pointer, a dtype that is one of want, a
// size within MaxPixels, and strides that are multiples of the element
// size and keep the array within maxSpan bytes.
func (a Array) check(name string, want ...DType) error {
	ok := false
	for _, d := range want {
		ok = ok || a.DType == d
	}
	if !ok {
		names := make([]string, len(want))
		for i, d := range want {
			names[i] = d.String()
		}
		return fmt.Errorf("%s: dtype %v: want %v", name, a.DType, names)
	}
	if a.Height <= 0 || a.Width <= 0 {
		return fmt.Errorf("%s: empty array (%dx%d)", name, a.Height, a.Width)
	}
	if a.Height > MaxPixels/a.Width {
		return fmt.Errorf("%s: %dx%d pixels exceed the limit of %d", name, a.Height, a.Width, MaxPixels)
	}
	if a.Data == nil {
		return fmt.Errorf("%s: null data pointer", name)
	}
	size := a.DType.size()
	if uintptr(a.Data)%uintptr(size) != 0 || a.RowStride%size != 0 || a.ColStride%size != 0 {
		return fmt.Errorf("%s: %v data at %#x with strides (%d, %d) is not aligned to %d bytes", name, a.DType, uintptr(a.Data), a.RowStride, a.ColStride, size)
	}
	span := func(stride, n int64) uint64 {
		hi, lo := bits.Mul64(uint64(max(stride, -stride)), uint64(n-1))
		if hi != 0 || lo > maxSpan {
			return maxSpan + 1
		}
		return lo
	}
	if span(a.RowStride, a.Height)+span(a.ColStride, a.Width) > maxSpan {
		return fmt.Errorf("%s: strides (%d, %d) of a %dx%d array span more than 2^50 bytes", name, a.RowStride, a.ColStride, a.Height, a.Width)
	}
	return nil
}

// contiguous reports whether a's elements are in row-major order without
// gaps, so that it can be read as one slice. The stride of an axis of
// length 1 is never used (NumPy may give it any value).
func (a Array) contiguous() bool {
	size := a.DType.size()
	return (a.Width == 1 || a.ColStride == size) && (a.Height == 1 || a.RowStride == size*a.Width)
}

// at returns the address of element (r, c).
func (a Array) at(r, c int64) unsafe.Pointer {
	return unsafe.Add(a.Data, r*a.RowStride+c*a.ColStride)
}

// scores returns the map's values as float32, the type of metric.Image's
// scores. A contiguous float32 map is used where it lies when borrow is
// set (the caller keeps it alive and unchanged while zsadbench reads it);
// anything else is copied. Float64 values are rounded to float32, as the
// CLI reads float64 .npy maps. Every value is checked to be finite, here,
// in the calling goroutine (whose faults the C interface turns into
// errors) rather than in a worker (where a fault would end the process).
func (a Array) scores(name string, borrow bool) ([]float32, error) {
	if err := a.check(name, Float32, Float64); err != nil {
		return nil, err
	}
	h, w := a.Height, a.Width
	var out []float32
	if a.DType == Float32 && a.contiguous() {
		in := unsafe.Slice((*float32)(a.Data), h*w)
		if borrow {
			out = in
		} else {
			out = append([]float32(nil), in...)
		}
		return float32Scores(name, w, h, out)
	}
	out = make([]float32, h*w)
	for r := range h {
		row := out[r*w : (r+1)*w]
		if a.DType == Float32 {
			for c := range row {
				row[c] = *(*float32)(a.at(r, int64(c)))
			}
			continue
		}
		for c := range row {
			v := *(*float64)(a.at(r, int64(c)))
			row[c] = float32(v)
			if !finite.Float64(v) || !finite.Is(row[c]) {
				if finite.Float64(v) {
					return nil, fmt.Errorf("%s: score %v at row %d, column %d is outside float32's range", name, v, r, c)
				}
				return nil, fmt.Errorf("%s: score %v at row %d, column %d is not finite", name, v, r, c)
			}
		}
	}
	if a.DType == Float32 {
		return float32Scores(name, w, h, out)
	}
	return out, nil
}

// float32Scores returns the w x h float32 scores out, or, when one is not
// finite, metric.Image.Validate's error naming it.
func float32Scores(name string, w, h int64, out []float32) ([]float32, error) {
	var bad uint32
	for _, v := range out {
		bad |= finite.Not(v)
	}
	if bad != 0 {
		return nil, (&metric.Image{Name: name, Width: int(w), Height: int(h), Scores: out}).Validate()
	}
	return out, nil
}

// mask returns the mask as metric.Image's: true where anomalous (a uint8
// value not 0, a float 1). A float other than 0 and 1 is an error: a soft
// mask needs a threshold that only the caller can choose. A mask without
// an anomalous pixel is returned as nil, which means the same (a normal
// image) and holds no memory.
func (a Array) mask(name string) ([]bool, error) {
	if a.DType == None {
		return nil, nil
	}
	if err := a.check(name, Uint8, Float32, Float64); err != nil {
		return nil, err
	}
	h, w := a.Height, a.Width
	out := make([]bool, h*w)
	anomalous := false
	for r := range h {
		row := out[r*w : (r+1)*w]
		switch a.DType {
		case Uint8:
			for c := range row {
				row[c] = *(*uint8)(a.at(r, int64(c))) != 0
				anomalous = anomalous || row[c]
			}
		case Float32, Float64:
			for c := range row {
				var v float64
				if a.DType == Float32 {
					v = float64(*(*float32)(a.at(r, int64(c))))
				} else {
					v = *(*float64)(a.at(r, int64(c)))
				}
				if v != 0 && v != 1 {
					return nil, fmt.Errorf("%s: value %v at row %d, column %d: want 0 or 1 (threshold a soft mask first, e.g. mask > 0.5)", name, v, r, c)
				}
				row[c] = v == 1
				anomalous = anomalous || row[c]
			}
		}
	}
	if !anomalous {
		return nil, nil
	}
	return out, nil
}

// Batch is N images in the caller's memory, as the C interface passes
// them: Maps[i] points at map i, described by row i of MapLayout
// (LayoutColumns values: dtype, height, width, row stride, column stride);
// Masks and MaskLayout likewise (a mask of DType None, or nil Masks, is a
// normal image); Scores holds the image scores (nil: each map's maximum).
// Nothing is read from them before a call checks them, inside its guard.
type Batch struct {
	N          int
	Maps       []unsafe.Pointer
	MapLayout  []int64
	Masks      []unsafe.Pointer
	MaskLayout []int64
	Scores     []float64
}

// MaxImages bounds a batch's images (a sanity check of N).
const MaxImages = 1 << 30

// images converts b into metric.Images named maps[i] (the caller's
// argument), borrowing contiguous float32 maps when borrow is set.
func (b Batch) images(borrow bool) ([]metric.Image, error) {
	n := b.N
	switch {
	case n <= 0:
		return nil, errors.New("no images")
	case n > MaxImages:
		return nil, fmt.Errorf("%d images: more than %d in one batch", n, MaxImages)
	case len(b.Maps) != n || len(b.MapLayout) != n*LayoutColumns:
		return nil, fmt.Errorf("maps: %d pointers and %d layout values for %d images", len(b.Maps), len(b.MapLayout), n)
	case b.Masks != nil && (len(b.Masks) != n || len(b.MaskLayout) != n*LayoutColumns):
		return nil, fmt.Errorf("masks: %d pointers and %d layout values for %d images", len(b.Masks), len(b.MaskLayout), n)
	case b.Scores != nil && len(b.Scores) != n:
		return nil, fmt.Errorf("%d image scores for %d images", len(b.Scores), n)
	}
	images := make([]metric.Image, n)
	for i := range images {
		im := &images[i]
		im.Name = fmt.Sprintf("maps[%d]", i)
		m := ArrayAt(b.Maps[i], b.MapLayout, i)
		var err error
		if im.Scores, err = m.scores(im.Name, borrow); err != nil {
			return nil, err
		}
		im.Width, im.Height = int(m.Width), int(m.Height)
		if b.Masks != nil {
			k := ArrayAt(b.Masks[i], b.MaskLayout, i)
			name := fmt.Sprintf("masks[%d]", i)
			if k.DType != None && (k.Height != m.Height || k.Width != m.Width) {
				return nil, fmt.Errorf("%s is %dx%d, its map %dx%d (height x width)", name, k.Height, k.Width, m.Height, m.Width)
			}
			if im.Mask, err = k.mask(name); err != nil {
				return nil, err
			}
		}
		if b.Scores != nil {
			s := b.Scores[i]
			if !finite.Float64(s) {
				return nil, fmt.Errorf("scores[%d]: image score %v is not finite", i, s)
			}
			im.Score, im.HasScore = s, true
		}
	}
	return images, nil
}
