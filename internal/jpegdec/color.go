package jpegdec

import "image"

// Upsampling (jdsample.c) and colour conversion (jdcolor.c, and PIL's CMYK
// handling), one output row at a time.

// upsampleRow returns output row y of component c at full resolution: at
// least d.width samples, in buf unless the component is not subsampled.
//
// Rows and columns past the component's real samples (its downsampled
// size; the rest of the plane is MCU padding) are never read: libjpeg's
// context rows replicate the first and last real rows, and its fancy
// filters treat the first and last columns apart.
func (d *decoder) upsampleRow(c *component, y int, buf []uint8) []uint8 {
	hx, vx := d.maxH/c.h, d.maxV/c.v
	stride := 8 * c.bw
	row := func(iy int) []uint8 {
		iy = min(max(iy, 0), c.ch-1)
		return c.plane[iy*stride : iy*stride+c.cw]
	}
	switch {
	case hx == 1 && vx == 1:
		return row(y)
	case hx == 2 && vx == 1 && c.cw > 2:
		h2v1Fancy(row(y), buf)
	case hx == 1 && vx == 2:
		// The nearer input row has weight 3, the other 1; rounding biased
		// 1 above, 2 below, as jdsample.c's h1v2_fancy_upsample.
		iy := y >> 1
		near, other, bias := row(iy), row(iy-1), 1
		if y&1 == 1 {
			other, bias = row(iy+1), 2
		}
		for x, v := range near {
			buf[x] = uint8((3*int(v) + int(other[x]) + bias) >> 2)
		}
	case hx == 2 && vx == 2 && c.cw > 2:
		iy := y >> 1
		other := iy - 1
		if y&1 == 1 {
			other = iy + 1
		}
		h2v2Fancy(row(iy), row(other), buf)
	default:
		// Replication (jdsample.c's h2v1_upsample, h2v2_upsample and
		// int_upsample).
		in := row(y / vx)
		for x := 0; x < d.width; x++ {
			buf[x] = in[x/hx]
		}
	}
	return buf[:d.width]
}

// h2v1Fancy doubles a row's width with the triangular filter: each output
// sample is 3/4 of its nearer input sample and 1/4 of the next nearer,
// rounding alternately down and up (jdsample.c h2v1_fancy_upsample).
func h2v1Fancy(in, out []uint8) {
	n := len(in)
	out = out[:2*n]
	out[0] = in[0]
	out[1] = uint8((3*int(in[0]) + int(in[1]) + 2) >> 2)
	for i := 1; i < n-1; i++ {
		v := 3 * int(in[i])
		out[2*i] = uint8((v + int(in[i-1]) + 1) >> 2)
		out[2*i+1] = uint8((v + int(in[i+1]) + 2) >> 2)
	}
	out[2*n-2] = uint8((3*int(in[n-1]) + int(in[n-2]) + 1) >> 2)
	out[2*n-1] = in[n-1]
}

// h2v2Fancy makes one output row from its nearer input row (weight 3) and
// the next nearer (weight 1), then doubles the width with weights 3 and 1
// (jdsample.c h2v2_fancy_upsample: 9/16, 3/16, 3/16, 1/16 overall).
func h2v2Fancy(near, other, out []uint8) {
	n := len(near)
	out = out[:2*n]
	other = other[:n]
	this := 3*int(near[0]) + int(other[0])
	next := 3*int(near[1]) + int(other[1])
	out[0] = uint8((this*4 + 8) >> 4)
	out[1] = uint8((this*3 + next + 7) >> 4)
	last := this
	this = next
	for i := 1; i < n-1; i++ {
		next = 3*int(near[i+1]) + int(other[i+1])
		out[2*i] = uint8((this*3 + last + 8) >> 4)
		out[2*i+1] = uint8((this*3 + next + 7) >> 4)
		last, this = this, next
	}
	out[2*n-2] = uint8((this*3 + last + 8) >> 4)
	out[2*n-1] = uint8((this*4 + 7) >> 4)
}

// The YCbCr to RGB tables of jdcolor.c's build_ycc_rgb_table: 16-bit fixed
// point, FIX(x) = round(x * 2^16).
var (
	crR, cbB [256]int32
	crG, cbG [256]int32
)

func init() {
	const (
		scaleBits = 16
		half      = 1 << (scaleBits - 1)
	)
	fix := func(x float64) int32 { return int32(x*(1<<scaleBits) + 0.5) }
	for i := range 256 {
		x := int32(i - 128)
		crR[i] = (fix(1.40200)*x + half) >> scaleBits
		cbB[i] = (fix(1.77200)*x + half) >> scaleBits
		crG[i] = -fix(0.71414) * x
		cbG[i] = -fix(0.34414)*x + half
	}
}

func clamp8(v int32) uint8 {
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// yccToRGB converts one sample as jdcolor.c's ycc_rgb_convert.
func yccToRGB(y, cb, cr uint8) (r, g, b uint8) {
	yy := int32(y)
	return clamp8(yy + crR[cr]), clamp8(yy + (cbG[cb]+crG[cr])>>16), clamp8(yy + cbB[cb])
}

// convert upsamples the decoded planes and converts them to the image PIL
// returns.
func (d *decoder) convert() (image.Image, error) {
	for i := range d.comps {
		if c := &d.comps[i]; !c.qSet && !d.progressive {
			// A component no scan delivered (the file ends early): libjpeg's
			// coefficient buffer is zero there, which is mid-grey. (A
			// progressive one already transformed its zero coefficients.)
			for k := range c.plane {
				c.plane[k] = 128
			}
		}
	}
	w, h := d.width, d.height
	bufs := make([][]uint8, len(d.comps))
	for i := range bufs {
		bufs[i] = make([]uint8, 8*d.comps[i].bw*(d.maxH/d.comps[i].h)+16)
	}
	rows := make([][]uint8, len(d.comps))
	upsample := func(y int) {
		for i := range d.comps {
			rows[i] = d.upsampleRow(&d.comps[i], y, bufs[i])
		}
	}
	if len(d.comps) == 1 {
		img := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			upsample(y)
			copy(img.Pix[y*img.Stride:y*img.Stride+w], rows[0])
		}
		return img, nil
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		upsample(y)
		out := img.Pix[y*img.Stride : y*img.Stride+4*w]
		if len(d.comps) == 3 {
			c0, c1, c2 := rows[0][:w], rows[1][:w], rows[2][:w]
			if d.isRGB() {
				for x := range w {
					o := out[4*x : 4*x+4 : 4*x+4]
					o[0], o[1], o[2], o[3] = c0[x], c1[x], c2[x], 0xFF
				}
				continue
			}
			for x := range w {
				o := out[4*x : 4*x+4 : 4*x+4]
				o[0], o[1], o[2] = yccToRGB(c0[x], c1[x], c2[x])
				o[3] = 0xFF
			}
			continue
		}
		ycck := d.isYCCK()
		c0, c1, c2, c3 := rows[0][:w], rows[1][:w], rows[2][:w], rows[3][:w]
		for x := range w {
			c, m, yl, k := c0[x], c1[x], c2[x], c3[x]
			if ycck {
				// jdcolor.c ycck_cmyk_convert: YCC to RGB, inverted.
				r, g, b := yccToRGBUnclamped(c, m, yl)
				c, m, yl = clamp8(255-r), clamp8(255-g), clamp8(255-b)
			}
			// PIL reads libjpeg's CMYK as "CMYK;I" (inverted, Adobe's
			// convention), then converts as Convert.c's cmyk2rgb.
			c, m, yl, k = 255-c, 255-m, 255-yl, 255-k
			nk := 255 - int32(k)
			o := out[4*x : 4*x+4 : 4*x+4]
			o[0] = clamp8(nk - mulDiv255(int32(c), nk))
			o[1] = clamp8(nk - mulDiv255(int32(m), nk))
			o[2] = clamp8(nk - mulDiv255(int32(yl), nk))
			o[3] = 0xFF
		}
	}
	return img, nil
}

// yccToRGBUnclamped is ycc_rgb_convert before its range limit.
func yccToRGBUnclamped(y, cb, cr uint8) (r, g, b int32) {
	yy := int32(y)
	return yy + crR[cr], yy + (cbG[cb]+crG[cr])>>16, yy + cbB[cb]
}

// mulDiv255 is PIL's MULDIV255: a*b/255 rounded, in integers.
func mulDiv255(a, b int32) int32 {
	t := a*b + 128
	return ((t >> 8) + t) >> 8
}

// isRGB reports whether a 3-component file holds RGB rather than YCbCr,
// by libjpeg's rules (jdapimin.c default_decompress_parms).
func (d *decoder) isRGB() bool {
	switch {
	case d.jfif:
		return false
	case d.adobe:
		return d.transform == 0
	}
	return d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B'
}

// isYCCK reports whether a 4-component file holds YCCK rather than CMYK.
func (d *decoder) isYCCK() bool {
	return d.adobe && d.transform != 0
}
