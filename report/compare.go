package report

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/significance"
)

// Run is one model's results in a comparison.
type Run struct {
	Name   string
	Report *evaluate.Report
}

// CompareOptions shape a comparison table. Start from
// DefaultCompareOptions.
type CompareOptions struct {
	// Metrics are the metric columns, in order, as ParseMetrics returns
	// them; nil: every metric that some run computed, in paper order.
	Metrics []string
	// Categories are the categories shown, in order; nil: every category
	// of the runs, in the order they first appear. With a subset, each
	// run's mean is recomputed over it (evaluate.MeanOf).
	Categories []string
	// ModelRows transposes the table: one row per model, and in each
	// metric's group one column per category and the mean.
	ModelRows bool
	// MeanOnly shows the mean and no category (one row per model with
	// ModelRows: the usual main table of a paper).
	MeanOnly bool
	// Decimals is the number of decimals of the percentages, 0 to 10.
	Decimals int
	// AllowMixed compares runs evaluated under different settings or on
	// different test sets; the differences are noted under the table.
	// Without it they are a *MixedError.
	AllowMixed bool
	// Significance is significance.Compare's result on the same runs
	// (evaluated with per-image records and kept bootstrap replicates):
	// a cell is marked when its run is significantly better than every
	// other run (SignificanceTest's test, Holm-corrected across
	// categories), and JSON gains its comparisons. Nil: no marks.
	Significance *significance.Result
}

// SignificanceTest is the test whose result marks a metric's cells:
// DeLong's for image AUROC, the paired bootstrap for the others (the
// interval shown in the cells is the bootstrap's too).
func SignificanceTest(metricPath string) string {
	if metricPath == "image.auroc" {
		return "delong"
	}
	return "bootstrap"
}

// DefaultCompareOptions: every metric and category, percentages with one
// decimal, as papers print them.
var DefaultCompareOptions = CompareOptions{Decimals: 1}

// Comparison is several runs side by side: build it with Compare, write it
// with Write.
type Comparison struct {
	// Runs are the runs compared, restricted to Categories (their means
	// recomputed when that drops a category).
	Runs []Run
	// Categories are the categories shown ("" rows excluded), Metrics the
	// metric columns.
	Categories []string
	Metrics    []string
	// Differences are the settings the runs differ in (AllowMixed).
	Differences []Difference
	o           CompareOptions
	// cells[k][m][r] is run r's metric m in row k: categories, then the
	// mean.
	cells [][][]cell
}

// cell is one number of the table and its mark.
type cell struct {
	v    metric.Value
	text string // percent at the table's decimals, "" when undefined or absent
	ci   string // " [lo, hi]" with a bootstrap interval, else ""
	mark int    // 1 best, 2 second, 0 neither
	sig  bool   // significantly better than every other run
}

// jsonPath is a column's metric path ("P-AUROC": "pixel.auroc"), as JSON
// and significance.Comparison name it.
func jsonPath(header string) string {
	level, key := columnKey(header)
	return level + "." + key
}

// Difference is a setting, or the test set, that runs differ in: Values
// holds each run's, in run order.
type Difference struct {
	Setting string
	Values  []string
}

// MixedError is Compare's error for runs evaluated under different settings
// or on different test sets, whose numbers are not comparable.
type MixedError struct{ Differences []Difference }

func (e *MixedError) Error() string {
	var parts []string
	for _, d := range e.Differences {
		parts = append(parts, d.Setting+" ("+strings.Join(d.Values, "; ")+")")
	}
	return "the runs were evaluated under different settings: " + strings.Join(parts, ", ")
}

// MetricNames are the metric columns, in paper order: I-AUROC, I-AP,
// I-F1max, P-AUROC, P-AP, P-F1max, AUPRO, RCPRO.
func MetricNames() []string {
	var names []string
	for _, c := range columns {
		names = append(names, c.header)
	}
	return names
}

// metricGroups are ParseMetrics' names of several columns.
var metricGroups = map[string][]string{
	"image": {"I-AUROC", "I-AP", "I-F1max"},
	"pixel": {"P-AUROC", "P-AP", "P-F1max"},
	"all":   MetricNames(),
}

// ParseMetrics reads a comma-separated list of metric columns (MetricNames,
// letter case ignored) and groups: image (I-AUROC, I-AP, I-F1max), pixel
// (P-AUROC, P-AP, P-F1max), all. The columns come in the list's order,
// each once.
func ParseMetrics(list string) ([]string, error) {
	var out []string
	add := func(n string) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if g, ok := metricGroups[strings.ToLower(f)]; ok {
			for _, n := range g {
				add(n)
			}
			continue
		}
		i := slices.IndexFunc(columns[:], func(c column) bool { return strings.EqualFold(c.header, f) })
		if i < 0 {
			return nil, fmt.Errorf("metric %q: want %s, image, pixel or all", f, strings.Join(MetricNames(), ", "))
		}
		add(columns[i].header)
	}
	return out, nil
}

// selectionOf is the metric group that computes a column.
func selectionOf(name string) metric.Selection {
	switch {
	case strings.HasPrefix(name, "I-"):
		return metric.SelectImage
	case strings.HasPrefix(name, "P-"):
		return metric.SelectPixel
	case name == "AUPRO":
		return metric.SelectAUPRO
	}
	return metric.SelectRCPRO
}

// Selection is the metric groups that compute the columns names.
func Selection(names []string) metric.Selection {
	var s metric.Selection
	for _, n := range names {
		s |= selectionOf(n)
	}
	return s
}

// Compare puts runs side by side. Runs evaluated under different settings
// (any of evaluate.Settings but the version, the metrics computed and the
// maps resized to the evaluation size) or on
// different test sets (categories, and each one's images, anomalous images
// and pixels) are a *MixedError unless o.AllowMixed. A category a run
// lacks, or a metric it did not compute, is a dash.
func Compare(runs []Run, o CompareOptions) (*Comparison, error) {
	if len(runs) == 0 {
		return nil, errors.New("no run to compare")
	}
	if o.Decimals < 0 || o.Decimals > 10 {
		return nil, fmt.Errorf("%d decimals: want 0 to 10", o.Decimals)
	}
	seen := map[string]bool{}
	for _, r := range runs {
		if r.Name == "" || seen[r.Name] {
			return nil, fmt.Errorf("run name %q: want a name, different for each run", r.Name)
		}
		seen[r.Name] = true
	}
	cmp := &Comparison{o: o, Metrics: o.Metrics}
	all := categoryNames(runs)
	cmp.Categories = all
	if o.Categories != nil {
		for _, c := range o.Categories {
			if !slices.Contains(all, c) {
				return nil, fmt.Errorf("category %q is in no run (they have %s)", c, strings.Join(all, ", "))
			}
		}
		cmp.Categories = o.Categories
	}
	for _, r := range runs {
		cmp.Runs = append(cmp.Runs, Run{Name: r.Name, Report: restrict(r.Report, cmp.Categories)})
	}
	cmp.Differences = Differences(cmp.Runs)
	if len(cmp.Differences) > 0 && !o.AllowMixed {
		return nil, &MixedError{cmp.Differences}
	}
	if cmp.Metrics == nil {
		var computed metric.Selection
		for _, r := range cmp.Runs {
			computed |= r.Report.Settings.Metrics
		}
		for _, n := range MetricNames() {
			if computed&selectionOf(n) != 0 {
				cmp.Metrics = append(cmp.Metrics, n)
			}
		}
	}
	if o.MeanOnly {
		cmp.Categories = nil
	}
	cmp.fill()
	return cmp, nil
}

// categoryNames lists the categories of every run, each once, in the
// order the runs first have them.
func categoryNames(runs []Run) []string {
	var names []string
	for _, r := range runs {
		for _, c := range r.Report.Categories {
			if !slices.Contains(names, c.Name) {
				names = append(names, c.Name)
			}
		}
	}
	return names
}

// categoryOf is rep's category called name, nil when rep lacks it.
func categoryOf(rep *evaluate.Report, name string) *evaluate.CategoryReport {
	for _, c := range rep.Categories {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// restrict returns rep with only the categories cats, in its own order,
// and their mean: its own when it keeps them all, else evaluate.MeanOf's
// over them in that order, as score gives for those categories.
func restrict(rep *evaluate.Report, cats []string) *evaluate.Report {
	out := *rep
	out.Categories = nil
	for _, c := range rep.Categories {
		if slices.Contains(cats, c.Name) {
			out.Categories = append(out.Categories, c)
		}
	}
	if len(out.Categories) < len(rep.Categories) {
		out.Mean, _ = evaluate.MeanOf(out.Categories, rep.Settings.Metrics)
	}
	return &out
}

// fill computes every cell and marks the best and second of each category
// and metric among the runs.
func (cmp *Comparison) fill() {
	rows := len(cmp.Categories) + 1
	cmp.cells = make([][][]cell, rows)
	for k := range rows {
		cmp.cells[k] = make([][]cell, len(cmp.Metrics))
		for m, name := range cmp.Metrics {
			col := columns[slices.IndexFunc(columns[:], func(c column) bool { return c.header == name })]
			cs := make([]cell, len(cmp.Runs))
			category := "mean"
			if k < rows-1 {
				category = cmp.Categories[k]
			}
			for r, run := range cmp.Runs {
				v := metric.NoValue(name, "absent")
				var lo, hi *evaluate.Metrics
				if k == rows-1 {
					v = col.get(run.Report.Mean.Image, run.Report.Mean.Pixel)
					lo, hi = run.Report.Mean.CILow, run.Report.Mean.CIHigh
				} else if c := categoryOf(run.Report, category); c != nil {
					v = col.get(c.Image, c.Pixel)
					lo, hi = c.CILow, c.CIHigh
				}
				cs[r].v = v
				cs[r].text = percent(v, "", cmp.o.Decimals)
				if lo != nil && hi != nil {
					if l, h := col.get(lo.Image, lo.Pixel), col.get(hi.Image, hi.Pixel); v.OK() && l.OK() && h.OK() {
						cs[r].ci = " [" + percent(l, "", cmp.o.Decimals) + ", " + percent(h, "", cmp.o.Decimals) + "]"
					}
				}
				cs[r].sig = cmp.wins(run.Name, category, jsonPath(name))
			}
			mark(cs)
			cmp.cells[k][m] = cs
		}
	}
}

// wins reports whether run is significantly better than every other run
// on category's metric (a JSON path) by SignificanceTest's test.
func (cmp *Comparison) wins(run, category, metricPath string) bool {
	res := cmp.o.Significance
	if res == nil || len(cmp.Runs) < 2 {
		return false
	}
	test := SignificanceTest(metricPath)
	for _, other := range cmp.Runs {
		if other.Name == run {
			continue
		}
		i := slices.IndexFunc(res.Comparisons, func(c significance.Comparison) bool {
			return c.Category == category && c.Metric == metricPath && c.Test == test &&
				(c.A == run && c.B == other.Name || c.A == other.Name && c.B == run)
		})
		if i < 0 {
			return false
		}
		c := res.Comparisons[i]
		if !c.Significant || !c.Diff.OK() || c.A == run && c.Diff.V <= 0 || c.B == run && c.Diff.V >= 0 {
			return false
		}
	}
	return true
}

// significanceNote explains the marks, sig being the format's mark; "" without
// a significance result.
func (cmp *Comparison) significanceNote(sig string) string {
	res := cmp.o.Significance
	if res == nil {
		return ""
	}
	alpha := strconv.FormatFloat(1-res.Confidence, 'g', 3, 64)
	return sig + " significantly better than every other model: p < " + alpha +
		" after Holm's correction across categories (DeLong's test for I-AUROC, the paired bootstrap for the others)"
}

// mark ranks the cells by their printed values, so that cells that print
// alike are marked alike (competition ranking: two best, no second): 1
// (bold) where no cell is greater, when two or more are defined; 2
// (underlined) where exactly one cell is greater, when three or more are
// defined (of two, the second is only the last).
func mark(cs []cell) {
	var vals []float64
	for _, c := range cs {
		if c.text != "" {
			v, _ := strconv.ParseFloat(c.text, 64)
			vals = append(vals, v)
		}
	}
	if len(vals) < 2 {
		return
	}
	for i := range cs {
		if cs[i].text == "" {
			continue
		}
		v, _ := strconv.ParseFloat(cs[i].text, 64)
		greater := 0
		for _, u := range vals {
			if u > v {
				greater++
			}
		}
		switch {
		case greater == 0:
			cs[i].mark = 1
		case greater == 1 && len(vals) >= 3:
			cs[i].mark = 2
		}
	}
}

// settingOrder is the order of the settings in differences; others follow,
// sorted.
var settingOrder = []string{"thresholds", "fpr_limit", "rcpro_tau", "rcpro_delta", "connectivity", "rc_average", "layout", "size", "protocol"}

// Differences lists the settings the runs differ in (all of
// evaluate.Settings but the version, the metrics computed and the maps
// resized to the evaluation size), then the
// test set when it differs: the categories, or a category's images,
// anomalous images or pixels.
func Differences(runs []Run) []Difference {
	settings := make([]map[string]string, len(runs))
	keys := slices.Clone(settingOrder)
	for i, r := range runs {
		settings[i] = settingsText(r.Report.Settings)
		var extra []string
		for k := range settings[i] {
			if !slices.Contains(keys, k) {
				extra = append(extra, k)
			}
		}
		slices.Sort(extra)
		keys = append(keys, extra...)
	}
	var out []Difference
	for _, k := range keys {
		d := Difference{Setting: k}
		for i, r := range runs {
			v, ok := settings[i][k]
			if !ok {
				v = "none"
			}
			d.Values = append(d.Values, r.Name+": "+v)
		}
		for i := range runs {
			if settings[i][k] != settings[0][k] {
				out = append(out, d)
				break
			}
		}
	}
	if d, ok := testSetDifference(runs); ok {
		out = append(out, d)
	}
	return out
}

// settingsText is s as JSON writes it, each value as text, without the
// version and the metrics.
func settingsText(s evaluate.Settings) map[string]string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // Settings always marshal
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	out := map[string]string{}
	for k, v := range m {
		// The maps resized to the evaluation size say how each run's maps
		// were read, not how they were evaluated (evaluation_size does).
		switch k {
		case "version", "metrics", "maps", "maps_resized", "resized", "resized_by_category":
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out
}

// testSetDifference says how the runs' test sets differ: in their
// categories, or a category's images or anomalous images, or its pixels
// when the runs share the evaluation size (else the size differs already).
// Each run's value is its totals, and the first category where they
// differ when the totals are alike.
func testSetDifference(runs []Run) (Difference, bool) {
	sameSize := true
	for _, r := range runs {
		sameSize = sameSize && r.Report.Settings.Size == runs[0].Report.Settings.Size
	}
	describe := func(c *evaluate.CategoryReport) string {
		switch {
		case c == nil:
			return "absent"
		case sameSize:
			return fmt.Sprintf("%d images (%d anomalous), %d pixels", c.Images, c.AnomalousImages, c.Pixels)
		}
		return fmt.Sprintf("%d images (%d anomalous)", c.Images, c.AnomalousImages)
	}
	differs := ""
	for _, name := range categoryNames(runs) {
		for _, r := range runs[1:] {
			if differs == "" && describe(categoryOf(r.Report, name)) != describe(categoryOf(runs[0].Report, name)) {
				differs = name
			}
		}
	}
	if differs == "" {
		return Difference{}, false
	}
	d := Difference{Setting: "test set"}
	totals := map[string]bool{}
	for _, r := range runs {
		images, anomalous, pixels := 0, 0, int64(0)
		for _, c := range r.Report.Categories {
			images, anomalous, pixels = images+c.Images, anomalous+c.AnomalousImages, pixels+c.Pixels
		}
		cats := fmt.Sprintf("%d categories", len(r.Report.Categories))
		if len(r.Report.Categories) == 1 {
			cats = "1 category"
		}
		v := fmt.Sprintf("%s, %d images (%d anomalous)", cats, images, anomalous)
		if sameSize {
			v += fmt.Sprintf(", %d pixels", pixels)
		}
		totals[v] = true
		d.Values = append(d.Values, r.Name+": "+v)
	}
	if len(totals) == 1 {
		for i, r := range runs {
			d.Values[i] += "; " + differs + ": " + describe(categoryOf(r.Report, differs))
		}
	}
	return d, true
}

// Write writes the comparison in format, one of Formats. Table, Markdown
// and LaTeX show percentages at the options' decimals, the best of each
// category and metric in bold and the second underlined (Markdown and
// LaTeX); CSV writes each run's rows as score's CSV does (fractions at full
// precision, provenance last) with the run's name first, restricted to the
// metric columns;
// JSON writes {"runs": [{"name": ..., <the run's report>}, ...]}.
func (cmp *Comparison) Write(w io.Writer, format string) error {
	switch format {
	case "table":
		return cmp.writeTable(w)
	case "markdown":
		return cmp.writeMarkdown(w)
	case "latex":
		return cmp.writeLaTeX(w)
	case "csv":
		return cmp.writeCSV(w)
	case "json":
		return cmp.writeJSON(w)
	}
	return fmt.Errorf("format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// grid is the table laid out: the header of each metric's group, the
// column headers within a group, the row labels, and the cells by row and
// column.
type grid struct {
	corner  string   // the label column's header
	groups  []string // metric names
	columns []string // in each group
	labels  []string
	cells   [][]cell // [row][group*len(columns)+column]
}

func (cmp *Comparison) grid() grid {
	rowNames := append(slices.Clone(cmp.Categories), "mean")
	g := grid{groups: cmp.Metrics}
	if !cmp.o.ModelRows {
		g.corner = "category"
		for _, r := range cmp.Runs {
			g.columns = append(g.columns, r.Name)
		}
		g.labels = rowNames
		for k := range rowNames {
			var row []cell
			for m := range cmp.Metrics {
				row = append(row, cmp.cells[k][m]...)
			}
			g.cells = append(g.cells, row)
		}
		return g
	}
	g.corner = "model"
	g.columns = rowNames
	for r, run := range cmp.Runs {
		g.labels = append(g.labels, run.Name)
		var row []cell
		for m := range cmp.Metrics {
			for k := range rowNames {
				row = append(row, cmp.cells[k][m][r])
			}
		}
		g.cells = append(g.cells, row)
	}
	return g
}

// single reports whether each group has one column: the groups' names
// are then the only header.
func (g grid) single() bool { return len(g.columns) == 1 }

// notes are the differences, one sentence each, for under the table.
func (cmp *Comparison) notes() []string {
	var out []string
	for _, d := range cmp.Differences {
		out = append(out, "Runs differ in "+d.Setting+": "+strings.Join(d.Values, "; ")+".")
	}
	return out
}

func (cmp *Comparison) writeTable(w io.Writer) error {
	g := cmp.grid()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	put := func(cells []string) { fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t") }
	if g.single() {
		put(append([]string{g.corner}, g.groups...))
	} else {
		top := []string{""}
		for _, name := range g.groups {
			top = append(top, name)
			top = append(top, make([]string, len(g.columns)-1)...)
		}
		put(top)
		head := []string{g.corner}
		for range g.groups {
			head = append(head, g.columns...)
		}
		put(head)
	}
	for i, label := range g.labels {
		if !cmp.o.ModelRows && i == len(g.labels)-1 && i > 0 {
			sep := []string{"-----"}
			for range g.cells[i] {
				sep = append(sep, "-----")
			}
			put(sep)
		}
		row := []string{label}
		for _, c := range g.cells[i] {
			row = append(row, c.styled("-", "%s", "%s", "*"))
		}
		put(row)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "values in %%%s\n", cmp.settingsLine())
	if n := cmp.significanceNote("*"); n != "" {
		fmt.Fprintln(w, n)
	}
	for _, n := range cmp.notes() {
		fmt.Fprintln(w, n)
	}
	return nil
}

// settingsLine names the settings shared by the runs (those of the first
// run when they differ).
func (cmp *Comparison) settingsLine() string {
	return "; " + metricSettings(cmp.Runs[0].Report) + bootstrapNote(cmp.Runs[0].Report)
}

func textOr(c cell, dash string) string {
	if c.text == "" {
		return dash
	}
	return c.text
}

// styled is c as a table writes it: the value (dash when there is none)
// wrapped in the format's best or second marker, dagger after a significant
// win, then the interval.
func (c cell) styled(dash, best, second, dagger string) string {
	t := textOr(c, dash)
	switch c.mark {
	case 1:
		t = fmt.Sprintf(best, t)
	case 2:
		t = fmt.Sprintf(second, t)
	}
	if c.sig {
		t += dagger
	}
	return t + c.ci
}

func (cmp *Comparison) writeMarkdown(w io.Writer) error {
	g := cmp.grid()
	var b strings.Builder
	head := []string{g.corner}
	for _, name := range g.groups {
		if g.single() {
			head = append(head, name)
			continue
		}
		for _, col := range g.columns {
			head = append(head, name+" ("+markdownEscaper.Replace(col)+")")
		}
	}
	b.WriteString(markdownHead(head))
	for i, label := range g.labels {
		label = markdownEscaper.Replace(label)
		if !cmp.o.ModelRows && i == len(g.labels)-1 {
			label = "**mean**"
		}
		row := []string{label}
		for _, c := range g.cells[i] {
			row = append(row, c.styled("–", "**%s**", "<u>%s</u>", "†"))
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	b.WriteString("\nValues in %; best in bold, second underlined" + cmp.settingsLine() + ".\n")
	if n := cmp.significanceNote("†"); n != "" {
		b.WriteString("\n" + n + ".\n")
	}
	for _, n := range cmp.notes() {
		b.WriteString("\n" + markdownEscaper.Replace(n) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeLaTeX writes a booktabs tabular that needs nothing but booktabs:
// one column group per metric, \cmidrule under each group's name, best in
// \textbf, second in \underline, and the differences of mixed runs in rows
// under the rule.
func (cmp *Comparison) writeLaTeX(w io.Writer) error {
	g := cmp.grid()
	ncols := 1 + len(g.groups)*len(g.columns)
	var b strings.Builder
	b.WriteString("% zsadbench compare: values in %; best in bold, second underlined; requires \\usepackage{booktabs}\n")
	b.WriteString("\\begin{tabular}{l")
	for range g.groups {
		b.WriteString(strings.Repeat("r", len(g.columns)))
	}
	b.WriteString("}\n\\toprule\n")
	corner := strings.ToUpper(g.corner[:1]) + g.corner[1:]
	if g.single() {
		b.WriteString(corner + " & " + strings.Join(g.groups, " & ") + " \\\\\n")
	} else {
		var top, rules []string
		for i, name := range g.groups {
			top = append(top, fmt.Sprintf("\\multicolumn{%d}{c}{%s}", len(g.columns), name))
			lo := 2 + i*len(g.columns)
			rules = append(rules, fmt.Sprintf("\\cmidrule(lr){%d-%d}", lo, lo+len(g.columns)-1))
		}
		b.WriteString(" & " + strings.Join(top, " & ") + " \\\\\n")
		b.WriteString(strings.Join(rules, " ") + "\n")
		head := []string{corner}
		for range g.groups {
			for _, col := range g.columns {
				if col == "mean" && cmp.o.ModelRows {
					col = "Mean"
				}
				head = append(head, latexEscaper.Replace(col))
			}
		}
		b.WriteString(strings.Join(head, " & ") + " \\\\\n")
	}
	b.WriteString("\\midrule\n")
	for i, label := range g.labels {
		if !cmp.o.ModelRows && i == len(g.labels)-1 {
			if i > 0 {
				b.WriteString("\\midrule\n")
			}
			label = "Mean"
		} else {
			label = latexEscaper.Replace(label)
		}
		row := []string{label}
		for _, c := range g.cells[i] {
			row = append(row, c.styled("--", "\\textbf{%s}", "\\underline{%s}", "$^\\dagger$"))
		}
		b.WriteString(strings.Join(row, " & ") + " \\\\\n")
	}
	b.WriteString("\\bottomrule\n")
	if n := cmp.significanceNote(""); n != "" {
		n = strings.Replace(latexEscaper.Replace(n), "p < ", "$p < $", 1)
		b.WriteString(latexNote(ncols, "$^\\dagger$"+n))
	}
	for _, n := range cmp.notes() {
		b.WriteString(latexNote(ncols, latexEscaper.Replace(n)))
	}
	b.WriteString("\\end{tabular}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (cmp *Comparison) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{"model", "category", "images", "anomalous_images", "pixels"}
	for _, m := range cmp.Metrics {
		level, key := columnKey(m) // score's CSV name
		header = append(header, level+"_"+key)
	}
	header = append(header, csvProvenanceHeader...)
	cw.Write(header)
	rows := len(cmp.Categories) + 1
	for r, run := range cmp.Runs {
		for k := range rows {
			rec := []string{run.Name, "mean", "", "", ""}
			if k < rows-1 {
				rec[1] = cmp.Categories[k]
				c := categoryOf(run.Report, cmp.Categories[k])
				if c == nil {
					continue // the run lacks the category
				}
				rec[2], rec[3], rec[4] = strconv.Itoa(c.Images), strconv.Itoa(c.AnomalousImages), strconv.FormatInt(c.Pixels, 10)
			}
			for m := range cmp.Metrics {
				rec = append(rec, fraction(cmp.cells[k][m][r].v))
			}
			name := ""
			if k < rows-1 {
				name = cmp.Categories[k]
			}
			cw.Write(append(rec, csvProvenance(run.Report, name)...))
		}
	}
	cw.Flush()
	return cw.Error()
}

func (cmp *Comparison) writeJSON(w io.Writer) error {
	type namedRun struct {
		Name       string `json:"name"`
		jsonReport        // as score's JSON has it
	}
	out := struct {
		Runs        []namedRun          `json:"runs"`
		Differences map[string][]string `json:"differences,omitempty"`
		// Comparisons are the paired tests (CompareOptions.Significance).
		Comparisons []significance.Comparison `json:"comparisons,omitempty"`
	}{}
	if s := cmp.o.Significance; s != nil {
		out.Comparisons = s.Comparisons
	}
	for _, r := range cmp.Runs {
		out.Runs = append(out.Runs, namedRun{r.Name, jsonOf(r.Report)})
	}
	for _, d := range cmp.Differences {
		if out.Differences == nil {
			out.Differences = map[string][]string{}
		}
		out.Differences[d.Setting] = d.Values
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// maxResults bounds a results file ReadJSON reads.
const maxResults = 256 << 20

// ReadJSON reads a report as Write writes it in format "json" (score
// --format json, or results.json beside --curves). It needs "settings",
// "categories" (each named, once) and "mean"; every metric must be null or
// a fraction in [0, 1]. Unknown keys are ignored.
func ReadJSON(r io.Reader) (*evaluate.Report, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxResults+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxResults {
		return nil, fmt.Errorf("results larger than %d MiB", maxResults>>20)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil || keys == nil {
		return nil, errors.New("not a JSON object of results (zsadbench score --format json)")
	}
	for _, k := range []string{"settings", "categories", "mean"} {
		if _, ok := keys[k]; !ok {
			return nil, fmt.Errorf("no %q: not zsadbench results (zsadbench score --format json)", k)
		}
	}
	if err := checkKeys(keys); err != nil {
		return nil, err
	}
	var rep evaluate.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if err := rep.Settings.Settings.Validate(); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	names := map[string]bool{}
	for i, c := range rep.Categories {
		if c == nil || c.Name == "" {
			return nil, fmt.Errorf("category %d has no name", i)
		}
		if names[c.Name] {
			return nil, fmt.Errorf("category %q given twice", c.Name)
		}
		names[c.Name] = true
		if err := checkFractions(c.Name, c.Image, c.Pixel); err != nil {
			return nil, err
		}
		if c.Images < 0 || c.AnomalousImages < 0 || c.AnomalousImages > c.Images || c.Pixels < 0 {
			return nil, fmt.Errorf("category %q: %d images, %d anomalous, %d pixels", c.Name, c.Images, c.AnomalousImages, c.Pixels)
		}
		for _, d := range c.Defects {
			if d == nil {
				return nil, fmt.Errorf("category %q: a null defect row", c.Name)
			}
			if err := checkFractions(c.Name+"/"+d.Name, d.Image, d.Pixel); err != nil {
				return nil, err
			}
		}
	}
	if err := checkFractions("mean", rep.Mean.Image, rep.Mean.Pixel); err != nil {
		return nil, err
	}
	return &rep, nil
}

// checkKeys checks that every metric of the categories (and their rows per
// defect) and of the mean is given, as a number or null: a missing one
// would otherwise read as 0.
func checkKeys(top map[string]json.RawMessage) error {
	type row struct {
		Name    string                     `json:"name"`
		Image   map[string]json.RawMessage `json:"image"`
		Pixel   map[string]json.RawMessage `json:"pixel"`
		Defects []row                      `json:"defects"`
	}
	var check func(r row, where string) error
	check = func(r row, where string) error {
		for _, col := range columns {
			level, k := columnKey(col.header)
			keys := r.Pixel
			if level == "image" {
				keys = r.Image
			}
			if _, ok := keys[k]; !ok {
				return fmt.Errorf("%s: no %s %q (null for a metric not computed)", where, level, k)
			}
		}
		for _, d := range r.Defects {
			if err := check(d, where+"/"+d.Name); err != nil {
				return err
			}
		}
		return nil
	}
	var cats []row
	var mean row
	if json.Unmarshal(top["categories"], &cats) != nil || json.Unmarshal(top["mean"], &mean) != nil {
		return errors.New(`"categories" or "mean" is not as zsadbench writes them`)
	}
	for i, c := range cats {
		if err := check(c, fmt.Sprintf("category %d (%q)", i, c.Name)); err != nil {
			return err
		}
	}
	return check(mean, "mean")
}

func checkFractions(where string, im evaluate.ImageMetrics, px evaluate.PixelMetrics) error {
	for _, col := range columns {
		if v := col.get(im, px); v.OK() && !(v.V >= 0 && v.V <= 1) {
			return fmt.Errorf("%s: %s %v is not a fraction in [0, 1]", where, col.header, v.V)
		}
	}
	return nil
}
