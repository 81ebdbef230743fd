package evaluate

import (
	"fmt"
	"math"
	"runtime"

	"github.com/zsadbench/zsadbench/internal/aupimo"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/internal/sweep"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/pimo"
	"github.com/zsadbench/zsadbench/roc"
	"github.com/zsadbench/zsadbench/stats"
)

// Bootstrap configures bootstrap intervals (docs/METRICS.md, "Statistics:
// confidence intervals and paired comparisons"): each category's images
// are resampled with replacement within each label, every metric is
// computed on each replicate exactly as on the data, and the interval is
// the replicates' percentile interval.
//
// A replicate never sorts, labels or sweeps a pixel again: on the exact
// grid each image's contribution to every pixel curve is kept per bucket
// of the sparse grid (internal/sweep's Record), and a replicate is a
// weighted sum of those and one pass over the category's buckets; image
// metrics re-rank the images' scores; AUPIMO reuses the images' summaries.
// The steps grid has no such path (its thresholds depend on the
// replicate's score range): each replicate's AUPRO and RCPRO are then
// computed by evaluating the replicate again, which is slow.
type Bootstrap struct {
	// Replicates is the number of replicates B; 0 means no bootstrap.
	Replicates int `json:"replicates"`
	// Confidence is the intervals' level, in (0, 1).
	Confidence float64 `json:"confidence"`
	// Seed fixes the resamples: the same seed gives the same resamples of
	// the same images (the same labels, in the same order), whatever the
	// model and the number of workers.
	Seed uint64 `json:"seed"`
}

// DefaultConfidence is the intervals' default level.
const DefaultConfidence = 0.95

// MaxReplicates is the most bootstrap replicates.
const MaxReplicates = 1 << 20

// Validate checks the configuration; a problem is a *metric.SettingError.
func (b Bootstrap) Validate() error {
	switch {
	case b.Replicates < 0 || b.Replicates > MaxReplicates:
		return &metric.SettingError{Name: "bootstrap", Value: fmt.Sprint(b.Replicates), Want: fmt.Sprintf("0 (none) or a number of replicates up to %d", MaxReplicates)}
	case b.Replicates > 0 && !(b.Confidence > 0 && b.Confidence < 1):
		return &metric.SettingError{Name: "confidence", Value: fmt.Sprint(b.Confidence), Want: "a level in (0, 1)"}
	}
	return nil
}

// bootstrap computes the category's replicates (rep.Replicates) and
// intervals, after Finish, from the images that were added.
func (st *stream) bootstrap(images []metric.Image) error {
	b := st.o.Bootstrap
	class := make([]int, len(images))
	for i, a := range st.labels {
		if a {
			class[i] = 1
		}
	}
	draws := stats.NewResampler(b.Seed, uint64(st.o.category), class)
	weights := make([][]int32, b.Replicates)
	for r := range weights {
		weights[r] = make([]int32, len(images))
		draws.Next(weights[r])
	}
	rp, err := newReplicator(st, images)
	if err != nil {
		return err
	}
	reps := make([]Metrics, b.Replicates)
	err = parallel.Do(len(reps), rp.workers, func(w, r int) error {
		var err error
		reps[r], err = rp.replicate(w, weights[r])
		return err
	})
	if err != nil {
		return err
	}
	st.rep.Replicates = reps
	var warnings []string
	st.rep.CILow, st.rep.CIHigh, warnings = intervals(reps, st.s.Metrics, b.Confidence, st.name)
	if rp.naive {
		warnings = append(warnings, fmt.Sprintf("%s: the steps grid has no fast bootstrap: each replicate's AUPRO and RCPRO were computed by evaluating it again", st.name))
	}
	st.rep.Warnings = append(st.rep.Warnings, warnings...)
	return nil
}

// intervals returns the percentile intervals of the selected metrics over
// the replicates, and a warning for each metric that some replicates leave
// undefined.
func intervals(reps []Metrics, sel metric.Selection, c float64, name string) (lo, hi *Metrics, warnings []string) {
	l, h := notComputedMetrics(), notComputedMetrics()
	values := make([]float64, len(reps))
	for _, f := range Fields {
		if !sel.Has(f.Select) {
			continue
		}
		for r := range reps {
			values[r] = math.NaN()
			if v := f.Get(&reps[r]); v.OK() {
				values[r] = v.V
			}
		}
		a, b, n, ok := stats.PercentileInterval(values, c)
		if !ok {
			*f.Get(&l) = metric.NoValue(f.Name+" interval", "undefined in every bootstrap replicate")
			*f.Get(&h) = *f.Get(&l)
			continue
		}
		*f.Get(&l), *f.Get(&h) = metric.Defined(a), metric.Defined(b)
		if n < len(reps) {
			warnings = append(warnings, fmt.Sprintf("%s: %s is undefined in %d of %d bootstrap replicates; its interval is over the other %d",
				name, f.Name, len(reps)-n, len(reps), n))
		}
	}
	return &l, &h, warnings
}

// replicator computes replicates of one category.
type replicator struct {
	st      *stream
	images  []metric.Image
	region  metric.Selection // the pixel metrics of the sweep: pixel, AUPRO, RCPRO
	sums    *sweep.Replicates
	bufs    []sweep.ReplicateBuffers // one per worker
	naive   bool                     // the pixel metrics are evaluated again per replicate
	workers int
	pimo    *aupimo.Set
}

func newReplicator(st *stream, images []metric.Image) (*replicator, error) {
	workers := st.s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rp := &replicator{st: st, images: images, workers: workers}
	if st.s.Metrics&metric.SelectAUPIMO != 0 {
		rp.pimo = aupimo.NewSet(st.pimo)
	}
	rp.region = st.s.Metrics & (metric.SelectPixel | metric.SelectAUPRO | metric.SelectRCPRO)
	if rp.region == 0 {
		return rp, nil
	}
	if st.s.Thresholds.IsExact() {
		need := sweep.NeedROC | sweep.NeedPRO
		if rp.region&metric.SelectRCPRO != 0 {
			need |= sweep.NeedRC
		}
		opts := sweep.Options{Settings: st.s, Need: need, Sparse: true, Record: true,
			Fold: func(*sweep.Point) func([]sweep.Point) { return func([]sweep.Point) {} }}
		res, err := sweep.Run(&metric.Category{Name: st.name, Images: images}, opts)
		if err != nil {
			return nil, err
		}
		rp.sums = res.Replicates
		rp.bufs = make([]sweep.ReplicateBuffers, workers)
	}
	// No record (the steps grid, or a category too dense for the sparse
	// grid): evaluate each replicate's pixel metrics again.
	rp.naive = rp.sums == nil
	return rp, nil
}

// replicate returns the metrics of the replicate with these weights
// (worker w's buffers).
func (rp *replicator) replicate(w int, weights []int32) (Metrics, error) {
	st, s := rp.st, rp.st.s
	m := notComputedMetrics()
	if s.Metrics&metric.SelectImage != 0 {
		var scores []float64
		var labels []bool
		for i, n := range weights {
			for range n {
				scores = append(scores, st.scores[i])
				labels = append(labels, st.labels[i])
			}
		}
		c := roc.FromScores(scores, labels)
		m.Image = ImageMetrics{c.AUROC(), c.AP(), c.F1Max()}
	}
	if s.Metrics&metric.SelectAUPIMO != 0 {
		p := pimo.FromSummary(rp.pimo.Compute(weights, s.PIMOThresholds), weights)
		m.Pixel.AUPIMO, m.Pixel.AUPIMOStd = p.Mean, p.Std
	}
	switch {
	case rp.region == 0:
	case rp.naive:
		if err := rp.again(weights, &m); err != nil {
			return m, err
		}
	default:
		if err := rp.fast(w, weights, &m); err != nil {
			return m, err
		}
	}
	return m, nil
}

// fast folds the replicate's pixel curves from the images' recorded sums.
func (rp *replicator) fast(w int, weights []int32, m *Metrics) error {
	s := rp.st.s
	t := rp.sums.Totals(weights)
	params := foldParams{s: s, positives: t.Positives, pixels: t.Positives + t.Negatives}
	withPixel := s.Metrics&metric.SelectPixel != 0
	folds := &stretchFolds{start: func(prev *sweep.Point) *exactFold { return params.fold(prev, withPixel, true) }}
	c, err := rp.sums.Scan(weights, &rp.bufs[w], folds.fold)
	if err != nil {
		return err
	}
	f := folds.merged()
	if withPixel {
		m.Pixel.AUROC, m.Pixel.AP, m.Pixel.F1Max = f.pixel.AUROC(), f.pixel.AP(), f.pixel.F1Max()
	}
	if f.aupro != nil {
		m.Pixel.AUPRO = f.aupro.AUPRO(c.GTRegions, c.Negatives)
	}
	if f.rc != nil {
		m.Pixel.RCPRO = f.rc.RCPRO(c.GTRegions)
	}
	return nil
}

// again evaluates the replicate's pixel metrics on its images.
func (rp *replicator) again(weights []int32, m *Metrics) error {
	cat := Resample(&metric.Category{Name: rp.st.name, Images: rp.images}, weights)
	s := rp.st.s
	s.Metrics = rp.region
	s.Workers = 1 // the replicates run in parallel
	r, err := Category(cat, s, Options{})
	if err != nil {
		return err
	}
	px := r.Pixel
	m.Pixel.AUROC, m.Pixel.AP, m.Pixel.F1Max, m.Pixel.AUPRO, m.Pixel.RCPRO = px.AUROC, px.AP, px.F1Max, px.AUPRO, px.RCPRO
	return nil
}

// Resample returns the bootstrap replicate of cat that has weights[i]
// copies of image i, in image order (the copies share the images' pixels).
func Resample(cat *metric.Category, weights []int32) *metric.Category {
	out := &metric.Category{Name: cat.Name}
	for i, n := range weights {
		for range n {
			out.Images = append(out.Images, cat.Images[i])
		}
	}
	return out
}

// MeanReplicates returns the b bootstrap replicates of the mean over
// categories (reports made with Options.KeepReplicates): for each replicate
// and metric, the mean of the categories' values where defined.
func MeanReplicates(cats []*CategoryReport, b int) []Metrics {
	out := make([]Metrics, b)
	for r := range out {
		out[r] = notComputedMetrics()
		for _, f := range Fields {
			sum, n := 0.0, 0
			for _, c := range cats {
				if r < len(c.Replicates) {
					if v := f.Get(&c.Replicates[r]); v.OK() {
						sum += v.V
						n++
					}
				}
			}
			if n > 0 {
				*f.Get(&out[r]) = metric.Defined(sum / float64(n))
			} else {
				*f.Get(&out[r]) = metric.NoValue("mean "+f.Name, "undefined in every category")
			}
		}
	}
	return out
}
