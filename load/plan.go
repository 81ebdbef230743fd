package load

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/mapio"
	"github.com/zsadbench/zsadbench/metric"
)

// Size is an image's width and height in pixels.
type Size struct{ Width, Height int }

// String returns "WxH".
func (s Size) String() string { return strconv.Itoa(s.Width) + "x" + strconv.Itoa(s.Height) }

// Resize counts the maps of one size that were resized to another.
type Resize struct {
	From, To Size
	Maps     int
}

// Resizes are the resizes of an evaluation, one per pair of sizes, most
// maps first.
type Resizes []Resize

// Add counts r's maps, merging them with a resize between the same sizes.
func (rs *Resizes) Add(r Resize) {
	for i := range *rs {
		if (*rs)[i].From == r.From && (*rs)[i].To == r.To {
			(*rs)[i].Maps += r.Maps
			rs.sort()
			return
		}
	}
	*rs = append(*rs, r)
	rs.sort()
}

func (rs Resizes) sort() {
	slices.SortStableFunc(rs, func(a, b Resize) int {
		if a.Maps != b.Maps {
			return b.Maps - a.Maps
		}
		if c := strings.Compare(a.From.String(), b.From.String()); c != 0 {
			return c
		}
		return strings.Compare(a.To.String(), b.To.String())
	})
}

// Maps returns the number of maps resized.
func (rs Resizes) Maps() int {
	n := 0
	for _, r := range rs {
		n += r.Maps
	}
	return n
}

// String lists the resizes, "16 from 192x192 to 96x96, 2 from ...", the
// first four and a count of the rest.
func (rs Resizes) String() string {
	var parts []string
	for i, r := range rs {
		if i == 4 {
			rest := 0
			for _, r := range rs[i:] {
				rest += r.Maps
			}
			parts = append(parts, fmt.Sprintf("%d more between %d other pairs of sizes", rest, len(rs)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%d from %s to %s", r.Maps, r.From, r.To))
	}
	return strings.Join(parts, ", ")
}

// ErrUnknownSize marks a category whose maps cannot be put at their ground
// truth's resolution: see Plan.
var ErrUnknownSize = errors.New("the ground truth's size is unknown")

// A Plan says at which size each image is evaluated, and counts the maps
// resized to get there.
//
// With Options.Size = 0 each map is compared with its image at the image's
// ground-truth resolution (METRICS.md, "Inputs"): its mask's size; for an
// image without a mask, the size of its image file (Entry.ImagePath); for
// an image with neither, the size of its category's masks when they all
// have one. Sizes are read from the files' headers. When the category's
// masks differ in size too, such a map is kept at its own size, which is
// right when the model wrote its maps at its images' sizes: Check refuses
// the category when any of its other maps had to be resized, since then
// they were not. With Options.Size > 0 every image is evaluated at
// Size x Size. Classification-only entries (no pixel labels) keep their
// maps' sizes.
//
// A Plan may be used from several goroutines; reading a category twice
// counts its maps once.
type Plan struct {
	opts Options
	gt   map[string]Size   // ground-truth size by entry key; absent: unknown
	cat  map[string]string // category by entry key

	mu      sync.Mutex
	resized map[string]Resize // by entry key
	kept    map[string]bool   // keys of maps kept at their own size for want of a ground-truth size
}

// NewPlan reads the headers of the entries' masks and image files (none
// with opts.Size > 0). Errors name the file.
func NewPlan(entries []dataset.Entry, opts Options) (*Plan, error) {
	p := &Plan{opts: opts, gt: map[string]Size{}, cat: map[string]string{}, resized: map[string]Resize{}, kept: map[string]bool{}}
	for _, e := range entries {
		p.cat[e.Key] = e.Category
	}
	if opts.Size > 0 {
		return p, nil
	}
	sizes := make([]Size, len(entries))
	errs := make([]error, len(entries))
	parallel.For(len(entries), opts.Workers, func(_, i int) {
		e := &entries[i]
		file := e.MaskPath
		if file == "" {
			file = e.ImagePath
		}
		if !e.PixelLabels || file == "" {
			return
		}
		w, h, err := mapio.ReadMaskSize(file)
		sizes[i], errs[i] = Size{w, h}, err
	})
	if err := parallel.FirstError(errs); err != nil {
		return nil, err
	}
	// The one size of each category's masks, or a zero Size when they
	// have several (or none).
	maskSize := map[string]Size{}
	several := map[string]bool{}
	for i, e := range entries {
		if e.MaskPath == "" || several[e.Category] {
			continue
		}
		if s, ok := maskSize[e.Category]; ok && s != sizes[i] {
			several[e.Category] = true
			delete(maskSize, e.Category)
			continue
		}
		maskSize[e.Category] = sizes[i]
	}
	for i, e := range entries {
		switch {
		case sizes[i] != Size{}:
			p.gt[e.Key] = sizes[i]
		case e.PixelLabels && !several[e.Category] && maskSize[e.Category] != Size{}:
			p.gt[e.Key] = maskSize[e.Category]
		}
	}
	return p, nil
}

// Category builds one category from entries of the plan and their outputs
// (same order, same length): maps at the plan's sizes, binarised masks,
// labels and image scores. Errors name the file.
func (p *Plan) Category(name string, entries []dataset.Entry, outs []backend.Output) (*metric.Category, error) {
	if len(entries) != len(outs) {
		panic("load: entries and outputs differ in length")
	}
	cat := &metric.Category{Name: name, Images: make([]metric.Image, len(entries))}
	errs := make([]error, len(entries))
	parallel.For(len(entries), p.opts.Workers, func(_, i int) {
		cat.Images[i], errs[i] = p.image(&entries[i], &outs[i])
	})
	if err := parallel.FirstError(errs); err != nil {
		return nil, err
	}
	return cat, nil
}

// Check returns an error wrapping ErrUnknownSize when a category read so
// far has both a map kept at its own size for want of a ground-truth size
// and a map resized to its ground truth's.
func (p *Plan) Check() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.kept) == 0 {
		return nil
	}
	resizedIn := map[string]string{} // category -> one resized key
	for k := range p.resized {
		if c := p.cat[k]; resizedIn[c] == "" || k < resizedIn[c] {
			resizedIn[c] = k
		}
	}
	var keys []string
	for k := range p.kept {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		c := p.cat[k]
		r, ok := resizedIn[c]
		if !ok {
			continue
		}
		n := 0
		for _, k2 := range keys {
			if p.cat[k2] == c {
				n++
			}
		}
		rz := p.resized[r]
		return fmt.Errorf("category %s: %w for %d image(s) without a mask or an image file (first: %s): "+
			"their maps cannot stay at their own size, since the category's masks have several sizes "+
			"and other maps were not at their ground truth's size (%s: %s, resized to %s)",
			c, ErrUnknownSize, n, k, r, rz.From, rz.To)
	}
	return nil
}

// Resized returns the maps resized so far, by pair of sizes.
func (p *Plan) Resized() Resizes {
	p.mu.Lock()
	defer p.mu.Unlock()
	var rs Resizes
	for _, r := range p.resized {
		rs.Add(r)
	}
	return rs
}

func (p *Plan) record(key string, from, to Size) {
	p.mu.Lock()
	p.resized[key] = Resize{From: from, To: to, Maps: 1}
	p.mu.Unlock()
}

func (p *Plan) keep(key string) {
	p.mu.Lock()
	p.kept[key] = true
	p.mu.Unlock()
}
