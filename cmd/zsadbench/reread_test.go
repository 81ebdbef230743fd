package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestStepsRereadROC checks that computing the exact pixel metrics by
// rereading a category in batches (past --hold-pixels) changes nothing.
func TestStepsRereadROC(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if r := zsadbench("synth", "--data", dir, "--num-categories", "2", "--images-per-category", "12", "--image-size", "64", "--seed", "5"); r.code != 0 {
		t.Fatalf("synth: %s", r.stderr)
	}
	args := []string{"score", "--maps", dir, "--data", dir, "--thresholds", "steps:50", "--format", "json"}
	held := zsadbench(args...)
	reread := zsadbench(append(args, "--hold-pixels", "3000")...)
	if held.code != 0 || reread.code != 0 {
		t.Fatalf("exit %d, %d: %s %s", held.code, reread.code, held.stderr, reread.stderr)
	}
	if held.stdout != reread.stdout {
		t.Errorf("rereading changes the report:\n%s\nwant\n%s", reread.stdout, held.stdout)
	}
	// Without the pixel metrics the category is read twice (the first read
	// only for the score range): AUPRO and RCPRO must not change.
	twice := zsadbench(append(args, "--metrics", "aupro,rcpro")...)
	if twice.code != 0 {
		t.Fatalf("exit %d: %s", twice.code, twice.stderr)
	}
	type report struct {
		Categories []struct {
			Pixel struct{ AUPRO, RCPRO *float64 }
		}
	}
	var a, b report
	if err := json.Unmarshal([]byte(held.stdout), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(twice.stdout), &b); err != nil {
		t.Fatal(err)
	}
	if len(a.Categories) != 2 || len(b.Categories) != 2 {
		t.Fatalf("%d and %d categories", len(a.Categories), len(b.Categories))
	}
	for i := range a.Categories {
		x, y := a.Categories[i].Pixel, b.Categories[i].Pixel
		if x.AUPRO == nil || y.AUPRO == nil || *x.AUPRO != *y.AUPRO || x.RCPRO == nil || y.RCPRO == nil || *x.RCPRO != *y.RCPRO {
			t.Errorf("category %d: read twice %+v, once %+v", i, y, x)
		}
	}
}
