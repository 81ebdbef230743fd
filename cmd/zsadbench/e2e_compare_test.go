package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// synthModels writes synth --models k data and returns its folder.
func synthModels(t *testing.T, k int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "models")
	mustRun(t, "synth", "--data", dir, "--models", strconv.Itoa(k), "--categories", "bolt,nut", "--images-per-category", "14", "--image-size", "32", "--seed", "5")
	return dir
}

// compactJSON returns raw without insignificant space.
func compactJSON(t *testing.T, raw []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCompareEqualsScore: compare on synth --models 3 gives exactly the
// values of three separate score runs, whether it scores the maps or reads
// score's results, in every format; LaTeX and Markdown mark the right
// cells.
func TestCompareEqualsScore(t *testing.T) {
	dir := synthModels(t, 3)
	names := []string{"A", "B", "C"}
	var fromMaps, fromFiles []string
	scores := map[string][]byte{}
	for i, n := range names {
		maps := filepath.Join(dir, "model"+strconv.Itoa(i+1))
		out := filepath.Join(t.TempDir(), n+".json")
		mustRun(t, "score", "--maps", maps, "--data", filepath.Join(dir, "gt"), "--format", "json", "--out", out)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		scores[n] = b
		fromMaps = append(fromMaps, "--run", n+"="+maps)
		fromFiles = append(fromFiles, "--run", n+"="+out)
	}
	jsonMaps := mustRun(t, append([]string{"compare", "--data", filepath.Join(dir, "gt"), "--format", "json"}, fromMaps...)...).stdout
	jsonFiles := mustRun(t, append([]string{"compare", "--format", "json"}, fromFiles...)...).stdout
	if jsonMaps != jsonFiles {
		t.Errorf("compare of maps and of results files differ:\n%s\n%s", jsonMaps, jsonFiles)
	}
	var got struct{ Runs []map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(jsonMaps), &got); err != nil || len(got.Runs) != 3 {
		t.Fatalf("%v: %s", err, jsonMaps)
	}
	for i, n := range names {
		var want map[string]json.RawMessage
		if err := json.Unmarshal(scores[n], &want); err != nil {
			t.Fatal(err)
		}
		run := got.Runs[i]
		if string(run["name"]) != strconv.Quote(n) || len(run) != len(want)+1 {
			t.Errorf("run %d: name %s, keys %d, score's %d", i, run["name"], len(run), len(want))
		}
		for k, v := range want {
			if compactJSON(t, run[k]) != compactJSON(t, v) {
				t.Errorf("run %s: %q differs from score's:\n%s\n%s", n, k, run[k], v)
			}
		}
	}

	// CSV: each run's rows are score's, after the model's name.
	csvOut := mustRun(t, append([]string{"compare", "--format", "csv"}, fromFiles...)...).stdout
	for i, n := range names {
		maps := filepath.Join(dir, "model"+strconv.Itoa(i+1))
		rows := strings.Split(strings.TrimSpace(mustRun(t, "score", "--maps", maps, "--data", filepath.Join(dir, "gt"), "--format", "csv").stdout), "\n")
		for _, row := range rows[1:] {
			if !strings.Contains(csvOut, "\n"+n+","+row+"\n") {
				t.Errorf("compare CSV lacks %s's row %s:\n%s", n, row, csvOut)
			}
		}
	}

	// LaTeX and Markdown: the cells are score's percentages; bold where
	// none is greater, underlined where exactly one is (three models).
	reps := map[string]jsonReport{}
	for _, n := range names {
		reps[n] = parseReport(t, string(scores[n]))
	}
	latex := mustRun(t, append([]string{"compare", "--format", "latex"}, fromFiles...)...).stdout
	markdown := mustRun(t, append([]string{"compare", "--format", "markdown"}, fromFiles...)...).stdout
	for _, row := range []string{"bolt", "nut", "mean"} {
		var tex, md []string
		for col := range tableColumns {
			var vals []string
			for _, n := range names {
				vals = append(vals, percent(rowValues(reps[n], row)[col]))
			}
			for _, v := range vals {
				greater := 0
				for _, u := range vals {
					if parseFloat(t, u) > parseFloat(t, v) {
						greater++
					}
				}
				switch greater {
				case 0:
					tex, md = append(tex, `\textbf{`+v+`}`), append(md, "**"+v+"**")
				case 1:
					tex, md = append(tex, `\underline{`+v+`}`), append(md, "<u>"+v+"</u>")
				default:
					tex, md = append(tex, v), append(md, v)
				}
			}
		}
		label, mdLabel := row, row
		if row == "mean" {
			label, mdLabel = "Mean", "**mean**"
		}
		if want := label + " & " + strings.Join(tex, " & ") + ` \\`; !strings.Contains(latex, want+"\n") {
			t.Errorf("LaTeX lacks\n%s\n%s", want, latex)
		}
		if want := "| " + mdLabel + " | " + strings.Join(md, " | ") + " |"; !strings.Contains(markdown, want+"\n") {
			t.Errorf("Markdown lacks\n%s\n%s", want, markdown)
		}
	}
	if !strings.Contains(latex, `\multicolumn{3}{c}{I-AUROC} & \multicolumn{3}{c}{I-AP}`) || !strings.Contains(latex, "Category & A & B & C & A & B & C") {
		t.Errorf("LaTeX header:\n%s", latex)
	}
}

func parseFloat(t *testing.T, s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCompareOptions: --metrics, --decimals, --rows models, --mean-only,
// --categories (the mean over them is score's for them).
func TestCompareOptions(t *testing.T) {
	dir := synthModels(t, 2)
	runs := []string{"--data", filepath.Join(dir, "gt"), "--run", "weak=" + filepath.Join(dir, "model1"), "--run", "strong=" + filepath.Join(dir, "model2")}
	r := mustRun(t, append([]string{"compare", "--metrics", "P-AUROC,aupro", "--decimals", "3", "--rows", "models", "--format", "markdown", "--categories", "nut"}, runs...)...)
	one := parseReport(t, mustRun(t, "score", "--maps", filepath.Join(dir, "model2"), "--data", filepath.Join(dir, "gt"), "--categories", "nut", "--format", "json").stdout)
	want := "| strong | **" + strconv.FormatFloat(100**one.Categories[0].Pixel["auroc"], 'f', 3, 64) + "** | **" +
		strconv.FormatFloat(100**one.Mean.Pixel["auroc"], 'f', 3, 64) + "** | **" +
		strconv.FormatFloat(100**one.Categories[0].Pixel["aupro"], 'f', 3, 64) + "**"
	if !strings.Contains(r.stdout, "| model | P-AUROC (nut) | P-AUROC (mean) | AUPRO (nut) | AUPRO (mean) |") || !strings.Contains(r.stdout, want) {
		t.Errorf("lacks %q:\n%s", want, r.stdout)
	}
	r = mustRun(t, append([]string{"compare", "--mean-only", "--rows", "models", "--metrics", "image"}, runs...)...)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !regexp.MustCompile(`^\s*model\s+I-AUROC\s+I-AP\s+I-F1max\s*$`).MatchString(lines[0]) || !strings.HasPrefix(strings.TrimSpace(lines[2]), "strong ") {
		t.Errorf("mean-only table:\n%s", r.stdout)
	}
	// Only the metrics asked for are computed.
	r = mustRun(t, append([]string{"compare", "--metrics", "AUPRO", "--format", "json"}, runs...)...)
	if !strings.Contains(r.stdout, `"metrics": "aupro"`) || !strings.Contains(r.stdout, `"auroc": null`) {
		t.Errorf("--metrics AUPRO computed more:\n%s", r.stdout)
	}
}

func TestCompareMixed(t *testing.T) {
	dir := synthModels(t, 2)
	a, b := filepath.Join(t.TempDir(), "a.json"), filepath.Join(t.TempDir(), "b.json")
	mustRun(t, "score", "--maps", filepath.Join(dir, "model1"), "--data", filepath.Join(dir, "gt"), "--format", "json", "--out", a)
	mustRun(t, "score", "--maps", filepath.Join(dir, "model2"), "--data", filepath.Join(dir, "gt"), "--format", "json", "--out", b, "--thresholds", "steps:50", "--categories", "nut")
	r := zsadbench("compare", "--run", "A="+a, "--run", "B="+b)
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "thresholds (A: exact; B: steps:50)") ||
		!strings.Contains(r.stderr, "test set (A: 2 categories") || !strings.Contains(r.stderr, "--allow-mixed") || r.stdout != "" {
		t.Errorf("mixed runs: %v", r)
	}
	r = mustRun(t, "compare", "--run", "A="+a, "--run", "B="+b, "--allow-mixed", "--format", "latex")
	if !strings.Contains(r.stdout, `\footnotesize Runs differ in thresholds: A: exact; B: steps:50.}`) || !strings.Contains(r.stdout, `bolt & `) {
		t.Errorf("allowed mixed runs:\n%s", r.stdout)
	}
}

func TestCompareErrors(t *testing.T) {
	dir := synthModels(t, 1)
	res := filepath.Join(t.TempDir(), "r.json")
	mustRun(t, "score", "--maps", filepath.Join(dir, "model1"), "--data", filepath.Join(dir, "gt"), "--format", "json", "--out", res)
	notJSON := filepath.Join(t.TempDir(), "x.json")
	writeFile(t, notJSON, []byte("category,images\n"))
	maps := filepath.Join(dir, "model1")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "--run is required"},
		{[]string{"--run", "A"}, `--run "A": want NAME=PATH`},
		{[]string{"--run", "A=" + dir + "/none.json"}, "--run A: stat " + dir + "/none.json"},
		{[]string{"--run", "A=" + notJSON}, "--run A: " + notJSON + ": not a JSON object of results"},
		{[]string{"--run", "A=" + res, "--run", "A=" + res}, `run name "A"`},
		{[]string{"--run", "A=" + res, "--size", "64"}, "--size applies to runs scored from maps"},
		{[]string{"--run", "A=" + maps}, "--run A: --data is required"},
		{[]string{"--run", "A=" + res, "--rows", "x"}, `--rows "x"`},
		{[]string{"--run", "A=" + res, "--decimals", "11"}, "--decimals 11"},
		{[]string{"--run", "A=" + res, "--metrics", "auc"}, `--metrics: metric "auc"`},
		{[]string{"--run", "A=" + res, "--format", "xml"}, `--format "xml"`},
		{[]string{"--run", "A=" + res, "--categories", "screw"}, `category "screw" is in no run`},
		{[]string{"--run", "A=" + maps, "--data", filepath.Join(dir, "gt"), "--categories", "screw"}, `--run A: unknown category "screw"`},
	} {
		r := zsadbench(append([]string{"compare"}, tc.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("compare %s: want one line with %q, got %v", strings.Join(tc.args, " "), tc.want, r)
		}
		checkNoCrash(t, r)
	}
}

// TestScoreByDefect: each row per defect is exactly score of the category's
// normal images and that type's anomalous ones (through a protocol file),
// on both grids.
func TestScoreByDefect(t *testing.T) {
	const data = "../../testdata/example"
	keysFile := filepath.Join(t.TempDir(), "keys.txt")
	mustRun(t, "score", "--maps", data, "--data", data, "--categories", "capsule", "--protocol-out", keysFile)
	b, err := os.ReadFile(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	keys := strings.Fields(string(b))
	for _, grid := range []string{"exact", "steps:40"} {
		rep := mustRun(t, "score", "--maps", data, "--data", data, "--by", "defect", "--format", "json", "--thresholds", grid)
		var got struct {
			Categories []struct {
				Name    string                       `json:"name"`
				Defects []map[string]json.RawMessage `json:"defects"`
			} `json:"categories"`
		}
		if err := json.Unmarshal([]byte(rep.stdout), &got); err != nil {
			t.Fatal(err)
		}
		if got.Categories[0].Name != "capsule" || len(got.Categories[0].Defects) != 3 {
			t.Fatalf("capsule's rows per defect: %s", rep.stdout)
		}
		for _, row := range got.Categories[0].Defects {
			var name string
			json.Unmarshal(row["name"], &name)
			var sub []string
			for _, k := range keys {
				if strings.Contains(k, "/good/") || strings.Contains(k, "/"+name+"/") {
					sub = append(sub, k)
				}
			}
			p := filepath.Join(t.TempDir(), "sub.txt")
			writeFile(t, p, []byte(strings.Join(sub, "\n")+"\n"))
			one := mustRun(t, "score", "--maps", data, "--data", data, "--categories", "capsule", "--protocol-in", p, "--format", "json", "--thresholds", grid)
			var want struct{ Categories []map[string]json.RawMessage }
			json.Unmarshal([]byte(one.stdout), &want)
			w := want.Categories[0]
			w["name"] = json.RawMessage(strconv.Quote(name))
			for k, v := range w {
				if compactJSON(t, row[k]) != compactJSON(t, v) {
					t.Errorf("%s: capsule/%s %s = %s, score of its images %s", grid, name, k, row[k], v)
				}
			}
		}
	}
	r := mustRun(t, "score", "--maps", data, "--data", data, "--by", "defect", "--format", "csv")
	if !strings.Contains(r.stdout, "category,defect,images,") || !strings.Contains(r.stdout, "\nscrew,scratch,") {
		t.Errorf("CSV:\n%s", r.stdout)
	}
	if r := zsadbench("score", "--maps", data, "--data", data, "--by", "image"); r.code != 1 || !strings.Contains(r.stderr, `--by "image": want category or defect`) {
		t.Errorf("--by image: %v", r)
	}
}

// TestProgressLines: --progress prints plain lines on stderr and changes
// nothing on stdout; without it a pipe gets none.
func TestProgressLines(t *testing.T) {
	const data = "../../testdata/example"
	plain := mustRun(t, "score", "--maps", data, "--data", data)
	logged := mustRun(t, "score", "--maps", data, "--data", data, "--progress")
	if plain.stdout != logged.stdout || plain.stderr != "" {
		t.Errorf("--progress changed stdout, or progress without it:\n%v\n%v", plain, logged)
	}
	for _, want := range []string{"reading   0/48 images, capsule\n", "computing 16/48 images, ", "/s, ETA ", "done      48/48 images in "} {
		if !strings.Contains(logged.stderr, want) {
			t.Errorf("progress lacks %q:\n%s", want, logged.stderr)
		}
	}
	if strings.Contains(logged.stderr, "\r") || strings.Contains(logged.stderr, "\033") {
		t.Errorf("plain lines hold terminal controls: %q", logged.stderr)
	}
	dir := filepath.Join(t.TempDir(), "s")
	r := mustRun(t, "synth", "--data", dir, "--num-categories", "1", "--images-per-category", "4", "--image-size", "16", "--progress")
	if !strings.Contains(r.stderr, "writing   1/4 images") || !strings.Contains(r.stderr, "done      4/4 images") || r.stdout != "" {
		t.Errorf("synth --progress: %v", r)
	}
}

func TestSynthModels(t *testing.T) {
	dir := synthModels(t, 2)
	ref := filepath.Join(t.TempDir(), "ref")
	mustRun(t, "synth", "--data", ref, "--categories", "bolt,nut", "--images-per-category", "14", "--image-size", "32", "--seed", "5")
	a := mustRun(t, "score", "--maps", filepath.Join(dir, "model2"), "--data", filepath.Join(dir, "gt")).stdout
	if b := mustRun(t, "score", "--maps", ref, "--data", ref).stdout; a != b {
		t.Errorf("model 2 of 2 is not the maps synth writes without --models:\n%s\n%s", a, b)
	}
	if r := zsadbench("synth", "--data", dir, "--models", "-1"); r.code != 1 || !strings.Contains(r.stderr, "--models -1") {
		t.Errorf("--models -1: %v", r)
	}
}
