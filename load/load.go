// Package load turns a dataset's entries and a backend's score maps into the
// metric categories that package evaluate scores: it reads and binarises
// masks, puts maps and masks on one grid (resizing as METRICS.md says), and
// attaches image labels and scores. It computes no metric.
package load

import (
	"fmt"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/mapio"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/resize"
)

// MaskResize is how masks are resized to Options.Size.
type MaskResize string

const (
	// Nearest takes the nearest mask pixel (the default).
	Nearest MaskResize = "nearest"
	// Bilinear interpolates the 0/1 mask and keeps values > 0.5, as the
	// AnomalyCLIP-family scripts do.
	Bilinear MaskResize = "bilinear"
)

// Options say how maps and masks are put on one grid.
type Options struct {
	// Size > 0 evaluates every image at Size x Size: maps bilinear, masks by
	// MaskResize. 0 evaluates each image at its ground truth's size (see
	// Plan).
	Size       int
	MaskResize MaskResize
	// StrictSize makes a map whose size differs from its ground truth's
	// (see Plan) an error (a *SizeError) instead of resizing it (ignored
	// with Size > 0).
	StrictSize bool
	// MaskThreshold >= 0 overrides each entry's own rule: a mask pixel is
	// anomalous when its value is greater. Negative keeps the entry's rule.
	MaskThreshold float64
	// Workers reads this many masks at once; 0 = GOMAXPROCS.
	Workers int
	// Protocol names the published evaluation preset these options come
	// from ("anomalyclip"), if any; a Source echoes it in the report.
	Protocol string
}

// DefaultOptions evaluate at mask size with each entry's own mask rule.
var DefaultOptions = Options{MaskResize: Nearest, MaskThreshold: -1}

// Category builds one category from its entries and their outputs (same
// order, same length), every image at the size its Plan gives (see Plan).
// Errors name the file.
func Category(name string, entries []dataset.Entry, outs []backend.Output, opts Options) (*metric.Category, error) {
	p, err := NewPlan(entries, opts)
	if err != nil {
		return nil, err
	}
	cat, err := p.Category(name, entries, outs)
	if err != nil {
		return nil, err
	}
	return cat, p.Check()
}

// A SizeError is Image's error for a map whose size differs from its
// ground truth's when Options.StrictSize forbids resizing it.
type SizeError struct {
	Map, Mask                                  string // the map's name (or its image's) and the ground truth's file
	MapWidth, MapHeight, MaskWidth, MaskHeight int
	// Truth is what gives the ground truth's size: "" for the mask Mask,
	// "image" for the image file Mask of an image without a mask, or
	// "category's masks" (see Plan).
	Truth string
}

func (e *SizeError) Error() string {
	truth := "mask " + printable.Path(e.Mask)
	switch e.Truth {
	case "image":
		truth = "image " + printable.Path(e.Mask)
	case "":
	default:
		truth = e.Truth
	}
	return fmt.Sprintf("%s: score map is %dx%d but its %s is %dx%d, and strict size forbids resizing it",
		printable.Path(e.Map), e.MapWidth, e.MapHeight, truth, e.MaskWidth, e.MaskHeight)
}

// Image builds one image: the map, the binarised mask, the label and the
// image score, at the size a Plan of this entry alone gives. (Whether every
// score is finite is checked once, by package evaluate, with the map's name
// in the error.)
func Image(e *dataset.Entry, out *backend.Output, opts Options) (metric.Image, error) {
	p, err := NewPlan([]dataset.Entry{*e}, opts)
	if err != nil {
		return metric.Image{}, err
	}
	return p.image(e, out)
}

// mapName names an entry's map in errors and warnings: its file, or the
// image the model made it from.
func mapName(e *dataset.Entry) string {
	if e.MapPath != "" {
		return e.MapPath
	}
	return e.ImagePath
}

func (p *Plan) image(e *dataset.Entry, out *backend.Output) (metric.Image, error) {
	opts := p.opts
	src := mapName(e)
	im := metric.Image{Name: src, Key: e.Key, Defect: e.Defect, Width: out.Width, Height: out.Height, Scores: out.Map, Score: out.Score, HasScore: true}
	if len(out.Map) != out.Width*out.Height || out.Width <= 0 || out.Height <= 0 {
		return im, fmt.Errorf("%s: score map of %d values for %dx%d", printable.Path(src), len(out.Map), out.Width, out.Height)
	}
	if !finite.Float64(out.Score) {
		return im, fmt.Errorf("%s: image score %v is not finite", printable.Path(src), out.Score)
	}
	if !e.PixelLabels {
		im.Label = metric.LabelNormal
		if e.Anomalous {
			im.Label = metric.LabelAnomalous
		}
	}
	own := Size{out.Width, out.Height}
	// The size the map is compared at.
	target := own
	if opts.Size > 0 {
		target = Size{opts.Size, opts.Size}
	} else if gt, ok := p.gt[e.Key]; ok {
		target = gt
		if own != gt && opts.StrictSize {
			se := &SizeError{Map: src, Mask: e.MaskPath, MapWidth: own.Width, MapHeight: own.Height, MaskWidth: gt.Width, MaskHeight: gt.Height}
			if e.MaskPath == "" {
				se.Truth, se.Mask = "image", e.ImagePath
				if e.ImagePath == "" {
					se.Truth = "category's masks"
				}
			}
			return im, se
		}
	} else if e.PixelLabels {
		p.keep(e.Key)
	}
	// The mask is read first: a mask the decoders refuse (over the pixel
	// budget) must fail before the map is resized to its size.
	var mask []bool
	if e.MaskPath != "" {
		threshold := float64(e.MaskThreshold)
		if opts.MaskThreshold >= 0 {
			threshold = opts.MaskThreshold
		}
		var mw, mh int
		var err error
		if mask, mw, mh, err = mapio.ReadBinaryMask(e.MaskPath, float32(threshold)); err != nil {
			return im, err
		}
		switch {
		case opts.Size > 0:
			if mw != opts.Size || mh != opts.Size {
				mask = resizeMask(mask, mw, mh, opts.Size, opts.MaskResize)
			}
		case mw != target.Width || mh != target.Height:
			// The header read by NewPlan said otherwise: the file changed.
			return im, fmt.Errorf("%s: mask is %dx%d, but its header read earlier said %s", printable.Path(e.MaskPath), mw, mh, target)
		}
	}
	if target != own {
		im.Scores = resize.Bilinear(out.Map, own.Width, own.Height, target.Width, target.Height)
		im.Width, im.Height = target.Width, target.Height
		p.record(e.Key, own, target)
	}
	im.Mask = mask
	return im, nil
}

func resizeMask(mask []bool, w, h, s int, how MaskResize) []bool {
	if how != Bilinear {
		return resize.Nearest(mask, w, h, s, s)
	}
	f := make([]float32, len(mask))
	for i, v := range mask {
		if v {
			f[i] = 1
		}
	}
	g := resize.Bilinear(f, w, h, s, s)
	out := make([]bool, len(g))
	for i, v := range g {
		out[i] = v > 0.5
	}
	return out
}

// CheckSizes reads the size of every entry's score map (or, without one,
// its image, whose size the model's map takes) and mask from the files'
// headers, without decoding them, so that problems that would otherwise
// show only after decoding whole maps are found first, each naming its
// file:
//
//   - a file larger than metric.MaxImagePixels, or unreadable, is an error;
//   - with opts.StrictSize (and no opts.Size), a map whose size differs from
//     its mask's is an error, as Image would report after decoding;
//   - a map whose aspect ratio differs from its mask's by more than a pixel
//     (a 1x4096 map for a 64x64 mask) is resized all the same, and counted in
//     one warning naming the first such pair; a square map (a model's input
//     size, to which every image was stretched) is not counted.
//
// It reads opts.Workers files at once.
func CheckSizes(entries []dataset.Entry, opts Options) (warnings []string, err error) {
	type sizes struct{ w, h, mw, mh int }
	got := make([]sizes, len(entries))
	errs := make([]error, len(entries))
	parallel.For(len(entries), opts.Workers, func(_, i int) {
		e := &entries[i]
		s := &got[i]
		switch {
		case e.MapPath != "":
			s.w, s.h, errs[i] = mapio.ReadMapSize(e.MapPath)
		case e.ImagePath != "":
			s.w, s.h, errs[i] = mapio.ReadMaskSize(e.ImagePath)
		}
		if errs[i] == nil && e.MaskPath != "" {
			s.mw, s.mh, errs[i] = mapio.ReadMaskSize(e.MaskPath)
		}
	})
	skewed, first := 0, -1
	for i, e := range entries {
		if errs[i] != nil {
			return nil, errs[i]
		}
		s := got[i]
		if e.MaskPath == "" || s.w == 0 || (s.w == s.mw && s.h == s.mh) {
			continue
		}
		src := mapName(&e)
		if opts.StrictSize && opts.Size == 0 {
			return nil, &SizeError{Map: src, Mask: e.MaskPath, MapWidth: s.w, MapHeight: s.h, MaskWidth: s.mw, MaskHeight: s.mh}
		}
		// A square map is a model's input grid (518x518), which every
		// image is stretched to: the usual case, not a mismatch.
		if d := s.w*s.mh - s.mw*s.h; max(d, -d) > max(s.w, s.h) && s.w != s.h {
			if skewed++; first < 0 {
				first = i
			}
		}
	}
	if skewed > 0 {
		e, s := entries[first], got[first]
		src := mapName(&e)
		warnings = append(warnings, fmt.Sprintf("%d score map(s) have another aspect ratio than their masks and are stretched to fit (first: %s is %dx%d, its mask %s is %dx%d): check that the maps belong to these images",
			skewed, printable.Path(src), s.w, s.h, printable.Path(e.MaskPath), s.mw, s.mh))
	}
	return warnings, nil
}
