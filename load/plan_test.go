package load

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/dataset"
)

func writeImage(t *testing.T, path string, w, h int) {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func flatMap(w, h int) backend.Output {
	m := make([]float32, w*h)
	for i := range m {
		m[i] = float32(i) / float32(len(m))
	}
	return backend.Output{Width: w, Height: h, Map: m, Score: float64(m[len(m)-1])}
}

// TestPlanSizes checks each rule of Plan: the mask's size, the image file's,
// the category's one mask size, and the map's own size.
func TestPlanSizes(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	writeMask(t, p("a_mask.png"), 6, 4, func(x, y int) bool { return x == 1 })
	writeMask(t, p("b_mask.png"), 6, 4, func(x, y int) bool { return y == 1 })
	writeImage(t, p("c.jpg"), 5, 7)
	writeMask(t, p("x_mask.png"), 3, 3, func(x, y int) bool { return x == y })
	writeMask(t, p("y_mask.png"), 4, 2, func(x, y int) bool { return x == 0 })
	entry := func(cat, key, mask, img string) dataset.Entry {
		return dataset.Entry{Category: cat, Key: key, MapPath: key + ".npy", MaskPath: mask, ImagePath: img, PixelLabels: true, ImageLabels: true}
	}
	t.Run("one mask size", func(t *testing.T) {
		entries := []dataset.Entry{entry("k", "a", p("a_mask.png"), ""), entry("k", "b", p("b_mask.png"), ""),
			entry("k", "c", "", p("c.jpg")), entry("k", "d", "", "")}
		outs := []backend.Output{flatMap(3, 2), flatMap(3, 2), flatMap(3, 2), flatMap(3, 2)}
		cat, err := Category("k", entries, outs, DefaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		want := []Size{{6, 4}, {6, 4}, {5, 7}, {6, 4}} // d: the category's masks' size
		for i, im := range cat.Images {
			if (Size{im.Width, im.Height}) != want[i] || len(im.Scores) != im.Width*im.Height {
				t.Errorf("%s at %dx%d, want %s", entries[i].Key, im.Width, im.Height, want[i])
			}
			if im.Score != outs[i].Score {
				t.Errorf("%s: image score %v, want the map's own maximum %v", entries[i].Key, im.Score, outs[i].Score)
			}
		}
	})
	t.Run("several mask sizes, maps at their images' sizes", func(t *testing.T) {
		entries := []dataset.Entry{entry("k", "x", p("x_mask.png"), ""), entry("k", "y", p("y_mask.png"), ""), entry("k", "z", "", "")}
		outs := []backend.Output{flatMap(3, 3), flatMap(4, 2), flatMap(9, 1)}
		plan, err := NewPlan(entries, DefaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		cat, err := plan.Category("k", entries, outs)
		if err != nil || plan.Check() != nil {
			t.Fatal(err, plan.Check())
		}
		if im := cat.Images[2]; im.Width != 9 || im.Height != 1 {
			t.Errorf("z at %dx%d, want its own 9x1", im.Width, im.Height)
		}
		if rs := plan.Resized(); len(rs) != 0 {
			t.Errorf("resized %v", rs)
		}
	})
	t.Run("several mask sizes, maps resized", func(t *testing.T) {
		entries := []dataset.Entry{entry("k", "x", p("x_mask.png"), ""), entry("k", "y", p("y_mask.png"), ""), entry("k", "z", "", "")}
		outs := []backend.Output{flatMap(6, 6), flatMap(6, 6), flatMap(6, 6)}
		_, err := Category("k", entries, outs, DefaultOptions)
		if !errors.Is(err, ErrUnknownSize) || !strings.Contains(err.Error(), "z") || strings.Contains(err.Error(), "--") {
			t.Errorf("error %v, want ErrUnknownSize naming z and no flag", err)
		}
	})
	t.Run("size", func(t *testing.T) {
		entries := []dataset.Entry{entry("k", "a", p("a_mask.png"), ""), entry("k", "d", "", "")}
		o := DefaultOptions
		o.Size = 5
		plan, err := NewPlan(entries, o)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // a category read twice counts its maps once
			if _, err := plan.Category("k", entries, []backend.Output{flatMap(3, 2), flatMap(5, 5)}); err != nil {
				t.Fatal(err)
			}
		}
		if rs := plan.Resized(); len(rs) != 1 || rs[0] != (Resize{Size{3, 2}, Size{5, 5}, 1}) {
			t.Errorf("resized %v", rs)
		}
	})
	t.Run("strict size", func(t *testing.T) {
		o := DefaultOptions
		o.StrictSize = true
		e := entry("k", "c", "", p("c.jpg"))
		if _, err := Image(&e, &[]backend.Output{flatMap(3, 2)}[0], o); err == nil || !strings.Contains(err.Error(), "c.jpg") {
			t.Errorf("error %v, want one naming the image file", err)
		}
	})
	t.Run("unreadable image", func(t *testing.T) {
		os.WriteFile(p("bad.png"), []byte("not an image"), 0o644)
		if _, err := NewPlan([]dataset.Entry{entry("k", "e", "", p("bad.png"))}, DefaultOptions); err == nil || !strings.Contains(err.Error(), "bad.png") {
			t.Errorf("error %v, want one naming bad.png", err)
		}
	})
}

func TestResizesString(t *testing.T) {
	var rs Resizes
	for i := 1; i <= 6; i++ {
		rs.Add(Resize{Size{518, 518}, Size{100 * i, 100 * i}, i})
	}
	rs.Add(Resize{Size{518, 518}, Size{100, 100}, 10})
	want := "11 from 518x518 to 100x100, 6 from 518x518 to 600x600, 5 from 518x518 to 500x500, " +
		"4 from 518x518 to 400x400, 5 more between 2 other pairs of sizes"
	if rs.String() != want || rs.Maps() != 31 {
		t.Errorf("%q (%d maps), want %q", rs, rs.Maps(), want)
	}
}
