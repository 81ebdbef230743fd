package dataset

import "testing"

// TestScoreModeImages checks that score mode finds each entry's image file
// when the dataset holds one (its size is the ground truth's of an image
// without a mask), and leaves ImagePath empty when it holds none or two.
func TestScoreModeImages(t *testing.T) {
	t.Run("mvtec", func(t *testing.T) {
		gt := mk(t, t.TempDir(),
			"cat/test/good/000.png", "cat/test/good/001.png", "cat/test/good/001.bmp",
			"cat/test/crack/002.JPG", "cat/ground_truth/crack/002_mask.png",
			"other/ground_truth/hole/000_mask.png")
		pred := mk(t, t.TempDir(), "cat/test/good/000.npy", "cat/test/good/001.npy", "cat/test/good/003.npy",
			"cat/test/crack/002.npy", "other/test/hole/000.npy")
		d := mustOpen(t, Options{Layout: MVTec, Pred: pred, GT: gt})
		want := map[string]string{
			"cat/test/good/000":   j(gt, "cat/test/good/000.png"),
			"cat/test/good/001":   "", // two images: 001.png and 001.bmp
			"cat/test/good/003":   "", // no image file
			"cat/test/crack/002":  j(gt, "cat/test/crack/002.JPG"),
			"other/test/hole/000": "", // masks only
		}
		checkImages(t, d, want)
	})
	t.Run("flat same folder", func(t *testing.T) {
		dir := mk(t, t.TempDir(), "a.npy", "a.png", "b.npy", "b.png", "b_mask.png", "c.npy")
		d := mustOpen(t, Options{Layout: Flat, Pred: dir, GT: dir})
		checkImages(t, d, map[string]string{"a": j(dir, "a.png"), "b": j(dir, "b.png"), "c": ""})
	})
	t.Run("flat", func(t *testing.T) {
		pred := mk(t, t.TempDir(), "a.npy", "b.npy")
		gt := mk(t, t.TempDir(), "a.png", "b.jpg")
		d := mustOpen(t, Options{Layout: Flat, Pred: pred, GT: gt})
		// a.png in a separate GT folder is a's mask, not its image.
		checkImages(t, d, map[string]string{"a": "", "b": j(gt, "b.jpg")})
		if d.Entries[0].MaskPath != j(gt, "a.png") {
			t.Errorf("mask of a = %q", d.Entries[0].MaskPath)
		}
	})
}

func checkImages(t *testing.T, d *Dataset, want map[string]string) {
	t.Helper()
	if len(d.Entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(d.Entries), len(want))
	}
	for _, e := range d.Entries {
		if w, ok := want[e.Key]; !ok || e.ImagePath != w {
			t.Errorf("%s: image %q, want %q", e.Key, e.ImagePath, w)
		}
	}
}
