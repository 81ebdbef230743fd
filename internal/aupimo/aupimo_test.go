package aupimo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/zsadbench/zsadbench/metric"
)

// randomCategory makes n images: normal ones of w x h with a smooth
// background and a heavy tail (quantised when ties is set, so that groups
// of pixels share a score), and smaller anomalous ones (every third) with
// a blob. With at least 10^5 normal pixels, AUPIMO is mostly defined.
func randomCategory(r *rand.Rand, n, w, h int, ties bool) []metric.Image {
	var out []metric.Image
	for i := range n {
		anomalous := i%3 == 1
		iw, ih := w, h
		if anomalous {
			iw, ih = max(4, w/3), max(4, h/3)
		}
		im := metric.Image{Name: "img", Width: iw, Height: ih, Scores: make([]float32, iw*ih)}
		if anomalous {
			im.Mask = make([]bool, iw*ih)
		}
		cx, cy, rad := r.IntN(iw), r.IntN(ih), 1+r.IntN(max(1, iw/4))
		for p := range im.Scores {
			x, y := p%iw, p/iw
			v := 0.2*r.Float64() + 0.25*math.Pow(r.Float64(), 12)
			if anomalous && (x-cx)*(x-cx)+(y-cy)*(y-cy) <= rad*rad {
				im.Mask[p] = true
				v += 0.3 * r.Float64()
			}
			if ties {
				v = math.Round(v*3000) / 3000
			}
			im.Scores[p] = float32(v)
		}
		out = append(out, im)
	}
	return out
}

func summaries(images []metric.Image, maxNormal int) []Image {
	s := make([]Image, len(images))
	for i := range images {
		s[i] = Summarize(&images[i], maxNormal)
	}
	return s
}

func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// TestSummaryIsEnough: a normal image's top scores give the same bits as
// every pixel, on both grids, with and without weights.
func TestSummaryIsEnough(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	defined := 0
	defer func() {
		if defined < 16 {
			t.Errorf("AUPIMO was defined in %d of 64 computations: the test checks too little", defined)
		}
	}()
	for trial := range 16 {
		n := 3 + r.IntN(6)
		images := randomCategory(r, n, 150+r.IntN(150), 150+r.IntN(100), trial%2 == 0)
		top, all := summaries(images, n), summaries(images, math.MaxInt32)
		var w []int32
		if trial%3 == 0 {
			w = randomWeights(r, images)
		}
		for _, k := range []int{0, 2, 1000, 300000} {
			a, b := Compute(top, w, k), Compute(all, w, k)
			if a.Undefined == "" {
				defined++
			}
			if a.Undefined != b.Undefined || a.Points != b.Points {
				t.Fatalf("trial %d, K=%d: summary %q/%d, every pixel %q/%d", trial, k, a.Undefined, a.Points, b.Undefined, b.Points)
			}
			for i := range a.AUPIMO {
				if !same(a.AUPIMO[i], b.AUPIMO[i]) {
					t.Fatalf("trial %d, K=%d, image %d: summary %v, every pixel %v", trial, k, i, a.AUPIMO[i], b.AUPIMO[i])
				}
			}
		}
	}
}

// randomWeights draws a stratified bootstrap replicate's weights: as many
// normal and anomalous images as the category has.
func randomWeights(r *rand.Rand, images []metric.Image) []int32 {
	w := make([]int32, len(images))
	var normal, anomalous []int
	for i := range images {
		if images[i].NextAnomalous(0) >= 0 {
			anomalous = append(anomalous, i)
		} else {
			normal = append(normal, i)
		}
	}
	for _, set := range [][]int{normal, anomalous} {
		for range set {
			w[set[r.IntN(len(set))]]++
		}
	}
	return w
}

// TestWeightsAreCopies: weights give the bits of the category with each
// image repeated weight times, in order.
func TestWeightsAreCopies(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	defined := 0
	defer func() {
		if defined < 12 {
			t.Errorf("AUPIMO was defined in %d of 36 computations: the test checks too little", defined)
		}
	}()
	for trial := range 12 {
		n := 3 + r.IntN(6)
		images := randomCategory(r, n, 150+r.IntN(150), 150+r.IntN(100), trial%2 == 1)
		w := randomWeights(r, images)
		var copies []metric.Image
		var from []int
		for i := range images {
			for range w[i] {
				copies = append(copies, images[i])
				from = append(from, i)
			}
		}
		for _, k := range []int{0, 5000, 300000} {
			a := Compute(summaries(images, n), w, k)
			b := Compute(summaries(copies, len(copies)), nil, k)
			if a.Undefined == "" {
				defined++
			}
			if a.Undefined != b.Undefined || a.Points != b.Points {
				t.Fatalf("trial %d, K=%d: weights %q/%d, copies %q/%d", trial, k, a.Undefined, a.Points, b.Undefined, b.Points)
			}
			for c, i := range from {
				if !same(a.AUPIMO[i], b.AUPIMO[c]) {
					t.Fatalf("trial %d, K=%d, image %d: weights %v, copy %v", trial, k, i, a.AUPIMO[i], b.AUPIMO[c])
				}
			}
		}
	}
}

// TestLinspaceTendsToExact: when the shared FPR takes the values 1e-5 and
// 1e-4 exactly (one normal image of 100,000 pixels), the reference's grid
// converges to the exact value as K grows (elsewhere its range is the
// closest achieved rates, not the bounds).
func TestLinspaceTendsToExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 5 {
		normal := metric.Image{Width: 400, Height: 250, Scores: make([]float32, 100000)}
		for i := range normal.Scores {
			normal.Scores[i] = float32(0.5 * r.Float64())
		}
		for range 300 { // distinct scores at the top
			normal.Scores[r.IntN(len(normal.Scores))] = float32(0.5 + 0.5*r.Float64())
		}
		images := append([]metric.Image{normal}, randomCategory(r, 6, 90, 90, false)...)
		for i := range images[1:] {
			im := &images[1+i]
			if im.Mask == nil {
				continue
			}
			for p := range im.Scores {
				if im.Mask[p] {
					im.Scores[p] = float32(0.8 + 0.25*r.Float64())
				}
			}
		}
		sum := summaries(images, len(images))
		exact := Compute(sum, nil, 0)
		if exact.Undefined != "" {
			t.Fatalf("trial %d: exact undefined: %s", trial, exact.Undefined)
		}
		prev := math.Inf(1)
		for _, k := range []int{10000, 100000, 1000000, 10000000, 100000000} {
			lin := Compute(sum, nil, k)
			if lin.Undefined != "" {
				continue // too few points at small K
			}
			worst := 0.0
			for i, v := range exact.AUPIMO {
				if !math.IsNaN(v) {
					worst = max(worst, math.Abs(lin.AUPIMO[i]-v))
				}
			}
			if worst > prev*1.5+1e-12 {
				t.Errorf("trial %d, K=%d: error %.3g grew from %.3g", trial, k, worst, prev)
			}
			prev = worst
		}
		if prev > 2e-6 {
			t.Errorf("trial %d: error %.3g at K=1e8, want about 0", trial, prev)
		}
	}
}
