package main

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/plots"
)

// TestViz: the qualitative figure of the rcpro-demo preset's runs (one
// ground truth, maps of several behaviours, no input images): PNG at the
// two-column width, the same bytes at every run, the neutral background
// announced; --gt still works; explicit keys; errors name what is wrong.
func TestViz(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	mustRun(t, "synth", "--preset", "rcpro-demo", "--data", dir, "--images-per-category", "20", "--image-size", "64")
	out := filepath.Join(t.TempDir(), "fig.png")
	args := []string{"viz", "--run", "tight=" + filepath.Join(dir, "tight"), "--run", "blurred=" + filepath.Join(dir, "blurred"),
		"--data", filepath.Join(dir, "gt"), "--out", out, "--dpi", "60", "--select", "most-anomalous,hardest-normal,disagreement", "--per-category", "2"}
	r := mustRun(t, args...)
	if r.stdout != "" {
		t.Errorf("viz printed on stdout:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "neutral grey") || !strings.Contains(r.stderr, "wrote "+out+" (rows: 6, models: 2)") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	first, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != int(math.Round(float64(plots.TwoColumn)/72*60)) {
		t.Errorf("figure %d px wide at 60 dpi, want two columns", w)
	}
	mustRun(t, args...)
	if again, _ := os.ReadFile(out); !bytes.Equal(first, again) {
		t.Error("a second run drew other pixels")
	}

	// --gt is --data's old name; explicit keys; PDF.
	pdf := filepath.Join(t.TempDir(), "fig.pdf")
	r = mustRun(t, "viz", "--run", "tight="+filepath.Join(dir, "tight"), "--gt", filepath.Join(dir, "gt"), "--out", pdf,
		"--images", "demo/test/blob/000,demo/test/good/000", "--normalize", "fixed:0,1")
	if !strings.Contains(r.stderr, "--gt is deprecated") || !strings.Contains(r.stderr, "(rows: 2, models: 1)") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	checkPrefix(t, pdf, "%PDF")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--images", "demo/test/blob/999"}, "demo/test/blob/999"},
		{[]string{"--normalize", "fixed:1,0"}, "--normalize"},
		{[]string{"--select", "best"}, `image choice "best"`},
		{[]string{"--select", "disagreement"}, "needs two different runs"},
		{[]string{"--out", filepath.Join(t.TempDir(), "x.gif")}, "--out"},
	} {
		a := []string{"viz", "--run", "tight=" + filepath.Join(dir, "tight"), "--data", filepath.Join(dir, "gt"), "--out", out}
		a = append(a, tc.args...)
		r := zsadbench(a...)
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %v", tc.args, r)
		}
	}
}
