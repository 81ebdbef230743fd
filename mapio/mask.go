package mapio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"

	"github.com/zsadbench/zsadbench/internal/jpegdec"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// DecodeMask reads a ground-truth mask image, PNG, BMP, JPEG or TIFF, with
// the format sniffed from the content. It returns raw intensities, in the
// file's own scale, with no thresholding (see [Map.Binary]):
//
//   - grey images: the grey value (0..255 for 8-bit, 0..65535 for 16-bit;
//     Go's decoders expand 1-, 2- and 4-bit grey to 0..255, e.g. 1-bit
//     gives 0 and 255);
//   - colour images: the largest of the red, green and blue values
//     (alpha is ignored: non-premultiplied values are used as stored);
//   - palette images: the largest channel of the pixel's palette colour
//     (not the palette index); an index beyond the palette gives 0;
//   - JPEG: decoded to the pixels PIL gives (libjpeg-turbo's decoding, see
//     package internal/jpegdec): grey files their grey value, colour files
//     (YCbCr, RGB, CMYK) the largest channel of PIL's convert("RGB");
//   - float TIFFs (SampleFormat 3, one sample): the stored values, read as
//     by [DecodeTIFF] (float64 rounded to float32). Integer TIFFs are
//     decoded by golang.org/x/image/tiff.
//
// The whole input (at most [MaxFileBytes]) is read into memory. Image sizes
// are checked against the input size and the limits of one image
// ([CheckDecodeSize]) before decoding, so a lying header cannot cause a
// large allocation.
func DecodeMask(r io.Reader) (Map, error) {
	data, err := readAllBounded(r)
	if err != nil {
		return Map{}, fmt.Errorf("mask: %w", err)
	}
	return decodeMaskBytes(data)
}

func decodeMaskBytes(data []byte) (Map, error) {
	img, m, err := decodeMaskImage(data)
	if err != nil || img == nil {
		return m, err
	}
	return imageToMask(img)
}

// decodeBinaryMask is decodeMaskBytes followed by Binary(threshold),
// without the float map for 8-bit grey images (most masks): their values
// are compared as they are.
func decodeBinaryMask(data []byte, threshold float32) (mask []bool, w, h int, err error) {
	img, m, err := decodeMaskImage(data)
	if err != nil {
		return nil, 0, 0, err
	}
	if g, ok := img.(*image.Gray); ok {
		b := g.Bounds()
		w, h = b.Dx(), b.Dy()
		if w <= 0 || h <= 0 {
			return nil, 0, 0, fmt.Errorf("mask: empty image (%dx%d)", w, h)
		}
		mask = make([]bool, w*h)
		for y := range h {
			row := g.Pix[y*g.Stride : y*g.Stride+w]
			out := mask[y*w : (y+1)*w]
			for x, v := range row {
				out[x] = float32(v) > threshold
			}
		}
		return mask, w, h, nil
	}
	if img != nil {
		if m, err = imageToMask(img); err != nil {
			return nil, 0, 0, err
		}
	}
	if err := m.CheckFinite(); err != nil {
		return nil, 0, 0, err
	}
	return m.Binary(threshold), m.Width, m.Height, nil
}

// decodeMaskImage decodes a mask file: a float TIFF straight to its Map,
// every other image to an image.Image (img nil: m holds the mask).
func decodeMaskImage(data []byte) (img image.Image, m Map, err error) {
	switch {
	case bytes.HasPrefix(data, []byte(pngMagic)):
		if _, err := parsePNGHeader(data); err != nil {
			return nil, Map{}, err
		}
		img, err = png.Decode(bytes.NewReader(data))
	case isTIFF(data):
		ifd, perr := parseTIFF(data)
		if perr != nil {
			return nil, Map{}, perr
		}
		if ifd.sampleFormat == 3 {
			m, err := ifd.decodeGrey(data, false)
			return nil, m, err
		}
		mul, add := maxRatio(ifd.compression)
		bits := uint64(max(ifd.bps, 1)) * uint64(ifd.spp)
		if need := (uint64(ifd.width)*bits + 7) / 8 * uint64(ifd.height); need > mul*uint64(len(data))+add {
			return nil, Map{}, fmt.Errorf("tiff: %dx%d image cannot fit in a %d-byte file", ifd.width, ifd.height, len(data))
		}
		if err := CheckDecodeSize("tiff", ifd.width, ifd.height, ifd.xImageBytes()); err != nil {
			return nil, Map{}, err
		}
		if err := ifd.checkExpansion(data, int(bits)); err != nil {
			return nil, Map{}, err
		}
		img, err = tiff.Decode(bytes.NewReader(data))
		if err == nil && ifd.photometric == 1 && (ifd.compression == 3 || ifd.compression == 4) {
			// x/image/tiff decodes CCITT fax data for BlackIsZero images
			// inverted (it reads fax white runs as 0xFF whatever the
			// photometric interpretation); libtiff does not.
			if g, ok := img.(*image.Gray); ok {
				for i, v := range g.Pix {
					g.Pix[i] = 255 - v
				}
			}
		}
	case bytes.HasPrefix(data, []byte("BM")):
		cfg, cerr := bmp.DecodeConfig(bytes.NewReader(data))
		if cerr != nil {
			return nil, Map{}, cerr
		}
		if err := CheckDecodeSize("bmp", cfg.Width, cfg.Height, BytesPerPixel(cfg.ColorModel)); err != nil {
			return nil, Map{}, err
		}
		// BMP pixel data is uncompressed, at least one bit per pixel.
		if uint64(cfg.Width)*uint64(cfg.Height) > 8*uint64(len(data)) {
			return nil, Map{}, fmt.Errorf("bmp: %dx%d image cannot fit in a %d-byte file", cfg.Width, cfg.Height, len(data))
		}
		img, err = bmp.Decode(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8}):
		cfg, cerr := jpegdec.DecodeConfig(data)
		if cerr != nil {
			return nil, Map{}, cerr
		}
		if err := CheckDecodeSize("jpeg", cfg.Width, cfg.Height, cfg.BytesPerPixel()); err != nil {
			return nil, Map{}, err
		}
		// A generous bound: real JPEG masks hold far fewer pixels per byte.
		if uint64(cfg.Width)*uint64(cfg.Height) > 2048*uint64(len(data)) {
			return nil, Map{}, fmt.Errorf("jpeg: %dx%d image cannot fit in a %d-byte file", cfg.Width, cfg.Height, len(data))
		}
		img, err = jpegdec.Decode(data, MaxPixels)
	default:
		return nil, Map{}, errors.New("mask: unrecognised image format (want PNG, BMP, JPEG or TIFF)")
	}
	if err != nil {
		return nil, Map{}, err
	}
	return img, Map{}, nil
}

// BytesPerPixel is how many bytes a pixel of a decoded image of this
// colour model takes, for [CheckDecodeSize]: 1 for grey and palette images,
// 2 for 16-bit grey, 8 for 16-bit colour, 4 for the rest (8-bit colour;
// YCbCr and CMYK take at most that).
func BytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

// imageToMask converts a decoded image to raw intensities, the largest colour
// channel of each pixel in the image's own scale.
func imageToMask(img image.Image) (Map, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return Map{}, fmt.Errorf("mask: empty image (%dx%d)", w, h)
	}
	out := make([]float32, w*h)
	switch im := img.(type) {
	case *image.Gray:
		for y := range h {
			row := im.Pix[y*im.Stride : y*im.Stride+w]
			dst := out[y*w : (y+1)*w]
			for x, v := range row {
				dst[x] = float32(v)
			}
		}
	case *image.Gray16:
		for y := range h {
			row := im.Pix[y*im.Stride : y*im.Stride+2*w]
			dst := out[y*w : (y+1)*w]
			for x := range dst {
				dst[x] = float32(binary.BigEndian.Uint16(row[2*x:]))
			}
		}
	case *image.RGBA:
		max8(out, im.Pix, im.Stride, w, h)
	case *image.NRGBA:
		max8(out, im.Pix, im.Stride, w, h)
	case *image.RGBA64:
		max16(out, im.Pix, im.Stride, w, h)
	case *image.NRGBA64:
		max16(out, im.Pix, im.Stride, w, h)
	case *image.Paletted:
		var lut [256]float32
		for i, c := range im.Palette {
			if i < len(lut) {
				lut[i] = paletteValue(c)
			}
		}
		for y := range h {
			row := im.Pix[y*im.Stride : y*im.Stride+w]
			dst := out[y*w : (y+1)*w]
			for x, v := range row {
				dst[x] = lut[v]
			}
		}
	case *image.YCbCr:
		for y := range h {
			for x := range w {
				yi := im.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := im.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bl := color.YCbCrToRGB(im.Y[yi], im.Cb[ci], im.Cr[ci])
				out[y*w+x] = float32(max(r, g, bl))
			}
		}
	case *image.CMYK:
		for y := range h {
			row := im.Pix[y*im.Stride : y*im.Stride+4*w]
			for x := range w {
				r, g, bl := color.CMYKToRGB(row[4*x], row[4*x+1], row[4*x+2], row[4*x+3])
				out[y*w+x] = float32(max(r, g, bl))
			}
		}
	default:
		// Not produced by the decoders above; 8-bit scale from the
		// non-premultiplied 16-bit colour.
		for y := range h {
			for x := range w {
				c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
				out[y*w+x] = float32(max(c.R, c.G, c.B) >> 8)
			}
		}
	}
	return Map{Width: w, Height: h, Pix: out}, nil
}

func max8(out []float32, pix []byte, stride, w, h int) {
	for y := range h {
		row := pix[y*stride : y*stride+4*w]
		dst := out[y*w : (y+1)*w]
		for x := range dst {
			dst[x] = float32(max(row[4*x], row[4*x+1], row[4*x+2]))
		}
	}
}

func max16(out []float32, pix []byte, stride, w, h int) {
	for y := range h {
		row := pix[y*stride : y*stride+8*w]
		dst := out[y*w : (y+1)*w]
		for x := range dst {
			p := row[8*x:]
			dst[x] = float32(max(binary.BigEndian.Uint16(p), binary.BigEndian.Uint16(p[2:]), binary.BigEndian.Uint16(p[4:])))
		}
	}
}

// paletteValue is the largest of a palette colour's red, green and blue,
// ignoring alpha, in 8-bit scale.
func paletteValue(c color.Color) float32 {
	switch p := c.(type) {
	case color.RGBA:
		return float32(max(p.R, p.G, p.B))
	case color.NRGBA:
		return float32(max(p.R, p.G, p.B))
	}
	n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
	return float32(max(n.R, n.G, n.B) >> 8)
}
