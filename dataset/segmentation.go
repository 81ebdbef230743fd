package dataset

import (
	"fmt"
	"path/filepath"
	"strings"
)

// segPairs are the image and mask folder names of the segmentation sets that
// keep them apart: CVC-ColonDB (as distributed with PraNet's test data) and
// TN3K.
var segPairs = [][2]string{{"images", "masks"}, {"test-image", "test-mask"}}

// isicSuffix ends the stem of an ISIC mask ("ISIC_0000003_Segmentation.png";
// ISIC 2018 writes it in lower case).
const isicSuffix = "_segmentation"

// isicSkip ends the stem of ISIC's superpixel files, which are neither images
// nor masks.
const isicSkip = "_superpixels"

// segVariants returns the segmentation variants GT matches: "images/masks",
// "test-image/test-mask" (both folders present) or "isic" (a file whose stem
// ends in _Segmentation, letter case ignored, in GT or one folder down).
func segVariants(gt string) ([]string, error) {
	var out []string
	for _, p := range segPairs {
		if isDir(filepath.Join(gt, p[0])) && isDir(filepath.Join(gt, p[1])) {
			out = append(out, p[0]+"/"+p[1])
		}
	}
	isic, err := hasISICMask(gt, 1)
	if err != nil {
		return nil, err
	}
	if isic {
		out = append(out, "isic")
	}
	return out, nil
}

func hasISICMask(dir string, depth int) (bool, error) {
	ns, err := readDir(dir)
	if err != nil {
		return false, err
	}
	for _, n := range ns {
		if !n.dir && isImage(n.name) && strings.HasSuffix(strings.ToLower(stem(n.name)), isicSuffix) {
			return true, nil
		}
	}
	if depth == 0 {
		return false, nil
	}
	for _, n := range ns {
		if n.dir {
			if ok, err := hasISICMask(n.path, depth-1); ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

// openSegmentation reads the segmentation layout: image+mask sets without
// normal images, one category named after GT's base name; every entry is
// anomalous with ImageLabels false. GT holds either images/ and masks/
// (CVC-ColonDB) or test-image/ and test-mask/ (TN3K, whose JPEG masks get
// MaskThreshold 127), pairing the files of the two folders by stem (a mask
// may also end in _mask); or ISIC files anywhere under GT: masks
// <id>_Segmentation.<ext> (or _segmentation) with images <id>.<ext>, files
// ending in _superpixels skipped. An image without a mask, a mask without an
// image, and two files for one stem are errors.
func (c *context) openSegmentation() ([]Entry, error) {
	cat, err := c.folderCategory(c.gt)
	if err != nil {
		return nil, err
	}
	vs, err := segVariants(c.gt)
	if err != nil {
		return nil, err
	}
	switch len(vs) {
	case 0:
		return nil, fmt.Errorf("dataset folder %s has neither images/ and masks/, nor test-image/ and test-mask/, nor ISIC *_Segmentation masks (segmentation layout)", c.gt)
	case 1:
	default:
		return nil, fmt.Errorf("dataset folder %s matches several segmentation sets (%s): cannot tell which to read", c.gt, strings.Join(vs, ", "))
	}
	// Items are the images, every one anomalous and needing a mask.
	newItem := func(rel, img string) item {
		e := Entry{Category: cat, Key: strings.TrimSuffix(rel, filepath.Ext(rel)), Anomalous: true, ImageLabels: false, PixelLabels: true}
		if c.mode == PredictMode {
			e.ImagePath = img
		}
		return item{Entry: e, files: []string{img}, id: stem(filepath.Base(img))}
	}
	var items []item
	masks := maskIndex{}
	var missing func(*item) error
	var leftover func(mask string) error
	if vs[0] == "isic" {
		imgs := map[string][]string{}
		rels := map[string]string{}
		err := walkFiles(c.gt, func(rel, p string) error {
			if !isImage(rel) {
				return nil
			}
			s := stem(filepath.Base(p))
			ls := strings.ToLower(s)
			switch {
			case strings.HasSuffix(ls, isicSuffix):
				masks.add("", s[:len(s)-len(isicSuffix)], p)
			case strings.HasSuffix(ls, isicSkip):
			default:
				imgs[s] = append(imgs[s], p)
				rels[p] = rel
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, id := range sortedKeys(imgs) {
			it := newItem(rels[imgs[id][0]], imgs[id][0])
			it.files = imgs[id]
			items = append(items, it)
		}
		missing = func(it *item) error {
			return fmt.Errorf("image %s has no mask %s_Segmentation.png under %s", it.file(), it.id, c.gt)
		}
		leftover = func(m string) error { return fmt.Errorf("mask %s has no image under %s", m, c.gt) }
	} else {
		names := strings.SplitN(vs[0], "/", 2)
		imgDir, maskDir := filepath.Join(c.gt, names[0]), filepath.Join(c.gt, names[1])
		if err := masks.addFolder("", maskDir); err != nil {
			return nil, err
		}
		fs, err := imageFiles(imgDir)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			items = append(items, newItem(names[0]+"/"+f.name, f.path))
		}
		missing = func(it *item) error { return fmt.Errorf("image %s has no mask in %s", it.file(), maskDir) }
		leftover = func(m string) error { return fmt.Errorf("mask %s has no image in %s", m, imgDir) }
	}
	entries, err := masks.pair(items, twoImages, missing)
	if err != nil {
		return nil, err
	}
	if _, m := masks.leftover(); m != "" {
		return nil, leftover(m)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("dataset folder %s holds no images (segmentation layout)", c.gt)
	}
	if c.mode == ScoreMode {
		if err := c.attachMaps(entries, func(i int) string { return "image " + items[i].file() }); err != nil {
			return nil, err
		}
	}
	return entries, nil
}
