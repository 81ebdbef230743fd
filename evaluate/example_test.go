package evaluate_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/report"
)

// A folder of score maps against an MVTec-layout dataset: what
// `zsadbench score --maps DIR --data DIR` prints.
func ExampleDataset() {
	ds, err := dataset.Open(dataset.Options{Pred: "../testdata/example", GT: "../testdata/example"})
	if err != nil {
		log.Fatal(err)
	}
	src := load.Maps(ds, nil, load.DefaultOptions) // image scores: each map's maximum
	rep, err := evaluate.Dataset(context.Background(), src, metric.DefaultSettings, evaluate.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := report.Write(os.Stdout, rep, "table"); err != nil {
		log.Fatal(err)
	}
	// Output:
	//   category  I-AUROC   I-AP  I-F1max  P-AUROC   P-AP  P-F1max  AUPRO  RCPRO
	//    capsule     83.3   80.6     71.4     95.9   49.1     46.1   86.1   33.3
	//      screw     88.3   91.0     90.9     84.1   30.1     41.1   65.4   34.9
	//       tile     81.7   72.4     76.9     96.9   66.3     69.9   80.4   31.7
	//      -----    -----  -----    -----    -----  -----    -----  -----  -----
	//       mean     84.4   81.3     79.8     92.3   48.5     52.4   77.3   33.3
	// values in %; thresholds exact, AUPRO@0.3, RCPRO tau 0.05 delta 2, 8-connectivity
	// evaluated at each image's ground-truth size; 0 of 48 maps resized; zsadbench (devel)
}

// Categories held in memory, on the AnomalyCLIP-family steps grid. Every
// anomalous pixel scores above every normal one, and the one normal pixel
// that joins the defect's region (0.7) leaves its excess within delta, so
// every metric is perfect.
func ExampleCategories() {
	im := func(name string, scores []float32, mask []bool) metric.Image {
		return metric.Image{Name: name, Width: 3, Height: 2, Scores: scores, Mask: mask}
	}
	cat := metric.Category{Name: "bottle", Images: []metric.Image{
		im("good/000", []float32{0.1, 0.2, 0.1, 0.3, 0.2, 0.1}, nil),
		im("broken/000", []float32{0.1, 0.9, 0.8, 0.2, 0.7, 0.1}, []bool{false, true, true, false, false, false}),
	}}
	s := metric.DefaultSettings
	s.Thresholds = metric.Steps(200)
	rep, err := evaluate.Dataset(context.Background(), evaluate.Categories([]metric.Category{cat}), s, evaluate.Options{})
	if err != nil {
		log.Fatal(err)
	}
	p := rep.Mean.Pixel
	fmt.Printf("pixel AUROC %.3f, AUPRO %.3f, RCPRO %.3f\n", p.AUROC.V, p.AUPRO.V, p.RCPRO.V)
	fmt.Println(rep.Warnings)
	// Output:
	// pixel AUROC 1.000, AUPRO 1.000, RCPRO 1.000
	// []
}
