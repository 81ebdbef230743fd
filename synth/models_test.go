package synth_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
)

// TestQualityKeepsMasks: every Quality gives the same masks (and names), and
// different maps.
func TestQualityKeepsMasks(t *testing.T) {
	base := collect(t, small)
	for _, q := range []float64{0.4, 0.7, 2} {
		o := small
		o.Quality = q
		imgs := collect(t, o)
		if len(imgs) != len(base) {
			t.Fatalf("quality %v: %d images, want %d", q, len(imgs), len(base))
		}
		differ := 0
		for i := range imgs {
			a, b := imgs[i], base[i]
			if a.Category != b.Category || a.Defect != b.Defect || a.ID != b.ID || !slices.Equal(a.Mask, b.Mask) {
				t.Fatalf("quality %v: image %d (%s/%s/%s) has another mask or name", q, i, a.Category, a.Defect, a.ID)
			}
			if !slices.Equal(a.Scores, b.Scores) {
				differ++
			}
		}
		if differ != len(imgs) {
			t.Errorf("quality %v: %d of %d maps differ from quality 1's", q, differ, len(imgs))
		}
	}
	// Quality 1 is the default detector, bit for bit.
	o := small
	o.Quality = 1
	for i, img := range collect(t, o) {
		if err := sameImage(img, base[i]); err != nil {
			t.Fatal(err)
		}
	}
}

// TestModelsImprove: the models of WriteModels get better in every mean
// metric, on data large enough for the trend to be clear.
func TestModelsImprove(t *testing.T) {
	o := synth.Options{Categories: 3, Images: 40, Size: 64, Seed: 3}
	const k = 3
	var prev *evaluate.Report
	for m := 1; m <= k; m++ {
		o.Quality = synth.ModelQuality(m, k)
		var cats []metric.Category
		err := synth.Generate(o, func(img synth.Image) error {
			if len(cats) == 0 || cats[len(cats)-1].Name != img.Category {
				cats = append(cats, metric.Category{Name: img.Category})
			}
			c := &cats[len(cats)-1]
			c.Images = append(c.Images, metric.Image{Name: img.ID, Width: img.Width, Height: img.Height, Scores: img.Scores, Mask: img.Mask})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := evaluate.Dataset(context.Background(), evaluate.Categories(cats), metric.DefaultSettings, evaluate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil {
			for _, v := range []struct {
				name      string
				was, this metric.Value
			}{
				{"image AUROC", prev.Mean.Image.AUROC, rep.Mean.Image.AUROC},
				{"pixel AUROC", prev.Mean.Pixel.AUROC, rep.Mean.Pixel.AUROC},
				{"pixel AP", prev.Mean.Pixel.AP, rep.Mean.Pixel.AP},
				{"AUPRO", prev.Mean.Pixel.AUPRO, rep.Mean.Pixel.AUPRO},
			} {
				if !(v.this.V > v.was.V) {
					t.Errorf("model %d's mean %s %.4f is not above model %d's %.4f", m, v.name, v.this.V, m-1, v.was.V)
				}
			}
		}
		prev = rep
	}
}

func TestWriteModels(t *testing.T) {
	dir, ref := t.TempDir(), t.TempDir()
	var calls, last int
	o := small
	o.Progress = func(done, total int) {
		calls++
		if done != calls || total != 3*3*14 {
			t.Errorf("progress %d/%d at call %d", done, total, calls)
		}
		last = done
	}
	if err := synth.WriteModels(dir, o, 3); err != nil {
		t.Fatal(err)
	}
	if last != 3*3*14 {
		t.Errorf("progress ended at %d", last)
	}
	if err := synth.WriteMVTec(ref, small); err != nil {
		t.Fatal(err)
	}
	got, want := readTree(t, dir), readTree(t, ref)
	// The masks and model 3's maps are WriteMVTec's files; models 1 and 2
	// have a map for every map of it, with other values.
	n := 0
	for p, b := range want {
		if strings.HasSuffix(p, "_mask.png") {
			if !bytes.Equal(got[synth.ModelsTruth+"/"+p], b) {
				t.Errorf("mask %s differs", p)
			}
			n++
			continue
		}
		if !bytes.Equal(got["model3/"+p], b) {
			t.Errorf("model3/%s is not WriteMVTec's map", p)
		}
		for _, m := range []string{"model1", "model2"} {
			if g, ok := got[m+"/"+p]; !ok || bytes.Equal(g, b) {
				t.Errorf("%s/%s: present %v, equal to model3's", m, p, ok)
			}
		}
		n++
	}
	if n == 0 || len(got) != len(want)+2*(len(want)-countMasks(want)) {
		t.Errorf("%d files written, reference %d", len(got), len(want))
	}

	for _, k := range []int{0, 101} {
		if err := synth.WriteModels(t.TempDir(), small, k); err == nil {
			t.Errorf("%d models: no error", k)
		}
	}
	for _, q := range []float64{-1, 4.5} {
		o := small
		o.Quality = q
		if err := synth.Generate(o, func(synth.Image) error { return nil }); err == nil {
			t.Errorf("quality %v: no error", q)
		}
	}
}

func countMasks(files map[string][]byte) int {
	n := 0
	for p := range files {
		if strings.HasSuffix(p, "_mask.png") {
			n++
		}
	}
	return n
}
