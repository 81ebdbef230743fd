// Package mapio reads and writes anomaly score maps and ground-truth masks.
//
// A score map is a 2-D grid of float32 scores, read from NumPy .npy files
// (float16, float32 or float64), .npz archives (numpy.savez, with
// archive/zip), 32/64-bit float TIFFs (as written by tifffile and by PIL
// mode "F"), or 8/16-bit grey PNGs. A mask is read with its raw pixel
// intensities (PNG, BMP, JPEG, TIFF); deciding which values count as
// anomalous is the caller's business (see [Map.Binary]).
//
// The decoders never panic on malformed input and never allocate more than a
// small multiple of the input's size because of what a header claims: every
// width, height and shape is checked against the data actually present,
// against [MaxPixels] and against [MaxImageBytes] before the pixel buffer is
// allocated. Files are read only when they are regular files (a device or a
// named pipe is an error), and never more of them than the format can need.
package mapio

import (
	"fmt"
	"io"
	"math"

	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/metric"
)

// MaxPixels is the largest number of pixels (width*height) any decoder in
// this package accepts: [metric.MaxImagePixels], the one limit of every
// reader and of the sweep.
const MaxPixels = metric.MaxImagePixels

// MaxImageBytes bounds the memory of one decoded image, in the decoder's
// own representation before conversion (1 byte a pixel for 8-bit grey, 4
// for 8-bit RGBA or a float32 map, 8 for 16-bit RGBA or float64 samples):
// 2^28 bytes (256 MiB, a float32 map of MaxPixels). A header promising more
// is refused before decoding, so a small compressed file cannot expand to
// gigabytes. Real masks and maps are far below it: a 5000x5000 RGBA mask
// takes 100 MB.
const MaxImageBytes = 1 << 28

// MaxFileBytes bounds an image file read whole (a PNG, TIFF, BMP or JPEG
// map, mask or model input): its uncompressed pixel data at MaxImageBytes
// plus room for headers and tables. A larger file is refused before it is
// read.
const MaxFileBytes = MaxImageBytes + 1<<24

// Map is a row-major 2-D grid of float32 values: the value at row y,
// column x is Pix[y*Width+x]. A valid Map has Width > 0, Height > 0 and
// len(Pix) == Width*Height.
type Map struct {
	Width, Height int
	Pix           []float32
}

// New returns a zero-filled Map of the given size. It panics if width or
// height is not positive or their product exceeds [MaxPixels].
func New(width, height int) Map {
	if width <= 0 || height <= 0 || width > MaxPixels/height {
		panic(fmt.Sprintf("mapio: invalid map size %dx%d", width, height))
	}
	return Map{Width: width, Height: height, Pix: make([]float32, width*height)}
}

// At returns the value at row y, column x. It panics if (y, x) is outside the map.
func (m Map) At(y, x int) float32 {
	if x < 0 || x >= m.Width || y < 0 || y >= m.Height {
		panic(fmt.Sprintf("mapio: At(%d, %d) outside %dx%d map", y, x, m.Width, m.Height))
	}
	return m.Pix[y*m.Width+x]
}

// Binary returns, for each pixel in row-major order, whether its value is
// strictly greater than threshold. NaN is never greater, so it maps to false.
// For masks read with [DecodeMask], Binary(0) gives the usual "non-zero is
// anomalous" rule.
func (m Map) Binary(threshold float32) []bool {
	out := make([]bool, len(m.Pix))
	for i, v := range m.Pix {
		out[i] = v > threshold
	}
	return out
}

// NonFiniteError reports the first NaN or ±Inf pixel of a map, in row-major
// order.
type NonFiniteError struct {
	Row, Col int
	Value    float32
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("non-finite value %v at row %d, col %d", e.Value, e.Row, e.Col)
}

// CheckFinite returns a *NonFiniteError for the first pixel (in row-major
// order) that is NaN or ±Inf, or nil when every pixel is finite. A Map whose
// Width is not positive reports the flat index as Col.
func (m Map) CheckFinite() error {
	for i, v := range m.Pix {
		// v-v is 0 for finite v and NaN for NaN and ±Inf.
		if v-v != 0 {
			if m.Width > 0 {
				return &NonFiniteError{Row: i / m.Width, Col: i % m.Width, Value: v}
			}
			return &NonFiniteError{Row: 0, Col: i, Value: v}
		}
	}
	return nil
}

// MaxFinite returns the largest value of the map (0 when it has none) and,
// like CheckFinite, a *NonFiniteError for the first NaN or ±Inf. It reads
// the values once: four running maxima and one check per value, without a
// branch on the check, which costs about as much as CheckFinite alone.
func (m Map) MaxFinite() (float32, error) {
	v := m.Pix
	if len(v) == 0 {
		return 0, nil
	}
	m0, m1, m2, m3 := v[0], v[0], v[0], v[0]
	var bad uint32
	n := len(v) &^ 3
	for i := 0; i < n; i += 4 {
		x := v[i : i+4 : i+4]
		bad |= finite.Not(x[0]) | finite.Not(x[1]) | finite.Not(x[2]) | finite.Not(x[3])
		if x[0] > m0 {
			m0 = x[0]
		}
		if x[1] > m1 {
			m1 = x[1]
		}
		if x[2] > m2 {
			m2 = x[2]
		}
		if x[3] > m3 {
			m3 = x[3]
		}
	}
	for _, x := range v[n:] {
		bad |= finite.Not(x)
		if x > m0 {
			m0 = x
		}
	}
	if bad != 0 {
		return 0, m.CheckFinite()
	}
	return max(m0, m1, m2, m3), nil
}

// Validate checks that m has a positive size, that len(Pix) == Width*Height,
// and that every value is finite (see [Map.CheckFinite]).
func (m Map) Validate() error {
	if m.Width <= 0 || m.Height <= 0 {
		return fmt.Errorf("invalid map size %dx%d", m.Width, m.Height)
	}
	if m.Width > math.MaxInt/m.Height || len(m.Pix) != m.Width*m.Height {
		return fmt.Errorf("map is %dx%d but has %d values", m.Width, m.Height, len(m.Pix))
	}
	return m.CheckFinite()
}

// readAllBounded reads r whole, at most MaxFileBytes of it: what the
// decoders of whole inputs take from a reader.
func readAllBounded(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err == nil && len(data) > MaxFileBytes {
		err = fmt.Errorf("input longer than %d bytes", MaxFileBytes)
	}
	return data, err
}

// checkSize returns an error unless 0 < w, h and w*h <= MaxPixels.
func checkSize(format string, w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%s: invalid image size %dx%d", format, w, h)
	}
	if w > MaxPixels/h {
		return fmt.Errorf("%s: image size %dx%d exceeds the limit of %d pixels per image", format, w, h, MaxPixels)
	}
	return nil
}

// CheckDecodeSize returns an error naming format unless a w x h image
// whose decoded form takes bytesPerPixel bytes a pixel fits the limits of
// one image: [MaxPixels] and [MaxImageBytes]. Decoders call it with the
// header's size before allocating anything.
func CheckDecodeSize(format string, w, h, bytesPerPixel int) error {
	if err := checkSize(format, w, h); err != nil {
		return err
	}
	if need := uint64(w) * uint64(h) * uint64(max(bytesPerPixel, 1)); need > MaxImageBytes {
		return fmt.Errorf("%s: a %dx%d image of %d bytes a pixel needs %d MiB to decode, over the limit of %d MiB per image",
			format, w, h, bytesPerPixel, (need+1<<20-1)>>20, MaxImageBytes>>20)
	}
	return nil
}
