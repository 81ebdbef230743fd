package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/report"
)

// The categories of flags in --help.
const (
	catInput      = "Input"
	catProtocol   = "Protocol and resolution"
	catMetrics    = "Metrics (docs/METRICS.md)"
	catOutput     = "Output"
	catModel      = "Model"
	catPerformace = "Performance"
)

// One name per concept across commands: --data is a dataset root, --maps a
// folder of score maps (read by score, written by predict and run), --out a
// results or figure file.
const (
	flagData = "data"
	flagMaps = "maps"
)

// rename is a flag renamed in this release: the old spelling still works
// for one release, with a warning on stderr.
type rename struct{ old, new string }

// hidden returns the old spellings as hidden flags of the same type as the
// new ones in flags.
func (rs renames) hidden(flags []cli.Flag) []cli.Flag {
	var out []cli.Flag
	for _, r := range rs {
		for _, f := range flags {
			if f.Names()[0] != r.new {
				continue
			}
			switch f := f.(type) {
			case *cli.IntFlag:
				out = append(out, &cli.IntFlag{Name: r.old, Hidden: true})
			case *cli.GenericFlag:
				if once, ok := f.Value.(*onceValue); ok {
					out = append(out, &cli.GenericFlag{Name: r.old, Hidden: true, Value: &onceValue{name: r.old, why: once.why}})
					continue
				}
				out = append(out, &cli.StringFlag{Name: r.old, Hidden: true})
			default:
				out = append(out, &cli.StringFlag{Name: r.old, Hidden: true})
			}
		}
	}
	return out
}

type renames []rename

// apply moves the values of old spellings to the new flags, warning once for
// each; giving both spellings of one flag is an error.
func (rs renames) apply(c *cli.Context) error {
	for _, r := range rs {
		if !c.IsSet(r.old) {
			continue
		}
		if c.IsSet(r.new) {
			return fmt.Errorf("--%s and --%s are the same flag (--%s is its old name): give only --%s", r.old, r.new, r.old, r.new)
		}
		fmt.Fprintf(c.App.ErrWriter, "warning: --%s is deprecated and will be removed in the next release; use --%s\n", r.old, r.new)
		if err := c.Set(r.new, fmt.Sprint(c.Value(r.old))); err != nil {
			return fmt.Errorf("--%s: %w", r.old, err)
		}
	}
	return nil
}

// before runs the renames, then checks the required flags (here rather than
// by urfave/cli, which prints the whole help on stdout for a missing flag).
func before(rs renames, required ...string) cli.BeforeFunc {
	return func(c *cli.Context) error {
		if err := rs.apply(c); err != nil {
			return err
		}
		for _, n := range required {
			if !c.IsSet(n) {
				return fmt.Errorf("--%s is required (see zsadbench %s --help)", n, c.Command.Name)
			}
		}
		return nil
	}
}

// dataFlags locate a dataset. maps says whether --maps (score maps) is read.
func dataFlags(maps bool) []cli.Flag {
	var fs []cli.Flag
	if maps {
		fs = append(fs,
			onceFlag(flagMaps, catInput, "folder of score maps `DIR` (.npy, .npz, .tiff/.tif, .png), mirroring the dataset's layout, or an .npz archive of them (required)",
				"score evaluates one folder of maps; run it once for each"),
			&cli.StringFlag{Name: "map-ext", Category: catInput, Usage: "read only maps of this format `EXT` when a folder holds several: npy, npz, tiff or png"},
			&cli.StringFlag{Name: "scores", Category: catInput, Usage: "CSV `FILE` of image scores, rows path,score (header optional; path with or without extension); default: max of each map"},
			&cli.BoolFlag{Name: "allow-missing-scores", Category: catInput, Usage: "images without a row in --scores use their map's maximum (one AUROC then mixes two kinds of score) instead of an error"},
		)
	}
	return append(fs,
		&cli.StringFlag{Name: flagData, Category: catInput, Usage: "dataset root `DIR`: masks, images, and the base of an index's relative paths (default: the --meta file's folder)"},
		&cli.StringFlag{Name: "layout", Category: catInput, Value: string(dataset.Auto), Usage: "dataset layout `NAME`: " + strings.Join(layoutNames(), ", ")},
		&cli.StringFlag{Name: "meta", Category: catInput, Usage: "index `FILE` for --layout meta (AnomalyCLIP meta.json) or jsonl (AA-CLIP)"},
		&cli.StringFlag{Name: "categories", Category: catInput, Usage: "comma-separated category `NAMES` to evaluate (default: all)"},
		allowOutsideMasksFlag(),
	)
}

// protocolFlags choose the images and the resolution of an evaluation.
func protocolFlags() []cli.Flag {
	lo := load.DefaultOptions
	return []cli.Flag{
		&cli.StringFlag{Name: "protocol", Category: catProtocol, Usage: "published evaluation preset `NAME`: anomalyclip = --size 518 --mask-resize bilinear --thresholds steps:200 --mask-threshold 0 (each can still be set alone)"},
		&cli.Float64Flag{Name: "anomaly-ratio", Category: catProtocol, Usage: "imbalanced protocol: keep every normal image and a seeded random subset of anomalous ones making up this `FRACTION` (0 = keep all)"},
		&cli.Int64Flag{Name: "seed", Category: catProtocol, Usage: "`SEED` of --anomaly-ratio's draw and of --bootstrap's resamples"},
		&cli.StringFlag{Name: "protocol-in", Category: catProtocol, Usage: "evaluate only the images listed in this protocol `FILE` (one key a line)"},
		&cli.StringFlag{Name: "protocol-out", Category: catProtocol, Usage: "write the keys of the evaluated images to this protocol `FILE`"},
		&cli.IntFlag{Name: "size", Category: catProtocol, Usage: "evaluate every image at `N`xN (maps bilinear, masks by --mask-resize); 0 = at each image's ground-truth size (its mask's, or its image file's)"},
		&cli.StringFlag{Name: "mask-resize", Category: catProtocol, Value: string(lo.MaskResize), Usage: "how --size resizes masks, `MODE`: nearest, or bilinear then > 0.5"},
		&cli.Float64Flag{Name: "mask-threshold", Category: catProtocol, Value: lo.MaskThreshold, DefaultText: "0, and 127 for JPEG masks", Usage: "a mask pixel is anomalous when its value is greater than this `VALUE`"},
		&cli.BoolFlag{Name: "strict-size", Category: catProtocol, Usage: "a map whose size differs from its ground truth's (its mask's, or its image file's) is an error instead of being resized"},
	}
}

// metricFlags are metric.Settings, with its defaults.
func metricFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "metrics", Category: catMetrics, Value: "paper", Usage: "metrics to compute, comma-separated `LIST`: image, pixel, aupro, rcpro, aupimo (paper = " + metric.SelectPaper.String() + ", the paper table; all = " + metric.SelectAll.String() + ")"},
	}, settingFlags()...)
}

// settingFlags are metric.Settings but the metrics computed, with its
// defaults.
func settingFlags() []cli.Flag {
	def := metric.DefaultSettings
	return []cli.Flag{
		&cli.StringFlag{Name: "thresholds", Category: catMetrics, Value: def.Thresholds.String(), Usage: "threshold `GRID` of AUPRO and RCPRO: exact (every distinct score) or steps:N (AnomalyCLIP-style, N=200 there); AUROC, AP and F1-max are always exact"},
		&cli.Float64Flag{Name: "fpr-limit", Category: catMetrics, Value: def.FPRLimit, Usage: "integration limit `L` of AUPRO@L, in (0, 1]"},
		&cli.Float64Flag{Name: "rcpro-tau", Category: catMetrics, Value: def.RCPROTau, Usage: "RCPRO overlap tolerance `TAU`: a region overlapping its best-matched defect by less than tau of its area scores 0"},
		&cli.Float64Flag{Name: "rcpro-delta", Category: catMetrics, Value: def.RCPRODelta, Usage: "RCPRO excess tolerance `DELTA`: quality decays as delta/r once the excess ratio r passes delta"},
		&cli.IntFlag{Name: "connectivity", Category: catMetrics, Value: int(def.Connectivity), Usage: "region `CONNECTIVITY`: 8 or 4"},
		&cli.StringFlag{Name: "rc-average", Category: catMetrics, Value: def.RCAverage.String(), Usage: "RC `AVERAGE`: pooled (over all predicted regions of a category) or image (per image first)"},
		&cli.IntFlag{Name: "bootstrap", Category: catMetrics, Usage: "add bootstrap confidence intervals from `B` replicates (images resampled with replacement within each label, --seed fixes them; 0 = none, 1000 is usual)"},
		&cli.Float64Flag{Name: "confidence", Category: catMetrics, Value: evaluate.DefaultConfidence, Usage: "the bootstrap intervals' confidence `LEVEL`, in (0, 1)"},
		&cli.IntFlag{Name: "pimo-thresholds", Category: catMetrics, Value: def.PIMOThresholds, Usage: "AUPIMO's threshold grid (with --metrics ...,aupimo): 0 = exact (every distinct score), `K` = the reference implementation's K thresholds linearly spaced over the normal images' scores (300000 there)"},
	}
}

// outputFlags say where results go.
func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "format", Category: catOutput, Value: "table", Usage: "output `FORMAT`: " + strings.Join(report.Formats, ", ") + "; without it, --out's extension (.json .csv .md .tex .txt) picks one"},
		&cli.StringFlag{Name: "out", Category: catOutput, Usage: "write the results to this `FILE` instead of standard output"},
		&cli.StringFlag{Name: "by", Category: catOutput, Value: "category", Usage: "table rows `BY`: category, or defect (a row per defect type inside each category, with the category's normal images: MVTec-style defect folders, meta.json specie_name)"},
		&cli.StringFlag{Name: "curves", Category: catOutput, Usage: "write every curve as CSV (threshold,x,y) into this `DIR`, one file per category and kind, thinned to --curve-tolerance, and results.json (written last)"},
		&cli.Float64Flag{Name: "curve-tolerance", Category: catOutput, Value: curve.DefaultTolerance, Usage: "--curves keeps the points that put each curve within this `TOL` of the exact one in x and y, and its metric recomputed from the file within TOL of the exact value (kept in results.json); 0 writes every point"},
		&cli.StringFlag{Name: "plot-dir", Category: catOutput, Usage: "draw the run's curves into this `DIR` (PDF, one figure per kind with every category)"},
		&cli.StringFlag{Name: "per-image", Category: catOutput, Usage: "write one record per image (key, label, scores, ground truth, AUPIMO, FPR/PRO/RC at the F1-max and FPR-limit thresholds) to this `FILE`: .csv or .jsonl"},
		&cli.StringFlag{Name: "name", Category: catOutput, Usage: "the model's `NAME` in the legends of --plot-dir figures (default: the --maps folder's or --model file's name)"},
		progressFlag(),
	}
}

// performanceFlags change speed and memory, never results.
func performanceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "workers", Category: catPerformace, Usage: "files read and images swept at once, `N` (0 = number of CPUs); results do not depend on it"},
		&cli.IntFlag{Name: "hold-pixels", Category: catPerformace, Value: evaluate.DefaultHoldPixels, Usage: "steps grid: the most `PIXELS` of a category held for the exact pixel AUROC, AP and F1-max; a larger category is read again in batches of this size, so memory stays bounded"},
	}
}

func layoutNames() []string {
	var s []string
	for _, l := range dataset.Layouts() {
		s = append(s, string(l))
	}
	return s
}

// concat joins flag lists.
func concat(lists ...[]cli.Flag) []cli.Flag {
	var out []cli.Flag
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
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

// metricsDoc ends every command's description.
const metricsDoc = "Metric definitions, tie rules and grids: docs/METRICS.md."
