package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mvtecGT builds a two-category MVTec replica with images and masks.
func mvtecGT(t *testing.T) string {
	return mk(t, t.TempDir(),
		"license.txt",
		"bottle/train/good/000.png",
		"bottle/test/good/000.png", "bottle/test/good/001.png",
		"bottle/test/broken_large/000.png",
		"bottle/ground_truth/broken_large/000_mask.png",
		"carpet/test/good/000.png",
		"carpet/test/color/000.png", "carpet/test/color/001.png",
		"carpet/ground_truth/color/000_mask.png", "carpet/ground_truth/color/001_mask.png",
	)
}

var mvtecKeys = []string{
	"bottle/test/broken_large/000", "bottle/test/good/000", "bottle/test/good/001",
	"carpet/test/color/000", "carpet/test/color/001", "carpet/test/good/000",
}

// mvtecPred writes a map with extension ext for every key.
func mvtecPred(t *testing.T, root, ext string) string {
	for _, k := range mvtecKeys {
		mk(t, root, k+ext)
	}
	return root
}

func mvtecWant(gt, pred, ext string) []Entry {
	var out []Entry
	for _, k := range mvtecKeys {
		cat, rest, _ := strings.Cut(k, "/")
		defect := strings.Split(rest, "/")[1]
		e := Entry{Category: cat, Key: k, MapPath: j(pred, k+ext), ImageLabels: true, PixelLabels: true}
		if defect != "good" {
			e.Anomalous, e.Defect = true, defect
			e.MaskPath = j(gt, cat+"/ground_truth/"+defect+"/"+filepath.Base(k)+"_mask.png")
		}
		out = append(out, e)
	}
	return out
}

func TestMVTecScore(t *testing.T) {
	gt := mvtecGT(t)
	for _, ext := range []string{".npy", ".tiff", ".tif", ".png"} {
		t.Run(ext, func(t *testing.T) {
			pred := mvtecPred(t, t.TempDir(), ext)
			for _, layout := range []Layout{MVTec, Auto, ""} {
				d := mustOpen(t, Options{Layout: layout, Pred: pred, GT: gt})
				if d.Layout != MVTec {
					t.Errorf("layout %q: got %q", layout, d.Layout)
				}
				checkEntries(t, d.Entries, mvtecWant(gt, pred, ext))
				if got := strings.Join(d.Categories, ","); got != "bottle,carpet" {
					t.Errorf("categories %q", got)
				}
				if len(d.Warnings) != 0 {
					t.Errorf("warnings %v", d.Warnings)
				}
			}
		})
	}
}

func TestMVTecCategories(t *testing.T) {
	gt := mvtecGT(t)
	pred := mvtecPred(t, t.TempDir(), ".npy")
	d := mustOpen(t, Options{Layout: MVTec, Pred: pred, GT: gt, Categories: []string{"carpet"}})
	checkEntries(t, d.Entries, mvtecWant(gt, pred, ".npy")[3:])
	if got := strings.Join(d.Categories, ","); got != "carpet" {
		t.Errorf("categories %q", got)
	}
	wantErr(t, Options{Layout: MVTec, Pred: pred, GT: gt, Categories: []string{"cable"}},
		`unknown category "cable"`, "known: bottle, carpet")

	// Maps for carpet only: carpet's masks and images need no maps when
	// carpet is filtered out, but without a filter they are an error.
	pred2 := t.TempDir()
	for _, k := range mvtecKeys[:3] {
		mk(t, pred2, k+".npy")
	}
	d = mustOpen(t, Options{Layout: MVTec, Pred: pred2, GT: gt, Categories: []string{"bottle"}})
	checkEntries(t, d.Entries, mvtecWant(gt, pred2, ".npy")[:3])
	wantErr(t, Options{Layout: MVTec, Pred: pred2, GT: gt},
		j(gt, "carpet/ground_truth/color/000_mask.png"), "has no score map", j(pred2, "carpet/test"))
}

func TestMVTecSameFolder(t *testing.T) {
	// Maps beside the images and masks: the PNG images share their keys with
	// the .npy maps and are not taken for maps.
	root := mvtecPred(t, mvtecGT(t), ".npy")
	d := mustOpen(t, Options{Layout: Auto, Pred: root, GT: root})
	checkEntries(t, d.Entries, mvtecWant(root, root, ".npy"))

	// PNG maps with no images: the PNGs are the maps.
	root2 := mk(t, t.TempDir(),
		"bottle/test/good/000.png", "bottle/test/broken_large/000.png",
		"bottle/ground_truth/broken_large/000_mask.png")
	d = mustOpen(t, Options{Pred: root2, GT: root2})
	checkEntries(t, d.Entries, []Entry{
		{Category: "bottle", Key: "bottle/test/broken_large/000", MapPath: j(root2, "bottle/test/broken_large/000.png"),
			MaskPath: j(root2, "bottle/ground_truth/broken_large/000_mask.png"), Anomalous: true, Defect: "broken_large", ImageLabels: true, PixelLabels: true},
		{Category: "bottle", Key: "bottle/test/good/000", MapPath: j(root2, "bottle/test/good/000.png"), ImageLabels: true, PixelLabels: true},
	})

	// A JPEG image without a map.
	mk(t, root, "bottle/test/good/002.jpg")
	wantErr(t, Options{Pred: root, GT: root}, "image "+j(root, "bottle/test/good/002.jpg")+" has no score map", j(root, "bottle/test/good/002"))
}

func TestMVTecMapExt(t *testing.T) {
	gt := mvtecGT(t)
	pred := mvtecPred(t, mvtecPred(t, t.TempDir(), ".npy"), ".tiff")
	wantErr(t, Options{Pred: pred, GT: gt}, "two score maps", j(pred, "bottle/test/broken_large/000.npy"), j(pred, "bottle/test/broken_large/000.tiff"))
	d := mustOpen(t, Options{Pred: pred, GT: gt, MapExt: "tiff"})
	checkEntries(t, d.Entries, mvtecWant(gt, pred, ".tiff"))
	d = mustOpen(t, Options{Pred: pred, GT: gt, MapExt: ".npy"})
	checkEntries(t, d.Entries, mvtecWant(gt, pred, ".npy"))
	wantErr(t, Options{Pred: pred, GT: gt, MapExt: "pfm"}, `unknown map extension "pfm"`)
	wantErr(t, Options{Pred: pred, GT: gt, MapExt: "png"}, "holds no maps", ".png")
}

func TestMVTecErrors(t *testing.T) {
	gt := mvtecGT(t)
	t.Run("anomalous map without mask", func(t *testing.T) {
		pred := mvtecPred(t, t.TempDir(), ".npy")
		mk(t, pred, "bottle/test/contamination/005.npy")
		wantErr(t, Options{Pred: pred, GT: gt}, j(pred, "bottle/test/contamination/005.npy"), `"contamination"`,
			j(gt, "bottle/ground_truth/contamination/005_mask.png"), "does not exist")
	})
	t.Run("mask without map", func(t *testing.T) {
		pred := mvtecPred(t, t.TempDir(), ".npy")
		os.Remove(j(pred, "carpet/test/color/001.npy"))
		wantErr(t, Options{Pred: pred, GT: gt}, "mask "+j(gt, "carpet/ground_truth/color/001_mask.png")+" has no score map",
			j(pred, "carpet/test/color/001"))
	})
	t.Run("good image without map", func(t *testing.T) {
		pred := mvtecPred(t, t.TempDir(), ".npy")
		os.Remove(j(pred, "bottle/test/good/001.npy"))
		wantErr(t, Options{Pred: pred, GT: gt}, "image "+j(gt, "bottle/test/good/001.png")+" has no score map", j(pred, "bottle/test/good/001"))
	})
	t.Run("two masks", func(t *testing.T) {
		gt2 := mk(t, t.TempDir(), "a/ground_truth/crack/000_mask.png", "a/ground_truth/crack/000.png")
		pred := mk(t, t.TempDir(), "a/test/crack/000.npy")
		wantErr(t, Options{Pred: pred, GT: gt2}, "two masks", j(gt2, "a/ground_truth/crack/000_mask.png"), j(gt2, "a/ground_truth/crack/000.png"))
	})
	t.Run("no maps", func(t *testing.T) {
		pred := mk(t, t.TempDir(), "bottle/test/good/readme.txt")
		wantErr(t, Options{Layout: MVTec, Pred: pred, GT: gt}, "score map folder "+pred+" holds no maps")
	})
	t.Run("missing folders", func(t *testing.T) {
		pred := mvtecPred(t, t.TempDir(), ".npy")
		wantErr(t, Options{Layout: MVTec, Pred: j(pred, "nope"), GT: gt}, "score map folder "+j(pred, "nope")+" does not exist")
		wantErr(t, Options{Layout: MVTec, Pred: pred, GT: j(gt, "nope")}, "dataset folder "+j(gt, "nope")+" does not exist")
		wantErr(t, Options{Layout: MVTec, Pred: j(gt, "license.txt"), GT: gt}, "is not a folder")
		wantErr(t, Options{Layout: MVTec, GT: gt}, "no score map folder")
		wantErr(t, Options{Layout: MVTec, Pred: pred}, "no dataset folder")
		wantErr(t, Options{Layout: "mvtec2", Pred: pred, GT: gt}, `unknown layout "mvtec2"`)
	})
}

func TestMVTecEmptyGT(t *testing.T) {
	pred := mvtecPred(t, t.TempDir(), ".npy")
	gt := t.TempDir()
	d := mustOpen(t, Options{Pred: pred, GT: gt})
	if d.Layout != MVTec || len(d.Entries) != len(mvtecKeys) {
		t.Fatalf("layout %s, %d entries", d.Layout, len(d.Entries))
	}
	for _, e := range d.Entries {
		if e.Anomalous || e.MaskPath != "" || !e.PixelLabels {
			t.Errorf("entry %+v is not a normal pixel-labelled image", e)
		}
	}
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0].Error(), "is empty") {
		t.Errorf("warnings %v", d.Warnings)
	}
}

func TestMVTecPredict(t *testing.T) {
	gt := mvtecGT(t)
	mk(t, gt, "carpet/test/color/001.JPG") // beside 001.png: two images, one name
	wantErr(t, Options{Mode: PredictMode, GT: gt}, "two images with one name", j(gt, "carpet/test/color/001.JPG"))
	os.Remove(j(gt, "carpet/test/color/001.JPG"))

	d := mustOpen(t, Options{Mode: PredictMode, GT: gt, Pred: "ignored"})
	want := mvtecWant(gt, "", "")
	for i := range want {
		want[i].MapPath = ""
		want[i].ImagePath = j(gt, want[i].Key+".png")
	}
	checkEntries(t, d.Entries, want)

	os.Remove(j(gt, "carpet/test/color/001.png"))
	wantErr(t, Options{Mode: PredictMode, GT: gt}, "mask "+j(gt, "carpet/ground_truth/color/001_mask.png")+" has no image")
}

func TestSymlinkedFolders(t *testing.T) {
	gt := mvtecGT(t)
	pred := mvtecPred(t, t.TempDir(), ".npy")
	links := t.TempDir()
	if err := os.Symlink(gt, j(links, "gt")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	// A category folder that is a link, and a link loop.
	real := mvtecPred(t, t.TempDir(), ".npy")
	os.RemoveAll(j(pred, "carpet"))
	if err := os.Symlink(j(real, "carpet"), j(pred, "carpet")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(pred, j(pred, "bottle/loop")); err != nil {
		t.Fatal(err)
	}
	d := mustOpen(t, Options{Pred: pred, GT: j(links, "gt")})
	checkEntries(t, d.Entries, mvtecWant(j(links, "gt"), pred, ".npy"))
}

func TestMVTecWarnsAboutStrayMaps(t *testing.T) {
	gt := mvtecGT(t)
	pred := mvtecPred(t, t.TempDir(), ".npy")
	mk(t, pred, "bottle/test/good/more/000.npy", "stray.npy")
	d := mustOpen(t, Options{Layout: MVTec, Pred: pred, GT: gt})
	checkEntries(t, d.Entries, mvtecWant(gt, pred, ".npy"))
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0].Error(), "2 score map(s) under "+pred+" belong to no image") ||
		!strings.Contains(d.Warnings[0].Error(), j(pred, "bottle/test/good/more/000.npy")) {
		t.Errorf("warnings %v", d.Warnings)
	}
	// A category of GT with images but no maps at all.
	mk(t, gt, "zipper/test/good/000.png")
	wantErr(t, Options{Layout: MVTec, Pred: pred, GT: gt}, "image "+j(gt, "zipper/test/good/000.png")+" has no score map", "restrict the categories")
	d = mustOpen(t, Options{Layout: MVTec, Pred: pred, GT: gt, Categories: []string{"bottle", "carpet"}})
	if len(d.Entries) != len(mvtecKeys) || len(d.Warnings) != 0 {
		t.Errorf("%d entries, warnings %v", len(d.Entries), d.Warnings)
	}
}
