package synth

import (
	"math"
	"math/bits"
)

// Map composition: score = mapBase + lowAmp*background + mapGain*blurred
// response + noise.
const (
	mapBase = 0.15
	mapGain = 0.75
	// maxDefectFrac is the largest area of one defect, as a fraction of the
	// image.
	maxDefectFrac = 0.15
	// minDefectArea is the smallest nominal area of one defect, in pixels.
	minDefectArea = 4.0
	// touchProb is the probability that a second or later defect is placed
	// against the one before it.
	touchProb = 0.35
	// missProb is the probability that a defect is nearly missed.
	missProb = 0.12
	// maxFalsePositives is the most false-positive blobs in one image.
	maxFalsePositives = 3
)

// workspace holds the scratch buffers of one goroutine.
type workspace struct {
	size   int
	resp   []float32 // detector response before blurring
	nz     rect      // bounding box of the non-zero pixels of resp
	tmp    []float32
	acc    []float64
	bgRow  []float32 // one row of the low-frequency background
	knots  []float64 // background knot values
	knotRw []float64 // knots interpolated to the current row
	ix     []int32   // per column: background cell
	wx     []float32 // per column: smoothstep weight within the cell
}

func (ws *workspace) reset(size int) {
	if ws.size == size {
		if !ws.nz.empty() {
			for y := ws.nz.y0; y <= ws.nz.y1; y++ {
				clear(ws.resp[y*size+ws.nz.x0 : y*size+ws.nz.x1+1])
			}
		}
		ws.nz = emptyRect()
		return
	}
	n := size * size
	*ws = workspace{
		size:  size,
		nz:    emptyRect(),
		resp:  make([]float32, n),
		tmp:   make([]float32, n),
		acc:   make([]float64, size),
		bgRow: make([]float32, size),
		ix:    make([]int32, size),
		wx:    make([]float32, size),
	}
}

// shape is one defect's outline: the primitives that make up the ground
// truth, and a point on its outline where another defect may touch it.
type shape struct {
	prims          []primitive
	cx, cy         float64 // reference centre
	anchorX, anchY float64
}

// render draws image idx of category c into scores and mask.
func (ws *workspace) render(seed int64, c *category, idx, size int, scores []float32, mask []bool) {
	ws.reset(size)
	clear(mask)
	r := newRNG(uint64(seed), c.key, streamImage, uint64(idx))
	S := float64(size)

	if kind := c.kinds[idx]; kind != kindGood {
		kinds := defectKinds(r, kind)
		var prev *shape
		for _, k := range kinds {
			touch := prev != nil && r.Float64() < touchProb
			var sh shape
			switch k {
			case kindScratch:
				sh = ws.scratch(r, c, S, prev, touch)
			default:
				sh = ws.blob(r, c, S, prev, touch)
			}
			n := 0
			for _, p := range sh.prims {
				n += fillMask(mask, size, p)
			}
			if n == 0 { // too small or thin to cover a pixel centre
				x := min(max(int(sh.cx), 0), size-1)
				y := min(max(int(sh.cy), 0), size-1)
				mask[y*size+x] = true
			}
			prev = &sh
		}
	}

	// False positives: each of maxFalsePositives chances has probability
	// fpRate/maxFalsePositives.
	for range maxFalsePositives {
		if r.Float64() >= c.fpRate/maxFalsePositives {
			continue
		}
		u := r.Float64()
		area := minDefectArea + (0.01*S*S-minDefectArea)*u*u
		e := randomEllipse(r, r.Range(0, S), r.Range(0, S), area, 2)
		ws.fillResp(e, float32(min(r.Range(0.25, 0.75)*r.Range(0.7, 1)/c.detectorQuality(), 1)))
	}

	// The blur leaves resp outside nz grown by its reach at 0; record that.
	rad := boxRadius(S / 48)
	gaussBlur(ws.resp, ws.tmp, size, size, rad, ws.nz, ws.acc)
	if !ws.nz.empty() {
		ws.nz = ws.nz.grow(3*rad, size, size)
	}
	ws.compose(r, c, size, scores)
}

// defectKinds returns the kinds (kindBlob or kindScratch) of the defects of
// an image of the given defect type: 1-4 defects, at least one of each kind
// in a mixed image, in random order.
func defectKinds(r *rng, kind defectKind) []defectKind {
	var n int
	if kind == kindMixed {
		n = 2 + pick(r, 0.5, 0.3) // 2, 3 or 4
	} else {
		n = 1 + pick(r, 0.45, 0.3, 0.15) // 1, 2, 3 or 4
	}
	ks := make([]defectKind, n)
	for i := range ks {
		ks[i] = kind
	}
	if kind == kindMixed {
		ks[0], ks[1] = kindBlob, kindScratch
		for i := 2; i < n; i++ {
			ks[i] = kindBlob
			if r.Float64() < 0.5 {
				ks[i] = kindScratch
			}
		}
		for i := n - 1; i > 0; i-- {
			j := r.IntN(i + 1)
			ks[i], ks[j] = ks[j], ks[i]
		}
	}
	return ks
}

// pick returns i with probability p[i], or len(p) with the remaining
// probability.
func pick(r *rng, p ...float64) int {
	u := r.Float64()
	for i, pi := range p {
		if u < pi {
			return i
		}
		u -= pi
	}
	return len(p)
}

// defectArea draws a nominal defect area in pixels, from minDefectArea to
// maxDefectFrac of the image, skewed towards small defects (u^4: half are
// below about 6% of the maximum).
func defectArea(r *rng, S float64) float64 {
	u := r.Float64()
	u2 := u * u
	return minDefectArea + (maxDefectFrac*S*S-minDefectArea)*u2*u2
}

// randomEllipse returns an ellipse of the given area centred at (cx, cy),
// with aspect ratio in [1, maxAspect) and random orientation.
func randomEllipse(r *rng, cx, cy, area, maxAspect float64) ellipse {
	aspect := r.Range(1, maxAspect)
	b := math.Sqrt(area / (math.Pi * aspect))
	ux, uy := r.UnitVec()
	return ellipse{cx: cx, cy: cy, a: aspect * b, b: b, ux: ux, uy: uy}
}

// touchCentre returns a centre for a new shape whose inner radius is rin so
// that the shape contains prev's anchor point: the centre lies beyond the
// anchor, away from prev's centre, at distance 0.8*rin from the anchor.
func touchCentre(r *rng, prev *shape, rin, S float64) (x, y, dx, dy float64) {
	dx, dy = prev.anchorX-prev.cx, prev.anchY-prev.cy
	if d := math.Sqrt(dx*dx + dy*dy); d > 1e-9 {
		dx, dy = dx/d, dy/d
	} else {
		dx, dy = r.UnitVec()
	}
	x = min(max(prev.anchorX+0.8*rin*dx, 0), S)
	y = min(max(prev.anchY+0.8*rin*dy, 0), S)
	return x, y, dx, dy
}

// gain draws the detector's response strength for one defect. A better
// detector (Options.Quality) misses fewer defects and finds the others more
// strongly; either branch draws one number, so the masks drawn after it do
// not depend on the detector.
func gain(r *rng, c *category) float32 {
	if r.Float64() < missProb/c.detectorQuality() {
		return float32(r.Range(0.08, 0.25))
	}
	return float32(min(c.quality*r.Range(0.6, 1.1)*c.detectorQuality(), 1))
}

// blob draws a filled ellipse (half the time) or an irregular blob (a main
// ellipse with 1-4 overlapping lobes), of total nominal area defectArea, into
// the response with a shifted and resized outline, and returns its shape.
func (ws *workspace) blob(r *rng, c *category, S float64, prev *shape, touch bool) shape {
	area := defectArea(r, S)
	lobes := 0
	if r.Float64() < 0.5 {
		lobes = 1 + r.IntN(4)
	}
	weights := make([]float64, lobes)
	sum := 1.0
	for i := range weights {
		weights[i] = r.Range(0.15, 0.5)
		sum += weights[i]
	}
	mainArea := area / sum
	main := randomEllipse(r, 0, 0, mainArea, 3)
	if touch {
		main.cx, main.cy, _, _ = touchCentre(r, prev, main.b, S)
	} else {
		main.cx, main.cy = r.Range(0, S), r.Range(0, S)
	}
	sh := shape{prims: []primitive{main}, cx: main.cx, cy: main.cy}
	for _, w := range weights {
		// Lobe centre inside the main ellipse, so the blob is connected.
		vx, vy := r.UnitVec()
		s := r.Range(0.4, 0.95)
		lx, ly := main.a*vx*s, main.b*vy*s
		cx := main.cx + lx*main.ux - ly*main.uy
		cy := main.cy + lx*main.uy + ly*main.ux
		sh.prims = append(sh.prims, randomEllipse(r, cx, cy, w*mainArea, 2.5))
	}
	vx, vy := r.UnitVec()
	sh.anchorX = main.cx + main.a*vx*main.ux - main.b*vy*main.uy
	sh.anchY = main.cy + main.a*vx*main.uy + main.b*vy*main.ux

	// Response: the same outline scaled about the main centre and shifted.
	g := gain(r, c)
	k := r.Range(0.7, 1.4)
	rad := math.Sqrt(main.a * main.b)
	sx, sy := r.Range(-0.25, 0.25)*rad, r.Range(-0.25, 0.25)*rad
	for _, p := range sh.prims {
		e := p.(ellipse)
		e.cx = main.cx + k*(e.cx-main.cx) + sx
		e.cy = main.cy + k*(e.cy-main.cy) + sy
		e.a *= k
		e.b *= k
		ws.fillResp(e, g)
	}
	return sh
}

// scratch draws a polyline of 2-4 segments, each 4-16% of the image side
// long, with a radius of 0.6 to 0.6+2*Size/512 pixels, turning slightly at
// each vertex. Its response is wider, jittered, and in 30% of cases covers
// only some of the segments.
func (ws *workspace) scratch(r *rng, c *category, S float64, prev *shape, touch bool) shape {
	nseg := 2 + r.IntN(3)
	rad := r.Range(0.6, 0.6+2*S/512)
	var x, y, hx, hy float64
	if touch {
		x, y = prev.anchorX, prev.anchY
		_, _, hx, hy = touchCentre(r, prev, 0, S)
	} else {
		x, y = r.Range(0, S), r.Range(0, S)
		hx, hy = r.UnitVec()
	}
	pts := make([]float64, 0, 2*(nseg+1))
	pts = append(pts, x, y)
	for range nseg {
		l := S * r.Range(0.04, 0.16)
		x += l * hx
		y += l * hy
		pts = append(pts, x, y)
		// Turn: add a random multiple of the perpendicular, renormalise.
		t := r.Range(-0.6, 0.6)
		hx, hy = hx-t*hy, hy+t*hx
		d := math.Sqrt(hx*hx + hy*hy)
		hx, hy = hx/d, hy/d
	}
	sh := shape{cx: pts[0], cy: pts[1]}
	for i := range nseg {
		sh.prims = append(sh.prims, capsule{pts[2*i], pts[2*i+1], pts[2*i+2], pts[2*i+3], rad})
	}
	v := 1 + r.IntN(nseg) // a vertex other than the start
	sh.anchorX, sh.anchY = pts[2*v], pts[2*v+1]

	g := gain(r, c)
	rr := rad * r.Range(1.2, 3)
	s0, s1 := 0, nseg
	if r.Float64() < 0.3 {
		s0 = r.IntN(nseg)
		s1 = s0 + 1 + r.IntN(nseg-s0)
	}
	jit := make([]float64, len(pts))
	for i := range jit {
		jit[i] = pts[i] + r.Range(-1, 1)*rr
	}
	for i := s0; i < s1; i++ {
		ws.fillResp(capsule{jit[2*i], jit[2*i+1], jit[2*i+2], jit[2*i+3], rr}, g)
	}
	return sh
}

// fillResp raises the pixels of p in the response to at least g and extends
// the response's bounding box.
func (ws *workspace) fillResp(p primitive, g float32) {
	size := ws.size
	p.spans(size, func(y, x0, x1 int) {
		row := ws.resp[y*size : (y+1)*size]
		for x := x0; x <= x1; x++ {
			row[x] = max(row[x], g)
		}
		ws.nz.x0, ws.nz.x1 = min(ws.nz.x0, x0), max(ws.nz.x1, x1)
		ws.nz.y0, ws.nz.y1 = min(ws.nz.y0, y), max(ws.nz.y1, y)
	})
}

// compose writes the score map: the blurred response (ws.resp) scaled, plus a
// smooth background (a random knot grid interpolated with smoothstep weights:
// C1, no per-pixel trigonometry), plus i.i.d. triangular noise.
func (ws *workspace) compose(r *rng, c *category, size int, scores []float32) {
	S := float64(size)
	g := 3 + r.IntN(4) // background cells per side
	ws.knots = ws.knots[:0]
	for range (g + 1) * (g + 1) {
		ws.knots = append(ws.knots, r.Range(-1, 1))
	}
	ws.knotRw = append(ws.knotRw[:0], make([]float64, g+1)...)
	cell := func(i int) (int, float64) {
		u := (float64(i) + 0.5) / S * float64(g)
		j := min(int(u), g-1)
		t := u - float64(j)
		return j, t * t * (3 - 2*t)
	}
	for x := range size {
		j, w := cell(x)
		ws.ix[x], ws.wx[x] = int32(j), float32(w)
	}
	lowAmp := float32(c.lowAmp / c.detectorQuality())
	noise := float32(c.noiseAmp/c.detectorQuality()) * (1.0 / (1 << 24))
	bg := ws.bgRow[:size]
	for y := range size {
		j, w := cell(y)
		for i := range ws.knotRw {
			ws.knotRw[i] = (1-w)*ws.knots[j*(g+1)+i] + w*ws.knots[(j+1)*(g+1)+i]
		}
		for x := range bg {
			k0 := float32(ws.knotRw[ws.ix[x]])
			k1 := float32(ws.knotRw[ws.ix[x]+1])
			bg[x] = mapBase + lowAmp*(k0+ws.wx[x]*(k1-k0))
		}
		row := scores[y*size : (y+1)*size]
		row = row[:len(bg)]
		resp := ws.resp[y*size : (y+1)*size]
		resp = resp[:len(bg)]
		// r.Uint64 inlined by hand (the same sequence): it is the hot loop.
		s0, s1, s2, s3 := r.s[0], r.s[1], r.s[2], r.s[3]
		for x, b := range bg {
			u := bits.RotateLeft64(s1*5, 7) * 9
			t := s1 << 17
			s2 ^= s0
			s3 ^= s1
			s1 ^= s2
			s0 ^= s3
			s2 ^= t
			s3 = bits.RotateLeft64(s3, 45)
			n := float32(int32(u>>40)-int32(uint32(u)>>8)) * noise
			row[x] = b + mapGain*resp[x] + n
		}
		r.s = [4]uint64{s0, s1, s2, s3}
	}
}
