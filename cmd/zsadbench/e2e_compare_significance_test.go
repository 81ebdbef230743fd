package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCompareSignificance: compare --bootstrap --significance on synth
// --models 3 (model 3 the best, model 1 the worst) shows intervals in every
// cell, marks model 3's mean P-AUROC and AUPRO as significant wins and no
// cell of model 1; a model compared with itself is never marked; JSON has
// the comparisons; LaTeX compiles; results files are refused.
func TestCompareSignificance(t *testing.T) {
	dir := synthModels(t, 3)
	gt := filepath.Join(dir, "gt")
	runs := []string{"--run", "A=" + filepath.Join(dir, "model1"), "--run", "B=" + filepath.Join(dir, "model2"), "--run", "C=" + filepath.Join(dir, "model3")}
	base := append([]string{"compare", "--data", gt, "--bootstrap", "500", "--seed", "1", "--significance", "--metrics", "I-AUROC,P-AUROC,AUPRO", "--rows", "models", "--mean-only"}, runs...)
	table := mustRun(t, base...).stdout
	rows := map[string]string{}
	for _, l := range strings.Split(table, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			rows[f[0]] = l
		}
	}
	cell := regexp.MustCompile(`\d+\.\d\*? \[\d+\.\d, \d+\.\d\]`)
	for _, m := range []string{"A", "B", "C"} {
		if n := len(cell.FindAllString(rows[m], -1)); n != 3 {
			t.Errorf("row %s has %d cells with an interval, want 3:\n%s", m, n, table)
		}
	}
	if strings.Count(rows["C"], "*") < 2 || strings.Contains(rows["A"], "*") {
		t.Errorf("want C's pixel metrics marked and nothing of A:\n%s", table)
	}
	if !strings.Contains(table, "* significantly better than every other model: p < 0.05 after Holm's correction") {
		t.Errorf("no footnote:\n%s", table)
	}

	self := mustRun(t, "compare", "--data", gt, "--bootstrap", "500", "--significance", "--run", "X="+filepath.Join(dir, "model3"), "--run", "Y="+filepath.Join(dir, "model3")).stdout
	if lines := strings.Split(self, "\n"); strings.Contains(strings.Join(lines[:len(lines)-2], "\n"), "*") {
		t.Errorf("a model against itself is marked:\n%s", self)
	}

	js := mustRun(t, append(slices.Clone(base), "--format", "json")...).stdout
	var got struct {
		Runs        []map[string]json.RawMessage
		Comparisons []map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(js), &got); err != nil || len(got.Runs) != 3 || len(got.Comparisons) == 0 {
		t.Fatalf("%v: %d runs, %d comparisons", err, len(got.Runs), len(got.Comparisons))
	}
	var keys []string
	for k := range got.Comparisons[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"a", "b", "category", "ci_high", "ci_low", "diff", "metric", "p_holm", "p_value", "significant", "test"}; !slices.Equal(keys, want) {
		t.Errorf("comparison keys %v, want %v", keys, want)
	}
	found := false
	for _, c := range got.Comparisons {
		var a, b, cat, metric, test string
		var sig bool
		json.Unmarshal(c["a"], &a)
		json.Unmarshal(c["b"], &b)
		json.Unmarshal(c["category"], &cat)
		json.Unmarshal(c["metric"], &metric)
		json.Unmarshal(c["test"], &test)
		json.Unmarshal(c["significant"], &sig)
		if a == "A" && b == "C" && cat == "mean" && metric == "pixel.aupro" && test == "bootstrap" {
			var diff float64
			json.Unmarshal(c["diff"], &diff)
			found = sig && diff < 0
		}
	}
	if !found {
		t.Error("no significant comparison of A and C's mean AUPRO in favour of C")
	}
	if plain := mustRun(t, "compare", "--data", gt, "--run", runs[1], "--run", runs[3], "--format", "json").stdout; strings.Contains(plain, `"comparisons"`) {
		t.Error("comparisons without --significance")
	}

	latex := mustRun(t, append([]string{"compare", "--data", gt, "--bootstrap", "200", "--significance", "--format", "latex"}, runs...)...).stdout
	if !strings.Contains(latex, `$^\dagger$ [`) || !strings.Contains(latex, `\footnotesize $^\dagger$ significantly better`) {
		t.Errorf("LaTeX marks:\n%s", latex)
	}
	if pdflatex, err := exec.LookPath("pdflatex"); err == nil {
		tmp := t.TempDir()
		writeFile(t, filepath.Join(tmp, "table.tex"), []byte(latex))
		writeFile(t, filepath.Join(tmp, "doc.tex"), []byte("\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\\input{table}\n\\end{document}\n"))
		cmd := exec.Command(pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex")
		cmd.Dir = tmp
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("pdflatex: %v\n%s", err, out)
		} else if fi, err := os.Stat(filepath.Join(tmp, "doc.pdf")); err != nil || fi.Size() == 0 {
			t.Errorf("no PDF: %v", err)
		}
	}
	md := mustRun(t, append([]string{"compare", "--data", gt, "--bootstrap", "200", "--significance", "--format", "markdown"}, runs...)...).stdout
	if !strings.Contains(md, "†") {
		t.Errorf("Markdown marks:\n%s", md)
	}

	results := filepath.Join(t.TempDir(), "a.json")
	mustRun(t, "score", "--maps", filepath.Join(dir, "model1"), "--data", gt, "--format", "json", "--out", results)
	r := zsadbench("compare", "--data", gt, "--significance", "--run", "A="+results, "--run", runs[3])
	if r.code != 1 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "--run A is a results file") {
		t.Errorf("a results file with --significance: %v", r)
	}
}
