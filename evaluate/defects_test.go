package evaluate_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
)

// typed is an in-memory source whose images have defect types.
type typed struct {
	cats      []metric.Category
	defects   [][]string
	reread    bool
	untypedAt int // this category has no types (-1: none)
}

func (s *typed) Categories() []evaluate.CategoryInfo {
	infos := make([]evaluate.CategoryInfo, len(s.cats))
	for i, c := range s.cats {
		infos[i] = evaluate.CategoryInfo{Name: c.Name, Images: len(c.Images)}
		if i != s.untypedAt {
			infos[i].Defects = s.defects[i]
		}
	}
	return infos
}

func (s *typed) Read(_ context.Context, c, lo, hi int) ([]metric.Image, error) {
	return s.cats[c].Images[lo:hi], nil
}
func (s *typed) Rereadable() bool          { return s.reread }
func (s *typed) Info() evaluate.SourceInfo { return evaluate.SourceInfo{} }

// synthTyped returns synth's images with their defect types.
func synthTyped(t *testing.T) *typed {
	s := &typed{untypedAt: -1}
	err := synth.Generate(synth.Options{Categories: 2, Images: 24, Size: 48, Seed: 11}, func(img synth.Image) error {
		if len(s.cats) == 0 || s.cats[len(s.cats)-1].Name != img.Category {
			s.cats = append(s.cats, metric.Category{Name: img.Category})
			s.defects = append(s.defects, nil)
		}
		c := len(s.cats) - 1
		s.cats[c].Images = append(s.cats[c].Images, metric.Image{Name: img.Defect + "/" + img.ID, Width: img.Width, Height: img.Height, Scores: img.Scores, Mask: img.Mask})
		d := img.Defect
		if d == "good" {
			d = ""
		}
		s.defects[c] = append(s.defects[c], d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestByDefect: each defect row is exactly what Dataset gives for a dataset
// of the category's normal images and that type's anomalous ones, on both
// grids, whether the category is held (exact grid, or a model's output) or
// read again in parts (steps grid, files), even past HoldPixels.
func TestByDefect(t *testing.T) {
	src := synthTyped(t)
	steps := metric.DefaultSettings
	steps.Thresholds = metric.Steps(50)
	for _, tc := range []struct {
		name   string
		s      metric.Settings
		reread bool
		hold   int
	}{
		{"exact", metric.DefaultSettings, true, 0},
		{"steps files", steps, true, 0},
		{"steps files past hold", steps, true, 5 * 48 * 48},
		{"steps model", steps, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src.reread = tc.reread
			o := evaluate.Options{ByDefect: true, HoldPixels: tc.hold}
			rep, err := evaluate.Dataset(context.Background(), src, tc.s, o)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := evaluate.Dataset(context.Background(), src, tc.s, evaluate.Options{HoldPixels: tc.hold})
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			for c, cr := range rep.Categories {
				if got, want := metricsJSON(t, cr, true), metricsJSON(t, plain.Categories[c], false); got != want {
					t.Errorf("%s: with rows per defect %s, without %s", cr.Name, got, want)
				}
				var types []string
				for _, d := range src.defects[c] {
					if d != "" && !contains(types, d) {
						types = append(types, d)
					}
				}
				if len(cr.Defects) != len(types) || len(types) < 2 {
					t.Fatalf("%s: %d rows per defect for types %v", cr.Name, len(cr.Defects), types)
				}
				for k, row := range cr.Defects {
					var sub metric.Category
					sub.Name = cr.Name + "/" + row.Name
					for i, d := range src.defects[c] {
						if d == "" || d == row.Name {
							sub.Images = append(sub.Images, src.cats[c].Images[i])
						}
					}
					if k > 0 && row.Name <= cr.Defects[k-1].Name {
						t.Errorf("%s: rows not in type order: %s after %s", cr.Name, row.Name, cr.Defects[k-1].Name)
					}
					one := &typed{cats: []metric.Category{sub}, defects: [][]string{nil}, reread: tc.reread, untypedAt: -1}
					want, err := evaluate.Dataset(context.Background(), one, tc.s, evaluate.Options{HoldPixels: tc.hold})
					if err != nil {
						t.Fatal(err)
					}
					w := want.Categories[0]
					w.Name = row.Name
					if got, want := metricsJSON(t, row, false), metricsJSON(t, w, false); got != want {
						t.Errorf("%s: row %s\n got %s\nwant %s", cr.Name, row.Name, got, want)
					}
					if row.Images != len(sub.Images) || row.AnomalousImages == 0 || row.AnomalousImages == row.Images {
						t.Errorf("%s/%s: %d images, %d anomalous", cr.Name, row.Name, row.Images, row.AnomalousImages)
					}
					rows++
				}
			}
			// (As JSON: metrics not computed are NaN, which == never equals.)
			if a, b := mustJSON(t, rep.Mean), mustJSON(t, plain.Mean); a != b {
				t.Errorf("mean with rows per defect %+v, without %+v", rep.Mean, plain.Mean)
			}
			if rows == 0 {
				t.Fatal("no row per defect")
			}
		})
	}
}

func TestByDefectUntyped(t *testing.T) {
	src := synthTyped(t)
	src.untypedAt = 1
	rep, err := evaluate.Dataset(context.Background(), src, metric.DefaultSettings, evaluate.Options{ByDefect: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Categories[0].Defects) == 0 || rep.Categories[1].Defects != nil {
		t.Errorf("rows per defect: %d and %d", len(rep.Categories[0].Defects), len(rep.Categories[1].Defects))
	}
	n := 0
	for _, w := range rep.Warnings {
		if strings.Contains(w, "cat01: the dataset names no defect types") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("warnings %q", rep.Warnings)
	}
	// JSON nests the rows under their category, and leaves the key out
	// without them.
	b, err := json.Marshal(rep.Categories)
	if err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	rows, ok := back[0]["defects"].([]any)
	if _, has := back[1]["defects"]; !ok || len(rows) != len(rep.Categories[0].Defects) || has {
		t.Errorf("JSON: %s", b)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// metricsJSON is a report's JSON, with or without its rows per defect.
func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func metricsJSON(t *testing.T, cr *evaluate.CategoryReport, dropDefects bool) string {
	c := *cr
	if dropDefects {
		c.Defects = nil
	}
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
