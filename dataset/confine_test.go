package dataset

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIndexMasksConfined: a mask an index names outside the dataset folder
// (climbing out with "..", absolute elsewhere, a device) is refused like an
// image outside it, in meta.json, JSONL and VisA's CSV, unless
// MasksOutside allows it; even then only a regular file is taken.
func TestIndexMasksConfined(t *testing.T) {
	root := t.TempDir()
	gt := metaGT(t)
	outside := mk(t, root, "outside/m.png")
	outsideMask := j(outside, "outside/m.png")
	pred := metaPred(t)
	linkToZero := j(gt, "bottle/ground_truth/broken_large/zero_mask.png")
	haveZero := false
	if _, err := os.Stat("/dev/zero"); err == nil && os.Symlink("/dev/zero", linkToZero) == nil {
		haveZero = true
	}
	rel, err := filepath.Rel(gt, outsideMask)
	if err != nil {
		t.Fatal(err)
	}
	rel = filepath.ToSlash(rel)
	type index struct {
		layout Layout
		file   string
		body   func(mask string) string
	}
	indexes := []index{
		{Meta, "meta.json", func(mask string) string {
			return `{"test": {"bottle": [{"img_path": "bottle/test/broken_large/000.png", "mask_path": "` + mask + `", "cls_name": "bottle", "anomaly": 1}]}}`
		}},
		{JSONL, "index.jsonl", func(mask string) string {
			return `{"image_path": "bottle/test/broken_large/000.png", "mask_path": "` + mask + `", "class_name": "bottle", "label": 1}` + "\n"
		}},
	}
	for _, ix := range indexes {
		for _, tc := range []struct {
			mask      string
			inside    bool // accepted without MasksOutside
			regular   bool // accepted with it
			wantParts []string
		}{
			{"bottle/ground_truth/broken_large/000_mask.png", true, true, nil},
			{rel, false, true, []string{"mask " + outsideMask, "not inside the dataset folder " + gt}},
			{outsideMask, false, true, []string{"mask " + outsideMask, "not inside the dataset folder"}},
			{"/dev/zero", false, false, []string{"mask /dev/zero", "not inside the dataset folder"}},
		} {
			meta := writeFile(t, t.TempDir(), ix.file, ix.body(tc.mask))
			opts := Options{Layout: ix.layout, Pred: pred, GT: gt, Meta: meta}
			_, err := Open(opts)
			switch {
			case tc.inside && err != nil:
				t.Errorf("%s mask %s: %v", ix.layout, tc.mask, err)
			case !tc.inside && (err == nil || !errors.Is(err, ErrOutsideDataset)):
				t.Errorf("%s mask %s: %v, want ErrOutsideDataset", ix.layout, tc.mask, err)
			case !tc.inside:
				for _, p := range tc.wantParts {
					if !strings.Contains(err.Error(), p) {
						t.Errorf("%s mask %s: error %q lacks %q", ix.layout, tc.mask, err, p)
					}
				}
			}
			opts.MasksOutside = true
			d, err := Open(opts)
			switch {
			case tc.regular && err != nil:
				t.Errorf("%s mask %s allowed outside: %v", ix.layout, tc.mask, err)
			case tc.regular && d.Entries[0].MaskPath != filepath.Clean(j(gt, tc.mask)) && d.Entries[0].MaskPath != tc.mask:
				t.Errorf("%s mask %s: MaskPath %s", ix.layout, tc.mask, d.Entries[0].MaskPath)
			case !tc.regular && (err == nil || !strings.Contains(err.Error(), "not a regular file")):
				t.Errorf("%s mask %s allowed outside: %v, want not a regular file", ix.layout, tc.mask, err)
			}
		}
		if haveZero {
			meta := writeFile(t, t.TempDir(), ix.file, ix.body("bottle/ground_truth/broken_large/zero_mask.png"))
			wantErr(t, Options{Layout: ix.layout, Pred: pred, GT: gt, Meta: meta}, linkToZero, "not a regular file (a character device)")
		}
	}

	// VisA's CSV, whose masks are read the same way.
	visa := mk(t, t.TempDir(), "candle/Data/Images/Anomaly/000.JPG")
	visaPred := mk(t, t.TempDir(), "candle/Data/Images/Anomaly/000.npy")
	writeFile(t, visa, visaCSV, "object,split,label,image,mask\ncandle,test,anomaly,candle/Data/Images/Anomaly/000.JPG,"+outsideMask+"\n")
	wantErr(t, Options{Layout: VisA, Pred: visaPred, GT: visa}, "mask "+outsideMask, "not inside the dataset folder")
	mustOpen(t, Options{Layout: VisA, Pred: visaPred, GT: visa, MasksOutside: true})
}

// TestIndexFileMustBeRegular: an index that is a device is refused at once.
func TestIndexFileMustBeRegular(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	gt := metaGT(t)
	link := filepath.Join(gt, "meta.json")
	os.Symlink("/dev/zero", link)
	wantErr(t, Options{Layout: Meta, Pred: metaPred(t), GT: gt, Meta: link}, "read index "+link, "not a regular file")
}

// FuzzIndexPaths feeds fuzzed meta.json and JSONL indexes through Open on a
// real dataset folder and checks the path rules on what is accepted: every
// mask and image is inside the dataset folder, keys are relative paths
// without "..", and nothing panics.
func FuzzIndexPaths(f *testing.F) {
	f.Add([]byte(`{"test": {"bottle": [{"img_path": "bottle/test/broken_large/000.png", "mask_path": "bottle/ground_truth/broken_large/000_mask.png", "cls_name": "bottle", "anomaly": 1}]}}`), false)
	f.Add([]byte(`{"test": {"bottle": [{"img_path": "bottle/test/broken_large/000.png", "mask_path": "../outside/m.png", "cls_name": "bottle", "anomaly": 1}]}}`), false)
	f.Add([]byte(`{"test": {"bottle": [{"img_path": "bottle/x/../test/good/000.png", "mask_path": "/etc/passwd", "cls_name": "bottle", "anomaly": 1}]}}`), false)
	f.Add([]byte(`{"image_path": "bottle/test/broken_large/000.png", "mask_path": "bottle/ground_truth/../ground_truth/broken_large/000_mask.png", "class_name": "bottle", "label": 1}`), true)
	f.Add([]byte(`{"image_path": "./bottle/test/good/000.png", "mask_path": null, "class_name": "bottle", "label": 0}`+"\n"+`{"image_path": "bottle/test/broken_large/000.png", "mask_path": "/dev/zero", "class_name": "bottle", "label": 1}`), true)
	root := mk(f, f.TempDir(), "gt/bottle/test/good/000.png", "gt/bottle/test/broken_large/000.png",
		"gt/bottle/ground_truth/broken_large/000_mask.png", "outside/m.png")
	data := filepath.Join(root, "gt")
	pred := mk(f, filepath.Join(root, "pred"), "bottle/test/good/000.npy", "bottle/test/broken_large/000.npy")
	f.Fuzz(func(t *testing.T, index []byte, jsonl bool) {
		layout, name := Meta, "meta.json"
		if jsonl {
			layout, name = JSONL, "index.jsonl"
		}
		meta := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(meta, index, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, mode := range []Mode{ScoreMode, PredictMode} {
			d, err := Open(Options{Layout: layout, Pred: pred, GT: data, Meta: meta, Mode: mode})
			if err != nil {
				continue
			}
			for _, e := range d.Entries {
				for _, p := range []string{e.MaskPath, e.ImagePath} {
					if p != "" && !inside(data, p) {
						t.Fatalf("%q: entry %+v reads %s outside %s", index, e, p, data)
					}
				}
				if e.Key == "" || strings.HasPrefix(e.Key, "/") || strings.Contains("/"+e.Key+"/", "/../") || bytes.ContainsAny([]byte(e.Key), "\\") {
					t.Fatalf("%q: key %q", index, e.Key)
				}
				if e.MaskPath != "" {
					if fi, err := os.Stat(e.MaskPath); err != nil || !fi.Mode().IsRegular() {
						t.Fatalf("%q: mask %s is not a regular file", index, e.MaskPath)
					}
				}
			}
		}
	})
}
