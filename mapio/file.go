package mapio

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ReadMap reads the score map at path, choosing the decoder by the file's
// extension, compared case-insensitively: .npy ([DecodeNPY]), .tif and .tiff
// ([DecodeTIFF]), .png ([DecodePNG]). A map holding NaN or ±Inf is an error
// wrapping a *[NonFiniteError] that names the first bad pixel. Every error
// starts with the path: "PATH: problem".
func ReadMap(path string) (Map, error) {
	var m Map
	var err error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".npy":
		m, err = readNPYFile(path)
	case ".tif", ".tiff", ".png":
		var data []byte
		if data, err = os.ReadFile(path); err != nil {
			return Map{}, fmt.Errorf("%s: %w", path, unwrapPathError(err))
		}
		if ext == ".png" {
			m, err = decodePNGBytes(data)
		} else {
			m, err = decodeTIFFBytes(data)
		}
	default:
		return Map{}, fmt.Errorf("%s: unsupported score map extension %q (want .npy, .tif, .tiff or .png)",
			path, filepath.Ext(path))
	}
	if err == nil {
		err = m.CheckFinite()
	}
	if err != nil {
		return Map{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// readNPYFile streams a .npy file into a map pre-sized from the file's
// length, without holding a copy of the file.
func readNPYFile(path string) (Map, error) {
	f, err := os.Open(path)
	if err != nil {
		return Map{}, unwrapPathError(err)
	}
	defer f.Close()
	return DecodeNPY(f)
}

// ReadMask reads the mask image at path with [DecodeMask]; the format is
// sniffed from the content, not the extension. A float TIFF mask holding NaN
// or ±Inf is an error wrapping a *[NonFiniteError]. Errors start with the
// path.
func ReadMask(path string) (Map, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Map{}, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	m, err := decodeMaskBytes(data)
	if err != nil {
		return Map{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := m.CheckFinite(); err != nil {
		return Map{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// WriteNPY writes m to path with [EncodeNPY], atomically: the data goes to a
// new temporary file in the same directory, which is then renamed over path,
// so a reader sees either the old file or the complete new one, never a
// partial file. The file is not fsynced. Its permissions are 0666 less the
// process umask, as with os.Create. On error the temporary file is removed
// and path is left untouched.
func WriteNPY(path string, m Map) (err error) {
	if err := m.sizeError(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	var f *os.File
	var tmp string
	for range 100 {
		var rnd [6]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		tmp = filepath.Join(dir, "."+base+"."+hex.EncodeToString(rnd[:])+".tmp")
		f, err = os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := EncodeNPY(f, m); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	return nil
}

func (m Map) sizeError() error {
	if m.Width <= 0 || m.Height <= 0 || m.Width > MaxPixels/m.Height || len(m.Pix) != m.Width*m.Height {
		return fmt.Errorf("invalid map: %dx%d with %d values", m.Width, m.Height, len(m.Pix))
	}
	return nil
}

// unwrapPathError drops the *fs.PathError wrapper (whose message repeats the
// path) and keeps its operation and cause, so messages read "PATH: open: ...".
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
