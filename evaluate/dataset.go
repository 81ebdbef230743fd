package evaluate

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/internal/version"
	"github.com/zsadbench/zsadbench/metric"
)

// A Source yields a dataset's categories for Dataset, a batch of images at a
// time, so that a dataset need never be held in memory at once.
type Source interface {
	// Categories describes the categories, in the report's order.
	Categories() []CategoryInfo
	// Read returns images [lo, hi) of category c (an index into
	// Categories), 0 <= lo < hi <= Images. Errors name the file or item.
	// Dataset reads one category at a time, in batches, and may read a
	// batch again: the same range must give the same images.
	Read(ctx context.Context, c, lo, hi int) ([]metric.Image, error)
	// Rereadable reports whether reading a batch again is cheap (files),
	// rather than recomputing it (a model): only then does Dataset read a
	// large steps-grid category twice to bound memory.
	Rereadable() bool
	// Info describes the source for the report's settings and warnings.
	Info() SourceInfo
}

// CategoryInfo describes one category of a Source.
type CategoryInfo struct {
	Name   string
	Images int
	// NoPixelLabels marks classification-only data (no masks): its pixel
	// metrics are not computed.
	NoPixelLabels bool
	// NoImageLabels marks segmentation-only data (no normal images): its
	// image metrics are not computed.
	NoImageLabels bool
	// Defects, when not nil, holds the defect type of each image, in Read
	// order: "" for a normal image, a name for every anomalous one
	// (Options.ByDefect). nil: the source knows no types.
	Defects []string
}

// SourceInfo says how a source read its data: JSON's settings echo it
// next to the metric settings, and its warnings come first in the report.
type SourceInfo struct {
	// Layout is the dataset layout ("mvtec", "meta", ...).
	Layout string `json:"layout,omitempty"`
	// Size > 0 is the side every map and mask was resized to.
	Size int `json:"size,omitempty"`
	// Protocol is the published evaluation preset applied, if any.
	Protocol string `json:"protocol,omitempty"`
	// EvaluationSize says at which size maps were compared with their
	// ground truth: "ground truth" (each image's, METRICS.md) or "NxN".
	EvaluationSize string `json:"evaluation_size,omitempty"`
	// Maps is the number of maps read; MapsResized how many of them were
	// resized to the evaluation size, Resized from and to which sizes (most
	// maps first), ResizedByCategory each category's.
	Maps              int                 `json:"maps,omitempty"`
	MapsResized       int                 `json:"maps_resized"`
	Resized           []Resize            `json:"resized,omitempty"`
	ResizedByCategory map[string][]Resize `json:"resized_by_category,omitempty"`
	// DatasetCategories is the number of categories the dataset has, of
	// which a category filter may evaluate fewer (a mean over fewer is
	// marked in every output format).
	DatasetCategories int `json:"dataset_categories,omitempty"`
	// Warnings are the source's own (leftover files, missing scores).
	Warnings []string `json:"-"`
}

// Resize counts the maps of one size ("WxH") resized to another.
type Resize struct {
	From string `json:"from"`
	To   string `json:"to"`
	Maps int    `json:"maps"`
}

// Settings echo what a report's numbers were computed with: JSON's
// "settings".
type Settings struct {
	// Version is the zsadbench build that computed them ("v0.2.0", or
	// "(devel)" and the revision for a build from a clone).
	Version string `json:"version"`
	metric.Settings
	SourceInfo
	// Bootstrap is the bootstrap's configuration, when there was one.
	Bootstrap *Bootstrap `json:"bootstrap,omitempty"`
}

// Report is a whole dataset's table: JSON's top-level object.
type Report struct {
	Settings   Settings          `json:"settings"`
	Categories []*CategoryReport `json:"categories"`
	Mean       Mean              `json:"mean"`
	// Warnings are the source's, then each category's, then the mean's.
	Warnings []string `json:"warnings"`
}

// Progress is what Dataset is doing: Stage ("reading", "scanning",
// "ranking", "computing", or "defects" for Options.ByDefect's rows) of
// category Category (0-based) of Categories, named Name, having read Done
// of its Images images.
type Progress struct {
	Stage                string
	Category, Categories int
	Name                 string
	Done, Images         int
}

// datasetChunk is how many images a steps-grid category reads at a time.
const datasetChunk = 64

// Dataset evaluates every category of src with settings s and averages
// them (MeanOf). Categories are evaluated one at a time, each from its own
// batches, so memory holds one category at most; on the steps grid, with a
// Rereadable source, not even that: a category is read in chunks, once for
// its score range and once to sweep, and past o.HoldPixels its exact pixel
// AUROC, AP and F1-max read it again in batches. The result does not depend
// on the batches, nor on s.Workers.
//
// Dataset collects garbage between batches and lowers the collector's
// target while it rereads (the batches' sort buffers stay live while maps
// come and go), which keeps the peak memory near one batch's.
//
// Errors are the source's (naming the file), input errors of the images, or
// invalid settings; undefined metrics are values with warnings.
func Dataset(ctx context.Context, src Source, s metric.Settings, o Options) (*Report, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := o.Bootstrap.Validate(); err != nil {
		return nil, err
	}
	if o.HoldPixels <= 0 {
		o.HoldPixels = DefaultHoldPixels
	}
	info := src.Info()
	rep := &Report{Settings: Settings{Version: version.Get().String(), Settings: s, SourceInfo: info}}
	if o.Bootstrap.Replicates > 0 {
		b := o.Bootstrap
		rep.Settings.Bootstrap = &b
	}
	rep.Warnings = append(rep.Warnings, info.Warnings...)
	o.buffers = new(sweep.Buffers) // one category at a time
	d := &datasetRun{ctx: ctx, src: src, o: o, cats: src.Categories()}
	for c, cat := range d.cats {
		cs := s
		if cat.NoPixelLabels {
			cs.Metrics &^= metric.SelectPixel | metric.SelectAUPRO | metric.SelectRCPRO | metric.SelectAUPIMO
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: no pixel labels (classification-only data): pixel metrics are null", cat.Name))
		}
		if cat.NoImageLabels {
			cs.Metrics &^= metric.SelectImage
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: no normal images (segmentation-only data): image metrics are null", cat.Name))
		}
		var cr *CategoryReport
		var held []metric.Image // the category's images, when read whole
		var err error
		d.o.category = c
		// Per-image records and the bootstrap hold the category.
		if src.Rereadable() && !cs.Thresholds.IsExact() && !o.PerImage && o.Bootstrap.Replicates == 0 {
			cr, err = d.chunked(c, cs)
		} else {
			cr, held, err = d.whole(c, cs)
		}
		if err != nil {
			return nil, err
		}
		rep.Categories = append(rep.Categories, cr)
		rep.Warnings = append(rep.Warnings, cr.Warnings...)
		if o.ByDefect {
			var warnings []string
			if cr.Defects, warnings, err = d.byDefect(c, cs, held); err != nil {
				return nil, err
			}
			rep.Warnings = append(rep.Warnings, warnings...)
		}
	}
	mean, warnings := MeanOf(rep.Categories, s.Metrics)
	rep.Mean = mean
	rep.Warnings = append(rep.Warnings, warnings...)
	if b := o.Bootstrap; b.Replicates > 0 {
		var w []string
		rep.Mean.CILow, rep.Mean.CIHigh, w = intervals(MeanReplicates(rep.Categories, b.Replicates), s.Metrics, b.Confidence, "mean")
		rep.Warnings = append(rep.Warnings, w...)
		if !o.KeepReplicates {
			for _, c := range rep.Categories {
				c.Replicates = nil
				for _, r := range c.Defects {
					r.Replicates = nil
				}
			}
		}
	}
	// What the source knows once it has read everything (the maps it
	// resized).
	rep.Settings.SourceInfo = src.Info()
	return rep, nil
}

// datasetRun is one Dataset call.
type datasetRun struct {
	ctx     context.Context
	src     Source
	o       Options
	cats    []CategoryInfo
	batches int
}

// read reads category c in chunks and hands each to fn, collecting the
// previous chunk's garbage first.
func (d *datasetRun) read(stage string, c, chunk int, fn func([]metric.Image) error) error {
	return d.readChunks(stage, c, chunk, true, fn)
}

// readAll reads category c in chunks, all of which fn keeps: only the
// garbage of what came before the category is collected.
func (d *datasetRun) readAll(stage string, c, chunk int, fn func([]metric.Image) error) error {
	return d.readChunks(stage, c, chunk, false, fn)
}

func (d *datasetRun) readChunks(stage string, c, chunk int, everyChunk bool, fn func([]metric.Image) error) error {
	cat := d.cats[c]
	for lo := 0; lo < cat.Images; lo += chunk {
		d.progress(stage, c, lo)
		if d.batches++; d.batches > 1 && (everyChunk || lo == 0) {
			// The previous batch's maps are mostly garbage now: collect
			// them before this batch is read (into one large allocation,
			// for files), which can then reuse their memory instead of
			// growing the heap by a batch.
			runtime.GC()
		}
		images, err := d.src.Read(d.ctx, c, lo, min(lo+chunk, cat.Images))
		if err != nil {
			return err
		}
		if err := fn(images); err != nil {
			return err
		}
	}
	return nil
}

func (d *datasetRun) progress(stage string, c, done int) {
	if d.o.Progress != nil {
		d.o.Progress(Progress{Stage: stage, Category: c, Categories: len(d.cats), Name: d.cats[c].Name, Done: done, Images: d.cats[c].Images})
	}
}

// whole reads category c, in batches (so that progress is seen), and
// evaluates it; it returns the images too.
func (d *datasetRun) whole(c int, s metric.Settings) (*CategoryReport, []metric.Image, error) {
	var images []metric.Image
	err := d.readAll("reading", c, datasetChunk, func(im []metric.Image) error { images = append(images, im...); return nil })
	if err != nil {
		return nil, nil, err
	}
	d.progress("computing", c, d.cats[c].Images)
	cr, err := Category(&metric.Category{Name: d.cats[c].Name, Images: images}, s, d.o)
	return cr, images, err
}

// byDefect evaluates category c's rows per defect type (Options.ByDefect):
// from held, its images, when it was read whole, else by reading each
// row's images from the source (as chunked does), so that every row is
// what Dataset gives for a source of only its images. It returns their
// warnings.
func (d *datasetRun) byDefect(c int, s metric.Settings, held []metric.Image) ([]*CategoryReport, []string, error) {
	info := d.cats[c]
	if info.Defects == nil {
		return nil, []string{fmt.Sprintf("%s: the dataset names no defect types: no per-defect rows", info.Name)}, nil
	}
	if len(info.Defects) != info.Images {
		return nil, nil, fmt.Errorf("%s: %d defect types for %d images", info.Name, len(info.Defects), info.Images)
	}
	var normal []int
	byType := map[string][]int{}
	for i, t := range info.Defects {
		if t == "" {
			normal = append(normal, i)
		} else {
			byType[t] = append(byType[t], i)
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	slices.Sort(types)
	var rows []*CategoryReport
	var warnings []string
	for _, t := range types {
		idx := append(slices.Clone(normal), byType[t]...)
		slices.Sort(idx)
		name := info.Name + "/" + t
		d.progress("defects", c, info.Images)
		var cr *CategoryReport
		var err error
		if held != nil {
			images := make([]metric.Image, len(idx))
			for k, i := range idx {
				images[k] = held[i]
			}
			o := d.o
			o.PerImage = false // the category's records cover these images
			cr, err = Category(&metric.Category{Name: name, Images: images}, s, o)
		} else {
			o := d.o
			o.Progress = nil
			sub := info
			sub.Name, sub.Images, sub.Defects = name, len(idx), nil
			part := &datasetRun{ctx: d.ctx, src: subset{d.src, c, idx, sub}, o: o, cats: []CategoryInfo{sub}}
			cr, err = part.chunked(0, s)
		}
		if err != nil {
			return nil, nil, err
		}
		cr.Name = t
		rows = append(rows, cr)
		warnings = append(warnings, cr.Warnings...)
	}
	return rows, warnings, nil
}

// subset is the Source of some images (idx, ascending) of category c of
// src, as one category.
type subset struct {
	src  Source
	c    int
	idx  []int
	info CategoryInfo
}

func (s subset) Categories() []CategoryInfo { return []CategoryInfo{s.info} }
func (s subset) Rereadable() bool           { return s.src.Rereadable() }
func (s subset) Info() SourceInfo           { return s.src.Info() }

// Read reads images [lo, hi) of the subset, a run of consecutive images of
// the source at a time.
func (s subset) Read(ctx context.Context, _, lo, hi int) ([]metric.Image, error) {
	var out []metric.Image
	for k := lo; k < hi; {
		j := k + 1
		for j < hi && s.idx[j] == s.idx[j-1]+1 {
			j++
		}
		images, err := s.src.Read(ctx, s.c, s.idx[k], s.idx[j-1]+1)
		if err != nil {
			return nil, err
		}
		out = append(out, images...)
		k = j
	}
	return out, nil
}

// chunked evaluates steps-grid category c in chunks: a first read finds the
// score range (and keeps the images when the category fits in HoldPixels),
// a second sweeps.
func (d *datasetRun) chunked(c int, s metric.Settings) (*CategoryReport, error) {
	name, hold := d.cats[c].Name, d.o.HoldPixels
	var ext metric.Extent
	// The exact pixel AUROC, AP and F1-max hold every pixel of a category
	// that fits in hold: then the images of this first read are kept, and
	// the category is read once.
	keep := s.Metrics&metric.SelectPixel != 0
	var kept []metric.Image
	err := d.read("scanning", c, datasetChunk, func(images []metric.Image) error {
		ext.Include(images)
		if keep = keep && ext.Pixels <= hold; keep {
			kept = append(kept, images...)
		} else {
			kept = nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st, err := newStream(name, s, d.o, ext)
	if err != nil {
		return nil, err
	}
	st.maxImages = d.cats[c].Images
	// Past hold, the exact pixel AUROC, AP and F1-max read the category
	// again in batches, so memory stays bounded.
	if ext.Pixels > hold {
		reread := func(fn func([]metric.Image) error) error { return d.read("ranking", c, datasetChunk, fn) }
		if err := st.readROCAgain(reread, hold); err != nil {
			return nil, err
		}
		// The batches' sort buffers stay live while chunks of maps come
		// and go: collect garbage sooner than the default, which would let
		// the heap reach twice the buffers. Restored when chunked returns.
		defer debug.SetGCPercent(debug.SetGCPercent(25))
	}
	if keep {
		d.progress("computing", c, d.cats[c].Images)
		err = st.Add(kept)
		kept = nil
	} else {
		err = d.read("computing", c, datasetChunk, st.Add)
	}
	if err != nil {
		return nil, err
	}
	return st.Finish()
}

// Categories returns a Source of categories held in memory (labelled, and
// cheap to read again), for Go users who build metric.Category values
// themselves.
func Categories(cats []metric.Category) Source { return memory(cats) }

type memory []metric.Category

func (m memory) Categories() []CategoryInfo {
	infos := make([]CategoryInfo, len(m))
	for i := range m {
		infos[i] = CategoryInfo{Name: m[i].Name, Images: len(m[i].Images)}
	}
	return infos
}

func (m memory) Read(_ context.Context, c, lo, hi int) ([]metric.Image, error) {
	return m[c].Images[lo:hi], nil
}

func (m memory) Rereadable() bool { return true }

func (m memory) Info() SourceInfo { return SourceInfo{} }
