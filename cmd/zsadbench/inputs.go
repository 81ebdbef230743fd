package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/internal/inputfile"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/metric"
)

// maxSize is the largest --size N, whose N*N pixels stay within the one
// limit of every reader and of the sweep.
var maxSize = int(math.Sqrt(metric.MaxImagePixels))

// checkSize returns an error unless n is a valid --size.
func checkSize(n int) error {
	if n < 0 || n > maxSize {
		return fmt.Errorf("--size %d: want 0 or a size up to %d (%d pixels per image)", n, maxSize, metric.MaxImagePixels)
	}
	return nil
}

// checkMaskThreshold returns an error when --mask-threshold is given a
// value that is not a finite number >= 0 (the flag's default, -1, stands
// for "each mask format's own rule" and is not a value to give).
func checkMaskThreshold(c *cli.Context) error {
	if !c.IsSet("mask-threshold") {
		return nil
	}
	if v := c.Float64("mask-threshold"); !(v >= 0) || math.IsInf(v, 0) {
		return fmt.Errorf("--mask-threshold %v: want a number >= 0", v)
	}
	return nil
}

// flagAllowOutsideMasks lets an index name masks outside the dataset.
const flagAllowOutsideMasks = "allow-outside-masks"

func allowOutsideMasksFlag() cli.Flag {
	return &cli.BoolFlag{Name: flagAllowOutsideMasks, Category: catInput, Usage: "meta, jsonl and visa layouts: read masks the index names outside the dataset folder (absolute paths elsewhere, ../); by default they are an error"}
}

// maxProtocolBytes bounds a --protocol-in file: one key a line.
const maxProtocolBytes = 256 << 20

// readProtocolFile reads the keys of a --protocol-in file (only a regular
// file). A file without any key is an error naming it.
func readProtocolFile(path string) ([]string, error) {
	f, err := inputfile.OpenLimited(path, maxProtocolBytes)
	if err != nil {
		return nil, fmt.Errorf("--protocol-in: %w", err)
	}
	defer f.Close()
	keys, err := dataset.ReadProtocol(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", printable.Path(path), err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: the protocol file lists no image", printable.Path(path))
	}
	return keys, nil
}

// checkInputs runs the checks that need the final list of images, before
// anything is decoded or written: no output file is one of the inputs, and
// every map's and mask's size, from its header, is within the limits (and
// equal under --strict-size); stretched maps are a warning.
func (job *evalJob) checkInputs(c *cli.Context) error {
	inputs := []string{c.String("scores"), c.String("meta"), c.String("protocol-in")}
	for _, e := range job.ds.Entries {
		inputs = append(inputs, e.MapPath, e.MaskPath, e.ImagePath)
	}
	if err := checkOutputs(c, []string{"out", "protocol-out"}, inputs); err != nil {
		return err
	}
	warnings, err := load.CheckSizes(job.ds.Entries, job.load)
	if err != nil {
		return err
	}
	job.warnings = append(job.warnings, warnings...)
	return nil
}

// checkOutputs returns an error when the file an output flag names is one
// of the inputs (also through a link), or the file another output flag
// names: writing it would destroy what the run reads or writes.
func checkOutputs(c *cli.Context, flags []string, inputs []string) error {
	seen := map[string]string{} // output's absolute path -> flag
	for _, flag := range flags {
		out := c.String(flag)
		if out == "" {
			continue
		}
		if abs, err := filepath.Abs(out); err == nil {
			if prev, ok := seen[abs]; ok {
				return fmt.Errorf("--%s and --%s name one file, %s", prev, flag, printable.Path(out))
			}
			seen[abs] = flag
		}
		fo, err := os.Stat(out)
		if err != nil || !fo.Mode().IsRegular() {
			continue // a new file, or a device or pipe that is written into
		}
		for _, in := range inputs {
			if in == "" {
				continue
			}
			if fi, err := os.Stat(in); err == nil && os.SameFile(fo, fi) {
				return fmt.Errorf("--%s %s is an input of this run (%s): writing it would destroy it", flag, printable.Path(out), printable.Path(in))
			}
		}
	}
	return nil
}
