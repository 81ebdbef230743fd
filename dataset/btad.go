package dataset

import (
	"fmt"
	"path/filepath"
)

// openBTAD reads the btad layout: every folder of GT with a test/ folder is a
// category ("01", "02", "03"); test/ok/ holds normal images and test/ko/
// anomalous ones, whose masks are ground_truth/ko/<id>.<ext> or
// <id>_mask.<ext> with any image extension (BTAD mixes .bmp and .png by
// class). Any other folder in test/ is an error, as are an anomalous image
// without a mask and a mask without an image. The images decide the entries
// in both modes; in ScoreMode their maps are mirrored under PRED.
func (c *context) openBTAD() ([]Entry, error) {
	cats, err := mvtecCategories(c.gt, false)
	if err != nil {
		return nil, err
	}
	if len(cats) == 0 {
		return nil, fmt.Errorf("dataset folder %s has no <class>/test/ folder (btad layout)", c.gt)
	}
	sel, err := c.selectCategories(cats)
	if err != nil {
		return nil, err
	}
	var entries []Entry
	var images []string
	for _, cat := range cats {
		if !keep(sel, cat) {
			continue
		}
		test := filepath.Join(c.gt, cat, "test")
		ds, err := subdirs(test)
		if err != nil {
			return nil, err
		}
		maskDir := filepath.Join(c.gt, cat, "ground_truth", "ko")
		masks := maskIndex{}
		if err := masks.addFolder("ko", maskDir); err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.name != "ok" && d.name != "ko" {
				return nil, fmt.Errorf("folder %s is neither test/ok nor test/ko (btad layout)", d.path)
			}
			fs, err := imageFiles(d.path)
			if err != nil {
				return nil, err
			}
			var items []item
			for _, f := range fs {
				id := stem(f.name)
				e := Entry{Category: cat, Key: cat + "/test/" + d.name + "/" + id, Anomalous: d.name == "ko", ImageLabels: true, PixelLabels: true}
				if c.mode == PredictMode {
					e.ImagePath = f.path
				}
				items = append(items, item{Entry: e, files: []string{f.path}, group: d.name, id: id})
				images = append(images, f.path)
			}
			// Pairing folder by folder keeps the order of errors: a
			// folder's own problems before those of the folders after it.
			es, err := masks.pair(items, twoImages, func(it *item) error {
				if it.Anomalous {
					return fmt.Errorf("anomalous image %s has no mask %s (any image extension)", it.file(), filepath.Join(maskDir, it.id))
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			entries = append(entries, es...)
		}
		if _, m := masks.leftover(); m != "" {
			return nil, fmt.Errorf("mask %s has no image in %s", m, filepath.Join(test, "ko"))
		}
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("dataset folder %s holds no images at <class>/test/{ok,ko}/ (btad layout)", c.gt)
	}
	if c.mode == ScoreMode {
		if err := c.attachMaps(entries, func(i int) string { return "image " + images[i] }); err != nil {
			return nil, err
		}
	}
	return entries, nil
}
