package synth_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"

	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
	"github.com/zsadbench/zsadbench/synth/internal/exampledata"
)

func withProcs(t testing.TB, n int) {
	old := runtime.GOMAXPROCS(n)
	t.Cleanup(func() { runtime.GOMAXPROCS(old) })
}

func collect(t testing.TB, opts synth.Options) []synth.Image {
	t.Helper()
	var imgs []synth.Image
	if err := synth.Generate(opts, func(img synth.Image) error {
		imgs = append(imgs, img)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return imgs
}

func sameImage(a, b synth.Image) error {
	if a.Category != b.Category || a.Defect != b.Defect || a.ID != b.ID || a.Width != b.Width || a.Height != b.Height {
		return fmt.Errorf("%s/%s/%s %dx%d vs %s/%s/%s %dx%d", a.Category, a.Defect, a.ID, a.Width, a.Height,
			b.Category, b.Defect, b.ID, b.Width, b.Height)
	}
	if !slices.Equal(a.Mask, b.Mask) {
		return fmt.Errorf("%s/%s/%s: masks differ", a.Category, a.Defect, a.ID)
	}
	if len(a.Scores) != len(b.Scores) {
		return fmt.Errorf("%s/%s/%s: %d vs %d scores", a.Category, a.Defect, a.ID, len(a.Scores), len(b.Scores))
	}
	for i := range a.Scores {
		if math.Float32bits(a.Scores[i]) != math.Float32bits(b.Scores[i]) {
			return fmt.Errorf("%s/%s/%s: score %d: %v vs %v", a.Category, a.Defect, a.ID, i, a.Scores[i], b.Scores[i])
		}
	}
	return nil
}

var small = synth.Options{Categories: 3, Images: 14, Size: 64, Seed: 7}

func TestGenerateDeterministic(t *testing.T) {
	withProcs(t, 1)
	one := collect(t, small)
	again := collect(t, small)
	runtime.GOMAXPROCS(2)
	two := collect(t, small)
	runtime.GOMAXPROCS(7)
	seven := collect(t, small)
	if len(one) != 3*14 {
		t.Fatalf("got %d images, want %d", len(one), 3*14)
	}
	for _, other := range [][]synth.Image{again, two, seven} {
		for i := range one {
			if err := sameImage(one[i], other[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A different seed gives different data.
	opts := small
	opts.Seed++
	diff := collect(t, opts)
	same := 0
	for i := range one {
		if sameImage(one[i], diff[i]) == nil {
			same++
		}
	}
	if same != 0 {
		t.Errorf("%d images identical across seeds", same)
	}
}

// A category's images depend on its name, not on its position or on the
// other categories.
func TestCategoryIndependence(t *testing.T) {
	a := collect(t, synth.Options{Names: []string{"x", "y"}, Images: 5, Size: 32, Seed: 3})
	b := collect(t, synth.Options{Names: []string{"y"}, Images: 5, Size: 32, Seed: 3})
	for i := range b {
		if err := sameImage(a[5+i], b[i]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGenerateOrderAndNames(t *testing.T) {
	withProcs(t, 2)
	imgs := collect(t, synth.Options{Names: []string{"tile", "capsule"}, Images: 30, Size: 16, Seed: 1})
	seen := map[string][]string{}
	for i, img := range imgs {
		wantCat := []string{"tile", "capsule"}[i/30]
		if img.Category != wantCat {
			t.Fatalf("image %d: category %q, want %q", i, img.Category, wantCat)
		}
		if img.Width != 16 || img.Height != 16 || len(img.Scores) != 256 || len(img.Mask) != 256 {
			t.Fatalf("image %d: %dx%d, %d scores, %d mask", i, img.Width, img.Height, len(img.Scores), len(img.Mask))
		}
		key := img.Category + "/" + img.Defect
		seen[key] = append(seen[key], img.ID)
	}
	// IDs of a (category, defect) are 000, 001, ... in order.
	for key, ids := range seen {
		for j, id := range ids {
			if want := fmt.Sprintf("%03d", j); id != want {
				t.Errorf("%s: ID %d is %q, want %q", key, j, id, want)
			}
		}
	}

	// Generated names widen past 100 categories.
	var cats []string
	if err := synth.Generate(synth.Options{Categories: 101, Images: 1, Size: 8}, func(img synth.Image) error {
		cats = append(cats, img.Category)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if cats[0] != "cat000" || cats[100] != "cat100" || !sort.StringsAreSorted(cats) {
		t.Errorf("names %q .. %q, sorted %v", cats[0], cats[100], sort.StringsAreSorted(cats))
	}
	cats = cats[:0]
	if err := synth.Generate(synth.Options{Categories: 3, Images: 1, Size: 8}, func(img synth.Image) error {
		cats = append(cats, img.Category)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cats, []string{"cat00", "cat01", "cat02"}) {
		t.Errorf("names %q", cats)
	}
}

func TestAnomalousFraction(t *testing.T) {
	for _, tc := range []struct {
		frac   float64
		images int
		want   int // anomalous images per category
	}{
		{0, 115, 35}, // default 0.3: round(34.5) = 35
		{0.3, 10, 3},
		{0.3, 16, 5},
		{0.375, 16, 6},
		{0.5, 7, 4},
		{0.01, 10, 1}, // raised to 1
		{0.99, 10, 9}, // lowered to Images-1
		{1, 10, 10},   // all anomalous
		{0.3, 1, 0},   // round(0.3) = 0
		{0.5, 1, 1},   // round(0.5) = 1
		{0.001, 2, 1}, // both classes
		{0.7, 200, 140},
	} {
		t.Run(fmt.Sprintf("%v_%d", tc.frac, tc.images), func(t *testing.T) {
			counts := map[string]int{}
			if err := synth.Generate(synth.Options{Categories: 3, Images: tc.images, Size: 8, Seed: 5, AnomalousFraction: tc.frac},
				func(img synth.Image) error {
					if img.Defect != "good" {
						counts[img.Category]++
					}
					return nil
				}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{"cat00", "cat01", "cat02"} {
				if counts[c] != tc.want {
					t.Errorf("%s: %d anomalous, want %d", c, counts[c], tc.want)
				}
			}
		})
	}
}

func TestImageContents(t *testing.T) {
	withProcs(t, 2)
	const size = 96
	imgs := collect(t, synth.Options{Categories: 4, Images: 40, Size: size, Seed: 11})
	var (
		kinds              = map[string]int{}
		minFrac, maxFrac   = 1.0, 0.0
		anomSum, normSum   float64
		anomN, normN       int
		imgScores          []float64
		imgLabels          []bool
		pixScores          []float64
		pixLabels          []bool
		lo, hi             = math.Inf(1), math.Inf(-1)
		distinctMin        = 1.0
		anomalousImages    int
		multiRegionImages  int
		singleRegionMultis int
	)
	for _, img := range imgs {
		kinds[img.Defect]++
		n := 0
		for _, m := range img.Mask {
			if m {
				n++
			}
		}
		anomalous := img.Defect != "good"
		switch {
		case anomalous && n == 0:
			t.Errorf("%s/%s/%s: anomalous image with an empty mask", img.Category, img.Defect, img.ID)
		case !anomalous && n != 0:
			t.Errorf("%s/%s/%s: normal image with %d mask pixels", img.Category, img.Defect, img.ID, n)
		}
		if anomalous {
			anomalousImages++
			f := float64(n) / float64(size*size)
			minFrac, maxFrac = min(minFrac, f), max(maxFrac, f)
			if regions(img.Mask, size) > 1 {
				multiRegionImages++
			} else if img.Defect == "mixed" {
				singleRegionMultis++ // a mixed image has >= 2 defects: they touch
			}
		}
		maxScore := math.Inf(-1)
		distinct := map[float32]bool{}
		for i, s := range img.Scores {
			v := float64(s)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s/%s/%s: score %d is %v", img.Category, img.Defect, img.ID, i, s)
			}
			lo, hi = min(lo, v), max(hi, v)
			maxScore = max(maxScore, v)
			distinct[s] = true
			if img.Mask[i] {
				anomSum += v
				anomN++
			} else {
				normSum += v
				normN++
			}
			if img.Category == "cat00" {
				pixScores = append(pixScores, v)
				pixLabels = append(pixLabels, img.Mask[i])
			}
		}
		distinctMin = min(distinctMin, float64(len(distinct))/float64(len(img.Scores)))
		imgScores = append(imgScores, maxScore)
		imgLabels = append(imgLabels, anomalous)
	}
	for k := range kinds {
		if !slices.Contains([]string{"good", "blob", "scratch", "mixed"}, k) {
			t.Errorf("unexpected defect type %q", k)
		}
	}
	for _, k := range []string{"blob", "scratch", "mixed"} {
		if kinds[k] == 0 {
			t.Errorf("no %q images among %d", k, len(imgs))
		}
	}
	if lo < -0.2 || hi > 1.3 {
		t.Errorf("scores span [%v, %v], want roughly [0, 1]", lo, hi)
	}
	if distinctMin < 0.95 {
		t.Errorf("an image has only %.1f%% distinct scores", 100*distinctMin)
	}
	if minFrac > 0.003 || maxFrac < 0.05 || maxFrac > 0.6 {
		t.Errorf("anomalous area fraction spans [%v, %v]", minFrac, maxFrac)
	}
	if multiRegionImages == 0 || singleRegionMultis == 0 {
		t.Errorf("%d images with several regions, %d mixed images with one region (touching defects)",
			multiRegionImages, singleRegionMultis)
	}
	meanA, meanN := anomSum/float64(anomN), normSum/float64(normN)
	imgAUROC, pixAUROC := auroc(imgScores, imgLabels), auroc(pixScores, pixLabels)
	t.Logf("scores in [%.3f, %.3f]; mean anomalous %.3f, normal %.3f; image AUROC %.3f, pixel AUROC %.3f; "+
		"area fraction [%.5f, %.3f]; %d of %d anomalous images with several regions, %d mixed with one; %.4f distinct",
		lo, hi, meanA, meanN, imgAUROC, pixAUROC, minFrac, maxFrac, multiRegionImages, anomalousImages, singleRegionMultis, distinctMin)
	if meanA < meanN+0.15 {
		t.Errorf("mean anomalous score %v, normal %v", meanA, meanN)
	}
	// The maps are informative but imperfect, at image and pixel level.
	if a := imgAUROC; a < 0.6 || a > 0.995 {
		t.Errorf("image AUROC %v", a)
	}
	if a := pixAUROC; a < 0.7 || a > 0.995 {
		t.Errorf("pixel AUROC (cat00) %v", a)
	}
}

// regions counts the 8-connected regions of mask.
func regions(mask []bool, size int) int {
	seen := make([]bool, len(mask))
	n := 0
	var stack []int
	for i, m := range mask {
		if !m || seen[i] {
			continue
		}
		n++
		seen[i] = true
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p%size, p/size
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					u, v := x+dx, y+dy
					if u < 0 || v < 0 || u >= size || v >= size {
						continue
					}
					if q := v*size + u; mask[q] && !seen[q] {
						seen[q] = true
						stack = append(stack, q)
					}
				}
			}
		}
	}
	return n
}

// auroc is the Mann-Whitney statistic with half credit for ties.
func auroc(scores []float64, labels []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var rankSum float64
	pos := 0
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // mean 1-based rank of the tie group
		for k := i; k < j; k++ {
			if labels[idx[k]] {
				rankSum += mid
				pos++
			}
		}
		i = j
	}
	neg := len(scores) - pos
	return (rankSum - float64(pos)*float64(pos+1)/2) / (float64(pos) * float64(neg))
}

func TestOptionsErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts synth.Options
		want string
	}{
		{"size small", synth.Options{Categories: 1, Images: 1, Size: 7}, "Size 7"},
		{"size large", synth.Options{Categories: 1, Images: 1, Size: 16385}, "Size 16385"},
		{"no images", synth.Options{Categories: 1, Images: 0, Size: 8}, "Images 0"},
		{"no categories", synth.Options{Images: 1, Size: 8}, "Categories 0"},
		{"negative fraction", synth.Options{Categories: 1, Images: 1, Size: 8, AnomalousFraction: -0.1}, "AnomalousFraction"},
		{"fraction above 1", synth.Options{Categories: 1, Images: 1, Size: 8, AnomalousFraction: 1.5}, "AnomalousFraction"},
		{"NaN fraction", synth.Options{Categories: 1, Images: 1, Size: 8, AnomalousFraction: math.NaN()}, "AnomalousFraction"},
		{"count mismatch", synth.Options{Categories: 2, Names: []string{"a"}, Images: 1, Size: 8}, "Categories 2 but 1 Names"},
		{"empty name", synth.Options{Names: []string{""}, Images: 1, Size: 8}, "empty name"},
		{"dot name", synth.Options{Names: []string{".."}, Images: 1, Size: 8}, `".."`},
		{"slash name", synth.Options{Names: []string{"a/b"}, Images: 1, Size: 8}, `"a/b"`},
		{"duplicate name", synth.Options{Names: []string{"a", "a"}, Images: 1, Size: 8}, `"a" given twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			err := synth.Generate(tc.opts, func(synth.Image) error { called = true; return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Generate: error %v, want one containing %q", err, tc.want)
			}
			if called {
				t.Error("Generate called fn")
			}
			dir := t.TempDir()
			if err := synth.WriteMVTec(dir, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("WriteMVTec: error %v, want one containing %q", err, tc.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("WriteMVTec wrote %d entries", len(ents))
			}
		})
	}
}

func TestGenerateStopsOnError(t *testing.T) {
	for _, procs := range []int{1, 2, 4} {
		withProcs(t, procs)
		stop := errors.New("stop")
		calls := 0
		err := synth.Generate(synth.Options{Categories: 2, Images: 20, Size: 16}, func(synth.Image) error {
			calls++
			if calls == 5 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || calls != 5 {
			t.Errorf("GOMAXPROCS %d: err %v after %d calls, want %v after 5", procs, err, calls, stop)
		}
	}
}

// readTree returns the regular files under dir, by slash path relative to dir.
func readTree(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestWriteMVTecDeterministic(t *testing.T) {
	withProcs(t, 1)
	d1 := t.TempDir()
	if err := synth.WriteMVTec(d1, small); err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(2)
	d2 := t.TempDir()
	if err := synth.WriteMVTec(d2, small); err != nil {
		t.Fatal(err)
	}
	// Rewriting over existing files gives the same files.
	if err := synth.WriteMVTec(d2, small); err != nil {
		t.Fatal(err)
	}
	f1, f2 := readTree(t, d1), readTree(t, d2)
	if len(f1) == 0 || len(f1) != len(f2) {
		t.Fatalf("%d files vs %d", len(f1), len(f2))
	}
	for p, b := range f1 {
		if !bytes.Equal(b, f2[p]) {
			t.Errorf("%s differs between GOMAXPROCS 1 and 2", p)
		}
		if strings.Contains(p, ".tmp") {
			t.Errorf("temporary file %s left", p)
		}
	}
}

// TestWriteMVTecReadable decodes every file with npyio and image/png and
// compares it with Generate's output.
func TestWriteMVTecReadable(t *testing.T) {
	withProcs(t, 2)
	opts := synth.Options{Names: []string{"bottle", "grid"}, Images: 12, Size: 40, Seed: 2, AnomalousFraction: 0.5}
	dir := t.TempDir()
	if err := synth.WriteMVTec(dir, opts); err != nil {
		t.Fatal(err)
	}
	files := readTree(t, dir)
	used := map[string]bool{}
	for _, img := range collect(t, opts) {
		mapPath := fmt.Sprintf("%s/test/%s/%s.npy", img.Category, img.Defect, img.ID)
		maskPath := fmt.Sprintf("%s/ground_truth/%s/%s_mask.png", img.Category, img.Defect, img.ID)
		used[mapPath] = true

		r, err := npyio.NewReader(bytes.NewReader(files[mapPath]))
		if err != nil {
			t.Fatalf("%s: %v", mapPath, err)
		}
		if h := r.Header; strings.Trim(h.Descr.Type, "'") != "<f4" || h.Descr.Fortran || !slices.Equal(h.Descr.Shape, []int{40, 40}) || h.Major != 1 {
			t.Errorf("%s: header %+v", mapPath, h)
		}
		var got []float32
		if err := r.Read(&got); err != nil {
			t.Fatalf("%s: %v", mapPath, err)
		}
		if err := sameImage(img, synth.Image{Category: img.Category, Defect: img.Defect, ID: img.ID,
			Width: 40, Height: 40, Scores: got, Mask: img.Mask}); err != nil {
			t.Errorf("%s: %v", mapPath, err)
		}

		b, ok := files[maskPath]
		if img.Defect == "good" {
			if ok {
				t.Errorf("%s: mask for a normal image", maskPath)
			}
			continue
		}
		used[maskPath] = true
		m, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", maskPath, err)
		}
		g, ok := m.(*image.Gray)
		if !ok || g.Bounds() != image.Rect(0, 0, 40, 40) {
			t.Fatalf("%s: %T %v, want 40x40 *image.Gray", maskPath, m, m.Bounds())
		}
		for i, v := range g.Pix {
			if want := map[bool]uint8{true: 255, false: 0}[img.Mask[i]]; v != want {
				t.Fatalf("%s: pixel %d is %d, want %d", maskPath, i, v, want)
			}
		}
	}
	for p := range files {
		if !used[p] {
			t.Errorf("unexpected file %s", p)
		}
	}
}

func TestWriteMVTecErrorNamesFile(t *testing.T) {
	dir := t.TempDir()
	// A folder where a map file should go makes the rename fail.
	bad := filepath.Join(dir, "a", "test", "good", "000.npy")
	if err := os.MkdirAll(filepath.Join(bad, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := synth.WriteMVTec(dir, synth.Options{Names: []string{"a"}, Images: 4, Size: 8})
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("error %v, want one naming %s", err, bad)
	}
	// No temporary file is left behind.
	for p := range readTree(t, dir) {
		if strings.Contains(p, ".tmp") {
			t.Errorf("temporary file %s left", p)
		}
	}
}

// TestExampleData checks that testdata/example is what mkexample generates
// now. Architectures whose compilers fuse multiply-adds may differ in the last
// bits (see the package doc), so the byte comparison runs on amd64 and 386.
func TestExampleData(t *testing.T) {
	const dir = "../testdata/example"
	committed := readTree(t, dir)
	delete(committed, "README.md")
	if len(committed) == 0 {
		t.Fatalf("no files in %s", dir)
	}
	total := 0
	for _, b := range committed {
		total += len(b)
	}
	if total > 2_500_000 {
		t.Errorf("%s holds %d bytes", dir, total)
	}
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "386" {
		t.Skipf("byte comparison only on amd64 and 386, not %s", runtime.GOARCH)
	}
	fresh := t.TempDir()
	if err := synth.WriteMVTec(fresh, exampledata.Options()); err != nil {
		t.Fatal(err)
	}
	got := readTree(t, fresh)
	for p, b := range got {
		if !bytes.Equal(b, committed[p]) {
			t.Errorf("%s/%s differs from a fresh generation: run go generate ./synth", dir, p)
		}
	}
	for p := range committed {
		if _, ok := got[p]; !ok {
			t.Errorf("%s/%s is not generated any more", dir, p)
		}
	}
}

func BenchmarkGenerate512(b *testing.B) {
	opts := synth.Options{Categories: 1, Images: 16, Size: 512, Seed: 1}
	b.SetBytes(16 * 512 * 512 * 4)
	for b.Loop() {
		if err := synth.Generate(opts, func(synth.Image) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteMVTec512(b *testing.B) {
	opts := synth.Options{Categories: 1, Images: 16, Size: 512, Seed: 1}
	dir := b.TempDir()
	b.SetBytes(16 * 512 * 512 * 4)
	for b.Loop() {
		if err := synth.WriteMVTec(dir, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCategories(t *testing.T) {
	opts := synth.Options{Categories: 2, Images: 5, Size: 16, Seed: 3}
	cats, err := synth.Categories(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(cats) != 2 || len(cats[0].Images) != 5 || len(cats[1].Images) != 5 || cats[0].Name == cats[1].Name {
		t.Fatalf("categories %d, images %d/%d", len(cats), len(cats[0].Images), len(cats[1].Images))
	}
	for _, c := range cats {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMaxSizeIsTheReadersLimit: synth writes no map that score would
// refuse, and every size score reads can be made.
func TestMaxSizeIsTheReadersLimit(t *testing.T) {
	if synth.MaxSize*synth.MaxSize != metric.MaxImagePixels {
		t.Errorf("MaxSize %d: %d pixels, the readers' limit is %d", synth.MaxSize, synth.MaxSize*synth.MaxSize, metric.MaxImagePixels)
	}
}
