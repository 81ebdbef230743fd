package jpegdec

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStress compares every file written by testdata/jpeg/stress.py into
// $JPEGDEC_STRESS_DIR with PIL's decoding: identical pixels where PIL
// decodes the file, an error where PIL refuses it. Without the variable
// (CI, which has no Python) it is skipped.
func TestStress(t *testing.T) {
	dir := os.Getenv("JPEGDEC_STRESS_DIR")
	if dir == "" {
		t.Skip("JPEGDEC_STRESS_DIR not set (see testdata/jpeg/stress.py)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no JPEG files in %s (%v)", dir, err)
	}
	same, refused := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		img, decErr := Decode(data, 1<<24)
		refData, refErr := os.ReadFile(strings.TrimSuffix(f, ".jpg") + ".png")
		switch {
		case refErr != nil && decErr != nil:
			refused++
		case refErr != nil:
			t.Errorf("%s: PIL refuses it, Decode does not", f)
		case decErr != nil:
			t.Errorf("%s: PIL decodes it, Decode fails: %v", f, decErr)
		default:
			ref, err := png.Decode(bytes.NewReader(refData))
			if err != nil {
				t.Fatal(err)
			}
			if n, worst := compare(rgbOf(img), rgbOf(ref)); n > 0 {
				t.Errorf("%s: %d samples differ from PIL, by up to %d", f, n, worst)
			} else {
				same++
			}
		}
	}
	t.Logf("%d files identical to PIL's decoding, %d refused by both", same, refused)
}
