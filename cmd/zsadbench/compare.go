package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/report"
	"github.com/zsadbench/zsadbench/significance"
)

func compareCommand() *cli.Command {
	flags := concat(
		[]cli.Flag{
			&cli.StringSliceFlag{Name: "run", Category: catInput, Usage: "a model: `NAME=PATH`, PATH a results file (score --format json, or results.json of --curves) or a folder of maps scored against --data; repeat for each model, in column order (required)"},
			&cli.StringFlag{Name: "metrics", Category: catOutput, Value: "all", Usage: "metric columns, comma-separated `LIST`: " + strings.Join(report.MetricNames(), ", ") + ", or the groups image, pixel, all (runs scored here compute only these)"},
		},
		dataFlags(false),
		[]cli.Flag{&cli.StringFlag{Name: "map-ext", Category: catInput, Usage: "read only maps of this format `EXT` when a folder holds several: npy, tiff or png"}},
		protocolFlags(), settingFlags(),
		[]cli.Flag{
			&cli.StringFlag{Name: "format", Category: catOutput, Value: "table", Usage: "output `FORMAT`: " + strings.Join(report.Formats, ", ")},
			&cli.StringFlag{Name: "out", Category: catOutput, Usage: "write the table to this `FILE` instead of standard output"},
			&cli.StringFlag{Name: "rows", Category: catOutput, Value: "categories", Usage: "what the rows are, `ROWS`: categories (and the mean; one column per model in each metric's group) or models (one column per category and the mean)"},
			&cli.BoolFlag{Name: "mean-only", Category: catOutput, Usage: "show only the mean (with --rows models: one row per model, one column per metric)"},
			&cli.IntFlag{Name: "decimals", Category: catOutput, Value: report.DefaultCompareOptions.Decimals, Usage: "decimals `N` of the percentages (table, markdown, latex)"},
			&cli.BoolFlag{Name: "significance", Category: catMetrics, Usage: "test every pair of runs scored from maps (paired bootstrap, --bootstrap 1000 unless set; DeLong for I-AUROC; Holm across categories) and mark the cells of a run significantly better than every other; JSON gains \"comparisons\""},
			&cli.BoolFlag{Name: "allow-mixed", Category: catOutput, Usage: "compare runs evaluated under different settings or on different test sets, noting the differences under the table"},
			progressFlag(),
		},
		performanceFlags(),
	)
	return &cli.Command{
		Name:      "compare",
		Before:    before(renames{{old: "gt", new: flagData}}, "run"),
		Usage:     "put several models side by side: the paper table with the best in bold and the second underlined",
		UsageText: "zsadbench compare --run NAME=PATH [--run NAME=PATH ...] [--data DIR] [flags]",
		Description: "Each --run is a model: a results file written by score (--format json, or the results.json\n" +
			"of --curves), or a folder of maps, scored here against --data with the metric and protocol\n" +
			"flags, exactly as score would. Rows are categories and the mean, each metric a group of\n" +
			"columns with one column per model (--rows models transposes). In Markdown and LaTeX the\n" +
			"best value of each category and metric is bold and the second underlined, compared as\n" +
			"printed (values that print alike are marked alike; the second only among three or more).\n" +
			"CSV writes each run's rows as score does, with the model's name first; JSON writes\n" +
			"{\"runs\": [{\"name\": ..., <score's object>}, ...]}. Runs evaluated under different settings\n" +
			"or on different test sets are refused unless --allow-mixed.\n\n" +
			"With --bootstrap B (runs scored from maps; --confidence, --seed) each cell shows its interval,\n" +
			"84.4 [82.1, 86.3]. --significance compares every pair of runs as zsadbench significance does,\n" +
			"on the same resamples (--bootstrap 1000 unless set), and marks a cell (*, † in Markdown,\n" +
			"\\dagger in LaTeX) whose run is significantly better than every other run: DeLong's test for\n" +
			"I-AUROC, the paired bootstrap for the others, p below 1 - --confidence after Holm's correction\n" +
			"across categories. JSON then adds \"comparisons\" (significance's objects). Runs read from\n" +
			"results files have no per-image scores and cannot be tested.\n\n" +
			"Example:\n" +
			"   zsadbench compare --run DIVE=dive.json --run AnomalyCLIP=anomalyclip.json --format latex\n" +
			"   zsadbench compare --data mvtec --run DIVE=maps/dive --run AnomalyCLIP=maps/anomalyclip --metrics I-AUROC,P-AUROC,AUPRO\n\n" +
			metricsDoc,
		Flags: append(flags, &cli.StringFlag{Name: "gt", Hidden: true}),
		Action: func(c *cli.Context) error {
			o, format, err := parseCompareOptions(c)
			if err != nil {
				return err
			}
			runs, err := compareRuns(c, o.Metrics)
			if err != nil {
				return err
			}
			if c.Bool("significance") {
				if o.Significance, err = compareSignificance(c, runs); err != nil {
					return err
				}
			}
			cmp, err := report.Compare(runs, o)
			var mixed *report.MixedError
			if errors.As(err, &mixed) {
				return fmt.Errorf("%w; --allow-mixed compares them anyway, noting the differences under the table", err)
			}
			if err != nil {
				return err
			}
			if out := c.String("out"); out != "" {
				return writeFileAtomic(out, func(w io.Writer) error { return cmp.Write(w, format) })
			}
			return cmp.Write(c.App.Writer, format)
		},
	}
}

// parseCompareOptions reads the table's shape and the output format.
func parseCompareOptions(c *cli.Context) (report.CompareOptions, string, error) {
	o := report.DefaultCompareOptions
	format := c.String("format")
	if !slices.Contains(report.Formats, format) {
		return o, "", fmt.Errorf("--format %q: want one of %s", format, strings.Join(report.Formats, ", "))
	}
	var err error
	if o.Metrics, err = report.ParseMetrics(c.String("metrics")); err != nil {
		return o, "", fmt.Errorf("--metrics: %w", err)
	}
	switch r := c.String("rows"); r {
	case "categories":
	case "models":
		o.ModelRows = true
	default:
		return o, "", fmt.Errorf("--rows %q: want categories or models", r)
	}
	if o.Decimals = c.Int("decimals"); o.Decimals < 0 || o.Decimals > 10 {
		return o, "", fmt.Errorf("--decimals %d: want 0 to 10", o.Decimals)
	}
	if cats := splitList(c.String("categories")); len(cats) > 0 {
		o.Categories = cats
	}
	o.MeanOnly, o.AllowMixed = c.Bool("mean-only"), c.Bool("allow-mixed")
	return o, format, nil
}

// scoringFlags are compare's flags that only runs scored from maps use.
var scoringFlags = []string{flagData, "layout", "meta", "map-ext", "protocol", "anomaly-ratio", "seed", "protocol-in", "protocol-out",
	"size", "mask-resize", "mask-threshold", "strict-size", "thresholds", "fpr-limit", "rcpro-tau", "rcpro-delta", "connectivity",
	"rc-average", "workers", "hold-pixels", "bootstrap", "confidence"}

// compareRuns reads or scores each --run, in order.
func compareRuns(c *cli.Context, columns []string) ([]report.Run, error) {
	type spec struct {
		name, path string
		dir        bool // a folder of maps, else a results file
	}
	var specs []spec
	scored := false
	for _, v := range c.StringSlice("run") {
		name, path, ok := strings.Cut(v, "=")
		if !ok || name == "" || path == "" {
			return nil, fmt.Errorf("--run %q: want NAME=PATH (a results file or a folder of maps)", v)
		}
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("--run %s: %w", name, err)
		}
		switch {
		case fi.IsDir():
			scored = true
		case !fi.Mode().IsRegular():
			return nil, fmt.Errorf("--run %s: %s is neither a results file nor a folder of maps", name, path)
		}
		if c.Bool("significance") && !fi.IsDir() {
			return nil, fmt.Errorf("--significance: --run %s is a results file, which has no per-image scores or bootstrap replicates to test; give every run as a folder of maps with --data", name)
		}
		specs = append(specs, spec{name, path, fi.IsDir()})
	}
	if !scored {
		for _, f := range scoringFlags {
			if c.IsSet(f) {
				return nil, fmt.Errorf("--%s applies to runs scored from maps, and every --run is a results file", f)
			}
		}
	}
	var runs []report.Run
	for _, s := range specs {
		rep, err := compareRun(c, s.name, s.path, s.dir, columns)
		if err != nil {
			return nil, err
		}
		runs = append(runs, report.Run{Name: s.name, Report: rep})
	}
	return runs, nil
}

// compareRun reads a results file, or scores a folder of maps (dir) as
// score does.
func compareRun(c *cli.Context, name, path string, dir bool, columns []string) (*evaluate.Report, error) {
	if !dir {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--run %s: %w", name, err)
		}
		defer f.Close()
		rep, err := report.ReadJSON(f)
		if err != nil {
			return nil, fmt.Errorf("--run %s: %s: %w", name, path, err)
		}
		return rep, nil
	}
	selection := func(string) (metric.Selection, error) { return report.Selection(columns), nil }
	job, err := newEvalJobAt(c, dataset.ScoreMode, path, selection)
	if err != nil {
		return nil, fmt.Errorf("--run %s: %w", name, err)
	}
	if c.Bool("significance") {
		keepForSignificance(c, job)
	}
	job.progress.noun = "images of " + name
	rep, err := job.evaluate(c, load.Maps(job.ds, nil, job.load))
	if err != nil {
		return nil, fmt.Errorf("--run %s: %w", name, err)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(job.stderr, "warning: %s: %s\n", name, w)
	}
	return rep, nil
}

// compareSignificance tests every pair of runs (package significance) and
// prints its warnings.
func compareSignificance(c *cli.Context, runs []report.Run) (*significance.Result, error) {
	var sr []significance.Run
	for _, r := range runs {
		sr = append(sr, significance.Run{Name: r.Name, Report: r.Report})
	}
	res, err := significance.Compare(sr, c.Float64("confidence"))
	if err != nil {
		return nil, fmt.Errorf("--significance: %w", err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", printable.Line(w))
	}
	return res, nil
}
