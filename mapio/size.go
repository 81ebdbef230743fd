package mapio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"path/filepath"
	"strings"

	"golang.org/x/image/bmp"

	"github.com/zsadbench/zsadbench/internal/inputfile"
	"github.com/zsadbench/zsadbench/internal/printable"
)

// ReadMapSize returns the width and height of the score map at path from
// its header alone, without decoding the values: what a .npy header's shape
// says, a PNG's IHDR chunk, a TIFF's first directory. The size is checked
// against [MaxPixels]. Only a regular file is read. Errors start with the
// path, as [ReadMap]'s do; a map that passes may still fail to decode.
func ReadMapSize(path string) (w, h int, err error) {
	var size func(*bufio.Reader, io.ReaderAt) (int, int, error)
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".npz":
		return archiveMapSize(path, "")
	case ".npy":
		if archive, key, ok := SplitArchivePath(path); ok && inputfile.Check(path) != nil {
			return archiveMapSize(archive, key)
		}
		size = npySize
	case ".png":
		size = pngSize
	case ".tif", ".tiff":
		size = func(_ *bufio.Reader, ra io.ReaderAt) (int, int, error) { return tiffSize(ra) }
	default:
		return 0, 0, fmt.Errorf("%s: %s", printable.Path(path), UnsupportedMapFormat(filepath.Ext(path)))
	}
	return readSize(path, size)
}

// archiveMapSize is ReadMapSize of the array key of the .npz archive at
// path, or of its one array when key is "".
func archiveMapSize(path, key string) (w, h int, err error) {
	name := path
	if key != "" {
		name = filepath.Join(path, filepath.FromSlash(key)+".npy")
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%s: %w", printable.Path(name), err)
		}
	}()
	a, err := openArchive(path)
	if err != nil {
		return 0, 0, err
	}
	if key == "" {
		if len(a.names) != 1 {
			return 0, 0, oneArrayError(a.names)
		}
		key = a.names[0]
	}
	f, ok := a.members[key]
	if !ok {
		return 0, 0, fmt.Errorf("npz: the archive has no array %q", key)
	}
	if err := a.file.acquire(); err != nil {
		return 0, 0, err
	}
	defer a.file.release()
	rc, err := f.Open()
	if err != nil {
		return 0, 0, fmt.Errorf("npz: array %q: %w", key, err)
	}
	defer rc.Close()
	hd, err := readNPYHeader(bufio.NewReader(rc))
	if err != nil {
		return 0, 0, fmt.Errorf("npz: array %q: %w", key, err)
	}
	return hd.w, hd.h, nil
}

// ReadMaskSize returns the width and height of the mask image at path
// (PNG, BMP, JPEG or TIFF, sniffed from the content, as [ReadMask] does)
// from its header alone. The size is checked against [MaxPixels]. Errors
// start with the path.
func ReadMaskSize(path string) (w, h int, err error) {
	return readSize(path, func(br *bufio.Reader, ra io.ReaderAt) (int, int, error) {
		head, _ := br.Peek(8)
		switch {
		case bytes.HasPrefix(head, []byte(pngMagic)):
			return pngSize(br, ra)
		case isTIFF(head):
			return tiffSize(ra)
		case bytes.HasPrefix(head, []byte("BM")):
			cfg, err := bmp.DecodeConfig(br)
			return configSize("bmp", cfg, err)
		case bytes.HasPrefix(head, []byte{0xFF, 0xD8}):
			cfg, err := jpeg.DecodeConfig(br)
			return configSize("jpeg", cfg, err)
		}
		return 0, 0, errors.New("mask: unrecognised image format (want PNG, BMP, JPEG or TIFF)")
	})
}

func readSize(path string, size func(*bufio.Reader, io.ReaderAt) (int, int, error)) (w, h int, err error) {
	f, _, err := inputfile.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", printable.Path(path), unwrapPathError(err))
	}
	defer f.Close()
	if w, h, err = size(bufio.NewReader(f), f); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", printable.Path(path), err)
	}
	return w, h, nil
}

func configSize(format string, cfg image.Config, err error) (int, int, error) {
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", format, err)
	}
	return cfg.Width, cfg.Height, checkSize(format, cfg.Width, cfg.Height)
}

func npySize(r *bufio.Reader, _ io.ReaderAt) (int, int, error) {
	h, err := readNPYHeader(r)
	if err != nil {
		return 0, 0, err
	}
	return h.w, h.h, nil
}

func pngSize(r *bufio.Reader, _ io.ReaderAt) (int, int, error) {
	var b [24]byte
	if _, err := io.ReadFull(r, b[:]); err != nil || string(b[:8]) != pngMagic {
		return 0, 0, errors.New("png: not a PNG file")
	}
	if string(b[12:16]) != "IHDR" {
		return 0, 0, errors.New("png: missing IHDR chunk")
	}
	w, h := binary.BigEndian.Uint32(b[16:20]), binary.BigEndian.Uint32(b[20:24])
	if w > MaxPixels || h > MaxPixels {
		return 0, 0, fmt.Errorf("png: image size %dx%d exceeds the limit of %d pixels per image", w, h, MaxPixels)
	}
	return int(w), int(h), checkSize("png", int(w), int(h))
}

// tiffSize reads ImageWidth and ImageLength from a TIFF's first directory,
// reading only the header and that directory (which may be anywhere in the
// file).
func tiffSize(ra io.ReaderAt) (int, int, error) {
	var hd [16]byte
	if n, _ := ra.ReadAt(hd[:], 0); n < 8 {
		return 0, 0, errors.New("tiff: file too short")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if string(hd[:2]) == "MM" {
		bo = binary.BigEndian
	} else if string(hd[:2]) != "II" {
		return 0, 0, errors.New("tiff: not a TIFF file (bad byte-order mark)")
	}
	big := bo.Uint16(hd[2:4]) == 43
	off, countSize, entrySize := uint64(bo.Uint32(hd[4:8])), int64(2), int64(12)
	if big {
		off, countSize, entrySize = bo.Uint64(hd[8:16]), 8, 20
	} else if bo.Uint16(hd[2:4]) != 42 {
		return 0, 0, errors.New("tiff: not a TIFF file (bad magic number)")
	}
	var cb [8]byte
	if off > 1<<62 {
		return 0, 0, fmt.Errorf("tiff: first directory offset %d outside the file", off)
	}
	if _, err := ra.ReadAt(cb[:countSize], int64(off)); err != nil {
		return 0, 0, fmt.Errorf("tiff: first directory offset %d outside the file", off)
	}
	n := uint64(bo.Uint16(cb[:]))
	if big {
		n = bo.Uint64(cb[:])
	}
	if n == 0 || n > 1<<12 {
		return 0, 0, fmt.Errorf("tiff: directory with %d entries", n)
	}
	entries := make([]byte, int64(n)*entrySize)
	if _, err := ra.ReadAt(entries, int64(off)+countSize); err != nil {
		return 0, 0, fmt.Errorf("tiff: directory with %d entries does not fit in the file", n)
	}
	var dims [2]int
	for i := int64(0); i < int64(n); i++ {
		e := entries[i*entrySize : (i+1)*entrySize]
		tag := bo.Uint16(e[0:2])
		if tag != tagImageWidth && tag != tagImageLength {
			continue
		}
		field := e[8:]
		if big {
			field = e[12:]
		}
		var v uint64
		switch bo.Uint16(e[2:4]) {
		case 3: // SHORT
			v = uint64(bo.Uint16(field))
		case 4: // LONG
			v = uint64(bo.Uint32(field))
		case 16: // LONG8
			if big {
				v = bo.Uint64(field)
			}
		}
		dims[tag-tagImageWidth] = clampInt(v)
	}
	if dims[0] == 0 || dims[1] == 0 {
		return 0, 0, errors.New("tiff: missing ImageWidth or ImageLength")
	}
	return dims[0], dims[1], checkSize("tiff", dims[0], dims[1])
}
