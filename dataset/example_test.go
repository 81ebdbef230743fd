package dataset_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/zsadbench/zsadbench/dataset"
)

// Example opens score maps dumped in MVTec layout beside an MVTec-style
// dataset, then applies the imbalanced protocol and writes it down.
func Example() {
	root, err := os.MkdirTemp("", "dataset-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	for _, p := range []string{
		"gt/bottle/test/good/000.png",
		"gt/bottle/test/good/001.png",
		"gt/bottle/test/good/002.png",
		"gt/bottle/test/broken_large/000.png",
		"gt/bottle/test/broken_large/001.png",
		"gt/bottle/ground_truth/broken_large/000_mask.png",
		"gt/bottle/ground_truth/broken_large/001_mask.png",
		"maps/bottle/test/good/000.npy",
		"maps/bottle/test/good/001.npy",
		"maps/bottle/test/good/002.npy",
		"maps/bottle/test/broken_large/000.npy",
		"maps/bottle/test/broken_large/001.npy",
	} {
		p = filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}

	d, err := dataset.Open(dataset.Options{
		Pred: filepath.Join(root, "maps"),
		GT:   filepath.Join(root, "gt"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("layout:", d.Layout, "categories:", d.Categories)
	for _, e := range d.Entries {
		mask := "-"
		if e.MaskPath != "" {
			mask = filepath.Base(e.MaskPath)
		}
		fmt.Printf("%-30s anomalous=%-5v mask=%s\n", e.Key, e.Anomalous, mask)
	}

	// One anomalous image beside the three normal ones: 25%.
	kept, err := dataset.Subsample(d.Entries, 0.25, 1)
	if err != nil {
		log.Fatal(err)
	}
	var protocol strings.Builder
	if err := dataset.WriteProtocol(&protocol, kept); err != nil {
		log.Fatal(err)
	}
	fmt.Print(protocol.String())
	// Output:
	// layout: mvtec categories: [bottle]
	// bottle/test/broken_large/000   anomalous=true  mask=000_mask.png
	// bottle/test/broken_large/001   anomalous=true  mask=001_mask.png
	// bottle/test/good/000           anomalous=false mask=-
	// bottle/test/good/001           anomalous=false mask=-
	// bottle/test/good/002           anomalous=false mask=-
	// # zsadbench protocol v1: one image key a line
	// bottle/test/broken_large/000
	// bottle/test/good/000
	// bottle/test/good/001
	// bottle/test/good/002
}
