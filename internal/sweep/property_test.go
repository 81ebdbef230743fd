package sweep

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
)

// randomCategory makes small images with blobby masks and quantised or
// continuous scores.
func randomCategory(rng *rand.Rand) *metric.Category {
	cat := &metric.Category{Name: "random"}
	levels := 0
	if rng.IntN(2) == 0 {
		levels = 2 + rng.IntN(6) // heavy ties
	}
	for i := 0; i < 1+rng.IntN(4); i++ {
		w, h := 1+rng.IntN(12), 1+rng.IntN(12)
		im := metric.Image{Name: "im", Width: w, Height: h, Scores: make([]float32, w*h)}
		if rng.IntN(4) != 0 {
			im.Mask = make([]bool, w*h)
			for b := 0; b < rng.IntN(4); b++ {
				cx, cy, r := rng.IntN(w), rng.IntN(h), rng.IntN(3)
				for y := max(0, cy-r); y <= min(h-1, cy+r); y++ {
					for x := max(0, cx-r); x <= min(w-1, cx+r); x++ {
						if rng.IntN(5) != 0 {
							im.Mask[y*w+x] = true
						}
					}
				}
			}
		}
		for p := range im.Scores {
			v := rng.Float64()
			if im.Mask != nil && im.Mask[p] {
				v += 0.5 * rng.Float64()
			}
			if levels > 0 {
				v = math.Floor(v*float64(levels)) / float64(levels)
			}
			im.Scores[p] = float32(v)
		}
		cat.Images = append(cat.Images, im)
	}
	return cat
}

// scratch computes TP, FP, PRO and RC at one threshold by labelling the
// predicted pixels from scratch.
func scratch(cat *metric.Category, positive func(float32) bool, opts Options) (tp, fp int64, proV, rc float64, regions int64) {
	var proSum float64
	var gtTotal int
	var qSum float64
	var imgMeans float64
	var imgActive int64
	for _, im := range cat.Images {
		w, h := im.Width, im.Height
		mask := im.Mask
		if mask == nil {
			mask = make([]bool, w*h)
		}
		gt, ng := connected.Label(mask, w, h, opts.Connectivity)
		gtArea := make([]int, ng+1)
		for _, l := range gt {
			gtArea[l]++
		}
		on := make([]bool, w*h)
		cov := make([]int, ng+1)
		for p, v := range im.Scores {
			on[p] = positive(v)
			if on[p] {
				if mask[p] {
					tp++
					cov[gt[p]]++
				} else {
					fp++
				}
			}
		}
		for g := 1; g <= ng; g++ {
			proSum += float64(cov[g]) / float64(gtArea[g])
		}
		gtTotal += ng
		pl, np := connected.Label(on, w, h, opts.Connectivity)
		area := make([]int, np+1)
		ov := make([]map[int32]int, np+1)
		for p, l := range pl {
			if l == 0 {
				continue
			}
			area[l]++
			if gt[p] != 0 {
				if ov[l] == nil {
					ov[l] = map[int32]int{}
				}
				ov[l][gt[p]]++
			}
		}
		imgQ := 0.0
		for l := 1; l <= np; l++ {
			best, bestN := int32(0), 0
			for g, n := range ov[l] {
				if n > bestN || (n == bestN && g < best) {
					best, bestN = g, n
				}
			}
			q := 0.0
			if best != 0 {
				a := float64(gtArea[best])
				if float64(bestN) >= opts.RCPROTau*a {
					r := float64(area[l]-bestN) / a
					q = 1
					if r > opts.RCPRODelta {
						q = opts.RCPRODelta / r
					}
				}
			}
			imgQ += q
		}
		qSum += imgQ
		regions += int64(np)
		if np > 0 {
			imgMeans += imgQ / float64(np)
			imgActive++
		}
	}
	if gtTotal > 0 {
		proV = proSum / float64(gtTotal)
	}
	if opts.RCAverage == metric.PerImage {
		regions = imgActive
		if imgActive > 0 {
			rc = imgMeans / float64(imgActive)
		}
	} else if regions > 0 {
		rc = qSum / float64(regions)
	}
	return tp, fp, proV, rc, regions
}

// TestIncrementalEqualsScratch checks the incremental sweep against
// relabelling at every threshold, on both grids, both connectivities and both
// RC averages.
func TestIncrementalEqualsScratch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		cat := randomCategory(rng)
		opts := Options{Settings: metric.Settings{
			Connectivity: []connected.Connectivity{connected.Eight, connected.Four}[rng.IntN(2)],
			RCPROTau:     []float64{0, 0.05, 0.3}[rng.IntN(3)],
			RCPRODelta:   []float64{0.5, 2, 4}[rng.IntN(3)],
			RCAverage:    metric.RCAverage(rng.IntN(2)),
			Workers:      1 + rng.IntN(6), // stretches with ties across their bounds
		}, Need: NeedAll}
		if rng.IntN(3) == 0 {
			opts.Thresholds = metric.Steps(1 + rng.IntN(20))
		} else {
			// Each exact-grid path: ROC only, ROC and PRO, everything.
			opts.Need = []Need{NeedROC, NeedPRO, NeedROC | NeedPRO, NeedAll}[rng.IntN(4)]
		}
		res, err := Run(cat, opts)
		if err != nil {
			t.Fatal(err)
		}
		pts := res.Curves()
		var want []float64
		if opts.Thresholds.IsExact() {
			seen := map[float32]bool{}
			for _, im := range cat.Images {
				for _, v := range im.Scores {
					seen[v] = true
				}
			}
			for v := range seen {
				want = append(want, float64(v))
			}
			sort.Sort(sort.Reverse(sort.Float64Slice(want)))
		} else {
			ext := cat.Extent()
			ts := metric.StepThresholds(ext.Lo, ext.Hi, opts.Thresholds.Steps)
			for k := len(ts) - 1; k >= 0; k-- {
				want = append(want, float64(ts[k]))
			}
		}
		if pts.Len() != len(want) {
			t.Fatalf("trial %d: %d points, want %d", trial, pts.Len(), len(want))
		}
		for k, th := range want {
			t32 := float32(th)
			positive := func(v float32) bool { return v >= t32 }
			if !opts.Thresholds.IsExact() {
				positive = func(v float32) bool { return v > t32 }
			}
			tp, fp, proV, rc, regions := scratch(cat, positive, opts)
			got := pts.At(k)
			if opts.Need&NeedPRO == 0 {
				proV = 0
			}
			if opts.Need&NeedRC == 0 {
				rc, regions = 0, 0
			}
			if got.Threshold != th || got.TP != tp || got.FP != fp || got.Regions != regions ||
				math.Abs(got.PRO-proV) > 1e-12 || math.Abs(got.RC-rc) > 1e-12 {
				t.Fatalf("trial %d (%+v) threshold %v: got tp %d fp %d pro %v rc %v regions %d, want %d %d %v %v %d",
					trial, opts, th, got.TP, got.FP, got.PRO, got.RC, got.Regions, tp, fp, proV, rc, regions)
			}
		}
		if !opts.Thresholds.IsExact() {
			// ROC counts stay on the exact grid.
			if n := res.Exact.Len(); n == 0 || res.Exact.TP[n-1] != res.Positives || res.Exact.FP[n-1] != res.Negatives {
				t.Fatalf("trial %d: exact ROC counts do not end at every pixel", trial)
			}
		}
	}
}

// TestWorkersIdentical checks that the number of workers changes nothing.
func TestWorkersIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 30; trial++ {
		cat := randomCategory(rng)
		opts := Options{Settings: metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05, RCPRODelta: 2, Workers: 1}, Need: NeedAll}
		a, err := Run(cat, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.Workers = 4
		b, _ := Run(cat, opts)
		for k := range a.Exact.Threshold {
			if a.Exact.RC[k] != b.Exact.RC[k] || a.Exact.PRO[k] != b.Exact.PRO[k] || a.Exact.TP[k] != b.Exact.TP[k] {
				t.Fatalf("trial %d point %d differs between 1 and 4 workers", trial, k)
			}
		}
	}
}

func TestOrderKey(t *testing.T) {
	vals := []float32{float32(math.Inf(-1)), -3, -1e-30, 0, 1e-30, 0.5, 1, float32(math.Inf(1))}
	for i := 1; i < len(vals); i++ {
		if orderKey(vals[i]) >= orderKey(vals[i-1]) {
			t.Errorf("orderKey(%v) >= orderKey(%v)", vals[i], vals[i-1])
		}
	}
	for _, v := range vals {
		if keyScore(orderKey(v)) != v {
			t.Errorf("keyScore(orderKey(%v)) = %v", v, keyScore(orderKey(v)))
		}
	}
	if orderKey(float32(math.Copysign(0, -1))) != orderKey(0) {
		t.Error("-0 and +0 have different keys")
	}
}

// TestStreamEqualsRun adds a category's images in several parts.
func TestStreamEqualsRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := 0; trial < 50; trial++ {
		cat := randomCategory(rng)
		opts := Options{Settings: metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05, RCPRODelta: 2, Workers: 2}, Need: NeedAll}
		if trial%2 == 1 {
			opts.Thresholds = metric.Steps(7)
		}
		want, err := Run(cat, opts)
		if err != nil {
			t.Fatal(err)
		}
		st, err := NewStream(opts, metric.Extent{Lo: cat.Extent().Lo, Hi: cat.Extent().Hi, MaxPixels: 12 * 12})
		if err != nil {
			t.Fatal(err)
		}
		for i := range cat.Images {
			if err := st.Add(cat.Images[i : i+1]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if got.Positives != want.Positives || got.Negatives != want.Negatives || got.GTRegions != want.GTRegions ||
			got.Curves().Len() != want.Curves().Len() {
			t.Fatalf("trial %d: stream differs from run", trial)
		}
		for k := range want.Curves().Threshold {
			if got.Curves().At(k) != want.Curves().At(k) {
				t.Fatalf("trial %d point %d: %+v, want %+v", trial, k, got.Curves().At(k), want.Curves().At(k))
			}
		}
	}
}

// TestLargeCategory exercises the parallel sort (over 2^16 pixels): every
// worker count gives the same points, and sampled thresholds equal a
// relabelling from scratch.
func TestLargeCategory(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	cat := &metric.Category{Name: "large"}
	for i := 0; i < 7; i++ {
		w, h := 90+rng.IntN(40), 80+rng.IntN(40)
		im := metric.Image{Name: "im", Width: w, Height: h, Scores: make([]float32, w*h), Mask: make([]bool, w*h)}
		cx, cy := rng.IntN(w), rng.IntN(h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				d := math.Hypot(float64(x-cx), float64(y-cy))
				im.Mask[y*w+x] = d < 12
				v := math.Exp(-d/15) + 0.3*rng.Float64()
				if i%2 == 0 {
					v = math.Round(v*50) / 50 // ties
				}
				im.Scores[y*w+x] = float32(v)
			}
		}
		cat.Images = append(cat.Images, im)
	}
	opts := Options{Settings: metric.Settings{Connectivity: connected.Eight, RCPROTau: 0.05, RCPRODelta: 2, Workers: 1}, Need: NeedAll}
	want, err := Run(cat, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{2, 3} {
		opts.Workers = w
		got, err := Run(cat, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got.Exact.Len() != want.Exact.Len() {
			t.Fatalf("workers %d: %d points, want %d", w, got.Exact.Len(), want.Exact.Len())
		}
		for k := range want.Exact.Threshold {
			if got.Exact.At(k) != want.Exact.At(k) {
				t.Fatalf("workers %d point %d differs", w, k)
			}
		}
	}
	for k := 0; k < want.Exact.Len(); k += want.Exact.Len()/25 + 1 {
		t32 := float32(want.Exact.Threshold[k])
		tp, fp, proV, rc, regions := scratch(cat, func(v float32) bool { return v >= t32 }, opts)
		p := want.Exact.At(k)
		if p.TP != tp || p.FP != fp || p.Regions != regions || math.Abs(p.PRO-proV) > 1e-12 || math.Abs(p.RC-rc) > 1e-12 {
			t.Fatalf("threshold %v: got %+v, want tp %d fp %d pro %v rc %v regions %d", t32, p, tp, fp, proV, rc, regions)
		}
	}
}

// TestNonFiniteScores checks that every path reports a NaN or ±Inf score
// with the image and its position, whichever image holds it.
func TestNonFiniteScores(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		for _, opts := range []Options{
			{Need: NeedAll},
			{Need: NeedROC},
			{Need: NeedPRO},
			{Need: NeedROC | NeedPRO},
			{Need: NeedAll, Settings: metric.Settings{Thresholds: metric.Steps(10)}},
			{Need: NeedPRO, Settings: metric.Settings{Thresholds: metric.Steps(10)}},
			{Need: NeedRC, Settings: metric.Settings{Thresholds: metric.Steps(10), RCAverage: metric.PerImage}},
		} {
			opts.Connectivity, opts.RCPROTau, opts.RCPRODelta, opts.Workers = connected.Eight, 0.05, 2, 2
			cat := &metric.Category{}
			for i := range 5 {
				im := metric.Image{Name: fmt.Sprintf("im%d", i), Width: 4, Height: 3, Scores: make([]float32, 12), Mask: make([]bool, 12)}
				for p := range im.Scores {
					im.Scores[p] = float32(p*7%12) / 12
				}
				im.Mask[5] = true
				cat.Images = append(cat.Images, im)
			}
			cat.Images[3].Scores[6] = bad
			_, err := Run(cat, opts)
			if err == nil || !strings.Contains(err.Error(), "im3: score") || !strings.Contains(err.Error(), "row 1, column 2") {
				t.Errorf("%v with %+v: error %v", bad, opts, err)
			}
		}
	}
}
