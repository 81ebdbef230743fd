package main

import (
	"path/filepath"
	"testing"
)

// TestStepsRereadROC checks that computing the exact pixel metrics by
// rereading a category in batches (past --hold-pixels) changes nothing.
func TestStepsRereadROC(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if r := zsadbench("synth", "--out", dir, "--categories", "2", "--images", "12", "--size", "64", "--seed", "5"); r.code != 0 {
		t.Fatalf("synth: %s", r.stderr)
	}
	args := []string{"score", "--pred", dir, "--gt", dir, "--thresholds", "steps:50", "--format", "json"}
	held := zsadbench(args...)
	reread := zsadbench(append(args, "--hold-pixels", "3000")...)
	if held.code != 0 || reread.code != 0 {
		t.Fatalf("exit %d, %d: %s %s", held.code, reread.code, held.stderr, reread.stderr)
	}
	if held.stdout != reread.stdout {
		t.Errorf("rereading changes the report:\n%s\nwant\n%s", reread.stdout, held.stdout)
	}
}
