package evaluate

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/zsadbench/zsadbench/internal/golden"
	"github.com/zsadbench/zsadbench/metric"
)

// TestRecordsGolden compares the per-image records with the independent
// Python reference (testdata/golden/generate_stats.py), which relabels
// every image's predicted regions from scratch at both thresholds.
func TestRecordsGolden(t *testing.T) {
	paths, err := filepath.Glob("../testdata/golden/stats/records_*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no records case: %v", err)
	}
	for _, path := range paths {
		var gc golden.RecordsCase
		if err := golden.LoadJSON(path, &gc); err != nil {
			t.Fatal(err)
		}
		t.Run(gc.Name, func(t *testing.T) {
			cat, err := gc.Category()
			if err != nil {
				t.Fatal(err)
			}
			s, err := gc.Settings()
			if err != nil {
				t.Fatal(err)
			}
			for _, sel := range []metric.Selection{metric.SelectAll, metric.SelectImage} { // with and without the pixel metrics
				s.Metrics = sel
				rep, err := Category(cat, s, Options{PerImage: true})
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.Records) != len(gc.Expected.Records) {
					t.Fatalf("%d records, want %d", len(rep.Records), len(gc.Expected.Records))
				}
				for i, want := range gc.Expected.Records {
					got := rep.Records[i]
					if got.Key != want.Name || got.Label != want.Label || got.GTRegions != want.GTRegions ||
						got.GTPixels != int64(want.GTPixels) || got.Pixels != int64(want.Pixels) ||
						got.MapMax != want.MapMax || got.ImageScore != want.ImageScore {
						t.Errorf("record %d: %+v, want %+v", i, got, want)
					}
					checkValue(t, want.Name+" threshold_f1", got.AtF1.Threshold, &gc.Expected.TF1)
					checkValue(t, want.Name+" threshold_fpr_limit", got.AtFPRLimit.Threshold, &gc.Expected.TFPRLimit)
					checkValue(t, want.Name+" fpr_at_f1", got.AtF1.FPR, want.FPRAtF1)
					checkValue(t, want.Name+" pro_at_f1", got.AtF1.PRO, want.PROAtF1)
					checkValue(t, want.Name+" rc_at_f1", got.AtF1.RC, want.RCAtF1)
					checkValue(t, want.Name+" fpr_at_fpr_limit", got.AtFPRLimit.FPR, want.FPRAtFPRLimit)
					checkValue(t, want.Name+" pro_at_fpr_limit", got.AtFPRLimit.PRO, want.PROAtFPRLimit)
					checkValue(t, want.Name+" rc_at_fpr_limit", got.AtFPRLimit.RC, want.RCAtFPRLimit)
				}
			}
		})
	}
}

func checkValue(t *testing.T, what string, got metric.Value, want *float64) {
	t.Helper()
	switch {
	case want == nil && got.OK():
		t.Errorf("%s = %v, want none", what, got.V)
	case want != nil && !got.OK():
		t.Errorf("%s undefined (%v), want %v", what, got.Err, *want)
	case want != nil && math.Abs(got.V-*want) > 1e-12:
		t.Errorf("%s = %.17g, want %.17g", what, got.V, *want)
	}
}
