// Package viz makes the qualitative figure of a ZSAD paper: one row per
// image, with the input image, its ground truth (the defect's contour over
// the image) and each model's score map as a heatmap over the image, one
// colour scale per row with its colour bar. Images are chosen by key, or
// automatically per category (Select): the most anomalous, the hardest
// normal, or the largest disagreement between two models.
//
// How a heatmap's colours are normalised is explicit (Normalization) and
// written in the figure's caption: per image (each row's scale runs from
// the lowest to the highest score of its maps, all models together), per
// category (of all maps of the category), or a fixed range.
//
// The package reads maps and masks through package load, so they are on
// the grid the metrics use (a map resized to its mask); input images come
// from the dataset (dataset.PredictMode), and where there are none the maps
// are drawn over a neutral grey, which the caption says. Drawing is package
// plots' ImageGrid.
package viz

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot/palette/moreland"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/plots"
)

// Run is one model's maps: a dataset opened in dataset.ScoreMode on the
// model's maps folder.
type Run struct {
	Name    string
	Dataset *dataset.Dataset
}

// Options say how the figure is made.
type Options struct {
	// Load puts maps and masks on one grid (load.DefaultOptions: the
	// mask's).
	Load load.Options
	// Normalization of the heatmaps' colours; the zero value is per image.
	Normalization Normalization
	// Images maps keys to input image files (the entries of the dataset
	// opened in dataset.PredictMode); a key without one is drawn over a
	// neutral grey.
	Images map[string]string
	// Figure sizes the figure: Width (default two columns), DPI (default
	// 300), FontSize, Title.
	Figure plots.Options
}

// Pick is an image in the figure: its key and, for an image Select chose,
// why (shown under its name).
type Pick struct {
	Key, Reason string
}

// NormMode is how heatmap colours are normalised.
type NormMode int

const (
	PerImage    NormMode = iota // each row from the lowest to the highest score of its maps
	PerCategory                 // from the lowest to the highest score of the category's maps
	Fixed                       // from Lo to Hi
)

// Normalization says which scores the colour scale's ends are.
type Normalization struct {
	Mode   NormMode
	Lo, Hi float64 // Fixed
}

// ParseNormalization reads "image", "category" or "fixed:LO,HI".
func ParseNormalization(s string) (Normalization, error) {
	switch s {
	case "image", "per-image":
		return Normalization{Mode: PerImage}, nil
	case "category", "per-category":
		return Normalization{Mode: PerCategory}, nil
	}
	if r, ok := strings.CutPrefix(s, "fixed:"); ok {
		a, b, ok := strings.Cut(r, ",")
		lo, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
		hi, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
		if ok && err1 == nil && err2 == nil && lo < hi && !math.IsInf(lo, 0) && !math.IsInf(hi, 0) {
			return Normalization{Mode: Fixed, Lo: lo, Hi: hi}, nil
		}
	}
	return Normalization{}, fmt.Errorf("normalisation %q: want image, category or fixed:LO,HI with LO < HI", s)
}

// describe is the caption's sentence about the normalisation.
func (n Normalization) describe() string {
	switch n.Mode {
	case PerCategory:
		return "one scale per category: each bar runs from the lowest to the highest score of all maps of the row's category, every model together"
	case Fixed:
		return fmt.Sprintf("one fixed scale: every bar runs from %g to %g, scores outside it clipped", n.Lo, n.Hi)
	}
	return "one scale per image: each bar runs from the lowest to the highest score of the row's maps, every model together"
}

// heatAlpha is the heatmaps' opacity over the image.
const heatAlpha = 0.5

// neutral is the background of panels without an input image.
var neutral = color.RGBA{0x80, 0x80, 0x80, 0xFF}

// contour is the ground truth's colour: Okabe-Ito's bluish green, apart
// from the cool-warm heatmaps' blue and red.
var contour = color.RGBA{0x00, 0x9E, 0x73, 0xFF}

// lut is the cool-warm colour map (Moreland's smooth blue-red), sampled:
// computing it per pixel is slow.
var lut = func() [1024]color.RGBA {
	cm := moreland.SmoothBlueRed()
	cm.SetMin(0)
	cm.SetMax(1)
	var t [1024]color.RGBA
	for i := range t {
		c, err := cm.At(float64(i) / float64(len(t)-1))
		if err != nil {
			panic(err)
		}
		t[i] = color.RGBAModel.Convert(c).(color.RGBA)
	}
	return t
}()

// colorAt returns the colour of v in [0, 1] (clipped).
func colorAt(v float64) color.RGBA {
	v = math.Max(0, math.Min(1, v))
	return lut[int(v*float64(len(lut)-1)+0.5)]
}

// row is one image's data for the figure.
type row struct {
	pick     Pick
	category string
	img      image.Image    // nil: none
	maps     []metric.Image // one a run, on load's grid
	mask     []bool         // on maps[0]'s grid; nil: normal
	lo, hi   float64        // the colour scale's ends
}

// New builds the figure of the picked images, in order, one row each.
// Every run must have each key. It also returns warnings worth telling the
// user (input images missing). Errors name the file or key.
func New(ctx context.Context, runs []Run, picks []Pick, o Options) (*plots.ImageGrid, []string, error) {
	if len(runs) == 0 || len(picks) == 0 {
		return nil, nil, fmt.Errorf("viz: %d runs and %d images, want at least one of each", len(runs), len(picks))
	}
	if o.Normalization.Mode == Fixed && !(o.Normalization.Lo < o.Normalization.Hi) {
		return nil, nil, fmt.Errorf("viz: fixed range [%g, %g] is empty", o.Normalization.Lo, o.Normalization.Hi)
	}
	var rows []*row
	missing := 0
	for _, p := range picks {
		r := &row{pick: p}
		for _, run := range runs {
			e, ok := entry(run.Dataset, p.Key)
			if !ok {
				return nil, nil, fmt.Errorf("viz: run %s has no map for image %s", run.Name, p.Key)
			}
			r.category = e.Category
			im, err := readImage(ctx, run.Dataset, e, o.Load)
			if err != nil {
				return nil, nil, err
			}
			r.maps = append(r.maps, im)
		}
		r.mask = r.maps[0].Mask
		if path, ok := o.Images[p.Key]; ok {
			img, err := loadImage(path)
			if err != nil {
				return nil, nil, err
			}
			r.img = img
		} else {
			missing++
		}
		rows = append(rows, r)
	}
	if err := setRanges(ctx, runs, rows, o); err != nil {
		return nil, nil, err
	}
	var warnings []string
	if missing > 0 {
		warnings = append(warnings, fmt.Sprintf("%d of %d images have no input image in the dataset: their maps are drawn over a neutral grey", missing, len(rows)))
	}
	// Without any input image, a column of grey panels would show nothing.
	withImage := missing < len(rows)
	columns := []string{"Ground truth"}
	if withImage {
		columns = []string{"Image", "Ground truth"}
	}
	for _, run := range runs {
		columns = append(columns, run.Name)
	}
	var grows []plots.ImageRow
	for _, r := range rows {
		grows = append(grows, r.gridRow(withImage))
	}
	g, err := plots.NewImageGrid(columns, grows, caption(runs, o.Normalization, missing, len(rows)), o.Figure)
	if err != nil {
		return nil, nil, err
	}
	return g, warnings, nil
}

// caption says what the heatmaps are, how they are normalised, and where
// input images were missing.
func caption(runs []Run, n Normalization, missing, total int) string {
	var names []string
	for _, r := range runs {
		names = append(names, r.Name)
	}
	gt, over := "the defect's outline in green", "over the image"
	switch {
	case missing == total:
		gt, over = "the defect in white", "over a neutral grey (the dataset has no input images)"
	case missing > 0:
		gt, over = "the defect's outline in green (in white where there is no input image)", "over the image (over a neutral grey where the dataset has none)"
	}
	return fmt.Sprintf("Ground truth: %s. Heatmaps (%s): the score map, cool-warm colour map (blue low, red high) at %d%% opacity %s; %s.",
		gt, strings.Join(names, ", "), int(heatAlpha*100), over, n.describe())
}

// entry finds the entry of a key.
func entry(ds *dataset.Dataset, key string) (dataset.Entry, bool) {
	for _, e := range ds.Entries {
		if e.Key == key {
			return e, true
		}
	}
	return dataset.Entry{}, false
}

// readImage loads one entry's map and mask on load's grid.
func readImage(ctx context.Context, ds *dataset.Dataset, e dataset.Entry, lo load.Options) (metric.Image, error) {
	one := &dataset.Dataset{Layout: ds.Layout, Entries: []dataset.Entry{e}, Categories: []string{e.Category}}
	ims, err := load.Maps(one, nil, lo).Read(ctx, 0, 0, 1)
	if err != nil {
		return metric.Image{}, err
	}
	im := ims[0]
	if err := im.Validate(); err != nil {
		return metric.Image{}, err
	}
	return im, nil
}

// setRanges sets each row's colour scale.
func setRanges(ctx context.Context, runs []Run, rows []*row, o Options) error {
	n := o.Normalization
	switch n.Mode {
	case Fixed:
		for _, r := range rows {
			r.lo, r.hi = n.Lo, n.Hi
		}
	case PerCategory:
		ranges := map[string][2]float64{}
		for _, r := range rows {
			if _, ok := ranges[r.category]; ok {
				continue
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, run := range runs {
				st, err := scanCategory(ctx, run.Dataset, r.category, o.Load)
				if err != nil {
					return err
				}
				lo, hi = math.Min(lo, st.lo), math.Max(hi, st.hi)
			}
			ranges[r.category] = [2]float64{lo, hi}
		}
		for _, r := range rows {
			rg := ranges[r.category]
			r.lo, r.hi = rg[0], rg[1]
		}
	default:
		for _, r := range rows {
			r.lo, r.hi = math.Inf(1), math.Inf(-1)
			for _, m := range r.maps {
				l, h := extent(m.Scores)
				r.lo, r.hi = math.Min(r.lo, l), math.Max(r.hi, h)
			}
		}
	}
	return nil
}

// extent returns the smallest and largest value of a map.
func extent(v []float32) (lo, hi float64) {
	l, h := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, x := range v {
		l, h = min(l, x), max(h, x)
	}
	return float64(l), float64(h)
}

// label is a row's name: the key without the category's "test" folder, and
// on a second line why Select chose it.
func (r *row) label() string {
	s := strings.Replace(r.pick.Key, "/test/", "/", 1)
	if r.pick.Reason != "" {
		s += "\n" + r.pick.Reason
	}
	return s
}

// gridRow makes the row's panels, the input image first when withImage.
func (r *row) gridRow(withImage bool) plots.ImageRow {
	m := r.maps[0]
	aspect := float64(m.Height) / float64(m.Width)
	if r.img != nil {
		b := r.img.Bounds()
		aspect = float64(b.Dy()) / float64(b.Dx())
	}
	gr := plots.ImageRow{Label: r.label(), Aspect: aspect}
	if withImage {
		gr.Panels = append(gr.Panels, func(w, h int) image.Image { return r.base(w, h) })
	}
	gr.Panels = append(gr.Panels, func(w, h int) image.Image { return r.groundTruth(w, h) })
	for i := range r.maps {
		gr.Panels = append(gr.Panels, func(w, h int) image.Image { return r.heatmap(i, w, h) })
	}
	lo, hi := r.lo, r.hi
	gr.Bar = &plots.ColorBar{Lo: lo, Hi: hi, Color: func(v float64) color.Color { return colorAt(v) }}
	return gr
}
