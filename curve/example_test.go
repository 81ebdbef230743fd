package curve_test

import (
	"fmt"
	"math"

	"github.com/zsadbench/zsadbench/curve"
)

// A ROC curve of a million points, as a category's pixels give it, thinned
// for its file: under a hundred points stay, and the AUROC read back from
// them matches the full curve's to the tolerance.
func ExampleSimplify() {
	var roc curve.Curve
	roc.Append(math.Inf(1), 0, 0)
	const n = 1_000_000
	for i := 1; i <= n; i++ {
		fpr := float64(i) / n
		roc.Append(1-fpr, fpr, math.Sqrt(fpr)) // a concave ROC curve
	}
	thin := curve.Simplify(roc, curve.PixelROC, curve.DefaultTolerance, curve.Rule{})
	full, _ := curve.Area(roc, curve.PixelROC, curve.Rule{})
	kept, _ := curve.Area(thin, curve.PixelROC, curve.Rule{})
	fmt.Printf("%d points -> %d\n", roc.Len(), thin.Len())
	fmt.Printf("AUROC %.6f from every point; from the kept ones within %g: %v\n", full, curve.DefaultTolerance, math.Abs(kept-full) <= curve.DefaultTolerance)
	// Output:
	// 1000001 points -> 81
	// AUROC 0.666667 from every point; from the kept ones within 0.0001: true
}
