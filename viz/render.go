package viz

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // input images
	_ "image/png"
	"math"

	_ "golang.org/x/image/bmp"
	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/tiff"

	"github.com/zsadbench/zsadbench/internal/inputfile"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/mapio"
	"github.com/zsadbench/zsadbench/resize"
)

// loadImage reads and decodes an input image (PNG, JPEG, BMP, TIFF): only
// a regular file, bounded, and checked from its header against mapio's
// decoding budget before it is decoded. Errors name the file; a decoder's
// panic on a malformed file is an error.
func loadImage(path string) (image.Image, error) {
	data, err := inputfile.ReadFile(path, mapio.MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", printable.Path(path), err)
	}
	return decodeImage(printable.Path(path), data)
}

func decodeImage(name string, data []byte) (img image.Image, err error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode image %s: %w", name, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("decode image %s: %s image of %dx%d is empty", name, format, cfg.Width, cfg.Height)
	}
	if err := mapio.CheckDecodeSize("decode image "+name, cfg.Width, cfg.Height, mapio.BytesPerPixel(cfg.ColorModel)); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("decode image %s: malformed %s (decoder panicked: %v)", name, format, p)
		}
	}()
	img, _, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode image %s: %w", name, err)
	}
	return img, nil
}

// base is the input image scaled to w x h (Catmull-Rom), or neutral grey.
func (r *row) base(w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if r.img == nil {
		fill(dst, neutral)
		return dst
	}
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), r.img, r.img.Bounds(), xdraw.Src, nil)
	return dst
}

func fill(dst *image.RGBA, c color.RGBA) {
	for i := 0; i < len(dst.Pix); i += 4 {
		dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = c.R, c.G, c.B, c.A
	}
}

// groundTruth is the image with the defect's outline (and a light fill),
// or without an input image the mask, white on black.
func (r *row) groundTruth(w, h int) image.Image {
	m := r.maps[0]
	var mask []bool
	if r.mask != nil {
		mask = resize.Nearest(r.mask, m.Width, m.Height, w, h)
	}
	if r.img == nil {
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		fill(dst, color.RGBA{0, 0, 0, 0xFF})
		for p, on := range mask {
			if on {
				dst.Pix[4*p], dst.Pix[4*p+1], dst.Pix[4*p+2] = 0xFF, 0xFF, 0xFF
			}
		}
		return dst
	}
	dst := r.base(w, h)
	if mask == nil {
		return dst
	}
	// The outline is about 1/150 of the panel wide: 2 to 3 pixels at 300
	// dpi in a paper's column.
	t := max(1, int(math.Round(float64(w)/150)))
	for y := range h {
		for x := range w {
			p := y*w + x
			if !mask[p] {
				continue
			}
			a := 0.3
			if edge(mask, w, h, x, y, t) {
				a = 1
			}
			blend(dst.Pix[4*p:4*p+3], contour, a)
		}
	}
	return dst
}

// edge reports whether a mask pixel is within t pixels (in x and y) of a
// pixel outside the mask or of the image's border.
func edge(mask []bool, w, h, x, y, t int) bool {
	for dy := -t; dy <= t; dy++ {
		for dx := -t; dx <= t; dx++ {
			xx, yy := x+dx, y+dy
			if xx < 0 || yy < 0 || xx >= w || yy >= h || !mask[yy*w+xx] {
				return true
			}
		}
	}
	return false
}

// blend mixes colour c into the pixel px (R, G, B) with opacity a.
func blend(px []uint8, c color.RGBA, a float64) {
	px[0] = uint8(math.Round((1-a)*float64(px[0]) + a*float64(c.R)))
	px[1] = uint8(math.Round((1-a)*float64(px[1]) + a*float64(c.G)))
	px[2] = uint8(math.Round((1-a)*float64(px[2]) + a*float64(c.B)))
}

// heatmap is run i's map scaled to w x h (bilinear), coloured on the row's
// scale and laid over the image at heatAlpha.
func (r *row) heatmap(i, w, h int) image.Image {
	m := r.maps[i]
	vals := resize.Bilinear(m.Scores, m.Width, m.Height, w, h)
	dst := r.base(w, h)
	span := r.hi - r.lo
	for p, v := range vals {
		x := 0.5
		if span > 0 {
			x = (float64(v) - r.lo) / span
		}
		blend(dst.Pix[4*p:4*p+3], colorAt(x), heatAlpha)
	}
	return dst
}
