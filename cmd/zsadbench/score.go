package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/report"
)

// datasetFlags locate a dataset; pred says whether --pred (score maps) is
// read.
func datasetFlags(pred bool) []cli.Flag {
	var fs []cli.Flag
	if pred {
		fs = append(fs, &cli.StringFlag{Name: "pred", Usage: "folder of score maps (.npy, .tiff/.tif, .png), mirroring the dataset's layout (required)"})
	}
	return append(fs,
		&cli.StringFlag{Name: "gt", Usage: "dataset root: masks, images, and the base of an index's relative paths (default: the --meta file's folder)"},
		&cli.StringFlag{Name: "layout", Value: "auto", Usage: "dataset layout: " + strings.Join(layoutNames(), ", ")},
		&cli.StringFlag{Name: "meta", Usage: "index file for --layout meta (AnomalyCLIP meta.json) or jsonl (AA-CLIP)"},
		&cli.StringFlag{Name: "categories", Usage: "comma-separated categories to evaluate (default: all)"},
		&cli.Float64Flag{Name: "anomaly-ratio", Usage: "imbalanced protocol: keep every normal image and a seeded random subset of anomalous ones making up this fraction (0 = keep all)"},
		&cli.Int64Flag{Name: "seed", Value: 0, Usage: "seed of --anomaly-ratio's draw"},
		&cli.StringFlag{Name: "protocol-in", Usage: "evaluate only the images listed in this protocol file (one key a line)"},
		&cli.StringFlag{Name: "protocol-out", Usage: "write the keys of the evaluated images to this protocol file"},
	)
}

func layoutNames() []string {
	var s []string
	for _, l := range dataset.Layouts() {
		s = append(s, string(l))
	}
	return s
}

// evalFlags configure metrics, grids and output.
func evalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "map-ext", Usage: "read only maps of this format when a folder holds several: npy, tiff or png"},
		&cli.StringFlag{Name: "scores", Usage: "CSV of image scores, rows path,score (header optional; path with or without extension); default: max of each map"},
		&cli.StringFlag{Name: "metrics", Value: "all", Usage: "metrics to compute, comma-separated: image, pixel, aupro, rcpro"},
		&cli.StringFlag{Name: "thresholds", Value: "exact", Usage: "threshold grid of AUPRO and RCPRO: exact (every distinct score) or steps:N (AnomalyCLIP-style, N=200 there); AUROC, AP and F1-max are always exact"},
		&cli.Float64Flag{Name: "fpr-limit", Value: 0.3, Usage: "integration limit L of AUPRO@L, in (0, 1]"},
		&cli.Float64Flag{Name: "rcpro-tau", Value: 0.05, Usage: "RCPRO overlap tolerance: a region overlapping its best-matched defect by less than tau of its area scores 0"},
		&cli.Float64Flag{Name: "rcpro-delta", Value: 2.0, Usage: "RCPRO excess tolerance: quality decays as delta/r once the excess ratio r passes delta"},
		&cli.IntFlag{Name: "connectivity", Value: 8, Usage: "region connectivity, 8 or 4"},
		&cli.StringFlag{Name: "rc-average", Value: "pooled", Usage: "RC average: pooled (over all predicted regions of a category) or image (per image first)"},
		&cli.IntFlag{Name: "size", Usage: "evaluate every image at NxN (maps bilinear, masks by --mask-resize); 0 = at mask size"},
		&cli.StringFlag{Name: "mask-resize", Value: "nearest", Usage: "how --size resizes masks: nearest, or bilinear then > 0.5"},
		&cli.Float64Flag{Name: "mask-threshold", Value: -1, DefaultText: "0, and 127 for JPEG masks", Usage: "a mask pixel is anomalous when its value is greater than this"},
		&cli.BoolFlag{Name: "strict-size", Usage: "a map whose size differs from its mask is an error instead of being resized to the mask"},
		&cli.StringFlag{Name: "protocol", Usage: "published evaluation preset: anomalyclip = --size 518 --mask-resize bilinear --thresholds steps:200 --mask-threshold 0 (each can still be set alone)"},
		&cli.StringFlag{Name: "format", Value: "table", Usage: "output format: table, json, csv, markdown, latex"},
		&cli.StringFlag{Name: "out", Usage: "write the results to this file instead of standard output"},
		&cli.StringFlag{Name: "curves", Usage: "write every curve as CSV (threshold,x,y) into this folder, one file per category and kind"},
		&cli.StringFlag{Name: "plot-dir", Usage: "draw the run's curves into this folder (PDF, one figure per kind with every category)"},
		&cli.IntFlag{Name: "hold-pixels", Value: 1 << 28, Usage: "steps grid: the most pixels of a category held for the exact pixel AUROC, AP and F1-max; a larger category is read again in batches of this size, so memory stays bounded"},
		&cli.StringFlag{Name: "name", Usage: "the model's name in the legends of --plot-dir figures (default: the --pred folder's or --model file's name)"},
		&cli.IntFlag{Name: "workers", Usage: "files read and images swept at once (0 = number of CPUs); results do not depend on it"},
	}
}

func scoreCommand() *cli.Command {
	return &cli.Command{
		Name:      "score",
		Before:    require("pred"),
		Usage:     "evaluate score maps against ground-truth masks: the paper table per category and mean",
		UsageText: "zsadbench score --pred MAPS --gt DATASET [flags]",
		Flags:     append(datasetFlags(true), evalFlags()...),
		Action: func(c *cli.Context) error {
			job, err := newEvalJob(c, dataset.ScoreMode)
			if err != nil {
				return err
			}
			files := &backend.Files{Scores: job.scores, Workers: job.settings.Workers}
			inputs := func(e dataset.Entry) backend.Input { return backend.Input{Key: e.Key, Path: e.MapPath} }
			rep, err := job.evaluate(c.Context, files, inputs, true)
			if err != nil {
				return err
			}
			return job.write(c, rep)
		},
	}
}

// evalJob is a parsed score or run command.
type evalJob struct {
	ds       *dataset.Dataset
	entries  []dataset.Entry
	settings evaluate.Settings
	load     load.Options
	scores   *backend.Scores
	rs       report.Settings
	progress *progress
	stderr   io.Writer
	name     string // the model's name in figure legends
	warnings []string
	// holdPixels is how many pixels of a category the steps grid keeps for
	// the exact pixel metrics before it rereads the category instead.
	holdPixels int
}

func newEvalJob(c *cli.Context, mode dataset.Mode) (*evalJob, error) {
	job := &evalJob{progress: newProgress(c.App.ErrWriter), stderr: c.App.ErrWriter, name: c.String("name"), holdPixels: c.Int("hold-pixels")}
	if job.holdPixels <= 0 {
		job.holdPixels = 1 << 28 // 1.3 GB of maps and masks
	}
	if job.name == "" {
		job.name = filepath.Base(filepath.Clean(c.String("pred")))
		if c.String("pred") == "" {
			job.name = strings.TrimSuffix(filepath.Base(c.String("model")), filepath.Ext(c.String("model")))
		}
	}
	s := evaluate.DefaultSettings
	lo := load.DefaultOptions

	grid := c.String("thresholds")
	switch p := c.String("protocol"); p {
	case "":
	case "anomalyclip":
		if !c.IsSet("size") {
			lo.Size = 518
		}
		if !c.IsSet("mask-resize") {
			lo.MaskResize = load.Bilinear
		}
		if !c.IsSet("thresholds") {
			grid = "steps:200"
		}
		if !c.IsSet("mask-threshold") {
			lo.MaskThreshold = 0 // those scripts keep mask values > 0, JPEG masks too
		}
	default:
		return nil, fmt.Errorf("--protocol %q: want anomalyclip", p)
	}
	var err error
	if s.Grid, err = metric.ParseGrid(grid); err != nil {
		return nil, fmt.Errorf("--thresholds: %w", err)
	}
	if s.Metrics, err = evaluate.ParseMetrics(c.String("metrics")); err != nil {
		return nil, fmt.Errorf("--metrics: %w", err)
	}
	s.FPRLimit, s.Tau, s.Delta = c.Float64("fpr-limit"), c.Float64("rcpro-tau"), c.Float64("rcpro-delta")
	if s.Connectivity, err = connected.ParseConnectivity(c.Int("connectivity")); err != nil {
		return nil, fmt.Errorf("--connectivity: %w", err)
	}
	switch a := c.String("rc-average"); a {
	case "pooled":
		s.RCAverage = sweep.Pooled
	case "image":
		s.RCAverage = sweep.PerImage
	default:
		return nil, fmt.Errorf("--rc-average %q: want pooled or image", a)
	}
	s.Workers = c.Int("workers")
	if s.Workers < 0 {
		return nil, fmt.Errorf("--workers %d: want 0 or more", s.Workers)
	}
	s.Curves = c.String("curves") != "" || c.String("plot-dir") != ""
	switch {
	case !(s.FPRLimit > 0 && s.FPRLimit <= 1):
		return nil, fmt.Errorf("--fpr-limit %v: want a value in (0, 1]", s.FPRLimit)
	case !(s.Tau >= 0 && s.Tau <= 1):
		return nil, fmt.Errorf("--rcpro-tau %v: want a value in [0, 1]", s.Tau)
	case !(s.Delta > 0) || math.IsInf(s.Delta, 0):
		return nil, fmt.Errorf("--rcpro-delta %v: want a positive value", s.Delta)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if c.IsSet("size") {
		lo.Size = c.Int("size")
	}
	if lo.Size < 0 || lo.Size > 1<<14 {
		return nil, fmt.Errorf("--size %d: want 0 or a size up to 16384", lo.Size)
	}
	if c.IsSet("mask-resize") {
		switch m := load.MaskResize(c.String("mask-resize")); m {
		case load.Nearest, load.Bilinear:
			lo.MaskResize = m
		default:
			return nil, fmt.Errorf("--mask-resize %q: want nearest or bilinear", m)
		}
	}
	if c.IsSet("mask-threshold") || c.String("protocol") == "" {
		lo.MaskThreshold = c.Float64("mask-threshold")
	}
	lo.StrictSize = c.Bool("strict-size")
	lo.Workers = s.Workers
	if f := c.String("format"); !slices.Contains(report.Formats, f) {
		return nil, fmt.Errorf("--format %q: want one of %s", f, strings.Join(report.Formats, ", "))
	}
	job.settings, job.load = s, lo

	if path := c.String("scores"); path != "" {
		if job.scores, err = readScoresFile(path); err != nil {
			return nil, fmt.Errorf("--scores: %w", err)
		}
	}

	opts := dataset.Options{
		Layout: dataset.Layout(c.String("layout")),
		GT:     c.String("gt"),
		Meta:   c.String("meta"),
		MapExt: c.String("map-ext"),
		Mode:   mode,
	}
	if mode == dataset.ScoreMode {
		opts.Pred = c.String("pred")
	}
	opts.Categories = splitList(c.String("categories"))
	if opts.GT == "" && opts.Meta == "" {
		return nil, fmt.Errorf("--gt is required (or --meta for an index layout)")
	}
	job.ds, err = dataset.Open(opts)
	if err != nil {
		return nil, err
	}
	job.entries = job.ds.Entries
	if path := c.String("protocol-in"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--protocol-in: %w", err)
		}
		keys, err := dataset.ReadProtocol(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if job.entries, err = dataset.Restrict(job.entries, keys); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if r := c.Float64("anomaly-ratio"); r != 0 {
		if !(r > 0 && r < 1) {
			return nil, fmt.Errorf("--anomaly-ratio %v: want a fraction in (0, 1)", r)
		}
		if job.entries, err = dataset.Subsample(job.entries, r, c.Int64("seed")); err != nil {
			return nil, err
		}
	}
	if path := c.String("protocol-out"); path != "" {
		err := writeFileAtomic(path, func(w io.Writer) error { return dataset.WriteProtocol(w, job.entries) })
		if err != nil {
			return nil, err
		}
	}
	if len(job.entries) == 0 {
		return nil, fmt.Errorf("no image to evaluate")
	}
	if job.scores != nil {
		missing := 0
		for _, e := range job.entries {
			if _, ok := job.scores.Lookup(e.Key); !ok {
				missing++
			}
		}
		if missing > 0 {
			job.warnings = append(job.warnings, fmt.Sprintf("--scores %s has no score for %d of %d images; their maps' maxima are used",
				c.String("scores"), missing, len(job.entries)))
		}
	}
	job.rs = report.SettingsOf(s)
	job.rs.Layout = string(job.ds.Layout)
	job.rs.Size = lo.Size
	job.rs.Protocol = c.String("protocol")
	return job, nil
}

// evaluate runs the backend category by category (so that only one
// category's maps are in memory) and evaluates each. With rereadable inputs
// (files) on the steps grid, a category is read twice in chunks instead —
// once for its score range, once to sweep — so that memory does not grow with
// its number of images.
func (job *evalJob) evaluate(ctx context.Context, b backend.Backend, input func(dataset.Entry) backend.Input, rereadable bool) (*report.Report, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	rep := &report.Report{Settings: job.rs}
	for _, w := range job.ds.Warnings {
		rep.Warnings = append(rep.Warnings, w.Error())
	}
	rep.Warnings = append(rep.Warnings, job.warnings...)
	groups := groupByCategory(job.entries)
	defer job.progress.done()
	job.settings.Buffers = new(sweep.Buffers) // one category at a time
	batches := 0
	for gi, entries := range groups {
		name := entries[0].Category
		s := job.settings
		if !entries[0].PixelLabels {
			s.Metrics &^= evaluate.Pixel | evaluate.AUPRO | evaluate.RCPRO
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: no pixel labels (classification-only data): pixel metrics are null", name))
		}
		if !entries[0].ImageLabels {
			s.Metrics &^= evaluate.Image
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: no normal images (segmentation-only data): image metrics are null", name))
		}
		// read loads the category's images in chunks and hands each to fn.
		read := func(stage string, chunk int, fn func([]metric.Image) error) error {
			for i := 0; i < len(entries); i += chunk {
				job.progress.set(stage, gi, len(groups), fmt.Sprintf("%s %d/%d images", name, i, len(entries)))
				part := entries[i:min(i+chunk, len(entries))]
				in := make([]backend.Input, len(part))
				for j, e := range part {
					in[j] = input(e)
				}
				if batches++; batches > 1 {
					// The previous batch's maps are mostly garbage now:
					// collect them before this batch is read into one large
					// allocation (see backend.Files), which can then reuse
					// their memory instead of growing the heap by a batch.
					runtime.GC()
				}
				outs, err := b.Predict(ctx, in)
				if err != nil {
					return err
				}
				cat, err := load.Category(name, part, outs, job.load)
				if err != nil {
					return err
				}
				if err := fn(cat.Images); err != nil {
					return err
				}
			}
			return nil
		}
		var cr *evaluate.CategoryReport
		if rereadable && !s.Grid.IsExact() {
			const chunk = 64
			var ext metric.Extent
			// The exact pixel AUROC, AP and F1-max hold every pixel of a
			// category that fits in job.holdPixels: then the images of this
			// first read are kept, and the category is read once.
			keep := s.Metrics&evaluate.Pixel != 0
			var kept []metric.Image
			err := read("scanning", chunk, func(images []metric.Image) error {
				ext.Include(images)
				if keep = keep && ext.Pixels <= job.holdPixels; keep {
					kept = append(kept, images...)
				} else {
					kept = nil
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			st, err := evaluate.NewStream(name, s, ext)
			if err != nil {
				return nil, err
			}
			restoreGC := func() {}
			// The exact pixel AUROC, AP and F1-max need every pixel: past
			// job.holdPixels they are computed by reading the category again
			// in batches, so memory stays bounded.
			if ext.Pixels > job.holdPixels {
				reread := func(fn func([]metric.Image) error) error { return read("ranking", chunk, fn) }
				if err := st.ReadROCAgain(reread, job.holdPixels); err != nil {
					return nil, err
				}
				// The batches' sort buffers stay live while chunks of maps
				// come and go: collect garbage sooner than the default, which
				// would let the heap reach twice the buffers.
				old := debug.SetGCPercent(25)
				restoreGC = func() { debug.SetGCPercent(old) }
			}
			if keep {
				job.progress.set("computing", gi, len(groups), name)
				err = st.Add(kept)
				kept = nil
			} else {
				err = read("computing", chunk, st.Add)
			}
			if err != nil {
				return nil, err
			}
			cr, err = st.Finish()
			restoreGC()
			if err != nil {
				return nil, err
			}
		} else {
			var images []metric.Image
			err := read("reading", len(entries), func(im []metric.Image) error { images = im; return nil })
			if err != nil {
				return nil, err
			}
			job.progress.set("computing", gi, len(groups), name)
			if cr, err = evaluate.Category(&metric.Category{Name: name, Images: images}, s); err != nil {
				return nil, err
			}
		}
		rep.Categories = append(rep.Categories, cr)
		rep.Warnings = append(rep.Warnings, cr.Warnings...)
	}
	mean, warnings := evaluate.MeanOf(rep.Categories, job.settings.Metrics)
	rep.Mean = mean
	rep.Warnings = append(rep.Warnings, warnings...)
	return rep, nil
}

func groupByCategory(entries []dataset.Entry) [][]dataset.Entry {
	var groups [][]dataset.Entry
	for i := 0; i < len(entries); {
		j := i
		for j < len(entries) && entries[j].Category == entries[i].Category {
			j++
		}
		groups = append(groups, entries[i:j])
		i = j
	}
	return groups
}

// write prints the report, warnings, curves and plots.
func (job *evalJob) write(c *cli.Context, rep *report.Report) error {
	for _, w := range rep.Warnings {
		fmt.Fprintf(job.stderr, "warning: %s\n", w)
	}
	if dir := c.String("curves"); dir != "" {
		if err := writeCurves(dir, rep); err != nil {
			return err
		}
		if err := writeResults(dir, rep); err != nil {
			return err
		}
	}
	if dir := c.String("plot-dir"); dir != "" {
		if err := plotReport(dir, job.name, rep); err != nil {
			return err
		}
	}
	format := c.String("format")
	if out := c.String("out"); out != "" {
		return writeFileAtomic(out, func(w io.Writer) error { return report.Write(w, rep, format) })
	}
	return report.Write(c.App.Writer, rep, format)
}

func writeCurves(dir string, rep *report.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--curves: %w", err)
	}
	for _, cr := range rep.Categories {
		for _, kind := range curve.Kinds() {
			cv, ok := cr.Curves[kind]
			if !ok {
				continue
			}
			path := filepath.Join(dir, curve.FileName(cr.Name, kind))
			if err := writeFileAtomic(path, func(w io.Writer) error { return curve.WriteCSV(w, cv) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
