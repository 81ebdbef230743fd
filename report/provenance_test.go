package report

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
)

// partialSample has two of a dataset's three categories; in one of them
// AUPRO and RCPRO are undefined.
func partialSample() *evaluate.Report {
	v := metric.Defined
	null := metric.NoValue("AUPRO", "no anomalous region")
	a := &evaluate.CategoryReport{Name: "bottle", Images: 3, AnomalousImages: 2, Pixels: 12,
		Image: evaluate.ImageMetrics{AUROC: v(0.5), AP: v(0.5), F1Max: v(0.5)},
		Pixel: evaluate.PixelMetrics{AUROC: v(0.9), AP: v(0.5), F1Max: v(0.5), AUPRO: v(0.25), RCPRO: v(0.125)}}
	b := &evaluate.CategoryReport{Name: "cable", Images: 3, AnomalousImages: 1, Pixels: 12,
		Image: evaluate.ImageMetrics{AUROC: v(0.7), AP: v(0.5), F1Max: v(0.5)},
		Pixel: evaluate.PixelMetrics{AUROC: v(0.8), AP: v(0.5), F1Max: v(0.5), AUPRO: null, RCPRO: null}}
	cats := []*evaluate.CategoryReport{a, b}
	mean, _ := evaluate.MeanOf(cats, metric.SelectAll)
	resized := []evaluate.Resize{{From: "518x518", To: "900x900", Maps: 4}}
	return &evaluate.Report{
		Settings: evaluate.Settings{Version: "v1.2.3 abcdef", Settings: metric.DefaultSettings,
			SourceInfo: evaluate.SourceInfo{Protocol: "anomalyclip", EvaluationSize: "ground truth", Maps: 6, MapsResized: 4,
				Resized: resized, ResizedByCategory: map[string][]evaluate.Resize{"bottle": resized}, DatasetCategories: 3}},
		Categories: cats, Mean: mean}
}

// TestPartialMeanMarked: a mean over fewer categories than the dataset has
// is marked in every format, with what it is over.
func TestPartialMeanMarked(t *testing.T) {
	r := partialSample()
	note := "mean over fewer than the dataset's 3 categories: 2 evaluated; AUPRO, RCPRO over 1 (undefined in cable)"
	for format, want := range map[string][]string{
		"table":    {"60.0*", "25.0*", "* " + note},
		"markdown": {`60.0\*`, `25.0\*`, `\* ` + note},
		"latex":    {"60.0*", `\multicolumn{9}{l}{\footnotesize * ` + note + "}"},
		"csv":      {"mean_over_categories,,,,2/3,2/3,2/3,2/3,2/3,2/3,1/3,1/3"},
	} {
		got := write(t, r, format)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s lacks %q:\n%s", format, w, got)
			}
		}
	}
	var j struct {
		MeanOver MeanOver `json:"mean_over"`
	}
	if err := json.Unmarshal([]byte(write(t, r, "json")), &j); err != nil {
		t.Fatal(err)
	}
	if mo := j.MeanOver; !mo.Partial || mo.DatasetCategories != 3 || mo.Pixel["aupro"] != 1 || mo.Image["auroc"] != 2 {
		t.Errorf("mean_over %+v", mo)
	}
	// Every category evaluated, every metric defined: nothing is marked.
	full := sample()
	for _, format := range Formats {
		if got := write(t, full, format); strings.Contains(got, "mean over fewer") || strings.Contains(got, "mean_over_categories") ||
			strings.Contains(got, "50.0*") || strings.Contains(got, `"partial": true`) {
			t.Errorf("%s marks a full mean:\n%s", format, got)
		}
	}
}

// TestProvenance: JSON, CSV and the table's footer record the version, the
// evaluation size, the resized maps and the protocol.
func TestProvenance(t *testing.T) {
	r := partialSample()
	table := write(t, r, "table")
	if want := "protocol anomalyclip; evaluated at each image's ground-truth size; 4 of 6 maps resized (4 from 518x518 to 900x900); zsadbench v1.2.3 abcdef"; !strings.Contains(table, want) {
		t.Errorf("table footer lacks %q:\n%s", want, table)
	}
	recs, err := csv.NewReader(strings.NewReader(write(t, r, "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"evaluation_size", "maps_resized", "protocol", "zsadbench_version"},
		{"ground truth", "4 from 518x518 to 900x900", "anomalyclip", "v1.2.3 abcdef"},
		{"ground truth", "none", "anomalyclip", "v1.2.3 abcdef"},
		{"ground truth", "4 from 518x518 to 900x900", "anomalyclip", "v1.2.3 abcdef"},
	}
	for i, w := range want {
		if got := recs[i][len(recs[i])-4:]; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("CSV row %d ends %q, want %q", i, got, w)
		}
	}
	var j struct {
		Settings evaluate.Settings `json:"settings"`
	}
	if err := json.Unmarshal([]byte(write(t, r, "json")), &j); err != nil {
		t.Fatal(err)
	}
	if p := j.Settings; p.Version != "v1.2.3 abcdef" || p.EvaluationSize != "ground truth" || p.MapsResized != 4 ||
		len(p.Resized) != 1 || p.Resized[0].From != "518x518" || p.Protocol != "anomalyclip" || p.DatasetCategories != 3 {
		t.Errorf("provenance %+v", p)
	}
}
