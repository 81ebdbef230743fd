package main

import (
	"bytes"
	"encoding/csv"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/curve"
)

// synthSet writes a small synthetic MVTec-layout dataset (maps and masks in
// one folder) with the synth command and returns its folder.
func synthSet(t *testing.T, seed int, cats string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "synth"+strconv.Itoa(seed))
	mustRun(t, "synth", "--data", dir, "--categories", cats, "--images-per-category", "10", "--image-size", "24", "--seed", strconv.Itoa(seed))
	return dir
}

// tableColumns are the metrics of the table's columns, in order.
var tableColumns = []struct{ group, key string }{
	{"image", "auroc"}, {"image", "ap"}, {"image", "f1_max"},
	{"pixel", "auroc"}, {"pixel", "ap"}, {"pixel", "f1_max"}, {"pixel", "aupro"}, {"pixel", "rcpro"},
}

// rowValues returns a report row's values in table column order (nil =
// null); name "mean" is the mean row.
func rowValues(rep jsonReport, name string) []*float64 {
	img, pix := rep.Mean.Image, rep.Mean.Pixel
	for _, c := range rep.Categories {
		if c.Name == name {
			img, pix = c.Image, c.Pixel
		}
	}
	var out []*float64
	for _, col := range tableColumns {
		if col.group == "image" {
			out = append(out, img[col.key])
		} else {
			out = append(out, pix[col.key])
		}
	}
	return out
}

func percent(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(100**v, 'f', 1, 64)
}

// TestFormats prints every format of one run and checks each against the
// JSON values; --out writes the same bytes to a file and nothing on stdout.
func TestFormats(t *testing.T) {
	data := synthSet(t, 3, "2")
	base := []string{"score", "--maps", data, "--data", data}
	rep := parseReport(t, mustRun(t, append(base, "--format", "json")...).stdout)
	if len(rep.Categories) != 2 {
		t.Fatalf("%d categories, want 2", len(rep.Categories))
	}
	names := []string{rep.Categories[0].Name, rep.Categories[1].Name, "mean"}

	outputs := map[string]string{}
	for _, format := range []string{"table", "json", "csv", "markdown", "latex"} {
		r := mustRun(t, append(base, "--format", format)...)
		if strings.TrimSpace(r.stdout) == "" {
			t.Fatalf("%s: nothing on stdout", format)
		}
		if r.stderr != "" {
			t.Errorf("%s: stderr not empty for a clean run:\n%s", format, r.stderr)
		}
		outputs[format] = r.stdout

		out := filepath.Join(t.TempDir(), "results."+format)
		r2 := mustRun(t, append(base, "--format", format, "--out", out)...)
		if r2.stdout != "" {
			t.Errorf("%s --out: stdout not empty:\n%s", format, r2.stdout)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("%s --out: %v", format, err)
		}
		if string(b) != r.stdout {
			t.Errorf("%s --out: file differs from stdout:\n%s\nvs\n%s", format, b, r.stdout)
		}
		if left := dirEntries(t, filepath.Dir(out)); !slices.Equal(left, []string{filepath.Base(out)}) {
			t.Errorf("%s --out: folder holds %v, want only the output", format, left)
		}
	}

	t.Run("table", func(t *testing.T) {
		cell := regexp.MustCompile(`^(\d{1,3}\.\d|-)$`)
		rows := map[string][]string{}
		for _, line := range strings.Split(outputs["table"], "\n") {
			f := strings.Fields(line)
			if len(f) == 9 {
				rows[f[0]] = f[1:]
			}
		}
		if h := rows["category"]; !slices.Equal(h, []string{"I-AUROC", "I-AP", "I-F1max", "P-AUROC", "P-AP", "P-F1max", "AUPRO", "RCPRO"}) {
			t.Errorf("table header %v", h)
		}
		for _, name := range names {
			row, ok := rows[name]
			if !ok {
				t.Errorf("table has no %s row:\n%s", name, outputs["table"])
				continue
			}
			for i, v := range rowValues(rep, name) {
				if !cell.MatchString(row[i]) {
					t.Errorf("%s %s: %q is not a percentage with one decimal", name, tableColumns[i].key, row[i])
				}
				if want := percent(v); row[i] != want {
					t.Errorf("%s %s %s: %q, want %q", name, tableColumns[i].group, tableColumns[i].key, row[i], want)
				}
			}
		}
		if !strings.Contains(outputs["table"], "values in %") {
			t.Errorf("table does not say its values are percentages:\n%s", outputs["table"])
		}
	})

	t.Run("csv", func(t *testing.T) {
		recs, err := csv.NewReader(strings.NewReader(outputs["csv"])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		wantHeader := []string{"category", "images", "anomalous_images", "pixels"}
		for _, col := range tableColumns {
			wantHeader = append(wantHeader, col.group+"_"+col.key)
		}
		wantHeader = append(wantHeader, "evaluation_size", "maps_resized", "protocol", "zsadbench_version") // provenance
		if !slices.Equal(recs[0], wantHeader) {
			t.Fatalf("csv header %v, want %v", recs[0], wantHeader)
		}
		if len(recs) != 1+len(names) {
			t.Fatalf("csv has %d rows, want %d", len(recs), 1+len(names))
		}
		for i, name := range names {
			rec := recs[1+i]
			if rec[0] != name {
				t.Errorf("csv row %d is %q, want %q", i+1, rec[0], name)
			}
			if i < len(rep.Categories) {
				c := rep.Categories[i]
				if rec[1] != strconv.Itoa(c.Images) || rec[2] != strconv.Itoa(c.AnomalousImages) || rec[3] != strconv.FormatInt(c.Pixels, 10) {
					t.Errorf("csv %s counts %v", name, rec[1:4])
				}
			}
			for j, v := range rowValues(rep, name) {
				got := rec[4+j]
				if v == nil {
					if got != "" {
						t.Errorf("csv %s col %d = %q, want empty (null)", name, j, got)
					}
					continue
				}
				if f, err := strconv.ParseFloat(got, 64); err != nil || f != *v {
					t.Errorf("csv %s %s = %q, want %v (full precision)", name, tableColumns[j].key, got, *v)
				}
			}
		}
	})

	t.Run("markdown", func(t *testing.T) {
		md := outputs["markdown"]
		for _, name := range names {
			var row string
			for _, line := range strings.Split(md, "\n") {
				if strings.HasPrefix(line, "| "+name+" |") || strings.HasPrefix(line, "| **"+name+"** |") {
					row = line
				}
			}
			if row == "" {
				t.Errorf("markdown has no %s row:\n%s", name, md)
				continue
			}
			cells := strings.Split(strings.Trim(row, "| "), " | ")
			var want []string
			for _, v := range rowValues(rep, name) {
				want = append(want, percent(v))
			}
			if !slices.Equal(cells[1:], want) {
				t.Errorf("markdown %s row %v, want %v", name, cells[1:], want)
			}
		}
	})

	t.Run("latex", func(t *testing.T) {
		tex := outputs["latex"]
		for _, s := range []string{`\begin{tabular}`, `\end{tabular}`, `\toprule`, `\bottomrule`} {
			if !strings.Contains(tex, s) {
				t.Errorf("latex lacks %s:\n%s", s, tex)
			}
		}
		for _, name := range names {
			var want []string
			for _, v := range rowValues(rep, name) {
				want = append(want, percent(v))
			}
			label := name
			if name == "mean" {
				label = "Mean"
			}
			row := label + " & " + strings.Join(want, " & ") + ` \\`
			if !strings.Contains(tex, row) {
				t.Errorf("latex lacks the row %q:\n%s", row, tex)
			}
		}
	})
}

// TestCurvesAndPlots: --curves writes every kind of curve for every category,
// readable by curve.ReadCSV, and results.json with the run's numbers;
// --plot-dir writes PDF figures; plot draws two runs into one PNG.
func TestCurvesAndPlots(t *testing.T) {
	a, b := synthSet(t, 1, "2"), synthSet(t, 2, "2")
	tmp := t.TempDir()
	ca, cb, plotDir := filepath.Join(tmp, "curves-a"), filepath.Join(tmp, "curves-b"), filepath.Join(tmp, "plots")
	r := mustRun(t, "score", "--maps", a, "--data", a, "--format", "json", "--curves", ca, "--plot-dir", plotDir)
	rep := parseReport(t, r.stdout)
	mustRun(t, "score", "--maps", b, "--data", b, "--curves", cb)

	res, err := os.ReadFile(filepath.Join(ca, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(res) != r.stdout {
		t.Errorf("results.json differs from the JSON on stdout")
	}
	for _, c := range rep.Categories {
		for _, kind := range curve.Kinds() {
			path := filepath.Join(ca, curve.FileName(c.Name, kind))
			cv, err := readCurveFile(path)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if cv.Len() < 2 {
				t.Errorf("%s: %d points", path, cv.Len())
			}
			for i := range cv.X {
				if !(cv.X[i] >= 0 && cv.X[i] <= 1 && cv.Y[i] >= 0 && cv.Y[i] <= 1) {
					t.Errorf("%s: point %d (%v, %v) outside [0, 1]", path, i, cv.X[i], cv.Y[i])
					break
				}
			}
			pdf := filepath.Join(plotDir, strings.TrimSuffix(curve.FileName(c.Name, kind), ".csv")+".pdf")
			checkPrefix(t, pdf, "%PDF")
		}
	}
	for _, kind := range curve.Kinds() {
		checkPrefix(t, filepath.Join(plotDir, string(kind)+".pdf"), "%PDF")
	}

	fig := filepath.Join(tmp, "fig", "x.png")
	if err := os.MkdirAll(filepath.Dir(fig), 0o755); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, "plot", "--run", "a="+ca, "--run", "b="+cb, "--kind", "pro-rc", "--out", fig, "--dpi", "72")
	if r.stdout != "" {
		t.Errorf("plot printed on stdout:\n%s", r.stdout)
	}
	f, err := os.Open(fig)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", fig, err)
	}
	if s := img.Bounds().Size(); s.X < 100 || s.Y < 50 {
		t.Errorf("%s is %v", fig, s)
	}
	if left := dirEntries(t, filepath.Dir(fig)); !slices.Equal(left, []string{"x.png"}) {
		t.Errorf("figure folder holds %v", left)
	}

	one := filepath.Join(tmp, "fig", "one.pdf")
	mustRun(t, "plot", "--run", "a="+ca, "--run", "b="+cb, "--kind", "roc", "--category", rep.Categories[0].Name, "--out", one)
	checkPrefix(t, one, "%PDF")

	// A folder that is not a run, and a missing category, are errors.
	r = zsadbench("plot", "--run", "a="+filepath.Join(tmp, "nope"), "--out", filepath.Join(tmp, "fig", "y.png"))
	if r.code != 1 || !strings.Contains(r.stderr, "nope") {
		t.Errorf("plot of a missing run folder: %v", r)
	}
	r = zsadbench("plot", "--run", "a="+ca, "--category", "nosuch", "--out", filepath.Join(tmp, "fig", "y.png"))
	if r.code != 1 || !strings.Contains(r.stderr, "nosuch") {
		t.Errorf("plot of a missing category: %v", r)
	}
	checkNoCrash(t, r)
	if _, err := os.Stat(filepath.Join(tmp, "fig", "y.png")); err == nil {
		t.Errorf("failed plot left y.png behind")
	}
}

func checkPrefix(t *testing.T, path, prefix string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	if !bytes.HasPrefix(b, []byte(prefix)) {
		t.Errorf("%s does not start with %q", path, prefix)
	}
}

// TestDeterminism: --workers 1, 2 and 4 give byte-identical JSON, as do two
// runs with the same flags, on both threshold grids.
func TestDeterminism(t *testing.T) {
	data := synthSet(t, 4, "3")
	for _, grid := range []string{"exact", "steps:200"} {
		var first string
		for i, w := range []string{"1", "2", "4", "4"} {
			r := mustRun(t, "score", "--maps", data, "--data", data, "--format", "json", "--thresholds", grid, "--workers", w)
			if i == 0 {
				first = r.stdout
				checkFractions(t, parseReport(t, r.stdout))
				continue
			}
			if r.stdout != first {
				t.Errorf("%s: --workers %s output differs from --workers 1", grid, w)
			}
		}
	}
}

// TestSynthThenScore: synth's output scores with every value in [0, 1] and
// the counts synth promises.
func TestSynthThenScore(t *testing.T) {
	data := synthSet(t, 7, "bottle,screw")
	rep := parseReport(t, mustRun(t, "score", "--maps", data, "--data", data, "--format", "json").stdout)
	if len(rep.Categories) != 2 || rep.Categories[0].Name != "bottle" || rep.Categories[1].Name != "screw" {
		t.Fatalf("categories %+v", rep.Categories)
	}
	for _, c := range rep.Categories {
		if c.Images != 10 || c.Pixels != 10*24*24 || c.AnomalousImages != 3 {
			t.Errorf("%s: images %d, anomalous %d, pixels %d; want 10, 3, %d", c.Name, c.Images, c.AnomalousImages, c.Pixels, 10*24*24)
		}
		for _, k := range imageKeys {
			if c.Image[k] == nil {
				t.Errorf("%s image %s is null", c.Name, k)
			}
		}
		for _, k := range paperPixelKeys {
			if c.Pixel[k] == nil {
				t.Errorf("%s pixel %s is null", c.Name, k)
			}
		}
	}
	checkFractions(t, rep)
	// The same seed writes the same files.
	again := synthSet(t, 7, "bottle,screw")
	for _, rel := range dirEntries(t, data) {
		a, errA := os.ReadFile(filepath.Join(data, rel))
		b, errB := os.ReadFile(filepath.Join(again, rel))
		if (errA == nil) != (errB == nil) || !bytes.Equal(a, b) {
			t.Errorf("synth is not deterministic: %s differs", rel)
		}
	}
}

// TestScoreHelp: score --help names every flag, and gives the default of
// every flag that has one.
func TestScoreHelp(t *testing.T) {
	r := mustRun(t, "score", "--help")
	help := r.stdout
	lines := map[string]string{}
	for _, line := range strings.Split(help, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[0], "--") {
			lines[strings.TrimPrefix(strings.TrimSuffix(f[0], ","), "--")] = line
		}
	}
	for _, fl := range scoreCommand().Flags {
		name := fl.Names()[0]
		if v, ok := fl.(cli.VisibleFlag); ok && !v.IsVisible() {
			continue // an old spelling, kept for one release
		}
		line, ok := lines[name]
		if !ok {
			t.Errorf("help does not list --%s:\n%s", name, help)
			continue
		}
		if n := strings.Count(line, "(default:"); n > 1 {
			t.Errorf("--%s shows %d defaults: %s", name, n, strings.TrimSpace(line))
		}
		if d, ok := fl.(cli.DocGenerationFlag); ok && d.GetUsage() == "" {
			t.Errorf("--%s has no explanation", name)
		}
	}
	// DESIGN.md's defaults, as a user reads them.
	for name, def := range map[string]string{
		"thresholds": `"exact"`, "fpr-limit": "0.3", "rcpro-tau": "0.05", "rcpro-delta": "2",
		"connectivity": "8", "rc-average": `"pooled"`, "format": `"table"`, "layout": `"auto"`,
		"workers": "0", "size": "0", "strict-size": "false", "metrics": `"paper"`,
	} {
		if line := lines[name]; !strings.Contains(line, "(default: "+def+")") {
			t.Errorf("--%s: help does not give the default %s: %s", name, def, strings.TrimSpace(line))
		}
	}
	for _, cmd := range []string{"plot", "predict", "run", "synth"} {
		r := mustRun(t, cmd, "--help")
		if !strings.Contains(r.stdout, "zsadbench "+cmd) {
			t.Errorf("%s --help:\n%s", cmd, r.stdout)
		}
	}
	if r := mustRun(t, "--help"); !strings.Contains(r.stdout, "score") {
		t.Errorf("zsadbench --help does not list score:\n%s", r.stdout)
	}
}

// TestLayoutAutoAndCategories: --layout auto finds an MVTec dataset, and
// --categories restricts the run.
func TestLayoutAutoAndCategories(t *testing.T) {
	data := synthSet(t, 5, "3")
	all := parseReport(t, mustRun(t, "score", "--maps", data, "--data", data, "--format", "json").stdout)
	if all.Settings["layout"] != "mvtec" {
		t.Errorf("auto layout picked %v", all.Settings["layout"])
	}
	if len(all.Categories) != 3 {
		t.Fatalf("%d categories", len(all.Categories))
	}
	name := all.Categories[1].Name
	one := parseReport(t, mustRun(t, "score", "--maps", data, "--data", data, "--format", "json", "--categories", name).stdout)
	if len(one.Categories) != 1 || one.Categories[0].Name != name {
		t.Fatalf("--categories %s gave %+v", name, one.Categories)
	}
	compareValues(t, name+" image", one.Categories[0].Image, all.Categories[1].Image, imageKeys, 0)
	compareValues(t, name+" pixel", one.Categories[0].Pixel, all.Categories[1].Pixel, pixelKeys, 0)
	r := zsadbench("score", "--maps", data, "--data", data, "--categories", "nosuch")
	if r.code != 1 || !strings.Contains(r.stderr, "nosuch") {
		t.Errorf("--categories nosuch: %v", r)
	}
}

// TestSize: --size N evaluates every image at NxN, whatever the map and mask
// sizes.
func TestSize(t *testing.T) {
	s := newFlatSet(t)
	writeFile(t, filepath.Join(s.pred, "b.npy"), npyBytes(t, 5, 7, make([]float32, 35)))
	rep := parseReport(t, mustRun(t, "score", "--maps", s.pred, "--data", s.gt, "--layout", "flat", "--format", "json", "--size", "16").stdout)
	if len(rep.Categories) != 1 || rep.Categories[0].Pixels != 3*16*16 {
		t.Fatalf("--size 16: %+v", rep.Categories)
	}
	if rep.Settings["size"] != 16.0 {
		t.Errorf("settings.size = %v, want 16", rep.Settings["size"])
	}
	checkFractions(t, rep)
}
