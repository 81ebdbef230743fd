package synth_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/zsadbench/zsadbench/synth"
)

// FuzzGenerate checks that Generate never panics, rejects invalid options
// with an error, and otherwise keeps its contract: the promised number of
// images, anomalous masks non-empty, normal masks empty, finite scores.
func FuzzGenerate(f *testing.F) {
	f.Add(int64(1), 8, 3, 0.0, "capsule")
	f.Add(int64(-5), 40, 10, 0.5, "tile")
	f.Add(int64(99), 9, 1, 1.0, "")
	f.Add(int64(7), 7, 2, -0.5, "a/b")
	f.Fuzz(func(t *testing.T, seed int64, size, images int, frac float64, name string) {
		if size > 72 || images > 12 || size*images > 400 {
			t.Skip() // keep each run small; larger inputs exercise nothing new
		}
		opts := synth.Options{Names: []string{name, name + "2"}, Images: images, Size: size, Seed: seed, AnomalousFraction: frac}
		n := 0
		err := synth.Generate(opts, func(img synth.Image) error {
			n++
			if len(img.Scores) != size*size || len(img.Mask) != size*size || img.Width != size || img.Height != size {
				t.Fatalf("%s/%s/%s: %dx%d with %d scores", img.Category, img.Defect, img.ID, img.Width, img.Height, len(img.Scores))
			}
			anomalous := false
			for _, m := range img.Mask {
				anomalous = anomalous || m
			}
			if anomalous != (img.Defect != "good") {
				t.Fatalf("%s/%s/%s: mask non-empty = %v", img.Category, img.Defect, img.ID, anomalous)
			}
			for _, s := range img.Scores {
				if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
					t.Fatalf("%s/%s/%s: score %v", img.Category, img.Defect, img.ID, s)
				}
			}
			return nil
		})
		valid := size >= synth.MinSize && size <= synth.MaxSize && images >= 1 && frac >= 0 && frac <= 1 &&
			name != "" && name != "." && name != ".." && !containsAny(name, "/\\\x00")
		if valid != (err == nil) {
			t.Fatalf("options %+v: error %v", opts, err)
		}
		if err == nil && n != 2*images {
			t.Fatalf("%d images, want %d", n, 2*images)
		}
	})
}

func containsAny(s, chars string) bool {
	for _, c := range s {
		for _, d := range chars {
			if c == d {
				return true
			}
		}
	}
	return false
}

// FuzzGenerateRCPRODemo checks that GenerateRCPRODemo never panics, rejects
// what Generate rejects, and otherwise gives Generate's masks and one finite
// map per behaviour.
func FuzzGenerateRCPRODemo(f *testing.F) {
	f.Add(int64(1), 16, 3, 0.5)
	f.Add(int64(-2), 8, 1, 1.0)
	f.Add(int64(9), 40, 2, 0.0)
	f.Add(int64(3), synth.MaxRCPRODemoSize+1, 1, 0.5)
	f.Fuzz(func(t *testing.T, seed int64, size, images int, frac float64) {
		if (size > 64 && size != synth.MaxRCPRODemoSize+1) || images > 6 {
			t.Skip() // keep each run small
		}
		opts := synth.Options{Names: []string{"c"}, Images: images, Size: size, Seed: seed, AnomalousFraction: frac}
		var masks [][]bool
		genErr := synth.Generate(opts, func(img synth.Image) error {
			masks = append(masks, img.Mask)
			return nil
		})
		n := 0
		err := synth.GenerateRCPRODemo(opts, func(im synth.DemoImage) error {
			if !slices.Equal(im.Mask, masks[n]) {
				t.Fatalf("image %d: mask differs from Generate's", n)
			}
			n++
			if len(im.Maps) != len(synth.Behaviours()) {
				t.Fatalf("%d maps", len(im.Maps))
			}
			for b, scores := range im.Maps {
				if len(scores) != size*size {
					t.Fatalf("%v: %d values", synth.Behaviour(b), len(scores))
				}
				for _, s := range scores {
					if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
						t.Fatalf("%v: score %v", synth.Behaviour(b), s)
					}
				}
			}
			return nil
		})
		if size > synth.MaxRCPRODemoSize && genErr == nil {
			genErr = errors.New("too large for the demonstration")
		}
		if (err == nil) != (genErr == nil) || (err == nil && n != len(masks)) {
			t.Fatalf("options %+v: error %v (Generate: %v), %d images", opts, err, genErr, n)
		}
	})
}
