package dataset

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/mapio"
)

// writeArchive writes an .npz archive of one 1x1 map per key, as
// numpy.savez(path, **{key: map}) does.
func writeArchive(t *testing.T, path string, keys ...string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z := zip.NewWriter(f)
	for _, k := range keys {
		w, err := z.CreateHeader(&zip.FileHeader{Name: k + ".npy", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if err := mapio.EncodeNPY(w, mapio.Map{Width: 1, Height: 1, Pix: []float32{0.5}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestArchiveFolders: an .npz archive of several maps reads as a folder of
// .npy maps named by its keys, as --pred or in place of a folder; one of a
// single map is a map file.
func TestArchiveFolders(t *testing.T) {
	gt := mk(t, t.TempDir(), "cat/ground_truth/crack/001_mask.png", "cat/ground_truth/crack/002_mask.png")
	t.Run("pred is an archive", func(t *testing.T) {
		pred := writeArchive(t, filepath.Join(t.TempDir(), "maps.npz"),
			"cat/test/good/000", "cat/test/crack/001", "cat/test/crack/002")
		d := mustOpen(t, Options{Pred: pred, GT: gt})
		if d.Layout != MVTec || len(d.Entries) != 3 {
			t.Fatalf("layout %s, %d entries", d.Layout, len(d.Entries))
		}
		for _, e := range d.Entries {
			if want := filepath.Join(pred, filepath.FromSlash(e.Key)+".npy"); e.MapPath != want {
				t.Errorf("%s: map %s, want %s", e.Key, e.MapPath, want)
			}
			if m, err := mapio.ReadMap(e.MapPath); err != nil || m.Pix[0] != 0.5 {
				t.Errorf("%s: %v", e.MapPath, err)
			}
		}
	})
	t.Run("archive in place of a folder", func(t *testing.T) {
		pred := t.TempDir()
		writeArchive(t, filepath.Join(pred, "cat/test/crack.npz"), "001", "002")
		writeArchive(t, filepath.Join(pred, "cat/test/good/000.npz"), "arr_0") // one map: a file
		d := mustOpen(t, Options{Layout: MVTec, Pred: pred, GT: gt})
		want := map[string]string{
			"cat/test/crack/001": filepath.Join(pred, "cat/test/crack.npz/001.npy"),
			"cat/test/crack/002": filepath.Join(pred, "cat/test/crack.npz/002.npy"),
			"cat/test/good/000":  filepath.Join(pred, "cat/test/good/000.npz"),
		}
		for _, e := range d.Entries {
			if e.MapPath != want[e.Key] {
				t.Errorf("%s: map %s, want %s", e.Key, e.MapPath, want[e.Key])
			}
		}
		if len(d.Entries) != len(want) {
			t.Errorf("%d entries, want %d", len(d.Entries), len(want))
		}
	})
	t.Run("flat archive", func(t *testing.T) {
		dir := t.TempDir()
		pred := writeArchive(t, filepath.Join(dir, "model.npz"), "a", "b")
		flatGT := mk(t, t.TempDir(), "a_mask.png")
		d := mustOpen(t, Options{Pred: pred, GT: flatGT})
		if d.Layout != Flat || len(d.Entries) != 2 || d.Categories[0] != "model" || d.Entries[0].MaskPath == "" {
			t.Errorf("layout %s, categories %v, entries %+v", d.Layout, d.Categories, d.Entries)
		}
	})
}

// TestForeignMapFormats: maps saved in a format that is not read are named
// in the error, with what is accepted.
func TestForeignMapFormats(t *testing.T) {
	gt := mk(t, t.TempDir(), "cat/ground_truth/crack/001_mask.png", "cat/test/crack/001.png", "cat/test/good/000.png")
	pred := mk(t, t.TempDir(), "cat/test/crack/001.pt", "cat/test/good/000.pt")
	wantErr(t, Options{Layout: MVTec, Pred: pred, GT: gt}, "holds no maps", "found 2 .pt file(s)", "PyTorch", "accepted: .npy")
	mk(t, pred, "cat/test/good/000.npy")
	wantErr(t, Options{Layout: MVTec, Pred: pred, GT: gt}, "001_mask.png has no score map", "found "+filepath.Join(pred, "cat/test/crack/001.pt"), "PyTorch")
	os.Remove(filepath.Join(gt, "cat/ground_truth/crack/001_mask.png"))
	mk(t, gt, "cat/ground_truth/crack/")
	wantErr(t, Options{Layout: MVTec, Pred: pred, GT: gt}, "001.png has no score map", "found "+filepath.Join(pred, "cat/test/crack/001.pt"), "PyTorch")
	flat := mk(t, t.TempDir(), "a.pth", "b.pth")
	err := func() error { _, err := Open(Options{Layout: Flat, Pred: flat, GT: flat}); return err }()
	if err == nil || !strings.Contains(err.Error(), ".pth") || !strings.Contains(err.Error(), "accepted") {
		t.Errorf("flat: %v", err)
	}
}
