package synth_test

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"slices"
	"testing"

	"codeberg.org/sbinet/npyio"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
)

// demoReports scores every behaviour of the demonstration with evaluate's
// defaults, as zsadbench score does.
func demoReports(t *testing.T, opts synth.Options) []*evaluate.CategoryReport {
	t.Helper()
	runs, err := synth.RCPRODemo(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := metric.DefaultSettings
	s.Metrics = metric.SelectPixel | metric.SelectAUPRO | metric.SelectRCPRO
	reps := make([]*evaluate.CategoryReport, len(runs))
	for i, r := range runs {
		if r.Behaviour != synth.Behaviour(i) || len(r.Categories) != 1 {
			t.Fatalf("run %d is %v with %d categories", i, r.Behaviour, len(r.Categories))
		}
		if reps[i], err = evaluate.Category(&r.Categories[0], s, evaluate.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	return reps
}

// TestRCPRODemoMakesItsPoint checks what README's "Why RCPRO" says of the
// rcpro-demo preset, not its digits: AUPRO (and pixel AUROC) barely tell the
// failing behaviours from the tight maps, RCPRO does; and the values are the
// same on every run.
func TestRCPRODemoMakesItsPoint(t *testing.T) {
	reps := demoReports(t, synth.RCPRODemoOptions())
	type pixel struct{ auroc, aupro, rcpro float64 }
	m := make([]pixel, len(reps))
	for i, r := range reps {
		for _, v := range []error{r.Pixel.AUROC.Err, r.Pixel.AUPRO.Err, r.Pixel.RCPRO.Err} {
			if v != nil {
				t.Fatalf("%v: %v", synth.Behaviour(i), v)
			}
		}
		m[i] = pixel{r.Pixel.AUROC.V, r.Pixel.AUPRO.V, r.Pixel.RCPRO.V}
		t.Logf("%-16v pixel AUROC %.4f  AUPRO %.4f  RCPRO %.4f", synth.Behaviour(i), m[i].auroc, m[i].aupro, m[i].rcpro)
	}
	tight := m[synth.Tight]
	if tight.aupro < 0.95 || tight.rcpro < 0.8 {
		t.Errorf("tight maps: AUPRO %.4f, RCPRO %.4f; want both high", tight.aupro, tight.rcpro)
	}
	// AUPRO within 0.1 of the tight maps', RCPRO at least 0.3 lower.
	for _, b := range []synth.Behaviour{synth.OverSegmenting, synth.FalsePositives, synth.Fragmented} {
		if d := math.Abs(m[b].aupro - tight.aupro); d > 0.1 {
			t.Errorf("%v: AUPRO %.4f differs from tight's %.4f by %.4f; want at most 0.1", b, m[b].aupro, tight.aupro, d)
		}
		if d := tight.rcpro - m[b].rcpro; d < 0.3 {
			t.Errorf("%v: RCPRO %.4f is %.4f below tight's %.4f; want at least 0.3", b, m[b].rcpro, d, tight.rcpro)
		}
	}
	// False positives on normal images leave pixel AUROC nearly unchanged.
	if d := math.Abs(m[synth.FalsePositives].auroc - tight.auroc); d > 0.01 {
		t.Errorf("false positives: pixel AUROC %.4f differs from tight's %.4f by %.4f; want at most 0.01",
			m[synth.FalsePositives].auroc, tight.auroc, d)
	}
	// Blurring costs both.
	if b := m[synth.Blurred]; b.aupro >= tight.aupro || b.rcpro >= tight.rcpro {
		t.Errorf("blurred: AUPRO %.4f, RCPRO %.4f; want both below tight's", b.aupro, b.rcpro)
	}

	// Run to run: the same values.
	again := demoReports(t, synth.RCPRODemoOptions())
	for i := range reps {
		// (Compared as text: a metric not computed is NaN, never == itself.)
		if fmt.Sprint(reps[i].Pixel) != fmt.Sprint(again[i].Pixel) {
			t.Errorf("%v: %+v, then %+v", synth.Behaviour(i), reps[i].Pixel, again[i].Pixel)
		}
	}
}

// The demonstration's ground truth is Generate's, and every map has a value
// for every pixel.
func TestRCPRODemoGroundTruth(t *testing.T) {
	opts := synth.Options{Names: []string{"a", "b"}, Images: 6, Size: 48, Seed: 3, AnomalousFraction: 0.5}
	want := collect(t, opts)
	k := 0
	err := synth.GenerateRCPRODemo(opts, func(im synth.DemoImage) error {
		w := want[k]
		k++
		if im.Category != w.Category || im.Defect != w.Defect || im.ID != w.ID || im.Width != w.Width || im.Height != w.Height {
			t.Fatalf("image %d is %s/%s/%s, Generate's %s/%s/%s", k-1, im.Category, im.Defect, im.ID, w.Category, w.Defect, w.ID)
		}
		if !slices.Equal(im.Mask, w.Mask) {
			t.Errorf("%s/%s/%s: mask differs from Generate's", im.Category, im.Defect, im.ID)
		}
		if len(im.Maps) != len(synth.Behaviours()) {
			t.Fatalf("%d maps", len(im.Maps))
		}
		for b, scores := range im.Maps {
			if len(scores) != im.Width*im.Height {
				t.Fatalf("%v map has %d values", synth.Behaviour(b), len(scores))
			}
			for _, s := range scores {
				if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
					t.Fatalf("%v map: %v", synth.Behaviour(b), s)
				}
			}
		}
		return nil
	})
	if err != nil || k != len(want) {
		t.Fatalf("%d images, error %v; want %d", k, err, len(want))
	}
	if err := synth.GenerateRCPRODemo(synth.Options{Names: []string{"a/b"}, Images: 2, Size: 16}, nil); err == nil {
		t.Error("a category name with '/' was accepted")
	}
}

// WriteRCPRODemo writes the ground truth once and each behaviour's maps:
// RCPRODemo's, and no other file.
func TestWriteRCPRODemo(t *testing.T) {
	opts := synth.Options{Names: []string{"demo"}, Images: 4, Size: 32, Seed: 2, AnomalousFraction: 0.5}
	dir := t.TempDir()
	if err := synth.WriteRCPRODemo(dir, opts); err != nil {
		t.Fatal(err)
	}
	files := readTree(t, dir)
	err := synth.GenerateRCPRODemo(opts, func(im synth.DemoImage) error {
		for b, want := range im.Maps {
			path := fmt.Sprintf("%v/%s/test/%s/%s.npy", synth.Behaviour(b), im.Category, im.Defect, im.ID)
			var got []float32
			if err := npyio.Read(bytes.NewReader(files[path]), &got); err != nil || !slices.Equal(got, want) {
				t.Errorf("%s: not the map RCPRODemo makes (error %v)", path, err)
			}
			delete(files, path)
		}
		path := fmt.Sprintf("%s/%s/ground_truth/%s/%s_mask.png", synth.RCPRODemoTruth, im.Category, im.Defect, im.ID)
		if im.Defect == "good" {
			return nil
		}
		img, err := png.Decode(bytes.NewReader(files[path]))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for i, m := range im.Mask {
			if r, _, _, _ := img.At(i%im.Width, i/im.Width).RGBA(); (r > 0) != m {
				t.Fatalf("%s: pixel %d is %d, want anomalous %v", path, i, r, m)
			}
		}
		delete(files, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for path := range files {
		t.Errorf("%s written too", path)
	}
}
