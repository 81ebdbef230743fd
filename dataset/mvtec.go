package dataset

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// maskSet holds the mask files of one folder by image id: a file
// "<id>_mask.<ext>" or "<id>.<ext>" with an image extension.
type maskSet map[string][]string

// readMasks indexes the masks in dir; a missing dir gives an empty set.
func readMasks(dir string) (maskSet, error) {
	s := maskSet{}
	if !isDir(dir) {
		return s, nil
	}
	fs, err := files(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if !isImage(f.name) {
			continue
		}
		id := strings.TrimSuffix(stem(f.name), "_mask")
		s[id] = append(s[id], f.path)
	}
	return s, nil
}

// take returns the mask of id ("" when none) and removes it from s, so that
// what remains are masks without an image.
func (s maskSet) take(id string) (string, error) {
	ps := s[id]
	delete(s, id)
	switch len(ps) {
	case 0:
		return "", nil
	case 1:
		return ps[0], nil
	}
	return "", fmt.Errorf("two masks for one image: %s and %s", ps[0], ps[1])
}

// leftover returns the first mask no image took, or "".
func (s maskSet) leftover() string {
	var all []string
	for _, ps := range s {
		all = append(all, ps...)
	}
	if len(all) == 0 {
		return ""
	}
	sort.Strings(all)
	return all[0]
}

// openMVTec reads the mvtec layout. In ScoreMode the maps under PRED decide
// the entries; images under GT/<category>/test must each have a map, and
// masks must each belong to a map. In PredictMode the images decide.
func (c *context) openMVTec() ([]Entry, error) {
	gtEmpty, err := isEmptyDir(c.gt)
	if err != nil {
		return nil, err
	}
	if gtEmpty {
		c.warnings = append(c.warnings, fmt.Errorf("ground-truth folder %s is empty: every image is normal", c.gt))
	}
	root := c.gt
	if c.mode == ScoreMode {
		root = c.pred
	}
	// Categories: folders with a test/ folder (or ground_truth/ under GT).
	rootCats, err := mvtecCategories(root, false)
	if err != nil {
		return nil, err
	}
	gtCats, err := mvtecCategories(c.gt, true)
	if err != nil {
		return nil, err
	}
	sel, err := c.selectCategories(append(append([]string(nil), rootCats...), gtCats...))
	if err != nil {
		return nil, err
	}
	// Items: maps (ScoreMode) or images (PredictMode) by key.
	type item struct{ cat, defect, id, path string }
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
			ids := make([]string, 0, len(byID))
			for id := range byID {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			for _, id := range ids {
				ps := byID[id]
				if len(ps) > 1 {
					if c.mode == ScoreMode {
						return nil, fmt.Errorf("two score maps for one image: %s and %s (choose a map extension)", ps[0], ps[1])
					}
					return nil, fmt.Errorf("two images with one name: %s and %s", ps[0], ps[1])
				}
				items = append(items, item{cat, d.name, id, ps[0]})
				if mi != nil {
					mi.used[cat+"/test/"+d.name+"/"+id] = true
				}
			}
		}
	}
	if len(items) == 0 {
		if c.mode == ScoreMode {
			return nil, fmt.Errorf("score map folder %s holds no maps at <category>/test/<defect>/<id> (%s files, mvtec layout)", c.pred, mapExtList(c.mapExt))
		}
		return nil, fmt.Errorf("dataset folder %s holds no images at <category>/test/<defect>/<id> (mvtec layout)", c.gt)
	}
	// Masks, by category and defect.
	masks := map[string]maskSet{} // "cat/defect" -> masks
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
			s, err := readMasks(d.path)
			if err != nil {
				return nil, err
			}
			masks[cat+"/"+d.name] = s
		}
	}
	entries := make([]Entry, 0, len(items))
	for _, it := range items {
		e := Entry{Category: it.cat, Key: it.cat + "/test/" + it.defect + "/" + it.id, ImageLabels: true, PixelLabels: true}
		if c.mode == ScoreMode {
			e.MapPath = it.path
		} else {
			e.ImagePath = it.path
		}
		var mask string
		if s := masks[it.cat+"/"+it.defect]; s != nil {
			if mask, err = s.take(it.id); err != nil {
				return nil, err
			}
		}
		switch {
		case mask != "":
			e.MaskPath = mask
			e.MaskThreshold = maskThreshold(mask)
			e.Anomalous = it.defect != "good"
		case gtEmpty || it.defect == "good":
		default:
			return nil, fmt.Errorf("%s is in defect folder %q but its mask %s does not exist (only \"good\" images may lack a mask)",
				it.path, it.defect, filepath.Join(c.gt, it.cat, "ground_truth", it.defect, it.id+"_mask.png"))
		}
		entries = append(entries, e)
	}
	// Masks and images that no item took.
	for _, k := range sortedKeys(masks) {
		if m := masks[k].leftover(); m != "" {
			cat := strings.SplitN(k, "/", 2)[0]
			if !inRoot[cat] {
				return nil, fmt.Errorf("mask %s has no %s: %s has no folder %s (restrict the categories to evaluate a subset)",
					m, c.itemWord(), root, filepath.Join(root, cat, "test"))
			}
			defect := strings.SplitN(k, "/", 2)[1]
			id := strings.TrimSuffix(stem(filepath.Base(m)), "_mask")
			return nil, fmt.Errorf("mask %s has no %s (expected %s)", m, c.itemWord(),
				filepath.Join(root, cat, "test", defect, id)+c.itemExts())
		}
	}
	if c.mode == ScoreMode {
		if err := c.checkImagesHaveMaps(gtCats, sel, inRoot, mi); err != nil {
			return nil, err
		}
		if !c.samePG && sel == nil {
			if w := mi.unusedWarning(); w != nil {
				c.warnings = append(c.warnings, w)
			}
		}
	}
	return entries, nil
}

func (c *context) itemWord() string {
	if c.mode == ScoreMode {
		return "score map"
	}
	return "image"
}

func (c *context) itemExts() string {
	if c.mode == ScoreMode {
		return " with extension " + mapExtList(c.mapExt)
	}
	return " with an image extension"
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
					hint := ""
					if !inRoot[cat] {
						hint = " (restrict the categories to evaluate a subset)"
					}
					return fmt.Errorf("image %s has no score map (expected %s with extension %s)%s",
						f.path, filepath.Join(c.pred, filepath.FromSlash(key)), mapExtList(c.mapExt), hint)
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
