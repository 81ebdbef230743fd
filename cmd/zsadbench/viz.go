package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/plots"
	"github.com/zsadbench/zsadbench/viz"
)

// vizRenames: --gt is --data, as in score.
var vizRenames = renames{{old: "gt", new: flagData}}

func vizCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringSliceFlag{Name: "run", Category: catInput, Usage: "a model's maps: `NAME=MAPS`, MAPS a maps folder as score reads it; repeat for several models, one column each (required)"},
		&cli.StringFlag{Name: flagData, Category: catInput, Usage: "dataset root `DIR`: masks and input images (required)"},
		&cli.StringFlag{Name: "layout", Category: catInput, Value: string(dataset.Auto), Usage: "dataset layout `NAME`: " + strings.Join(layoutNames(), ", ")},
		&cli.StringFlag{Name: "meta", Category: catInput, Usage: "index `FILE` for --layout meta or jsonl"},
		&cli.StringFlag{Name: "map-ext", Category: catInput, Usage: "read only maps of this format `EXT`: npy, tiff or png"},
		&cli.StringFlag{Name: "category", Category: catInput, Usage: "comma-separated category `NAMES` to choose images from (default: all)"},
		&cli.StringFlag{Name: "images", Category: catInput, Usage: "comma-separated image `KEYS` to show, in order (as in score's protocol files: bottle/test/broken_large/000); default: chosen by --select"},
		&cli.StringFlag{Name: "select", Category: catInput, Value: string(viz.MostAnomalous) + "," + string(viz.HardestNormal), Usage: "how images are chosen in each category, comma-separated `LIST`: " + string(viz.MostAnomalous) + " (anomalous, highest score of the first run), " + string(viz.HardestNormal) + " (normal, highest score of the first run), " + string(viz.Disagreement) + " (largest difference between two runs' maps)"},
		&cli.IntFlag{Name: "per-category", Category: catInput, Value: 1, Usage: "`N` images a category for each --select criterion"},
		&cli.StringFlag{Name: "disagree", Category: catInput, Usage: "the two runs `A,B` --select disagreement compares (default: the first two)"},
		&cli.StringFlag{Name: "normalize", Category: catOutput, Value: "image", Usage: "heatmap colour scale `MODE`: image (each row from its lowest to its highest score), category (the category's), or fixed:LO,HI; the caption says which"},
		&cli.StringFlag{Name: "out", Category: catOutput, Usage: "figure `FILE`: .png or .pdf (or .svg) (required)"},
		&cli.StringFlag{Name: "width", Category: catOutput, Value: "two", Usage: "figure `WIDTH`: one (3.5 in), two (7.16 in) or inches"},
		&cli.IntFlag{Name: "dpi", Category: catOutput, Value: 300, Usage: "resolution of the panels (and of PNG output), `DPI`"},
		&cli.StringFlag{Name: "title", Category: catOutput, Usage: "figure `TITLE`"},
	}
	return &cli.Command{
		Name:      "viz",
		Before:    before(vizRenames, "run", flagData, "out"),
		Usage:     "draw the qualitative figure: input image, ground truth and each model's heatmap, one row per image",
		UsageText: "zsadbench viz --run NAME=MAPS [--run NAME=MAPS ...] --data DIR --out FILE.png|pdf [flags]",
		Description: "Rows are images, chosen with --images or per category by --select; columns are the input image,\n" +
			"the ground truth (the defect's outline over the image) and each run's map as a heatmap over the image,\n" +
			"with one colour scale a row and its colour bar. The caption states the normalisation. Where the\n" +
			"dataset has no input images, maps are drawn over a neutral grey (a warning says so).\n\n" +
			"Example:\n" +
			"   zsadbench viz --run DIVE=runs/dive --run AnomalyCLIP=runs/anomalyclip --data mvtec \\\n" +
			"       --category bottle --select most-anomalous,disagreement --per-category 2 --out bottle.pdf\n\n" +
			metricsDoc,
		Flags:  append(flags, vizRenames.hidden(flags)...),
		Action: vizAction,
	}
}

func vizAction(c *cli.Context) error {
	o := viz.Options{Load: load.DefaultOptions}
	var err error
	if o.Normalization, err = viz.ParseNormalization(c.String("normalize")); err != nil {
		return fmt.Errorf("--normalize: %w", err)
	}
	if _, err := plots.FormatOf(c.String("out")); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if o.Figure.Width, err = parseWidth(c.String("width")); err != nil {
		return err
	}
	if o.Figure.Width == 0 {
		o.Figure.Width = plots.TwoColumn
	}
	o.Figure.DPI, o.Figure.Title = c.Int("dpi"), c.String("title")
	cats := splitList(c.String("category"))
	open := func(mode dataset.Mode, maps string) (*dataset.Dataset, error) {
		return dataset.Open(dataset.Options{Layout: dataset.Layout(c.String("layout")), Pred: maps, GT: c.String(flagData),
			Meta: c.String("meta"), MapExt: c.String("map-ext"), Categories: cats, Mode: mode})
	}
	var runs []viz.Run
	for _, v := range c.StringSlice("run") {
		name, dir, ok := strings.Cut(v, "=")
		if !ok || name == "" || dir == "" {
			return fmt.Errorf("--run %q: want NAME=MAPS (a folder of score maps)", printable.Line(v))
		}
		if slices.ContainsFunc(runs, func(r viz.Run) bool { return r.Name == name }) {
			return fmt.Errorf("--run %s is given twice: each run needs its own name", printable.Line(name))
		}
		ds, err := open(dataset.ScoreMode, dir)
		if err != nil {
			return fmt.Errorf("--run %s: %w", printable.Line(name), err)
		}
		runs = append(runs, viz.Run{Name: name, Dataset: ds})
	}
	// Input images: the dataset's, where it has them.
	if ds, err := open(dataset.PredictMode, ""); err == nil {
		o.Images = map[string]string{}
		for _, e := range ds.Entries {
			o.Images[e.Key] = e.ImagePath
		}
	}
	picks, err := vizPicks(c, runs, cats, o.Load)
	if err != nil {
		return err
	}
	fig, warnings, err := viz.New(c.Context, runs, picks, o)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", w)
	}
	if err := fig.Save(c.String("out")); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "wrote %s (rows: %d, models: %d)\n", c.String("out"), len(picks), len(runs))
	return nil
}

// vizPicks returns the images of --images, or those --select chooses.
func vizPicks(c *cli.Context, runs []viz.Run, cats []string, lo load.Options) ([]viz.Pick, error) {
	if keys := splitList(c.String("images")); len(keys) > 0 {
		var picks []viz.Pick
		for _, k := range keys {
			picks = append(picks, viz.Pick{Key: k})
		}
		return picks, nil
	}
	var criteria []viz.Criterion
	for _, s := range splitList(c.String("select")) {
		cr, err := viz.ParseCriterion(s)
		if err != nil {
			return nil, fmt.Errorf("--select: %w", err)
		}
		criteria = append(criteria, cr)
	}
	if len(criteria) == 0 {
		return nil, fmt.Errorf("--select: no criterion")
	}
	n := c.Int("per-category")
	if n < 1 || n > 100 {
		return nil, fmt.Errorf("--per-category %d: want 1 to 100", n)
	}
	a, b := 0, 1
	if d := c.String("disagree"); d != "" {
		names := splitList(d)
		if len(names) != 2 {
			return nil, fmt.Errorf("--disagree %q: want two run names A,B", d)
		}
		idx := func(name string) int {
			return slices.IndexFunc(runs, func(r viz.Run) bool { return r.Name == name })
		}
		if a, b = idx(names[0]), idx(names[1]); a < 0 || b < 0 {
			return nil, fmt.Errorf("--disagree %q: name two of the --run names", d)
		}
	}
	if slices.Contains(criteria, viz.Disagreement) && (len(runs) < 2 || a == b) {
		return nil, fmt.Errorf("--select %s needs two different runs", viz.Disagreement)
	}
	return viz.Select(c.Context, runs, cats, criteria, n, a, b, lo)
}
