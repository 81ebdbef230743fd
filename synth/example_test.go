package synth_test

import (
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
)

// Generate hands each image to a function, in a fixed order (category, then
// image index). Here the images are counted by defect type, and every
// anomalous mask is checked to be non-empty.
func ExampleGenerate() {
	opts := synth.Options{Names: []string{"capsule", "tile"}, Images: 10, Size: 64, Seed: 1}
	counts := map[string]map[string]int{}
	err := synth.Generate(opts, func(img synth.Image) error {
		if counts[img.Category] == nil {
			counts[img.Category] = map[string]int{}
		}
		counts[img.Category][img.Defect]++
		if (img.Defect == "good") != (count(img.Mask) == 0) {
			return fmt.Errorf("%s/%s/%s: wrong mask", img.Category, img.Defect, img.ID)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range opts.Names {
		fmt.Println(c, counts[c])
	}
	// Output:
	// capsule map[good:7 mixed:2 scratch:1]
	// tile map[blob:1 good:7 mixed:1 scratch:1]
}

func count(mask []bool) int {
	n := 0
	for _, m := range mask {
		if m {
			n++
		}
	}
	return n
}

// WriteMVTec writes maps and masks in the MVTec AD layout, ready for
// `zsadbench score --maps DIR --data DIR`.
func ExampleWriteMVTec() {
	dir, err := os.MkdirTemp("", "synth")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	opts := synth.Options{Names: []string{"screw"}, Images: 6, Size: 32, Seed: 1, AnomalousFraction: 0.5}
	if err := synth.WriteMVTec(dir, opts); err != nil {
		log.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			fmt.Println(filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// screw/ground_truth/blob/000_mask.png
	// screw/ground_truth/mixed/000_mask.png
	// screw/ground_truth/scratch/000_mask.png
	// screw/test/blob/000.npy
	// screw/test/good/000.npy
	// screw/test/good/001.npy
	// screw/test/good/002.npy
	// screw/test/mixed/000.npy
	// screw/test/scratch/000.npy
}

// RCPRODemo draws one score map per behaviour on one ground truth; scored
// with package evaluate, the halo and the blobs keep AUPRO but lose RCPRO.
// (README's table is the preset, synth.RCPRODemoOptions(); this draw is
// smaller.)
func ExampleRCPRODemo() {
	opts := synth.Options{Names: []string{"demo"}, Images: 30, Size: 96, Seed: 1}
	runs, err := synth.RCPRODemo(opts)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range runs {
		rep, err := evaluate.Category(&r.Categories[0], metric.DefaultSettings, evaluate.Options{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-16v AUPRO %.2f  RCPRO %.2f\n", r.Behaviour, rep.Pixel.AUPRO.V, rep.Pixel.RCPRO.V)
	}
	// Output:
	// tight            AUPRO 1.00  RCPRO 0.91
	// over-segmenting  AUPRO 0.95  RCPRO 0.48
	// false-positives  AUPRO 0.98  RCPRO 0.20
	// fragmented       AUPRO 1.00  RCPRO 0.62
	// blurred          AUPRO 0.91  RCPRO 0.76
}
