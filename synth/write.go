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
	"sync"

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
	return p.write(dir, dir, newCounter(opts.Progress, p.total()))
}

// ModelQuality is the Options.Quality of model m of k (1 <= m <= k) in
// WriteModels: evenly spaced from 0.4 up to 1, the standard detector, which
// model k is.
func ModelQuality(m, k int) float64 { return 0.4 + 0.6*float64(m)/float64(k) }

// ModelFolder is the folder of model m's maps under WriteModels' dir.
func ModelFolder(m int) string { return "model" + strconv.Itoa(m) }

// ModelsTruth is the folder of WriteModels' ground truth, as
// RCPRODemoTruth is WriteRCPRODemo's.
const ModelsTruth = "gt"

// WriteModels writes the ground truth of the data set described by opts
// once, and the score maps of k models of increasing quality on it
// (Options.Quality = ModelQuality(m, k)), for comparing models:
//
//	dir/gt/<category>/ground_truth/<defect>/<id>_mask.png   masks, as WriteMVTec
//	dir/model<m>/<category>/test/<defect>/<id>.npy           maps of model m, 1 <= m <= k
//
// so that score --maps dir/model<m> --data dir/gt scores model m; model
// k's maps are WriteMVTec's. opts.Quality is ignored. Files are written as
// WriteMVTec writes them.
func WriteModels(dir string, opts Options, k int) error {
	if k < 1 || k > 100 {
		return fmt.Errorf("synth: %d models, want 1 to 100", k)
	}
	var plans []*plan
	for m := 1; m <= k; m++ {
		o := opts
		o.Quality = ModelQuality(m, k)
		p, err := newPlan(o)
		if err != nil {
			return err
		}
		plans = append(plans, p)
	}
	count := newCounter(opts.Progress, k*plans[0].total())
	for m, p := range plans {
		masks := ""
		if m == k-1 {
			masks = filepath.Join(dir, ModelsTruth) // the same for every model
		}
		if err := p.write(filepath.Join(dir, ModelFolder(m+1)), masks, count); err != nil {
			return err
		}
	}
	return nil
}

// counter reports written images to Options.Progress.
type counter struct {
	mu          sync.Mutex
	fn          func(done, total int)
	done, total int
}

func newCounter(fn func(done, total int), total int) *counter {
	return &counter{fn: fn, total: total}
}

func (c *counter) add() {
	if c.fn == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done++
	c.fn(c.done, c.total)
}

// write writes every image's map under mapsDir and, when masksDir is not
// "", its mask under masksDir, in parallel.
func (p *plan) write(mapsDir, masksDir string, count *counter) error {
	for i := range p.cats {
		c := &p.cats[i]
		made := map[defectKind]bool{}
		for _, k := range c.kinds {
			if made[k] {
				continue
			}
			made[k] = true
			folders := []string{filepath.Join(mapsDir, c.name, "test", defectNames[k])}
			if k != kindGood && masksDir != "" {
				folders = append(folders, filepath.Join(masksDir, c.name, "ground_truth", defectNames[k]))
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
		if err := writers[w].write(mapsDir, masksDir, p, k); err != nil {
			return err
		}
		count.add()
		return nil
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

func (w *fileWriter) write(mapsDir, masksDir string, p *plan, k int) error {
	p.render(k, &w.ws, &w.img)
	img := &w.img
	path := filepath.Join(mapsDir, img.Category, "test", img.Defect, img.ID+".npy")
	w.buf = appendNPY(w.buf[:0], img.Scores, img.Height, img.Width)
	if err := writeFileAtomic(path, w.buf); err != nil {
		return err
	}
	if img.Defect == defectNames[kindGood] || masksDir == "" {
		return nil
	}
	return w.writeMask(filepath.Join(masksDir, img.Category, "ground_truth", img.Defect, img.ID+"_mask.png"), img.Mask)
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
