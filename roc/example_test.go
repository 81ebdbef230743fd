package roc_test

import (
	"fmt"

	"github.com/zsadbench/zsadbench/roc"
)

func ExampleFromScores() {
	scores := []float64{0.9, 0.8, 0.8, 0.3, 0.1}
	anomalous := []bool{true, false, true, false, false}
	c := roc.FromScores(scores, anomalous)
	fmt.Printf("AUROC %.4f  AP %.4f  F1-max %.4f\n", c.AUROC().V, c.AP().V, c.F1Max().V)
	// Output: AUROC 0.9167  AP 0.8333  F1-max 0.8000
}
