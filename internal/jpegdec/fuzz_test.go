package jpegdec

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode: any input decodes or fails with a FormatError, never panics
// (Decode's recover would report a panic as an "internal error"), never
// allocates for more than the pixel limit, and a decoded image has the size
// its header gives.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(testdataDir, "*.jpg"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 8000 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 16
		img, err := Decode(data, limit)
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatal(err)
			}
			return
		}
		cfg, err := DecodeConfig(data)
		if err != nil {
			t.Fatalf("Decode succeeded, DecodeConfig failed: %v", err)
		}
		if img.Bounds() != image.Rect(0, 0, cfg.Width, cfg.Height) || cfg.Width*cfg.Height > limit {
			t.Fatalf("decoded %v, header %dx%d", img.Bounds(), cfg.Width, cfg.Height)
		}
	})
}
