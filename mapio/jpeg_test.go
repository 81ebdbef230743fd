package mapio

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestJPEGMasksMatchPIL reads every file of testdata/jpeg (written by its
// generate.py) as a mask: a grey JPEG must give PIL's grey values, a colour
// one the largest channel of PIL's convert("RGB"), exactly.
func TestJPEGMasksMatchPIL(t *testing.T) {
	const dir = "../testdata/jpeg"
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		Cases []struct{ Name, JPEG, Ref string }
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if len(man.Cases) < 20 {
		t.Fatalf("manifest lists %d cases", len(man.Cases))
	}
	for _, c := range man.Cases {
		t.Run(c.Name, func(t *testing.T) {
			refData, err := os.ReadFile(filepath.Join(dir, c.Ref))
			if err != nil {
				t.Fatal(err)
			}
			ref, err := png.Decode(bytes.NewReader(refData))
			if err != nil {
				t.Fatal(err)
			}
			bd := ref.Bounds()
			want := make([]float32, 0, bd.Dx()*bd.Dy())
			for y := bd.Min.Y; y < bd.Max.Y; y++ {
				for x := bd.Min.X; x < bd.Max.X; x++ {
					switch p := ref.(type) {
					case *image.Gray:
						want = append(want, float32(p.GrayAt(x, y).Y))
					case *image.RGBA:
						o := p.PixOffset(x, y)
						want = append(want, float32(max(p.Pix[o], p.Pix[o+1], p.Pix[o+2])))
					default:
						t.Fatalf("reference decoded to %T", ref)
					}
				}
			}
			m, err := ReadMask(filepath.Join(dir, c.JPEG))
			if err != nil {
				t.Fatal(err)
			}
			if m.Width != bd.Dx() || m.Height != bd.Dy() {
				t.Fatalf("%dx%d, want %dx%d", m.Width, m.Height, bd.Dx(), bd.Dy())
			}
			for i, v := range m.Pix {
				if v != want[i] {
					t.Fatalf("pixel (%d, %d) = %v, PIL %v", i%m.Width, i/m.Width, v, want[i])
				}
			}
			bin, w, h, err := ReadBinaryMask(filepath.Join(dir, c.JPEG), 127)
			if err != nil || w != m.Width || h != m.Height {
				t.Fatalf("ReadBinaryMask: %dx%d, %v", w, h, err)
			}
			for i, v := range bin {
				if v != (want[i] > 127) {
					t.Fatalf("binary pixel %d = %v, PIL value %v", i, v, want[i])
				}
			}
		})
	}
}
