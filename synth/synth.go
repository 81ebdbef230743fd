package synth

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Options configure a synthetic data set.
type Options struct {
	// Categories is the number of categories, named "cat00", "cat01", ...
	// (more digits when there are over 100). It must be positive unless Names
	// is set, and then it must be 0 or len(Names).
	Categories int
	// Names, when not empty, are the category names, in output order. Each
	// must be a usable folder name: not empty, not "." or "..", without '/',
	// '\\' or NUL, and all different.
	Names []string
	// Images is the number of images per category (>= 1).
	Images int
	// Size is the side of every square map and mask, in pixels (8 to 8192).
	Size int
	// Seed selects the data set; equal Options give identical data.
	Seed int64
	// AnomalousFraction is the fraction of each category's images that are
	// anomalous, in [0, 1]; 0 means the default 0.3. Each category gets
	// exactly round(AnomalousFraction * Images) anomalous images (half away
	// from zero), raised to 1 and lowered to Images-1 where needed so that a
	// category of two or more images has both normal and anomalous ones when
	// the fraction is below 1. A category of one image is anomalous when the
	// fraction is at least 0.5.
	AnomalousFraction float64
	// Quality scales how well the score maps find the defects, in (0, 4];
	// 0 means 1, the standard detector. The defects' responses are
	// multiplied by Quality (at most 1), and false-alarm blobs, the
	// background and the noise divided by it. It changes only the maps: the
	// masks, and every random choice, are the same at every Quality, so
	// maps of several qualities are models to compare on one ground truth
	// (WriteModels).
	Quality float64
	// Progress, when set, is called after each image is written by
	// WriteMVTec or WriteModels with the images done and the total, from one
	// goroutine at a time.
	Progress func(done, total int)
}

// DefaultAnomalousFraction is used when Options.AnomalousFraction is 0.
const DefaultAnomalousFraction = 0.3

// Limits on Options.Size: MaxSize^2 is metric.MaxImagePixels, the largest
// image zsadbench reads.
const (
	MinSize = 8
	MaxSize = 8192
)

// DefaultOptions returns the shape of the MVTec AD test set (15 categories,
// 115 images each: 1,725 images) at 256x256, seed 1, 30% anomalous.
func DefaultOptions() Options {
	return Options{
		Categories:        15,
		Images:            115,
		Size:              256,
		Seed:              1,
		AnomalousFraction: DefaultAnomalousFraction,
	}
}

// Image is one generated image: its MVTec AD location and data.
type Image struct {
	// Category is the category name, Defect the defect type ("good" for a
	// normal image; "blob", "scratch" or "mixed" otherwise) and ID the file
	// stem: images of one (category, defect) are numbered "000", "001", ... in
	// index order (more digits when Images > 1000).
	Category, Defect, ID string
	// Width and Height are both Options.Size.
	Width, Height int
	// Scores is the score map, row-major (Scores[y*Width+x]); finite.
	Scores []float32
	// Mask is the ground truth, row-major; true = anomalous. It has
	// Width*Height entries for normal images too (all false), and at least
	// one true entry for anomalous ones.
	Mask []bool
}

type defectKind uint8

const (
	kindGood defectKind = iota
	kindBlob
	kindScratch
	kindMixed
)

// defectNames are the MVTec folder names of the defect kinds.
var defectNames = [...]string{kindGood: "good", kindBlob: "blob", kindScratch: "scratch", kindMixed: "mixed"}

// RNG stream tags, so that a category's plan and its images never share a
// random stream.
const (
	streamPlan  = 1
	streamImage = 2
)

// category is everything decided once per category: which images are
// anomalous and with what defect type, their IDs, and the detector's quality.
type category struct {
	name     string
	key      uint64 // hash of name
	kinds    []defectKind
	ids      []string
	quality  float64 // gain multiplier of true detections
	lowAmp   float64 // amplitude of the low-frequency background
	noiseAmp float64 // half-width of the i.i.d. noise
	fpRate   float64 // expected false-positive blobs per image
	detector float64 // Options.Quality: gain multiplier, divisor of the rest; 0 = 1
}

// detectorQuality is Options.Quality (1 for a category made without it).
func (c *category) detectorQuality() float64 {
	if c.detector == 0 {
		return 1
	}
	return c.detector
}

// plan is a validated Options with its categories decided.
type plan struct {
	seed   int64
	size   int
	images int
	cats   []category
}

func (p *plan) total() int { return len(p.cats) * p.images }

// anomalousCount returns the number of anomalous images per category.
func anomalousCount(frac float64, images int) int {
	n := int(math.Round(frac * float64(images)))
	if images >= 2 && frac < 1 {
		n = min(max(n, 1), images-1)
	}
	return n
}

func validName(s string) error {
	switch {
	case s == "":
		return errors.New("empty name")
	case s == "." || s == "..":
		return fmt.Errorf("name %q is not a folder name", s)
	case strings.ContainsAny(s, "/\\\x00"):
		return fmt.Errorf("name %q contains '/', '\\' or NUL", s)
	}
	return nil
}

func newPlan(opts Options) (*plan, error) {
	if opts.Size < MinSize || opts.Size > MaxSize {
		return nil, fmt.Errorf("synth: Size %d out of range [%d, %d]", opts.Size, MinSize, MaxSize)
	}
	if opts.Images < 1 {
		return nil, fmt.Errorf("synth: Images %d, want at least 1", opts.Images)
	}
	frac := opts.AnomalousFraction
	if frac == 0 {
		frac = DefaultAnomalousFraction
	}
	if !(frac >= 0 && frac <= 1) {
		return nil, fmt.Errorf("synth: AnomalousFraction %v out of range [0, 1]", opts.AnomalousFraction)
	}
	names := opts.Names
	if len(names) > 0 {
		if opts.Categories != 0 && opts.Categories != len(names) {
			return nil, fmt.Errorf("synth: Categories %d but %d Names", opts.Categories, len(names))
		}
		seen := make(map[string]bool, len(names))
		for _, s := range names {
			if err := validName(s); err != nil {
				return nil, fmt.Errorf("synth: category %w", err)
			}
			if seen[s] {
				return nil, fmt.Errorf("synth: category name %q given twice", s)
			}
			seen[s] = true
		}
	} else {
		if opts.Categories < 1 {
			return nil, fmt.Errorf("synth: Categories %d, want at least 1 (or Names)", opts.Categories)
		}
		width := max(2, len(fmt.Sprint(opts.Categories-1)))
		names = make([]string, opts.Categories)
		for i := range names {
			names[i] = fmt.Sprintf("cat%0*d", width, i)
		}
	}
	q := opts.Quality
	if q == 0 {
		q = 1
	}
	if !(q > 0 && q <= 4) {
		return nil, fmt.Errorf("synth: Quality %v out of range (0, 4]", opts.Quality)
	}
	p := &plan{seed: opts.Seed, size: opts.Size, images: opts.Images, cats: make([]category, len(names))}
	for i, name := range names {
		p.cats[i] = newCategory(opts.Seed, name, opts.Images, anomalousCount(frac, opts.Images))
		p.cats[i].detector = q
	}
	return p, nil
}

func newCategory(seed int64, name string, images, anomalous int) category {
	c := category{name: name, key: fnv64a(name)}
	r := newRNG(uint64(seed), c.key, streamPlan)
	c.quality = r.Range(0.5, 1.0)
	c.lowAmp = r.Range(0.05, 0.16)
	c.noiseAmp = r.Range(0.01, 0.04)
	c.fpRate = r.Range(0.5, 2.0)

	// The first `anomalous` entries of a random permutation are anomalous.
	perm := make([]int, images)
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < anomalous; i++ {
		j := i + r.IntN(images-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	c.kinds = make([]defectKind, images)
	for _, idx := range perm[:anomalous] {
		switch u := r.Float64(); {
		case u < 0.4:
			c.kinds[idx] = kindBlob
		case u < 0.7:
			c.kinds[idx] = kindScratch
		default:
			c.kinds[idx] = kindMixed
		}
	}
	width := max(3, len(fmt.Sprint(images-1)))
	var next [len(defectNames)]int
	c.ids = make([]string, images)
	for i, k := range c.kinds {
		c.ids[i] = fmt.Sprintf("%0*d", width, next[k])
		next[k]++
	}
	return c
}

// Generate calls fn for each image, categories in order (Names, or cat00,
// cat01, ...) and within a category by image index 0 .. Images-1 (not
// grouped by defect type). Images are computed in parallel on GOMAXPROCS
// goroutines, but fn is called from one goroutine at a time, in that order,
// and the images are the same whatever GOMAXPROCS is. Each Image owns its
// slices. Generate stops at, and returns, the first error from fn; it returns
// an error without calling fn when opts are invalid. It returns after every
// goroutine it started has finished.
func Generate(opts Options, fn func(img Image) error) error {
	p, err := newPlan(opts)
	if err != nil {
		return err
	}
	return p.each(fn)
}

// image returns image k of the plan (k = category*images + index) in fresh
// slices.
func (p *plan) image(k int, ws *workspace) Image {
	n := p.size * p.size
	img := Image{Scores: make([]float32, n), Mask: make([]bool, n)}
	p.render(k, ws, &img)
	return img
}

// render fills img (whose Scores and Mask must have Size*Size entries) with
// image k of the plan.
func (p *plan) render(k int, ws *workspace, img *Image) {
	c := &p.cats[k/p.images]
	idx := k % p.images
	img.Category = c.name
	img.Defect = defectNames[c.kinds[idx]]
	img.ID = c.ids[idx]
	img.Width, img.Height = p.size, p.size
	ws.render(p.seed, c, idx, p.size, img.Scores, img.Mask)
}
