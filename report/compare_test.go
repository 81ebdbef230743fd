package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
)

// runOf makes a run whose categories have the given pixel AUROCs (NaN:
// undefined) and image AUROC 0.5.
func runOf(name string, cats []string, auroc ...float64) Run {
	rep := &evaluate.Report{Settings: evaluate.Settings{Settings: metric.DefaultSettings, SourceInfo: evaluate.SourceInfo{Layout: "mvtec"}}}
	for i, c := range cats {
		v := metric.Defined(auroc[i])
		if auroc[i] != auroc[i] {
			v = metric.NoValue("pixel AUROC", "no anomalous pixel")
		}
		half := metric.Defined(0.5)
		rep.Categories = append(rep.Categories, &evaluate.CategoryReport{Name: c, Images: 10, AnomalousImages: 3, Pixels: 100,
			Image: evaluate.ImageMetrics{AUROC: half, AP: half, F1Max: half},
			Pixel: evaluate.PixelMetrics{AUROC: v, AP: half, F1Max: half, AUPRO: half, RCPRO: half}})
	}
	rep.Mean, _ = evaluate.MeanOf(rep.Categories, metric.SelectAll)
	return Run{Name: name, Report: rep}
}

var nan = func() float64 { z := 0.0; return z / z }()

func TestParseMetrics(t *testing.T) {
	for in, want := range map[string][]string{
		"all":                   MetricNames(),
		"image":                 {"I-AUROC", "I-AP", "I-F1max"},
		"p-auroc, AUPRO,rcpro":  {"P-AUROC", "AUPRO", "RCPRO"},
		"rcpro,pixel,P-AP,i-ap": {"RCPRO", "P-AUROC", "P-AP", "P-F1max", "I-AP"},
	} {
		got, err := ParseMetrics(in)
		if err != nil || !cmp.Equal(got, want) {
			t.Errorf("ParseMetrics(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "auroc", "I-AUROC,x"} {
		if _, err := ParseMetrics(in); err == nil {
			t.Errorf("ParseMetrics(%q): no error", in)
		}
	}
	if s := Selection([]string{"I-AP", "AUPRO"}); s != metric.SelectImage|metric.SelectAUPRO {
		t.Errorf("Selection = %v", s)
	}
}

// TestMarks: bold where none is greater, underlined where one is (of three
// or more), compared as printed; ties alike; dashes unmarked.
func TestMarks(t *testing.T) {
	cats := []string{"a", "b", "c", "d", "e"}
	runs := []Run{
		runOf("X", cats, 0.9, 0.90004, 0.7, 0.5, nan),
		runOf("Y", cats, 0.8, 0.89996, 0.6, 0.6, 0.4),
		runOf("Z", cats, 0.7, 0.8, 0.6, nan, nan),
	}
	o := DefaultCompareOptions
	o.Metrics = []string{"P-AUROC"}
	c, err := Compare(runs, o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.Write(&b, "markdown"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| a | **90.0** | <u>80.0</u> | 70.0 |",
		"| b | **90.0** | **90.0** | 80.0 |",           // a tie as printed: two best, no second
		"| c | **70.0** | <u>60.0</u> | <u>60.0</u> |", // two second
		"| d | 50.0 | **60.0** | – |",                  // of two, no second
		"| e | – | 40.0 | – |",                         // one alone: no mark
	} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("lacks %q:\n%s", want, b.String())
		}
	}
	// Four decimals separate b's values.
	o.Decimals = 4
	c, _ = Compare(runs, o)
	b.Reset()
	c.Write(&b, "latex")
	if !strings.Contains(b.String(), `b & \textbf{90.0040} & \underline{89.9960} & 80.0000 \\`) {
		t.Errorf("four decimals:\n%s", b.String())
	}
}

func TestCompareErrors(t *testing.T) {
	cats := []string{"a", "b"}
	x, y := runOf("X", cats, 0.9, 0.8), runOf("Y", cats, 0.9, 0.8)
	o := DefaultCompareOptions
	for _, tc := range []struct {
		runs []Run
		o    func(*CompareOptions)
		want string
	}{
		{nil, nil, "no run"},
		{[]Run{x, runOf("X", cats, 0.1, 0.2)}, nil, `run name "X"`},
		{[]Run{x, y}, func(o *CompareOptions) { o.Decimals = 11 }, "decimals"},
		{[]Run{x, y}, func(o *CompareOptions) { o.Categories = []string{"a", "q"} }, `category "q" is in no run`},
	} {
		o := o
		if tc.o != nil {
			tc.o(&o)
		}
		if _, err := Compare(tc.runs, o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}

// TestMixed: any setting, or the test set, differing is refused unless
// allowed, and then noted in every text format.
func TestMixed(t *testing.T) {
	cats := []string{"a", "b"}
	x := runOf("X", cats, 0.9, 0.8)
	for _, tc := range []struct {
		change func(r *evaluate.Report)
		want   string
	}{
		{func(r *evaluate.Report) { r.Settings.Thresholds = metric.Steps(200) }, "thresholds (X: exact; Y: steps:200)"},
		{func(r *evaluate.Report) { r.Settings.Size = 518; r.Categories[0].Pixels = 518 * 518 }, "size (X: none; Y: 518)"}, // the pixels follow
		{func(r *evaluate.Report) { r.Settings.RCPROTau = 0.1 }, "rcpro_tau (X: 0.05; Y: 0.1)"},
		{func(r *evaluate.Report) { r.Settings.Protocol = "anomalyclip" }, "protocol (X: none; Y: anomalyclip)"},
		{func(r *evaluate.Report) { r.Categories[1].Images = 9 }, "test set (X: 2 categories, 20 images (6 anomalous), 200 pixels; Y: 2 categories, 19 images (6 anomalous), 200 pixels)"},
		{func(r *evaluate.Report) { r.Categories = r.Categories[:1] }, "test set (X: 2 categories, 20 images (6 anomalous), 200 pixels; Y: 1 category, 10 images (3 anomalous), 100 pixels)"},
		{func(r *evaluate.Report) { r.Categories[0].Pixels, r.Categories[1].Pixels = 90, 110 },
			"test set (X: 2 categories, 20 images (6 anomalous), 200 pixels; a: 10 images (3 anomalous), 100 pixels; Y: 2 categories, 20 images (6 anomalous), 200 pixels; a: 10 images (3 anomalous), 90 pixels)"},
	} {
		y := runOf("Y", cats, 0.7, 0.6)
		tc.change(y.Report)
		_, err := Compare([]Run{x, y}, DefaultCompareOptions)
		var mixed *MixedError
		if !errors.As(err, &mixed) || !strings.Contains(err.Error(), tc.want) || len(mixed.Differences) != 1 {
			t.Errorf("error %v, want %q", err, tc.want)
			continue
		}
		o := DefaultCompareOptions
		o.AllowMixed = true
		c, err := Compare([]Run{x, y}, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"table", "markdown", "latex"} {
			var b bytes.Buffer
			c.Write(&b, f)
			note := "Runs differ in " + strings.Replace(tc.want, " (", ": ", 1)
			note = strings.TrimSuffix(note, ")") + "."
			if f == "latex" {
				note = latexEscaper.Replace(note)
			}
			if !strings.Contains(b.String(), note) {
				t.Errorf("%s lacks %q:\n%s", f, note, b.String())
			}
		}
	}
	// The version, the metrics computed and the maps resized to the
	// evaluation size are not differences.
	y := runOf("Y", cats, 0.7, 0.6)
	y.Report.Settings.Version = "v9"
	y.Report.Settings.Metrics = metric.SelectImage
	y.Report.Settings.Maps, y.Report.Settings.MapsResized = 20, 20
	y.Report.Settings.Resized = []evaluate.Resize{{From: "518x518", To: "10x10", Maps: 20}}
	y.Report.Settings.ResizedByCategory = map[string][]evaluate.Resize{"a": {{From: "518x518", To: "10x10", Maps: 10}}}
	if _, err := Compare([]Run{x, y}, DefaultCompareOptions); err != nil {
		t.Error(err)
	}
}

// TestLayouts checks the cells of both layouts and the mean-only table,
// and that a category subset recomputes the means.
func TestLayouts(t *testing.T) {
	cats := []string{"a", "b", "c"}
	runs := []Run{runOf("X", cats, 0.9, 0.8, 0.4), runOf("Y", cats, 0.6, 0.7, 0.5)}
	write := func(o CompareOptions, format string) string {
		c, err := Compare(runs, o)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := c.Write(&b, format); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	o := DefaultCompareOptions
	o.Metrics = []string{"P-AUROC", "I-AUROC"}
	got := write(o, "markdown")
	for _, want := range []string{
		"| category | P-AUROC (X) | P-AUROC (Y) | I-AUROC (X) | I-AUROC (Y) |",
		"| a | **90.0** | 60.0 | **50.0** | **50.0** |",
		"| **mean** | **70.0** | 60.0 | **50.0** | **50.0** |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("markdown lacks %q:\n%s", want, got)
		}
	}
	o.ModelRows = true
	got = write(o, "latex")
	for _, want := range []string{
		`\begin{tabular}{lrrrrrrrr}`,
		` & \multicolumn{4}{c}{P-AUROC} & \multicolumn{4}{c}{I-AUROC} \\`,
		`\cmidrule(lr){2-5} \cmidrule(lr){6-9}`,
		`Model & a & b & c & Mean & a & b & c & Mean \\`,
		`X & \textbf{90.0} & \textbf{80.0} & 40.0 & \textbf{70.0} & \textbf{50.0} & \textbf{50.0} & \textbf{50.0} & \textbf{50.0} \\`,
		`Y & 60.0 & 70.0 & \textbf{50.0} & 60.0 &`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("latex lacks %q:\n%s", want, got)
		}
	}
	o.MeanOnly = true
	o.Categories = []string{"c", "b"}
	got = write(o, "latex")
	for _, want := range []string{`Model & P-AUROC & I-AUROC \\`, `X & \textbf{60.0} & \textbf{50.0} \\`, `Y & \textbf{60.0} & \textbf{50.0} \\`} {
		if !strings.Contains(got, want) {
			t.Errorf("mean-only latex lacks %q:\n%s", want, got)
		}
	}
	o.MeanOnly, o.ModelRows = false, false
	got = write(o, "csv")
	// Each row ends with the run's provenance (none here: evaluation size,
	// resized maps, protocol, version).
	want := "model,category,images,anomalous_images,pixels,pixel_auroc,image_auroc,evaluation_size,maps_resized,protocol,zsadbench_version\n" +
		"X,c,10,3,100,0.4,0.5,,none,,\nX,b,10,3,100,0.8,0.5,,none,,\nX,mean,,,,0.6000000000000001,0.5,,none,,\n" +
		"Y,c,10,3,100,0.5,0.5,,none,,\nY,b,10,3,100,0.7,0.5,,none,,\nY,mean,,,,0.6,0.5,,none,,\n"
	if got != want {
		t.Errorf("csv:\n%s\nwant\n%s", got, want)
	}
	// JSON: every run whole but for the categories left out.
	var back struct {
		Runs []struct {
			Name       string `json:"name"`
			Categories []struct {
				Name string `json:"name"`
			} `json:"categories"`
			Mean struct {
				Pixel map[string]*float64 `json:"pixel"`
			} `json:"mean"`
			Settings map[string]any `json:"settings"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(write(o, "json")), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Runs) != 2 || back.Runs[1].Name != "Y" || len(back.Runs[1].Categories) != 2 || back.Runs[1].Categories[0].Name != "b" ||
		*back.Runs[1].Mean.Pixel["auroc"] != 0.6 || back.Runs[0].Settings["thresholds"] != "exact" || back.Runs[0].Mean.Pixel["rcpro"] == nil {
		t.Errorf("json: %+v", back)
	}
}

// comparisonLaTeX is a comparison with everything LaTeX must survive:
// names to escape, marks, dashes, notes.
func comparisonLaTeX(t *testing.T, modelRows bool) string {
	cats := []string{"metal_nut", "a&b", "100%"}
	runs := []Run{runOf("Win_CLIP", cats, 0.9, nan, 0.4), runOf("DIVE #1", cats, 0.6, 0.7, 0.5), runOf("x^2~{y}", cats, 0.6, 0.2, 0.1)}
	runs[2].Report.Settings.Thresholds = metric.Steps(200)
	o := DefaultCompareOptions
	o.AllowMixed, o.ModelRows = true, modelRows
	c, err := Compare(runs, o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.Write(&b, "latex"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestLaTeXStructure checks the tabular without LaTeX: every row has as
// many cells as the column specification, braces balance, and every
// special character of a name is escaped.
func TestLaTeXStructure(t *testing.T) {
	for _, modelRows := range []bool{false, true} {
		tex := comparisonLaTeX(t, modelRows)
		checkTabular(t, tex)
		for _, want := range []string{`metal\_nut`, `a\&b`, `100\%`, `Win\_CLIP`, `DIVE \#1`, `x\textasciicircum{}2\textasciitilde{}\{y\}`} {
			if !strings.Contains(tex, want) {
				t.Errorf("lacks %q:\n%s", want, tex)
			}
		}
	}
}

// checkTabular checks a booktabs tabular's shape.
func checkTabular(t *testing.T, tex string) {
	t.Helper()
	spec := regexp.MustCompile(`\\begin\{tabular\}\{(l[r]+)\}`).FindStringSubmatch(tex)
	if spec == nil || !strings.Contains(tex, "\\toprule\n") || !strings.Contains(tex, "\\bottomrule\n") || !strings.HasSuffix(tex, "\\end{tabular}\n") {
		t.Fatalf("not a booktabs tabular:\n%s", tex)
	}
	ncols := len(spec[1])
	multi := regexp.MustCompile(`\\multicolumn\{(\d+)\}`)
	for _, line := range strings.Split(tex, "\n") {
		if !strings.HasSuffix(line, `\\`) {
			continue
		}
		cells := 0
		for _, cell := range strings.Split(strings.TrimSuffix(line, `\\`), " & ") {
			if m := multi.FindStringSubmatch(cell); m != nil {
				n := 0
				for _, d := range m[1] {
					n = 10*n + int(d-'0')
				}
				cells += n
			} else {
				cells++
			}
		}
		if cells != ncols {
			t.Errorf("%d cells, want %d: %s", cells, ncols, line)
		}
		depth := 0
		for i, r := range line {
			if (r == '{' || r == '}') && (i == 0 || line[i-1] != '\\') {
				if r == '{' {
					depth++
				} else {
					depth--
				}
			}
			if depth < 0 {
				break
			}
		}
		if depth != 0 {
			t.Errorf("unbalanced braces: %s", line)
		}
	}
}

// TestLaTeXCompiles compiles the tables with pdflatex, when it is
// installed (scripts/test.sh installs it and sets ZSADBENCH_REQUIRE_LATEX).
func TestLaTeXCompiles(t *testing.T) {
	pdflatex, err := exec.LookPath("pdflatex")
	if err != nil {
		if os.Getenv("ZSADBENCH_REQUIRE_LATEX") != "" {
			t.Fatal("pdflatex not found, and ZSADBENCH_REQUIRE_LATEX is set")
		}
		t.Skip("pdflatex not installed (TestLaTeXStructure checks the tables' structure)")
	}
	var score bytes.Buffer
	r := sample()
	d := *r.Categories[0]
	d.Name = "scratch_head"
	r.Categories[0].Defects = []*evaluate.CategoryReport{&d}
	if err := Write(&score, r, "latex"); err != nil {
		t.Fatal(err)
	}
	for name, tex := range map[string]string{
		"categories": comparisonLaTeX(t, false),
		"models":     comparisonLaTeX(t, true),
		"score":      score.String(),
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "table.tex"), []byte(tex), 0o644)
		doc := "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\\input{table}\n\\end{document}\n"
		os.WriteFile(filepath.Join(dir, "doc.tex"), []byte(doc), 0o644)
		cmd := exec.Command(pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: pdflatex: %v\n%s\n%s", name, err, tex, out)
			continue
		}
		if fi, err := os.Stat(filepath.Join(dir, "doc.pdf")); err != nil || fi.Size() == 0 {
			t.Errorf("%s: no PDF: %v", name, err)
		}
	}
}

func TestReadJSON(t *testing.T) {
	var b bytes.Buffer
	r := sample()
	d := *r.Categories[0]
	d.Name = "scratch_head"
	r.Categories[0].Defects = []*evaluate.CategoryReport{&d}
	if err := Write(&b, r, "json"); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	Write(&again, got, "json")
	if again.String() != b.String() {
		t.Errorf("read back and written:\n%s\nwant\n%s", again.String(), b.String())
	}
	good := b.String()
	for _, tc := range []struct{ in, want string }{
		{"[1]", "not a JSON object"},
		{"{}", `no "settings"`},
		{strings.Replace(good, `"auroc": null,`, ``, 1), `category 0 ("metal_nut"): no image "auroc"`},
		{strings.Replace(good, `"rcpro": 0.125`, `"rcpro": 12.5`, 1), "RCPRO 12.5 is not a fraction"},
		{strings.Replace(good, `"thresholds": "exact"`, `"thresholds": "steps:-1"`, 1), "threshold grid"},
		{strings.Replace(good, `"fpr_limit": 0.3`, `"fpr_limit": 3`, 1), "fpr_limit"},
		{strings.Replace(good, `"name": "metal_nut"`, `"name": ""`, 1), "has no name"},
		{strings.Replace(good, `"anomalous_images": 2,`, `"anomalous_images": 5,`, 1), "5 anomalous"},
		{strings.Replace(good, `"auroc": 0.91234`, `"auroc": "x"`, 1), "results"},
	} {
		if _, err := ReadJSON(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
	two := strings.Replace(good, `"categories": [`, `"categories": [{"name": "metal_nut", "image": {"auroc": null, "ap": null, "f1_max": null}, "pixel": {"auroc": null, "ap": null, "f1_max": null, "aupro": null, "rcpro": null}},`, 1)
	if _, err := ReadJSON(strings.NewReader(two)); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("a category twice: %v", err)
	}
}

func FuzzReadJSON(f *testing.F) {
	var b bytes.Buffer
	Write(&b, sample(), "json")
	f.Add(b.Bytes())
	f.Add([]byte(`{"settings": {}, "categories": [null], "mean": {}}`))
	f.Add([]byte(`{"settings": {"thresholds": "steps:3"}, "categories": [{"name": "a", "defects": [null]}], "mean": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever it accepts can be compared and written.
		c, err := Compare([]Run{{Name: "a", Report: rep}, {Name: "b", Report: rep}}, DefaultCompareOptions)
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range Formats {
			if err := c.Write(&bytes.Buffer{}, format); err != nil {
				t.Fatal(err)
			}
		}
	})
}
