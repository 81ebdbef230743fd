package backend

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/zsadbench/zsadbench/internal/hugepage"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/mapio"
)

// Files is the backend of imported maps: each Input's Path is a score map
// file written by any model (.npy, .tiff/.tif or .png, read by mapio.ReadMap),
// and the image score comes from Scores when it has the Input's Key, else the
// maximum of the map; a key that two rows of Scores match is an error (see
// Scores.Match). It reads Workers files at once (0 = GOMAXPROCS) and may be
// called from several goroutines.
type Files struct {
	Scores  *Scores
	Workers int
}

// Name returns "files".
func (f *Files) Name() string { return "files" }

// Close does nothing: Files holds no resources.
func (f *Files) Close() error { return nil }

// Predict reads the maps of in. Errors name the file.
func (f *Files) Predict(ctx context.Context, in []Input) ([]Output, error) {
	out := make([]Output, len(in))
	maps := hugepage.NewSlab(npyValues(in))
	// The error of the first failing input, so the message does not depend on timing.
	err := parallel.Do(len(in), f.Workers, func(_, i int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, peak, err := mapio.ReadMapTo(in[i].Path, maps.Take)
		if err != nil {
			return err
		}
		o := Output{Key: in[i].Key, Width: m.Width, Height: m.Height, Map: m.Pix}
		s, ok, err := f.Scores.Match(in[i].Key)
		switch {
		case err != nil:
			return err
		case ok:
			o.Score = s
		default:
			o.Score = float64(peak)
		}
		out[i] = o
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// npyValues bounds the number of float32 values in the .npy files of in,
// from their sizes (a file that cannot be read is reported when it is
// read). The maps are read into one slab: see package hugepage.
func npyValues(in []Input) int {
	n := int64(0)
	for _, x := range in {
		if strings.EqualFold(filepath.Ext(x.Path), ".npy") {
			if st, err := os.Stat(x.Path); err == nil && st.Mode().IsRegular() {
				n += st.Size() / 4
			}
		}
	}
	return int(min(n, math.MaxInt32))
}
