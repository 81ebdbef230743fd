package dataset

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Detect returns the layout of the dataset at gt, with score maps at pred
// ("" in predict mode), by what it finds. The dataset-specific layouts are
// recognised in gt:
//
//   - visa: split_csv/1cls.csv exists;
//   - btad: a folder <class>/test/ok or <class>/test/ko exists;
//   - folders: labels.csv exists, or folders yes/ and no/;
//   - segmentation: folders images/ and masks/, or test-image/ and
//     test-mask/, or an ISIC *_Segmentation mask in gt or one folder down.
//
// When exactly one of those matches it is the layout (btad wins over mvtec,
// whose shape it shares; segmentation over flat). When none does, the generic
// layouts are recognised in pred (gt when pred is ""):
//
//   - mvtec: a folder <category>/test/ exists, or test/ itself (a category
//     folder);
//   - flat: score maps (images, in predict mode) lie directly in the folder.
//
// Several matches at one step are an error naming the candidates; so is no
// match. meta and jsonl are never detected: they need an index file.
func Detect(gt, pred string) (Layout, error) {
	if err := checkDir(gt, "dataset folder"); err != nil {
		return "", err
	}
	if pred != "" {
		if err := checkDir(pred, "score map folder"); err != nil {
			return "", err
		}
	}
	var specific []Layout
	if isFile(filepath.Join(gt, filepath.FromSlash(visaCSV))) {
		specific = append(specific, VisA)
	}
	ds, err := subdirs(gt)
	if err != nil {
		return "", err
	}
	for _, d := range ds {
		if isDir(filepath.Join(d.path, "test", "ok")) || isDir(filepath.Join(d.path, "test", "ko")) {
			specific = append(specific, BTAD)
			break
		}
	}
	yes, no := false, false
	for _, d := range ds {
		yes = yes || strings.EqualFold(d.name, "yes")
		no = no || strings.EqualFold(d.name, "no")
	}
	if isFile(filepath.Join(gt, labelsCSV)) || (yes && no) {
		specific = append(specific, Folders)
	}
	vs, err := segVariants(gt)
	if err != nil {
		return "", err
	}
	if len(vs) > 0 {
		specific = append(specific, Segmentation)
	}
	switch len(specific) {
	case 1:
		return specific[0], nil
	case 0:
	default:
		return "", fmt.Errorf("cannot tell the layout of %s: it looks like %s; choose one", gt, joinLayoutList(specific))
	}
	root, what := gt, "images"
	if pred != "" {
		root, what = pred, "score maps"
	}
	var generic []Layout
	cats, err := mvtecCategories(root, false)
	if err != nil {
		return "", err
	}
	if len(cats) > 0 || isCategoryFolder(root, false) {
		generic = append(generic, MVTec)
	}
	fs, err := files(root)
	if err != nil {
		return "", err
	}
	for _, f := range fs {
		if (pred != "" && isMapFile(f.name, "")) || (pred == "" && isImage(f.name)) {
			generic = append(generic, Flat)
			break
		}
	}
	switch len(generic) {
	case 1:
		return generic[0], nil
	case 0:
		return "", fmt.Errorf("cannot tell the layout of %s: no <category>/test/ folders (mvtec) and no %s directly inside (flat); choose a layout", root, what)
	}
	return "", fmt.Errorf("cannot tell the layout of %s: it looks like %s; choose one", root, joinLayoutList(generic))
}

func joinLayoutList(ls []Layout) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, " and ")
}
