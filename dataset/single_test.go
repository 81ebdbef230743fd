package dataset

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSingleCategoryFolder: one category folder as the dataset, the maps, or
// both, reads as that category of a whole dataset (keys start with its
// name), without reading the folders beside it.
func TestSingleCategoryFolder(t *testing.T) {
	root := t.TempDir()
	mk(t, root,
		"mvtec/bottle/test/good/000.png", "mvtec/bottle/test/crack/001.png",
		"mvtec/bottle/ground_truth/crack/001_mask.png",
		"mvtec/cable/test/good/000.png",
		"maps/bottle/test/good/000.npy", "maps/bottle/test/crack/001.npy",
		"maps/cable/test/good/000.npy",
		"runs/dive_bottle/test/good/000.npy", "runs/dive_bottle/test/crack/001.npy")
	// A broken link beside the category folders: never read.
	os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "maps", "broken"))
	os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "mvtec", "broken"))
	j := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	want := []Entry{
		{Category: "bottle", Key: "bottle/test/crack/001", MapPath: j("maps/bottle/test/crack/001.npy"),
			MaskPath: j("mvtec/bottle/ground_truth/crack/001_mask.png"), Defect: "crack", Anomalous: true, ImageLabels: true, PixelLabels: true},
		{Category: "bottle", Key: "bottle/test/good/000", MapPath: j("maps/bottle/test/good/000.npy"), ImageLabels: true, PixelLabels: true},
	}
	for _, layout := range []Layout{MVTec, Auto} {
		d := mustOpen(t, Options{Layout: layout, Pred: j("maps/bottle"), GT: j("mvtec/bottle")})
		checkEntries(t, d.Entries, want)
		if d.Layout != MVTec || len(d.Categories) != 1 || d.Categories[0] != "bottle" {
			t.Errorf("%s: layout %s, categories %v", layout, d.Layout, d.Categories)
		}
		if d.Entries[1].ImagePath != j("mvtec/bottle/test/good/000.png") {
			t.Errorf("image %q", d.Entries[1].ImagePath)
		}
	}
	// One side a category folder: the other side's other categories are left out.
	checkEntries(t, mustOpen(t, Options{Layout: MVTec, Pred: j("maps/bottle"), GT: j("mvtec")}).Entries, want)
	os.Remove(j("maps/broken"))
	checkEntries(t, mustOpen(t, Options{Layout: MVTec, Pred: j("maps"), GT: j("mvtec/bottle")}).Entries, want)
	wantErr(t, Options{Layout: MVTec, Pred: j("runs/dive_bottle"), GT: j("mvtec/bottle")}, "different names", "dive_bottle")
	wantErr(t, Options{Layout: MVTec, Pred: j("maps/bottle"), GT: j("mvtec/bottle"), Categories: []string{"cable"}}, `unknown category "cable"`, "bottle")
	// Predict mode: the images of one category.
	d := mustOpen(t, Options{Layout: MVTec, GT: j("mvtec/bottle"), Mode: PredictMode})
	if len(d.Entries) != 2 || d.Entries[0].Key != "bottle/test/crack/001" || d.Entries[0].ImagePath != j("mvtec/bottle/test/crack/001.png") {
		t.Errorf("predict mode entries %+v", d.Entries)
	}
}
