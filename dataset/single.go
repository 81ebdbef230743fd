package dataset

import (
	"fmt"
	"path/filepath"
)

// isCategoryFolder reports whether dir is one category of the mvtec layout
// rather than a dataset of them: it holds test/ (or, as a dataset folder,
// ground_truth/) itself.
func isCategoryFolder(dir string, gt bool) bool {
	return isDir(filepath.Join(dir, "test")) || (gt && isDir(filepath.Join(dir, "ground_truth")))
}

// singleCategory lets the mvtec layout read one category folder given as
// the dataset (GT = mvtec/bottle) or the maps (PRED = maps/bottle), or both:
// such a folder is read as its parent restricted to that category, so that
// keys start with the category's name ("bottle/test/good/000") as in a whole
// dataset, and scores and protocol files of whole-dataset runs apply. Only
// the category's own folders are read.
func (c *context) singleCategory() error {
	gtCat := isCategoryFolder(c.gt, true)
	predCat := c.pred != "" && !c.samePG && isCategoryFolder(c.pred, false)
	if c.samePG {
		gtCat = isCategoryFolder(c.gt, true)
		predCat = gtCat
	}
	if !gtCat && !predCat {
		return nil
	}
	name := func(dir string) string {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return filepath.Base(dir)
		}
		return filepath.Base(abs)
	}
	cat := name(c.gt)
	if !gtCat {
		cat = name(c.pred)
	}
	if predCat && name(c.pred) != cat {
		return fmt.Errorf("score map folder %s and dataset folder %s are category folders of different names (%s, %s): "+
			"name the maps' folder after its category, or give the folders that hold the categories",
			c.pred, c.gt, name(c.pred), cat)
	}
	for _, w := range c.cats {
		if w != cat {
			return fmt.Errorf("unknown category %q (%s holds the one category %s)", w, map[bool]string{true: c.gt, false: c.pred}[gtCat], cat)
		}
	}
	parent := func(dir string) string {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return filepath.Dir(dir)
		}
		return filepath.Dir(abs)
	}
	if gtCat {
		c.gt = parent(c.gt)
	}
	if predCat {
		c.pred = parent(c.pred)
	}
	c.cats = []string{cat}
	c.single = cat
	return nil
}

// mvtecCategories is mvtecCategories of root, or only the one category
// folder (see singleCategory), whose parent is not listed.
func (c *context) mvtecCategories(root string, gt bool) ([]string, error) {
	if c.single == "" {
		return mvtecCategories(root, gt)
	}
	if isCategoryFolder(filepath.Join(root, c.single), gt) {
		return []string{c.single}, nil
	}
	return nil, nil
}
