package main

// End-to-end tests of `zsadbench score` on every dataset layout (issue 7):
// each test builds a small replica of a dataset in a temporary folder (real,
// decodable images and masks in the formats the dataset ships, float32 .npy
// maps mirrored under a PRED folder by key), runs the command in process,
// and compares its JSON report with evaluate.Category run directly on the
// maps and masks the test wrote. The replicas carry the traps the issue
// lists: a capitalised "Test" split, absolute paths and empty mask paths in
// meta.json, float labels and missing mask paths in JSON lines, VisA's
// class-id masks, BTAD's mixed extensions, HeadCT's header, a stray folder
// beside yes/ and no/, and JPEG mask noise.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/mapio"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/resize"
)

// layoutTol is the largest difference allowed between a metric the command
// printed and the one evaluate.Category computes on the same data.
const layoutTol = 1e-12

// layoutJPEGQuality is the quality of the JPEG masks and photos written.
const layoutJPEGQuality = 75

// --- synthetic images ------------------------------------------------------

// layoutImage is one synthetic test image: its score map and ground truth.
type layoutImage struct {
	key      string // dataset key: the image's path under GT, no extension
	w, h     int
	scores   []float32
	classes  []uint8 // defect-class id of each pixel, 0 = normal; nil for a normal image
	mask     []bool  // classes != 0; nil: no mask
	label    metric.Label
	maxScore float64 // the image score: the maximum of the map as written
}

// layoutMake returns a w x h image. An anomalous one has one or two
// rectangular defects (class ids 1 to 3) whose scores are higher on average
// than the background's but overlap them, so that no metric is trivially 0
// or 1. Every other seed quantises the scores to multiples of 1/32, which
// makes many tied scores.
func layoutMake(seed uint64, key string, w, h int, anomalous bool) layoutImage {
	r := rand.New(rand.NewPCG(seed, 0x1a7001))
	im := layoutImage{key: key, w: w, h: h, scores: make([]float32, w*h)}
	if anomalous {
		im.classes = make([]uint8, w*h)
		n := 1 + r.IntN(2)
		for k := 0; k < n; k++ {
			rw, rh := 2+r.IntN(w/3), 2+r.IntN(h/3)
			x0, y0 := r.IntN(w-rw+1), r.IntN(h-rh+1)
			c := uint8(1 + r.IntN(3))
			for y := y0; y < y0+rh; y++ {
				for x := x0; x < x0+rw; x++ {
					im.classes[y*w+x] = c
				}
			}
		}
		im.mask = make([]bool, w*h)
		for i, c := range im.classes {
			im.mask[i] = c != 0
		}
	}
	quantise := seed%2 == 0
	im.maxScore = math.Inf(-1)
	for i := range im.scores {
		v := 0.7 * r.Float64()
		if im.mask != nil && im.mask[i] {
			v += 0.3 + 0.2*r.Float64()
		}
		if quantise {
			v = math.Round(v*32) / 32
		}
		im.scores[i] = float32(v)
		im.maxScore = max(im.maxScore, float64(im.scores[i]))
	}
	return im
}

// labelOnly returns the image as classification-only data sees it: no mask,
// the label it had.
func (im layoutImage) labelOnly() layoutImage {
	im.label = metric.LabelNormal
	if im.mask != nil {
		im.label = metric.LabelAnomalous
	}
	im.mask, im.classes = nil, nil
	return im
}

// anomalyCLIP returns the image as the anomalyclip protocol evaluates it:
// the map resized bilinearly to s x s, the mask resized bilinearly as 0/1
// floats and kept where > 0.5. The image score stays the maximum of the
// map as written.
func (im layoutImage) anomalyCLIP(s int) layoutImage {
	out := im
	out.w, out.h = s, s
	out.scores = resize.Bilinear(im.scores, im.w, im.h, s, s)
	out.classes = nil
	if im.mask != nil {
		f := make([]float32, len(im.mask))
		for i, m := range im.mask {
			if m {
				f[i] = 1
			}
		}
		g := resize.Bilinear(f, im.w, im.h, s, s)
		out.mask = make([]bool, len(g))
		for i, v := range g {
			out.mask[i] = v > 0.5
		}
	}
	return out
}

func (im layoutImage) metricImage() metric.Image {
	return metric.Image{
		Name: im.key, Width: im.w, Height: im.h,
		Scores: slices.Clone(im.scores), Mask: slices.Clone(im.mask),
		Score: im.maxScore, HasScore: true, Label: im.label,
	}
}

func (im layoutImage) anomalous() bool {
	if im.label != metric.LabelFromMask {
		return im.label == metric.LabelAnomalous
	}
	return slices.Contains(im.mask, true)
}

// --- files -----------------------------------------------------------------

func layoutMkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
}

func layoutWriteFile(t *testing.T, path string, data []byte) {
	t.Helper()
	layoutMkdir(t, path)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// layoutEncode encodes img in the format path's extension names: PNG, BMP
// or JPEG (at layoutJPEGQuality).
func layoutEncode(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		err = png.Encode(&b, img)
	case ".bmp":
		err = bmp.Encode(&b, img)
	case ".jpg", ".jpeg":
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: layoutJPEGQuality})
	default:
		t.Fatalf("layoutEncode: no encoder for %s", path)
	}
	if err != nil {
		t.Fatalf("encode %s: %v", path, err)
	}
	layoutWriteFile(t, path, b.Bytes())
}

// layoutWritePhoto writes a random w x h RGB picture: the dataset's image,
// which score mode does not decode but the layouts look for.
func layoutWritePhoto(t *testing.T, path string, w, h int, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 0xf070))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255
	}
	layoutEncode(t, path, img)
}

// layoutWriteMask writes im's mask as an 8-bit grey image: 255 where
// anomalous, or each pixel's defect-class id when classIDs is set (VisA).
func layoutWriteMask(t *testing.T, path string, im layoutImage, classIDs bool) {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, im.w, im.h))
	for i, m := range im.mask {
		switch {
		case classIDs:
			g.Pix[i] = im.classes[i]
		case m:
			g.Pix[i] = 255
		}
	}
	layoutEncode(t, path, g)
}

// layoutWriteMap writes im's scores to PRED/<key>.npy.
func layoutWriteMap(t *testing.T, pred string, im layoutImage) {
	t.Helper()
	path := filepath.Join(pred, filepath.FromSlash(im.key)+".npy")
	layoutMkdir(t, path)
	if err := mapio.WriteNPY(path, mapio.Map{Width: im.w, Height: im.h, Pix: im.scores}); err != nil {
		t.Fatal(err)
	}
}

// --- running and checking --------------------------------------------------

// layoutReport is the JSON report, read back.
type layoutReport struct {
	Settings   map[string]any   `json:"settings"`
	Categories []layoutCategory `json:"categories"`
	Mean       layoutMetrics    `json:"mean"`
	Warnings   []string         `json:"warnings"`
}

type layoutCategory struct {
	Name            string `json:"name"`
	Images          int    `json:"images"`
	AnomalousImages int    `json:"anomalous_images"`
	Pixels          int64  `json:"pixels"`
	layoutMetrics
}

type layoutMetrics struct {
	Image map[string]*float64 `json:"image"`
	Pixel map[string]*float64 `json:"pixel"`
}

var (
	layoutImageKeys = []string{"auroc", "ap", "f1_max"}
	layoutPixelKeys = []string{"auroc", "ap", "f1_max", "aupro", "rcpro"}
)

// layoutRun runs the command in process; args exclude the program name.
func layoutRun(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(append([]string{"zsadbench"}, args...), &o, &e)
	return code, o.String(), e.String()
}

// layoutScore runs `score --format json` with args, requires exit status 0,
// and returns the report and the raw standard output and error.
func layoutScore(t *testing.T, args ...string) (rep layoutReport, stdout, stderr string) {
	t.Helper()
	args = append([]string{"score", "--format", "json"}, args...)
	code, stdout, stderr := layoutRun(args...)
	if code != 0 {
		t.Fatalf("zsadbench %s: exit %d\nstderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	layoutNoCrash(t, stderr)
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("zsadbench %s: output is not the JSON report: %v\n%s", strings.Join(args, " "), err, stdout)
	}
	return rep, stdout, stderr
}

// layoutFail runs score with args and requires exit status 1 and a message
// on standard error holding every one of want.
// layoutScoreAs scores with --layout named and with --layout auto (which
// must detect it), checking the reported layout and every category against
// cats, then anything more in extra (nil: nothing). args are the rest of
// the command line.
func layoutScoreAs(t *testing.T, named string, cats []layoutCat, extra func(*testing.T, layoutReport), args ...string) {
	t.Helper()
	for _, layout := range []string{named, "auto"} {
		t.Run(layout, func(t *testing.T) {
			rep, _, _ := layoutScore(t, append([]string{"--layout", layout}, args...)...)
			layoutSetting(t, rep, "layout", named)
			layoutCheck(t, rep, cats, metric.DefaultSettings)
			if extra != nil {
				extra(t, rep)
			}
		})
	}
}

func layoutFail(t *testing.T, want []string, args ...string) string {
	t.Helper()
	args = append([]string{"score", "--format", "json"}, args...)
	code, stdout, stderr := layoutRun(args...)
	if code != 1 {
		t.Fatalf("zsadbench %s: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	layoutNoCrash(t, stderr)
	if stdout != "" {
		t.Errorf("failed run wrote to stdout:\n%s", stdout)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr does not name %q:\n%s", w, stderr)
		}
	}
	return stderr
}

func layoutNoCrash(t *testing.T, stderr string) {
	t.Helper()
	for _, s := range []string{"panic", "goroutine ", "internal error"} {
		if strings.Contains(stderr, s) {
			t.Errorf("stderr shows %q:\n%s", s, stderr)
		}
	}
}

// layoutCat is a category as the test wrote it, with the metric groups the
// command must compute for it (0 means the settings' own).
type layoutCat struct {
	name    string
	imgs    []layoutImage
	metrics metric.Selection
}

const (
	layoutPixelGroups = metric.SelectPixel | metric.SelectAUPRO | metric.SelectRCPRO
	// layoutClassification are the metrics of classification-only data.
	layoutClassification = metric.SelectImage
	// layoutSegmentation are the metrics of segmentation-only data.
	layoutSegmentation = layoutPixelGroups
)

// layoutExpect evaluates cats directly with evaluate.Category under s and
// returns their reports, as JSON reads them back, and the mean.
func layoutExpect(t *testing.T, cats []layoutCat, s metric.Settings) ([]layoutCategory, layoutMetrics) {
	t.Helper()
	cats = slices.Clone(cats)
	sort.Slice(cats, func(i, j int) bool { return cats[i].name < cats[j].name })
	var reps []*evaluate.CategoryReport
	for _, c := range cats {
		cat := &metric.Category{Name: c.name}
		for _, im := range c.imgs {
			cat.Images = append(cat.Images, im.metricImage())
		}
		cs := s
		if c.metrics != 0 {
			cs.Metrics = c.metrics
		}
		r, err := evaluate.Category(cat, cs, evaluate.Options{})
		if err != nil {
			t.Fatalf("evaluate %s: %v", c.name, err)
		}
		reps = append(reps, r)
	}
	mean, _ := evaluate.MeanOf(reps, s.Metrics)
	var got struct {
		Categories []layoutCategory `json:"categories"`
		Mean       layoutMetrics    `json:"mean"`
	}
	b, err := json.Marshal(map[string]any{"categories": reps, "mean": mean})
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	return got.Categories, got.Mean
}

// layoutCheck compares the command's report with evaluate.Category on cats:
// the categories in order, their counts, every metric within layoutTol
// (null where undefined), and the mean. It also requires every metric of a
// category's groups to be defined and every other one null, so that a
// replica cannot pass with metrics that were never computed.
func layoutCheck(t *testing.T, got layoutReport, cats []layoutCat, s metric.Settings) {
	t.Helper()
	want, wantMean := layoutExpect(t, cats, s)
	var names, wantNames []string
	for _, c := range got.Categories {
		names = append(names, c.Name)
	}
	for _, c := range want {
		wantNames = append(wantNames, c.Name)
	}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("categories %q, want %q", names, wantNames)
	}
	byName := map[string]layoutCat{}
	for _, c := range cats {
		byName[c.name] = c
	}
	for i, w := range want {
		g := got.Categories[i]
		c := byName[w.Name]
		nAnomalous := 0
		for _, im := range c.imgs {
			if im.anomalous() {
				nAnomalous++
			}
		}
		if g.Images != len(c.imgs) || g.AnomalousImages != nAnomalous || g.Pixels != w.Pixels {
			t.Errorf("%s: images %d, anomalous %d, pixels %d; want %d, %d, %d",
				w.Name, g.Images, g.AnomalousImages, g.Pixels, len(c.imgs), nAnomalous, w.Pixels)
		}
		layoutCompare(t, w.Name+" image", g.Image, w.Image, layoutImageKeys)
		layoutCompare(t, w.Name+" pixel", g.Pixel, w.Pixel, layoutPixelKeys)
		groups := c.metrics
		if groups == 0 {
			groups = s.Metrics
		}
		layoutDefined(t, w.Name+" image", g.Image, layoutImageKeys, groups&metric.SelectImage != 0)
		layoutDefined(t, w.Name+" pixel", g.Pixel, layoutPixelKeys[:3], groups&metric.SelectPixel != 0)
		layoutDefined(t, w.Name+" pixel", g.Pixel, layoutPixelKeys[3:4], groups&metric.SelectAUPRO != 0)
		layoutDefined(t, w.Name+" pixel", g.Pixel, layoutPixelKeys[4:], groups&metric.SelectRCPRO != 0)
	}
	layoutCompare(t, "mean image", got.Mean.Image, wantMean.Image, layoutImageKeys)
	layoutCompare(t, "mean pixel", got.Mean.Pixel, wantMean.Pixel, layoutPixelKeys)
}

func layoutCompare(t *testing.T, what string, got, want map[string]*float64, keys []string) {
	t.Helper()
	for _, k := range keys {
		g, w := got[k], want[k]
		switch {
		case g == nil && w == nil:
		case g == nil || w == nil:
			t.Errorf("%s %s = %s, want %s", what, k, layoutFmt(g), layoutFmt(w))
		case math.Abs(*g-*w) > layoutTol:
			t.Errorf("%s %s = %.17g, want %.17g", what, k, *g, *w)
		}
	}
}

func layoutDefined(t *testing.T, what string, m map[string]*float64, keys []string, defined bool) {
	t.Helper()
	for _, k := range keys {
		if (m[k] != nil) != defined {
			t.Errorf("%s %s = %s, want it defined: %v", what, k, layoutFmt(m[k]), defined)
		}
	}
}

func layoutFmt(v *float64) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%.17g", *v)
}

func layoutSetting(t *testing.T, rep layoutReport, key string, want any) {
	t.Helper()
	if got := rep.Settings[key]; got != want {
		t.Errorf("settings.%s = %v (%T), want %v (%T)", key, got, got, want, want)
	}
}

func layoutWarned(t *testing.T, rep layoutReport, want ...string) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, s := range rep.Warnings {
			found = found || strings.Contains(s, w)
		}
		if !found {
			t.Errorf("no warning holds %q: %q", w, rep.Warnings)
		}
	}
}

// --- mvtec and flat ----------------------------------------------------------

// layoutMVTecReplica writes an MVTec AD replica (PNG images and masks,
// ground_truth/<defect>/<id>_mask.png) under GT and its maps under PRED:
// bottle has 6 good and 3 anomalous images of 16x16 in two defect types,
// cable 3 good and 3 anomalous of 20x14.
func layoutMVTecReplica(t *testing.T) (gt, pred string, cats []layoutCat) {
	dir := t.TempDir()
	gt, pred = filepath.Join(dir, "mvtec_ad"), filepath.Join(dir, "maps")
	spec := []struct {
		cat    string
		w, h   int
		defect string
		n      int
	}{
		{"bottle", 16, 16, "good", 6},
		{"bottle", 16, 16, "broken_large", 2},
		{"bottle", 16, 16, "contamination", 1},
		{"cable", 20, 14, "good", 3},
		{"cable", 20, 14, "cut_inner_insulation", 3},
	}
	byCat := map[string][]layoutImage{}
	seed := uint64(100)
	for _, s := range spec {
		for i := 0; i < s.n; i++ {
			seed++
			id := fmt.Sprintf("%03d", i)
			key := s.cat + "/test/" + s.defect + "/" + id
			im := layoutMake(seed, key, s.w, s.h, s.defect != "good")
			layoutWritePhoto(t, filepath.Join(gt, filepath.FromSlash(key)+".png"), s.w, s.h, seed)
			if s.defect != "good" {
				layoutWriteMask(t, filepath.Join(gt, s.cat, "ground_truth", s.defect, id+"_mask.png"), im, false)
			}
			layoutWriteMap(t, pred, im)
			byCat[s.cat] = append(byCat[s.cat], im)
		}
	}
	for _, name := range []string{"bottle", "cable"} {
		cats = append(cats, layoutCat{name: name, imgs: byCat[name]})
	}
	return gt, pred, cats
}

func TestLayoutMVTec(t *testing.T) {
	gt, pred, cats := layoutMVTecReplica(t)
	layoutScoreAs(t, "mvtec", cats, func(t *testing.T, rep layoutReport) {
		layoutSetting(t, rep, "thresholds", "exact")
	}, "--data", gt, "--maps", pred)
}

// TestLayoutFlat: maps directly in PRED, masks GT/<stem>.png or
// GT/<stem>_mask.png, a missing mask meaning a normal image; the category is
// PRED's base name.
func TestLayoutFlat(t *testing.T) {
	dir := t.TempDir()
	gt, pred := filepath.Join(dir, "gt"), filepath.Join(dir, "run7")
	var imgs []layoutImage
	for i, name := range []string{"a", "b", "c", "d", "e"} {
		im := layoutMake(uint64(200+i), name, 12, 12, i < 3)
		switch i {
		case 0, 1:
			layoutWriteMask(t, filepath.Join(gt, name+".png"), im, false)
		case 2:
			layoutWriteMask(t, filepath.Join(gt, name+"_mask.png"), im, false)
		}
		layoutWriteMap(t, pred, im)
		imgs = append(imgs, im)
	}
	cats := []layoutCat{{name: "run7", imgs: imgs}}
	layoutScoreAs(t, "flat", cats, nil, "--data", gt, "--maps", pred)
}

// --- index files: meta.json and JSON lines -----------------------------------

// layoutIndexItem is one image of an index file.
type layoutIndexItem struct {
	cat       string
	img, mask string // slash-separated, relative to the root; mask "" for none
	im        layoutImage
}

// layoutIndexReplica writes an MVTec-like tree under root for an index file,
// and the maps under pred, and returns the images in category order with
// their image and mask paths relative to root. metal_nut and screw have
// masks; brain's anomalous images have none (classification-only data
// inside an index).
func layoutIndexReplica(t *testing.T, root, pred string) []layoutIndexItem {
	t.Helper()
	var items []layoutIndexItem
	seed := uint64(300)
	add := func(cat, defect string, n, w, h int, withMask bool) {
		for i := 0; i < n; i++ {
			seed++
			id := fmt.Sprintf("%03d", i)
			key := cat + "/test/" + defect + "/" + id
			anomalous := defect != "good"
			im := layoutMake(seed, key, w, h, anomalous)
			it := layoutIndexItem{cat: cat, img: key + ".png", im: im}
			layoutWritePhoto(t, filepath.Join(root, filepath.FromSlash(it.img)), w, h, seed)
			switch {
			case anomalous && withMask:
				it.mask = cat + "/ground_truth/" + defect + "/" + id + "_mask.png"
				layoutWriteMask(t, filepath.Join(root, filepath.FromSlash(it.mask)), im, false)
			case anomalous:
				it.im = im.labelOnly()
			case !withMask:
				it.im = im.labelOnly()
			}
			layoutWriteMap(t, pred, it.im)
			items = append(items, it)
		}
	}
	add("metal_nut", "good", 3, 16, 16, true)
	add("metal_nut", "bent", 3, 16, 16, true)
	add("screw", "good", 2, 14, 18, true)
	add("screw", "thread_side", 2, 14, 18, true)
	add("brain", "good", 3, 16, 16, false)
	add("brain", "abnormal", 3, 16, 16, false)
	return items
}

func layoutIndexCats(items []layoutIndexItem) []layoutCat {
	var cats []layoutCat
	for _, it := range items {
		if len(cats) == 0 || cats[len(cats)-1].name != it.cat {
			c := layoutCat{name: it.cat}
			if it.cat == "brain" {
				c.metrics = layoutClassification
			}
			cats = append(cats, c)
		}
		cats[len(cats)-1].imgs = append(cats[len(cats)-1].imgs, it.im)
	}
	return cats
}

// layoutMetaJSON writes the AnomalyCLIP-family index of items to path with
// the test split under the key "Test"; screw's paths are absolute; normal
// images have mask_path "" (and one of them a folder); a train split names
// images that do not exist and must not be read.
func layoutMetaJSON(t *testing.T, path, root string, items []layoutIndexItem) {
	t.Helper()
	test := map[string][]map[string]any{}
	for i, it := range items {
		img, mask := it.img, it.mask
		if it.cat == "screw" {
			img = filepath.ToSlash(filepath.Join(root, filepath.FromSlash(img)))
			if mask != "" {
				mask = filepath.ToSlash(filepath.Join(root, filepath.FromSlash(mask)))
			}
		}
		if it.cat == "metal_nut" && i == 0 {
			mask = "metal_nut/ground_truth/" // a folder: AnomalyCLIP's normal images sometimes point here
			if err := os.MkdirAll(filepath.Join(root, "metal_nut", "ground_truth"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		anomaly := 0
		if !strings.Contains(it.img, "/good/") {
			anomaly = 1
		}
		test[it.cat] = append(test[it.cat], map[string]any{
			"img_path": img, "mask_path": mask, "cls_name": it.cat,
			"specie_name": strings.Split(it.img, "/")[2], "anomaly": anomaly,
		})
	}
	meta := map[string]any{
		"train": map[string]any{"metal_nut": []map[string]any{{
			"img_path": "metal_nut/train/good/999.png", "mask_path": "", "cls_name": "metal_nut",
			"specie_name": "good", "anomaly": 0,
		}}},
		"Test": test,
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	layoutWriteFile(t, path, b)
}

// TestLayoutMeta: the AnomalyCLIP meta.json, with a capitalised "Test"
// split, absolute paths, empty mask paths for normal images, and a category
// whose anomalous images have no mask (image metrics only).
func TestLayoutMeta(t *testing.T) {
	dir := t.TempDir()
	root, pred := filepath.Join(dir, "data"), filepath.Join(dir, "pred")
	items := layoutIndexReplica(t, root, pred)
	meta := filepath.Join(root, "meta.json")
	layoutMetaJSON(t, meta, root, items)
	cats := layoutIndexCats(items)
	for _, args := range [][]string{
		{"--layout", "meta", "--meta", meta, "--maps", pred},
		{"--layout", "auto", "--meta", meta, "--maps", pred, "--data", root},
	} {
		t.Run(args[1], func(t *testing.T) {
			rep, _, _ := layoutScore(t, args...)
			layoutSetting(t, rep, "layout", "meta")
			layoutCheck(t, rep, cats, metric.DefaultSettings)
			layoutWarned(t, rep, "brain: no pixel labels")
		})
	}
}

// TestLayoutJSONL: AA-CLIP's JSON lines, labels written as floats (and one
// as an integer), no mask_path for normal images, a blank line.
func TestLayoutJSONL(t *testing.T) {
	dir := t.TempDir()
	root, pred := filepath.Join(dir, "aaclip"), filepath.Join(dir, "pred")
	items := layoutIndexReplica(t, root, pred)
	var b strings.Builder
	for i, it := range items {
		line := map[string]any{"image_path": it.img, "class_name": it.cat}
		anomalous := !strings.Contains(it.img, "/good/")
		label := "0.0"
		if anomalous {
			label = "1.0"
		}
		if i == 1 {
			label = "0"
		}
		if it.mask != "" {
			line["mask_path"] = it.mask
		}
		if anomalous && it.mask == "" && i%2 == 0 {
			line["mask_path"] = nil
		}
		j, err := json.Marshal(line)
		if err != nil {
			t.Fatal(err)
		}
		// The label is spliced in as written, so that 1.0 stays a float.
		fmt.Fprintf(&b, "%s,\"label\":%s}\n", strings.TrimSuffix(string(j), "}"), label)
		if i == 4 {
			b.WriteString("\n")
		}
	}
	index := filepath.Join(root, "test.jsonl")
	layoutWriteFile(t, index, []byte(b.String()))
	if !strings.Contains(b.String(), `"label":1.0}`) || !strings.Contains(b.String(), `"label":0.0}`) {
		t.Fatalf("index lacks float labels:\n%s", b.String())
	}
	cats := layoutIndexCats(items)
	layoutScoreAs(t, "jsonl", cats, nil, "--meta", index, "--maps", pred)
}

// TestLayoutMalformedIndex: a bad index file is exit status 1 with a message
// naming the file and, where there is one, the entry.
func TestLayoutMalformedIndex(t *testing.T) {
	dir := t.TempDir()
	root, pred := filepath.Join(dir, "data"), filepath.Join(dir, "pred")
	items := layoutIndexReplica(t, root, pred)
	entry := func(img, mask, cls string, anomaly int) map[string]any {
		return map[string]any{"img_path": img, "mask_path": mask, "cls_name": cls, "specie_name": "x", "anomaly": anomaly}
	}
	good := entry(items[0].img, "", "metal_nut", 0)
	metaOf := func(entries ...map[string]any) string {
		b, err := json.Marshal(map[string]any{"test": map[string]any{"metal_nut": entries}})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	noKey := entry("metal_nut/test/good/001.png", "", "metal_nut", 0)
	delete(noKey, "cls_name")
	missingMap := filepath.Join(pred, "metal_nut", "test", "good", "077")
	jl := func(lines ...string) string { return strings.Join(lines, "\n") + "\n" }
	goodLine := `{"image_path": "metal_nut/test/good/000.png", "label": 0.0, "class_name": "metal_nut"}`
	cases := []struct {
		name, file, content string
		want                []string
	}{
		{"bad JSON", "meta.json", `{"test": {"metal_nut": [{"img_path": "metal_nut/test/good/000.png",`, nil},
		{"not an object", "meta.json", `[1, 2]`, nil},
		{"no test split", "meta.json", `{"train": {}}`, []string{`"test"`}},
		{"missing key", "meta.json", metaOf(good, noKey), []string{"test/metal_nut[1]", "metal_nut/test/good/001.png", "cls_name"}},
		{"bad label", "meta.json", metaOf(good, entry("metal_nut/test/bent/000.png", "metal_nut/ground_truth/bent/000_mask.png", "metal_nut", 2)),
			[]string{"test/metal_nut[1]", "metal_nut/test/bent/000.png", "anomaly"}},
		{"missing mask file", "meta.json", metaOf(good, entry("metal_nut/test/bent/001.png", "metal_nut/ground_truth/bent/009_mask.png", "metal_nut", 1)),
			[]string{"test/metal_nut[1]", "metal_nut/test/bent/001.png", filepath.Join(root, "metal_nut", "ground_truth", "bent", "009_mask.png")}},
		{"missing map", "meta.json", metaOf(good, entry("metal_nut/test/good/077.png", "", "metal_nut", 0)),
			[]string{"test/metal_nut[1]", "metal_nut/test/good/077.png", missingMap}},
		{"jsonl bad line", "test.jsonl", jl(goodLine, `{"image_path": "metal_nut/test/good/001.png", "label": 0.0,`), []string{"line 2"}},
		{"jsonl missing key", "test.jsonl", jl(goodLine, "", `{"image_path": "metal_nut/test/good/001.png", "label": 0.0}`),
			[]string{"line 3", "metal_nut/test/good/001.png", "class_name"}},
		{"jsonl missing mask file", "test.jsonl", jl(goodLine, `{"image_path": "metal_nut/test/bent/000.png", "label": 1.0, "class_name": "metal_nut", "mask_path": "metal_nut/ground_truth/bent/000.png"}`),
			[]string{"line 2", "metal_nut/test/bent/000.png", filepath.Join(root, "metal_nut", "ground_truth", "bent", "000.png")}},
		{"jsonl missing map", "test.jsonl", jl(goodLine, `{"image_path": "metal_nut/test/good/077.png", "label": 0, "class_name": "metal_nut"}`),
			[]string{"line 2", "metal_nut/test/good/077.png", missingMap}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Each index lives in the dataset root (the default --gt), under
			// its own name so that the message must name this very file.
			path := filepath.Join(root, fmt.Sprintf("case%d_%s", i, c.file))
			layoutWriteFile(t, path, []byte(c.content))
			layoutFail(t, append([]string{path}, c.want...), "--meta", path, "--maps", pred)
		})
	}
}

// --- native layouts ----------------------------------------------------------

// TestLayoutVisA: split_csv/1cls.csv with train rows (naming files that do
// not exist) and test rows; JPEG images; PNG masks holding defect-class ids
// 1 to 3, every one of which is anomalous.
func TestLayoutVisA(t *testing.T) {
	dir := t.TempDir()
	gt, pred := filepath.Join(dir, "VisA_20220922"), filepath.Join(dir, "pred")
	var b strings.Builder
	b.WriteString("object,split,label,image,mask\n")
	var cats []layoutCat
	seed := uint64(400)
	for _, c := range []struct {
		name             string
		normal, abnormal int
	}{{"candle", 3, 3}, {"pcb1", 2, 3}} {
		fmt.Fprintf(&b, "%s,train,normal,%s/Data/Images/Normal/0900.JPG,\n", c.name, c.name)
		cat := layoutCat{name: c.name}
		for i := 0; i < c.normal+c.abnormal; i++ {
			seed++
			anomalous := i >= c.normal
			sub, id := "Normal", fmt.Sprintf("%04d", i)
			if anomalous {
				sub, id = "Anomaly", fmt.Sprintf("%03d", i-c.normal)
			}
			img := c.name + "/Data/Images/" + sub + "/" + id + ".JPG"
			im := layoutMake(seed, strings.TrimSuffix(img, ".JPG"), 16, 12, anomalous)
			if i == c.normal {
				// Class id 1 alone: the smallest anomalous value.
				for j, id := range im.classes {
					im.classes[j] = min(id, 1)
				}
			}
			layoutWritePhoto(t, filepath.Join(gt, filepath.FromSlash(img)), 16, 12, seed)
			mask, label := "", "normal"
			if anomalous {
				label = "anomaly"
				mask = c.name + "/Data/Masks/Anomaly/" + id + ".png"
				layoutWriteMask(t, filepath.Join(gt, filepath.FromSlash(mask)), im, true)
			}
			fmt.Fprintf(&b, "%s,test,%s,%s,%s\n", c.name, label, img, mask)
			layoutWriteMap(t, pred, im)
			cat.imgs = append(cat.imgs, im)
		}
		cats = append(cats, cat)
	}
	layoutWriteFile(t, filepath.Join(gt, "split_csv", "1cls.csv"), []byte(b.String()))
	layoutScoreAs(t, "visa", cats, func(t *testing.T, rep layoutReport) {
		for _, c := range rep.Categories {
			if c.AnomalousImages != 3 {
				t.Errorf("%s: %d anomalous images, want 3 (class ids 1..3 are anomalous)", c.Name, c.AnomalousImages)
			}
		}
	}, "--data", gt, "--maps", pred)
}

// TestLayoutBTAD: <class>/test/{ok,ko} and <class>/ground_truth/ko with the
// extensions varying by class as in BTAD (01: .bmp images, .png masks; 02:
// .png and .png; 03: .bmp and .bmp, with one .png image among them), and
// non-square images.
func TestLayoutBTAD(t *testing.T) {
	dir := t.TempDir()
	gt, pred := filepath.Join(dir, "BTech_Dataset_transformed"), filepath.Join(dir, "pred")
	var cats []layoutCat
	seed := uint64(500)
	for _, c := range []struct{ name, imgExt, maskExt string }{
		{"01", ".bmp", ".png"}, {"02", ".png", ".png"}, {"03", ".bmp", ".bmp"},
	} {
		cat := layoutCat{name: c.name}
		for i := 0; i < 6; i++ {
			seed++
			anomalous := i >= 3
			sub, id := "ok", fmt.Sprintf("%04d", i)
			if anomalous {
				sub, id = "ko", fmt.Sprintf("%04d", i-3)
			}
			ext := c.imgExt
			if c.name == "03" && i == 1 {
				ext = ".png"
			}
			key := c.name + "/test/" + sub + "/" + id
			im := layoutMake(seed, key, 18, 12, anomalous)
			layoutWritePhoto(t, filepath.Join(gt, filepath.FromSlash(key)+ext), 18, 12, seed)
			if anomalous {
				layoutWriteMask(t, filepath.Join(gt, c.name, "ground_truth", "ko", id+c.maskExt), im, false)
			}
			layoutWriteMap(t, pred, im)
			cat.imgs = append(cat.imgs, im)
		}
		cats = append(cats, cat)
	}
	layoutScoreAs(t, "btad", cats, nil, "--data", gt, "--maps", pred)
}

// TestLayoutFoldersHeadCT: labels.csv with HeadCT's header "id, hemorrhage"
// (a leading space in the second name) labels images by integer id;
// classification only, so pixel metrics are null and image metrics defined.
func TestLayoutFoldersHeadCT(t *testing.T) {
	dir := t.TempDir()
	gt, pred := filepath.Join(dir, "headct"), filepath.Join(dir, "pred")
	var b strings.Builder
	b.WriteString("id, hemorrhage\n")
	cat := layoutCat{name: "headct", metrics: layoutClassification}
	for id := 0; id < 8; id++ {
		anomalous := id < 4 // HeadCT lists its hemorrhages first
		w, h := 16, 16
		if id%3 == 1 {
			w, h = 12, 14 // HeadCT's images differ in size
		}
		key := fmt.Sprintf("head_ct/head_ct/%03d", id)
		im := layoutMake(uint64(600+id), key, w, h, anomalous).labelOnly()
		layoutWritePhoto(t, filepath.Join(gt, filepath.FromSlash(key)+".png"), w, h, uint64(600+id))
		layoutWriteMap(t, pred, im)
		label := 0
		if anomalous {
			label = 1
		}
		fmt.Fprintf(&b, "%d,%d\n", id, label)
		cat.imgs = append(cat.imgs, im)
	}
	layoutWriteFile(t, filepath.Join(gt, "labels.csv"), []byte(b.String()))
	layoutScoreAs(t, "folders", []layoutCat{cat}, func(t *testing.T, rep layoutReport) {
		layoutWarned(t, rep, "headct: no pixel labels")
	}, "--data", gt, "--maps", pred)
}

// TestLayoutFoldersYesNo: BrainMRI's yes/ (tumour) and no/ folders of JPEG
// images with assorted names; a stray folder beside them is an error naming
// it, never silently anomalous.
func TestLayoutFoldersYesNo(t *testing.T) {
	dir := t.TempDir()
	gt, pred := filepath.Join(dir, "brain_mri"), filepath.Join(dir, "pred")
	cat := layoutCat{name: "brain_mri", metrics: layoutClassification}
	for i, name := range []string{"yes/Y1.jpg", "yes/Y2.JPG", "yes/Y10.jpeg", "no/1 no.jpeg", "no/N2.JPG", "no/no 3.jpg", "no/15.png"} {
		key := strings.TrimSuffix(name, filepath.Ext(name))
		im := layoutMake(uint64(700+i), key, 16, 16, strings.HasPrefix(name, "yes/")).labelOnly()
		layoutWritePhoto(t, filepath.Join(gt, filepath.FromSlash(name)), 16, 16, uint64(700+i))
		layoutWriteMap(t, pred, im)
		cat.imgs = append(cat.imgs, im)
	}
	layoutScoreAs(t, "folders", []layoutCat{cat}, func(t *testing.T, rep layoutReport) {
		layoutWarned(t, rep, "brain_mri: no pixel labels")
	}, "--data", gt, "--maps", pred)
	t.Run("stray folder", func(t *testing.T) {
		stray := filepath.Join(gt, "maybe")
		layoutWritePhoto(t, filepath.Join(stray, "M1.jpg"), 16, 16, 799)
		layoutWriteMap(t, pred, layoutMake(799, "maybe/M1", 16, 16, false))
		for _, layout := range []string{"folders", "auto"} {
			layoutFail(t, []string{stray}, "--layout", layout, "--data", gt, "--maps", pred)
		}
	})
}

// TestLayoutSegmentationISIC: ISIC images with *_Segmentation.png masks in
// a sibling folder (one written *_segmentation.png, as ISIC 2018 does), and
// a superpixels file to skip. No normal images: image metrics are null.
func TestLayoutSegmentationISIC(t *testing.T) {
	dir := t.TempDir()
	gt, pred := filepath.Join(dir, "isic"), filepath.Join(dir, "pred")
	cat := layoutCat{name: "isic", metrics: layoutSegmentation}
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("ISIC_%07d", i)
		key := "ISIC-2017_Test_v2_Data/" + id
		im := layoutMake(uint64(800+i), key, 16, 16, true)
		layoutWritePhoto(t, filepath.Join(gt, filepath.FromSlash(key)+".jpg"), 16, 16, uint64(800+i))
		suffix := "_Segmentation.png"
		if i == 3 {
			suffix = "_segmentation.png"
		}
		layoutWriteMask(t, filepath.Join(gt, "ISIC-2017_Test_v2_Part1_GroundTruth", id+suffix), im, false)
		if i == 0 {
			layoutWritePhoto(t, filepath.Join(gt, "ISIC-2017_Test_v2_Data", id+"_superpixels.png"), 16, 16, 899)
		}
		layoutWriteMap(t, pred, im)
		cat.imgs = append(cat.imgs, im)
	}
	layoutScoreAs(t, "segmentation", []layoutCat{cat}, func(t *testing.T, rep layoutReport) {
		layoutWarned(t, rep, "isic: no normal images")
	}, "--data", gt, "--maps", pred)
}

// TestLayoutSegmentationJPEGMasks: TN3K's test-image/ and test-mask/ with
// JPEG masks, whose compression noise must not count under the default
// threshold: its pixel metrics equal those of the same masks written
// losslessly (CVC-ColonDB's images/ and masks/ with PNG masks), and
// differ from them with --mask-threshold 0.
func TestLayoutSegmentationJPEGMasks(t *testing.T) {
	dir := t.TempDir()
	tn3k, cvc := filepath.Join(dir, "tn3k"), filepath.Join(dir, "CVC-ColonDB")
	predTN, predCVC := filepath.Join(dir, "pred_tn3k"), filepath.Join(dir, "pred_cvc")
	var tnImgs, cvcImgs []layoutImage
	noisy := 0
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("%04d", i)
		im := layoutMake(uint64(900+i), "test-image/"+id, 24, 24, true)
		layoutWritePhoto(t, filepath.Join(tn3k, "test-image", id+".jpg"), 24, 24, uint64(900+i))
		maskPath := filepath.Join(tn3k, "test-mask", id+".jpg")
		layoutWriteMask(t, maskPath, im, false)
		layoutWriteMap(t, predTN, im)
		tnImgs = append(tnImgs, im)

		// The JPEG mask is noisy: thresholding at 0 gives another mask,
		// at 127 the one written.
		m, err := mapio.ReadMask(maskPath)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.Binary(127), im.mask) {
			t.Fatalf("%s: JPEG noise reaches the 127 threshold; lower the test's noise", maskPath)
		}
		if !slices.Equal(m.Binary(0), im.mask) {
			noisy++
		}

		c := im
		c.key = "images/" + id
		layoutWritePhoto(t, filepath.Join(cvc, "images", id+".png"), 24, 24, uint64(900+i))
		layoutWriteMask(t, filepath.Join(cvc, "masks", id+".png"), c, false)
		layoutWriteMap(t, predCVC, c)
		cvcImgs = append(cvcImgs, c)
	}
	if noisy == 0 {
		t.Fatal("no JPEG mask is noisy: the test would not show that the noise is ignored")
	}
	var clean layoutReport
	t.Run("cvc", func(t *testing.T) {
		rep, _, _ := layoutScore(t, "--layout", "auto", "--data", cvc, "--maps", predCVC)
		layoutSetting(t, rep, "layout", "segmentation")
		layoutCheck(t, rep, []layoutCat{{name: "CVC-ColonDB", imgs: cvcImgs, metrics: layoutSegmentation}}, metric.DefaultSettings)
		clean = rep
	})
	for _, layout := range []string{"segmentation", "auto"} {
		t.Run("tn3k "+layout, func(t *testing.T) {
			rep, _, _ := layoutScore(t, "--layout", layout, "--data", tn3k, "--maps", predTN)
			layoutSetting(t, rep, "layout", "segmentation")
			layoutCheck(t, rep, []layoutCat{{name: "tn3k", imgs: tnImgs, metrics: layoutSegmentation}}, metric.DefaultSettings)
			if len(clean.Categories) == 1 {
				layoutCompare(t, "tn3k (JPEG masks) vs CVC (PNG masks) pixel", rep.Categories[0].Pixel, clean.Categories[0].Pixel, layoutPixelKeys)
			}
		})
	}
	t.Run("tn3k threshold 0", func(t *testing.T) {
		rep, _, _ := layoutScore(t, "--data", tn3k, "--maps", predTN, "--mask-threshold", "0")
		if len(clean.Categories) != 1 || len(rep.Categories) != 1 {
			t.Fatal("no report to compare")
		}
		g, c := rep.Categories[0].Pixel, clean.Categories[0].Pixel
		if g["auroc"] == nil || c["auroc"] == nil || *g["auroc"] == *c["auroc"] {
			t.Errorf("with --mask-threshold 0 the noisy masks give pixel AUROC %s, the clean ones %s: the noise should count",
				layoutFmt(g["auroc"]), layoutFmt(c["auroc"]))
		}
	})
}

// --- protocols ---------------------------------------------------------------

// TestLayoutProtocolAnomalyCLIP: --protocol anomalyclip evaluates at 518x518
// (maps bilinear, masks bilinear then > 0.5) with AUPRO on steps:200.
func TestLayoutProtocolAnomalyCLIP(t *testing.T) {
	gt, pred, cats := layoutMVTecReplica(t)
	const size = 518
	rep, _, _ := layoutScore(t, "--layout", "mvtec", "--data", gt, "--maps", pred, "--protocol", "anomalyclip")
	layoutSetting(t, rep, "thresholds", "steps:200")
	layoutSetting(t, rep, "size", float64(size))
	layoutSetting(t, rep, "protocol", "anomalyclip")
	layoutSetting(t, rep, "layout", "mvtec")
	resized := make([]layoutCat, len(cats))
	for i, c := range cats {
		resized[i] = layoutCat{name: c.name}
		for _, im := range c.imgs {
			resized[i].imgs = append(resized[i].imgs, im.anomalyCLIP(size))
		}
	}
	s := metric.DefaultSettings
	s.Thresholds = metric.Steps(200)
	layoutCheck(t, rep, resized, s)
}

// TestLayoutAnomalyRatio: --anomaly-ratio 0.25 --seed 3 keeps every normal
// image and round(normal/3) anomalous ones per category; --protocol-out
// writes their keys and --protocol-in reads them back to the same report.
func TestLayoutAnomalyRatio(t *testing.T) {
	gt, pred, cats := layoutMVTecReplica(t)
	dir := t.TempDir()
	p1, p2 := filepath.Join(dir, "split.txt"), filepath.Join(dir, "again.txt")
	common := []string{"--layout", "mvtec", "--data", gt, "--maps", pred}
	rep, out1, _ := layoutScore(t, append(common, "--anomaly-ratio", "0.25", "--seed", "3", "--protocol-out", p1)...)

	f, err := os.Open(p1)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := dataset.ReadProtocol(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	for _, k := range keys {
		kept[k] = true
	}
	// bottle: 6 normal images keep round(0.25*6/0.75) = 2 anomalous ones;
	// cable: 3 normal keep 1.
	wantAnomalous := map[string]int{"bottle": 2, "cable": 1}
	var sub []layoutCat
	for _, c := range cats {
		sc := layoutCat{name: c.name}
		nAnomalous := 0
		for _, im := range c.imgs {
			switch {
			case !im.anomalous() && !kept[im.key]:
				t.Errorf("%s: normal image %s not kept", p1, im.key)
			case kept[im.key]:
				sc.imgs = append(sc.imgs, im)
				if im.anomalous() {
					nAnomalous++
				}
			}
		}
		if nAnomalous != wantAnomalous[c.name] {
			t.Errorf("%s: %s keeps %d anomalous images, want %d", p1, c.name, nAnomalous, wantAnomalous[c.name])
		}
		sub = append(sub, sc)
	}
	if n := len(sub[0].imgs) + len(sub[1].imgs); len(keys) != n {
		t.Errorf("%s lists %d keys, %d of them images of the dataset", p1, len(keys), n)
	}
	layoutCheck(t, rep, sub, metric.DefaultSettings)
	for _, c := range rep.Categories {
		if want := wantAnomalous[c.Name]; c.AnomalousImages != want {
			t.Errorf("%s: %d anomalous images, want %d", c.Name, c.AnomalousImages, want)
		}
	}

	// The draw is the library's, seeded by --seed.
	ds, err := dataset.Open(dataset.Options{Layout: dataset.MVTec, GT: gt, Pred: pred})
	if err != nil {
		t.Fatal(err)
	}
	want, err := dataset.Subsample(ds.Entries, 0.25, 3)
	if err != nil {
		t.Fatal(err)
	}
	var wantKeys []string
	for _, e := range want {
		wantKeys = append(wantKeys, e.Key)
	}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("%s lists %q, dataset.Subsample with seed 3 keeps %q", p1, keys, wantKeys)
	}

	// The same seed writes the same file; the file gives the same report.
	layoutScore(t, append(common, "--anomaly-ratio", "0.25", "--seed", "3", "--protocol-out", p2)...)
	b1, err1 := os.ReadFile(p1)
	b2, err2 := os.ReadFile(p2)
	if err1 != nil || err2 != nil || !bytes.Equal(b1, b2) {
		t.Errorf("two runs with seed 3 wrote different protocol files (%v, %v):\n%s\n---\n%s", err1, err2, b1, b2)
	}
	_, out2, _ := layoutScore(t, append(common, "--protocol-in", p1)...)
	if out1 != out2 {
		t.Errorf("--protocol-in %s gives another report:\n%s\n--- want ---\n%s", p1, out2, out1)
	}
}
