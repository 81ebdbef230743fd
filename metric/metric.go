// Package metric defines what every zsadbench metric shares: a category's
// inputs (score maps, masks, image scores), the threshold grid, and the
// error that marks a metric as undefined.
//
// The definitions follow METRICS.md: maps are float32 and higher means more
// anomalous; a pixel is anomalous when its mask value is true; an image is
// anomalous when its mask has any anomalous pixel.
package metric

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/zsadbench/zsadbench/internal/bools"
	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/internal/parallel"
)

// MaxImagePixels is the largest image, in pixels (Width*Height), that
// zsadbench reads or evaluates: 2^26, for example 8192x8192, several times
// the largest images of public anomaly detection datasets (about 5000x5000).
// It is the one limit of every decoder (maps, masks, model inputs), of
// --size and of the sweep, so that a file claiming more is refused, naming
// it, before anything is decoded, and the memory one image can take is
// bounded.
const MaxImagePixels = 1 << 26

// Image is one test image of a category.
type Image struct {
	// Name identifies the image in errors and warnings (a file path, a key).
	Name string
	// Key is the image's dataset key and Defect its defect type (e.g.
	// MVTec's "broken_large"), both optional, for per-image records.
	Key, Defect   string
	Width, Height int
	// Scores is the anomaly score map, row-major, Width*Height finite values.
	Scores []float32
	// Mask is the ground truth, row-major, Width*Height values; nil means an
	// all-normal image.
	Mask []bool
	// Score is the image-level anomaly score when HasScore is true; otherwise
	// the image score is the maximum of Scores.
	Score    float64
	HasScore bool
	// Label overrides the image label of classification-only datasets, whose
	// images have no mask; LabelFromMask (the zero value) derives it.
	Label Label
}

// Label is an image's ground-truth class.
type Label int8

const (
	// LabelFromMask: anomalous when the mask has an anomalous pixel.
	LabelFromMask Label = iota
	LabelNormal
	LabelAnomalous
)

// ImageScore returns the image-level score: Score when given, else max(Scores).
// It returns -Inf for an empty map.
func (im *Image) ImageScore() float64 {
	if im.HasScore {
		return im.Score
	}
	m := float32(math.Inf(-1))
	for _, v := range im.Scores {
		if v > m {
			m = v
		}
	}
	return float64(m)
}

// Anomalous reports the image label: Label when set, else whether the mask
// has any anomalous pixel.
func (im *Image) Anomalous() bool {
	switch im.Label {
	case LabelNormal:
		return false
	case LabelAnomalous:
		return true
	}
	return im.NextAnomalous(0) >= 0
}

// AnomalousPixels counts the anomalous pixels of the mask (0 without one).
func (im *Image) AnomalousPixels() int { return bools.Count(im.Mask) }

// NextAnomalous returns the index of the first anomalous pixel at or after
// p (p >= 0), or -1 when there is none. Normal pixels are skipped many at a
// time, which makes walking a mask's anomalous pixels cheap.
func (im *Image) NextAnomalous(p int) int { return bools.Next(im.Mask, p) }

// Validate checks the image's sizes and that every score is finite.
func (im *Image) Validate() error {
	if err := im.ValidateSizes(); err != nil {
		return err
	}
	for i, v := range im.Scores {
		if !finite.Is(v) {
			return fmt.Errorf("%s: score %v at row %d, column %d is not finite", im.Name, v, i/im.Width, i%im.Width)
		}
	}
	return nil
}

// ValidateSizes is Validate without the scores' check, for callers that
// check them as they read them (calling Validate for the message when one
// is not finite).
func (im *Image) ValidateSizes() error {
	if im.Width <= 0 || im.Height <= 0 {
		return fmt.Errorf("%s: invalid size %dx%d", im.Name, im.Width, im.Height)
	}
	n := im.Width * im.Height
	if len(im.Scores) != n {
		return fmt.Errorf("%s: score map has %d values, want %dx%d", im.Name, len(im.Scores), im.Width, im.Height)
	}
	if im.Mask != nil && len(im.Mask) != n {
		return fmt.Errorf("%s: mask has %d values, want %dx%d", im.Name, len(im.Mask), im.Width, im.Height)
	}
	if im.HasScore && !finite.Float64(im.Score) {
		return fmt.Errorf("%s: image score %v is not finite", im.Name, im.Score)
	}
	return nil
}

// Category is a set of images evaluated together.
type Category struct {
	Name   string
	Images []Image
}

// Validate checks every image of the category.
func (c *Category) Validate() error {
	for i := range c.Images {
		if err := c.Images[i].Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Grid selects the thresholds of the PRO and RC curves.
//
// The zero value is the exact grid: every distinct score is a threshold and a
// pixel is positive when score >= t. Steps(N) is the compatibility grid of the
// AnomalyCLIP-family scripts: NumPy's arange between the category's minimum and
// maximum score, and a pixel is positive when score > t (compared in float32).
type Grid struct {
	// Steps is N of the steps grid; 0 means the exact grid.
	Steps int
}

// Exact is the default grid.
var Exact = Grid{}

// Steps returns the steps:N grid.
func Steps(n int) Grid { return Grid{Steps: n} }

// IsExact reports whether g is the exact grid.
func (g Grid) IsExact() bool { return g.Steps == 0 }

// String returns "exact" or "steps:N", the form ParseGrid reads.
func (g Grid) String() string {
	if g.IsExact() {
		return "exact"
	}
	return "steps:" + strconv.Itoa(g.Steps)
}

// ParseGrid reads "exact" or "steps:N" with N >= 1.
func ParseGrid(s string) (Grid, error) {
	if s == "exact" {
		return Exact, nil
	}
	if rest, ok := strings.CutPrefix(s, "steps:"); ok {
		n, err := strconv.Atoi(rest)
		if err == nil && n >= 1 && n <= 1<<24 {
			return Steps(n), nil
		}
	}
	return Grid{}, fmt.Errorf("threshold grid %q: want exact or steps:N with N a positive integer", s)
}

// StepThresholds returns the thresholds of the steps:n grid for scores in
// [lo, hi], ascending, exactly as the AnomalyCLIP-family scripts get them
// from np.arange(lo, hi, (hi-lo)/n) under NumPy 1.x with lo and hi float32
// scalars (METRICS.md): diff = hi-lo is subtracted in float32, step =
// float64(diff)/n, and arange makes count = ceil(float64(diff)/step) values
// lo + k*((lo+step)-lo) in float64. Each is then rounded to float32, the
// precision in which those scripts compare a float32 map with a float64
// threshold. It returns nil when hi <= lo or diff overflows float32 (the
// curve metrics are then undefined), or either is not finite.
func StepThresholds(lo, hi float32, n int) []float32 {
	if !(hi > lo) || n < 1 {
		return nil
	}
	// float32 - float32 rounds to float32 in Go as in NumPy; the
	// conversion keeps the compiler from fusing or widening it.
	diff := float64(float32(hi - lo))
	if !finite.Float64(diff) {
		return nil
	}
	l := float64(lo)
	step := diff / float64(n)
	count := int(math.Ceil(diff / step))
	d := (l + step) - l
	t := make([]float32, count)
	for k := range t {
		// The explicit conversion rounds the product first, as NumPy does: Go
		// may otherwise fuse it with the sum (FMA on arm64).
		t[k] = float32(l + float64(float64(k)*d))
	}
	return t
}

// Undefined is the error of a metric that has no value for its input: one
// class only, no ground-truth region, a constant map on the steps grid.
type Undefined struct {
	Metric string // for example "pixel AUROC"
	Reason string // for example "no anomalous pixel"
}

func (e *Undefined) Error() string { return e.Metric + " is undefined: " + e.Reason }

// IsUndefined reports whether err marks an undefined metric.
func IsUndefined(err error) bool {
	var u *Undefined
	return errors.As(err, &u)
}

// Value is a metric's value, or the reason it has none.
type Value struct {
	// V is the value; NaN when Err is set.
	V float64
	// Err is non-nil, a *Undefined, when the metric is undefined.
	Err error
}

// Defined returns a defined value.
func Defined(v float64) Value { return Value{V: v} }

// NoValue returns an undefined value with its reason.
func NoValue(metric, reason string) Value {
	return Value{V: math.NaN(), Err: &Undefined{Metric: metric, Reason: reason}}
}

// OK reports whether the value is defined.
func (v Value) OK() bool { return v.Err == nil }

// MarshalJSON writes the value at full precision, or null when undefined.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.Err != nil {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v.V, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number or null.
func (v *Value) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = Value{V: math.NaN(), Err: &Undefined{Reason: "null"}}
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("metric value %s: %w", b, err)
	}
	*v = Value{V: f}
	return nil
}

// Extent is what a sweep must know of a category before its images arrive:
// the range of its scores (which places the steps grid) and the size of its
// largest image (which sets the precision of fixed-point sums). The zero
// value is the extent of no image.
type Extent struct {
	Lo, Hi    float32 // smallest and largest score; 0 before any score
	MaxPixels int     // pixels of the largest image
	Pixels    int     // pixels of all images
	scored    bool    // Lo and Hi hold a score
}

// Include widens the extent to cover images. NaN and ±Inf scores are
// skipped (image validation reports them).
func (e *Extent) Include(images []Image) {
	for i := range images {
		im := &images[i]
		scores := im.Scores
		if !e.scored {
			for len(scores) > 0 && !finite.Is(scores[0]) {
				scores = scores[1:]
			}
			if len(scores) > 0 {
				e.Lo, e.Hi, e.scored = scores[0], scores[0], true
			}
		}
		lo, hi := e.Lo, e.Hi
		for _, v := range scores {
			// NaN compares false; ±Inf is tested only when it would count.
			if v < lo && finite.Is(v) {
				lo = v
			}
			if v > hi && finite.Is(v) {
				hi = v
			}
		}
		e.Lo, e.Hi = lo, hi
		e.MaxPixels = max(e.MaxPixels, im.Width*im.Height)
		e.Pixels += im.Width * im.Height
	}
}

// ExtentFor returns the extent a sweep on grid g needs: on the exact grid
// only the images' sizes (Lo and Hi are 0), without a pass over the scores,
// whose range only the steps grid uses; else Extent.
func (c *Category) ExtentFor(g Grid) Extent {
	if !g.IsExact() {
		return c.Extent()
	}
	var e Extent
	for i := range c.Images {
		n := c.Images[i].Width * c.Images[i].Height
		e.MaxPixels = max(e.MaxPixels, n)
		e.Pixels += n
	}
	return e
}

// Extent returns the extent of the category's images, reading them in
// parallel.
func (c *Category) Extent() Extent {
	per := make([]Extent, len(c.Images))
	parallel.For(len(c.Images), 0, func(_, i int) { per[i].Include(c.Images[i : i+1]) })
	var e Extent
	for _, p := range per {
		e.merge(p)
	}
	return e
}

// merge widens e to cover o, as if o's images had been included after e's.
func (e *Extent) merge(o Extent) {
	switch {
	case !o.scored:
	case !e.scored:
		e.Lo, e.Hi, e.scored = o.Lo, o.Hi, true
	default:
		if o.Lo < e.Lo {
			e.Lo = o.Lo
		}
		if o.Hi > e.Hi {
			e.Hi = o.Hi
		}
	}
	e.MaxPixels = max(e.MaxPixels, o.MaxPixels)
	e.Pixels += o.Pixels
}
