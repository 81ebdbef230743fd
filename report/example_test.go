package report_test

import (
	"fmt"
	"os"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/report"
)

// run makes a one-category report with the given image and pixel AUROC.
func run(name string, image, pixel float64) report.Run {
	half := metric.Defined(0.5)
	c := &evaluate.CategoryReport{Name: "bottle", Images: 10, AnomalousImages: 4, Pixels: 1000,
		Image: evaluate.ImageMetrics{AUROC: metric.Defined(image), AP: half, F1Max: half},
		Pixel: evaluate.PixelMetrics{AUROC: metric.Defined(pixel), AP: half, F1Max: half, AUPRO: half, RCPRO: half}}
	rep := &evaluate.Report{Settings: evaluate.Settings{Settings: metric.DefaultSettings}, Categories: []*evaluate.CategoryReport{c}}
	rep.Mean, _ = evaluate.MeanOf(rep.Categories, metric.SelectAll)
	return report.Run{Name: name, Report: rep}
}

// Three models side by side, as a paper's Markdown table: the best of each
// category and metric in bold, the second underlined. In practice each
// report comes from evaluate.Dataset, or from report.ReadJSON of a results
// file.
func ExampleCompare() {
	runs := []report.Run{run("WinCLIP", 0.912, 0.851), run("AnomalyCLIP", 0.918, 0.911), run("DIVE", 0.934, 0.905)}
	o := report.DefaultCompareOptions
	o.Metrics = []string{"I-AUROC", "P-AUROC"}
	o.MeanOnly, o.ModelRows = true, true
	cmp, err := report.Compare(runs, o)
	if err != nil {
		fmt.Println(err)
		return
	}
	cmp.Write(os.Stdout, "markdown")
	// Output:
	// | model | I-AUROC | P-AUROC |
	// | --- | ---: | ---: |
	// | WinCLIP | 91.2 | 85.1 |
	// | AnomalyCLIP | <u>91.8</u> | **91.1** |
	// | DIVE | **93.4** | <u>90.5</u> |
	//
	// Values in %; best in bold, second underlined; thresholds exact, AUPRO@0.3, RCPRO tau 0.05 delta 2, 8-connectivity.
}
