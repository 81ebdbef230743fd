package capi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/internal/golden"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/report"
)

const goldenDir = "../testdata/golden/cases"

// batchOf describes images held in Go memory as the C interface would:
// float32 maps and uint8 masks, contiguous.
type batchOf struct {
	maps   [][]float32
	masks  [][]uint8
	b      Batch
	scores []float64
}

func newBatch(images []metric.Image) *batchOf {
	n := len(images)
	bo := &batchOf{b: Batch{N: n, Maps: make([]unsafe.Pointer, n), MapLayout: make([]int64, n*LayoutColumns),
		Masks: make([]unsafe.Pointer, n), MaskLayout: make([]int64, n*LayoutColumns)}}
	for i, im := range images {
		m := append([]float32(nil), im.Scores...)
		bo.maps = append(bo.maps, m)
		bo.b.Maps[i] = unsafe.Pointer(&m[0])
		copy(bo.b.MapLayout[i*LayoutColumns:], []int64{int64(Float32), int64(im.Height), int64(im.Width), 4 * int64(im.Width), 4})
		if im.Mask != nil {
			k := make([]uint8, len(im.Mask))
			for j, v := range im.Mask {
				if v {
					k[j] = 1
				}
			}
			bo.masks = append(bo.masks, k)
			bo.b.Masks[i] = unsafe.Pointer(&k[0])
			copy(bo.b.MaskLayout[i*LayoutColumns:], []int64{int64(Uint8), int64(im.Height), int64(im.Width), int64(im.Width), 1})
		}
		if im.HasScore {
			if bo.scores == nil {
				bo.scores = make([]float64, n)
				for j := range images {
					bo.scores[j] = images[j].ImageScore()
				}
			}
			bo.scores[i] = im.Score
		}
	}
	bo.b.Scores = bo.scores
	return bo
}

// part returns images [lo, hi) of bo as a batch.
func (bo *batchOf) part(lo, hi int) Batch {
	b := Batch{N: hi - lo, Maps: bo.b.Maps[lo:hi], MapLayout: bo.b.MapLayout[lo*LayoutColumns : hi*LayoutColumns],
		Masks: bo.b.Masks[lo:hi], MaskLayout: bo.b.MaskLayout[lo*LayoutColumns : hi*LayoutColumns]}
	if bo.scores != nil {
		b.Scores = bo.scores[lo:hi]
	}
	return b
}

func loadCase(t *testing.T, name string) (*metric.Category, metric.Settings, []byte) {
	t.Helper()
	gc, err := golden.Load(filepath.Join(goldenDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := gc.Category()
	if err != nil {
		t.Fatal(err)
	}
	s, err := gc.Settings()
	if err != nil {
		t.Fatal(err)
	}
	req, err := json.Marshal(Request{Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	return cat, s, req
}

// want is the report `zsadbench score` computes for the categories, as
// JSON.
func want(t *testing.T, cats []metric.Category, s metric.Settings) (*evaluate.Report, []byte) {
	t.Helper()
	rep, err := evaluate.Dataset(context.Background(), evaluate.Categories(cats), s, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, rep, "json"); err != nil {
		t.Fatal(err)
	}
	return rep, buf.Bytes()
}

// TestGolden checks, on every golden case, that Evaluate gives the
// category's object of the library's report and the reference's values,
// and that an evaluator fed in batches of 1, 7 and all images gives the
// report itself.
func TestGolden(t *testing.T) {
	names, err := golden.Names(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			cat, s, req := loadCase(t, name)
			rep, wantJSON := want(t, []metric.Category{*cat}, s)
			bo := newBatch(cat.Images)
			got, id, err := Evaluate(req, cat.Name, bo.b)
			if err != nil || id != 0 {
				t.Fatalf("Evaluate: %v, id %d", err, id)
			}
			wantCat, err := json.Marshal(categoryJSON{rep.Categories[0], append([]string{}, rep.Categories[0].Warnings...)})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, wantCat) {
				t.Errorf("Evaluate:\n%s\nwant\n%s", got, wantCat)
			}
			for _, size := range []int{1, 7, len(cat.Images)} {
				ev, err := New(req)
				if err != nil {
					t.Fatal(err)
				}
				for lo := 0; lo < len(cat.Images); lo += size {
					if err := Update(ev, cat.Name, bo.part(lo, min(lo+size, len(cat.Images)))); err != nil {
						t.Fatal(err)
					}
				}
				got, err := Compute(ev)
				Close(ev)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, wantJSON) {
					t.Errorf("batches of %d:\n%s\nwant\n%s", size, got, wantJSON)
				}
			}
		})
	}
	if n := Len(); n != 0 {
		t.Errorf("%d objects left open", n)
	}
}

// TestLayouts checks that every layout the interface takes (float64 maps,
// transposed, reversed and broadcast views, bool, float32 and float64
// masks) gives what the same values contiguous as float32 and uint8 give.
func TestLayouts(t *testing.T) {
	cat, _, req := loadCase(t, "mixed_sizes")
	bo := newBatch(cat.Images)
	base, _, err := Evaluate(req, "c", bo.b)
	if err != nil {
		t.Fatal(err)
	}
	type view func(i int, im metric.Image) (mp unsafe.Pointer, ml []int64, kp unsafe.Pointer, kl []int64)
	views := map[string]view{
		"float64 maps, float64 masks": func(_ int, im metric.Image) (unsafe.Pointer, []int64, unsafe.Pointer, []int64) {
			m := make([]float64, len(im.Scores))
			k := make([]float64, len(im.Scores))
			for j, v := range im.Scores {
				m[j] = float64(v)
				if im.Mask[j] {
					k[j] = 1
				}
			}
			w, h := int64(im.Width), int64(im.Height)
			return unsafe.Pointer(&m[0]), []int64{int64(Float64), h, w, 8 * w, 8}, unsafe.Pointer(&k[0]), []int64{int64(Float64), h, w, 8 * w, 8}
		},
		"transposed, float32 masks": func(_ int, im metric.Image) (unsafe.Pointer, []int64, unsafe.Pointer, []int64) {
			w, h := int64(im.Width), int64(im.Height)
			m := make([]float32, len(im.Scores)) // column-major
			k := make([]float32, len(im.Scores))
			for r := range h {
				for c := range w {
					m[c*h+r] = im.Scores[r*w+c]
					if im.Mask[r*w+c] {
						k[c*h+r] = 1
					}
				}
			}
			return unsafe.Pointer(&m[0]), []int64{int64(Float32), h, w, 4, 4 * h}, unsafe.Pointer(&k[0]), []int64{int64(Float32), h, w, 1 * 4, 4 * h}
		},
		"reversed rows, strided columns": func(_ int, im metric.Image) (unsafe.Pointer, []int64, unsafe.Pointer, []int64) {
			w, h := int64(im.Width), int64(im.Height)
			m := make([]float32, 2*len(im.Scores)) // every other element, rows bottom up
			k := make([]bool, len(im.Scores))
			for r := range h {
				for c := range w {
					m[((h-1-r)*w+c)*2] = im.Scores[r*w+c]
					m[((h-1-r)*w+c)*2+1] = float32(math.NaN()) // never read
					k[r*w+c] = im.Mask[r*w+c]
				}
			}
			return unsafe.Pointer(&m[(h-1)*w*2]), []int64{int64(Float32), h, w, -8 * w, 8}, unsafe.Pointer(&k[0]), []int64{int64(Uint8), h, w, w, 1}
		},
	}
	for name, v := range views {
		b := Batch{N: len(cat.Images), Scores: bo.scores}
		for i, im := range cat.Images {
			mp, ml, kp, kl := v(i, im)
			b.Maps = append(b.Maps, mp)
			b.MapLayout = append(b.MapLayout, ml...)
			b.Masks = append(b.Masks, kp)
			b.MaskLayout = append(b.MaskLayout, kl...)
		}
		got, _, err := Evaluate(req, "c", b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, base) {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, base)
		}
	}
	// A broadcast map (stride 0 along rows: every row the same) equals its
	// materialised copy.
	row := []float32{0.1, 0.9, 0.4, 0.4, 0.7}
	full := make([]float32, 0, 15)
	for range 3 {
		full = append(full, row...)
	}
	mask := []uint8{0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0}
	mk := func(p unsafe.Pointer, rs int64) Batch {
		return Batch{N: 1, Maps: []unsafe.Pointer{p}, MapLayout: []int64{int64(Float32), 3, 5, rs, 4},
			Masks: []unsafe.Pointer{unsafe.Pointer(&mask[0])}, MaskLayout: []int64{int64(Uint8), 3, 5, 5, 1}}
	}
	a, _, err1 := Evaluate(req, "b", mk(unsafe.Pointer(&row[0]), 0))
	b, _, err2 := Evaluate(req, "b", mk(unsafe.Pointer(&full[0]), 20))
	if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
		t.Errorf("broadcast: %s (%v), copy %s (%v)", a, err1, b, err2)
	}
}

// TestErrors checks that bad input is an error with a clear message, and
// never a panic.
func TestErrors(t *testing.T) {
	cat, _, req := loadCase(t, "random_exact_1")
	fresh := func() *batchOf { return newBatch(cat.Images) }
	cases := []struct {
		name   string
		change func(bo *batchOf) Batch
		want   string
	}{
		{"nan", func(bo *batchOf) Batch { bo.maps[1][7] = float32(math.NaN()); return bo.b }, "maps[1]: score NaN at row 0, column 7 is not finite"},
		{"inf strided", func(bo *batchOf) Batch {
			bo.maps[2][3] = float32(math.Inf(-1))
			bo.b.MapLayout[2*LayoutColumns+4] = 4 // column stride 4 but the row stride says otherwise: not contiguous
			bo.b.MapLayout[2*LayoutColumns+3] = 4 * int64(cat.Images[2].Width)
			bo.b.MapLayout[2*LayoutColumns+2]-- // one column fewer: a strided view
			bo.b.MaskLayout[2*LayoutColumns+2]--
			return bo.b
		}, "maps[2]: score -Inf at row 0, column 3 is not finite"},
		{"mask size", func(bo *batchOf) Batch { bo.b.MaskLayout[0*LayoutColumns+1]--; return bo.b }, "masks[0] is "},
		{"soft mask", func(bo *batchOf) Batch {
			k := make([]float32, len(bo.maps[0]))
			k[5] = 0.5
			bo.b.Masks[0] = unsafe.Pointer(&k[0])
			copy(bo.b.MaskLayout, []int64{int64(Float32), int64(cat.Images[0].Height), int64(cat.Images[0].Width), 4 * int64(cat.Images[0].Width), 4})
			return bo.b
		}, "masks[0]: value 0.5 at row 0, column 5: want 0 or 1"},
		{"map dtype", func(bo *batchOf) Batch { bo.b.MapLayout[0] = int64(Uint8); return bo.b }, "maps[0]: dtype uint8: want [float32 float64]"},
		{"unknown dtype", func(bo *batchOf) Batch { bo.b.MaskLayout[0] = 9; return bo.b }, "masks[0]: dtype dtype code 9"},
		{"empty", func(bo *batchOf) Batch { bo.b.MapLayout[1] = 0; return bo.b }, "maps[0]: empty array (0x"},
		{"huge", func(bo *batchOf) Batch { bo.b.MapLayout[1], bo.b.MapLayout[2] = 1<<20, 1<<20; return bo.b }, "exceed the limit"},
		{"null", func(bo *batchOf) Batch { bo.b.Maps[3] = nil; return bo.b }, "maps[3]: null data pointer"},
		{"misaligned", func(bo *batchOf) Batch { bo.b.Maps[0] = unsafe.Add(bo.b.Maps[0], 2); return bo.b }, "is not aligned to 4 bytes"},
		{"odd stride", func(bo *batchOf) Batch { bo.b.MapLayout[4] = 6; return bo.b }, "is not aligned to 4 bytes"},
		{"span", func(bo *batchOf) Batch { bo.b.MapLayout[3] = 1 << 62; return bo.b }, "span more than 2^50 bytes"},
		{"score", func(bo *batchOf) Batch {
			bo.b.Scores = make([]float64, len(cat.Images))
			bo.b.Scores[2] = math.Inf(1)
			return bo.b
		}, "scores[2]: image score +Inf is not finite"},
		{"no images", func(bo *batchOf) Batch { return Batch{} }, "no images"},
		{"short layout", func(bo *batchOf) Batch { bo.b.MapLayout = bo.b.MapLayout[:3]; return bo.b }, "maps: 4 pointers and 3 layout values for 4 images"},
	}
	for _, c := range cases {
		b := c.change(fresh())
		_, _, err := Evaluate(req, "c", b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Evaluate: %v, want %q", c.name, err, c.want)
		}
		ev, _ := New(req)
		err = Update(ev, "c", b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Update: %v, want %q", c.name, err, c.want)
		}
		if _, err := Compute(ev); err == nil || !strings.Contains(err.Error(), "no images") {
			t.Errorf("%s: a batch with an error added images: %v", c.name, err)
		}
		Close(ev)
	}
	for _, c := range []struct{ req, want string }{
		{`{"fpr_limit": 0}`, "fpr_limit 0: want a value in (0, 1]"},
		{`{"connectivity": 6}`, "connectivity 6: want 4 or 8"},
		{`{"thresholds": "steps:0"}`, `threshold grid "steps:0"`},
		{`{"metrics": "image,foo"}`, `metric "foo"`},
		{`{"rc_average": "mean"}`, `RC average "mean"`},
		{`{"workers": -1}`, "workers -1: want 0 (one per CPU) to 256"},
		{`{"fpr": 0.2}`, `unknown field "fpr"`},
		{`{} {}`, "trailing data"},
		{`[`, "settings: unexpected EOF"},
	} {
		if _, _, err := Evaluate([]byte(c.req), "c", fresh().b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("request %s: %v, want %q", c.req, err, c.want)
		}
		if _, err := New([]byte(c.req)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New %s: %v, want %q", c.req, err, c.want)
		}
	}
	if err := Update(1<<60, "c", fresh().b); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("unknown evaluator: %v", err)
	}
	ev, _ := New(req)
	if err := Update(ev, "", fresh().b); err == nil || !strings.Contains(err.Error(), "category: empty name") {
		t.Errorf("empty category: %v", err)
	}
	Close(ev)
	if _, err := Compute(ev); err == nil || !strings.Contains(err.Error(), "does not exist (closed?)") {
		t.Errorf("closed evaluator: %v", err)
	}
	if n := Len(); n != 0 {
		t.Errorf("%d objects left open", n)
	}
}

// TestCurves checks that the curves kept for C are the report's, and that
// a metric not requested has none.
func TestCurves(t *testing.T) {
	cat, s, _ := loadCase(t, "random_exact_2")
	s.Metrics = metric.SelectImage | metric.SelectRCPRO
	req, _ := json.Marshal(Request{Settings: s, Curves: true})
	rep, err := evaluate.Dataset(context.Background(), evaluate.Categories([]metric.Category{*cat}), s, evaluate.Options{Curves: true})
	if err != nil {
		t.Fatal(err)
	}
	_, id, err := Evaluate(req, cat.Name, newBatch(cat.Images).b)
	if err != nil || id == 0 {
		t.Fatalf("Evaluate: %v, id %d", err, id)
	}
	defer Close(id)
	for kind, want := range rep.Categories[0].Curves {
		n, err := CopyCurve(id, 0, string(kind), nil, nil, nil)
		if err != nil || n != want.Len() {
			t.Fatalf("%s: length %d (%v), want %d", kind, n, err, want.Len())
		}
		tt, x, y := make([]float64, n), make([]float64, n), make([]float64, n)
		if _, err := CopyCurve(id, 0, string(kind), tt, x, y); err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(tt, want.Threshold) || !cmp.Equal(x, want.X) || !cmp.Equal(y, want.Y) {
			t.Errorf("%s: copied curve differs", kind)
		}
		if _, err := CopyCurve(id, 0, string(kind), tt[:1], x, y); err == nil {
			t.Errorf("%s: short buffer accepted", kind)
		}
	}
	if len(rep.Categories[0].Curves) != 3 {
		t.Errorf("curves %v, want image-roc, image-pr, pro-rc", rep.Categories[0].Curves)
	}
	if n, err := CopyCurve(id, 0, "pixel-roc", nil, nil, nil); n != -1 || err != nil {
		t.Errorf("pixel-roc, not requested: %d, %v; want -1", n, err)
	}
	if _, err := CopyCurve(id, 0, "roc-pixel", nil, nil, nil); err == nil || !strings.Contains(err.Error(), "curve kind") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := CopyCurve(id, 1, "pro-rc", nil, nil, nil); err == nil {
		t.Error("category 1 of 1 accepted")
	}
}

// TestPanics checks that a panic, in the caller's goroutine or a worker's,
// or a fault on reading memory, is an *InternalError and not the end of
// the process.
func TestPanics(t *testing.T) {
	for name, fn := range map[string]func() error{
		"caller": func() error { panic("boom") },
		"worker": func() error {
			parallel.For(8, 4, func(_, i int) {
				if i == 5 {
					panic(fmt.Sprintf("worker %d", i))
				}
			})
			return nil
		},
		"nil": func() error {
			var p *float32
			return fmt.Errorf("%v", *p)
		},
	} {
		err := guard(fn)
		var ie *InternalError
		if !asInternal(err, &ie) || !strings.Contains(err.Error(), "please report it") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func asInternal(err error, target **InternalError) bool {
	ie, ok := err.(*InternalError)
	*target = ie
	return ok
}
