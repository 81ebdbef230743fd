package sweep

import (
	"math/rand/v2"
	"testing"

	"github.com/zsadbench/zsadbench/metric"
)

// TestExactROCInBatches reads a category in batches far smaller than it and
// checks every point against the in-memory sweep.
func TestExactROCInBatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for trial := 0; trial < 40; trial++ {
		cat := randomCategory(rng)
		want, err := Run(cat, Options{Settings: metric.Settings{Workers: 1}, Need: NeedROC})
		if err != nil {
			t.Fatal(err)
		}
		each := func(fn func([]metric.Image) error) error {
			for i := range cat.Images {
				if err := fn(cat.Images[i : i+1]); err != nil {
					return err
				}
			}
			return nil
		}
		var got Points
		pos, neg, err := ExactROC(each, 1+rng.IntN(40), 2, func(pts []Point) {
			for i := range pts {
				got.append(&pts[i], false, Options{})
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if pos != want.Positives || neg != want.Negatives || got.Len() != want.Exact.Len() {
			t.Fatalf("trial %d: %d/%d pixels, %d points; want %d/%d, %d", trial, pos, neg, got.Len(), want.Positives, want.Negatives, want.Exact.Len())
		}
		for k := range got.Threshold {
			if got.At(k) != want.Exact.At(k) {
				t.Fatalf("trial %d point %d: %+v, want %+v", trial, k, got.At(k), want.Exact.At(k))
			}
		}
	}
}
