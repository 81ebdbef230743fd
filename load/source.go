package load

import (
	"context"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
)

// Source is the evaluate.Source of a dataset's entries: a backend makes each
// entry's map (read from a file, or run by a model), and Category puts it on
// one grid with its mask.
type Source struct {
	groups     [][]dataset.Entry // entries by category
	plans      []*Plan           // each category's, made at its first read
	b          backend.Backend
	input      func(*dataset.Entry) backend.Input
	opts       Options
	rereadable bool
	info       evaluate.SourceInfo
}

// Maps returns the source of ds's score maps, read from the files
// (Entry.MapPath) by backend.Files, with the image scores of scores where it
// has them (nil: the maximum of each map). ds comes from a dataset.Open in
// dataset.ScoreMode; its Entries may have been restricted to a protocol's.
func Maps(ds *dataset.Dataset, scores *backend.Scores, opts Options) *Source {
	files := &backend.Files{Scores: scores, Workers: opts.Workers}
	s := newSource(ds, files, func(e *dataset.Entry) backend.Input { return backend.Input{Key: e.Key, Path: e.MapPath} }, opts)
	s.rereadable = true
	return s
}

// Model returns the source of maps that b makes from ds's images
// (Entry.ImagePath; ds opened in dataset.PredictMode). Each image is run
// once, so a steps-grid category is held in memory whole.
func Model(ds *dataset.Dataset, b backend.Backend, opts Options) *Source {
	return newSource(ds, b, func(e *dataset.Entry) backend.Input { return backend.Input{Key: e.Key, Path: e.ImagePath} }, opts)
}

func newSource(ds *dataset.Dataset, b backend.Backend, input func(*dataset.Entry) backend.Input, opts Options) *Source {
	s := &Source{groups: byCategory(ds.Entries), b: b, input: input, opts: opts}
	s.plans = make([]*Plan, len(s.groups))
	s.info = evaluate.SourceInfo{Layout: string(ds.Layout), Size: opts.Size, Protocol: opts.Protocol, DatasetCategories: len(ds.AllCategories)}
	for _, w := range ds.Warnings {
		s.info.Warnings = append(s.info.Warnings, w.Error())
	}
	return s
}

// byCategory cuts entries, sorted by category, into one group a category.
func byCategory(entries []dataset.Entry) [][]dataset.Entry {
	var groups [][]dataset.Entry
	for i := 0; i < len(entries); {
		j := i
		for j < len(entries) && entries[j].Category == entries[i].Category {
			j++
		}
		groups = append(groups, entries[i:j])
		i = j
	}
	return groups
}

// Warn adds a warning of the caller's to the report's (after the dataset's
// own).
func (s *Source) Warn(msg string) { s.info.Warnings = append(s.info.Warnings, msg) }

// Categories describes the categories in entry order; a category's label
// kinds are those of its first entry (a layout gives every entry of a
// category the same). Its defect types are the entries' (Entry.Defect) when
// every anomalous entry has one.
func (s *Source) Categories() []evaluate.CategoryInfo {
	infos := make([]evaluate.CategoryInfo, len(s.groups))
	for i, g := range s.groups {
		infos[i] = evaluate.CategoryInfo{Name: g[0].Category, Images: len(g), NoPixelLabels: !g[0].PixelLabels, NoImageLabels: !g[0].ImageLabels,
			Defects: defects(g)}
	}
	return infos
}

// defects returns the defect type of each entry ("" for normal ones), or
// nil when an anomalous entry has none, or no entry is anomalous.
func defects(entries []dataset.Entry) []string {
	types := make([]string, len(entries))
	typed := false
	for i, e := range entries {
		if !e.Anomalous {
			continue
		}
		if e.Defect == "" {
			return nil
		}
		types[i], typed = e.Defect, true
	}
	if !typed {
		return nil
	}
	return types
}

// Read makes the maps of images [lo, hi) of category c and loads them with
// their masks, at the sizes of the category's Plan (made at its first read,
// and checked once its last image is read). Errors name the file.
func (s *Source) Read(ctx context.Context, c, lo, hi int) ([]metric.Image, error) {
	if s.plans[c] == nil {
		p, err := NewPlan(s.groups[c], s.opts)
		if err != nil {
			return nil, err
		}
		s.plans[c] = p
	}
	part := s.groups[c][lo:hi]
	in := make([]backend.Input, len(part))
	for j := range part {
		in[j] = s.input(&part[j])
	}
	outs, err := s.b.Predict(ctx, in)
	if err != nil {
		return nil, err
	}
	cat, err := s.plans[c].Category(part[0].Category, part, outs)
	if err != nil {
		return nil, err
	}
	if hi == len(s.groups[c]) {
		if err := s.plans[c].Check(); err != nil {
			return nil, err
		}
	}
	return cat.Images, nil
}

// Maps returns the number of images of the source.
func (s *Source) Maps() int {
	n := 0
	for _, g := range s.groups {
		n += len(g)
	}
	return n
}

// Resized returns the maps resized to the evaluation size so far, in every
// category and by category.
func (s *Source) Resized() (all Resizes, byCategory map[string]Resizes) {
	byCategory = map[string]Resizes{}
	for c, p := range s.plans {
		if p == nil {
			continue
		}
		rs := p.Resized()
		if len(rs) > 0 {
			byCategory[s.groups[c][0].Category] = rs
		}
		for _, r := range rs {
			all.Add(r)
		}
	}
	return all, byCategory
}

// Rereadable reports whether the maps are files (cheap to read again) rather
// than a model's output.
func (s *Source) Rereadable() bool { return s.rereadable }

// Info is the layout, evaluation size and protocol, the maps resized so
// far, and the warnings.
func (s *Source) Info() evaluate.SourceInfo {
	info := s.info
	info.EvaluationSize = "ground truth"
	if s.opts.Size > 0 {
		info.EvaluationSize = Size{s.opts.Size, s.opts.Size}.String()
	}
	info.Maps = s.Maps()
	all, by := s.Resized()
	info.MapsResized = all.Maps()
	info.Resized = all.report()
	for name, rs := range by {
		if info.ResizedByCategory == nil {
			info.ResizedByCategory = map[string][]evaluate.Resize{}
		}
		info.ResizedByCategory[name] = rs.report()
	}
	return info
}

// report converts resizes for evaluate's report.
func (rs Resizes) report() []evaluate.Resize {
	out := []evaluate.Resize{}
	for _, r := range rs {
		out = append(out, evaluate.Resize{From: r.From.String(), To: r.To.String(), Maps: r.Maps})
	}
	return out
}
