package synth

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"

	"github.com/zsadbench/zsadbench/internal/atomicfile"
	"github.com/zsadbench/zsadbench/internal/parallel"
)

// WriteMVTec writes the data set described by opts under dir in the MVTec AD
// layout:
//
//	dir/<category>/test/<defect>/<id>.npy                 score map, every image
//	dir/<category>/ground_truth/<defect>/<id>_mask.png    mask, anomalous images
//
// Maps are NumPy .npy files (format 1.0, dtype '<f4', C order, shape
// (Size, Size)); masks are 8-bit greyscale PNGs, 255 = anomalous, 0 = normal.
// Normal images are in defect folder "good" and have no mask file.
//
// Images are computed and written in parallel on GOMAXPROCS goroutines; the
// bytes of every file depend only on opts. Each file is written to a
// temporary file in its folder and renamed into place, so a reader never sees
// a partly written file (the files are not fsynced). Folders are created as
// needed; existing files with the same names are replaced, and other files
// are left alone. On error WriteMVTec stops early and returns the error of the
// lowest-numbered image that failed, naming the file; files already
// written stay.
func WriteMVTec(dir string, opts Options) error {
	p, err := newPlan(opts)
	if err != nil {
		return err
	}
	for i := range p.cats {
		c := &p.cats[i]
		made := map[defectKind]bool{}
		for _, k := range c.kinds {
			if made[k] {
				continue
			}
			made[k] = true
			folders := []string{filepath.Join(dir, c.name, "test", defectNames[k])}
			if k != kindGood {
				folders = append(folders, filepath.Join(dir, c.name, "ground_truth", defectNames[k]))
			}
			for _, f := range folders {
				if err := os.MkdirAll(f, 0o755); err != nil {
					return fmt.Errorf("synth: %w", err)
				}
			}
		}
	}

	writers := make([]*fileWriter, runtime.GOMAXPROCS(0))
	return parallel.Do(p.total(), len(writers), func(w, k int) error {
		if writers[w] == nil {
			writers[w] = newFileWriter(p.size)
		}
		return writers[w].write(dir, p, k)
	})
}

// fileWriter holds one goroutine's reusable buffers.
type fileWriter struct {
	ws   workspace
	img  Image
	buf  []byte
	pbuf bytes.Buffer
	gray *image.Gray
	enc  png.Encoder
}

func newFileWriter(size int) *fileWriter {
	n := size * size
	w := &fileWriter{
		img:  Image{Scores: make([]float32, n), Mask: make([]bool, n)},
		gray: image.NewGray(image.Rect(0, 0, size, size)),
	}
	w.enc.BufferPool = new(pngPool)
	return w
}

func (w *fileWriter) write(dir string, p *plan, k int) error {
	p.render(k, &w.ws, &w.img)
	img := &w.img
	path := filepath.Join(dir, img.Category, "test", img.Defect, img.ID+".npy")
	w.buf = appendNPY(w.buf[:0], img.Scores, img.Height, img.Width)
	if err := writeFileAtomic(path, w.buf); err != nil {
		return err
	}
	if img.Defect == defectNames[kindGood] {
		return nil
	}
	return w.writeMask(filepath.Join(dir, img.Category, "ground_truth", img.Defect, img.ID+"_mask.png"), img.Mask)
}

// writeMask writes mask (Size*Size values) as an 8-bit greyscale PNG, 255 =
// anomalous.
func (w *fileWriter) writeMask(path string, mask []bool) error {
	for i, m := range mask {
		w.gray.Pix[i] = 0
		if m {
			w.gray.Pix[i] = 255
		}
	}
	w.pbuf.Reset()
	if err := w.enc.Encode(&w.pbuf, w.gray); err != nil {
		return fmt.Errorf("synth: encode %s: %w", path, err)
	}
	return writeFileAtomic(path, w.pbuf.Bytes())
}

// pngPool keeps one png.EncoderBuffer for a single goroutine's encoder.
type pngPool struct{ b *png.EncoderBuffer }

func (p *pngPool) Get() *png.EncoderBuffer  { return p.b }
func (p *pngPool) Put(b *png.EncoderBuffer) { p.b = b }

// appendNPY appends to dst a NumPy .npy file (format 1.0) holding data as a
// little-endian float32 C-order array of shape (h, w). The header is padded
// with spaces and ended with a newline so that the data starts at a multiple
// of 64 bytes, as NumPy writes it.
func appendNPY(dst []byte, data []float32, h, w int) []byte {
	if len(data) != h*w {
		panic(fmt.Sprintf("synth: appendNPY: %d values for shape (%d, %d)", len(data), h, w))
	}
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
		strconv.Itoa(h) + ", " + strconv.Itoa(w) + "), }"
	const pre = 10 // magic (6), version (2), header length (2)
	hlen := len(dict) + 1
	hlen += (64 - (pre+hlen)%64) % 64
	dst = append(dst, "\x93NUMPY\x01\x00"...)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(hlen))
	dst = append(dst, dict...)
	for range hlen - len(dict) - 1 {
		dst = append(dst, ' ')
	}
	dst = append(dst, '\n')
	off := len(dst)
	dst = slices.Grow(dst, 4*len(data))[:off+4*len(data)]
	for i, v := range data {
		binary.LittleEndian.PutUint32(dst[off+4*i:], math.Float32bits(v))
	}
	return dst
}

// writeFileAtomic writes data whole or not at all, with permissions 0644.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return fmt.Errorf("synth: write %s: %w", path, err)
	}
	return nil
}
