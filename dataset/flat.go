package dataset

import (
	"fmt"
	"path/filepath"
	"strings"
)

// openFlat reads the flat layout: items (maps in ScoreMode, images in
// PredictMode) directly in one folder, masks "<stem>_mask.<image ext>" in GT,
// or "<stem>.png" when GT is not the items' folder. Subfolders are not read.
// A missing mask means a normal image; a mask without an item is an error.
func (c *context) openFlat() ([]Entry, error) {
	root := c.gt
	if c.mode == ScoreMode {
		root = c.pred
	}
	cat, err := c.folderCategory(root)
	if err != nil {
		return nil, err
	}
	sameFolder := c.mode == PredictMode || c.samePG
	fs, err := files(root)
	if err != nil {
		return nil, err
	}
	items := map[string][]string{}
	for _, f := range fs {
		s := stem(f.name)
		if c.mode == ScoreMode {
			if !isMapFile(f.name, c.mapExt) {
				continue
			}
			// With PRED == GT, a "<stem>_mask" file is a mask, not a map.
			if c.samePG && strings.HasSuffix(s, "_mask") && isImage(f.name) {
				continue
			}
		} else if !isImage(f.name) || strings.HasSuffix(s, "_mask") {
			continue
		}
		items[s] = append(items[s], f.path)
	}
	if len(items) == 0 {
		if c.mode == ScoreMode {
			return nil, fmt.Errorf("score map folder %s holds no maps (%s files, flat layout)%s", c.pred, mapExtList(c.mapExt), foundInstead(c.pred, c.mapExt))
		}
		return nil, fmt.Errorf("dataset folder %s holds no images (flat layout)", c.gt)
	}
	if c.samePG && c.mapExt == "" {
		// A PNG beside an .npy or TIFF file of one stem is the image.
		for s, ps := range items {
			var nonPNG []string
			for _, p := range ps {
				if lowerExt(p) != ".png" {
					nonPNG = append(nonPNG, p)
				}
			}
			if len(ps) > 1 && len(nonPNG) > 0 {
				items[s] = nonPNG
			}
		}
	}
	var list []item
	for _, s := range sortedKeys(items) {
		e := Entry{Category: cat, Key: s, Anomalous: true, ImageLabels: true, PixelLabels: true}
		list = append(list, item{Entry: c.withItemFile(e, items[s][0]), files: items[s], id: s})
	}
	// Masks.
	gfs, err := files(c.gt)
	if err != nil {
		return nil, err
	}
	masks := maskIndex{}
	for _, f := range gfs {
		s := stem(f.name)
		switch {
		case strings.HasSuffix(s, "_mask") && isImage(f.name):
			masks.add("", strings.TrimSuffix(s, "_mask"), f.path)
		case !sameFolder && lowerExt(f.name) == ".png":
			masks.add("", s, f.path)
		}
	}
	entries, err := masks.pair(list, c.twoItems, func(*item) error { return nil })
	if err != nil {
		return nil, err
	}
	if _, m := masks.leftover(); m != "" {
		id := strings.TrimSuffix(stem(filepath.Base(m)), "_mask")
		return nil, fmt.Errorf("mask %s has no %s (expected %s)", m, c.itemWord(), filepath.Join(root, id)+c.itemExts())
	}
	return entries, nil
}
