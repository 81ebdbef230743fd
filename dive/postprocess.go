package dive

import (
	"fmt"
	"math"

	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/resize"
)

// DefaultSigma is the standard deviation, in pixels of the output map, of the
// Gaussian that smooths DIVE's anomaly map (the paper's sigma = 4).
const DefaultSigma = 4.0

// Postprocess turns a model map into the final anomaly map, as the paper
// does: the sw x sh map src (row-major) is resized to dw x dh with
// resize.Bilinear (half-pixel centres, as PyTorch's F.interpolate(
// mode="bilinear", align_corners=False)), then smoothed with
// Gaussian(sigma) unless sigma is 0. It returns a new
// dw*dh slice. It panics if a size is < 1, len(src) != sw*sh or sigma < 0.
func Postprocess(src []float32, sw, sh, dw, dh int, sigma float64) []float32 {
	if sigma < 0 || math.IsNaN(sigma) {
		panic(fmt.Sprintf("dive: Postprocess sigma %v", sigma))
	}
	m := resize.Bilinear(src, sw, sh, dw, dh)
	if sigma == 0 {
		return m
	}
	return Gaussian(m, dw, dh, sigma)
}

// GaussianRadius is the half-width of the kernel Gaussian uses for sigma:
// int(4*sigma + 0.5), scipy.ndimage's default (truncate = 4.0); 16 for sigma 4.
func GaussianRadius(sigma float64) int {
	return int(4*sigma + 0.5)
}

// gaussianKernel returns scipy.ndimage's 1-D Gaussian weights for sigma:
// exp(-x^2 / (2 sigma^2)) for x = -r..r, divided by their sum.
func gaussianKernel(sigma float64) []float64 {
	r := GaussianRadius(sigma)
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-0.5 / (sigma * sigma) * (x * x))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// reflectIndex maps an index outside 0..n-1 back inside by half-sample
// symmetric reflection (d c b a | a b c d | d c b a), repeated as often as
// needed, as scipy.ndimage's mode "reflect".
func reflectIndex(i, n int) int {
	p := 2 * n
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - 1 - i
	}
	return i
}

// Gaussian smooths the w x h row-major map src with a Gaussian of standard
// deviation sigma pixels, with the semantics of
// scipy.ndimage.gaussian_filter(src, sigma) on a float32 array: truncate =
// 4.0 (radius GaussianRadius(sigma)), mode "reflect" (half-sample symmetric,
// repeated when the kernel is longer than the map), separable, first along
// the rows' axis (vertical) then the columns' axis, each pass accumulated in
// float64 and stored as float32 as scipy does. It returns a new slice and
// panics if a size is < 1, len(src) != w*h, or sigma is not positive and
// finite.
func Gaussian(src []float32, w, h int, sigma float64) []float32 {
	if w < 1 || h < 1 || len(src) != w*h || !(sigma > 0) || !finite.Float64(sigma) {
		panic(fmt.Sprintf("dive: Gaussian %dx%d with %d values, sigma %v", w, h, len(src), sigma))
	}
	k := gaussianKernel(sigma)
	r := len(k) / 2

	// The kernel is symmetric (k[r-t] == k[r+t]): pair the taps.
	// Vertical pass: out row y = sum_t k[t] * src row reflect(y+t-r).
	tmp := make([]float32, w*h)
	acc := make([]float64, w)
	for y := 0; y < h; y++ {
		mid := src[y*w : (y+1)*w]
		for x, v := range mid {
			acc[x] = k[r] * float64(v)
		}
		for t := 1; t <= r; t++ {
			a := src[reflectIndex(y-t, h)*w:]
			a = a[:w]
			b := src[reflectIndex(y+t, h)*w:]
			b = b[:w]
			kv := k[r+t]
			for x := range acc {
				acc[x] += kv * (float64(a[x]) + float64(b[x]))
			}
		}
		o := tmp[y*w : (y+1)*w]
		for x, v := range acc {
			o[x] = float32(v)
		}
	}

	// Horizontal pass over a reflected copy of each row.
	out := make([]float32, w*h)
	line := make([]float64, w+2*r)
	idx := make([]int, w+2*r)
	for i := range idx {
		idx[i] = reflectIndex(i-r, w)
	}
	for y := 0; y < h; y++ {
		row := tmp[y*w : (y+1)*w]
		for i, j := range idx {
			line[i] = float64(row[j])
		}
		o := out[y*w : (y+1)*w]
		for x := range o {
			win := line[x : x+2*r+1]
			s := k[r] * win[r]
			for t := 1; t <= r; t++ {
				s += k[r+t] * (win[r-t] + win[r+t])
			}
			o[x] = float32(s)
		}
	}
	return out
}
