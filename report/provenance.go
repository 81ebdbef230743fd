package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
)

// A report's provenance is in its settings (evaluate.Settings: the version,
// the protocol, the evaluation size, the maps resized, the dataset's
// categories): JSON writes it there, CSV in its last columns and the table
// in its footer. A mean over fewer categories than the dataset has (a
// category filter, a metric undefined in some category) is marked in every
// format.

// resizeText lists resizes, "16 from 192x192 to 96x96, ...", or "none".
func resizeText(rs []evaluate.Resize) string {
	if len(rs) == 0 {
		return "none"
	}
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%d from %s to %s", r.Maps, r.From, r.To))
	}
	return strings.Join(parts, ", ")
}

// MeanOver counts, for each metric, the categories its mean is over (those
// where it is defined), against the categories the dataset has: JSON's
// "mean_over".
type MeanOver struct {
	DatasetCategories int `json:"dataset_categories"`
	// Partial is true when a mean in the report is over fewer categories
	// than the dataset has.
	Partial bool           `json:"partial"`
	Image   map[string]int `json:"image"`
	Pixel   map[string]int `json:"pixel"`
}

// datasetCategories is the number of categories the dataset has: the
// source's count, else the report's.
func datasetCategories(r *evaluate.Report) int {
	return max(r.Settings.DatasetCategories, len(r.Categories))
}

// meanColumn is a table column's mean: its value, the categories it is
// over, and the categories where it is undefined.
type meanColumn struct {
	v         metric.Value
	over      int
	undefined []string
}

// partial reports whether a defined mean is over fewer than n categories.
func (m meanColumn) partial(n int) bool { return m.v.OK() && m.over < n }

// meanColumns returns the mean of each table column with what it is over.
func meanColumns(r *evaluate.Report) []meanColumn {
	cols := columnsOf(r)
	out := make([]meanColumn, len(cols))
	for i, col := range cols {
		out[i].v = col.get(r.Mean.Image, r.Mean.Pixel)
		for _, c := range r.Categories {
			if col.get(c.Image, c.Pixel).OK() {
				out[i].over++
			} else {
				out[i].undefined = append(out[i].undefined, c.Name)
			}
		}
	}
	return out
}

// meanOver returns JSON's "mean_over".
func meanOver(r *evaluate.Report) MeanOver {
	n := datasetCategories(r)
	mo := MeanOver{DatasetCategories: n, Image: map[string]int{}, Pixel: map[string]int{}}
	for i, m := range meanColumns(r) {
		level, key := columnKey(columnsOf(r)[i].header)
		if level == "image" {
			mo.Image[key] = m.over
		} else {
			mo.Pixel[key] = m.over
		}
		mo.Partial = mo.Partial || m.partial(n)
	}
	return mo
}

// columnKey maps a table header ("P-AUROC") to JSON's level and key.
func columnKey(header string) (level, key string) {
	level, h := "pixel", header
	if rest, ok := strings.CutPrefix(header, "I-"); ok {
		level, h = "image", rest
	}
	h = strings.ToLower(strings.TrimPrefix(h, "P-"))
	if h == "f1max" {
		h = "f1_max"
	}
	return level, h
}

// meanMark marks, in tables, a mean over fewer categories than the dataset
// has.
const meanMark = "*"

// partialNote explains the marked means ("" when none is): how many
// categories were evaluated, and for the means over fewer, where each is
// undefined.
func partialNote(r *evaluate.Report) string {
	n := datasetCategories(r)
	var parts []string
	if len(r.Categories) < n {
		parts = append(parts, fmt.Sprintf("%d evaluated", len(r.Categories)))
	}
	// The columns over the same categories, together.
	type group struct {
		names     []string
		over      int
		undefined string
	}
	var groups []*group
	for i, m := range meanColumns(r) {
		if !m.partial(n) || len(m.undefined) == 0 {
			continue
		}
		u := strings.Join(m.undefined, ", ")
		var g *group
		for _, h := range groups {
			if h.undefined == u {
				g = h
			}
		}
		if g == nil {
			g = &group{over: m.over, undefined: u}
			groups = append(groups, g)
		}
		g.names = append(g.names, columnsOf(r)[i].header)
	}
	for _, g := range groups {
		parts = append(parts, fmt.Sprintf("%s over %d (undefined in %s)", strings.Join(g.names, ", "), g.over, g.undefined))
	}
	if len(parts) == 0 {
		return ""
	}
	return meanMark + " mean over fewer than the dataset's " + strconv.Itoa(n) + " categories: " + strings.Join(parts, "; ")
}

// provenanceLine is the table footer's line on how the numbers were made
// ("" when the report says nothing of it).
func provenanceLine(r *evaluate.Report) string {
	s := r.Settings
	var parts []string
	if s.Protocol != "" {
		parts = append(parts, "protocol "+s.Protocol)
	}
	switch s.EvaluationSize {
	case "":
	case "ground truth":
		parts = append(parts, "evaluated at each image's ground-truth size")
	default:
		parts = append(parts, "evaluated at "+s.EvaluationSize)
	}
	if s.Maps > 0 {
		resized := fmt.Sprintf("%d of %d maps resized", s.MapsResized, s.Maps)
		if s.MapsResized > 0 {
			resized += " (" + resizeText(s.Resized) + ")"
		}
		parts = append(parts, resized)
	}
	if s.Version != "" {
		parts = append(parts, "zsadbench "+s.Version)
	}
	return strings.Join(parts, "; ")
}

// csvProvenanceHeader are the CSV's provenance columns.
var csvProvenanceHeader = []string{"evaluation_size", "maps_resized", "protocol", "zsadbench_version"}

// csvProvenance are the provenance columns of a category row (name) or the
// mean row (name ""): the same on every row but the resizes, which are the
// category's.
func csvProvenance(r *evaluate.Report, name string) []string {
	s := r.Settings
	rs := s.Resized
	if name != "" {
		rs = s.ResizedByCategory[name]
	}
	return []string{s.EvaluationSize, resizeText(rs), s.Protocol, s.Version}
}
