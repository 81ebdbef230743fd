package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const exampleDir = "../../testdata/example"

// exampleScores writes a scores file with a row for each of the example's
// images (keys from exampleMaps), plus extra rows, leaving out the keys in
// skip; it returns its path and the keys, sorted.
func exampleScores(t *testing.T, skip []string, extra ...string) (string, []string) {
	t.Helper()
	var keys []string
	for k := range exampleMaps(t) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rows := []string{"path,score"}
	for i, k := range keys {
		if !slices.Contains(skip, k) {
			rows = append(rows, fmt.Sprintf("%s.png,%g", k, float64(i%7)/7))
		}
	}
	rows = append(rows, extra...)
	p := filepath.Join(t.TempDir(), "scores.csv")
	writeFile(t, p, []byte(strings.Join(rows, "\n")+"\n"))
	return p, keys
}

// checkFails runs the command and checks exit status 1 with one stderr line
// holding every part of want.
func checkFails(t *testing.T, args []string, want ...string) {
	t.Helper()
	r := zsadbench(args...)
	checkNoCrash(t, r)
	line := strings.TrimSpace(r.stderr)
	if r.code != 1 || strings.Contains(line, "\n") || r.stdout != "" {
		t.Fatalf("exit %d, want 1 with one line on stderr and nothing on stdout:\n%v", r.code, r)
	}
	for _, w := range want {
		if !strings.Contains(line, w) {
			t.Errorf("stderr lacks %q:\n%s", w, line)
		}
	}
}

// TestScoresPolicy: a --scores file must give every image exactly one
// score, and every row must name an image.
func TestScoresPolicy(t *testing.T) {
	score := func(scores string, extra ...string) []string {
		return append([]string{"score", "--maps", exampleDir, "--data", exampleDir, "--scores", scores, "--format", "json"}, extra...)
	}
	full, keys := exampleScores(t, nil)
	mustRun(t, score(full)...)

	// Missing rows: an error, unless asked for the old behaviour.
	partial, _ := exampleScores(t, keys[:2])
	checkFails(t, score(partial), "has no score for 2 of 48 images", keys[0], "--allow-missing-scores")
	r := mustRun(t, score(partial, "--allow-missing-scores")...)
	if !strings.Contains(r.stderr, "warning: --scores "+partial+" has no score for 2 of 48 images") {
		t.Errorf("no warning with --allow-missing-scores:\n%s", r.stderr)
	}
	if rep := parseReport(t, r.stdout); !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "no score for 2") }) {
		t.Errorf("the JSON's warnings lack the missing scores: %v", rep.Warnings)
	}

	// A row that names no image.
	stray, _ := exampleScores(t, nil, "capsule/test/good/999.png,0.5", "bottle/test/good/000,0.1")
	checkFails(t, score(stray), "2 row(s) name no image", `line 50 ("capsule/test/good/999.png")`, `line 51 ("bottle/test/good/000")`)
	// ... is allowed when a subset of the dataset is evaluated.
	mustRun(t, score(stray, "--categories", "capsule,screw,tile")...)

	// Two rows for one image: the key and a path ending with it.
	twice, _ := exampleScores(t, nil, "/data/example/"+keys[5]+".png,0.9")
	checkFails(t, score(twice), "lines 7 and 50", keys[5], "both give a score for image")
}

// TestRepeatedMaps: score evaluates one folder of maps; a second --maps
// (or --pred, its old name) is an error, not a silent replacement of the
// first.
func TestRepeatedMaps(t *testing.T) {
	other := t.TempDir()
	checkFails(t, []string{"score", "--maps", exampleDir, "--maps", other, "--data", exampleDir}, "--maps given twice", other)
	r := zsadbench("score", "--pred", exampleDir, "--pred", other, "--data", exampleDir)
	if r.code != 1 || !strings.Contains(r.stderr, "--pred given twice") {
		t.Errorf("--pred twice: %v", r)
	}
}

// TestOutFormatFromExtension: --out's extension picks the format when
// --format is not given; --format wins when it is.
func TestOutFormatFromExtension(t *testing.T) {
	dir := t.TempDir()
	base := []string{"score", "--maps", exampleDir, "--data", exampleDir}
	read := func(name string, extra ...string) string {
		p := filepath.Join(dir, name)
		mustRun(t, append(append(slices.Clone(base), "--out", p), extra...)...)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(read("res.json")), &v); err != nil {
		t.Errorf("res.json is not JSON: %v", err)
	}
	for name, prefix := range map[string]string{
		"res.CSV": "category,images,", "res.md": "| category |", "res.tex": "% zsadbench", "res.txt": "  category", "res": "  category",
	} {
		if got := read(name); !strings.HasPrefix(got, prefix) {
			t.Errorf("%s starts %q, want %q", name, got[:min(len(got), 20)], prefix)
		}
	}
	if got := read("explicit.json", "--format", "csv"); !strings.HasPrefix(got, "category,") {
		t.Errorf("--format csv --out explicit.json wrote %q", got[:20])
	}
	checkFails(t, append(slices.Clone(base), "--out", filepath.Join(dir, "res.xlsx")), `".xlsx" names no report format`, "--format")
	if _, err := os.Stat(filepath.Join(dir, "res.xlsx")); err == nil {
		t.Error("res.xlsx written")
	}
}

// TestCategoryFolder: one category's folders (--pred maps/capsule --gt
// example/capsule), or one of them, give that category as the whole dataset
// restricted to it does.
func TestCategoryFolder(t *testing.T) {
	want := mustRun(t, "score", "--maps", exampleDir, "--data", exampleDir, "--categories", "capsule", "--format", "json").stdout
	capsule := filepath.Join(exampleDir, "capsule")
	for _, args := range [][]string{
		{"--maps", capsule, "--data", capsule, "--layout", "mvtec"},
		{"--maps", capsule, "--data", capsule},
		{"--maps", capsule, "--data", exampleDir, "--layout", "mvtec"},
	} {
		r := mustRun(t, append(append([]string{"score"}, args...), "--format", "json")...)
		got, w := parseReport(t, r.stdout), parseReport(t, want)
		if len(got.Categories) != 1 || got.Categories[0].Name != "capsule" {
			t.Fatalf("%v: categories %+v", args, got.Categories)
		}
		compareValues(t, "image", got.Categories[0].Image, w.Categories[0].Image, imageKeys, 0)
		compareValues(t, "pixel", got.Categories[0].Pixel, w.Categories[0].Pixel, pixelKeys, 0)
	}
}
