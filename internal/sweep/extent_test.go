package sweep

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
)

// blobCategory is a category whose scores are smooth hills plus noise over
// masks of a few blobs, so that predicted regions grow, meet and merge
// around the ground truth over many thresholds, as on real maps.
func blobCategory(rng *rand.Rand) *metric.Category {
	cat := &metric.Category{Name: "blobs"}
	for range 1 + rng.IntN(2)*rng.IntN(5) {
		w, h := 12+rng.IntN(24), 12+rng.IntN(24)
		im := metric.Image{Name: "im", Width: w, Height: h, Scores: make([]float32, w*h)}
		type hill struct{ x, y, r, a float64 }
		var hills []hill
		if rng.IntN(4) != 0 {
			im.Mask = make([]bool, w*h)
			for range 1 + rng.IntN(3) {
				g := hill{rng.Float64() * float64(w), rng.Float64() * float64(h), 1 + 3*rng.Float64(), 1}
				for y := range h {
					for x := range w {
						if math.Hypot(float64(x)-g.x, float64(y)-g.y) <= g.r {
							im.Mask[y*w+x] = true
						}
					}
				}
				// A hill over the region, often off its centre.
				g.x += rng.NormFloat64() * 2
				g.y += rng.NormFloat64() * 2
				hills = append(hills, g)
			}
		}
		for range rng.IntN(4) { // false positives
			hills = append(hills, hill{rng.Float64() * float64(w), rng.Float64() * float64(h), 1 + 3*rng.Float64(), 0.3 + 0.7*rng.Float64()})
		}
		noise := 0.05 + 0.3*rng.Float64()
		for y := range h {
			for x := range w {
				v := noise * rng.Float64()
				for _, g := range hills {
					d := math.Hypot(float64(x)-g.x, float64(y)-g.y) / g.r
					v += g.a * math.Exp(-d*d/2)
				}
				im.Scores[y*w+x] = float32(v)
			}
		}
		cat.Images = append(cat.Images, im)
	}
	return cat
}

// TestRCBounds checks the bounds of RC's sums that the sparse grid's
// extent puts on each bucket of normal pixels (rcBounds) against every
// point of the full exact grid in the bucket, on random categories (one
// image, where the bounds are tightest, or several) with both averages and
// connectivities: each point's sums lie within its bucket's bounds.
func TestRCBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	checked, rising := 0, 0
	for trial := range 300 {
		cat := blobCategory(rng)
		if trial%3 == 0 {
			cat = randomCategory(rng)
		}
		s := metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05 + 0.5*rng.Float64(), RCPRODelta: 0.5 + 2*rng.Float64(), Workers: 1 + rng.IntN(3)}
		if rng.IntN(2) == 0 {
			s.Connectivity = connected.Four
		}
		if rng.IntN(3) == 0 {
			s.RCAverage = metric.PerImage
		}
		n := checkRCBounds(t, cat, s)
		checked += n.checked
		rising += n.rising
	}
	if checked < 1000 || rising == 0 {
		t.Errorf("%d points checked, %d buckets where RC's numerator may rise: want more", checked, rising)
	}
}

// TestRCBoundsFallThenMerge checks the bound of a run whose numerator falls
// and then rises at a merge, above where it fell to: a region's quality
// falls from 1 to 0.1 as it grows past its ground truth, then a pixel
// joins the two arms of a U-shaped ground-truth region, each too small a
// part of it to count, into one region of quality 0.7.
func TestRCBoundsFallThenMerge(t *testing.T) {
	// G . G . H n    (n: the growth of H's region, the dot between the
	// G . G . . .    arms: the bridge)
	// G G G . . .
	w, h := 6, 3
	mask := []bool{
		true, false, true, false, true, false,
		true, false, true, false, false, false,
		true, true, true, false, false, false,
	}
	scores := make([]float32, w*h)
	for p := range scores {
		scores[p] = 0.01
		if mask[p] {
			scores[p] = 0.2
		}
	}
	scores[0], scores[2], scores[4] = 0.9, 0.89, 0.88 // the arms' tops and H
	scores[5], scores[1] = 0.5, 0.4                   // H's region grows, the bridge
	cat := &metric.Category{Name: "u", Images: []metric.Image{{Name: "u", Width: w, Height: h, Scores: scores, Mask: mask}}}
	s := metric.Settings{Connectivity: connected.Four, RCPROTau: 0.2, RCPRODelta: 0.1, Workers: 1}
	if n := checkRCBounds(t, cat, s); n.dips == 0 {
		t.Errorf("%d points checked, none below both its bucket's ends", n.checked)
	}
}

// boundCounts count what checkRCBounds checked: points, buckets where the
// numerator's bound lies above both ends, and points whose numerator lies
// below both ends of its bucket.
type boundCounts struct{ checked, rising, dips int }

// checkRCBounds checks that every point of the full exact grid of cat in
// a bucket of normal pixels has its RC sums within the bucket's bounds.
func checkRCBounds(t *testing.T, cat *metric.Category, s metric.Settings) (n boundCounts) {
	t.Helper()
	defer func() { inspectExtent = nil }()
	full, err := Run(cat, Options{Settings: s, Need: NeedAll})
	if err != nil {
		t.Fatal(err)
	}
	buckets := map[int]rcRange{}
	ends := map[int][2]float64{} // the numerator before and after each bucket
	var bounds []uint32
	inspectExtent = func(sp *sparsePoints) {
		bounds = bucketBounds(sp.keys)
		shift := fixedShift(cat.ExtentFor(s.Thresholds).MaxPixels)
		rcBounds(sp, shift, func(j int, before, after *curveState, r rcRange) {
			buckets[j] = r
			ends[j] = [2]float64{before.rc.float(shift), after.rc.float(shift)}
			if r.hiQ > max(ends[j][0], ends[j][1]) {
				n.rising++
			}
		})
	}
	fold := func(*Point) func([]Point) { return func([]Point) {} }
	if _, err := Run(cat, Options{Settings: s, Need: NeedAll, Sparse: true, Keep: true, Fold: fold, KeepRCTolerance: 1e-3}); err != nil {
		t.Fatal(err)
	}
	if bounds == nil {
		return n // no anomalous pixel: the full grid
	}
	for k := range full.Exact.Len() {
		p := full.Exact.At(k)
		key := orderKey(float32(p.Threshold))
		b, _ := slices.BinarySearch(bounds, key+1) // the bounds at or below key
		if b&1 != 0 || p.Regions == 0 {
			continue // an anomalous key's point, or no region
		}
		bk, ok := buckets[b>>1]
		if !ok {
			t.Fatalf("%s: point %d (t=%v, %d regions) is in bucket %d, which has no bounds", cat.Name, k, p.Threshold, p.Regions, b)
		}
		r, q := float64(p.Regions), p.RC*float64(p.Regions)
		if q < bk.loQ-1e-9 || q > bk.hiQ+1e-9 || r < bk.loR || r > bk.hiR {
			t.Fatalf("%s (%v, %v): point %d (t=%v) has RC %v / %v, outside its bucket %d's bounds [%v, %v] / [%v, %v]",
				cat.Name, s.RCAverage, s.Connectivity, k, p.Threshold, q, r, b, bk.loQ, bk.hiQ, bk.loR, bk.hiR)
		}
		n.checked++
		if q < min(ends[b>>1][0], ends[b>>1][1])-1e-9 {
			n.dips++
		}
	}
	return n
}

// TestRCPeaks checks the PRO-vs-RC curve of the sparse grid's points and
// RC's peaks (Result.RCPeaks) against every point of the full exact grid,
// with the events recorded by the sweep, swept again (strayEvents), or
// some of each: each peak is a point of the full grid, and each point of
// the full grid lies within the tolerance of the range of RC between the
// kept points either side of it (at its PRO).
func TestRCPeaks(t *testing.T) {
	defer func(z [2]float64) { zoneShares = z }(zoneShares)
	shares := [][2]float64{{0, 0}, zoneShares, {0.5, 0}, {0, 0.5}, {0.5, 0.5}, {1, 1}}
	const tol = 1e-3
	rng := rand.New(rand.NewPCG(8, 8))
	peaks := map[[2]float64]int{}
	for trial := range 150 {
		cat := blobCategory(rng)
		s := metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05 + 0.5*rng.Float64(), RCPRODelta: 0.5 + 2*rng.Float64(), Workers: 1 + rng.IntN(3)}
		if rng.IntN(2) == 0 {
			s.Connectivity = connected.Four
		}
		if rng.IntN(3) == 0 {
			s.RCAverage = metric.PerImage
		}
		full, err := Run(cat, Options{Settings: s, Need: NeedAll})
		if err != nil {
			t.Fatal(err)
		}
		at := map[float64]Point{} // the full grid's points by threshold
		for k := range full.Exact.Len() {
			at[full.Exact.At(k).Threshold] = full.Exact.At(k)
		}
		for _, zone := range shares {
			zoneShares = zone
			fold := func(*Point) func([]Point) { return func([]Point) {} }
			sparse, err := Run(cat, Options{Settings: s, Need: NeedAll, Sparse: true, Keep: true, Fold: fold, KeepRCTolerance: tol})
			if err != nil {
				t.Fatal(err)
			}
			if sparse.RCPeaks == nil {
				continue // no anomalous pixel: the full grid
			}
			// The kept points with a region, by threshold.
			kept := map[float64]Point{}
			for _, pts := range []*Points{&sparse.Exact, sparse.RCPeaks} {
				for k := range pts.Len() {
					if p := pts.At(k); p.Regions > 0 {
						kept[p.Threshold] = p
					}
				}
			}
			for k := range sparse.RCPeaks.Len() {
				p := sparse.RCPeaks.At(k)
				if f, ok := at[p.Threshold]; !ok || f.RC != p.RC || f.Regions != p.Regions || f.PRO != p.PRO {
					t.Fatalf("trial %d zone %v: peak %+v is not the full grid's point %+v", trial, zone, p, f)
				}
				peaks[zone]++
			}
			var prev *Point
			for k := range full.Exact.Len() {
				p := full.Exact.At(k)
				if p.Regions == 0 {
					continue
				}
				if q, ok := kept[p.Threshold]; ok {
					prev = &q
					continue
				}
				next := k + 1
				for ; next < full.Exact.Len(); next++ {
					if _, ok := kept[full.Exact.Threshold[next]]; ok {
						break
					}
				}
				if prev == nil || next == full.Exact.Len() {
					t.Fatalf("trial %d zone %v: full point %d (t=%v) has no kept point either side", trial, zone, k, p.Threshold)
				}
				a, b := prev.RC, kept[full.Exact.Threshold[next]].RC
				if p.RC < min(a, b)-tol || p.RC > max(a, b)+tol {
					t.Fatalf("trial %d zone %v: full point %d (t=%v) has RC %v, beyond %v of the kept points' %v and %v either side", trial, zone, k, p.Threshold, p.RC, tol, a, b)
				}
			}
		}
	}
	for _, zone := range shares {
		if peaks[zone] == 0 {
			t.Errorf("zone %v: no peak", zone)
		}
	}
}

// rcBounds visits each bucket of normal pixels 2j with a pixel and a
// predicted region after it, with the states before and after it and its
// range of RC's sums (sparsePoints.bounds).
func rcBounds(sp *sparsePoints, shift uint, visit func(j int, before, after *curveState, r rcRange)) {
	b := sp.bounds(shift, 0, sp.excess())
	var c curveState
	m := len(sp.keys)
	for j := 0; j <= m; j++ {
		before := c
		if sp.add(&c, 2*j) > 0 && c.regions > 0 {
			visit(j, &before, &c, b(j, &before, &c))
		}
		if j < m {
			sp.add(&c, 2*j+1)
		}
	}
}
