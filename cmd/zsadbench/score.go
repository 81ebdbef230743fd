package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/evaluate"
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
	def := metric.DefaultSettings
	return []cli.Flag{
		&cli.StringFlag{Name: "map-ext", Usage: "read only maps of this format when a folder holds several: npy, tiff or png"},
		&cli.StringFlag{Name: "scores", Usage: "CSV of image scores, rows path,score (header optional; path with or without extension); default: max of each map"},
		&cli.StringFlag{Name: "metrics", Value: "all", Usage: "metrics to compute, comma-separated: image, pixel, aupro, rcpro"},
		&cli.StringFlag{Name: "thresholds", Value: def.Thresholds.String(), Usage: "threshold grid of AUPRO and RCPRO: exact (every distinct score) or steps:N (AnomalyCLIP-style, N=200 there); AUROC, AP and F1-max are always exact"},
		&cli.Float64Flag{Name: "fpr-limit", Value: def.FPRLimit, Usage: "integration limit L of AUPRO@L, in (0, 1]"},
		&cli.Float64Flag{Name: "rcpro-tau", Value: def.RCPROTau, Usage: "RCPRO overlap tolerance: a region overlapping its best-matched defect by less than tau of its area scores 0"},
		&cli.Float64Flag{Name: "rcpro-delta", Value: def.RCPRODelta, Usage: "RCPRO excess tolerance: quality decays as delta/r once the excess ratio r passes delta"},
		&cli.IntFlag{Name: "connectivity", Value: int(def.Connectivity), Usage: "region connectivity, 8 or 4"},
		&cli.StringFlag{Name: "rc-average", Value: def.RCAverage.String(), Usage: "RC average: pooled (over all predicted regions of a category) or image (per image first)"},
		&cli.IntFlag{Name: "size", Usage: "evaluate every image at NxN (maps bilinear, masks by --mask-resize); 0 = at mask size"},
		&cli.StringFlag{Name: "mask-resize", Value: string(load.DefaultOptions.MaskResize), Usage: "how --size resizes masks: nearest, or bilinear then > 0.5"},
		&cli.Float64Flag{Name: "mask-threshold", Value: -1, DefaultText: "0, and 127 for JPEG masks", Usage: "a mask pixel is anomalous when its value is greater than this"},
		&cli.BoolFlag{Name: "strict-size", Usage: "a map whose size differs from its mask is an error instead of being resized to the mask"},
		&cli.StringFlag{Name: "protocol", Usage: "published evaluation preset: anomalyclip = --size 518 --mask-resize bilinear --thresholds steps:200 --mask-threshold 0 (each can still be set alone)"},
		&cli.StringFlag{Name: "format", Value: "table", Usage: "output format: table, json, csv, markdown, latex"},
		&cli.StringFlag{Name: "out", Usage: "write the results to this file instead of standard output"},
		&cli.StringFlag{Name: "curves", Usage: "write every curve as CSV (threshold,x,y) into this folder, one file per category and kind"},
		&cli.StringFlag{Name: "plot-dir", Usage: "draw the run's curves into this folder (PDF, one figure per kind with every category)"},
		&cli.IntFlag{Name: "hold-pixels", Value: evaluate.DefaultHoldPixels, Usage: "steps grid: the most pixels of a category held for the exact pixel AUROC, AP and F1-max; a larger category is read again in batches of this size, so memory stays bounded"},
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
			return job.run(c, load.Maps(job.ds, job.scores, job.load))
		},
	}
}

// evalJob is a parsed score or run command.
type evalJob struct {
	ds       *dataset.Dataset // its Entries restricted to the protocol's
	settings metric.Settings
	options  evaluate.Options
	load     load.Options
	scores   *backend.Scores
	progress *progress
	stderr   io.Writer
	name     string // the model's name in figure legends
	warnings []string
}

func newEvalJob(c *cli.Context, mode dataset.Mode) (*evalJob, error) {
	job := &evalJob{progress: newProgress(c.App.ErrWriter), stderr: c.App.ErrWriter, name: c.String("name")}
	job.options.HoldPixels = c.Int("hold-pixels") // <= 0: the default
	if job.name == "" {
		job.name = filepath.Base(filepath.Clean(c.String("pred")))
		if c.String("pred") == "" {
			job.name = strings.TrimSuffix(filepath.Base(c.String("model")), filepath.Ext(c.String("model")))
		}
	}
	s := metric.DefaultSettings
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
	if s.Thresholds, err = metric.ParseGrid(grid); err != nil {
		return nil, fmt.Errorf("--thresholds: %w", err)
	}
	if s.Metrics, err = metric.ParseSelection(c.String("metrics")); err != nil {
		return nil, fmt.Errorf("--metrics: %w", err)
	}
	s.FPRLimit, s.RCPROTau, s.RCPRODelta = c.Float64("fpr-limit"), c.Float64("rcpro-tau"), c.Float64("rcpro-delta")
	if s.Connectivity, err = connected.ParseConnectivity(c.Int("connectivity")); err != nil {
		return nil, fmt.Errorf("--connectivity: %w", err)
	}
	if s.RCAverage, err = metric.ParseRCAverage(c.String("rc-average")); err != nil {
		return nil, fmt.Errorf("--rc-average %q: want pooled or image", c.String("rc-average"))
	}
	s.Workers = c.Int("workers")
	job.options.Curves = c.String("curves") != "" || c.String("plot-dir") != ""
	if err := s.Validate(); err != nil {
		return nil, flagError(err)
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
	lo.Protocol = c.String("protocol")
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
		if job.ds.Entries, err = dataset.Restrict(job.ds.Entries, keys); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if r := c.Float64("anomaly-ratio"); r != 0 {
		if !(r > 0 && r < 1) {
			return nil, fmt.Errorf("--anomaly-ratio %v: want a fraction in (0, 1)", r)
		}
		if job.ds.Entries, err = dataset.Subsample(job.ds.Entries, r, c.Int64("seed")); err != nil {
			return nil, err
		}
	}
	if path := c.String("protocol-out"); path != "" {
		err := writeFileAtomic(path, func(w io.Writer) error { return dataset.WriteProtocol(w, job.ds.Entries) })
		if err != nil {
			return nil, err
		}
	}
	if len(job.ds.Entries) == 0 {
		return nil, fmt.Errorf("no image to evaluate")
	}
	if job.scores != nil {
		missing := 0
		for _, e := range job.ds.Entries {
			if _, ok := job.scores.Lookup(e.Key); !ok {
				missing++
			}
		}
		if missing > 0 {
			job.warnings = append(job.warnings, fmt.Sprintf("--scores %s has no score for %d of %d images; their maps' maxima are used",
				c.String("scores"), missing, len(job.ds.Entries)))
		}
	}
	return job, nil
}

// flagError names the flag of a setting out of range.
func flagError(err error) error {
	var se *metric.SettingError
	if !errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("--%s %s: want %s", strings.ReplaceAll(se.Name, "_", "-"), se.Value, se.Want)
}

// run evaluates src, showing progress, and writes the results.
func (job *evalJob) run(c *cli.Context, src *load.Source) error {
	for _, w := range job.warnings {
		src.Warn(w)
	}
	job.options.Progress = func(p evaluate.Progress) {
		job.progress.set(p.Stage, p.Category, p.Categories, fmt.Sprintf("%s %d/%d images", p.Name, p.Done, p.Images))
	}
	rep, err := evaluate.Dataset(c.Context, src, job.settings, job.options)
	job.progress.done()
	if err != nil {
		return err
	}
	return job.write(c, rep)
}

// write prints the report, warnings, curves and plots.
func (job *evalJob) write(c *cli.Context, rep *evaluate.Report) error {
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

func writeCurves(dir string, rep *evaluate.Report) error {
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
