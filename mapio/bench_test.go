package mapio

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

func npy512(b *testing.B) []byte {
	m := Map{Width: 512, Height: 512, Pix: scoreLikeMap(512, 512, 2)}
	var buf bytes.Buffer
	if err := EncodeNPY(&buf, m); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkDecodeNPY512 decodes a 512x512 float32 .npy (1 MiB): from a
// bytes.Reader (length known, one allocation), from a plain io.Reader
// (streamed in 32 KiB chunks), and through ReadMap from a file (read whole,
// converted, checked for NaN/Inf).
func BenchmarkDecodeNPY512(b *testing.B) {
	data := npy512(b)
	b.Run("bytes.Reader", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := DecodeNPY(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stream", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := DecodeNPY(onlyReader{bytes.NewReader(data)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadMap", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "map.npy")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := ReadMap(path); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeTIFF512 decodes a 512x512 float32 TIFF with deflate
// compression in 16-row strips (as tifffile and libtiff write them), with
// and without the floating-point predictor.
func BenchmarkDecodeTIFF512(b *testing.B) {
	pix := scoreLikeMap(512, 512, 3)
	for _, bc := range []struct {
		name      string
		predictor int
	}{{"deflate", 1}, {"deflate_pred3", 3}} {
		data := buildTIFF(tiffSpec{512, 512, binary.LittleEndian, 8, bc.predictor, 16}, pix)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(512 * 512 * 4)
			b.ReportMetric(float64(len(data)), "file-bytes")
			for b.Loop() {
				if _, err := DecodeTIFF(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodeNPY512(b *testing.B) {
	m := Map{Width: 512, Height: 512, Pix: scoreLikeMap(512, 512, 4)}
	var buf bytes.Buffer
	b.SetBytes(512 * 512 * 4)
	for b.Loop() {
		buf.Reset()
		if err := EncodeNPY(&buf, m); err != nil {
			b.Fatal(err)
		}
	}
}
