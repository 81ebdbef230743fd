package synth

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
)

// brute marks the pixels whose centres satisfy inside.
func brute(size int, inside func(x, y float64) bool) []bool {
	m := make([]bool, size*size)
	for y := range size {
		for x := range size {
			m[y*size+x] = inside(float64(x)+0.5, float64(y)+0.5)
		}
	}
	return m
}

func raster(size int, p primitive) []bool {
	m := make([]bool, size*size)
	fillMask(m, size, p)
	return m
}

// diffs counts the pixels where a and b differ.
func diffs(a, b []bool) int {
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

func TestEllipseSpans(t *testing.T) {
	const size = 48
	r := newRNG(1)
	for i := range 300 {
		// Centres partly outside the image exercise the clipping.
		e := randomEllipse(r, r.Range(-10, size+10), r.Range(-10, size+10), r.Range(0.5, 600), 4)
		ia2, ib2 := 1/(e.a*e.a), 1/(e.b*e.b)
		want := brute(size, func(x, y float64) bool {
			dx, dy := x-e.cx, y-e.cy
			u := dx*e.ux + dy*e.uy
			v := -dx*e.uy + dy*e.ux
			return u*u*ia2+v*v*ib2 <= 1
		})
		// The span end points come from a square root, the brute force from
		// the quadratic form: a pixel centre exactly on the outline may
		// differ by rounding, nothing else.
		if d := diffs(raster(size, e), want); d > 1 {
			t.Fatalf("ellipse %d %+v: %d pixels differ from brute force", i, e, d)
		}
	}
	// A large ellipse covers about pi*a*b pixels.
	e := ellipse{cx: 250, cy: 256, a: 150, b: 60, ux: 0.6, uy: 0.8}
	n := 0
	for _, v := range raster(512, e) {
		if v {
			n++
		}
	}
	if want := math.Pi * 150 * 60; math.Abs(float64(n)-want) > 0.005*want {
		t.Errorf("ellipse covers %d pixels, area %.0f", n, want)
	}
}

func TestCapsuleSpans(t *testing.T) {
	const size = 48
	r := newRNG(2)
	for i := range 300 {
		c := capsule{r.Range(-5, size+5), r.Range(-5, size+5), r.Range(-5, size+5), r.Range(-5, size+5), r.Range(0.3, 6)}
		if i%10 == 0 {
			c.qx, c.qy = c.px, c.py // a disc
		}
		want := brute(size, func(x, y float64) bool {
			dx, dy := c.qx-c.px, c.qy-c.py
			t := 0.0
			if l2 := dx*dx + dy*dy; l2 > 0 {
				t = min(max(((x-c.px)*dx+(y-c.py)*dy)/l2, 0), 1)
			}
			ex, ey := x-c.px-t*dx, y-c.py-t*dy
			return ex*ex+ey*ey <= c.r*c.r
		})
		if d := diffs(raster(size, c), want); d != 0 {
			t.Fatalf("capsule %d %+v: %d pixels differ from brute force", i, c, d)
		}
	}
}

// A scratch of radius >= 0.6 is one 8-connected region however it is
// oriented.
func TestScratchConnected(t *testing.T) {
	r := newRNG(3)
	for range 200 {
		dx, dy := r.UnitVec()
		c := capsule{32, 32, 32 + 25*dx, 32 + 25*dy, 0.6}
		m := raster(64, c)
		if n := countRegions(m, 64); n != 1 {
			t.Fatalf("capsule %+v: %d regions", c, n)
		}
	}
}

func countRegions(mask []bool, size int) int {
	seen := make([]bool, len(mask))
	var visit func(p int)
	visit = func(p int) {
		seen[p] = true
		x, y := p%size, p/size
		for v := max(y-1, 0); v <= min(y+1, size-1); v++ {
			for u := max(x-1, 0); u <= min(x+1, size-1); u++ {
				if q := v*size + u; mask[q] && !seen[q] {
					visit(q)
				}
			}
		}
	}
	n := 0
	for i, m := range mask {
		if m && !seen[i] {
			n++
			visit(i)
		}
	}
	return n
}

// blurReference is a direct (non-running-sum) three-pass box blur over the
// whole image.
func blurReference(src []float32, w, h, r int) []float32 {
	a := slices.Clone(src)
	b := make([]float32, len(a))
	for range 3 {
		for y := range h {
			for x := range w {
				var s float64
				n := 0
				for u := max(x-r, 0); u <= min(x+r, w-1); u++ {
					s += float64(a[y*w+u])
					n++
				}
				b[y*w+x] = float32(s / float64(n))
			}
		}
		a, b = b, a
	}
	for range 3 {
		for y := range h {
			for x := range w {
				var s float64
				n := 0
				for v := max(y-r, 0); v <= min(y+r, h-1); v++ {
					s += float64(a[v*w+x])
					n++
				}
				b[y*w+x] = float32(s / float64(n))
			}
		}
		a, b = b, a
	}
	return a
}

func TestGaussBlur(t *testing.T) {
	const w, h = 37, 41
	r := newRNG(4)
	for _, tc := range []struct {
		name string
		nz   rect
		rad  int
	}{
		{"interior", rect{15, 17, 20, 22}, 2},
		{"corner", rect{0, 0, 3, 5}, 3},
		{"edge", rect{30, 10, 36, 12}, 1},
		{"whole", rect{0, 0, w - 1, h - 1}, 4},
		{"wide radius", rect{10, 10, 12, 12}, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]float32, w*h)
			for y := tc.nz.y0; y <= tc.nz.y1; y++ {
				for x := tc.nz.x0; x <= tc.nz.x1; x++ {
					buf[y*w+x] = float32(r.Float64())
				}
			}
			want := blurReference(buf, w, h, tc.rad)
			tmp := make([]float32, w*h)
			gaussBlur(buf, tmp, w, h, tc.rad, tc.nz, make([]float64, w))
			for i := range buf {
				if math.Abs(float64(buf[i]-want[i])) > 1e-6 {
					t.Fatalf("pixel (%d, %d): %v, reference %v", i%w, i/w, buf[i], want[i])
				}
			}
		})
	}
	// An empty rectangle leaves buf alone.
	buf := []float32{0, 0, 0, 0}
	gaussBlur(buf, make([]float32, 4), 2, 2, 1, emptyRect(), make([]float64, 2))
	if !slices.Equal(buf, []float32{0, 0, 0, 0}) {
		t.Errorf("blur of an empty image: %v", buf)
	}
}

func TestBoxRadius(t *testing.T) {
	for _, tc := range []struct {
		sigma float64
		want  int
	}{{0.1, 1}, {1, 1}, {2, 2}, {10.67, 10}, {5, 5}} {
		if got := boxRadius(tc.sigma); got != tc.want {
			t.Errorf("boxRadius(%v) = %d, want %d", tc.sigma, got, tc.want)
		}
	}
}

func TestAppendNPY(t *testing.T) {
	for _, shape := range [][2]int{{1, 1}, {3, 5}, {96, 96}, {512, 512}, {10000, 1}} {
		h, w := shape[0], shape[1]
		data := make([]float32, h*w)
		for i := range data {
			data[i] = float32(i)*0.25 - 3
		}
		b := appendNPY([]byte("junk"), data, h, w)
		if !bytes.HasPrefix(b, []byte("junk")) {
			t.Fatal("appendNPY overwrote dst")
		}
		b = b[4:]
		hlen := int(binary.LittleEndian.Uint16(b[8:10]))
		if (10+hlen)%64 != 0 || b[10+hlen-1] != '\n' || len(b) != 10+hlen+4*h*w {
			t.Errorf("(%d, %d): header length %d, file %d bytes", h, w, hlen, len(b))
		}
		if !strings.HasPrefix(string(b[10:]), "{'descr': '<f4', 'fortran_order': False, 'shape': (") {
			t.Errorf("(%d, %d): header %q", h, w, b[10:10+hlen])
		}
		r, err := npyio.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Header.Descr.Shape, []int{h, w}) {
			t.Errorf("shape %v, want (%d, %d)", r.Header.Descr.Shape, h, w)
		}
		var got []float32
		if err := r.Read(&got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, data) {
			t.Errorf("(%d, %d): data differs", h, w)
		}
	}
}

func TestRNG(t *testing.T) {
	// Fixed outputs (checked against an independent Python transcription of
	// splitmix64 + xoshiro256**): the data sets depend on them, so a change
	// must be deliberate and regenerate testdata/example.
	r := newRNG(1, 2, 3)
	got := []uint64{r.Uint64(), r.Uint64(), r.Uint64()}
	if want := []uint64{0x211279bc4079586a, 0xd5c6d82cfb618a8c, 0xf7547ad113c18794}; !slices.Equal(got, want) {
		t.Errorf("newRNG(1, 2, 3) gives %#x, want %#x", got, want)
	}
	r2 := newRNG(1, 2, 3)
	for i, v := range got {
		if w := r2.Uint64(); w != v {
			t.Fatalf("draw %d: %x then %x", i, v, w)
		}
	}
	if newRNG(1, 2, 4).Uint64() == got[0] || newRNG(2, 1, 3).Uint64() == got[0] {
		t.Error("different keys give the same stream")
	}
	counts := make([]int, 7)
	for range 70000 {
		f := r.Float64()
		if f < 0 || f >= 1 {
			t.Fatalf("Float64 %v", f)
		}
		counts[r.IntN(7)]++
		x, y := r.UnitVec()
		if d := math.Abs(x*x + y*y - 1); d > 1e-12 {
			t.Fatalf("UnitVec (%v, %v)", x, y)
		}
	}
	for i, c := range counts {
		if c < 9400 || c > 10600 {
			t.Errorf("IntN(7) gave %d %d times in 70000", i, c)
		}
	}
}

func TestAnomalousCount(t *testing.T) {
	for _, tc := range []struct {
		frac         float64
		images, want int
	}{
		{0.3, 115, 35}, {0.3, 1, 0}, {0.5, 1, 1}, {1, 1, 1}, {1, 5, 5},
		{0.05, 5, 1}, {0.95, 5, 4}, {0.25, 2, 1}, {0.1, 3, 1},
	} {
		if got := anomalousCount(tc.frac, tc.images); got != tc.want {
			t.Errorf("anomalousCount(%v, %d) = %d, want %d", tc.frac, tc.images, got, tc.want)
		}
	}
}
