package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/report"
)

// scoreRenames are score's flags renamed in this release.
var scoreRenames = renames{{old: "pred", new: flagMaps}, {old: "gt", new: flagData}}

func scoreCommand() *cli.Command {
	flags := concat(dataFlags(true), protocolFlags(), metricFlags(), outputFlags(), performanceFlags())
	return &cli.Command{
		Name:      "score",
		Before:    before(scoreRenames, flagMaps),
		Usage:     "evaluate score maps against ground-truth masks: the paper table per category and mean",
		UsageText: "zsadbench score --maps DIR --data DIR [flags]",
		Description: "Reads one score map per test image (mirroring the dataset's layout under --maps) and the\n" +
			"dataset's masks, and prints image and pixel AUROC, AP, F1-max, AUPRO and RCPRO per category\n" +
			"and their mean.\n\n" +
			"Example:\n" +
			"   zsadbench score --maps runs/dive --data mvtec --format latex --out table.tex\n\n" +
			metricsDoc,
		Flags: append(flags, scoreRenames.hidden(flags)...),
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
	// maps says how the maps were made (maps.json, or run's model).
	maps *backend.MapsInfo
}

// newEvalJob parses the flags of score or run and opens the dataset.
func newEvalJob(c *cli.Context, mode dataset.Mode) (*evalJob, error) {
	return newEvalJobAt(c, mode, c.String(flagMaps), metric.ParseSelection)
}

// newEvalJobAt parses the flags of score, run or compare, with maps the
// folder of maps in dataset.ScoreMode and metrics the parser of --metrics,
// and opens the dataset.
func newEvalJobAt(c *cli.Context, mode dataset.Mode, maps string, metrics func(string) (metric.Selection, error)) (*evalJob, error) {
	job := &evalJob{progress: newProgress(c, "images"), stderr: c.App.ErrWriter, name: modelName(c)}
	job.options.HoldPixels = c.Int("hold-pixels") // <= 0: the default
	job.options.Curves = c.String("curves") != "" || c.String("plot-dir") != ""
	if path := c.String("per-image"); path != "" {
		if _, err := recordFormat(path); err != nil {
			return nil, err
		}
		job.options.PerImage = true
	}
	job.options.Bootstrap = evaluate.Bootstrap{Replicates: c.Int("bootstrap"), Confidence: c.Float64("confidence"), Seed: uint64(c.Int64("seed"))}
	if err := job.options.Bootstrap.Validate(); err != nil {
		return nil, flagError(err)
	}
	job.options.CurveTolerance = c.Float64("curve-tolerance")
	var err error
	if job.settings, err = parseSettings(c, metrics); err != nil {
		return nil, err
	}
	if job.load, err = parseLoadOptions(c, job.settings.Workers); err != nil {
		return nil, err
	}
	switch by := c.String("by"); by {
	case "category", "": // "": compare, which has no --by
	case "defect":
		job.options.ByDefect = true
	default:
		return nil, fmt.Errorf("--by %q: want category or defect", by)
	}
	if f := c.String("format"); !slices.Contains(report.Formats, f) {
		return nil, fmt.Errorf("--format %q: want one of %s", f, strings.Join(report.Formats, ", "))
	}
	if t := job.options.CurveTolerance; !(t >= 0 && t < 1) {
		return nil, fmt.Errorf("--curve-tolerance %v: want 0 (every point) or a value below 1", t)
	}
	if _, err := outputFormat(c); err != nil {
		return nil, err
	}
	if mode == dataset.ScoreMode {
		if job.maps, err = readMapsInfo(maps); err != nil {
			return nil, err
		}
		if w := mapsInfoWarning(job.maps, job.load.Size); w != "" {
			job.warnings = append(job.warnings, w)
		}
	}
	if mode == dataset.ScoreMode && c.String("scores") != "" {
		if job.scores, err = readScoresFile(c.String("scores")); err != nil {
			return nil, fmt.Errorf("--scores: %w", err)
		}
	}
	if job.ds, err = openDataset(c, mode, maps); err != nil {
		return nil, err
	}
	all := *job.ds // before the protocol's selection
	if err := job.selectImages(c); err != nil {
		return nil, err
	}
	if job.scores != nil {
		w, err := scoresPolicy(job.scores, c.String("scores"), &all, job.ds.Entries, c.Bool("allow-missing-scores"))
		if err != nil {
			return nil, err
		}
		if w != "" {
			job.warnings = append(job.warnings, w)
		}
	}
	return job, nil
}

// modelName is the model's name in figure legends.
func modelName(c *cli.Context) string {
	switch {
	case c.String("name") != "":
		return c.String("name")
	case c.String(flagMaps) != "" && c.Command.Name == "score":
		return filepath.Base(filepath.Clean(c.String(flagMaps)))
	}
	return strings.TrimSuffix(filepath.Base(c.String("model")), filepath.Ext(c.String("model")))
}

// protocolPresets are --protocol's values: what each sets when its flag is
// not given.
var protocolPresets = map[string]map[string]string{
	// The AnomalyCLIP-family scripts evaluate at 518 with bilinear masks
	// kept where > 0.5, on 200 steps, and keep mask values > 0 (JPEG masks
	// too).
	"anomalyclip": {"size": "518", "mask-resize": string(load.Bilinear), "thresholds": "steps:200", "mask-threshold": "0"},
}

// preset returns flag name's value: the flag's when given, else the
// --protocol preset's, else the flag's default.
func preset(c *cli.Context, name string) string {
	if !c.IsSet(name) {
		if v, ok := protocolPresets[c.String("protocol")][name]; ok {
			return v
		}
	}
	return fmt.Sprint(c.Value(name))
}

// parseSettings reads the metric settings, --metrics with metrics.
func parseSettings(c *cli.Context, metrics func(string) (metric.Selection, error)) (metric.Settings, error) {
	s := metric.DefaultSettings
	if p := c.String("protocol"); p != "" && protocolPresets[p] == nil {
		return s, fmt.Errorf("--protocol %q: want anomalyclip", p)
	}
	var err error
	if s.Thresholds, err = metric.ParseGrid(preset(c, "thresholds")); err != nil {
		return s, fmt.Errorf("--thresholds: %w", err)
	}
	if s.Metrics, err = metrics(c.String("metrics")); err != nil {
		return s, fmt.Errorf("--metrics: %w", err)
	}
	s.FPRLimit, s.RCPROTau, s.RCPRODelta = c.Float64("fpr-limit"), c.Float64("rcpro-tau"), c.Float64("rcpro-delta")
	if s.Connectivity, err = connected.ParseConnectivity(c.Int("connectivity")); err != nil {
		return s, fmt.Errorf("--connectivity: %w", err)
	}
	if s.RCAverage, err = metric.ParseRCAverage(c.String("rc-average")); err != nil {
		return s, fmt.Errorf("--rc-average %q: want pooled or image", c.String("rc-average"))
	}
	s.PIMOThresholds = c.Int("pimo-thresholds")
	s.Workers = c.Int("workers")
	if err := s.Validate(); err != nil {
		return s, flagError(err)
	}
	return s, nil
}

// parseLoadOptions reads how maps and masks are put on one grid.
func parseLoadOptions(c *cli.Context, workers int) (load.Options, error) {
	lo := load.DefaultOptions
	lo.Workers, lo.Protocol, lo.StrictSize = workers, c.String("protocol"), c.Bool("strict-size")
	var err error
	if lo.Size, err = strconv.Atoi(preset(c, "size")); err != nil {
		return lo, fmt.Errorf("--size %s: want 0 or a size up to %d", preset(c, "size"), maxSize)
	}
	if err := checkSize(lo.Size); err != nil {
		return lo, err
	}
	switch m := load.MaskResize(preset(c, "mask-resize")); m {
	case load.Nearest, load.Bilinear:
		lo.MaskResize = m
	default:
		return lo, fmt.Errorf("--mask-resize %q: want nearest or bilinear", m)
	}
	if lo.MaskThreshold, err = strconv.ParseFloat(preset(c, "mask-threshold"), 64); err != nil {
		return lo, fmt.Errorf("--mask-threshold: %w", err)
	}
	if err := checkMaskThreshold(c); err != nil {
		return lo, err
	}
	return lo, nil
}

// openDataset finds the dataset's entries, with maps the folder of maps in
// dataset.ScoreMode.
func openDataset(c *cli.Context, mode dataset.Mode, maps string) (*dataset.Dataset, error) {
	opts := dataset.Options{
		Layout:     dataset.Layout(c.String("layout")),
		GT:         c.String(flagData),
		Meta:       c.String("meta"),
		Mode:       mode,
		Categories: splitList(c.String("categories")),
		// An index may name masks outside the dataset only when asked.
		MasksOutside: c.Bool(flagAllowOutsideMasks),
	}
	if mode == dataset.ScoreMode {
		opts.Pred, opts.MapExt = maps, c.String("map-ext")
	}
	if opts.GT == "" && opts.Meta == "" {
		return nil, fmt.Errorf("--%s is required (or --meta for an index layout)", flagData)
	}
	return dataset.Open(opts)
}

// selectImages applies --protocol-in and --anomaly-ratio, and writes
// --protocol-out.
func (job *evalJob) selectImages(c *cli.Context) error {
	var err error
	if path := c.String("protocol-in"); path != "" {
		keys, err := readProtocolFile(path)
		if err != nil {
			return err
		}
		if job.ds.Entries, err = dataset.Restrict(job.ds.Entries, keys); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if r := c.Float64("anomaly-ratio"); r != 0 {
		if !(r > 0 && r < 1) {
			return fmt.Errorf("--anomaly-ratio %v: want a fraction in (0, 1)", r)
		}
		if job.ds.Entries, err = dataset.Subsample(job.ds.Entries, r, c.Int64("seed")); err != nil {
			return err
		}
	}
	if err := job.checkInputs(c); err != nil {
		return err
	}
	if path := c.String("protocol-out"); path != "" {
		err := writeFileAtomic(path, func(w io.Writer) error { return dataset.WriteProtocol(w, job.ds.Entries) })
		if err != nil {
			return err
		}
	}
	if len(job.ds.Entries) == 0 {
		return fmt.Errorf("no image to evaluate")
	}
	return nil
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
	rep, err := job.evaluate(c, src)
	if err != nil {
		return err
	}
	return job.write(c, rep, job.resizeNote(src))
}

// evaluate evaluates src, showing progress.
func (job *evalJob) evaluate(c *cli.Context, src *load.Source) (*evaluate.Report, error) {
	for _, w := range job.warnings {
		src.Warn(w)
	}
	job.options.Progress = evaluateProgress(job.progress, src)
	rep, err := evaluate.Dataset(c.Context, src, job.settings, job.options)
	job.progress.finish()
	return rep, err
}

// write prints the report, warnings, the note on resized maps (resizes,
// "" for none), curves and plots.
func (job *evalJob) write(c *cli.Context, rep *evaluate.Report, resizes string) error {
	for _, w := range rep.Warnings {
		fmt.Fprintf(job.stderr, "warning: %s\n", printable.Line(w))
	}
	if resizes != "" {
		fmt.Fprintln(job.stderr, resizes)
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
		if err := plotReport(dir, job.name, rep, job.stderr); err != nil {
			return err
		}
	}
	if path := c.String("per-image"); path != "" {
		format, _ := recordFormat(path)
		if err := writeFileAtomic(path, func(w io.Writer) error { return report.WriteRecords(w, rep, format) }); err != nil {
			return err
		}
	}
	format, err := outputFormat(c)
	if err != nil {
		return err
	}
	if out := c.String("out"); out != "" {
		return writeFileAtomic(out, func(w io.Writer) error { return report.Write(w, rep, format) })
	}
	return report.Write(c.App.Writer, rep, format)
}

// evaluateProgress shows evaluate.Dataset's progress over src as images of
// the whole dataset: those of the categories done, and those of the current
// category read so far in its current stage.
func evaluateProgress(p *progress, src evaluate.Source) func(evaluate.Progress) {
	cats := src.Categories()
	before := make([]int, len(cats)+1)
	for i, c := range cats {
		before[i+1] = before[i] + c.Images
	}
	return func(e evaluate.Progress) {
		p.set(e.Stage, before[e.Category]+e.Done, before[len(cats)], e.Name)
	}
}

// recordFormat is --per-image's format, by the file's extension.
func recordFormat(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv", nil
	case ".jsonl", ".ndjson":
		return "jsonl", nil
	}
	return "", fmt.Errorf("--per-image %s: want a .csv or .jsonl file", path)
}

// writeCurves writes each curve of rep into dir (thinned by evaluate to
// --curve-tolerance as each category finished).
func writeCurves(dir string, rep *evaluate.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--curves: %w", err)
	}
	if err := removeResults(dir); err != nil {
		return err
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
		if cr.PIMO != nil {
			path := filepath.Join(dir, curve.FileName(cr.Name, curve.PIMO))
			if err := writeFileAtomic(path, func(w io.Writer) error { return curve.WriteImagesCSV(w, *cr.PIMO) }); err != nil {
				return err
			}
		}
	}
	return nil
}
