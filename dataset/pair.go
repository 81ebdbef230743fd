package dataset

import (
	"fmt"
	"sort"
	"strings"
)

// Every layout that finds masks by name (mvtec, flat, btad, segmentation)
// works in the same steps: it lists its items (the maps or images that become
// entries) and its masks into a maskIndex, pair gives each item its mask, and
// leftover finds the masks no item took. Only the rules differ, and the
// layouts pass them in.

// An item is one image of a layout before its mask is known: its entry
// without MaskPath, its file(s), and where its mask would be
// (masks[group][id]).
type item struct {
	Entry
	files     []string // the image or map file; more than one is an error
	group, id string
}

func (it *item) file() string { return it.files[0] }

// maskIndex holds mask files by group (a folder or a category, as the layout
// chooses) and by the id of the image they belong to.
type maskIndex map[string]map[string][]string

func (mi maskIndex) add(group, id, path string) {
	g := mi[group]
	if g == nil {
		g = map[string][]string{}
		mi[group] = g
	}
	g[id] = append(g[id], path)
}

// addFolder adds the masks in dir to group: every file with an image
// extension, "<id>_mask.<ext>" or "<id>.<ext>". A missing dir adds nothing.
func (mi maskIndex) addFolder(group, dir string) error {
	if !isDir(dir) {
		return nil
	}
	fs, err := files(dir)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if isImage(f.name) {
			mi.add(group, strings.TrimSuffix(stem(f.name), "_mask"), f.path)
		}
	}
	return nil
}

// take returns the mask of id in group ("" when none) and removes it, so that
// what remains are masks without an image.
func (mi maskIndex) take(group, id string) (string, error) {
	ps := mi[group][id]
	delete(mi[group], id)
	switch len(ps) {
	case 0:
		return "", nil
	case 1:
		return ps[0], nil
	}
	return "", fmt.Errorf("two masks for one image: %s and %s", ps[0], ps[1])
}

// leftover returns the first mask no image took, by group and then path, and
// its group; "" when every mask was taken.
func (mi maskIndex) leftover() (group, mask string) {
	for _, g := range sortedKeys(mi) {
		var all []string
		for _, ps := range mi[g] {
			all = append(all, ps...)
		}
		if len(all) > 0 {
			sort.Strings(all)
			return g, all[0]
		}
	}
	return "", ""
}

// pair gives every item, in order, its mask and returns their entries. An
// item with two files is the error twoFiles returns for them. An item with a
// mask keeps the label its layout gave it; one without is normal, unless
// missing returns an error for it.
func (mi maskIndex) pair(items []item, twoFiles func(a, b string) error, missing func(it *item) error) ([]Entry, error) {
	entries := make([]Entry, 0, len(items))
	for i := range items {
		it := &items[i]
		if len(it.files) > 1 {
			return nil, twoFiles(it.files[0], it.files[1])
		}
		e := it.Entry
		m, err := mi.take(it.group, it.id)
		if err != nil {
			return nil, err
		}
		if m == "" {
			if err := missing(it); err != nil {
				return nil, err
			}
			e.Anomalous = false
		} else {
			e.MaskPath, e.MaskThreshold = m, maskThreshold(m)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

func twoImages(a, b string) error { return fmt.Errorf("two images with one name: %s and %s", a, b) }

// twoItems is the error for two files of one item: score maps in ScoreMode,
// where the maps are the items, else images.
func (c *context) twoItems(a, b string) error {
	if c.mode == ScoreMode {
		return fmt.Errorf("two score maps for one image: %s and %s (choose a map extension)", a, b)
	}
	return twoImages(a, b)
}

// withItemFile returns e with file as its map (ScoreMode) or its image.
func (c *context) withItemFile(e Entry, file string) Entry {
	if c.mode == ScoreMode {
		e.MapPath = file
	} else {
		e.ImagePath = file
	}
	return e
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
