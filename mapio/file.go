package mapio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/zsadbench/zsadbench/internal/atomicfile"
	"github.com/zsadbench/zsadbench/internal/inputfile"
	"github.com/zsadbench/zsadbench/internal/printable"
)

// ReadMap reads the score map at path, choosing the decoder by the file's
// extension, compared case-insensitively: .npy ([DecodeNPY]), .npz with one
// array ([DecodeNPZ]), .tif and .tiff ([DecodeTIFF]), .png ([DecodePNG]). A
// path "<archive>.npz/<key>.npy" names the array key of an .npz archive of
// several (see [SplitArchivePath]). A map holding NaN or ±Inf is an error
// wrapping a *[NonFiniteError] that names the first bad pixel. Only a
// regular file is read (a device or a named pipe is an error), and no more
// of it than the format needs. Every error starts with the path, quoted when
// it holds control characters: "PATH: problem".
func ReadMap(path string) (Map, error) {
	m, _, err := ReadMapTo(path, nil)
	return m, err
}

// ReadMapTo is ReadMap with the values in memory from alloc, which returns
// n zeroed values (nil: make), where the format allows reading straight
// into it (a little-endian float32 .npy file); other maps get their own.
// It also returns the map's largest value ([Map.MaxFinite]), which the
// check for NaN and ±Inf finds in the same pass.
func ReadMapTo(path string, alloc func(n int) []float32) (m Map, peak float32, err error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".npy":
		m, err = readNPYFile(path, alloc)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			if archive, key, ok := SplitArchivePath(path); ok {
				m, err = readArchiveMember(archive, key, alloc)
			}
		}
	case ".npz":
		m, err = readNPZFile(path, alloc)
	case ".tif", ".tiff", ".png":
		var data []byte
		if data, err = inputfile.ReadFile(path, MaxFileBytes); err != nil {
			return Map{}, 0, fmt.Errorf("%s: %w", printable.Path(path), unwrapPathError(err))
		}
		if ext == ".png" {
			m, err = decodePNGBytes(data)
		} else {
			m, err = decodeTIFFBytes(data)
		}
	default:
		return Map{}, 0, fmt.Errorf("%s: %s", printable.Path(path), UnsupportedMapFormat(filepath.Ext(path)))
	}
	if err == nil {
		peak, err = m.MaxFinite()
	}
	if err != nil {
		return Map{}, 0, fmt.Errorf("%s: %w", printable.Path(path), err)
	}
	return m, peak, nil
}

// readNPYFile streams a .npy file into a map pre-sized from the file's
// length, without holding a copy of the file.
func readNPYFile(path string, alloc func(int) []float32) (Map, error) {
	f, _, err := inputfile.Open(path)
	if err != nil {
		return Map{}, unwrapPathError(err)
	}
	defer f.Close()
	return decodeNPY(f, alloc)
}

// ReadMask reads the mask image at path with [DecodeMask]; the format is
// sniffed from the content, not the extension. A float TIFF mask holding NaN
// or ±Inf is an error wrapping a *[NonFiniteError]. Only a regular file is
// read. Errors start with the path, as [ReadMap]'s do.
func ReadMask(path string) (Map, error) {
	data, err := readMaskFile(path)
	if err != nil {
		return Map{}, err
	}
	m, err := decodeMaskBytes(data)
	if err != nil {
		return Map{}, fmt.Errorf("%s: %w", printable.Path(path), err)
	}
	if err := m.CheckFinite(); err != nil {
		return Map{}, fmt.Errorf("%s: %w", printable.Path(path), err)
	}
	return m, nil
}

func readMaskFile(path string) ([]byte, error) {
	data, err := inputfile.ReadFile(path, MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", printable.Path(path), unwrapPathError(err))
	}
	return data, nil
}

// ReadBinaryMask reads the mask image at path like [ReadMask] and returns
// whether each pixel is greater than threshold ([Map.Binary]), row-major,
// with the image's size; an 8-bit grey image is compared as it is, without
// the float map. Errors start with the path.
func ReadBinaryMask(path string, threshold float32) (mask []bool, w, h int, err error) {
	data, err := readMaskFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	if mask, w, h, err = decodeBinaryMask(data, threshold); err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", printable.Path(path), err)
	}
	return mask, w, h, nil
}

// WriteNPY writes m to path with [EncodeNPY], atomically (package
// atomicfile): a reader sees either the old file or the complete new one,
// never a partial file, and on error path is left untouched. The file's
// permissions are 0644; it is not fsynced.
func WriteNPY(path string, m Map) error {
	if err := m.sizeError(); err != nil {
		return fmt.Errorf("%s: %w", printable.Path(path), err)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return EncodeNPY(w, m) }); err != nil {
		return fmt.Errorf("%s: %w", printable.Path(path), unwrapPathError(err))
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

// MapFormats describes the score map formats ReadMap reads, for messages.
const MapFormats = ".npy (float16, float32 or float64), .npz (numpy.savez: one array a file, or an archive of several read as a folder), .tiff/.tif (32-bit float) or .png (8/16-bit grey)"

// foreignFormats names formats that models' maps are often saved in but
// that ReadMap does not read.
var foreignFormats = map[string]string{
	".pt":     "a PyTorch file, torch.save",
	".pth":    "a PyTorch file, torch.save",
	".pkl":    "a Python pickle",
	".pickle": "a Python pickle",
	".h5":     "an HDF5 file",
	".hdf5":   "an HDF5 file",
	".mat":    "a MATLAB file",
	".jpg":    "a JPEG image, whose lossy 8-bit values are not scores",
	".jpeg":   "a JPEG image, whose lossy 8-bit values are not scores",
	".bmp":    "a BMP image",
	".txt":    "a text file",
	".csv":    "a text file",
}

// UnsupportedMapFormat returns the error for a score map file with
// extension ext, which ReadMap does not read: what the file is when the
// extension says, what is accepted, and how to convert.
func UnsupportedMapFormat(ext string) error {
	found := fmt.Sprintf("unsupported score map format %q", ext)
	if ext == "" {
		found = "a score map file needs an extension"
	}
	if d, ok := foreignFormats[strings.ToLower(ext)]; ok {
		found += " (" + d + ")"
	}
	return fmt.Errorf("%s; accepted: %s; save maps with numpy.save(path, array) (tensor.cpu().numpy() for a PyTorch tensor)", found, MapFormats)
}
