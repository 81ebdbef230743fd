package main

import (
	"fmt"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/synth"
)

// synthRenames are synth's flags renamed in this release: --out wrote a
// dataset (so --data), --images and --size were counts and sizes where
// score's flags of those names mean other things.
var synthRenames = renames{{old: "out", new: flagData}, {old: "images", new: "images-per-category"}, {old: "size", new: "image-size"}}

func synthCommand() *cli.Command {
	d := synth.DefaultOptions()
	flags := []cli.Flag{
		&cli.StringFlag{Name: flagData, Category: catOutput, Usage: "folder `DIR` to write: maps DIR/<cat>/test/<defect>/<id>.npy, masks DIR/<cat>/ground_truth/<defect>/<id>_mask.png, so that --maps and --data of score are both DIR (required)"},
		&cli.StringFlag{Name: "categories", Category: catInput, Usage: "comma-separated category `NAMES` (default: --num-categories categories named cat00, cat01, ...)"},
		&cli.IntFlag{Name: "num-categories", Category: catInput, Value: d.Categories, Usage: "number of categories, `N`, when --categories is not given"},
		&cli.IntFlag{Name: "images-per-category", Category: catInput, Value: d.Images, Usage: "`N` images per category"},
		&cli.IntFlag{Name: "image-size", Category: catInput, Value: d.Size, Usage: "side of every square map and mask, `PIXELS`"},
		&cli.Int64Flag{Name: "seed", Category: catInput, Value: d.Seed, Usage: "`SEED`; equal flags give identical files"},
		&cli.Float64Flag{Name: "anomalous", Category: catInput, Value: synth.DefaultAnomalousFraction, Usage: "`FRACTION` of anomalous images per category"},
		presetFlag(),
		&cli.IntFlag{Name: "models", Category: catInput, Usage: "write the maps of `K` models of increasing quality on one ground truth: masks in DIR/gt, model m's maps in DIR/model<m> (model K's are the maps written without --models), for zsadbench compare; 0 = one set of maps in DIR"},
		progressFlag(),
	}
	return &cli.Command{
		Name:      "synth",
		Before:    before(synthRenames, flagData),
		Usage:     "write deterministic synthetic score maps and masks in MVTec layout (for benchmarks, demos and tests)",
		UsageText: "zsadbench synth --data DIR [flags]\nzsadbench synth --preset rcpro-demo --data DIR [flags]",
		Description: "Example:\n" +
			"   zsadbench synth --data /tmp/demo --num-categories 2 --images-per-category 20 --image-size 128\n" +
			"   zsadbench score --maps /tmp/demo --data /tmp/demo\n\n" +
			"   zsadbench synth --data /tmp/three --models 3\n" +
			"   zsadbench compare --data /tmp/three/gt --run A=/tmp/three/model1 --run B=/tmp/three/model2 --run C=/tmp/three/model3",
		Flags: append(flags, synthRenames.hidden(flags)...),
		Action: func(c *cli.Context) error {
			if c.IsSet("preset") {
				return writePreset(c)
			}
			opts, err := synthOptions(c, d)
			if err != nil {
				return err
			}
			p := newProgress(c, "images")
			defer p.finish()
			opts.Progress = func(done, total int) { p.set("writing", done, total, "") }
			switch k := c.Int("models"); {
			case k < 0 || k > 100:
				return fmt.Errorf("--models %d: want 1 to 100 (or 0: no models)", k)
			case k > 0:
				return synth.WriteModels(c.String(flagData), opts, k)
			}
			return synth.WriteMVTec(c.String(flagData), opts)
		},
	}
}

// synthOptions returns base with the values of the flags the user set.
func synthOptions(c *cli.Context, base synth.Options) (synth.Options, error) {
	opts := base
	if c.IsSet("num-categories") {
		opts.Categories, opts.Names = c.Int("num-categories"), nil
	}
	if cats := c.String("categories"); cats != "" {
		if n, err := strconv.Atoi(cats); err == nil {
			// --categories N was a count before this release.
			fmt.Fprintf(c.App.ErrWriter, "warning: --categories %d as a number of categories is deprecated and will be removed in the next release; use --num-categories %d\n", n, n)
			opts.Categories, opts.Names = n, nil
		} else {
			opts.Names, opts.Categories = splitList(cats), 0
		}
	}
	if c.IsSet("images-per-category") {
		opts.Images = c.Int("images-per-category")
	}
	if c.IsSet("image-size") {
		opts.Size = c.Int("image-size")
	}
	if c.IsSet("seed") {
		opts.Seed = c.Int64("seed")
	}
	if c.IsSet("anomalous") {
		opts.AnomalousFraction = c.Float64("anomalous")
	}
	if opts.AnomalousFraction <= 0 || opts.AnomalousFraction > 1 {
		return opts, fmt.Errorf("--anomalous %v: want a fraction in (0, 1]", opts.AnomalousFraction)
	}
	return opts, nil
}
