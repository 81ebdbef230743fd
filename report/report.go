// Package report writes an evaluation's results as a terminal table, JSON,
// CSV, Markdown or LaTeX. Tables print percentages with one decimal, as papers
// do; JSON and CSV print fractions at full precision. An undefined metric is
// null in JSON, empty in CSV and a dash in tables. Reports come from evaluate.Dataset.
//
// Compare puts several runs' reports side by side (the table of a paper:
// a column group per metric, a column per model, the best in bold and the
// second underlined), refusing runs evaluated under different settings
// unless told otherwise; ReadJSON reads back a report written as JSON.
package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
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

// jsonReport is a report as JSON writes it: with "mean_over", and empty
// lists rather than null.
type jsonReport struct {
	evaluate.Report
	MeanOver MeanOver `json:"mean_over"`
}

func jsonOf(r *evaluate.Report) jsonReport {
	out := *r
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	if out.Categories == nil {
		out.Categories = []*evaluate.CategoryReport{}
	}
	return jsonReport{out, meanOver(r)}
}

func writeJSON(w io.Writer, r *evaluate.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonOf(r))
}

// column is a metric column of the tables.
type column struct {
	header string
	get    func(evaluate.ImageMetrics, evaluate.PixelMetrics) metric.Value
}

// columns are the table's metric columns, in paper order.
var columns = []column{
	{"I-AUROC", func(i evaluate.ImageMetrics, _ evaluate.PixelMetrics) metric.Value { return i.AUROC }},
	{"I-AP", func(i evaluate.ImageMetrics, _ evaluate.PixelMetrics) metric.Value { return i.AP }},
	{"I-F1max", func(i evaluate.ImageMetrics, _ evaluate.PixelMetrics) metric.Value { return i.F1Max }},
	{"P-AUROC", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.AUROC }},
	{"P-AP", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.AP }},
	{"P-F1max", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.F1Max }},
	{"AUPRO", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.AUPRO }},
	{"RCPRO", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.RCPRO }},
}

// aupimoColumn shows AUPIMO's mean when the run computed it.
var aupimoColumn = column{"AUPIMO", func(_ evaluate.ImageMetrics, p evaluate.PixelMetrics) metric.Value { return p.AUPIMO }}

// columnsOf returns a report's table columns: the paper's, and AUPIMO's
// when the run computed it.
func columnsOf(r *evaluate.Report) []column {
	if r.Settings.Metrics.Has(metric.SelectAUPIMO) {
		return append(slices.Clone(columns), aupimoColumn)
	}
	return columns
}

// fraction is a CSV cell: the value at full precision, empty when undefined.
func fraction(v metric.Value) string {
	if !v.OK() {
		return ""
	}
	return strconv.FormatFloat(v.V, 'g', -1, 64)
}

// percent is a table cell: the value in % with decimals decimals, dash
// when undefined.
func percent(v metric.Value, dash string, decimals int) string {
	if !v.OK() {
		return dash
	}
	return strconv.FormatFloat(100*v.V, 'f', decimals, 64)
}

// line is one row of a table: a category, one of its defect types
// (evaluate.Options.ByDefect) or the mean.
type line struct {
	category string // the category; "" for the mean
	defect   string // the defect type of a row per defect
	cells    []string
}

// name is the row's label: "capsule", "capsule/blob" or "mean".
func (l line) name() string {
	switch {
	case l.category == "":
		return "mean"
	case l.defect != "":
		return l.category + "/" + l.defect
	}
	return l.category
}

// lines returns the table's rows: each category followed by its rows per
// defect, then the mean.
func lines(r *evaluate.Report, dash string) []line {
	// A cell is "84.4", or "84.4 [82.1, 86.3]" with a bootstrap interval.
	cells := func(i evaluate.ImageMetrics, p evaluate.PixelMetrics, lo, hi *evaluate.Metrics) []string {
		var out []string
		for _, col := range columnsOf(r) {
			c := percent(col.get(i, p), dash, 1)
			if lo != nil && hi != nil {
				if l, h := col.get(lo.Image, lo.Pixel), col.get(hi.Image, hi.Pixel); l.OK() && h.OK() {
					c += " [" + percent(l, dash, 1) + ", " + percent(h, dash, 1) + "]"
				}
			}
			out = append(out, c)
		}
		return out
	}
	var out []line
	for _, c := range r.Categories {
		out = append(out, line{category: c.Name, cells: cells(c.Image, c.Pixel, c.CILow, c.CIHigh)})
		for _, d := range c.Defects {
			out = append(out, line{category: c.Name, defect: d.Name, cells: cells(d.Image, d.Pixel, d.CILow, d.CIHigh)})
		}
	}
	// The mean, each cell marked when it is over fewer categories than the
	// dataset has.
	mean := line{cells: cells(r.Mean.Image, r.Mean.Pixel, r.Mean.CILow, r.Mean.CIHigh)}
	n := datasetCategories(r)
	for i, m := range meanColumns(r) {
		if m.partial(n) {
			mean.cells[i] += meanMark
		}
	}
	return append(out, mean)
}

func headers(r *evaluate.Report) []string {
	h := []string{"category"}
	for _, col := range columnsOf(r) {
		h = append(h, col.header)
	}
	return h
}

func writeTable(w io.Writer, r *evaluate.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	put := func(cells []string) {
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	put(headers(r))
	all := lines(r, "-")
	for i, l := range all {
		row := append([]string{printable.Line(l.name())}, l.cells...)
		if i == len(all)-1 {
			sep := make([]string, len(row))
			for j := range sep {
				sep[j] = strings.Repeat("-", max(len(row[j]), 5))
			}
			put(sep)
		}
		put(row)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "values in %; "+metricSettings(r)+pimoNote(r)+bootstrapNote(r))
	for _, line := range []string{provenanceLine(r), partialNote(r)} {
		if err == nil && line != "" {
			_, err = fmt.Fprintln(w, line)
		}
	}
	return err
}

// metricSettings names the settings of the metrics for a table's footer.
func metricSettings(r *evaluate.Report) string {
	s := r.Settings
	return fmt.Sprintf("thresholds %s, AUPRO@%g, RCPRO tau %g delta %g, %d-connectivity",
		s.Thresholds, s.FPRLimit, s.RCPROTau, s.RCPRODelta, s.Connectivity)
}

// pimoNote names AUPIMO's grid when the table shows it.
func pimoNote(r *evaluate.Report) string {
	switch {
	case !r.Settings.Metrics.Has(metric.SelectAUPIMO):
		return ""
	case r.Settings.PIMOThresholds == 0:
		return ", AUPIMO exact"
	}
	return fmt.Sprintf(", AUPIMO on %d thresholds", r.Settings.PIMOThresholds)
}

// bootstrapNote says what the intervals are.
func bootstrapNote(r *evaluate.Report) string {
	b := r.Settings.Bootstrap
	if b == nil {
		return ""
	}
	return fmt.Sprintf("; [%g%% bootstrap interval, %d replicates, seed %d]", 100*b.Confidence, b.Replicates, b.Seed)
}

func writeMarkdown(w io.Writer, r *evaluate.Report) error {
	var b strings.Builder
	b.WriteString(markdownHead(headers(r)))
	all := lines(r, "–")
	for i, l := range all {
		name := printable.Line(markdownEscaper.Replace(l.name()))
		if i == len(all)-1 {
			name = "**mean**"
			for j := range l.cells {
				l.cells[j] = strings.ReplaceAll(l.cells[j], meanMark, `\`+meanMark)
			}
		}
		b.WriteString("| " + name + " | " + strings.Join(l.cells, " | ") + " |\n")
	}
	if note := partialNote(r); note != "" {
		b.WriteString("\n" + printable.Line(strings.Replace(note, meanMark, `\`+meanMark, 1)) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// markdownHead is a Markdown table's header row and its rule: the first
// column left-aligned, the numbers right-aligned.
func markdownHead(cells []string) string {
	return "| " + strings.Join(cells, " | ") + " |\n| --- |" + strings.Repeat(" ---: |", len(cells)-1) + "\n"
}

// markdownEscaper keeps a name one cell of a Markdown table: a '|' would
// end the cell (a backslash is escaped too, so that "a\|" stays as written).
// Names come from folders and index files: printable.Line then keeps line
// breaks and terminal escapes out of every table.
var markdownEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`)

var latexEscaper = strings.NewReplacer(`\`, `\textbackslash{}`, "_", `\_`, "&", `\&`, "%", `\%`, "#", `\#`, "$", `\$`, "{", `\{`, "}", `\}`, "~", `\textasciitilde{}`, "^", `\textasciicircum{}`)

// latexNote is a footnote row of a tabular of ncols columns; note is LaTeX.
func latexNote(ncols int, note string) string {
	return "\\multicolumn{" + strconv.Itoa(ncols) + "}{l}{\\footnotesize " + note + "} \\\\\n"
}

func writeLaTeX(w io.Writer, r *evaluate.Report) error {
	var b strings.Builder
	b.WriteString("% zsadbench: values in %; requires \\usepackage{booktabs}\n")
	h := headers(r)
	b.WriteString("\\begin{tabular}{l" + strings.Repeat("r", len(h)-1) + "}\n\\toprule\n")
	h[0] = "Category"
	b.WriteString(strings.Join(h, " & ") + " \\\\\n\\midrule\n")
	all := lines(r, "--")
	for i, l := range all {
		var name string
		switch {
		case i == len(all)-1:
			b.WriteString("\\midrule\n")
			name = "Mean"
		case l.defect != "":
			name = "\\quad " + latexEscaper.Replace(printable.Line(l.defect))
		default:
			name = latexEscaper.Replace(printable.Line(l.category))
		}
		b.WriteString(name + " & " + strings.Join(l.cells, " & ") + " \\\\\n")
	}
	if note := partialNote(r); note != "" {
		b.WriteString("\\midrule\n" + latexNote(len(h), latexEscaper.Replace(printable.Line(note))))
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCSV writes one record per category (and per defect type, in a
// "defect" column that is there only then) and the mean.
func writeCSV(w io.Writer, r *evaluate.Report) error {
	cw := csv.NewWriter(w)
	byDefect := false
	for _, c := range r.Categories {
		byDefect = byDefect || len(c.Defects) > 0
	}
	header := []string{"category", "images", "anomalous_images", "pixels",
		"image_auroc", "image_ap", "image_f1_max", "pixel_auroc", "pixel_ap", "pixel_f1_max", "pixel_aupro", "pixel_rcpro"}
	if byDefect {
		header = slices.Insert(header, 1, "defect")
	}
	aupimo := r.Settings.Metrics.Has(metric.SelectAUPIMO)
	if aupimo {
		header = append(header, "pixel_aupimo", "pixel_aupimo_std")
	}
	// With a bootstrap, each metric's interval follows the metrics.
	fields := evaluate.Fields
	if !aupimo {
		fields = slices.DeleteFunc(slices.Clone(fields), func(f evaluate.Field) bool { return f.Select == metric.SelectAUPIMO })
	}
	boot := r.Settings.Bootstrap != nil
	if boot {
		for _, f := range fields {
			n := strings.ReplaceAll(f.Name, ".", "_")
			header = append(header, n+"_ci_low", n+"_ci_high")
		}
	}
	header = append(header, csvProvenanceHeader...)
	if err := cw.Write(header); err != nil {
		return err
	}
	record := func(name, defect, images, anomalous, pixels string, i evaluate.ImageMetrics, p evaluate.PixelMetrics, lo, hi *evaluate.Metrics) []string {
		rec := []string{name, images, anomalous, pixels, fraction(i.AUROC), fraction(i.AP), fraction(i.F1Max),
			fraction(p.AUROC), fraction(p.AP), fraction(p.F1Max), fraction(p.AUPRO), fraction(p.RCPRO)}
		if byDefect {
			rec = slices.Insert(rec, 1, defect)
		}
		if aupimo {
			rec = append(rec, fraction(p.AUPIMO), fraction(p.AUPIMOStd))
		}
		if boot {
			for _, f := range fields {
				if lo == nil || hi == nil {
					rec = append(rec, "", "")
				} else {
					rec = append(rec, fraction(*f.Get(lo)), fraction(*f.Get(hi)))
				}
			}
		}
		return rec
	}
	row := func(c *evaluate.CategoryReport, name, defect string) []string {
		return record(name, defect, strconv.Itoa(c.Images), strconv.Itoa(c.AnomalousImages), strconv.FormatInt(c.Pixels, 10), c.Image, c.Pixel, c.CILow, c.CIHigh)
	}
	for _, c := range r.Categories {
		if err := cw.Write(append(row(c, c.Name, ""), csvProvenance(r, c.Name)...)); err != nil {
			return err
		}
		for _, d := range c.Defects {
			if err := cw.Write(append(row(d, c.Name, d.Name), csvProvenance(r, c.Name)...)); err != nil {
				return err
			}
		}
	}
	if err := cw.Write(append(record("mean", "", "", "", "", r.Mean.Image, r.Mean.Pixel, r.Mean.CILow, r.Mean.CIHigh), csvProvenance(r, "")...)); err != nil {
		return err
	}
	// A mean over fewer categories than the dataset has: one more row, with
	// the categories each mean is over ("2/15").
	if mo := meanOver(r); mo.Partial {
		rec := []string{"mean_over_categories", "", "", ""}
		if byDefect {
			rec = append(rec, "")
		}
		for _, m := range meanColumns(r) {
			rec = append(rec, fmt.Sprintf("%d/%d", m.over, mo.DatasetCategories))
		}
		if aupimo { // the std's mean is over the categories of the mean's
			rec = append(rec, rec[len(rec)-1])
		}
		if boot {
			rec = append(rec, make([]string, 2*len(fields))...)
		}
		if err := cw.Write(append(rec, make([]string, len(csvProvenanceHeader))...)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
