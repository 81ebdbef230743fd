package backend

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zsadbench/zsadbench/internal/atomicfile"
	"github.com/zsadbench/zsadbench/internal/inputfile"
	"github.com/zsadbench/zsadbench/internal/printable"
)

// MapsInfoFile is the file, beside scores.csv in a folder of maps a model
// wrote, that says how the maps were made (see MapsInfo).
const MapsInfoFile = "maps.json"

// MapsInfo says how a folder of maps was made, so that scoring them can
// tell whether they were smoothed at the size they are evaluated at.
type MapsInfo struct {
	// Backend is the backend's name ("dive").
	Backend string `json:"backend"`
	// Model is the model file's name, without its folder.
	Model string `json:"model,omitempty"`
	// InputSize is the side of the square images the model reads.
	InputSize int `json:"input_size,omitempty"`
	// MapSize is where the patch maps were upsampled and smoothed: "image"
	// (each image's own size; the maps have their images' sizes) or "NxN".
	MapSize string `json:"map_size"`
	// Sigma is the smoothing Gaussian's standard deviation (0: none).
	Sigma float64 `json:"sigma"`
}

// MapSizeName is MapsInfo.MapSize for maps of side n, or at each image's
// size when n is 0.
func MapSizeName(n int) string {
	if n <= 0 {
		return "image"
	}
	return strconv.Itoa(n) + "x" + strconv.Itoa(n)
}

// Side returns the side of the square maps, 0 when they were made at each
// image's size, and whether MapSize is well formed.
func (m *MapsInfo) Side() (int, bool) {
	if m.MapSize == "image" {
		return 0, true
	}
	a, b, ok := strings.Cut(m.MapSize, "x")
	n, err := strconv.Atoi(a)
	return n, ok && a == b && err == nil && n > 0
}

// WriteMapsInfo writes info into dir/maps.json, atomically.
func WriteMapsInfo(dir string, info MapsInfo) error {
	path := filepath.Join(dir, MapsInfoFile)
	err := atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ReadMapsInfo reads dir/maps.json; it returns nil and no error when there
// is none. Only a regular file of at most 64 KiB is read.
func ReadMapsInfo(dir string) (*MapsInfo, error) {
	path := filepath.Join(dir, MapsInfoFile)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	b, err := inputfile.ReadFile(path, 64<<10)
	if err != nil {
		return nil, err
	}
	var info MapsInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("%s: %w", printable.Path(path), err)
	}
	if _, ok := info.Side(); !ok {
		return nil, fmt.Errorf("%s: map_size %q: want \"image\" or \"NxN\"", printable.Path(path), info.MapSize)
	}
	return &info, nil
}
