package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/perimage"
)

// TestPerImageFiles: --per-image writes one record per image, as CSV or
// JSON Lines by extension, and refuses other extensions before running.
func TestPerImageFiles(t *testing.T) {
	data := synthSet(t, 31, "a,b")
	dir := t.TempDir()
	csvPath, jsonlPath := filepath.Join(dir, "r.csv"), filepath.Join(dir, "r.jsonl")
	rep := parseReport(t, mustRun(t, "score", "--maps", data, "--data", data, "--metrics", "all", "--format", "json", "--per-image", csvPath).stdout)
	images := 0
	for _, c := range rep.Categories {
		images += c.Images
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], perimage.Columns) || len(rows) != images+1 {
		t.Fatalf("CSV header %v and %d rows, want %v and %d", rows[0], len(rows)-1, perimage.Columns, images)
	}
	if rows[1][1] != "a" || !strings.HasPrefix(rows[1][0], "a/test/") || rows[1][3] != "anomalous" && rows[1][3] != "normal" {
		t.Errorf("first row %v", rows[1])
	}
	mustRun(t, "score", "--maps", data, "--data", data, "--per-image", jsonlPath)
	b, err := os.ReadFile(jsonlPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != images {
		t.Fatalf("%d JSON lines, want %d", len(lines), images)
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || len(m) != len(perimage.Columns) {
			t.Fatalf("line %s: %v (%d keys)", l, err, len(m))
		}
	}
	bad := filepath.Join(dir, "r.txt")
	r := zsadbench("score", "--maps", data, "--data", data, "--per-image", bad)
	if r.code != 1 || !strings.Contains(r.stderr, "--per-image") || r.stdout != "" {
		t.Errorf("a .txt file: %v", r)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("the refused file was written")
	}
}

// TestBootstrapCLI: --bootstrap adds intervals to JSON and the table; the
// same seed gives the same bytes for any --workers; a bad level is refused.
func TestBootstrapCLI(t *testing.T) {
	data := synthSet(t, 32, "a,b")
	args := []string{"score", "--maps", data, "--data", data, "--bootstrap", "40", "--seed", "5", "--format", "json"}
	one := mustRun(t, append(args, "--workers", "1")...).stdout
	two := mustRun(t, append(args, "--workers", "2")...).stdout
	if one != two {
		t.Error("--workers 1 and 2 give different intervals")
	}
	var rep struct {
		Settings struct {
			Bootstrap struct {
				Replicates int     `json:"replicates"`
				Seed       uint64  `json:"seed"`
				Confidence float64 `json:"confidence"`
			} `json:"bootstrap"`
		} `json:"settings"`
		Categories []struct {
			Pixel  map[string]*float64            `json:"pixel"`
			CILow  map[string]map[string]*float64 `json:"ci_low"`
			CIHigh map[string]map[string]*float64 `json:"ci_high"`
		} `json:"categories"`
		Mean struct {
			CILow map[string]map[string]*float64 `json:"ci_low"`
		} `json:"mean"`
	}
	if err := json.Unmarshal([]byte(one), &rep); err != nil {
		t.Fatal(err)
	}
	if b := rep.Settings.Bootstrap; b.Replicates != 40 || b.Seed != 5 || b.Confidence != 0.95 {
		t.Errorf("settings' bootstrap %+v", b)
	}
	for _, c := range rep.Categories {
		lo, hi := c.CILow["pixel"]["auroc"], c.CIHigh["pixel"]["auroc"]
		if lo == nil || hi == nil || *lo > *hi {
			t.Errorf("pixel AUROC interval [%v, %v]", lo, hi)
		}
	}
	if rep.Mean.CILow["image"]["auroc"] == nil {
		t.Error("no interval for the mean")
	}
	other := mustRun(t, "score", "--maps", data, "--data", data, "--bootstrap", "40", "--seed", "6", "--format", "json").stdout
	if other == one {
		t.Error("another seed gives the same output")
	}
	table := mustRun(t, "score", "--maps", data, "--data", data, "--bootstrap", "20").stdout
	if !strings.Contains(table, " [") || !strings.Contains(table, "bootstrap interval, 20 replicates") {
		t.Errorf("table without intervals:\n%s", table)
	}
	for _, bad := range [][]string{{"--bootstrap", "20", "--confidence", "1.5"}, {"--bootstrap", "-1"}, {"--pimo-thresholds", "1"}} {
		r := zsadbench(append([]string{"score", "--maps", data, "--data", data}, bad...)...)
		if r.code != 1 || !strings.Contains(r.stderr, bad[len(bad)-2]) {
			t.Errorf("%v: %v", bad, r)
		}
	}
}

// TestSignificanceCLI: a run against the same maps never differs; JSON has
// one comparison per (category or mean, metric, test); bad runs are
// refused.
func TestSignificanceCLI(t *testing.T) {
	data := synthSet(t, 33, "a,b")
	r := mustRun(t, "significance", "--run", "x="+data, "--run", "y="+data, "--data", data, "--bootstrap", "30", "--metrics", "all", "--format", "json")
	var res struct {
		Runs        []string `json:"runs"`
		Comparisons []struct {
			A, B, Category, Metric, Test string
			PValue                       *float64 `json:"p_value"`
			Significant                  bool     `json:"significant"`
		} `json:"comparisons"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if !slices.Equal(res.Runs, []string{"x", "y"}) || len(res.Comparisons) == 0 {
		t.Fatalf("runs %v, %d comparisons", res.Runs, len(res.Comparisons))
	}
	tests := map[string]bool{}
	for _, c := range res.Comparisons {
		tests[c.Test] = true
		if c.Significant || c.PValue != nil && *c.PValue != 1 {
			t.Errorf("a run against itself: %+v (p %v)", c, *c.PValue)
		}
	}
	if !tests["bootstrap"] || !tests["delong"] {
		t.Errorf("tests %v", tests)
	}
	table := mustRun(t, "significance", "--run", "x="+data, "--run", "y="+data, "--data", data, "--bootstrap", "10").stdout
	if !strings.Contains(table, "image.auroc") || strings.Contains(table, "x *") || strings.Contains(table, "y *") {
		t.Errorf("table:\n%s", table)
	}
	for _, bad := range [][]string{
		{"--run", "x=" + data, "--data", data},
		{"--run", "x=" + data, "--run", "x=" + data, "--data", data},
		{"--run", data, "--run", "y=" + data, "--data", data},
		{"--run", "x=" + data, "--run", "y=" + filepath.Join(data, "nothing"), "--data", data},
	} {
		r := zsadbench(append([]string{"significance"}, bad...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "--run") {
			t.Errorf("%v: %v", bad, r)
		}
		checkNoCrash(t, r)
	}
}
