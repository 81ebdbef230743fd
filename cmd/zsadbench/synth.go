package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/synth"
)

func synthCommand() *cli.Command {
	d := synth.DefaultOptions()
	return &cli.Command{
		Name:      "synth",
		Before:    require("out"),
		Usage:     "write deterministic synthetic score maps and masks in MVTec layout (for benchmarks, demos and tests)",
		UsageText: "zsadbench synth --out DIR [--categories C] [--images N] [--size S] [--seed K]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "folder to write (maps OUT/<cat>/test/<defect>/<id>.npy, masks OUT/<cat>/ground_truth/<defect>/<id>_mask.png) (required)"},
			&cli.StringFlag{Name: "categories", Value: fmt.Sprint(d.Categories), Usage: "number of categories, or comma-separated category names"},
			&cli.IntFlag{Name: "images", Value: d.Images, Usage: "images per category"},
			&cli.IntFlag{Name: "size", Value: d.Size, Usage: "side of every square map and mask, in pixels"},
			&cli.Int64Flag{Name: "seed", Value: d.Seed, Usage: "seed; equal flags give identical files"},
			&cli.Float64Flag{Name: "anomalous", Value: synth.DefaultAnomalousFraction, Usage: "fraction of anomalous images per category"},
		},
		Action: func(c *cli.Context) error {
			opts := synth.Options{Images: c.Int("images"), Size: c.Int("size"), Seed: c.Int64("seed"), AnomalousFraction: c.Float64("anomalous")}
			cats := c.String("categories")
			var n int
			if _, err := fmt.Sscanf(cats, "%d", &n); err == nil && fmt.Sprint(n) == cats {
				opts.Categories = n
			} else {
				opts.Names = strings.Split(cats, ",")
			}
			if opts.AnomalousFraction <= 0 || opts.AnomalousFraction > 1 {
				return fmt.Errorf("--anomalous %v: want a fraction in (0, 1]", opts.AnomalousFraction)
			}
			return synth.WriteMVTec(c.String("out"), opts)
		},
	}
}
