package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
)

// Behaviour is one kind of score map in the RCPRO demonstration: a way a
// detector can light up the defects of one ground truth.
type Behaviour int

// The behaviours of the RCPRO demonstration. Every map of an image shares
// the image's background, noise, and the gain of each defect (its score
// level); they differ only in where, and with what texture, they light up.
const (
	// Tight lights each defect exactly, with a smooth texture: the response
	// varies between 75% and 100% of the defect's level over about Size/24
	// pixels.
	Tight Behaviour = iota
	// OverSegmenting lights each defect together with a halo HaloFactor
	// times its area, at the defect's own level and with the same texture:
	// halo and defect switch on together.
	OverSegmenting
	// FalsePositives is Tight plus one to three blobs, each 0.2% to 1.2% of
	// the image, at defect-like levels, on every normal image.
	FalsePositives
	// Fragmented lights each defect with a fine, deep texture (40% to 100%
	// of its level, over a pixel or two): at high thresholds a defect is
	// many small peaks, most under 5% of its area.
	Fragmented
	// Blurred is Tight blurred by a Gaussian of sigma about Size/48, as a
	// detector's upsampled patch map is: edges spread into the background
	// and thin defects fade.
	Blurred
	numBehaviours
)

// HaloFactor is the area of an OverSegmenting halo as a multiple of its
// defect's area (about: image borders and other defects' halos may cut it).
const HaloFactor = 4

var behaviourNames = [numBehaviours]string{"tight", "over-segmenting", "false-positives", "fragmented", "blurred"}

// String returns the behaviour's folder name: "tight", "over-segmenting",
// "false-positives", "fragmented" or "blurred".
func (b Behaviour) String() string {
	if b < 0 || b >= numBehaviours {
		return fmt.Sprintf("Behaviour(%d)", int(b))
	}
	return behaviourNames[b]
}

// Behaviours returns every behaviour, in the demonstration's table order.
func Behaviours() []Behaviour {
	bs := make([]Behaviour, numBehaviours)
	for i := range bs {
		bs[i] = Behaviour(i)
	}
	return bs
}

// RCPRODemoOptions returns the rcpro-demo preset: one category "demo" of 100
// images of 256x256, 30 of them anomalous, seed 1.
func RCPRODemoOptions() Options {
	return Options{Names: []string{"demo"}, Images: 100, Size: 256, Seed: 1, AnomalousFraction: 0.3}
}

// DemoImage is one image of the RCPRO demonstration: its ground truth and
// one score map per behaviour.
type DemoImage struct {
	// Category, Defect, ID, Width, Height and Mask are those of the image
	// Generate makes for the same Options.
	Category, Defect, ID string
	Width, Height        int
	Mask                 []bool
	// Maps holds one score map per behaviour, indexed by Behaviour,
	// row-major; finite.
	Maps [][]float32
}

// DemoRun is one behaviour's maps on the demonstration's ground truth.
type DemoRun struct {
	Behaviour  Behaviour
	Categories []metric.Category
}

// MaxRCPRODemoSize is the largest Size of the RCPRO demonstration: each of
// its goroutines holds about 60 bytes a pixel (five maps, distances, textures).
const MaxRCPRODemoSize = 1024

// GenerateRCPRODemo calls fn for each image of the RCPRO demonstration, in
// Generate's order: the ground truth is Generate's for the same Options, and
// each behaviour's map is drawn on it. Like Generate, the images depend only
// on opts, are computed in parallel, and are handed to fn one at a time; each
// DemoImage owns its slices. Options are as for Generate, except that Size
// must be at most MaxRCPRODemoSize.
func GenerateRCPRODemo(opts Options, fn func(DemoImage) error) error {
	p, err := newPlan(opts)
	if err != nil {
		return err
	}
	if opts.Size > MaxRCPRODemoSize {
		return fmt.Errorf("synth: Size %d out of range [%d, %d] for the RCPRO demonstration", opts.Size, MinSize, MaxRCPRODemoSize)
	}
	return inOrder(p.total(), p.demoImage, fn)
}

// RCPRODemo generates the RCPRO demonstration in memory: one run per
// behaviour, in Behaviours order, whose categories package evaluate scores.
// The runs share their masks.
func RCPRODemo(opts Options) ([]DemoRun, error) {
	runs := make([]DemoRun, numBehaviours)
	for b := range runs {
		runs[b].Behaviour = Behaviour(b)
	}
	err := GenerateRCPRODemo(opts, func(im DemoImage) error {
		for b := range runs {
			cats := &runs[b].Categories
			if n := len(*cats); n == 0 || (*cats)[n-1].Name != im.Category {
				*cats = append(*cats, metric.Category{Name: im.Category})
			}
			c := &(*cats)[len(*cats)-1]
			c.Images = append(c.Images, metric.Image{
				Name: im.Category + "/" + im.Defect + "/" + im.ID, Width: im.Width, Height: im.Height,
				Scores: im.Maps[b], Mask: im.Mask,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return runs, nil
}

// RCPRODemoTruth is the folder of WriteRCPRODemo's ground truth.
const RCPRODemoTruth = "gt"

// WriteRCPRODemo writes the RCPRO demonstration under dir: the ground truth
// once, and one folder of maps per behaviour, named after it, in the MVTec AD
// layout:
//
//	dir/gt/<category>/ground_truth/<defect>/<id>_mask.png     masks, anomalous images
//	dir/<behaviour>/<category>/test/<defect>/<id>.npy         maps, every image
//
// so that `zsadbench score --maps dir/tight --data dir/gt` scores the tight
// maps. Files are as WriteMVTec writes them (and, like it, WriteRCPRODemo
// replaces files of the same names and leaves other files alone); their bytes
// depend only on opts. On error WriteRCPRODemo stops and returns the error, naming the file;
// files already written stay.
func WriteRCPRODemo(dir string, opts Options) error {
	var w *fileWriter
	made := map[string]bool{}
	mkdir := func(path string) error {
		if made[path] {
			return nil
		}
		made[path] = true
		if err := os.MkdirAll(path, 0o755); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		return nil
	}
	return GenerateRCPRODemo(opts, func(im DemoImage) error {
		if w == nil {
			w = newFileWriter(im.Width)
		}
		for b, scores := range im.Maps {
			folder := filepath.Join(dir, Behaviour(b).String(), im.Category, "test", im.Defect)
			if err := mkdir(folder); err != nil {
				return err
			}
			w.buf = appendNPY(w.buf[:0], scores, im.Height, im.Width)
			if err := writeFileAtomic(filepath.Join(folder, im.ID+".npy"), w.buf); err != nil {
				return err
			}
		}
		if im.Defect == defectNames[kindGood] {
			return nil
		}
		folder := filepath.Join(dir, RCPRODemoTruth, im.Category, "ground_truth", im.Defect)
		if err := mkdir(folder); err != nil {
			return err
		}
		return w.writeMask(filepath.Join(folder, im.ID+"_mask.png"), im.Mask)
	})
}

// Demonstration constants; lengths and areas are fractions of Size and of the
// image, so the maps look alike at every Size.
const (
	// demoTexture is how far a lit pixel's score falls below its defect's
	// level at the trough of the texture, as a fraction of the level.
	demoTexture = 0.25
	// demoFragmentDepth is the same for Fragmented's fine texture.
	demoFragmentDepth = 0.6
	// The textures' Gaussian sigmas, and Blurred's, as fractions of Size.
	demoTextureSigma  = 1.0 / 24
	demoFragmentSigma = 1.0 / 200
	demoBlurSigma     = 1.0 / 48
	// A defect's level is its gain in [demoMinGain, 1).
	demoMinGain = 0.55
	// FalsePositives' blobs: areas as fractions of the image.
	demoMinBlob, demoMaxBlob = 0.002, 0.012
)

// RNG stream tags of the demonstration, apart from those of Generate.
const (
	streamDemo = 3 + iota
	streamDemoTexture
	streamDemoBackground
)

// demoBackground is the demonstration's background and noise for compose:
// smooth, and mild enough that a normal image's background stays below the
// defects, as a good detector's does.
var demoBackground = category{lowAmp: 0.08, noiseAmp: 0.001}

// demoWorkspace holds one goroutine's scratch for the demonstration.
type demoWorkspace struct {
	ws      workspace
	img     Image
	labeler connected.Labeler
	dt      distance
	dist    []float64
	near    []int32
	texture []float32 // smooth texture in [0, 1]
	fine    []float32 // Fragmented's fine texture in [0, 1]
	halo    []float64 // squared distances of the pixels around the defects, by defect
}

func (d *demoWorkspace) reset(size int) {
	n := size * size
	if len(d.dist) == n {
		return
	}
	*d = demoWorkspace{
		img:     Image{Scores: make([]float32, n), Mask: make([]bool, n)},
		dist:    make([]float64, n),
		near:    make([]int32, n),
		texture: make([]float32, n),
		fine:    make([]float32, n),
	}
}

// demoImage draws image k of the plan: Generate's ground truth and one map
// per behaviour on it.
func (p *plan) demoImage(k int, d *demoWorkspace) DemoImage {
	size := p.size
	n := size * size
	S := float64(size)
	d.reset(size)
	p.render(k, &d.ws, &d.img) // the ground truth; the map is not used
	c := &p.cats[k/p.images]
	idx := uint64(k % p.images)
	out := DemoImage{
		Category: d.img.Category, Defect: d.img.Defect, ID: d.img.ID,
		Width: size, Height: size, Mask: slices.Clone(d.img.Mask),
		Maps: make([][]float32, numBehaviours),
	}
	mask := out.Mask

	// Defects are the ground-truth regions as the metrics see them
	// (8-connected); each gets a level.
	labels, regions := d.labeler.Label(mask, size, size, connected.Eight)
	r := newRNG(uint64(p.seed), c.key, streamDemo, idx)
	gains := make([]float32, regions+1)
	for j := 1; j <= regions; j++ {
		gains[j] = float32(r.Range(demoMinGain, 1))
	}
	var blobs []ellipse
	var blobGains []float32
	if regions == 0 {
		for range 1 + r.IntN(3) {
			area := r.Range(demoMinBlob, demoMaxBlob) * S * S
			blobs = append(blobs, randomEllipse(r, r.Range(0.1*S, 0.9*S), r.Range(0.1*S, 0.9*S), area, 2.5))
			blobGains = append(blobGains, float32(r.Range(demoMinGain, 1)))
		}
	}

	tr := newRNG(uint64(p.seed), c.key, streamDemoTexture, idx)
	d.randomTexture(tr, d.texture, size, demoTextureSigma*S)
	d.randomTexture(tr, d.fine, size, demoFragmentSigma*S)

	// Each pixel's nearest defect, and the halo: the pixels nearest to a
	// defect and within the distance that makes their number HaloFactor
	// times its area.
	d.dt.transform(mask, size, size, d.dist, d.near)
	radius2 := d.haloRadii(labels, regions, mask)
	defect := func(i int) int {
		if d.near[i] < 0 {
			return 0
		}
		return int(labels[d.near[i]])
	}

	bg := *newRNG(uint64(p.seed), c.key, streamDemoBackground, idx)
	full := rect{0, 0, size - 1, size - 1}
	resp := d.ws.resp[:n]
	for b := range Behaviour(numBehaviours) {
		for i := range resp {
			lit := mask[i]
			tex, depth := d.texture[i], float32(demoTexture)
			switch b {
			case OverSegmenting:
				lit = lit || (d.near[i] >= 0 && d.dist[i] <= radius2[defect(i)])
			case Fragmented:
				tex, depth = d.fine[i], demoFragmentDepth
			}
			resp[i] = 0
			if lit {
				resp[i] = gains[defect(i)] * (1 - depth + depth*tex)
			}
		}
		switch b {
		case FalsePositives:
			for j, e := range blobs {
				g := blobGains[j]
				e.spans(size, func(y, x0, x1 int) {
					for i := y*size + x0; i <= y*size+x1; i++ {
						resp[i] = max(resp[i], g*(1-demoTexture+demoTexture*d.texture[i]))
					}
				})
			}
		case Blurred:
			gaussBlur(resp, d.ws.tmp, size, size, boxRadius(demoBlurSigma*S), full, d.ws.acc)
		}
		d.ws.nz = full
		scores := make([]float32, n)
		noise := bg // the same background and noise for every behaviour
		d.ws.compose(&noise, &demoBackground, size, scores)
		out.Maps[b] = scores
	}
	return out
}

// randomTexture fills tex with a smooth random texture in [0, 1]: uniform
// noise blurred by a Gaussian of the given sigma, rescaled from its range
// onto [0, 1] (no clipping, so no flat tops where noise alone would decide).
func (d *demoWorkspace) randomTexture(r *rng, tex []float32, size int, sigma float64) {
	for i := range tex {
		tex[i] = float32(r.Float64())
	}
	gaussBlur(tex, d.ws.tmp, size, size, boxRadius(sigma), rect{0, 0, size - 1, size - 1}, d.ws.acc)
	lo, hi := slices.Min(tex), slices.Max(tex)
	scale := 1 / max(hi-lo, 1e-6)
	for i, v := range tex {
		tex[i] = (v - lo) * scale
	}
}

// haloRadii returns, by defect label, the squared distance within which the
// pixels nearest to that defect (outside every defect) number HaloFactor
// times its area, or all of them where there are fewer.
func (d *demoWorkspace) haloRadii(labels []int32, regions int, mask []bool) []float64 {
	radius2 := make([]float64, regions+1)
	if regions == 0 {
		return radius2
	}
	area := make([]int, regions+1)
	around := make([]int, regions+2) // pixels nearest to each defect, then offsets
	for i, m := range mask {
		if m {
			area[labels[i]]++
		} else if d.near[i] >= 0 {
			around[labels[d.near[i]]+1]++
		}
	}
	for j := 1; j <= regions; j++ {
		around[j+1] += around[j]
	}
	d.halo = slices.Grow(d.halo[:0], around[regions+1])[:around[regions+1]]
	fill := slices.Clone(around)
	for i, m := range mask {
		if !m && d.near[i] >= 0 {
			j := labels[d.near[i]]
			d.halo[fill[j]] = d.dist[i]
			fill[j]++
		}
	}
	for j := 1; j <= regions; j++ {
		ds := d.halo[around[j]:around[j+1]]
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		radius2[j] = ds[min(HaloFactor*area[j], len(ds))-1]
	}
	return radius2
}
