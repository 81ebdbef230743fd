package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
)

// TestSynthPresetRCPRODemo: synth --preset rcpro-demo writes one ground
// truth and a maps folder per behaviour; score gives, for each, the numbers
// of the library path (synth.RCPRODemo, then evaluate), flags given beside
// the preset replacing its own values.
func TestSynthPresetRCPRODemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	r := mustRun(t, "synth", "--preset", "rcpro-demo", "--data", dir, "--images-per-category", "24", "--image-size", "96", "--seed", "3")
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("synth --preset printed %v", r)
	}
	opts := synth.RCPRODemoOptions()
	opts.Images, opts.Size, opts.Seed = 24, 96, 3
	runs, err := synth.RCPRODemo(opts)
	if err != nil {
		t.Fatal(err)
	}
	values := map[synth.Behaviour][2]float64{}
	for _, r := range runs {
		maps := filepath.Join(dir, r.Behaviour.String())
		rep := parseReport(t, mustRun(t, "score", "--maps", maps, "--data", filepath.Join(dir, synth.RCPRODemoTruth), "--format", "json").stdout)
		lib, err := evaluate.Category(&r.Categories[0], metric.DefaultSettings, evaluate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Categories) != 1 || rep.Categories[0].Name != "demo" || rep.Categories[0].Images != opts.Images {
			t.Fatalf("%s: categories %+v, want demo with %d images", maps, rep.Categories, opts.Images)
		}
		got := rep.Categories[0].Pixel
		for k, want := range map[string]metric.Value{"auroc": lib.Pixel.AUROC, "aupro": lib.Pixel.AUPRO, "rcpro": lib.Pixel.RCPRO} {
			if got[k] == nil || !want.OK() || *got[k] != want.V {
				t.Errorf("%s: pixel %s %v, library %v", maps, k, got[k], want)
			}
		}
		if got["aupro"] != nil && got["rcpro"] != nil {
			values[r.Behaviour] = [2]float64{*got["aupro"], *got["rcpro"]}
		}
	}
	// Even this small draw shows the point: the halo keeps AUPRO, not RCPRO.
	tight, over := values[synth.Tight], values[synth.OverSegmenting]
	if tight[0]-over[0] > 0.1 || tight[1]-over[1] < 0.2 {
		t.Errorf("AUPRO, RCPRO: tight %v, over-segmenting %v", tight, over)
	}

	for _, args := range [][]string{
		{"--preset", "rcpro", "--data", dir},
		{"--preset", "rcpro-demo", "--data", dir, "--anomalous", "2"},
		{"--preset", "rcpro-demo", "--data", dir, "--image-size", "4"},
		{"--preset", "rcpro-demo", "--data", dir, "--image-size", "2000"},
	} {
		r := zsadbench(append([]string{"synth"}, args...)...)
		if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || r.stdout != "" {
			t.Errorf("synth %s: want one line on stderr and exit 1, got %v", strings.Join(args, " "), r)
		}
		checkNoCrash(t, r)
	}
}
