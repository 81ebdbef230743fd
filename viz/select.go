package viz

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/resize"
)

// Criterion is how Select ranks a category's images.
type Criterion string

const (
	// MostAnomalous: anomalous images (by their ground truth), the highest
	// image score of the first run first: the defects that model finds
	// most clearly.
	MostAnomalous Criterion = "most-anomalous"
	// HardestNormal: normal images, the highest image score of the first
	// run first: its worst false alarms.
	HardestNormal Criterion = "hardest-normal"
	// Disagreement: every image, the largest mean absolute difference
	// between two runs' maps first, each map scaled by its run's lowest and
	// highest score in the category so that the runs' units do not matter.
	Disagreement Criterion = "disagreement"
)

// ParseCriterion reads a criterion's name.
func ParseCriterion(s string) (Criterion, error) {
	switch c := Criterion(s); c {
	case MostAnomalous, HardestNormal, Disagreement:
		return c, nil
	}
	return "", fmt.Errorf("image choice %q: want %s, %s or %s", s, MostAnomalous, HardestNormal, Disagreement)
}

// reason is how a row names the criterion that chose it.
func (c Criterion) reason() string { return strings.ReplaceAll(string(c), "-", " ") }

// Select chooses, in each category (sorted; only cats when not empty), n
// images by each criterion in turn, an image chosen once only. Disagreement
// compares runs a and b. It reads every map of the chosen categories
// (twice for Disagreement), a batch at a time, holding only a few numbers an
// image. Images are the keys every run has. Ties go to the lower key.
func Select(ctx context.Context, runs []Run, cats []string, criteria []Criterion, n, a, b int, lo load.Options) ([]Pick, error) {
	if len(runs) == 0 || n < 1 {
		return nil, fmt.Errorf("viz: select %d images from %d runs", n, len(runs))
	}
	for _, c := range criteria {
		if c == Disagreement && (a < 0 || b < 0 || a >= len(runs) || b >= len(runs) || a == b) {
			return nil, fmt.Errorf("viz: disagreement needs two different runs of %d, not %d and %d", len(runs), a, b)
		}
	}
	if len(cats) == 0 {
		cats = runs[0].Dataset.Categories
	}
	var picks []Pick
	for _, cat := range cats {
		keys := commonKeys(runs, cat)
		if len(keys) == 0 {
			return nil, fmt.Errorf("viz: no image of category %s has a map in every run", cat)
		}
		first, err := scanCategory(ctx, restrict(runs[0].Dataset, keys), cat, lo)
		if err != nil {
			return nil, err
		}
		chosen := map[string]bool{}
		for _, c := range criteria {
			var order []ranked
			switch c {
			case MostAnomalous, HardestNormal:
				for i, k := range keys {
					if first.anomalous[i] == (c == MostAnomalous) {
						order = append(order, ranked{k, first.scores[i]})
					}
				}
			case Disagreement:
				// Run 0's range is first's: scan a run only when it is
				// another.
				stats := func(r int) (*categoryStats, error) {
					if r == 0 {
						return first, nil
					}
					return scanCategory(ctx, restrict(runs[r].Dataset, keys), cat, lo)
				}
				sa, err := stats(a)
				if err != nil {
					return nil, err
				}
				sb, err := stats(b)
				if err != nil {
					return nil, err
				}
				d, err := disagreement(ctx, restrict(runs[a].Dataset, keys), restrict(runs[b].Dataset, keys), sa, sb, cat, lo)
				if err != nil {
					return nil, err
				}
				for i, k := range keys {
					order = append(order, ranked{k, d[i]})
				}
			}
			slices.SortStableFunc(order, func(x, y ranked) int { return cmp.Compare(y.v, x.v) })
			taken := 0
			for _, r := range order {
				if taken == n {
					break
				}
				if !chosen[r.key] {
					chosen[r.key] = true
					picks = append(picks, Pick{Key: r.key, Reason: c.reason()})
					taken++
				}
			}
		}
	}
	return picks, nil
}

type ranked struct {
	key string
	v   float64
}

// commonKeys returns the keys of category cat that every run has, sorted.
func commonKeys(runs []Run, cat string) []string {
	count := map[string]int{}
	for _, r := range runs {
		for _, e := range r.Dataset.Entries {
			if e.Category == cat {
				count[e.Key]++
			}
		}
	}
	var keys []string
	for k, c := range count {
		if c == len(runs) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// restrict returns ds with only the entries with the given keys (sorted),
// in key order.
func restrict(ds *dataset.Dataset, keys []string) *dataset.Dataset {
	out := &dataset.Dataset{Layout: ds.Layout}
	for _, e := range ds.Entries {
		if _, ok := slices.BinarySearch(keys, e.Key); ok {
			out.Entries = append(out.Entries, e)
		}
	}
	slices.SortFunc(out.Entries, func(a, b dataset.Entry) int {
		return cmp.Or(cmp.Compare(a.Category, b.Category), cmp.Compare(a.Key, b.Key))
	})
	for _, e := range out.Entries {
		if !slices.Contains(out.Categories, e.Category) {
			out.Categories = append(out.Categories, e.Category)
		}
	}
	return out
}

// categoryStats are a category's numbers for Select and the per-category
// scale, in entry order.
type categoryStats struct {
	lo, hi    float64 // lowest and highest score of every map
	scores    []float64
	anomalous []bool
}

// batch is how many images are read at once.
const batch = 16

// eachBatch reads category cat of ds in batches.
func eachBatch(ctx context.Context, ds *dataset.Dataset, cat string, lo load.Options, fn func(ims []metric.Image) error) error {
	src := load.Maps(ds, nil, lo)
	c, n := categoryIndex(src, cat)
	for i := 0; i < n; i += batch {
		ims, err := src.Read(ctx, c, i, min(i+batch, n))
		if err != nil {
			return err
		}
		for k := range ims {
			if err := ims[k].Validate(); err != nil {
				return err
			}
		}
		if err := fn(ims); err != nil {
			return err
		}
	}
	return nil
}

// scanCategory reads every map of category cat of ds.
func scanCategory(ctx context.Context, ds *dataset.Dataset, cat string, lo load.Options) (*categoryStats, error) {
	st := &categoryStats{lo: math.Inf(1), hi: math.Inf(-1)}
	err := eachBatch(ctx, ds, cat, lo, func(ims []metric.Image) error {
		for i := range ims {
			l, h := extent(ims[i].Scores)
			st.lo, st.hi = math.Min(st.lo, l), math.Max(st.hi, h)
			st.scores = append(st.scores, ims[i].ImageScore())
			st.anomalous = append(st.anomalous, ims[i].Anomalous())
		}
		return nil
	})
	return st, err
}

// disagreement returns, per image of category cat (the same keys in a and
// b), the mean absolute difference of the two runs' maps, each scaled to
// [0, 1] by its run's range in the category (sa and sb, scanCategory's of a
// and b; b's map resized to a's grid where they differ). The two runs' maps
// are read a batch of each at a time.
func disagreement(ctx context.Context, a, b *dataset.Dataset, sa, sb *categoryStats, cat string, lo load.Options) ([]float64, error) {
	scale := func(v float32, s *categoryStats) float64 {
		if s.hi == s.lo {
			return 0
		}
		return (float64(v) - s.lo) / (s.hi - s.lo)
	}
	srcA, srcB := load.Maps(a, nil, lo), load.Maps(b, nil, lo)
	ca, n := categoryIndex(srcA, cat)
	cb, nb := categoryIndex(srcB, cat)
	if n != nb {
		return nil, fmt.Errorf("viz: category %s has %d images in one run, %d in the other", cat, n, nb)
	}
	out := make([]float64, 0, n)
	for i := 0; i < n; i += batch {
		ia, err := srcA.Read(ctx, ca, i, min(i+batch, n))
		if err != nil {
			return nil, err
		}
		ib, err := srcB.Read(ctx, cb, i, min(i+batch, n))
		if err != nil {
			return nil, err
		}
		for k := range ia {
			x, y := &ia[k], &ib[k]
			if err := x.Validate(); err != nil {
				return nil, err
			}
			if err := y.Validate(); err != nil {
				return nil, err
			}
			ys := y.Scores
			if x.Width != y.Width || x.Height != y.Height {
				ys = resize.Bilinear(ys, y.Width, y.Height, x.Width, x.Height)
			}
			var sum float64
			for p, v := range x.Scores {
				sum += math.Abs(scale(v, sa) - scale(ys[p], sb))
			}
			out = append(out, sum/float64(len(x.Scores)))
		}
	}
	return out, nil
}

// categoryIndex returns the index of category cat in src and its number of
// images (-1, 0 when src lacks it).
func categoryIndex(src *load.Source, cat string) (int, int) {
	for c, info := range src.Categories() {
		if info.Name == cat {
			return c, info.Images
		}
	}
	return -1, 0
}
