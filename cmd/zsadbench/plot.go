package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
	"gonum.org/v1/plot/vg"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/internal/inputfile"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/plots"
	"github.com/zsadbench/zsadbench/report"
)

// resultsFile is written beside the curve CSVs by score --curves, so that plot
// can show each model's metric in the legend without computing it. It is
// written last (and removed first), so a folder whose writing was
// interrupted has none, and plot refuses it.
const resultsFile = "results.json"

// maxResultsBytes bounds a results.json: a few numbers per category.
const maxResultsBytes = 64 << 20

// plotReport draws one figure per kind with every category of a score run
// and a mean panel, and one per category and kind (with AUPIMO, its PIMO
// curves too), as PDF files in dir, and names each file it writes on w.
func plotReport(dir, name string, rep *evaluate.Report, w io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--plot-dir: %w", err)
	}
	opts := plots.Options{FPRLimit: rep.Settings.FPRLimit}
	for _, cr := range rep.Categories {
		if cr.PIMO == nil || len(cr.PIMO.Curves) == 0 {
			continue
		}
		path := filepath.Join(dir, strings.TrimSuffix(curve.FileName(cr.Name, curve.PIMO), ".csv")+".pdf")
		v := cr.Value(curve.PIMO)
		o := opts
		o.Title = name + ", " + cr.Name
		if err := plots.SavePIMO(path, cr.PIMO.Curves, v.V, v.OK(), o); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s: per-image PIMO curves of %s (TPR over shared FPR, log scale)\n", path, cr.Name)
	}
	for _, kind := range curve.Kinds() {
		var cats []string
		var grid [][]plots.Series
		for _, cr := range rep.Categories {
			cv, ok := cr.Curves[kind]
			if !ok {
				continue
			}
			s := plots.Series{Name: name, Curve: cv, Style: 1}
			if v := cr.Value(kind); v.OK() {
				s.Value, s.HasValue = v.V, true
			}
			cats = append(cats, cr.Name)
			grid = append(grid, []plots.Series{s})
			path := filepath.Join(dir, strings.TrimSuffix(curve.FileName(cr.Name, kind), ".csv")+".pdf")
			if err := plots.Save(path, kind, []plots.Series{s}, opts); err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %s: %s of %s\n", path, figureName(kind, opts), cr.Name)
		}
		if len(cats) > 1 {
			cats, grid = withMean(kind, cats, grid, []*evaluate.Report{rep})
			path := filepath.Join(dir, string(kind)+".pdf")
			if err := plots.SaveGrid(path, kind, cats, grid, opts); err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %s: %s, a panel for each of %d categories and their mean\n", path, figureName(kind, opts), len(cats)-1)
		}
	}
	return nil
}

// removeResults removes a previous run's results.json from a --curves
// folder before its curves are replaced, so that the folder is never taken
// for complete while they are.
func removeResults(dir string) error {
	if err := os.Remove(filepath.Join(dir, resultsFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--curves: %w", err)
	}
	return nil
}

// figureName says what a figure of a kind shows, for the lines that name
// the files written.
func figureName(kind curve.Kind, o plots.Options) string {
	x, y := kind.Axes()
	if kind.Steps() {
		x, y = "recall", "precision"
	}
	s := y + " over " + x
	switch kind {
	case curve.ImageROC, curve.ImagePR:
		s = "image-level " + s
	case curve.PixelROC, curve.PixelPR:
		s = "pixel-level " + s
	case curve.PROFPR:
		s += fmt.Sprintf(" to FPR %g (AUPRO's area shaded)", o.FPRLimit)
	case curve.PRORC:
		s += " (RCPRO's area shaded)"
	}
	return s
}

// meanPoints is the resolution of a mean panel's curves: 2,000 intervals,
// finer than a tile's pixels.
const meanPoints = 2000

// withMean adds a "mean" panel to a grid's categories and series: each
// model's curves averaged over its categories (curve.Average), with the
// mean metric of its report (runs[i] is the report of series' i-th model,
// nil when unknown).
func withMean(kind curve.Kind, cats []string, grid [][]plots.Series, runs []*evaluate.Report) ([]string, [][]plots.Series) {
	var mean []plots.Series
	for m := range runs {
		var cs []curve.Curve
		var s plots.Series
		for _, row := range grid {
			if m < len(row) {
				s = row[m]
				cs = append(cs, row[m].Curve)
			}
		}
		s.Curve, s.HasValue = curve.Average(cs, kind, meanPoints), false
		if runs[m] != nil {
			if v := runs[m].Mean.Value(kind); v.OK() {
				s.Value, s.HasValue = v.V, true
			}
		}
		mean = append(mean, s)
	}
	return append(cats, "mean"), append(grid, mean)
}

// writeResults saves the report beside the curve files.
func writeResults(dir string, rep *evaluate.Report) error {
	return writeFileAtomic(filepath.Join(dir, resultsFile), func(w io.Writer) error { return report.Write(w, rep, "json") })
}

// parseWidth reads --width: one, two, auto (0: the figure's default) or
// inches.
func parseWidth(w string) (vg.Length, error) {
	switch w {
	case "auto":
		return 0, nil
	case "one":
		return plots.OneColumn, nil
	case "two":
		return plots.TwoColumn, nil
	}
	var in float64
	if _, err := fmt.Sscanf(w, "%g", &in); err != nil || !(in > 0 && in < 100) {
		return 0, fmt.Errorf("--width %q: want one, two, auto or inches", w)
	}
	return vg.Length(in) * vg.Inch, nil
}

// plotRun is one --run NAME=DIR.
type plotRun struct {
	name, dir string
	results   *evaluate.Report
}

func parseRuns(values []string) ([]plotRun, error) {
	var runs []plotRun
	for _, v := range values {
		name, dir, ok := strings.Cut(v, "=")
		if !ok || name == "" || dir == "" {
			return nil, fmt.Errorf("--run %q: want NAME=DIR (a folder written by score --curves)", printable.Line(v))
		}
		for _, r := range runs {
			if r.name == name {
				return nil, fmt.Errorf("--run %s is given twice (%s and %s): each run needs its own name in the legend", printable.Line(name), printable.Path(r.dir), printable.Path(dir))
			}
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("--run %s: %s is not a folder of curves", printable.Line(name), printable.Path(dir))
		}
		r := plotRun{name: name, dir: dir}
		path := filepath.Join(dir, resultsFile)
		b, err := inputfile.ReadFile(path, maxResultsBytes)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("--run %s: %s has no %s: not a folder written by zsadbench score --curves, or one whose writing did not finish",
				printable.Line(name), printable.Path(dir), resultsFile)
		}
		if err != nil {
			return nil, fmt.Errorf("--run %s: %w", printable.Line(name), err)
		}
		if r.results, err = report.ReadJSON(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("%s: %w", printable.Path(path), err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// categoriesOf lists the categories of run r with a curve file of this
// kind: those its results.json lists (a file left from an earlier run into
// the same folder is not one of them).
func categoriesOf(r plotRun, kind curve.Kind) ([]string, error) {
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return nil, err
	}
	var cats []string
	for _, e := range entries {
		if cat, k, ok := curve.ParseFileName(e.Name()); ok && k == kind && slices.ContainsFunc(r.results.Categories, func(c *evaluate.CategoryReport) bool { return c.Name == cat }) {
			cats = append(cats, cat)
		}
	}
	return cats, nil
}

func readCurve(path string) (curve.Curve, error) {
	f, _, err := inputfile.Open(path)
	if err != nil {
		return curve.Curve{}, err
	}
	defer f.Close()
	c, err := curve.ReadCSV(f)
	if err != nil {
		return curve.Curve{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func plotCommand() *cli.Command {
	var kinds []string
	for _, k := range curve.Kinds() {
		kinds = append(kinds, string(k))
	}
	kinds = append(kinds, string(curve.PIMO), "roc", "pr")
	return &cli.Command{
		Name:      "plot",
		Before:    before(nil, "run", "out"),
		Usage:     "draw the curves of one or several runs (folders written by score --curves) in one figure",
		UsageText: "zsadbench plot --run NAME=DIR [--run NAME=DIR ...] --kind KIND [--category NAME] --out FILE",
		Description: "Without --category, the figure is a grid with every category (--mean adds their mean). The\n" +
			"format follows --out's extension: .pdf, .svg or .png. PRO-vs-FPR figures show FPR from 0 to the limit\n" +
			"L with the area AUPRO integrates shaded (--full-range: 0 to 1); PRO-vs-RC figures shade the area RCPRO\n" +
			"integrates; PR curves are drawn as the steps AP sums. Legend values are percentages, as in the tables.\n" +
			"--kind pimo draws one run's per-image PIMO curves of one category (score --curves with --metrics\n" +
			"...,aupimo writes them): shared FPR on a log axis from 1e-6 to 1e-3, AUPIMO's range [1e-5, 1e-4]\n" +
			"between dashed lines, each anomalous image's TPR a thin line, and shaded the band between the\n" +
			"lowest and highest image TPR at each shared FPR.\n\n" +
			"Example:\n" +
			"   zsadbench score --maps runs/dive --data mvtec --curves curves/dive\n" +
			"   zsadbench plot --run DIVE=curves/dive --kind pro-rc --out pro-rc.pdf\n\n" +
			metricsDoc,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "run", Category: catInput, Usage: "a model's curves: `NAME=DIR`, DIR written by zsadbench score --curves; repeat for several models (each keeps its colour and dash in every figure) (required)"},
			&cli.StringFlag{Name: "kind", Category: catInput, Value: string(curve.PRORC), Usage: "figure `KIND`: " + strings.Join(kinds, ", ") + " (roc and pr are pixel level)"},
			&cli.StringFlag{Name: "category", Category: catInput, Usage: "one category `NAME` (default: a grid of all categories)"},
			&cli.StringFlag{Name: "out", Category: catOutput, Usage: "figure `FILE`: .pdf, .svg or .png (required)"},
			&cli.IntFlag{Name: "dpi", Category: catOutput, Value: 300, Usage: "resolution of PNG output, `DPI`"},
			&cli.StringFlag{Name: "width", Category: catOutput, Value: "auto", Usage: "figure `WIDTH`: one (3.5 in), two (7.16 in), a number of inches, or auto (one column for a figure, two for a grid)"},
			&cli.Float64Flag{Name: "fpr-limit", Category: catOutput, DefaultText: "the runs' own", Usage: "FPR limit `L` marked on PRO-vs-FPR figures"},
			&cli.BoolFlag{Name: "fractions", Category: catOutput, Usage: "legend values as fractions (0.931) instead of percentages (93.1), the tables' unit"},
			&cli.IntFlag{Name: "decimals", Category: catOutput, DefaultText: "1 for percentages, 3 for fractions", Usage: "`N` decimals of legend values"},
			&cli.BoolFlag{Name: "percent", Hidden: true, Usage: "legend values as percentages (the default now)"},
			&cli.BoolFlag{Name: "full-range", Category: catOutput, Usage: "pro-fpr: show FPR from 0 to 1 with the limit L marked (default: FPR from 0 to L, AUPRO's area shaded)"},
			&cli.BoolFlag{Name: "mean", Category: catOutput, Usage: "add a \"mean\" panel to a grid: each run's curves averaged over its categories, with its mean metric"},
			&cli.StringFlag{Name: "title", Category: catOutput, Usage: "figure `TITLE`"},
			progressFlag(),
		},
		Action: func(c *cli.Context) error {
			kind, err := curve.ParseKind(c.String("kind"))
			if err != nil {
				return fmt.Errorf("--kind %q: want one of %s", c.String("kind"), strings.Join(kinds, ", "))
			}
			runs, err := parseRuns(c.StringSlice("run"))
			if err != nil {
				return err
			}
			opts := plots.Options{DPI: c.Int("dpi"), Fractions: c.Bool("fractions"), Decimals: c.Int("decimals"),
				Title: c.String("title"), FPRLimit: c.Float64("fpr-limit"), FullRange: c.Bool("full-range")}
			if c.Bool("percent") && c.Bool("fractions") {
				return fmt.Errorf("--percent and --fractions exclude each other")
			}
			if opts.FPRLimit == 0 {
				opts.FPRLimit = 0.3
				if runs[0].results != nil && runs[0].results.Settings.FPRLimit > 0 {
					opts.FPRLimit = runs[0].results.Settings.FPRLimit
				}
			}
			if opts.Width, err = parseWidth(c.String("width")); err != nil {
				return err
			}
			if _, err := plots.FormatOf(c.String("out")); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			if kind == curve.PIMO {
				return plotPIMO(c, runs, opts)
			}
			var cats []string
			if cat := c.String("category"); cat != "" {
				cats = []string{cat}
			} else {
				for _, r := range runs {
					cs, err := categoriesOf(r, kind)
					if err != nil {
						return err
					}
					for _, cat := range cs {
						if !slices.Contains(cats, cat) {
							cats = append(cats, cat)
						}
					}
				}
				slices.Sort(cats)
			}
			if len(cats) == 0 {
				return fmt.Errorf("no %s curve in %s (write them with zsadbench score --curves DIR)", kind, runs[0].dir)
			}
			grid := make([][]plots.Series, len(cats))
			p := newProgress(c, "curves")
			defer p.finish()
			for i, cat := range cats {
				for k, r := range runs {
					p.set("reading", i*len(runs)+k, len(cats)*len(runs), r.name+" "+cat)
					path := filepath.Join(r.dir, curve.FileName(cat, kind))
					cv, err := readCurve(path)
					if err != nil {
						if errors.Is(err, fs.ErrNotExist) && len(cats) > 1 {
							// A model without this category keeps its legend entry.
							grid[i] = append(grid[i], plots.Series{Name: r.name, Style: k + 1})
							continue
						}
						return fmt.Errorf("--run %s: %w", r.name, err)
					}
					s := plots.Series{Name: r.name, Curve: cv, Style: k + 1}
					if r.results != nil {
						for _, cr := range r.results.Categories {
							if v := cr.Value(kind); cr.Name == cat && v.OK() {
								s.Value, s.HasValue = v.V, true
							}
						}
					}
					grid[i] = append(grid[i], s)
				}
			}
			p.set("drawing", len(cats)*len(runs), len(cats)*len(runs), c.String("out"))
			if len(cats) == 1 {
				return plots.Save(c.String("out"), kind, grid[0], opts)
			}
			if c.Bool("mean") {
				reports := make([]*evaluate.Report, len(runs))
				for i, r := range runs {
					reports[i] = r.results
				}
				cats, grid = withMean(kind, cats, grid, reports)
			}
			return plots.SaveGrid(c.String("out"), kind, cats, grid, opts)
		},
	}
}

// plotPIMO draws --kind pimo: one run's per-image curves of one category.
func plotPIMO(c *cli.Context, runs []plotRun, opts plots.Options) error {
	if len(runs) != 1 {
		return fmt.Errorf("--kind pimo draws one run's images: give one --run, not %d", len(runs))
	}
	r := runs[0]
	cat := c.String("category")
	if cat == "" {
		cats, err := categoriesOf(r, curve.PIMO)
		if err != nil {
			return err
		}
		if len(cats) != 1 {
			return fmt.Errorf("--kind pimo draws one category: name it with --category (%s has PIMO curves of %d; score --curves writes them with --metrics ...,aupimo)", printable.Path(r.dir), len(cats))
		}
		cat = cats[0]
	}
	path := filepath.Join(r.dir, curve.FileName(cat, curve.PIMO))
	f, _, err := inputfile.Open(path)
	if err != nil {
		return fmt.Errorf("--run %s: %w", printable.Line(r.name), err)
	}
	defer f.Close()
	im, err := curve.ReadImagesCSV(f)
	if err != nil {
		return fmt.Errorf("%s: %w", printable.Path(path), err)
	}
	var value float64
	has := false
	for _, cr := range r.results.Categories {
		if v := cr.Value(curve.PIMO); cr.Name == cat && v.OK() {
			value, has = v.V, true
		}
	}
	if opts.Title == "" {
		opts.Title = r.name + ", " + cat
	}
	return plots.SavePIMO(c.String("out"), im.Curves, value, has, opts)
}
