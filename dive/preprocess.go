package dive

import (
	"fmt"
	"image"
	"math"
)

// CLIP's normalisation constants (OpenAI CLIP, used by DIVE's ViT-L/14@336px
// backbone), per RGB channel.
var (
	Mean = [3]float32{0.48145466, 0.4578275, 0.40821073}
	Std  = [3]float32{0.26862954, 0.26130258, 0.27577711}
)

// Preprocess turns img into the model's input: a float32 tensor of shape
// [3, size, size] (channel-major, RGB) written to dst, which must have length
// 3*size*size, or be nil to allocate one. It returns dst.
//
// It is what DIVE's (and CLIP's) torchvision pipeline does with a PIL image:
// convert to RGB (see below), resize to size x size with PIL's
// Image.resize(BICUBIC) (exactly: a cubic kernel with a = -0.5, widened by the
// scale factor when shrinking so that it also antialiases, fixed-point 8-bit
// arithmetic, the horizontal pass first, each pass rounded to uint8), then
// v/255 and (v - Mean[c]) / Std[c], in float32. The result equals
// torchvision's ToTensor+Normalize on PIL's resized image bit for bit.
//
// Colour conversion follows PIL's convert("RGB"): grey is replicated, alpha
// is dropped, palettes are looked up; 16-bit samples keep their high byte.
// Preprocess panics if size < 1 or dst has the wrong length.
func Preprocess(img image.Image, size int, dst []float32) []float32 {
	if size < 1 {
		panic(fmt.Sprintf("dive: Preprocess size %d < 1", size))
	}
	n := size * size
	if dst == nil {
		dst = make([]float32, 3*n)
	}
	if len(dst) != 3*n {
		panic(fmt.Sprintf("dive: Preprocess dst has length %d, want %d", len(dst), 3*n))
	}
	r := resizeBicubic(toRGB8(img), size, size)
	var lut [3][256]float32
	for c := 0; c < 3; c++ {
		for v := 0; v < 256; v++ {
			x := float32(v) / float32(255)
			lut[c][v] = (x - Mean[c]) / Std[c]
		}
	}
	for i := 0; i < n; i++ {
		dst[i] = lut[0][r.pix[3*i]]
		dst[n+i] = lut[1][r.pix[3*i+1]]
		dst[2*n+i] = lut[2][r.pix[3*i+2]]
	}
	return dst
}

// pilPrecisionBits is PIL's fixed-point precision for 8-bit resampling
// (Resample.c: PRECISION_BITS = 32 - 8 - 2).
const pilPrecisionBits = 32 - 8 - 2

// pilBicubic is PIL's bicubic kernel (a = -0.5), support 2.
func pilBicubic(x float64) float64 {
	const a = -0.5
	if x < 0 {
		x = -x
	}
	if x < 1 {
		// Explicit conversions keep the compiler from fusing multiply-adds,
		// so the result is the same as PIL's C on every architecture.
		return float64(float64(float64(float64((a+2)*x)-(a+3))*x)*x) + 1
	}
	if x < 2 {
		t := float64((x-5)*x) + 8
		t = float64(t*x) - 4
		return t * a
	}
	return 0
}

// pilCoeffs are the resampling weights of one axis: output pixel i reads
// input pixels start[i] .. start[i]+count[i]-1 with fixed-point weights
// k[i*ksize : i*ksize+count[i]].
type pilCoeffs struct {
	ksize        int
	start, count []int
	k            []int32
}

// newPILCoeffs reproduces PIL's precompute_coeffs followed by
// normalize_coeffs_8bpc for resampling inSize pixels to outSize.
func newPILCoeffs(inSize, outSize int) pilCoeffs {
	const support0 = 2.0 // bicubic support
	scale := float64(inSize) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := support0 * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := pilCoeffs{
		ksize: ksize,
		start: make([]int, outSize),
		count: make([]int, outSize),
		k:     make([]int32, outSize*ksize),
	}
	w := make([]float64, ksize)
	ss := 1 / filterscale
	for xx := 0; xx < outSize; xx++ {
		center := float64(float64(xx)+0.5) * scale
		xmin := int(center - support + 0.5) // truncation toward zero, as C's (int)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			w[x] = pilBicubic(float64(float64(x+xmin)-center+0.5) * ss)
			ww += w[x]
		}
		for x := 0; x < xmax; x++ {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			f := float64(v * (1 << pilPrecisionBits))
			if v < 0 {
				c.k[xx*ksize+x] = int32(-0.5 + f)
			} else {
				c.k[xx*ksize+x] = int32(0.5 + f)
			}
		}
		c.start[xx], c.count[xx] = xmin, xmax
	}
	return c
}

// clip8 is PIL's clip8: the fixed-point sum shifted down and clamped to a byte.
func clip8(v int32) uint8 {
	v >>= pilPrecisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// resizeBicubic resizes src to dw x dh exactly as PIL's Image.resize with
// BICUBIC does on an RGB image (ImagingResample: a horizontal pass into a
// uint8 image, then a vertical pass; a pass is skipped when that side keeps
// its size).
func resizeBicubic(src rgb8, dw, dh int) rgb8 {
	cur := src
	if dw != src.w {
		c := newPILCoeffs(src.w, dw)
		out := rgb8{w: dw, h: src.h, pix: make([]uint8, 3*dw*src.h)}
		for y := 0; y < src.h; y++ {
			in := src.pix[3*y*src.w : 3*(y+1)*src.w]
			o := out.pix[3*y*dw : 3*(y+1)*dw]
			for xx := 0; xx < dw; xx++ {
				k := c.k[xx*c.ksize : xx*c.ksize+c.count[xx]]
				base := 3 * c.start[xx]
				s0, s1, s2 := int32(1<<(pilPrecisionBits-1)), int32(1<<(pilPrecisionBits-1)), int32(1<<(pilPrecisionBits-1))
				for x, kv := range k {
					p := in[base+3*x : base+3*x+3]
					s0 += int32(p[0]) * kv
					s1 += int32(p[1]) * kv
					s2 += int32(p[2]) * kv
				}
				o[3*xx], o[3*xx+1], o[3*xx+2] = clip8(s0), clip8(s1), clip8(s2)
			}
		}
		cur = out
	}
	if dh != cur.h {
		c := newPILCoeffs(cur.h, dh)
		rowLen := 3 * cur.w
		out := rgb8{w: cur.w, h: dh, pix: make([]uint8, rowLen*dh)}
		acc := make([]int32, rowLen)
		for yy := 0; yy < dh; yy++ {
			for i := range acc {
				acc[i] = 1 << (pilPrecisionBits - 1)
			}
			k := c.k[yy*c.ksize : yy*c.ksize+c.count[yy]]
			for y, kv := range k {
				row := cur.pix[(c.start[yy]+y)*rowLen : (c.start[yy]+y+1)*rowLen]
				for i, p := range row {
					acc[i] += int32(p) * kv
				}
			}
			o := out.pix[yy*rowLen : (yy+1)*rowLen]
			for i, v := range acc {
				o[i] = clip8(v)
			}
		}
		cur = out
	}
	return cur
}
