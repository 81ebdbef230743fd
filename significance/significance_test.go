package significance

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
)

func evaluateRun(t *testing.T, name string, cats []metric.Category, boot evaluate.Bootstrap) Run {
	t.Helper()
	s := metric.DefaultSettings
	s.Metrics = metric.SelectAll
	rep, err := evaluate.Dataset(context.Background(), evaluate.Categories(cats), s,
		evaluate.Options{PerImage: true, KeepReplicates: true, Bootstrap: boot})
	if err != nil {
		t.Fatal(err)
	}
	return Run{Name: name, Report: rep}
}

// boost returns the categories with their defects' scores raised: a
// model that clearly finds them.
func boost(cats []metric.Category, by float32) []metric.Category {
	out := make([]metric.Category, len(cats))
	for c := range cats {
		out[c] = metric.Category{Name: cats[c].Name, Images: slices.Clone(cats[c].Images)}
		for i := range out[c].Images {
			im := &out[c].Images[i]
			sc := slices.Clone(im.Scores)
			for p := range sc {
				if im.Mask != nil && im.Mask[p] {
					sc[p] += by
				}
			}
			im.Scores = sc
		}
	}
	return out
}

// degrade returns the categories with noise added to every map: a model
// that is clearly worse on the same images.
func degrade(cats []metric.Category, sigma float64) []metric.Category {
	r := rand.New(rand.NewPCG(42, 1))
	out := make([]metric.Category, len(cats))
	for c := range cats {
		out[c] = metric.Category{Name: cats[c].Name, Images: slices.Clone(cats[c].Images)}
		for i := range out[c].Images {
			im := &out[c].Images[i]
			sc := slices.Clone(im.Scores)
			for p := range sc {
				sc[p] += float32(sigma * r.NormFloat64())
			}
			im.Scores = sc
		}
	}
	return out
}

func find(t *testing.T, res *Result, a, b, category, metric, test string) Comparison {
	t.Helper()
	for _, c := range res.Comparisons {
		if c.A == a && c.B == b && c.Category == category && c.Metric == metric && c.Test == test {
			return c
		}
	}
	t.Fatalf("no comparison %s-%s %s %s %s", a, b, category, metric, test)
	return Comparison{}
}

// TestCompareSanity: a clearly better model wins with p < 0.01 in every
// test; a model compared with itself never differs (p = 1).
func TestCompareSanity(t *testing.T) {
	cats, err := synth.Categories(synth.Options{Categories: 2, Images: 60, Size: 96, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	boot := evaluate.Bootstrap{Replicates: 300, Confidence: 0.95, Seed: 9}
	good := evaluateRun(t, "good", boost(cats, 0.3), boot)
	same := evaluateRun(t, "same", boost(cats, 0.3), boot)
	bad := evaluateRun(t, "bad", degrade(cats, 0.3), boot)
	res, err := Compare([]Run{good, same, bad}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Comparisons) == 0 {
		t.Fatal("no comparison")
	}
	for _, c := range res.Comparisons {
		if c.A == "good" && c.B == "same" {
			if c.Significant || c.PValue.OK() && c.PValue.V != 1 || c.Diff.OK() && c.Diff.V != 0 {
				t.Errorf("a model against itself: %+v", c)
			}
		}
	}
	for _, k := range []struct{ metric, test string }{
		{"image.auroc", "delong"}, {"image.auroc", "bootstrap"}, {"pixel.auroc", "bootstrap"},
		{"pixel.aupro", "bootstrap"}, {"pixel.aupimo", "wilcoxon"}, {"pixel.aupimo", "bootstrap"},
	} {
		c := find(t, res, "good", "bad", "mean", k.metric, k.test)
		t.Logf("good - bad, mean %s %s: %.4f [%.4f, %.4f] p %.3g", k.metric, k.test, c.Diff.V, c.CILow.V, c.CIHigh.V, c.PValue.V)
		if !c.PValue.OK() || c.PValue.V >= 0.01 || !c.Diff.OK() || c.Diff.V <= 0 || !c.Significant {
			t.Errorf("good against bad, %s %s: diff %v, p %v (%v)", k.metric, k.test, c.Diff.V, c.PValue.V, c.PValue.Err)
		}
		if k.test != "wilcoxon" && (!c.CILow.OK() || c.CILow.V <= 0) {
			t.Errorf("good against bad, %s %s: interval [%v, %v] includes 0", k.metric, k.test, c.CILow.V, c.CIHigh.V)
		}
	}
	// Holm: within a family the adjusted p-values are at least the raw ones.
	for _, c := range res.Comparisons {
		if c.PValue.OK() && (!c.PHolm.OK() || c.PHolm.V < c.PValue.V) {
			t.Errorf("%+v: p_holm below p", c)
		}
	}
}

// TestCompareRefusesOtherImages: runs on other images, or bootstrapped
// with another seed, are not compared.
func TestCompareRefusesOtherImages(t *testing.T) {
	cats, err := synth.Categories(synth.Options{Categories: 1, Images: 12, Size: 32, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	boot := evaluate.Bootstrap{Replicates: 10, Confidence: 0.95, Seed: 9}
	a := evaluateRun(t, "a", cats, boot)
	fewer := []metric.Category{{Name: cats[0].Name, Images: cats[0].Images[:11]}}
	if _, err := Compare([]Run{a, evaluateRun(t, "b", fewer, boot)}, 0.95); err == nil {
		t.Error("other images: no error")
	}
	boot.Seed++
	if _, err := Compare([]Run{a, evaluateRun(t, "c", cats, boot)}, 0.95); err == nil {
		t.Error("another seed: no error")
	}
	if _, err := Compare([]Run{a}, 0.95); err == nil {
		t.Error("one run: no error")
	}
}
