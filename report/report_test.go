package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
)

func sample() *evaluate.Report {
	v := metric.Defined
	null := metric.NoValue("AUROC", "no normal sample")
	c := &evaluate.CategoryReport{Name: "metal_nut", Images: 3, AnomalousImages: 2, Pixels: 12,
		Image: evaluate.ImageMetrics{AUROC: null, AP: v(0.5), F1Max: v(0.66666)},
		Pixel: evaluate.PixelMetrics{AUROC: v(0.91234), AP: v(0.5), F1Max: v(0.5), AUPRO: v(0.25), RCPRO: v(0.125)}}
	mean, _ := evaluate.MeanOf([]*evaluate.CategoryReport{c}, metric.SelectAll)
	return &evaluate.Report{Settings: evaluate.Settings{Settings: metric.DefaultSettings}, Categories: []*evaluate.CategoryReport{c}, Mean: mean}
}

// write is r written in format.
func write(t *testing.T, r *evaluate.Report, format string) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r, format); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestFormats(t *testing.T) {
	r := sample()
	for format, want := range map[string][]string{
		"table":    {"metal_nut", "91.2", "12.5", "mean", "-"},
		"markdown": {"| metal_nut |", "91.2", "**mean**"},
		"latex":    {`metal\_nut`, "91.2", `\bottomrule`, "--"},
		"csv":      {"category,images", "metal_nut,3,2,12,,0.5", "0.91234"},
	} {
		out := write(t, r, format)
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s output lacks %q:\n%s", format, w, out)
			}
		}
	}
	if err := Write(&bytes.Buffer{}, r, "xml"); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestJSON(t *testing.T) {
	var got map[string]any
	if err := json.Unmarshal([]byte(write(t, sample(), "json")), &got); err != nil {
		t.Fatal(err)
	}
	cat := got["categories"].([]any)[0].(map[string]any)
	if cat["image"].(map[string]any)["auroc"] != nil || cat["pixel"].(map[string]any)["auroc"] != 0.91234 {
		t.Errorf("category %v", cat)
	}
	if got["warnings"] == nil || got["settings"].(map[string]any)["thresholds"] != "exact" {
		t.Errorf("report %v", got)
	}
}

// TestNamesStayInTheirCell: a category name with '|' keeps its Markdown
// row's cells, and one with a line break or a terminal escape stays on its
// line in every table.
func TestNamesStayInTheirCell(t *testing.T) {
	r := sample()
	r.Categories[0].Name = "a|b\\|c\nd\x1b[31m"
	var b bytes.Buffer
	if err := Write(&b, r, "markdown"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	header := strings.Count(lines[0], "|")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	row := strings.ReplaceAll(lines[2], `\|`, "")
	if n := strings.Count(row, "|"); n != header {
		t.Errorf("row has %d cell bars, header %d:\n%s", n, header, b.String())
	}
	if !strings.HasPrefix(lines[2], `| a\|b\\\|c\nd\x1b[31m |`) {
		t.Errorf("row %q", lines[2])
	}
	clean := sample()
	for _, format := range []string{"table", "latex"} {
		var want bytes.Buffer
		Write(&want, clean, format)
		b.Reset()
		Write(&b, r, format)
		if strings.ContainsAny(b.String(), "\x1b") || strings.Count(b.String(), "\n") != strings.Count(want.String(), "\n") {
			t.Errorf("%s output holds a control character:\n%s", format, b.String())
		}
	}
}

func TestDefectRows(t *testing.T) {
	r := sample()
	c := r.Categories[0]
	d := *c
	d.Name, d.Images, d.Pixel.AUROC = "scratch_head", 2, metric.Defined(0.5)
	c.Defects = []*evaluate.CategoryReport{&d}
	for format, want := range map[string][]string{
		"table":    {"metal_nut/scratch_head", "50.0"},
		"markdown": {"| metal_nut/scratch_head | – | 50.0 |"},
		"latex":    {"metal\\_nut & -- &", "\\quad scratch\\_head & -- & 50.0 &"},
		"csv":      {"category,defect,images", "metal_nut,,3,2,12,,0.5", "metal_nut,scratch_head,2,2,12,,0.5,0.66666,0.5,", "mean,,,,,"},
	} {
		out := write(t, r, format)
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s output lacks %q:\n%s", format, w, out)
			}
		}
	}
	var b bytes.Buffer
	if err := Write(&b, sample(), "csv"); err != nil || strings.Contains(b.String(), "defect") {
		t.Errorf("CSV without rows per defect has a defect column: %v\n%s", err, b.String())
	}
}
