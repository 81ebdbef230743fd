package pro_test

import (
	"fmt"

	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/pro"
)

// The worked example of METRICS.md.
func ExampleCompute() {
	cat := &metric.Category{Name: "example", Images: []metric.Image{{
		Name: "img", Width: 8, Height: 1,
		Scores: []float32{0.9, 0.5, 0.3, 0.8, 0.1, 0.2, 0.4, 0.7},
		Mask:   []bool{true, true, false, false, false, false, true, false},
	}}}
	res, err := pro.Compute(cat, metric.DefaultSettings)
	if err != nil {
		panic(err)
	}
	fmt.Printf("AUPRO@0.3 = %.4f over %d curve points\n", res.AUPRO.V, res.Curve.Len())
	// Output: AUPRO@0.3 = 0.2500 over 9 curve points
}
