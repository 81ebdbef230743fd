// Package report writes an evaluation's results as a terminal table, JSON,
// CSV, Markdown or LaTeX. Tables print percentages with one decimal, as papers
// do; JSON and CSV print fractions at full precision. An undefined metric is
// null in JSON, empty in CSV and a dash in tables. Reports come from evaluate.Dataset.
package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/metric"
)

// Formats lists the output formats.
var Formats = []string{"table", "json", "csv", "markdown", "latex"}

// Write writes the report in format, one of Formats.
func Write(w io.Writer, r *evaluate.Report, format string) error {
	switch format {
	case "table":
		return writeTable(w, r)
	case "json":
		return writeJSON(w, r)
	case "csv":
		return writeCSV(w, r)
	case "markdown":
		return writeMarkdown(w, r)
	case "latex":
		return writeLaTeX(w, r)
	}
	return fmt.Errorf("format %q: want one of %s", format, strings.Join(Formats, ", "))
}

func writeJSON(w io.Writer, r *evaluate.Report) error {
	out := *r
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	if out.Categories == nil {
		out.Categories = []*evaluate.CategoryReport{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// columns are the table's metric columns, in paper order.
var columns = []struct {
	header string
	get    func(evaluate.ImageMetrics, evaluate.PixelMetrics) metric.Value
}{
	{"I-AUROC", func(i evaluate.ImageMetrics, _ evaluate.PixelMetrics) metric.Value { return i.AUROC }},
	{"I-AP", func(i evaluate.ImageMetrics, _ evaluate.PixelMetrics) metric.Value { return i.AP }},
	{"I-F1max", func(i evaluate.ImageMetrics, _ evaluate.PixelMetrics) metric.Value { return i.F1Max }},
	{"P-AUROC", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.AUROC }},
	{"P-AP", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.AP }},
	{"P-F1max", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.F1Max }},
	{"AUPRO", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.AUPRO }},
	{"RCPRO", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.RCPRO }},
}

func percent(v metric.Value, dash string) string {
	if !v.OK() {
		return dash
	}
	return strconv.FormatFloat(100*v.V, 'f', 1, 64)
}

// rows returns the table's cells: one row per category, its name written
// by name, and a mean row.
func rows(r *evaluate.Report, dash string, name func(string) string) [][]string {
	var out [][]string
	for _, c := range r.Categories {
		row := []string{name(c.Name)}
		for _, col := range columns {
			row = append(row, percent(col.get(c.Image, c.Pixel), dash))
		}
		out = append(out, row)
	}
	row := []string{"mean"}
	for _, col := range columns {
		row = append(row, percent(col.get(r.Mean.Image, r.Mean.Pixel), dash))
	}
	return append(out, row)
}

func headers() []string {
	h := []string{"category"}
	for _, col := range columns {
		h = append(h, col.header)
	}
	return h
}

func writeTable(w io.Writer, r *evaluate.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	line := func(cells []string) {
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	line(headers())
	all := rows(r, "-", printable.Line)
	for i, row := range all {
		if i == len(all)-1 {
			sep := make([]string, len(row))
			for j := range sep {
				sep[j] = strings.Repeat("-", max(len(row[j]), 5))
			}
			line(sep)
		}
		line(row)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "values in %%; thresholds %s, AUPRO@%g, RCPRO tau %g delta %g, %d-connectivity\n",
		r.Settings.Thresholds, r.Settings.FPRLimit, r.Settings.RCPROTau, r.Settings.RCPRODelta, r.Settings.Connectivity)
	return err
}

func writeMarkdown(w io.Writer, r *evaluate.Report) error {
	var b strings.Builder
	h := headers()
	b.WriteString("| " + strings.Join(h, " | ") + " |\n|")
	for i := range h {
		if i == 0 {
			b.WriteString(" --- |")
		} else {
			b.WriteString(" ---: |")
		}
	}
	b.WriteString("\n")
	all := rows(r, "–", func(s string) string { return printable.Line(markdownEscaper.Replace(s)) })
	for i, row := range all {
		if i == len(all)-1 {
			row[0] = "**mean**"
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// markdownEscaper keeps a name one cell of a Markdown table: a '|' would
// end the cell (a backslash is escaped too, so that "a\|" stays as written).
// Names come from folders and index files: printable.Line then keeps line
// breaks and terminal escapes out of every table.
var markdownEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`)

var latexEscaper = strings.NewReplacer(`\`, `\textbackslash{}`, "_", `\_`, "&", `\&`, "%", `\%`, "#", `\#`, "$", `\$`, "{", `\{`, "}", `\}`, "~", `\textasciitilde{}`, "^", `\textasciicircum{}`)

func writeLaTeX(w io.Writer, r *evaluate.Report) error {
	var b strings.Builder
	b.WriteString("% zsadbench: values in %; requires \\usepackage{booktabs}\n")
	b.WriteString("\\begin{tabular}{l" + strings.Repeat("r", len(columns)) + "}\n\\toprule\n")
	h := headers()
	h[0] = "Category"
	b.WriteString(strings.Join(h, " & ") + " \\\\\n\\midrule\n")
	all := rows(r, "--", func(s string) string { return latexEscaper.Replace(printable.Line(s)) })
	for i, row := range all {
		if i == len(all)-1 {
			b.WriteString("\\midrule\n")
			row[0] = "Mean"
		}
		b.WriteString(strings.Join(row, " & ") + " \\\\\n")
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCSV(w io.Writer, r *evaluate.Report) error {
	cw := csv.NewWriter(w)
	header := []string{"category", "images", "anomalous_images", "pixels",
		"image_auroc", "image_ap", "image_f1_max", "pixel_auroc", "pixel_ap", "pixel_f1_max", "pixel_aupro", "pixel_rcpro"}
	if err := cw.Write(header); err != nil {
		return err
	}
	frac := func(v metric.Value) string {
		if !v.OK() {
			return ""
		}
		return strconv.FormatFloat(v.V, 'g', -1, 64)
	}
	record := func(name, images, anomalous, pixels string, i evaluate.ImageMetrics, p evaluate.PixelMetrics) []string {
		return []string{name, images, anomalous, pixels, frac(i.AUROC), frac(i.AP), frac(i.F1Max),
			frac(p.AUROC), frac(p.AP), frac(p.F1Max), frac(p.AUPRO), frac(p.RCPRO)}
	}
	for _, c := range r.Categories {
		if err := cw.Write(record(c.Name, strconv.Itoa(c.Images), strconv.Itoa(c.AnomalousImages),
			strconv.FormatInt(c.Pixels, 10), c.Image, c.Pixel)); err != nil {
			return err
		}
	}
	if err := cw.Write(record("mean", "", "", "", r.Mean.Image, r.Mean.Pixel)); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
