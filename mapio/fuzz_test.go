package mapio

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// addFixtures seeds a fuzz target with the golden fixture files in dirs.
func addFixtures(f *testing.F, dirs ...string) {
	n := 0
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(fixtureDir, dir, "*"))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			n++
		}
	}
	if n == 0 {
		f.Fatal("no seed files")
	}
}

func checkShape(t *testing.T, m Map) {
	t.Helper()
	if m.Width <= 0 || m.Height <= 0 || m.Width*m.Height != len(m.Pix) || len(m.Pix) > MaxPixels {
		t.Fatalf("decoded an invalid map: %dx%d with %d values", m.Width, m.Height, len(m.Pix))
	}
}

func sameMap(a, b Map) bool {
	if a.Width != b.Width || a.Height != b.Height || len(a.Pix) != len(b.Pix) {
		return false
	}
	for i := range a.Pix {
		if math.Float32bits(a.Pix[i]) != math.Float32bits(b.Pix[i]) {
			return false
		}
	}
	return true
}

func FuzzDecodeNPY(f *testing.F) {
	addFixtures(f, "npy")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeNPYBytes(data)
		ms, errs := DecodeNPY(onlyReader{bytes.NewReader(data)})
		ml, errl := DecodeNPY(bytes.NewReader(data))
		if (err == nil) != (errs == nil) || (err == nil) != (errl == nil) {
			t.Fatalf("in-memory, streaming and sized decoders disagree: %v / %v / %v", err, errs, errl)
		}
		if err != nil {
			return
		}
		checkShape(t, m)
		if !sameMap(m, ms) || !sameMap(m, ml) {
			t.Fatal("in-memory, streaming and sized decoders return different maps")
		}
		var buf bytes.Buffer
		if err := EncodeNPY(&buf, m); err != nil {
			t.Fatal(err)
		}
		back, err := decodeNPYBytes(buf.Bytes())
		if err != nil || !sameMap(m, back) {
			t.Fatalf("re-encoded map does not round-trip: %v", err)
		}
	})
}

func FuzzDecodeTIFF(f *testing.F) {
	addFixtures(f, "tiff")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeTIFF(bytes.NewReader(data))
		if err == nil {
			checkShape(t, m)
		}
	})
}

func FuzzDecodePNG(f *testing.F) {
	addFixtures(f, "png")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodePNG(bytes.NewReader(data))
		if err != nil {
			return
		}
		checkShape(t, m)
		for i, v := range m.Pix {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("pixel %d = %v outside [0, 1]", i, v)
			}
		}
	})
}

func FuzzDecodeMask(f *testing.F) {
	addFixtures(f, "mask", "png")
	for _, name := range []string{"420_tiny_17x9.jpg", "422_tiny_progressive_5x3.jpg", "mask_grey_75x51.jpg"} {
		if data, err := os.ReadFile(filepath.Join("../testdata/jpeg", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMask(bytes.NewReader(data))
		bin, w, h, berr := decodeBinaryMask(data, 127.5)
		if err == nil {
			err = m.CheckFinite()
		}
		if (err == nil) != (berr == nil) {
			t.Fatalf("DecodeMask and decodeBinaryMask disagree: %v / %v", err, berr)
		}
		if err != nil {
			return
		}
		if w != m.Width || h != m.Height || !slices.Equal(bin, m.Binary(127.5)) {
			t.Fatal("decodeBinaryMask differs from DecodeMask and Binary")
		}
		checkShape(t, m)
		if isTIFF(data) {
			return // float TIFF masks keep their values
		}
		for i, v := range m.Pix {
			if !(v >= 0 && v <= 65535) {
				t.Fatalf("pixel %d = %v outside [0, 65535]", i, v)
			}
		}
	})
}
