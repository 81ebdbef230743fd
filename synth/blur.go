package synth

import "math"

// boxRadius returns the radius r of a box filter (width 2r+1) such that three
// passes approximate a Gaussian of the given sigma: each pass has variance
// r(r+1)/3, so three have r(r+1).
func boxRadius(sigma float64) int {
	r := int(math.Round((math.Sqrt(1+4*sigma*sigma) - 1) / 2))
	return max(r, 1)
}

// rect is an inclusive pixel rectangle [x0, x1] x [y0, y1]; empty when x0 > x1.
type rect struct{ x0, y0, x1, y1 int }

func emptyRect() rect { return rect{x0: math.MaxInt, y0: math.MaxInt, x1: -1, y1: -1} }

func (r rect) empty() bool { return r.x0 > r.x1 || r.y0 > r.y1 }

// grow returns r extended by d pixels on every side, clipped to a w x h image.
func (r rect) grow(d, w, h int) rect {
	return rect{max(r.x0-d, 0), max(r.y0-d, 0), min(r.x1+d, w-1), min(r.y1+d, h-1)}
}

// blurBoxH writes to dst, inside rectangle a of a w-column image, the
// horizontal box average of src with radius r. Pixels of src outside a are
// taken to be 0 (they are not read). Near the image borders the window is cut
// to the image and the average is taken over the pixels inside it.
func blurBoxH(dst, src []float32, w, r int, a rect) {
	for y := a.y0; y <= a.y1; y++ {
		s := src[y*w : (y+1)*w]
		d := dst[y*w : (y+1)*w]
		var sum float64
		for x := a.x0; x <= min(a.x0+r, a.x1); x++ {
			sum += float64(s[x])
		}
		for x := a.x0; x <= a.x1; x++ {
			n := min(x+r, w-1) - max(x-r, 0) + 1
			d[x] = float32(sum / float64(n))
			if i := x + r + 1; i <= a.x1 {
				sum += float64(s[i])
			}
			if i := x - r; i >= a.x0 {
				sum -= float64(s[i])
			}
		}
	}
}

// blurBoxV is blurBoxH along columns, processed a row at a time so that
// memory is read sequentially; acc must have length w.
func blurBoxV(dst, src []float32, w, h, r int, a rect, acc []float64) {
	acc = acc[a.x0 : a.x1+1]
	clear(acc)
	seg := func(buf []float32, y int) []float32 { return buf[y*w+a.x0 : y*w+a.x1+1] }
	for y := a.y0; y <= min(a.y0+r, a.y1); y++ {
		for x, v := range seg(src, y) {
			acc[x] += float64(v)
		}
	}
	for y := a.y0; y <= a.y1; y++ {
		inv := 1 / float64(min(y+r, h-1)-max(y-r, 0)+1)
		d := seg(dst, y)
		for x := range d {
			d[x] = float32(acc[x] * inv)
		}
		if i := y + r + 1; i <= a.y1 {
			for x, v := range seg(src, i) {
				acc[x] += float64(v)
			}
		}
		if i := y - r; i >= a.y0 {
			for x, v := range seg(src, i) {
				acc[x] -= float64(v)
			}
		}
	}
}

// gaussBlur approximates a Gaussian blur of buf (a w x h image that is zero
// outside rectangle nz) with three box passes of radius r in each direction,
// using tmp (same length) and acc (length w) as scratch. The result is left in
// buf; only pixels within 3r of nz change, the rest of buf stays 0.
func gaussBlur(buf, tmp []float32, w, h, r int, nz rect, acc []float64) {
	if nz.empty() {
		return
	}
	a := nz.grow(3*r, w, h)
	blurBoxH(tmp, buf, w, r, a)
	blurBoxH(buf, tmp, w, r, a)
	blurBoxH(tmp, buf, w, r, a)
	blurBoxV(buf, tmp, w, h, r, a, acc)
	blurBoxV(tmp, buf, w, h, r, a, acc)
	blurBoxV(buf, tmp, w, h, r, a, acc)
}
