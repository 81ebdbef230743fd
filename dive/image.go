package dive

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/png" // register PNG
	"io"
	"io/fs"

	"github.com/zsadbench/zsadbench/internal/jpegdec"
	_ "golang.org/x/image/bmp"  // register BMP
	_ "golang.org/x/image/tiff" // register TIFF

	"github.com/zsadbench/zsadbench/internal/inputfile"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/mapio"
	"github.com/zsadbench/zsadbench/metric"
)

// MaxImagePixels is the largest width*height DecodeImage accepts: the one
// limit of every zsadbench reader, metric.MaxImagePixels. A header claiming
// more is rejected before any pixel memory is allocated, so a malformed or
// hostile file cannot exhaust memory.
const MaxImagePixels = metric.MaxImagePixels

// DecodeImage decodes a PNG, JPEG, BMP or TIFF image from r.
//
// JPEG files are decoded to the pixels PIL gives (libjpeg-turbo's: accurate
// integer IDCT, fancy chroma upsampling, its YCbCr tables; see package
// internal/jpegdec), not Go's image/jpeg, whose pixels differ by up to
// about a hundred levels at sharp colour edges in 4:2:0 files.
//
// The header is checked first: an image with a zero side, more than
// MaxImagePixels pixels, or a decoded form larger than mapio.MaxImageBytes
// (with its 8-bit RGB copy) is an error. Decoding never panics; a panic
// inside a format decoder is returned as an error.
func DecodeImage(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, mapio.MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > mapio.MaxFileBytes {
		return nil, fmt.Errorf("decode image: more than %d bytes", mapio.MaxFileBytes)
	}
	return decodeImageBytes(data)
}

func decodeImageBytes(data []byte) (image.Image, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
		cfg, err := jpegdec.DecodeConfig(data)
		if err != nil {
			return nil, fmt.Errorf("decode jpeg image: %w", err)
		}
		// The decoder's planes, and the 8-bit RGB copy Preprocess makes.
		if err := mapio.CheckDecodeSize("decode jpeg image", cfg.Width, cfg.Height, cfg.BytesPerPixel()+3); err != nil {
			return nil, err
		}
		img, err := jpegdec.Decode(data, MaxImagePixels)
		if err != nil {
			return nil, fmt.Errorf("decode jpeg image: %w", err)
		}
		return img, nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("decode %s image: size %dx%d is empty", format, cfg.Width, cfg.Height)
	}
	if err := mapio.CheckDecodeSize("decode "+format+" image", cfg.Width, cfg.Height, mapio.BytesPerPixel(cfg.ColorModel)+3); err != nil {
		return nil, err
	}
	img, err := decodeNoPanic(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s image: %w", format, err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("decode %s image: header says %dx%d, pixels are %dx%d", format, cfg.Width, cfg.Height, b.Dx(), b.Dy())
	}
	return img, nil
}

func decodeNoPanic(data []byte) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("malformed image (decoder panicked: %v)", p)
		}
	}()
	img, _, err = image.Decode(bytes.NewReader(data))
	return img, err
}

// LoadImage reads and decodes the image file at path (see DecodeImage).
// Only a regular file is read (a device or a named pipe is an error). Its
// errors name the file.
func LoadImage(path string) (image.Image, error) {
	data, err := inputfile.ReadFile(path, mapio.MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", printable.Path(path), unwrapPathError(err))
	}
	img, err := decodeImageBytes(data)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", printable.Path(path), err)
	}
	return img, nil
}

// unwrapPathError drops an *fs.PathError's repeat of the path.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// rgb8 is an image as interleaved 8-bit R, G, B samples, row-major, with
// len(pix) == 3*w*h.
type rgb8 struct {
	w, h int
	pix  []uint8
}

// toRGB8 converts img to 8-bit RGB the way PIL's Image.convert("RGB") does for
// the modes both libraries share: grey is replicated to three channels, alpha
// is dropped (colours are taken un-premultiplied, not composited on a
// background), palette entries are looked up. 16-bit samples keep their high
// byte (v >> 8); PIL instead saturates 16-bit grey at 255, which no model
// expects. JPEG images arrive already decoded to PIL's RGB (DecodeImage).
func toRGB8(img image.Image) rgb8 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := rgb8{w: w, h: h, pix: make([]uint8, 3*w*h)}
	p := out.pix
	switch m := img.(type) {
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[(y)*m.Stride:]
			for x := 0; x < w; x++ {
				i, j := 4*x, 3*(y*w+x)
				p[j], p[j+1], p[j+2] = row[i], row[i+1], row[i+2]
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				i, j := 4*x, 3*(y*w+x)
				if a := row[i+3]; a == 0xff {
					p[j], p[j+1], p[j+2] = row[i], row[i+1], row[i+2]
				} else {
					c := color.NRGBAModel.Convert(color.RGBA{row[i], row[i+1], row[i+2], a}).(color.NRGBA)
					p[j], p[j+1], p[j+2] = c.R, c.G, c.B
				}
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				j := 3 * (y*w + x)
				p[j], p[j+1], p[j+2] = row[x], row[x], row[x]
			}
		}
	case *image.Gray16:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				j, v := 3*(y*w+x), row[2*x]
				p[j], p[j+1], p[j+2] = v, v, v
			}
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				j := 3 * (y*w + x)
				p[j], p[j+1], p[j+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			}
		}
	case *image.Paletted:
		pal := make([][3]uint8, len(m.Palette))
		for i, c := range m.Palette {
			pal[i] = rgbOf(c)
		}
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				j := 3 * (y*w + x)
				var c [3]uint8 // an index past the palette is black, as in image.Paletted.At
				if int(row[x]) < len(pal) {
					c = pal[row[x]]
				}
				p[j], p[j+1], p[j+2] = c[0], c[1], c[2]
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := rgbOf(img.At(b.Min.X+x, b.Min.Y+y))
				j := 3 * (y*w + x)
				p[j], p[j+1], p[j+2] = c[0], c[1], c[2]
			}
		}
	}
	return out
}

// rgbOf returns c's un-premultiplied colour in 8 bits per channel.
func rgbOf(c color.Color) [3]uint8 {
	switch c := c.(type) {
	case color.NRGBA:
		return [3]uint8{c.R, c.G, c.B}
	case color.NRGBA64:
		return [3]uint8{uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8)}
	case color.Gray:
		return [3]uint8{c.Y, c.Y, c.Y}
	}
	n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
	return [3]uint8{uint8(n.R >> 8), uint8(n.G >> 8), uint8(n.B >> 8)}
}
