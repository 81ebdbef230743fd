package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/significance"
)

// defaultSignificanceReplicates is significance's --bootstrap default.
const defaultSignificanceReplicates = 1000

// significanceCommand compares runs statistically. It is a command of its
// own so that a comparison-table command can take its results (package
// significance) as they are.
func significanceCommand() *cli.Command {
	flags := concat([]cli.Flag{
		&cli.StringSliceFlag{Name: "run", Category: catInput, Usage: "a run to compare, `NAME=MAPS`: its maps folder, scored against --data (repeat: two or more)"},
		&cli.StringFlag{Name: "map-ext", Category: catInput, Usage: "read only maps of this format `EXT` when a folder holds several: npy, tiff or png"},
	}, dataFlags(false), protocolFlags(), metricFlags(), []cli.Flag{
		&cli.StringFlag{Name: "format", Category: catOutput, Value: "table", Usage: "output `FORMAT`: " + strings.Join(significance.Formats, ", ")},
		&cli.StringFlag{Name: "out", Category: catOutput, Usage: "write the comparisons to this `FILE` instead of standard output"},
	}, performanceFlags())
	return &cli.Command{
		Name:      "significance",
		Before:    before(nil, "run"),
		Usage:     "compare runs on the same images: paired bootstrap intervals and p-values, DeLong's test, Wilcoxon on AUPIMO, Holm",
		UsageText: "zsadbench significance --run NAME=MAPS --run NAME=MAPS --data DIR [flags]",
		Description: "Scores each run's maps against the same dataset and compares every pair of runs, per category\n" +
			"and for the mean: the difference a - b of every metric with a paired bootstrap interval and\n" +
			"p-value (the same resamples for every run; --bootstrap 1000 by default, --seed fixes them),\n" +
			"DeLong's test for image AUROC, Wilcoxon's signed-rank test on per-image AUPIMO (with\n" +
			"--metrics all), and Holm's correction across categories.\n\n" +
			"Example:\n" +
			"   zsadbench significance --run DIVE=runs/dive --run AnomalyCLIP=runs/anomalyclip --data mvtec --metrics all\n\n" +
			metricsDoc,
		Flags:  flags,
		Action: significanceAction,
	}
}

// keepForSignificance has job keep what the tests of package significance
// read: DeLong and Wilcoxon the per-image records, the bootstrap test every
// run's replicates, drawn alike from --seed (1000 unless --bootstrap says
// otherwise).
func keepForSignificance(c *cli.Context, job *evalJob) {
	job.options.PerImage, job.options.KeepReplicates = true, true
	if !c.IsSet("bootstrap") {
		job.options.Bootstrap.Replicates = defaultSignificanceReplicates
	}
}

func significanceAction(c *cli.Context) error {
	specs := c.StringSlice("run")
	if len(specs) < 2 {
		return fmt.Errorf("--run: give two or more runs to compare, NAME=MAPS each")
	}
	format := c.String("format")
	if !slices.Contains(significance.Formats, format) {
		return fmt.Errorf("--format %q: want one of %s", format, strings.Join(significance.Formats, ", "))
	}
	var runs []significance.Run
	seen := map[string]bool{}
	confidence := c.Float64("confidence")
	for _, spec := range specs {
		name, maps, ok := strings.Cut(spec, "=")
		if !ok || name == "" || maps == "" {
			return fmt.Errorf("--run %q: want NAME=MAPS", printable.Line(spec))
		}
		if seen[name] {
			return fmt.Errorf("--run %s: the name is given twice", printable.Line(name))
		}
		seen[name] = true
		job, err := newEvalJobAt(c, dataset.ScoreMode, maps, metric.ParseSelection)
		if err != nil {
			return fmt.Errorf("--run %s: %w", printable.Line(name), err)
		}
		keepForSignificance(c, job)
		job.progress.noun = "images of " + name
		rep, err := job.evaluate(c, load.Maps(job.ds, nil, job.load))
		if err != nil {
			return fmt.Errorf("--run %s: %w", printable.Line(name), err)
		}
		for _, w := range rep.Warnings {
			fmt.Fprintf(job.stderr, "warning: %s: %s\n", printable.Line(name), printable.Line(w))
		}
		runs = append(runs, significance.Run{Name: name, Report: rep})
	}
	res, err := significance.Compare(runs, confidence)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", printable.Line(w))
	}
	if out := c.String("out"); out != "" {
		return writeFileAtomic(out, func(w io.Writer) error { return significance.Write(w, res, format) })
	}
	return significance.Write(c.App.Writer, res, format)
}
