package evaluate

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

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
	// Warnings are the source's own (leftover files, missing scores).
	Warnings []string `json:"-"`
}

// Settings echo what a report's numbers were computed with: JSON's
// "settings".
type Settings struct {
	// Version is the zsadbench build that computed them ("v0.2.0", or
	// "(devel)" and the revision for a build from a clone).
	Version string `json:"version"`
	metric.Settings
	SourceInfo
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
// "ranking", "computing") of category Category (0-based) of Categories,
// named Name, having read Done of its Images images.
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
	if o.HoldPixels <= 0 {
		o.HoldPixels = DefaultHoldPixels
	}
	info := src.Info()
	rep := &Report{Settings: Settings{Version: version.Get().String(), Settings: s, SourceInfo: info}}
	rep.Warnings = append(rep.Warnings, info.Warnings...)
	o.buffers = new(sweep.Buffers) // one category at a time
	d := &datasetRun{ctx: ctx, src: src, o: o, cats: src.Categories()}
	for c, cat := range d.cats {
		cs := s
		if cat.NoPixelLabels {
			cs.Metrics &^= metric.SelectPixel | metric.SelectAUPRO | metric.SelectRCPRO
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: no pixel labels (classification-only data): pixel metrics are null", cat.Name))
		}
		if cat.NoImageLabels {
			cs.Metrics &^= metric.SelectImage
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: no normal images (segmentation-only data): image metrics are null", cat.Name))
		}
		var cr *CategoryReport
		var err error
		if src.Rereadable() && !cs.Thresholds.IsExact() {
			cr, err = d.chunked(c, cs)
		} else {
			cr, err = d.whole(c, cs)
		}
		if err != nil {
			return nil, err
		}
		rep.Categories = append(rep.Categories, cr)
		rep.Warnings = append(rep.Warnings, cr.Warnings...)
	}
	mean, warnings := MeanOf(rep.Categories, s.Metrics)
	rep.Mean = mean
	rep.Warnings = append(rep.Warnings, warnings...)
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

// readAll reads category c in chunks, all of which fn keeps.
func (d *datasetRun) readAll(stage string, c, chunk int, fn func([]metric.Image) error) error {
	return d.readChunks(stage, c, chunk, false, fn)
}

func (d *datasetRun) readChunks(stage string, c, chunk int, collect bool, fn func([]metric.Image) error) error {
	cat := d.cats[c]
	for lo := 0; lo < cat.Images; lo += chunk {
		d.progress(stage, c, lo)
		if d.batches++; collect && d.batches > 1 {
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
// evaluates it.
func (d *datasetRun) whole(c int, s metric.Settings) (*CategoryReport, error) {
	var images []metric.Image
	err := d.readAll("reading", c, datasetChunk, func(im []metric.Image) error { images = append(images, im...); return nil })
	if err != nil {
		return nil, err
	}
	d.progress("computing", c, d.cats[c].Images)
	return Category(&metric.Category{Name: d.cats[c].Name, Images: images}, s, d.o)
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
	restoreGC := func() {}
	// Past hold, the exact pixel AUROC, AP and F1-max read the category
	// again in batches, so memory stays bounded.
	if ext.Pixels > hold {
		reread := func(fn func([]metric.Image) error) error { return d.read("ranking", c, datasetChunk, fn) }
		if err := st.readROCAgain(reread, hold); err != nil {
			return nil, err
		}
		// The batches' sort buffers stay live while chunks of maps come
		// and go: collect garbage sooner than the default, which would let
		// the heap reach twice the buffers.
		old := debug.SetGCPercent(25)
		restoreGC = func() { debug.SetGCPercent(old) }
	}
	defer restoreGC()
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
