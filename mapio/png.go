package mapio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
)

const pngMagic = "\x89PNG\r\n\x1a\n"

// pngHeader is the IHDR chunk, which the PNG format requires to come first.
type pngHeader struct {
	width, height       int
	bitDepth, colorType int
	interlaced          bool
}

func parsePNGHeader(data []byte) (pngHeader, error) {
	if len(data) < 33 || string(data[:8]) != pngMagic {
		return pngHeader{}, errors.New("png: not a PNG file")
	}
	if string(data[12:16]) != "IHDR" || binary.BigEndian.Uint32(data[8:12]) != 13 {
		return pngHeader{}, errors.New("png: missing IHDR chunk")
	}
	w, h := binary.BigEndian.Uint32(data[16:20]), binary.BigEndian.Uint32(data[20:24])
	if w > MaxPixels || h > MaxPixels {
		return pngHeader{}, fmt.Errorf("png: image size %dx%d exceeds the limit of %d pixels per image", w, h, MaxPixels)
	}
	hd := pngHeader{width: int(w), height: int(h), bitDepth: int(data[24]), colorType: int(data[25]), interlaced: data[28] != 0}
	if err := CheckDecodeSize("png", hd.width, hd.height, hd.decodedBytes(hasTRNS(data))); err != nil {
		return pngHeader{}, err
	}
	// The image data is zlib-compressed (at most ~1032:1); refuse sizes the
	// file could not possibly hold before image/png allocates the image.
	channels := 4
	switch hd.colorType {
	case 0, 3:
		channels = 1
	case 2:
		channels = 3
	case 4:
		channels = 2
	}
	rowBytes := (uint64(hd.width)*uint64(channels)*uint64(max(hd.bitDepth, 1)) + 7) / 8
	if raw := (rowBytes + 1) * uint64(hd.height); raw > 1032*uint64(len(data))+1024 {
		return pngHeader{}, fmt.Errorf("png: %dx%d image cannot fit in a %d-byte file", hd.width, hd.height, len(data))
	}
	return hd, nil
}

// decodedBytes is how many bytes a pixel takes in the image image/png
// decodes (8-bit grey is an image.Gray, grey with transparency an
// image.NRGBA, and so on), doubled for an interlaced image, whose passes are
// decoded apart and then merged.
func (hd pngHeader) decodedBytes(trns bool) int {
	wide := hd.bitDepth == 16
	n := 4
	switch {
	case hd.colorType == 3:
		n = 1
	case hd.colorType == 0 && !trns && wide:
		n = 2
	case hd.colorType == 0 && !trns:
		n = 1
	case wide:
		n = 8
	}
	if hd.interlaced {
		n *= 2
	}
	return n
}

// hasTRNS reports whether a tRNS chunk comes before the image data, which
// makes image/png decode grey and RGB images with an alpha channel.
func hasTRNS(data []byte) bool {
	for off := 8; off+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[off : off+4]))
		switch string(data[off+4 : off+8]) {
		case "tRNS":
			return true
		case "IDAT", "IEND":
			return false
		}
		if n < 0 || n > len(data)-off-12 {
			return false
		}
		off += 12 + n
	}
	return false
}

// DecodePNG reads a grey PNG score map: colour type 0 (grey, any bit depth)
// or 4 (grey with alpha; alpha is ignored). Values are v/255 for bit depths
// up to 8 (Go's decoder expands 1-, 2- and 4-bit samples to 0..255) and
// v/65535 for 16-bit, so the map lies in [0, 1]. Colour and palette PNGs are
// errors: a score map must be grey. The whole input (at most [MaxFileBytes])
// is read into memory.
func DecodePNG(r io.Reader) (Map, error) {
	data, err := readAllBounded(r)
	if err != nil {
		return Map{}, fmt.Errorf("png: %w", err)
	}
	return decodePNGBytes(data)
}

func decodePNGBytes(data []byte) (Map, error) {
	hd, err := parsePNGHeader(data)
	if err != nil {
		return Map{}, err
	}
	switch hd.colorType {
	case 0, 4:
	case 2, 6:
		return Map{}, fmt.Errorf("png: colour image (colour type %d); a score map must be grey", hd.colorType)
	case 3:
		return Map{}, errors.New("png: palette image (colour type 3); a score map must be grey")
	default:
		return Map{}, fmt.Errorf("png: invalid colour type %d", hd.colorType)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return Map{}, err
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]float32, w*h)
	switch im := img.(type) {
	case *image.Gray:
		for y := range h {
			row := im.Pix[y*im.Stride : y*im.Stride+w]
			dst := out[y*w : (y+1)*w]
			for x, v := range row {
				dst[x] = float32(v) / 255
			}
		}
	case *image.Gray16:
		for y := range h {
			row := im.Pix[y*im.Stride : y*im.Stride+2*w]
			dst := out[y*w : (y+1)*w]
			for x := range dst {
				dst[x] = float32(binary.BigEndian.Uint16(row[2*x:])) / 65535
			}
		}
	case *image.NRGBA: // grey with alpha, or grey with a tRNS chunk
		for y := range h {
			row := im.Pix[y*im.Stride : y*im.Stride+4*w]
			dst := out[y*w : (y+1)*w]
			for x := range dst {
				dst[x] = float32(row[4*x]) / 255
			}
		}
	case *image.NRGBA64:
		for y := range h {
			row := im.Pix[y*im.Stride : y*im.Stride+8*w]
			dst := out[y*w : (y+1)*w]
			for x := range dst {
				dst[x] = float32(binary.BigEndian.Uint16(row[8*x:])) / 65535
			}
		}
	default:
		return Map{}, fmt.Errorf("png: unexpected decoded image type %T", img)
	}
	return Map{Width: w, Height: h, Pix: out}, nil
}
