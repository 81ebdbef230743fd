package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/dive"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/mapio"
)

func modelFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "model", Usage: "DIVE model in ONNX (input image [N,3,S,S]; outputs image_score [N], anomaly_map [N,h,w]) (required)"},
		&cli.StringFlag{Name: "provider", Value: "auto", Usage: "execution provider: auto (CUDA, else the CPU with a warning), cuda, cpu"},
		&cli.StringFlag{Name: "ort-lib", Usage: "ONNX Runtime library (default: $" + dive.LibraryEnv + ", else " + dive.BundledLibrary + " from " + dive.SetupScript + ")"},
		&cli.IntFlag{Name: "batch", Usage: "images per model run (0 = the model's fixed batch, or " + strconv.Itoa(dive.DefaultBatch) + ")"},
		&cli.IntFlag{Name: "threads", Usage: "ONNX Runtime intra-op threads (0 = its choice)"},
		&cli.Float64Flag{Name: "sigma", Value: dive.DefaultSigma, Usage: "standard deviation of the Gaussian that smooths the maps at image size, as the paper does (0 = no smoothing)"},
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
	m, warnings, err := dive.Open(c.String("model"), opts)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintf(c.App.ErrWriter, "warning: %v\n", w)
	}
	return m, nil
}

func predictCommand() *cli.Command {
	flags := append(modelFlags(),
		&cli.StringFlag{Name: "images", Usage: "dataset root with the test images (its layout is detected, or set with --layout) (required)"},
		&cli.StringFlag{Name: "out", Usage: "folder for the maps: OUT/<image path without extension>.npy (mirroring the dataset) and OUT/scores.csv (required)"},
		&cli.StringFlag{Name: "layout", Value: "auto", Usage: "dataset layout"},
		&cli.StringFlag{Name: "meta", Usage: "index file for --layout meta or jsonl"},
		&cli.StringFlag{Name: "categories", Usage: "comma-separated categories (default: all)"},
	)
	return &cli.Command{
		Name:      "predict",
		Before:    require("model", "images", "out"),
		Usage:     "run the DIVE model on a folder of images and write .npy score maps and scores.csv",
		UsageText: "zsadbench predict --model dive.onnx --images DATASET --out MAPS [flags]",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			opts := dataset.Options{Layout: dataset.Layout(c.String("layout")), GT: c.String("images"), Meta: c.String("meta"), Mode: dataset.PredictMode}
			opts.Categories = splitList(c.String("categories"))
			ds, err := dataset.Open(opts)
			if err != nil {
				return err
			}
			m, err := openModel(c)
			if err != nil {
				return err
			}
			defer m.Close()
			return predict(c.Context, m, ds.Entries, c.String("out"), newProgress(c.App.ErrWriter))
		},
	}
}

// predict runs the backend in chunks, writing each map as it comes, then
// scores.csv.
func predict(ctx context.Context, b backend.Backend, entries []dataset.Entry, out string, p *progress) error {
	if ctx == nil {
		ctx = context.Background()
	}
	defer p.done()
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
				return fmt.Errorf("--out: %w", err)
			}
			if err := mapio.WriteNPY(path, mapio.Map{Width: o.Width, Height: o.Height, Pix: o.Map}); err != nil {
				return err
			}
			rows = append(rows, row{o.Key, o.Score})
		}
	}
	return writeFileAtomic(filepath.Join(out, "scores.csv"), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"path", "score"})
		for _, r := range rows {
			cw.Write([]string{r.key, strconv.FormatFloat(r.score, 'g', -1, 64)})
		}
		cw.Flush()
		return cw.Error()
	})
}

func runCommand() *cli.Command {
	var flags []cli.Flag
	flags = append(flags, modelFlags()...)
	flags = append(flags, datasetFlags(false)...)
	flags = append(flags, evalFlags()...)
	flags = append(flags, &cli.StringFlag{Name: "save-maps", Usage: "also write the maps and scores.csv into this folder, as predict does"})
	return &cli.Command{
		Name:      "run",
		Before:    require("model"),
		Usage:     "run the DIVE model on a dataset and score its maps in one go (the outputs of score)",
		UsageText: "zsadbench run --model dive.onnx --gt DATASET [flags]",
		Flags:     flags,
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
			// Without --save-maps the model's outputs are scored as they come;
			// with it they are written first and the saved maps scored, so the
			// model still runs once.
			dir := c.String("save-maps")
			if dir == "" {
				return job.run(c, load.Model(job.ds, m, job.load))
			}
			if err := predict(c.Context, m, job.ds.Entries, dir, job.progress); err != nil {
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
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return backend.ReadScores(f, path)
}
