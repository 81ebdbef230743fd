package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/mapio"
)

// TestPredictMapSize: predict --map-size model upsamples and smooths every
// map at the model's input size (32 for the tiny model) and says so in
// maps.json; score reads it and warns only when the maps are evaluated at
// another fixed size than they were smoothed at; run --protocol anomalyclip
// smooths and evaluates at the model's size.
func TestPredictMapSize(t *testing.T) {
	requireORT(t)
	images, sizes := imageSet(t)
	tmp := t.TempDir()
	model := filepath.Join(tmp, "tiny.onnx")
	writeFile(t, model, tinyModel())
	atModel, atImage := filepath.Join(tmp, "model"), filepath.Join(tmp, "image")
	mustRun(t, "predict", "--model", model, "--data", images, "--maps", atModel, "--provider", "cpu", "--map-size", "model")
	mustRun(t, "predict", "--model", model, "--data", images, "--maps", atImage, "--provider", "cpu")
	for key := range sizes {
		m, err := mapio.ReadMap(filepath.Join(atModel, filepath.FromSlash(key)+".npy"))
		if err != nil || m.Width != 32 || m.Height != 32 {
			t.Errorf("%s: map %dx%d (%v), want 32x32", key, m.Width, m.Height, err)
		}
	}
	for dir, want := range map[string]backend.MapsInfo{
		atModel: {Backend: "dive", Model: "tiny.onnx", InputSize: 32, MapSize: "32x32", Sigma: 4},
		atImage: {Backend: "dive", Model: "tiny.onnx", InputSize: 32, MapSize: "image", Sigma: 4},
	} {
		var got backend.MapsInfo
		b, err := os.ReadFile(filepath.Join(dir, "maps.json"))
		if err != nil || json.Unmarshal(b, &got) != nil || got != want {
			t.Errorf("%s/maps.json = %s (%v), want %+v", dir, b, err, want)
		}
	}
	score := func(pred string, extra ...string) cliResult {
		return mustRun(t, append([]string{"score", "--maps", pred, "--data", images, "--scores", filepath.Join(pred, "scores.csv"), "--format", "json"}, extra...)...)
	}
	// At the ground truth's size: maps at 32x32 are resized, with the note.
	if r := score(atModel); !strings.Contains(r.stderr, "resized 4 of 4 maps") || strings.Contains(r.stderr, "warning") {
		t.Errorf("score of maps at the model's size:\n%s", r.stderr)
	}
	// At the size they were smoothed at: nothing to say.
	if r := score(atModel, "--size", "32"); strings.Contains(r.stderr, "warning") || strings.Contains(r.stderr, "resized") {
		t.Errorf("score --size 32 of maps smoothed at 32x32:\n%s", r.stderr)
	}
	// Smoothed at each image's size, evaluated at 32x32: a warning.
	if r := score(atImage, "--size", "32"); !strings.Contains(r.stderr, "warning: the maps were upsampled and smoothed at each image's size (maps.json) and are evaluated at 32x32") {
		t.Errorf("score --size 32 of maps smoothed at image size:\n%s", r.stderr)
	}
	// run --protocol anomalyclip: the model's size for both.
	r := mustRun(t, "run", "--model", model, "--data", images, "--provider", "cpu", "--protocol", "anomalyclip", "--format", "json")
	rep := parseReport(t, r.stdout)
	if rep.Settings["size"] != float64(32) || strings.Contains(r.stderr, "warning: the maps") {
		t.Errorf("run --protocol anomalyclip: size %v, stderr:\n%s", rep.Settings["size"], r.stderr)
	}
	want := score(atModel, "--protocol", "anomalyclip", "--size", "32")
	if got, w := parseReport(t, r.stdout), parseReport(t, want.stdout); len(got.Categories) != 1 {
		t.Fatalf("categories %+v", got.Categories)
	} else {
		compareValues(t, "image", got.Categories[0].Image, w.Categories[0].Image, imageKeys, 0)
		compareValues(t, "pixel", got.Categories[0].Pixel, w.Categories[0].Pixel, pixelKeys, 0)
	}
	if r := zsadbench("predict", "--model", model, "--data", images, "--maps", filepath.Join(tmp, "x"), "--map-size", "huge"); r.code != 1 || !strings.Contains(r.stderr, "--map-size") {
		t.Errorf("--map-size huge: %v", r)
	}
}
