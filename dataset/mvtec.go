package dataset

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// openMVTec reads the mvtec layout. In ScoreMode the maps under PRED decide
// the entries; images under GT/<category>/test must each have a map, and
// masks must each belong to a map. In PredictMode the images decide.
func (c *context) openMVTec() ([]Entry, error) {
	gtDir := c.gt
	if c.single != "" {
		gtDir = filepath.Join(c.gt, c.single)
	}
	gtEmpty, err := isEmptyDir(gtDir)
	if err != nil {
		return nil, err
	}
	if gtEmpty {
		c.warnings = append(c.warnings, fmt.Errorf("ground-truth folder %s is empty: every image is normal", gtDir))
	}
	root := c.gt
	if c.mode == ScoreMode {
		root = c.pred
	}
	// Categories: folders with a test/ folder (or ground_truth/ under GT).
	rootCats, err := c.mvtecCategories(root, false)
	if err != nil {
		return nil, err
	}
	gtCats, err := c.mvtecCategories(c.gt, true)
	if err != nil {
		return nil, err
	}
	sel, err := c.selectCategories(append(append([]string(nil), rootCats...), gtCats...))
	if err != nil {
		return nil, err
	}
	// Items: maps (ScoreMode) or images (PredictMode) by key.
	var items []item
	inRoot := map[string]bool{}
	var mi *mapIndex
	if c.mode == ScoreMode {
		if mi, err = c.indexMaps(); err != nil {
			return nil, err
		}
	}
	for _, cat := range rootCats {
		if !keep(sel, cat) {
			continue
		}
		inRoot[cat] = true
		test := filepath.Join(root, cat, "test")
		defects, err := subdirs(test)
		if err != nil {
			return nil, err
		}
		for _, d := range defects {
			fs, err := files(d.path)
			if err != nil {
				return nil, err
			}
			byID := map[string][]string{}
			for _, f := range fs {
				id := stem(f.name)
				key := cat + "/test/" + d.name + "/" + id
				if c.mode == ScoreMode {
					if isMapFile(f.name, c.mapExt) && containsPath(mi.byKey[key], f.path) {
						byID[id] = append(byID[id], f.path)
					}
				} else if isImage(f.name) {
					byID[id] = append(byID[id], f.path)
				}
			}
			for _, id := range sortedKeys(byID) {
				ps := byID[id]
				if len(ps) > 1 {
					return nil, c.twoItems(ps[0], ps[1])
				}
				key := cat + "/test/" + d.name + "/" + id
				e := Entry{Category: cat, Key: key, Anomalous: d.name != "good", ImageLabels: true, PixelLabels: true}
				if e.Anomalous {
					e.Defect = d.name
				}
				items = append(items, item{Entry: c.withItemFile(e, ps[0]), files: ps, group: cat + "/" + d.name, id: id})
				if mi != nil {
					mi.used[key] = true
				}
			}
		}
	}
	if len(items) == 0 {
		if c.mode == ScoreMode {
			return nil, fmt.Errorf("score map folder %s holds no maps at <category>/test/<defect>/<id> (%s files, mvtec layout)%s", c.pred, mapExtList(c.mapExt), foundInstead(c.pred, c.mapExt))
		}
		return nil, fmt.Errorf("dataset folder %s holds no images at <category>/test/<defect>/<id> (mvtec layout)", c.gt)
	}
	// Masks, by category and defect.
	masks := maskIndex{}
	for _, cat := range gtCats {
		if !keep(sel, cat) {
			continue
		}
		gtRoot := filepath.Join(c.gt, cat, "ground_truth")
		if !isDir(gtRoot) {
			continue
		}
		defects, err := subdirs(gtRoot)
		if err != nil {
			return nil, err
		}
		for _, d := range defects {
			if err := masks.addFolder(cat+"/"+d.name, d.path); err != nil {
				return nil, err
			}
		}
	}
	entries, err := masks.pair(items, c.twoItems, func(it *item) error {
		defect := strings.SplitN(it.group, "/", 2)[1]
		if gtEmpty || defect == "good" {
			return nil
		}
		return fmt.Errorf("%s is in defect folder %q but its mask %s does not exist (only \"good\" images may lack a mask)",
			it.file(), defect, filepath.Join(c.gt, it.Category, "ground_truth", defect, it.id+"_mask.png"))
	})
	if err != nil {
		return nil, err
	}
	if group, m := masks.leftover(); m != "" {
		cat, defect, _ := strings.Cut(group, "/")
		if !inRoot[cat] {
			return nil, fmt.Errorf("mask %s has no %s: %s has no folder %s (restrict the categories to evaluate a subset)",
				m, c.itemWord(), root, filepath.Join(root, cat, "test"))
		}
		id := strings.TrimSuffix(stem(filepath.Base(m)), "_mask")
		expected := filepath.Join(root, cat, "test", defect, id)
		hint := ""
		if c.mode == ScoreMode {
			hint = siblingInstead(expected, c.mapExt)
		}
		return nil, fmt.Errorf("mask %s has no %s (expected %s)%s", m, c.itemWord(), expected+c.itemExts(), hint)
	}
	if c.mode == ScoreMode {
		if err := c.checkImagesHaveMaps(gtCats, sel, inRoot, mi); err != nil {
			return nil, err
		}
		c.warnUnusedMaps(mi)
	}
	return entries, nil
}

// checkImagesHaveMaps returns an error naming the first image under
// GT/<category>/test/<defect>/ without a score map.
func (c *context) checkImagesHaveMaps(gtCats []string, sel, inRoot map[string]bool, mi *mapIndex) error {
	for _, cat := range gtCats {
		if !keep(sel, cat) {
			continue
		}
		test := filepath.Join(c.gt, cat, "test")
		if !isDir(test) {
			continue
		}
		defects, err := subdirs(test)
		if err != nil {
			return err
		}
		for _, d := range defects {
			fs, err := files(d.path)
			if err != nil {
				return err
			}
			for _, f := range fs {
				if !isImage(f.name) {
					continue
				}
				key := cat + "/test/" + d.name + "/" + stem(f.name)
				ps := mi.byKey[key]
				if len(ps) == 0 {
					expected := filepath.Join(c.pred, filepath.FromSlash(key))
					hint := siblingInstead(expected, c.mapExt)
					if !inRoot[cat] {
						hint = " (restrict the categories to evaluate a subset)"
					}
					return fmt.Errorf("image %s has no score map (expected %s with extension %s)%s",
						f.path, expected, mapExtList(c.mapExt), hint)
				}
			}
		}
	}
	return nil
}

// mvtecCategories returns the folders of root that hold a test/ folder (or,
// with gt, a ground_truth/ folder), sorted.
func mvtecCategories(root string, gt bool) ([]string, error) {
	ds, err := subdirs(root)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range ds {
		if isDir(filepath.Join(d.path, "test")) || (gt && isDir(filepath.Join(d.path, "ground_truth"))) {
			out = append(out, d.name)
		}
	}
	return out, nil
}

func containsPath(ps []string, p string) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
