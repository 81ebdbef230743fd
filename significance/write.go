package significance

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/zsadbench/zsadbench/metric"
)

// Formats are the formats Write writes.
var Formats = []string{"table", "json"}

// Write writes the result as a table (differences in percentage points,
// significant ones marked with the better run) or as JSON (the Result
// object: "runs", "confidence", "comparisons", "warnings").
func Write(w io.Writer, r *Result, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "table":
		return writeTable(w, r)
	}
	return fmt.Errorf("format %q: want table or json", format)
}

func writeTable(w io.Writer, r *Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	level := strconv.FormatFloat(100*r.Confidence, 'g', -1, 64)
	fmt.Fprintf(tw, "a\tb\tcategory\tmetric\ttest\ta - b [%s%% CI]\tp\tp_holm\tbetter\t\n", level)
	pp := func(v metric.Value) string { return strconv.FormatFloat(100*v.V, 'f', 1, 64) }
	p := func(v metric.Value) string {
		if !v.OK() {
			return "-"
		}
		return strconv.FormatFloat(v.V, 'g', 3, 64)
	}
	for _, c := range r.Comparisons {
		diff := "-"
		if c.Diff.OK() {
			diff = fmt.Sprintf("%+.1f", 100*c.Diff.V)
			if c.CILow.OK() && c.CIHigh.OK() {
				diff += " [" + pp(c.CILow) + ", " + pp(c.CIHigh) + "]"
			}
		}
		better := ""
		if c.Significant && c.Diff.OK() {
			better = c.A + " *"
			if c.Diff.V < 0 {
				better = c.B + " *"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.A, c.B, c.Category, c.Metric, c.Test, diff,
			p(c.PValue), p(c.PHolm), better)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "differences in percentage points; * = significant at %s after Holm's correction across categories\n", strconv.FormatFloat(1-r.Confidence, 'g', 3, 64))
	return err
}
