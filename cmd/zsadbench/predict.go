package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/dive"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/mapio"
)

func modelFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "model", Category: catModel, Usage: "DIVE model in ONNX, `FILE` (input image [N,3,S,S]; outputs image_score [N], anomaly_map [N,h,w]) (required)"},
		&cli.StringFlag{Name: "provider", Category: catModel, Value: "auto", Usage: "execution `PROVIDER`: auto (CUDA, else the CPU with a warning), cuda, cpu"},
		&cli.StringFlag{Name: "ort-lib", Category: catModel, Usage: "ONNX Runtime library `FILE` (default: $" + dive.LibraryEnv + ", else " + dive.BundledLibrary + " from " + dive.SetupScript + ")"},
		&cli.IntFlag{Name: "batch", Category: catModel, Usage: "`N` images per model run (0 = the model's fixed batch, or " + strconv.Itoa(dive.DefaultBatch) + ")"},
		&cli.IntFlag{Name: "threads", Category: catModel, Usage: "ONNX Runtime intra-op threads, `N` (0 = its choice)"},
		&cli.Float64Flag{Name: "sigma", Category: catModel, Value: dive.DefaultSigma, Usage: "standard deviation `SIGMA` of the Gaussian that smooths the maps at --map-size, as the paper does (0 = no smoothing)"},
		mapSizeFlag(),
	}
}

// openModel opens the DIVE backend and prints its warnings.
func openModel(c *cli.Context) (*dive.Model, error) {
	opts := dive.DefaultOptions
	opts.Provider = c.String("provider")
	opts.LibraryPath = c.String("ort-lib")
	opts.BatchSize = c.Int("batch")
	opts.Threads = c.Int("threads")
	opts.Sigma = c.Float64("sigma")
	if opts.Sigma <= 0 {
		opts.Sigma = -1 // the dive package's "no smoothing"
	}
	var err error
	if opts.MapSize, err = parseMapSize(c); err != nil {
		return nil, err
	}
	m, warnings, err := dive.Open(c.String("model"), opts)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", printable.Line(w.Error()))
	}
	return m, nil
}

// predictRenames are predict's flags renamed in this release.
var predictRenames = renames{{old: "images", new: flagData}, {old: "out", new: flagMaps}}

func predictCommand() *cli.Command {
	flags := concat(modelFlags(), []cli.Flag{
		&cli.StringFlag{Name: flagData, Category: catInput, Usage: "dataset root `DIR` with the test images (its layout is detected, or set with --layout) (required)"},
		&cli.StringFlag{Name: "layout", Category: catInput, Value: string(dataset.Auto), Usage: "dataset layout `NAME`: " + strings.Join(layoutNames(), ", ")},
		&cli.StringFlag{Name: "meta", Category: catInput, Usage: "index `FILE` for --layout meta or jsonl"},
		&cli.StringFlag{Name: "categories", Category: catInput, Usage: "comma-separated category `NAMES` (default: all)"},
		&cli.StringFlag{Name: flagMaps, Category: catOutput, Usage: "folder `DIR` for the maps: DIR/<image path without extension>.npy (mirroring the dataset) and DIR/scores.csv (required)"},
		allowOutsideMasksFlag(),
		progressFlag(),
	})
	return &cli.Command{
		Name:      "predict",
		Before:    before(predictRenames, "model", flagData, flagMaps),
		Usage:     "run the DIVE model on a folder of images and write .npy score maps and scores.csv",
		UsageText: "zsadbench predict --model dive.onnx --data DIR --maps DIR [flags]",
		Description: "Runs the model on every test image of the dataset and writes one map per image, at the\n" +
			"image's size, and the image scores; score then evaluates them.\n\n" +
			"Example:\n" +
			"   zsadbench predict --model dive.onnx --data mvtec --maps maps/dive\n" +
			"   zsadbench score --maps maps/dive --data mvtec --scores maps/dive/scores.csv\n\n" +
			metricsDoc,
		Flags: append(flags, predictRenames.hidden(flags)...),
		Action: func(c *cli.Context) error {
			opts := dataset.Options{Layout: dataset.Layout(c.String("layout")), GT: c.String(flagData), Meta: c.String("meta"), Mode: dataset.PredictMode}
			opts.Categories = splitList(c.String("categories"))
			opts.MasksOutside = c.Bool(flagAllowOutsideMasks)
			ds, err := dataset.Open(opts)
			if err != nil {
				return err
			}
			m, err := openModel(c)
			if err != nil {
				return err
			}
			defer m.Close()
			return predict(c.Context, m, ds.Entries, c.String(flagMaps), newProgress(c, "images"), mapsInfo(m))
		},
	}
}

// predict runs the backend in chunks, writing each map as it comes, then
// scores.csv and maps.json (info).
func predict(ctx context.Context, b backend.Backend, entries []dataset.Entry, out string, p *progress, info backend.MapsInfo) error {
	if ctx == nil {
		ctx = context.Background()
	}
	defer p.finish()
	type row struct {
		key   string
		score float64
	}
	rows := make([]row, 0, len(entries))
	const chunk = 32
	for i := 0; i < len(entries); i += chunk {
		p.set("predicting", i, len(entries), entries[i].Category)
		part := entries[i:min(i+chunk, len(entries))]
		in := make([]backend.Input, len(part))
		for j, e := range part {
			in[j] = backend.Input{Key: e.Key, Path: e.ImagePath}
		}
		outs, err := b.Predict(ctx, in)
		if err != nil {
			return err
		}
		for _, o := range outs {
			path := filepath.Join(out, filepath.FromSlash(o.Key)+".npy")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return fmt.Errorf("--%s: %w", flagMaps, err)
			}
			if err := mapio.WriteNPY(path, mapio.Map{Width: o.Width, Height: o.Height, Pix: o.Map}); err != nil {
				return err
			}
			rows = append(rows, row{o.Key, o.Score})
		}
		p.set("predicting", i+len(part), len(entries), entries[i].Category)
	}
	err := writeFileAtomic(filepath.Join(out, "scores.csv"), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"path", "score"})
		for _, r := range rows {
			cw.Write([]string{r.key, strconv.FormatFloat(r.score, 'g', -1, 64)})
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return err
	}
	return backend.WriteMapsInfo(out, info)
}

// runRenames are run's flags renamed in this release.
var runRenames = renames{{old: "gt", new: flagData}, {old: "save-maps", new: flagMaps}}

func runCommand() *cli.Command {
	flags := concat(modelFlags(), dataFlags(false), protocolFlags(), metricFlags(), outputFlags(), performanceFlags(), []cli.Flag{
		&cli.StringFlag{Name: flagMaps, Category: catOutput, Usage: "also write the maps and scores.csv into this `DIR`, as predict does"},
	})
	return &cli.Command{
		Name:      "run",
		Before:    before(runRenames, "model"),
		Usage:     "run the DIVE model on a dataset and score its maps in one go (the outputs of score)",
		UsageText: "zsadbench run --model dive.onnx --data DIR [flags]",
		Description: "predict and score in one go: the model runs once per image, and its maps are scored as\n" +
			"they come (or saved with --maps first and scored from there).\n\n" +
			"Example:\n" +
			"   zsadbench run --model dive.onnx --data mvtec --format json --out dive.json\n\n" +
			metricsDoc,
		Flags: append(flags, runRenames.hidden(flags)...),
		Action: func(c *cli.Context) error {
			job, err := newEvalJob(c, dataset.PredictMode)
			if err != nil {
				return err
			}
			m, err := openModel(c)
			if err != nil {
				return err
			}
			defer m.Close()
			job.modelMaps(c, m)
			// Without --save-maps the model's outputs are scored as they come;
			// with it they are written first and the saved maps scored, so the
			// model still runs once.
			dir := c.String(flagMaps)
			if dir == "" {
				return job.run(c, load.Model(job.ds, m, job.load))
			}
			if err := predict(c.Context, m, job.ds.Entries, dir, newProgress(c, "images"), mapsInfo(m)); err != nil {
				return err
			}
			scores, err := readScoresFile(filepath.Join(dir, "scores.csv"))
			if err != nil {
				return err
			}
			for i := range job.ds.Entries {
				e := &job.ds.Entries[i]
				e.MapPath = filepath.Join(dir, filepath.FromSlash(e.Key)+".npy")
			}
			return job.run(c, load.Maps(job.ds, scores, job.load))
		},
	}
}

func readScoresFile(path string) (*backend.Scores, error) {
	return backend.ReadScoresFile(path)
}
