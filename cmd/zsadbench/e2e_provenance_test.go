package main

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/report"
	"github.com/zsadbench/zsadbench/resize"
)

// upsampledExample writes the example's maps upsampled 2x (as a model at
// another resolution would write them) and returns the folder.
func upsampledExample(t *testing.T) string {
	t.Helper()
	pred := t.TempDir()
	for key, m := range exampleMaps(t) {
		up := resize.Bilinear(m.Pix, m.Width, m.Height, 2*m.Width, 2*m.Height)
		writeFile(t, filepath.Join(pred, key+".npy"), npyBytes(t, 2*m.Width, 2*m.Height, up))
	}
	return pred
}

// TestProvenanceOutputs: JSON, CSV and the table's footer record the tool
// version, the evaluation size, the maps resized from what to what, and the
// protocol; a mean over fewer categories than the dataset has is marked in
// every format.
func TestProvenanceOutputs(t *testing.T) {
	pred := upsampledExample(t)
	run := func(extra ...string) cliResult {
		return mustRun(t, append([]string{"score", "--maps", pred, "--data", exampleDir}, extra...)...)
	}
	var j struct {
		Provenance evaluate.Settings `json:"settings"`
		MeanOver   report.MeanOver   `json:"mean_over"`
	}
	if err := json.Unmarshal([]byte(run("--format", "json").stdout), &j); err != nil {
		t.Fatal(err)
	}
	p := j.Provenance
	if p.Version == "" || p.EvaluationSize != "ground truth" || p.Maps != 48 || p.MapsResized != 48 ||
		len(p.Resized) != 1 || p.Resized[0] != (evaluate.Resize{From: "192x192", To: "96x96", Maps: 48}) ||
		len(p.ResizedByCategory["capsule"]) != 1 || p.ResizedByCategory["capsule"][0].Maps != 16 ||
		p.Protocol != "" || p.DatasetCategories != 3 || j.MeanOver.Partial {
		t.Errorf("provenance %+v, mean_over %+v", p, j.MeanOver)
	}
	table := run().stdout
	for _, want := range []string{"evaluated at each image's ground-truth size; 48 of 48 maps resized (48 from 192x192 to 96x96); zsadbench " + p.Version} {
		if !strings.Contains(table, want) {
			t.Errorf("table footer lacks %q:\n%s", want, table)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(run("--format", "csv").stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[1][len(recs[1])-4:]; strings.Join(got, "|") != "ground truth|16 from 192x192 to 96x96||"+p.Version {
		t.Errorf("CSV provenance %q", got)
	}

	// The AnomalyCLIP protocol: 518x518, named.
	if err := json.Unmarshal([]byte(run("--format", "json", "--protocol", "anomalyclip").stdout), &j); err != nil {
		t.Fatal(err)
	}
	if p := j.Provenance; p.EvaluationSize != "518x518" || p.Protocol != "anomalyclip" || p.Resized[0].To != "518x518" {
		t.Errorf("protocol provenance %+v", p)
	}
	if table := run("--protocol", "anomalyclip").stdout; !strings.Contains(table, "protocol anomalyclip; evaluated at 518x518; 48 of 48 maps resized (48 from 192x192 to 518x518)") {
		t.Errorf("table footer:\n%s", table)
	}

	// Two of the three categories: every format marks the mean.
	sub := []string{"--categories", "capsule,tile"}
	for format, want := range map[string]string{
		"table":    "* mean over fewer than the dataset's 3 categories: 2 evaluated",
		"markdown": `\* mean over fewer than the dataset's 3 categories: 2 evaluated`,
		"latex":    `{\footnotesize * mean over fewer than the dataset's 3 categories: 2 evaluated}`,
		"csv":      "mean_over_categories,,,,2/3,2/3,2/3,2/3,2/3,2/3,2/3,2/3",
		"json":     `"partial": true`,
	} {
		if got := run(append(sub, "--format", format)...).stdout; !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", format, want, got)
		}
	}
}

// TestProvenanceUndefinedMean: a metric undefined in a category (no
// anomalous pixel) makes its mean one over fewer categories, marked too.
func TestProvenanceUndefinedMean(t *testing.T) {
	root := t.TempDir()
	// Two categories; "b" has no mask at all.
	for i, cat := range []string{"a", "b"} {
		for j, defect := range []string{"good", "crack"} {
			key := cat + "/test/" + defect + "/000"
			pix := make([]float32, 64)
			for k := range pix {
				pix[k] = float32((k*7+i*3+j*11)%17) / 17
			}
			writeFile(t, filepath.Join(root, key+".npy"), npyBytes(t, 8, 8, pix))
		}
		if cat == "a" {
			mask := make([]bool, 64)
			mask[9], mask[10] = true, true
			writeFile(t, filepath.Join(root, "a/ground_truth/crack/000_mask.png"), maskBytes(t, 8, 8, mask))
		} else {
			writeFile(t, filepath.Join(root, "b/ground_truth/crack/000_mask.png"), maskBytes(t, 8, 8, make([]bool, 64)))
		}
	}
	r := mustRun(t, "score", "--maps", root, "--data", root)
	if !strings.Contains(r.stdout, "* mean over fewer than the dataset's 2 categories: ") || !strings.Contains(r.stdout, "over 1 (undefined in b)") {
		t.Errorf("table:\n%s", r.stdout)
	}
}
