// Package sweep is the one descending pass over a category's pixels that
// feeds every pixel curve: ROC and PR counts, PRO sums, and the predicted
// regions that RC scores.
//
// Each image is sorted and swept on its own, in parallel, switching pixels on
// from the highest score down while union-find merges predicted regions (no
// region is ever relabelled from scratch). An image's sweep yields, per
// distinct score, the change of every integer or fixed-point sum; the images'
// changes are then merged in score order. All sums are exact integers, so the
// result does not depend on the number of workers or on the merge order.
package sweep

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
)

// Need selects what the sweep computes; it pays only for what is asked.
type Need uint8

const (
	NeedROC Need = 1 << iota // true and false positives on the exact grid
	NeedPRO                  // per-region overlap on the grid of Options.Grid
	NeedRC                   // region calibration on the grid of Options.Grid
	NeedAll = NeedROC | NeedPRO | NeedRC
)

// RCAverage says how RC averages region qualities.
type RCAverage int

const (
	// Pooled averages over all predicted regions of the category.
	Pooled RCAverage = iota
	// PerImage averages per image first, then over the images that have
	// predicted regions.
	PerImage
)

// String returns "pooled" or "image".
func (a RCAverage) String() string {
	if a == PerImage {
		return "image"
	}
	return "pooled"
}

// Options configure a sweep.
type Options struct {
	Grid         metric.Grid
	Connectivity connected.Connectivity
	// Tau and Delta are RC's overlap tolerance and excess tolerance.
	Tau, Delta float64
	RCAverage  RCAverage
	Need       Need
	// Workers is the number of images swept at once; 0 means GOMAXPROCS.
	Workers int
	// Visit, when set, receives every point in order instead of Result
	// storing them, which saves memory on large categories: points of the
	// exact grid with exact true (from the highest score down), then points of
	// the steps grid with exact false. The *Point is reused between calls.
	Visit func(exact bool, p *Point)
}

// Point is the state of the curves at one threshold.
type Point struct {
	Threshold float64
	TP, FP    int64
	PRO       float64 // when NeedPRO
	Regions   int64   // when NeedRC
	RC        float64 // when NeedRC
}

// Points are curve coordinates at descending thresholds.
type Points struct {
	// Threshold is descending. On the exact grid a pixel is positive when
	// score >= Threshold[k]; on the steps grid when score > Threshold[k].
	Threshold []float64
	// TP and FP count anomalous and normal pixels predicted positive.
	TP, FP []int64
	// PRO is the mean over ground-truth regions of the fraction of each region
	// predicted positive; nil unless NeedPRO.
	PRO []float64
	// Regions counts the predicted regions (pooled RC) or the images with a
	// predicted region (per-image RC); nil unless NeedRC.
	Regions []int64
	// RC is the region-calibrated score, 0 where Regions is 0; nil unless NeedRC.
	RC []float64
}

// Len returns the number of points.
func (p *Points) Len() int { return len(p.Threshold) }

// At returns point k.
func (p *Points) At(k int) Point {
	q := Point{Threshold: p.Threshold[k], TP: p.TP[k], FP: p.FP[k]}
	if p.PRO != nil {
		q.PRO = p.PRO[k]
	}
	if p.RC != nil {
		q.Regions, q.RC = p.Regions[k], p.RC[k]
	}
	return q
}

func (p *Points) append(q *Point, full bool, opts Options) {
	p.Threshold = append(p.Threshold, q.Threshold)
	p.TP = append(p.TP, q.TP)
	p.FP = append(p.FP, q.FP)
	if !full {
		return
	}
	if opts.Need&NeedPRO != 0 {
		p.PRO = append(p.PRO, q.PRO)
	}
	if opts.Need&NeedRC != 0 {
		p.Regions = append(p.Regions, q.Regions)
		p.RC = append(p.RC, q.RC)
	}
}

// Result is the outcome of a sweep over one category.
type Result struct {
	Grid metric.Grid
	// Positives and Negatives count the anomalous and normal pixels.
	Positives, Negatives int64
	// GTRegions counts the ground-truth regions of the category.
	GTRegions int64
	// Exact has one point per distinct score of the category. On the exact
	// grid it carries every curve; on the steps grid only TP and FP (ROC and PR
	// always use the exact grid), and only when NeedROC.
	Exact Points
	// Steps has one point per threshold of the steps grid (nil on the exact
	// grid, and empty when the category's scores are all equal).
	Steps *Points
}

// Curves returns the points of the PRO and RC curves: Steps on the steps
// grid, Exact otherwise.
func (r *Result) Curves() *Points {
	if r.Steps != nil {
		return r.Steps
	}
	return &r.Exact
}

// Pixels per image is capped so that per-image fixed-point sums fit in int64.
const maxImagePixels = 1 << 27

// PRO fractions and region qualities are summed in fixed point, value *
// 2^shift: exact integer sums make results independent of order. The shift is
// as large as the category's largest image allows while an image's sums (at
// most one unit per pixel) stay below 2^62: 46 bits for 256x256 maps, 44 for
// 512x512, 35 at the 2^27-pixel cap, and at most 52.
func fixedShift(maxPixels int) uint {
	b := uint(0)
	for (1 << b) < maxPixels {
		b++
	}
	return min(62-b, 52)
}

// Run sweeps the category. It returns an error for invalid input (a map that
// is not finite, sizes that do not match, an image over 2^27 pixels).
func Run(cat *metric.Category, opts Options) (*Result, error) {
	if err := cat.Validate(); err != nil {
		return nil, err
	}
	if opts.Need&(NeedPRO|NeedRC) != 0 && !opts.Connectivity.Valid() {
		return nil, fmt.Errorf("connectivity %d: want 4 or 8", opts.Connectivity)
	}
	for i := range cat.Images {
		if n := cat.Images[i].Width * cat.Images[i].Height; n > maxImagePixels {
			return nil, fmt.Errorf("%s: %d pixels; at most %d per image are supported", cat.Images[i].Name, n, maxImagePixels)
		}
	}
	res := &Result{Grid: opts.Grid}
	maxPixels := 1
	for i := range cat.Images {
		maxPixels = max(maxPixels, cat.Images[i].Width*cat.Images[i].Height)
	}
	shift := fixedShift(maxPixels)
	var thresholds []float32
	if !opts.Grid.IsExact() {
		lo, hi := scoreRange(cat)
		thresholds = metric.StepThresholds(lo, hi, opts.Grid.Steps)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(1, len(cat.Images)))

	outs := make([]imageOut, len(cat.Images))
	steps := make([]*levels, workers)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			s := &imageSweep{opts: opts, thresholds: thresholds, shift: shift, one: int64(1) << shift}
			if thresholds != nil && opts.Need&(NeedPRO|NeedRC) != 0 {
				steps[w] = newLevels(len(thresholds))
				s.levels = steps[w]
			}
			for i := range next {
				outs[i] = s.run(&cat.Images[i])
			}
		}(w)
	}
	for i := range cat.Images {
		next <- i
	}
	close(next)
	wg.Wait()

	for _, o := range outs {
		res.Positives += o.positives
		res.Negatives += o.negatives
		res.GTRegions += int64(o.gtRegions)
	}
	wantExactCurves := opts.Grid.IsExact() && opts.Need&(NeedPRO|NeedRC) != 0
	if opts.Need&NeedROC != 0 || wantExactCurves {
		visit := func(p *Point) { res.Exact.append(p, wantExactCurves, opts) }
		if opts.Visit != nil {
			visit = func(p *Point) { opts.Visit(true, p) }
		}
		merge(outs, shift, res.GTRegions, wantExactCurves, visit)
	}
	if !opts.Grid.IsExact() && opts.Need&(NeedPRO|NeedRC) != 0 {
		res.Steps = &Points{}
		visit := func(p *Point) { res.Steps.append(p, true, opts) }
		if opts.Visit != nil {
			visit = func(p *Point) { opts.Visit(false, p) }
		}
		stepPoints(thresholds, steps, shift, res.GTRegions, visit)
	}
	return res, nil
}

func scoreRange(cat *metric.Category) (lo, hi float32) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for i := range cat.Images {
		for _, v := range cat.Images[i].Scores {
			lo = min(lo, v)
			hi = max(hi, v)
		}
	}
	return lo, hi
}
