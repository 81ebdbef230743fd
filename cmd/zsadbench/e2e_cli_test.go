package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/internal/version"
)

// TestRenamedFlags: every old spelling still works for one release, with one
// warning naming the new flag, and gives the same results; both spellings of
// one flag are an error.
func TestRenamedFlags(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "new")
	mustRun(t, "synth", "--data", data, "--num-categories", "2", "--images-per-category", "6", "--image-size", "32", "--seed", "3")
	old := filepath.Join(dir, "old")
	r := mustRun(t, "synth", "--out", old, "--categories", "2", "--images", "6", "--size", "32", "--seed", "3")
	for _, w := range []string{"--out is deprecated", "use --data", "--images is deprecated", "use --images-per-category", "--size is deprecated", "use --image-size", "use --num-categories 2"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("synth with old flags: stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	for _, f := range []string{"cat00/test/good/000.npy", "cat01/ground_truth"} {
		a, errA := os.ReadFile(filepath.Join(data, f))
		b, errB := os.ReadFile(filepath.Join(old, f))
		if (errA == nil) != (errB == nil) || string(a) != string(b) {
			t.Errorf("%s differs between old and new synth flags (%v, %v)", f, errA, errB)
		}
	}

	want := mustRun(t, "score", "--maps", data, "--data", data, "--format", "json")
	if want.stderr != "" {
		t.Errorf("new flags: stderr %q", want.stderr)
	}
	got := mustRun(t, "score", "--pred", data, "--gt", data, "--format", "json")
	if got.stdout != want.stdout {
		t.Errorf("score --pred/--gt gives other results:\n%s\nwant\n%s", got.stdout, want.stdout)
	}
	if n := strings.Count(got.stderr, "warning:"); n != 2 || !strings.Contains(got.stderr, "--pred is deprecated") || !strings.Contains(got.stderr, "use --maps") ||
		!strings.Contains(got.stderr, "--gt is deprecated") || !strings.Contains(got.stderr, "use --data") {
		t.Errorf("score --pred/--gt: %d warnings:\n%s", n, got.stderr)
	}
	// predict's and run's old spellings reach the new flags (the run then
	// fails on the missing model, after the required flags are checked).
	for _, args := range [][]string{
		{"predict", "--model", "missing.onnx", "--images", data, "--out", filepath.Join(dir, "maps")},
		{"run", "--model", "missing.onnx", "--gt", data, "--save-maps", filepath.Join(dir, "maps")},
	} {
		r := zsadbench(args...)
		if r.code == 0 || strings.Contains(r.stderr, "is required") || strings.Count(r.stderr, "is deprecated") != 2 {
			t.Errorf("%s with old flags: exit %d\n%s", args[0], r.code, r.stderr)
		}
		checkNoCrash(t, r)
	}
	r = zsadbench("score", "--pred", data, "--maps", data, "--data", data)
	if r.code != 1 || !strings.Contains(r.stderr, "--pred and --maps are the same flag") {
		t.Errorf("both spellings: exit %d, %s", r.code, r.stderr)
	}
}

// TestUnusedFlagsAreErrors: run has no image-score file or map format to
// choose, so those flags are refused rather than ignored.
func TestUnusedFlagsAreErrors(t *testing.T) {
	for _, f := range []string{"--scores", "--map-ext"} {
		r := zsadbench("run", "--model", "m.onnx", "--data", t.TempDir(), f, "x")
		if r.code != 1 || !strings.Contains(r.stderr, "flag provided but not defined: -"+strings.TrimPrefix(f, "--")) {
			t.Errorf("run %s: exit %d, %q", f, r.code, r.stderr)
		}
		checkNoCrash(t, r)
	}
}

// TestHelpAndVersion: zsadbench help CMD is CMD --help; every command has
// an example; flags are grouped; --version is the build's.
func TestHelpAndVersion(t *testing.T) {
	for _, cmd := range []string{"score", "compare", "plot", "predict", "run", "synth"} {
		a, b := mustRun(t, "help", cmd), mustRun(t, cmd, "--help")
		if a.stdout != b.stdout {
			t.Errorf("help %s differs from %s --help", cmd, cmd)
		}
		if !strings.Contains(a.stdout, "Example:\n") || !strings.Contains(a.stdout, "      zsadbench "+cmd+" --") {
			t.Errorf("%s --help has no example:\n%s", cmd, a.stdout)
		}
		if strings.Contains(a.stdout, "--gt") || strings.Contains(a.stdout, "--pred") || strings.Contains(a.stdout, "--save-maps") {
			t.Errorf("%s --help shows an old flag name:\n%s", cmd, a.stdout)
		}
	}
	score := mustRun(t, "help", "score").stdout
	for _, s := range []string{"docs/METRICS.md", "   Input\n", "   Metrics (docs/METRICS.md)\n", "   Output\n", "--maps DIR", "--out FILE"} {
		if !strings.Contains(score, s) {
			t.Errorf("score help lacks %q", s)
		}
	}
	r := mustRun(t, "--version")
	if want := "zsadbench version " + version.Get().String() + "\n"; r.stdout != want {
		t.Errorf("--version printed %q, want %q", r.stdout, want)
	}
	// The results say which build made them.
	r = mustRun(t, "score", "--maps", "../../testdata/example", "--data", "../../testdata/example", "--format", "json")
	var rep struct{ Settings struct{ Version string } }
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Settings.Version != version.Get().String() || rep.Settings.Version == "" {
		t.Errorf("settings.version %q, want %q", rep.Settings.Version, version.Get().String())
	}
}
