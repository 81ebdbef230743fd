package main

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/internal/golden"
	"github.com/zsadbench/zsadbench/mapio"
	"github.com/zsadbench/zsadbench/resize"
)

// resolutionDir holds the mixed-resolution cases of the Python reference.
const resolutionDir = "../../testdata/golden/resolution"

// imageBytes encodes a grey w x h image as JPEG (what real datasets hold;
// only its header is read).
func imageBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGoldenResolution writes each mixed-resolution case of the reference in
// the mvtec layout (maps at the model's size, masks and image files at the
// images' sizes), scores it, and compares the metrics (1e-9), the pixels
// evaluated and the stderr line on resized maps with the reference.
func TestGoldenResolution(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(resolutionDir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no resolution case in %s: %v", resolutionDir, err)
	}
	for _, path := range paths {
		gc, err := golden.LoadResolution(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(gc.Name, func(t *testing.T) {
			root := t.TempDir()
			pred, gt := filepath.Join(root, "pred"), filepath.Join(root, "gt")
			for _, im := range gc.Images {
				pix := make([]float32, len(im.Map))
				for i, v := range im.Map {
					pix[i] = float32(v)
				}
				rel := filepath.Join(gc.Name, "test", im.Defect, im.Name)
				writeFile(t, filepath.Join(pred, rel+".npy"), npyBytes(t, im.MapWidth, im.MapHeight, pix))
				if im.Mask != nil {
					mask := make([]bool, len(im.Mask))
					for i, v := range im.Mask {
						mask[i] = v != 0
					}
					writeFile(t, filepath.Join(gt, gc.Name, "ground_truth", im.Defect, im.Name+"_mask.png"),
						maskBytes(t, *im.MaskWidth, *im.MaskHeight, mask))
				} else {
					// The category folder exists even without a mask.
					if err := os.MkdirAll(filepath.Join(gt, gc.Name), 0o755); err != nil {
						t.Fatal(err)
					}
				}
				if im.ImageHeight != nil {
					writeFile(t, filepath.Join(gt, rel+".jpg"), imageBytes(t, *im.ImageWidth, *im.ImageHeight))
				}
			}
			args := append([]string{"score", "--maps", pred, "--data", gt, "--layout", "mvtec", "--format", "json"},
				goldenFlags(&goldenCase{Options: gc.Options})...)
			r := mustRun(t, args...)
			rep := parseReport(t, r.stdout)
			if len(rep.Categories) != 1 {
				t.Fatalf("%d categories", len(rep.Categories))
			}
			c := rep.Categories[0]
			if c.Pixels != gc.Evaluated.Pixels {
				t.Errorf("pixels %d, want %d", c.Pixels, gc.Evaluated.Pixels)
			}
			compareValues(t, "golden image", c.Image, gc.Expected.Image, imageKeys, 1e-9)
			compareValues(t, "golden pixel", c.Pixel, gc.Expected.Pixel, pixelKeys, 1e-9)
			resized := 0
			for _, rz := range gc.Evaluated.Resized {
				resized += rz[4]
				want := fmt.Sprintf("%d from %dx%d to %dx%d", rz[4], rz[1], rz[0], rz[3], rz[2])
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
				}
			}
			note := fmt.Sprintf("resized %d of %d maps", resized, len(gc.Images))
			if got := strings.Count(r.stderr, "resized"); resized > 0 && (got != 1 || !strings.Contains(r.stderr, note)) {
				t.Errorf("stderr does not say %q once:\n%s", note, r.stderr)
			} else if resized == 0 && got != 0 {
				t.Errorf("no map was resized, but stderr says:\n%s", r.stderr)
			}
		})
	}
}

// TestMixedResolutionExample is the reproduction: the example's maps
// upsampled 2x, scored against its 96x96 masks. Every map, normal ones
// included, is compared at 96x96: the numbers equal those of --size 96, and
// one stderr line says what was resized.
func TestMixedResolutionExample(t *testing.T) {
	const example = "../../testdata/example"
	pred := t.TempDir()
	paths, err := filepath.Glob(filepath.Join(example, "*", "test", "*", "*.npy"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no example maps: %v", err)
	}
	for _, p := range paths {
		m, err := mapio.ReadMap(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(example, p)
		up := resize.Bilinear(m.Pix, m.Width, m.Height, 2*m.Width, 2*m.Height)
		writeFile(t, filepath.Join(pred, rel), npyBytes(t, 2*m.Width, 2*m.Height, up))
	}
	r := mustRun(t, "score", "--maps", pred, "--data", example, "--format", "json")
	sized := mustRun(t, "score", "--maps", pred, "--data", example, "--format", "json", "--size", "96")
	rep, want := parseReport(t, r.stdout), parseReport(t, sized.stdout)
	for i, c := range rep.Categories {
		if c.Pixels != int64(c.Images*96*96) {
			t.Errorf("%s: %d pixels, want %d images of 96x96", c.Name, c.Pixels, c.Images)
		}
		compareValues(t, c.Name+" image", c.Image, want.Categories[i].Image, imageKeys, 0)
		compareValues(t, c.Name+" pixel", c.Pixel, want.Categories[i].Pixel, pixelKeys, 0)
	}
	note := fmt.Sprintf("note: resized %d of %d maps to their ground truth's size: %d from 192x192 to 96x96\n", len(paths), len(paths), len(paths))
	if !strings.Contains(r.stderr, note) {
		t.Errorf("stderr lacks %q:\n%s", note, r.stderr)
	}
	if !strings.Contains(sized.stderr, "96x96 (--size)") {
		t.Errorf("--size 96: stderr does not say the maps were resized to it:\n%s", sized.stderr)
	}
}
