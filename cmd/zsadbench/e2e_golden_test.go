package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/internal/golden"
	"github.com/zsadbench/zsadbench/metric"
)

// goldenDir holds the cases computed by the independent Python reference
// (testdata/golden/generate.py).
const goldenDir = "../../testdata/golden/cases"

// The schema of the reference's cases (package golden).
type (
	goldenImage = golden.Image
	goldenCase  = golden.Case
	goldenPoint = golden.Point
)

func loadGolden(t *testing.T, name string) goldenCase {
	t.Helper()
	gc, err := golden.Load(filepath.Join(goldenDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return *gc
}

// goldenNames lists every golden case.
func goldenNames(t *testing.T) []string {
	t.Helper()
	names, err := golden.Names(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func goldenFlags(gc *goldenCase) []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	o := gc.Options
	return []string{
		"--thresholds", o.Thresholds, "--connectivity", strconv.Itoa(o.Connectivity),
		"--fpr-limit", f(o.FPRLimit), "--rcpro-tau", f(o.Tau), "--rcpro-delta", f(o.Delta),
		"--rc-average", o.RCAverage,
	}
}

func goldenSettings(t *testing.T, gc *goldenCase) metric.Settings {
	t.Helper()
	s, err := gc.Settings()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// caseImage is one image as the test writes it: float32 scores (quantised
// for PNG maps), the mask, and where the files go.
type caseImage struct {
	goldenImage
	scores    []float32
	mask      []bool
	anomalous bool
	key       string // the dataset key the command gives the image
}

// quantise16 maps a case's scores to k/65535 (min-max over the whole case,
// rounded), returning the 16-bit values of every image and the float32 values
// mapio's PNG reader gives for them (float32(k) / 65535).
func quantise16(images []goldenImage) ([][]uint16, [][]float32) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, im := range images {
		for _, s := range im.Scores {
			lo, hi = math.Min(lo, s), math.Max(hi, s)
		}
	}
	ks := make([][]uint16, len(images))
	vs := make([][]float32, len(images))
	for i, im := range images {
		ks[i] = make([]uint16, len(im.Scores))
		vs[i] = make([]float32, len(im.Scores))
		for j, s := range im.Scores {
			k := 0.0
			if hi > lo {
				k = math.Round((s - lo) / (hi - lo) * 65535)
			}
			ks[i][j] = uint16(k)
			vs[i][j] = float32(ks[i][j]) / 65535
		}
	}
	return ks, vs
}

// writeGoldenCase writes the case's maps in format (npy, tiff or png) and its
// masks and image files in layout (mvtec or flat) under root, and a scores CSV when the case
// gives image scores. The category is named after the case in both layouts.
// It returns the command's dataset flags and the images in the command's
// order (sorted by key).
func writeGoldenCase(t *testing.T, gc goldenCase, layout, format, root string) ([]string, []caseImage) {
	t.Helper()
	pred := filepath.Join(root, "pred", gc.Name)
	gt := filepath.Join(root, "gt")
	if err := os.MkdirAll(gt, 0o755); err != nil {
		t.Fatal(err)
	}
	ks, quantised := quantise16(gc.Images)
	var images []caseImage
	var scoreRows []string
	for i, im := range gc.Images {
		ci := caseImage{goldenImage: im, scores: make([]float32, len(im.Scores)), mask: make([]bool, len(im.Mask))}
		for j, s := range im.Scores {
			ci.scores[j] = float32(s)
			if float64(ci.scores[j]) != s {
				t.Fatalf("%s/%s: score %v is not a float32", gc.Name, im.Name, s)
			}
		}
		if format == "png" {
			ci.scores = quantised[i]
		}
		for j, m := range im.Mask {
			ci.mask[j] = m != 0
			ci.anomalous = ci.anomalous || m != 0
		}
		var data []byte
		switch format {
		case "npy":
			data = npyBytes(t, im.Width, im.Height, ci.scores)
		case "tiff":
			data = tiffBytes(im.Width, im.Height, ci.scores)
		case "png":
			data = png16Bytes(t, im.Width, im.Height, ks[i])
		default:
			t.Fatalf("format %q", format)
		}
		var mapPath, maskPath, imagePath string
		switch layout {
		case "mvtec":
			defect := "good"
			if ci.anomalous {
				defect = "defect"
			}
			ci.key = gc.Name + "/test/" + defect + "/" + im.Name
			mapPath = filepath.Join(pred, "test", defect, im.Name+"."+format)
			imagePath = filepath.Join(gt, gc.Name, "test", defect, im.Name+".jpg")
			if ci.anomalous {
				maskPath = filepath.Join(gt, gc.Name, "ground_truth", defect, im.Name+"_mask.png")
			}
		case "flat":
			ci.key = im.Name
			mapPath = filepath.Join(pred, im.Name+"."+format)
			imagePath = filepath.Join(gt, im.Name+".jpg")
			if ci.anomalous {
				maskPath = filepath.Join(gt, im.Name+"_mask.png")
			}
		default:
			t.Fatalf("layout %q", layout)
		}
		writeFile(t, mapPath, data)
		// The image file gives a normal image's size (the cases' images
		// have several sizes).
		writeFile(t, imagePath, imageBytes(t, im.Width, im.Height))
		if maskPath != "" {
			writeFile(t, maskPath, maskBytes(t, im.Width, im.Height, ci.mask))
		}
		if im.ImageScore != nil {
			// Paths with an extension in the flat layout, without in mvtec:
			// both must match the image.
			p := ci.key
			if layout == "flat" {
				p += ".png"
			}
			scoreRows = append(scoreRows, p+","+strconv.FormatFloat(*im.ImageScore, 'g', -1, 64))
		}
		images = append(images, ci)
	}
	slices.SortFunc(images, func(a, b caseImage) int { return strings.Compare(a.key, b.key) })
	args := []string{"--maps", filepath.Join(root, "pred"), "--data", gt, "--layout", layout}
	if layout == "flat" {
		args[1] = pred
	}
	if len(scoreRows) > 0 {
		p := filepath.Join(root, "scores.csv")
		writeFile(t, p, []byte("path,score\n"+strings.Join(scoreRows, "\n")+"\n"))
		args = append(args, "--scores", p)
		if len(scoreRows) < len(images) {
			// The others' scores are their maps' maxima.
			args = append(args, "--allow-missing-scores")
		}
	}
	return args, images
}

// libraryReport evaluates the images with package evaluate directly and
// returns the category's report and the mean as the command's JSON would
// carry them.
func libraryReport(t *testing.T, name string, images []caseImage, s metric.Settings) (cat, mean map[string]map[string]*float64) {
	t.Helper()
	c := &metric.Category{Name: name}
	for _, im := range images {
		mi := metric.Image{Name: im.key, Width: im.Width, Height: im.Height, Scores: im.scores}
		if im.anomalous {
			mi.Mask = im.mask
		}
		if im.ImageScore != nil {
			mi.Score, mi.HasScore = *im.ImageScore, true
		}
		c.Images = append(c.Images, mi)
	}
	cr, err := evaluate.Category(c, s, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := evaluate.MeanOf([]*evaluate.CategoryReport{cr}, s.Metrics)
	return reJSON(t, map[string]any{"image": cr.Image, "pixel": cr.Pixel}), reJSON(t, map[string]any{"image": m.Image, "pixel": m.Pixel})
}

func reJSON(t *testing.T, v any) map[string]map[string]*float64 {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]map[string]*float64
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func fmtValue(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// compareValues reports every metric where got differs from want by more
// than tol (nil = null must match null).
func compareValues(t *testing.T, what string, got, want map[string]*float64, keys []string, tol float64) {
	t.Helper()
	for _, k := range keys {
		g, w := got[k], want[k]
		ok := (g == nil) == (w == nil)
		if ok && g != nil {
			ok = *g == *w || math.Abs(*g-*w) <= tol
		}
		if !ok {
			t.Errorf("%s %s = %s, want %s", what, k, fmtValue(g), fmtValue(w))
		}
	}
	if len(got) != len(keys) {
		t.Errorf("%s has keys %v, want %v", what, mapKeys(got), keys)
	}
}

func mapKeys(m map[string]*float64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestGoldenCasesThroughFiles writes every golden case in both layouts and all
// three map formats, runs score --format json with the case's options, and
// compares the output with the Python reference (npy and TIFF, 1e-9) and with
// package evaluate on the same data (every format, exactly).
func TestGoldenCasesThroughFiles(t *testing.T) {
	for _, name := range goldenNames(t) {
		gc := loadGolden(t, name)
		s := goldenSettings(t, &gc)
		for _, layout := range []string{"mvtec", "flat"} {
			for _, format := range []string{"npy", "tiff", "png"} {
				t.Run(fmt.Sprintf("%s/%s/%s", name, layout, format), func(t *testing.T) {
					root := t.TempDir()
					args, images := writeGoldenCase(t, gc, layout, format, root)
					args = append(append([]string{"score"}, args...), goldenFlags(&gc)...)
					args = append(args, "--format", "json")
					curves := ""
					if format == "npy" {
						curves = filepath.Join(root, "curves")
						args = append(args, "--curves", curves, "--curve-tolerance", "0") // every point
					}
					r := mustRun(t, args...)
					rep := parseReport(t, r.stdout)
					if len(rep.Categories) != 1 {
						t.Fatalf("%d categories, want 1:\n%s", len(rep.Categories), r.stdout)
					}
					c := rep.Categories[0]
					if c.Name != gc.Name {
						t.Errorf("category %q, want %q", c.Name, gc.Name)
					}
					anomalous, pixels := 0, int64(0)
					for _, im := range images {
						if im.anomalous {
							anomalous++
						}
						pixels += int64(im.Width * im.Height)
					}
					if c.Images != len(images) || c.AnomalousImages != anomalous || c.Pixels != pixels {
						t.Errorf("images %d, anomalous %d, pixels %d; want %d, %d, %d",
							c.Images, c.AnomalousImages, c.Pixels, len(images), anomalous, pixels)
					}
					checkSettings(t, rep.Settings, gc, layout)

					libCat, libMean := libraryReport(t, gc.Name, images, s)
					compareValues(t, "library image", c.Image, libCat["image"], imageKeys, 0)
					compareValues(t, "library pixel", c.Pixel, libCat["pixel"], pixelKeys, 0)
					compareValues(t, "library mean image", rep.Mean.Image, libMean["image"], imageKeys, 0)
					compareValues(t, "library mean pixel", rep.Mean.Pixel, libMean["pixel"], pixelKeys, 0)
					if format != "png" {
						compareValues(t, "golden image", c.Image, gc.Expected.Image, imageKeys, 1e-9)
						compareValues(t, "golden pixel", c.Pixel, gc.Expected.Pixel, pixelKeys, 1e-9)
						compareValues(t, "golden mean image", rep.Mean.Image, gc.Expected.Image, imageKeys, 1e-9)
						compareValues(t, "golden mean pixel", rep.Mean.Pixel, gc.Expected.Pixel, pixelKeys, 1e-9)
					}
					if curves != "" {
						checkGoldenCurves(t, curves, gc, images, s)
					}
					// Every undefined metric is announced on stderr.
					nulls := 0
					for _, v := range c.Image {
						if v == nil {
							nulls++
						}
					}
					for _, k := range paperPixelKeys { // the metrics computed
						if c.Pixel[k] == nil {
							nulls++
						}
					}
					if nulls > 0 && !strings.Contains(r.stderr, "warning:") {
						t.Errorf("%d null metrics but no warning on stderr:\n%s", nulls, r.stderr)
					}
					if nulls > 0 && len(rep.Warnings) == 0 {
						t.Errorf("%d null metrics but no warning in the JSON", nulls)
					}
				})
			}
		}
	}
}

// checkGoldenCurves compares the curve files of score --curves with package
// evaluate's curves (exactly: the CSV files round-trip float64 values) and the
// PRO-vs-FPR and RC-vs-PRO curves with the Python reference (1e-9), leaving
// out the start and end points that have no threshold.
func checkGoldenCurves(t *testing.T, dir string, gc goldenCase, images []caseImage, s metric.Settings) {
	t.Helper()
	c := &metric.Category{Name: gc.Name}
	for _, im := range images {
		mi := metric.Image{Name: im.key, Width: im.Width, Height: im.Height, Scores: im.scores}
		if im.anomalous {
			mi.Mask = im.mask
		}
		if im.ImageScore != nil {
			mi.Score, mi.HasScore = *im.ImageScore, true
		}
		c.Images = append(c.Images, mi)
	}
	cr, err := evaluate.Category(c, s, evaluate.Options{Curves: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range curve.Kinds() {
		path := filepath.Join(dir, curve.FileName(gc.Name, kind))
		want, ok := cr.Curves[kind]
		got, err := readCurveFile(path)
		if !ok {
			if err == nil {
				t.Errorf("%s written, but the library has no %s curve", path, kind)
			}
			continue
		}
		if err != nil {
			t.Errorf("library has a %s curve: %v", kind, err)
			continue
		}
		if !sameCurve(got, want) {
			t.Errorf("%s differs from the library's curve (%d points, want %d)", path, got.Len(), want.Len())
		}
	}
	for gkind, kind := range map[string]curve.Kind{"pro_fpr": curve.PROFPR, "rc_pro": curve.PRORC} {
		ref, ok := gc.Curves[gkind]
		if !ok || hasNull(ref) {
			continue
		}
		got, err := readCurveFile(filepath.Join(dir, curve.FileName(gc.Name, kind)))
		if err != nil {
			t.Errorf("golden %s curve: %v", gkind, err)
			continue
		}
		var pts []goldenPoint
		for i := range got.Threshold {
			if !math.IsInf(got.Threshold[i], 0) {
				pts = append(pts, goldenPoint{got.Threshold[i], got.X[i], got.Y[i]})
			}
		}
		if len(pts) != len(ref) {
			t.Errorf("%s: %d points with a threshold, want %d", kind, len(pts), len(ref))
			continue
		}
		for i, p := range pts {
			r := ref[i]
			// Steps-grid thresholds are np.arange's float64 t_k in the
			// reference; the comparison, and so the curve, uses float32(t_k)
			// (METRICS.md). Exact-grid thresholds are float32 scores.
			if p[0] != float64(float32(r[0])) ||
				math.Abs(p[1]-r[1]) > 1e-9 || math.Abs(p[2]-r[2]) > 1e-9 {
				t.Errorf("%s point %d = %v, want %v", kind, i, p, r)
				break
			}
		}
	}
}

func readCurveFile(path string) (curve.Curve, error) {
	f, err := os.Open(path)
	if err != nil {
		return curve.Curve{}, err
	}
	defer f.Close()
	return curve.ReadCSV(f)
}

func sameCurve(a, b curve.Curve) bool {
	eq := func(x, y []float64) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return eq(a.Threshold, b.Threshold) && eq(a.X, b.X) && eq(a.Y, b.Y)
}

// hasNull reports whether a reference curve has an undefined coordinate
// (JSON null reads as NaN here, see goldenPoint).
func hasNull(c []goldenPoint) bool {
	for _, p := range c {
		for _, v := range p {
			if math.IsNaN(v) {
				return true
			}
		}
	}
	return false
}

func checkSettings(t *testing.T, got map[string]any, gc goldenCase, layout string) {
	t.Helper()
	want := map[string]any{
		"thresholds":   gc.Options.Thresholds,
		"fpr_limit":    gc.Options.FPRLimit,
		"rcpro_tau":    gc.Options.Tau,
		"rcpro_delta":  gc.Options.Delta,
		"connectivity": float64(gc.Options.Connectivity),
		"rc_average":   gc.Options.RCAverage,
		"layout":       layout,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("settings.%s = %v, want %v", k, got[k], w)
		}
	}
}
