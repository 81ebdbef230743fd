package viz_test

import (
	"context"
	"fmt"
	"log"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/load"
	"github.com/zsadbench/zsadbench/plots"
	"github.com/zsadbench/zsadbench/viz"
)

// The qualitative figure of the bundled example's maps: the most anomalous
// and the hardest normal image of one category. The example has no input
// images, so the maps are drawn over grey and a warning says so.
func ExampleNew() {
	ds, err := dataset.Open(dataset.Options{Pred: "../testdata/example", GT: "../testdata/example", Categories: []string{"screw"}})
	if err != nil {
		log.Fatal(err)
	}
	runs := []viz.Run{{Name: "example", Dataset: ds}}
	ctx := context.Background()
	picks, err := viz.Select(ctx, runs, nil, []viz.Criterion{viz.MostAnomalous, viz.HardestNormal}, 1, 0, 0, load.DefaultOptions)
	if err != nil {
		log.Fatal(err)
	}
	fig, warnings, err := viz.New(ctx, runs, picks, viz.Options{Load: load.DefaultOptions, Figure: plots.Options{DPI: 150}})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range picks {
		fmt.Println(p.Key, "-", p.Reason)
	}
	fmt.Println(warnings)
	w, h := fig.PanelPixels(0)
	fmt.Printf("panels of %dx%d pixels at 150 dpi\n", w, h)
	// fig.Save("screw.pdf") would write the figure.
	fmt.Println(len(picks), "rows")
	// Output:
	// screw/test/mixed/001 - most anomalous
	// screw/test/good/003 - hardest normal
	// [2 of 2 images have no input image in the dataset: their maps are drawn over a neutral grey]
	// panels of 479x479 pixels at 150 dpi
	// 2 rows
}
