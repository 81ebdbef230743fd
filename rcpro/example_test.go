package rcpro_test

import (
	"fmt"

	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/rcpro"
)

// The worked example of METRICS.md: one 1x8 image with two ground-truth
// regions.
func ExampleCompute() {
	cat := &metric.Category{Name: "example", Images: []metric.Image{{
		Name: "img", Width: 8, Height: 1,
		Scores: []float32{0.9, 0.5, 0.3, 0.8, 0.1, 0.2, 0.4, 0.7},
		Mask:   []bool{true, true, false, false, false, false, true, false},
	}}}
	res, err := rcpro.Compute(cat, metric.DefaultSettings)
	if err != nil {
		panic(err)
	}
	fmt.Printf("RCPRO = %.6f\n", res.RCPRO.V)
	for k := range res.Curve.X {
		fmt.Printf("t=%v PRO=%.2f RC=%.4f\n", res.Curve.Threshold[k], res.Curve.X[k], res.Curve.Y[k])
	}
	// Output:
	// RCPRO = 0.583333
	// t=+Inf PRO=0.00 RC=1.0000
	// t=0.8999999761581421 PRO=0.25 RC=1.0000
	// t=0.800000011920929 PRO=0.25 RC=0.5000
	// t=0.699999988079071 PRO=0.25 RC=0.3333
	// t=0.5 PRO=0.50 RC=0.3333
	// t=0.4000000059604645 PRO=1.00 RC=0.6667
	// t=0.30000001192092896 PRO=1.00 RC=1.0000
	// t=0.20000000298023224 PRO=1.00 RC=1.0000
	// t=0.10000000149011612 PRO=1.00 RC=0.6667
}
