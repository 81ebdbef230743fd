package synth

import "math"

// distance holds the scratch of an exact Euclidean distance transform (the
// lower-envelope algorithm of Felzenszwalb and Huttenlocher, "Distance
// transforms of sampled functions", 2012), written here because neither the
// standard library nor gonum has one and the demonstration needs, besides
// each pixel's distance, which defect it is nearest to.
type distance struct {
	col  []float64 // column pass: squared distance within the column
	row  []int32   // column pass: row of the nearest site within the column
	f, d []float64 // one line's input and output
	arg  []int32   // one line's nearest sample
	v    []int32
	z    []float64
}

// transform sets, for every pixel of the w x h grid, dist to the squared
// Euclidean distance to the nearest true pixel of on and near to that pixel's
// index (y*w+x), one of the nearest where several are; where on has no true
// pixel, dist is +Inf and near -1.
func (t *distance) transform(on []bool, w, h int, dist []float64, near []int32) {
	n := max(w, h)
	if len(t.col) != w*h || len(t.f) != n {
		*t = distance{
			col: make([]float64, w*h), row: make([]int32, w*h),
			f: make([]float64, n), d: make([]float64, n), arg: make([]int32, n),
			v: make([]int32, n), z: make([]float64, n+1),
		}
	}
	inf := math.Inf(1)
	for x := range w {
		f := t.f[:h]
		for y := range h {
			f[y] = inf
			if on[y*w+x] {
				f[y] = 0
			}
		}
		t.line(f, t.d[:h], t.arg[:h])
		for y := range h {
			t.col[y*w+x], t.row[y*w+x] = t.d[y], t.arg[y]
		}
	}
	for y := range h {
		f := t.f[:w]
		copy(f, t.col[y*w:(y+1)*w])
		t.line(f, dist[y*w:(y+1)*w], t.arg[:w])
		for x, p := range t.arg[:w] {
			near[y*w+x] = -1
			if p >= 0 {
				near[y*w+x] = t.row[y*w+int(p)]*int32(w) + p
			}
		}
	}
}

// line sets d[q] = min over p of (q-p)^2 + f[p] and arg[q] to that p (-1
// and +Inf when every f[p] is +Inf).
func (t *distance) line(f, d []float64, arg []int32) {
	v, z := t.v, t.z
	k := -1
	for q := range f {
		if math.IsInf(f[q], 1) {
			continue
		}
		fq := f[q] + float64(q*q)
		var s float64
		for k >= 0 {
			p := int(v[k])
			s = (fq - f[p] - float64(p*p)) / float64(2*(q-p))
			if s > z[k] {
				break
			}
			k--
		}
		k++
		v[k] = int32(q)
		z[k] = s
		if k == 0 {
			z[0] = math.Inf(-1)
		}
		z[k+1] = math.Inf(1)
	}
	if k < 0 {
		for q := range d {
			d[q], arg[q] = math.Inf(1), -1
		}
		return
	}
	j := 0
	for q := range d {
		for z[j+1] < float64(q) {
			j++
		}
		p := int(v[j])
		d[q], arg[q] = float64((q-p)*(q-p))+f[p], int32(p)
	}
}
