// Package significance compares runs of models evaluated on the same
// images, as docs/METRICS.md defines it ("Statistics: confidence intervals
// and paired comparisons"): for each pair of runs, each category and the
// mean, and each metric, the difference a - b with a paired bootstrap
// interval and p-value (the same resamples for both runs), DeLong's test
// for image AUROC, Wilcoxon's signed-rank test on per-image AUPIMO, and
// Holm's correction across categories.
//
// It works on evaluate.Reports made with Options.PerImage (DeLong and
// Wilcoxon read the per-image records), Options.KeepReplicates and the same
// Options.Bootstrap (the bootstrap test reads the replicates); it knows
// nothing of files or flags. A comparison table command (zsadbench
// compare) can take its Comparisons as they are.
package significance

import (
	"fmt"
	"math"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/stats"
)

// Run is one model's evaluation of the dataset.
type Run struct {
	Name   string
	Report *evaluate.Report
}

// Comparison is one test of one metric between runs A and B on one
// category (or "mean").
type Comparison struct {
	A        string `json:"a"`
	B        string `json:"b"`
	Category string `json:"category"`
	// Metric is the metric's JSON path ("image.auroc", "pixel.aupimo").
	Metric string `json:"metric"`
	// Test is "bootstrap", "delong" or "wilcoxon".
	Test string `json:"test"`
	// Diff is A's value minus B's (for wilcoxon, of the mean AUPIMO).
	Diff metric.Value `json:"diff"`
	// CILow and CIHigh bound Diff's interval (none for wilcoxon).
	CILow  metric.Value `json:"ci_low"`
	CIHigh metric.Value `json:"ci_high"`
	// PValue is the two-sided p-value and PHolm its Holm adjustment over
	// the categories (the mean row is its own family).
	PValue metric.Value `json:"p_value"`
	PHolm  metric.Value `json:"p_holm"`
	// Significant: PHolm < 1 - Confidence.
	Significant bool `json:"significant"`
}

// Result is every comparison of a set of runs.
type Result struct {
	Runs        []string     `json:"runs"`
	Confidence  float64      `json:"confidence"`
	Comparisons []Comparison `json:"comparisons"`
	Warnings    []string     `json:"warnings"`
}

// Compare compares every pair of runs (in order: a is the earlier run).
// The runs must cover the same categories and images (keys and labels) and,
// for the bootstrap test, share their bootstrap; confidence in (0, 1) sets
// the intervals and the significance level 1 - confidence. Runs that
// differ are an error.
func Compare(runs []Run, confidence float64) (*Result, error) {
	if len(runs) < 2 {
		return nil, fmt.Errorf("comparing runs needs two or more, got %d", len(runs))
	}
	if !(confidence > 0 && confidence < 1) {
		return nil, fmt.Errorf("confidence %v: want a level in (0, 1)", confidence)
	}
	if err := sameImages(runs); err != nil {
		return nil, err
	}
	res := &Result{Confidence: confidence, Comparisons: []Comparison{}, Warnings: []string{}}
	for _, r := range runs {
		res.Runs = append(res.Runs, r.Name)
	}
	for i := range runs {
		for j := i + 1; j < len(runs); j++ {
			cs, w := comparePair(&runs[i], &runs[j], confidence)
			res.Comparisons = append(res.Comparisons, cs...)
			res.Warnings = append(res.Warnings, w...)
		}
	}
	return res, nil
}

// sameImages checks that the runs evaluated the same images the same way.
func sameImages(runs []Run) error {
	a := runs[0].Report
	for _, r := range runs[1:] {
		b := r.Report
		if len(a.Categories) != len(b.Categories) {
			return fmt.Errorf("runs %s and %s have %d and %d categories", runs[0].Name, r.Name, len(a.Categories), len(b.Categories))
		}
		if (a.Settings.Bootstrap == nil) != (b.Settings.Bootstrap == nil) ||
			a.Settings.Bootstrap != nil && (a.Settings.Bootstrap.Replicates != b.Settings.Bootstrap.Replicates || a.Settings.Bootstrap.Seed != b.Settings.Bootstrap.Seed) {
			return fmt.Errorf("runs %s and %s were not bootstrapped alike (replicates and seed must match)", runs[0].Name, r.Name)
		}
		for c := range a.Categories {
			ca, cb := a.Categories[c], b.Categories[c]
			if ca.Name != cb.Name || len(ca.Records) != len(cb.Records) {
				return fmt.Errorf("runs %s and %s differ in category %d (%s with %d images, %s with %d)", runs[0].Name, r.Name, c, ca.Name, len(ca.Records), cb.Name, len(cb.Records))
			}
			for i := range ca.Records {
				ra, rb := &ca.Records[i], &cb.Records[i]
				if ra.Key != rb.Key || ra.Label != rb.Label {
					return fmt.Errorf("runs %s and %s differ in %s image %d: %s (%s) and %s (%s)", runs[0].Name, r.Name, ca.Name, i, ra.Key, ra.Label, rb.Key, rb.Label)
				}
			}
		}
	}
	return nil
}

var none = metric.NoValue("comparison", "undefined")

// undecided is a comparison of the metric path on category by test with
// every value undefined, for the test to fill in.
func undecided(category, path, test string) Comparison {
	return Comparison{Category: category, Metric: path, Test: test, Diff: none, CILow: none, CIHigh: none, PValue: none, PHolm: none}
}

// comparePair compares runs a and b.
func comparePair(a, b *Run, conf float64) ([]Comparison, []string) {
	ra, rb := a.Report, b.Report
	sel := ra.Settings.Metrics & rb.Settings.Metrics
	var out []Comparison
	var warnings []string
	add := func(c Comparison) {
		c.A, c.B = a.Name, b.Name
		out = append(out, c)
	}
	boot := ra.Settings.Bootstrap != nil && ra.Settings.Bootstrap.Replicates > 0
	var meanA, meanB []evaluate.Metrics
	if boot {
		meanA = evaluate.MeanReplicates(ra.Categories, ra.Settings.Bootstrap.Replicates)
		meanB = evaluate.MeanReplicates(rb.Categories, ra.Settings.Bootstrap.Replicates)
	}
	for _, f := range evaluate.Fields {
		if !sel.Has(f.Select) || f.Name == "pixel.aupimo_std" {
			continue
		}
		if boot {
			for c := range ra.Categories {
				ca, cb := ra.Categories[c], rb.Categories[c]
				if len(ca.Replicates) == 0 || len(cb.Replicates) == 0 {
					warnings = append(warnings, fmt.Sprintf("%s: no bootstrap replicates kept; no bootstrap test", ca.Name))
					continue
				}
				add(bootstrapTest(ca.Name, f, metricsOf(ca.Image, ca.Pixel), metricsOf(cb.Image, cb.Pixel), ca.Replicates, cb.Replicates, conf))
			}
			add(bootstrapTest("mean", f, metricsOf(ra.Mean.Image, ra.Mean.Pixel), metricsOf(rb.Mean.Image, rb.Mean.Pixel), meanA, meanB, conf))
		}
		switch f.Name {
		case "image.auroc":
			cs, w := delongTests(ra, rb, conf)
			for _, c := range cs {
				add(c)
			}
			warnings = append(warnings, w...)
		case "pixel.aupimo":
			for _, c := range wilcoxonTests(ra, rb) {
				add(c)
			}
		}
	}
	holm(out, conf)
	return out, warnings
}

func metricsOf(im evaluate.ImageMetrics, px evaluate.PixelMetrics) evaluate.Metrics {
	return evaluate.Metrics{Image: im, Pixel: px}
}

// bootstrapTest is the paired bootstrap of one metric.
func bootstrapTest(category string, f evaluate.Field, a, b evaluate.Metrics, ra, rb []evaluate.Metrics, conf float64) Comparison {
	c := undecided(category, f.Name, "bootstrap")
	if va, vb := *f.Get(&a), *f.Get(&b); va.OK() && vb.OK() {
		c.Diff = metric.Defined(va.V - vb.V)
	}
	d := make([]float64, min(len(ra), len(rb)))
	for r := range d {
		d[r] = math.NaN()
		if va, vb := *f.Get(&ra[r]), *f.Get(&rb[r]); va.OK() && vb.OK() {
			d[r] = va.V - vb.V
		}
	}
	if lo, hi, _, ok := stats.PercentileInterval(d, conf); ok {
		c.CILow, c.CIHigh = metric.Defined(lo), metric.Defined(hi)
	}
	if p, ok := stats.BootstrapP(d); ok && c.Diff.OK() {
		c.PValue = metric.Defined(p)
	}
	return c
}

// delongTests is DeLong's test of image AUROC per category, and of the
// mean over categories (independent samples: the variances add).
func delongTests(a, b *evaluate.Report, conf float64) ([]Comparison, []string) {
	var out []Comparison
	var warnings []string
	var sumDiff, sumVar float64
	k := 0
	for c := range a.Categories {
		ca, cb := a.Categories[c], b.Categories[c]
		cmp := undecided(ca.Name, "image.auroc", "delong")
		pos := make([]bool, len(ca.Records))
		sa, sb := make([]float64, len(pos)), make([]float64, len(pos))
		for i := range ca.Records {
			pos[i] = ca.Records[i].Label == "anomalous"
			sa[i], sb[i] = ca.Records[i].ImageScore, cb.Records[i].ImageScore
		}
		d, err := stats.DeLongTest(pos, sa, sb)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: %v", ca.Name, err))
			out = append(out, cmp)
			continue
		}
		lo, hi := d.Interval(conf)
		cmp.Diff, cmp.CILow, cmp.CIHigh, cmp.PValue = metric.Defined(d.Diff), metric.Defined(lo), metric.Defined(hi), metric.Defined(d.P)
		out = append(out, cmp)
		sumDiff += d.Diff
		sumVar += d.Var
		k++
	}
	mean := undecided("mean", "image.auroc", "delong")
	if k > 0 {
		d := stats.DeLong{Diff: sumDiff / float64(k), Var: sumVar / float64(k*k)}
		d.Z, d.P = stats.ZTest(d.Diff, d.Var)
		lo, hi := d.Interval(conf)
		mean.Diff, mean.CILow, mean.CIHigh, mean.PValue = metric.Defined(d.Diff), metric.Defined(lo), metric.Defined(hi), metric.Defined(d.P)
	}
	return append(out, mean), warnings
}

// wilcoxonTests is Wilcoxon's test on the anomalous images' AUPIMO per
// category, and on every category's images pooled for the mean.
func wilcoxonTests(a, b *evaluate.Report) []Comparison {
	var out []Comparison
	var all []float64
	var sumA, sumB float64
	var nAll int
	test := func(category string, d []float64, ma, mb float64, n int) Comparison {
		c := undecided(category, "pixel.aupimo", "wilcoxon")
		if n == 0 {
			return c
		}
		c.Diff = metric.Defined(ma/float64(n) - mb/float64(n))
		c.PValue = metric.Defined(stats.WilcoxonTest(d, stats.AUPIMOTolerance).P)
		return c
	}
	for c := range a.Categories {
		ca, cb := a.Categories[c], b.Categories[c]
		var d []float64
		var ma, mb float64
		for i := range ca.Records {
			va, vb := ca.Records[i].AUPIMO, cb.Records[i].AUPIMO
			if va.OK() && vb.OK() {
				d = append(d, va.V-vb.V)
				ma += va.V
				mb += vb.V
			}
		}
		out = append(out, test(ca.Name, d, ma, mb, len(d)))
		all = append(all, d...)
		sumA, sumB, nAll = sumA+ma, sumB+mb, nAll+len(d)
	}
	return append(out, test("mean", all, sumA, sumB, nAll))
}

// holm sets PHolm within each (metric, test) over the categories (the mean
// is its own family), and Significant.
func holm(cs []Comparison, conf float64) {
	type family struct{ metric, test string }
	groups := map[family][]int{}
	var order []family
	for i := range cs {
		if cs[i].Category == "mean" {
			cs[i].PHolm = cs[i].PValue
			continue
		}
		f := family{cs[i].Metric, cs[i].Test}
		if _, ok := groups[f]; !ok {
			order = append(order, f)
		}
		groups[f] = append(groups[f], i)
	}
	for _, f := range order {
		idx := groups[f]
		p := make([]float64, len(idx))
		for k, i := range idx {
			p[k] = math.NaN()
			if cs[i].PValue.OK() {
				p[k] = cs[i].PValue.V
			}
		}
		for k, v := range stats.Holm(p) {
			if !math.IsNaN(v) {
				cs[idx[k]].PHolm = metric.Defined(v)
			}
		}
	}
	for i := range cs {
		cs[i].Significant = cs[i].PHolm.OK() && cs[i].PHolm.V < 1-conf
	}
}
