package dataset

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFlatScore(t *testing.T) {
	base := t.TempDir()
	pred := mk(t, j(base, "mymodel"), "a.npy", "b.npy", "c.npy", "notes.txt", "sub/d.npy")
	gt := mk(t, j(base, "masks"), "a.png", "b_mask.png", "readme.md", "photo.jpg")
	want := []Entry{
		{Category: "mymodel", Key: "a", MapPath: j(pred, "a.npy"), MaskPath: j(gt, "a.png"), Anomalous: true, ImageLabels: true, PixelLabels: true},
		{Category: "mymodel", Key: "b", MapPath: j(pred, "b.npy"), MaskPath: j(gt, "b_mask.png"), Anomalous: true, ImageLabels: true, PixelLabels: true},
		{Category: "mymodel", Key: "c", MapPath: j(pred, "c.npy"), ImageLabels: true, PixelLabels: true},
	}
	for _, layout := range []Layout{Flat, Auto} {
		d := mustOpen(t, Options{Layout: layout, Pred: pred, GT: gt})
		if d.Layout != Flat {
			t.Errorf("layout %s", d.Layout)
		}
		checkEntries(t, d.Entries, want)
	}
	// A relative PRED path still names the category after the folder.
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(pred); err != nil {
		t.Fatal(err)
	}
	d := mustOpen(t, Options{Layout: Flat, Pred: ".", GT: gt})
	if d.Categories[0] != "mymodel" {
		t.Errorf("category %q", d.Categories[0])
	}
	os.Chdir(wd)

	// A JPEG mask with the _mask suffix gets the JPEG threshold.
	os.Remove(j(gt, "b_mask.png"))
	mk(t, gt, "b_mask.jpg")
	d = mustOpen(t, Options{Layout: Flat, Pred: pred, GT: gt})
	if e := d.Entries[1]; e.MaskPath != j(gt, "b_mask.jpg") || e.MaskThreshold != 127 {
		t.Errorf("entry %+v", e)
	}
	if e := d.Entries[0]; e.MaskThreshold != 0 {
		t.Errorf("PNG mask threshold %d", e.MaskThreshold)
	}
}

func TestFlatErrors(t *testing.T) {
	base := t.TempDir()
	pred := mk(t, j(base, "maps"), "a.npy", "b.tiff")
	gt := mk(t, j(base, "masks"), "a.png", "a_mask.png")
	wantErr(t, Options{Layout: Flat, Pred: pred, GT: gt}, "two masks", j(gt, "a.png"), j(gt, "a_mask.png"))

	gt = mk(t, j(base, "masks2"), "a.png", "z_mask.png")
	wantErr(t, Options{Layout: Flat, Pred: pred, GT: gt}, "mask "+j(gt, "z_mask.png")+" has no score map", j(pred, "z"))

	mk(t, pred, "a.tif")
	wantErr(t, Options{Layout: Flat, Pred: pred, GT: j(base, "masks2")}, "two score maps", j(pred, "a.npy"), j(pred, "a.tif"))

	empty := mk(t, j(base, "empty"), "readme.txt")
	wantErr(t, Options{Layout: Flat, Pred: empty, GT: gt}, "score map folder "+empty+" holds no maps")
	wantErr(t, Options{Layout: Flat, Pred: pred, GT: gt, Categories: []string{"bottle"}}, `unknown category "bottle"`, "known: maps")
}

func TestFlatEmptyGT(t *testing.T) {
	pred := mk(t, t.TempDir(), "a.npy", "b.npy")
	d := mustOpen(t, Options{Layout: Flat, Pred: pred, GT: t.TempDir()})
	for _, e := range d.Entries {
		if e.Anomalous || e.MaskPath != "" {
			t.Errorf("entry %+v", e)
		}
	}
	if len(d.Entries) != 2 {
		t.Errorf("%d entries", len(d.Entries))
	}
}

func TestFlatSameFolder(t *testing.T) {
	// PNG maps beside their _mask masks; a .npy map beside a PNG image.
	root := mk(t, filepath.Join(t.TempDir(), "cat"), "a.png", "a_mask.png", "b.png", "c.npy", "c.png")
	d := mustOpen(t, Options{Layout: Flat, Pred: root, GT: root})
	checkEntries(t, d.Entries, []Entry{
		{Category: "cat", Key: "a", MapPath: j(root, "a.png"), MaskPath: j(root, "a_mask.png"), Anomalous: true, ImageLabels: true, PixelLabels: true},
		{Category: "cat", Key: "b", MapPath: j(root, "b.png"), ImageLabels: true, PixelLabels: true},
		{Category: "cat", Key: "c", MapPath: j(root, "c.npy"), ImageLabels: true, PixelLabels: true},
	})
}

func TestFlatPredict(t *testing.T) {
	gt := mk(t, filepath.Join(t.TempDir(), "parts"), "a.jpg", "a_mask.png", "b.bmp", "notes.txt")
	for _, layout := range []Layout{Flat, Auto} {
		d := mustOpen(t, Options{Layout: layout, Mode: PredictMode, GT: gt})
		checkEntries(t, d.Entries, []Entry{
			{Category: "parts", Key: "a", ImagePath: j(gt, "a.jpg"), MaskPath: j(gt, "a_mask.png"), Anomalous: true, ImageLabels: true, PixelLabels: true},
			{Category: "parts", Key: "b", ImagePath: j(gt, "b.bmp"), ImageLabels: true, PixelLabels: true},
		})
	}
	mk(t, gt, "z_mask.png")
	wantErr(t, Options{Layout: Flat, Mode: PredictMode, GT: gt}, "mask "+j(gt, "z_mask.png")+" has no image")
}
