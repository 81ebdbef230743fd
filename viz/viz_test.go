package viz

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/mapio"
	"github.com/zsadbench/zsadbench/plots"
	"github.com/zsadbench/zsadbench/synth"
)

// fixture writes, from synth's images, a dataset (masks and, when images,
// an input image a test image: a texture with the defect darker) and two
// runs of maps: "sharp" (synth's maps) and "smooth" (box-blurred, on
// another scale), and opens them.
func fixture(t *testing.T, images bool) (data string, runs []Run) {
	t.Helper()
	root := t.TempDir()
	data = filepath.Join(root, "data")
	sharp, smooth := filepath.Join(root, "sharp"), filepath.Join(root, "smooth")
	opts := synth.DefaultOptions()
	opts.Categories, opts.Images, opts.Size, opts.Seed = 2, 8, 48, 5
	err := synth.Generate(opts, func(im synth.Image) error {
		rel := filepath.Join(im.Category, "test", im.Defect)
		for _, d := range []string{filepath.Join(sharp, rel), filepath.Join(smooth, rel), filepath.Join(data, rel)} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		w, h := im.Width, im.Height
		if err := mapio.WriteNPY(filepath.Join(sharp, rel, im.ID+".npy"), mapio.Map{Width: w, Height: h, Pix: im.Scores}); err != nil {
			return err
		}
		blur := make([]float32, len(im.Scores))
		for y := range h {
			for x := range w {
				var s float32
				n := 0
				for dy := -3; dy <= 3; dy++ {
					for dx := -3; dx <= 3; dx++ {
						if xx, yy := x+dx, y+dy; xx >= 0 && yy >= 0 && xx < w && yy < h {
							s += im.Scores[yy*w+xx]
							n++
						}
					}
				}
				blur[y*w+x] = 10 * s / float32(n)
			}
		}
		if err := mapio.WriteNPY(filepath.Join(smooth, rel, im.ID+".npy"), mapio.Map{Width: w, Height: h, Pix: blur}); err != nil {
			return err
		}
		anomalous := slices.Contains(im.Mask, true)
		if anomalous {
			gt := filepath.Join(data, im.Category, "ground_truth", im.Defect)
			if err := os.MkdirAll(gt, 0o755); err != nil {
				return err
			}
			mask := image.NewGray(image.Rect(0, 0, w, h))
			for p, on := range im.Mask {
				if on {
					mask.Pix[p] = 255
				}
			}
			if err := writePNG(filepath.Join(gt, im.ID+"_mask.png"), mask); err != nil {
				return err
			}
		}
		if images {
			img := image.NewRGBA(image.Rect(0, 0, w, h))
			for y := range h {
				for x := range w {
					v := 120 + 50*math.Sin(float64(x)/3)*math.Cos(float64(y)/4)
					if im.Mask[y*w+x] {
						v *= 0.4
					}
					img.Set(x, y, color.RGBA{uint8(v), uint8(0.8 * v), uint8(0.6 * v), 255})
				}
			}
			return writePNG(filepath.Join(data, rel, im.ID+".png"), img)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ name, dir string }{{"sharp", sharp}, {"smooth", smooth}} {
		ds, err := dataset.Open(dataset.Options{Pred: r.dir, GT: data})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, Run{Name: r.name, Dataset: ds})
	}
	return data, runs
}

func writePNG(path string, img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// inputImages returns the dataset's input images by key.
func inputImages(t *testing.T, data string) map[string]string {
	t.Helper()
	ds, err := dataset.Open(dataset.Options{GT: data, Mode: dataset.PredictMode})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ds.Entries {
		out[e.Key] = e.ImagePath
	}
	return out
}

// render draws the figure as PNG.
func render(t *testing.T, g *plots.ImageGrid) (*image.RGBA, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := g.Encode(&buf, plots.PNG); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return img.(*image.RGBA), buf.Bytes()
}

// distinctColours counts the distinct colours in a rectangle of img.
func distinctColours(img *image.RGBA, r image.Rectangle) int {
	seen := map[color.RGBA]bool{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			seen[img.RGBAAt(x, y)] = true
		}
	}
	return len(seen)
}

func TestFigure(t *testing.T) {
	data, runs := fixture(t, true)
	ctx := context.Background()
	picks, err := Select(ctx, runs, nil, []Criterion{MostAnomalous, HardestNormal, Disagreement}, 1, 0, 1, load.DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(picks) != 6 {
		t.Fatalf("%d images chosen, want 3 criteria x 2 categories: %v", len(picks), picks)
	}
	o := Options{Load: load.DefaultOptions, Images: inputImages(t, data), Figure: plots.Options{DPI: 100}}
	g, warnings, err := New(ctx, runs, picks, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	img, b := render(t, g)
	w, h := g.Size()
	if got, want := img.Bounds().Dx(), int(math.Round(float64(w)/72*100)); got != want || w != plots.TwoColumn {
		t.Errorf("figure %d px wide, want %d (two columns at 100 dpi)", got, want)
	}
	if got, want := img.Bounds().Dy(), int(math.Round(float64(h)/72*100)); got != want {
		t.Errorf("figure %d px high, want %d", got, want)
	}
	// Every panel shows something: the image's texture, the outline, the
	// heatmaps' colours.
	for i := range picks {
		for j := range 4 {
			r := g.PanelBounds(i, j).Inset(2)
			if n := distinctColours(img, r); n < 20 {
				t.Errorf("row %d (%s), panel %d: %d distinct colours, looks blank", i, picks[i].Key, j, n)
			}
		}
	}
	// The same maps give the same pixels every time.
	g2, _, err := New(ctx, runs, picks, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, b2 := render(t, g2); !bytes.Equal(b, b2) {
		t.Error("two renderings of the same figure differ")
	}
	// PDF: small, with the panels as JPEG.
	var pdf bytes.Buffer
	if err := g.Encode(&pdf, plots.PDF); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pdf.Bytes(), []byte("/DCTDecode")) || pdf.Len() > 2<<20 {
		t.Errorf("PDF: %d bytes, JPEG panels %v", pdf.Len(), bytes.Contains(pdf.Bytes(), []byte("/DCTDecode")))
	}
}

func TestSelect(t *testing.T) {
	_, runs := fixture(t, false)
	ctx := context.Background()
	for _, c := range []Criterion{MostAnomalous, HardestNormal, Disagreement} {
		picks, err := Select(ctx, runs, []string{"cat01"}, []Criterion{c}, 2, 0, 1, load.DefaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		if len(picks) != 2 {
			t.Fatalf("%s: %d picks", c, len(picks))
		}
		// Check the ranking against the maps themselves.
		best := map[string]float64{}
		var keys []string
		for _, e := range runs[0].Dataset.Entries {
			if e.Category != "cat01" {
				continue
			}
			a, err := readImage(ctx, runs[0].Dataset, e, load.DefaultOptions)
			if err != nil {
				t.Fatal(err)
			}
			switch c {
			case MostAnomalous, HardestNormal:
				if a.Anomalous() != (c == MostAnomalous) {
					continue
				}
				best[e.Key] = a.ImageScore()
			case Disagreement:
				e2, _ := entry(runs[1].Dataset, e.Key)
				b, err := readImage(ctx, runs[1].Dataset, e2, load.DefaultOptions)
				if err != nil {
					t.Fatal(err)
				}
				sa, _ := scanCategory(ctx, runs[0].Dataset, "cat01", load.DefaultOptions)
				sb, _ := scanCategory(ctx, runs[1].Dataset, "cat01", load.DefaultOptions)
				var d float64
				for p := range a.Scores {
					d += math.Abs((float64(a.Scores[p])-sa.lo)/(sa.hi-sa.lo) - (float64(b.Scores[p])-sb.lo)/(sb.hi-sb.lo))
				}
				best[e.Key] = d / float64(len(a.Scores))
			}
			keys = append(keys, e.Key)
		}
		slices.SortStableFunc(keys, func(x, y string) int {
			switch {
			case best[x] > best[y]:
				return -1
			case best[x] < best[y]:
				return 1
			}
			return strings.Compare(x, y)
		})
		for i, p := range picks {
			if p.Key != keys[i] || p.Reason != strings.ReplaceAll(string(c), "-", " ") {
				t.Errorf("%s: pick %d = %v, want %s", c, i, p, keys[i])
			}
		}
	}
	if _, err := Select(ctx, runs, nil, []Criterion{Disagreement}, 1, 0, 0, load.DefaultOptions); err == nil {
		t.Error("disagreement of a run with itself: no error")
	}
}

// Without input images, maps are drawn over grey, the image column is left
// out, and a warning and the caption say so; normalisations change the
// colour bars as the caption says.
func TestNoImagesAndNormalizations(t *testing.T) {
	_, runs := fixture(t, false)
	ctx := context.Background()
	picks := []Pick{{Key: "cat00/test/good/000"}, {Key: runs[0].Dataset.Entries[len(runs[0].Dataset.Entries)-1].Key}}
	for _, n := range []string{"image", "category", "fixed:0,1"} {
		norm, err := ParseNormalization(n)
		if err != nil {
			t.Fatal(err)
		}
		o := Options{Load: load.DefaultOptions, Normalization: norm, Figure: plots.Options{DPI: 72}}
		g, warnings, err := New(ctx, runs, picks, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 1 || !strings.Contains(warnings[0], "neutral grey") {
			t.Errorf("%s: warnings %v", n, warnings)
		}
		img, _ := render(t, g)
		for i := range picks {
			for j := range 3 {
				if i == 0 && j == 0 {
					continue // a normal image's ground truth: black, rightly
				}
				if c := distinctColours(img, g.PanelBounds(i, j).Inset(2)); c < 2 {
					t.Errorf("%s: row %d panel %d is blank", n, i, j)
				}
			}
		}
		rows := gridRowsOf(t, ctx, runs, picks, o)
		switch norm.Mode {
		case Fixed:
			if rows[0].Bar.Lo != 0 || rows[0].Bar.Hi != 1 {
				t.Errorf("fixed: bar %v to %v", rows[0].Bar.Lo, rows[0].Bar.Hi)
			}
		case PerImage:
			if rows[0].Bar.Lo == rows[1].Bar.Lo {
				t.Errorf("per image: two images share the bar's low end %v", rows[0].Bar.Lo)
			}
		case PerCategory:
			st0, _ := scanCategory(ctx, runs[0].Dataset, "cat00", load.DefaultOptions)
			st1, _ := scanCategory(ctx, runs[1].Dataset, "cat00", load.DefaultOptions)
			if rows[0].Bar.Lo != math.Min(st0.lo, st1.lo) || rows[0].Bar.Hi != math.Max(st0.hi, st1.hi) {
				t.Errorf("per category: bar %v to %v", rows[0].Bar.Lo, rows[0].Bar.Hi)
			}
		}
	}
	for _, bad := range []string{"", "fixed:1,0", "fixed:a,b", "fixed:0", "global"} {
		if _, err := ParseNormalization(bad); err == nil {
			t.Errorf("ParseNormalization(%q): no error", bad)
		}
	}
	if _, _, err := New(ctx, runs, []Pick{{Key: "cat00/test/nope/000"}}, Options{Load: load.DefaultOptions}); err == nil || !strings.Contains(err.Error(), "cat00/test/nope/000") {
		t.Errorf("unknown key: %v", err)
	}
}

// gridRowsOf builds the rows New would draw, to read their colour bars.
func gridRowsOf(t *testing.T, ctx context.Context, runs []Run, picks []Pick, o Options) []plots.ImageRow {
	t.Helper()
	var rows []*row
	for _, p := range picks {
		r := &row{pick: p}
		for _, run := range runs {
			e, _ := entry(run.Dataset, p.Key)
			r.category = e.Category
			im, err := readImage(ctx, run.Dataset, e, o.Load)
			if err != nil {
				t.Fatal(err)
			}
			r.maps = append(r.maps, im)
		}
		rows = append(rows, r)
	}
	if err := setRanges(ctx, runs, rows, o); err != nil {
		t.Fatal(err)
	}
	var out []plots.ImageRow
	for _, r := range rows {
		out = append(out, r.gridRow(false))
	}
	return out
}

// FuzzDecodeImage: no input panics the image decoder.
func FuzzDecodeImage(f *testing.F) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 3, 2)))
	f.Add(buf.Bytes())
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := decodeImage("x", b)
		if err == nil && img.Bounds().Empty() {
			t.Error("empty image without an error")
		}
	})
}
