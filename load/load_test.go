package load

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/resize"
)

func writeMask(t *testing.T, path string, w, h int, on func(x, y int) bool) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if on(x, y) {
				img.SetGray(x, y, color.Gray{255})
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestImageResizesMapToMask(t *testing.T) {
	dir := t.TempDir()
	mask := filepath.Join(dir, "m.png")
	writeMask(t, mask, 4, 4, func(x, y int) bool { return x == 1 && y == 2 })
	e := dataset.Entry{MapPath: "a.npy", MaskPath: mask, PixelLabels: true, ImageLabels: true}
	out := backend.Output{Width: 2, Height: 2, Map: []float32{0, 1, 2, 3}, Score: 3}
	im, err := Image(&e, &out, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	want := resize.Bilinear(out.Map, 2, 2, 4, 4)
	if im.Width != 4 || im.Height != 4 || len(im.Scores) != 16 || im.Scores[5] != want[5] || !im.Mask[2*4+1] || im.Mask[0] {
		t.Errorf("image %+v", im)
	}
	strict := DefaultOptions
	strict.StrictSize = true
	_, err = Image(&e, &out, strict)
	if err == nil || !strings.Contains(err.Error(), "m.png") {
		t.Errorf("strict size error %v, want one naming the mask", err)
	}
	var se *SizeError
	if !errors.As(err, &se) || *se != (SizeError{Map: "a.npy", Mask: mask, MapWidth: 2, MapHeight: 2, MaskWidth: 4, MaskHeight: 4}) {
		t.Errorf("strict size error %#v, want a *SizeError with both sizes", err)
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("strict size error %q names a flag", err)
	}
}

func TestImageSize(t *testing.T) {
	dir := t.TempDir()
	mask := filepath.Join(dir, "m.png")
	writeMask(t, mask, 8, 8, func(x, y int) bool { return x < 4 })
	e := dataset.Entry{MapPath: "a.npy", MaskPath: mask, PixelLabels: true, ImageLabels: true}
	out := backend.Output{Width: 8, Height: 8, Map: make([]float32, 64)}
	for _, how := range []MaskResize{Nearest, Bilinear} {
		o := DefaultOptions
		o.Size, o.MaskResize = 4, how
		im, err := Image(&e, &out, o)
		if err != nil {
			t.Fatal(err)
		}
		if im.Width != 4 || len(im.Mask) != 16 || !im.Mask[0] || !im.Mask[1] || im.Mask[2] || im.Mask[3] {
			t.Errorf("%s: mask %v", how, im.Mask)
		}
	}
}

func TestClassificationLabel(t *testing.T) {
	e := dataset.Entry{ImagePath: "x.png", Anomalous: true, PixelLabels: false, ImageLabels: true}
	out := backend.Output{Width: 1, Height: 1, Map: []float32{0.5}, Score: 0.5}
	im, err := Image(&e, &out, DefaultOptions)
	if err != nil || !im.Anomalous() || im.Mask != nil {
		t.Errorf("image %+v, %v", im, err)
	}
}

// TestCheckSizes: sizes come from headers, before any map is decoded: a
// strict-size mismatch is an error naming both files, an aspect ratio
// change a warning, a map over the pixel limit an error naming it.
func TestCheckSizes(t *testing.T) {
	dir := t.TempDir()
	mask := filepath.Join(dir, "m.png")
	writeMask(t, mask, 64, 64, func(x, y int) bool { return x == y })
	npyHeader := func(name string, h, w int) string {
		p := filepath.Join(dir, name)
		hdr := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", h, w)
		hdr += strings.Repeat(" ", 63-(10+len(hdr))%64) + "\n"
		data := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
		os.WriteFile(p, append(data, hdr...), 0o644) // no payload: never read
		return p
	}
	square := npyHeader("square.npy", 32, 32)
	thin := npyHeader("thin.npy", 1, 4096)
	huge := npyHeader("huge.npy", 16384, 16384)
	same := npyHeader("same.npy", 64, 64)
	entries := []dataset.Entry{{MapPath: same, MaskPath: mask}, {MapPath: square, MaskPath: mask}, {MapPath: thin, MaskPath: mask}, {MapPath: thin}}

	w, err := CheckSizes(entries, DefaultOptions)
	if err != nil || len(w) != 1 || !strings.Contains(w[0], "1 score map(s)") || !strings.Contains(w[0], thin+" is 4096x1") {
		t.Errorf("warnings %q, %v; want one naming %s", w, err, thin)
	}
	strict := DefaultOptions
	strict.StrictSize = true
	if _, err := CheckSizes(entries, strict); err == nil || !strings.Contains(err.Error(), square+": score map is 32x32 but its mask "+mask+" is 64x64, and strict size forbids") {
		t.Errorf("strict: %v", err)
	}
	strict.Size = 16 // --size resizes both: not an error
	if _, err := CheckSizes(entries, strict); err != nil {
		t.Errorf("strict with --size: %v", err)
	}
	if _, err := CheckSizes([]dataset.Entry{{MapPath: same}, {MapPath: huge}}, DefaultOptions); err == nil || !strings.HasPrefix(err.Error(), huge) || !strings.Contains(err.Error(), "limit") {
		t.Errorf("a map over the pixel limit: %v", err)
	}
}
