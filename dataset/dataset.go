package dataset

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Layout names a dataset layout (see the package documentation).
type Layout string

// The layouts Open understands.
const (
	Auto         Layout = "auto"
	MVTec        Layout = "mvtec"
	Flat         Layout = "flat"
	Meta         Layout = "meta"
	JSONL        Layout = "jsonl"
	VisA         Layout = "visa"
	BTAD         Layout = "btad"
	Folders      Layout = "folders"
	Segmentation Layout = "segmentation"
)

// Layouts returns every layout name, "auto" first.
func Layouts() []Layout {
	return []Layout{Auto, MVTec, Flat, Meta, JSONL, VisA, BTAD, Folders, Segmentation}
}

// Mode says which file each entry must come with.
type Mode int

const (
	// ScoreMode: every entry has a MapPath (an existing score map under
	// Options.Pred), and an ImagePath when the dataset holds the image. An
	// image the layout lists without a map is an error naming the expected
	// map path.
	ScoreMode Mode = iota
	// PredictMode: every entry has an ImagePath (an existing image under
	// Options.GT); MapPath is "" and Options.Pred is not read.
	PredictMode
)

// String returns "score" or "predict".
func (m Mode) String() string {
	switch m {
	case ScoreMode:
		return "score"
	case PredictMode:
		return "predict"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Options says where a dataset is and what to take from it.
type Options struct {
	// Layout is one of Layouts(); "" means Auto. Auto uses the index layout
	// (jsonl for a Meta file ending in ".jsonl", else meta) when Meta is set,
	// and Detect otherwise.
	Layout Layout
	// Pred is the folder of score maps (ScoreMode); ignored in PredictMode.
	Pred string
	// GT is the dataset root: masks, images, and the base of the relative
	// paths of an index. For the meta and jsonl layouts it defaults to the
	// index file's folder; the other layouts require it.
	GT string
	// Meta is the index file of the meta and jsonl layouts.
	Meta string
	// MapExt restricts score maps to one format: "npy", "npz" (an archive of
	// one array; the maps in an archive of several are .npy files, see
	// archiveFolder), "tiff" (matching .tiff and .tif), "tif" (the same) or
	// "png"; "" accepts all of them.
	MapExt string
	// Categories keeps only these categories; empty keeps all. A name the
	// dataset does not have is an error listing the ones it has.
	Categories []string
	// Mode is ScoreMode (the zero value) or PredictMode.
	Mode Mode
	// MasksOutside lets an index (meta.json, JSONL, VisA's CSV) name mask
	// files outside GT: an absolute path elsewhere, or one that climbs out
	// with "..". By default such a mask is an error wrapping
	// ErrOutsideDataset, as an image outside GT always is (its key is its
	// path under GT), so that an index cannot make zsadbench read an
	// arbitrary file.
	MasksOutside bool
}

// ErrOutsideDataset is wrapped by the error for a path an index names
// outside the dataset folder.
var ErrOutsideDataset = errors.New("not inside the dataset folder")

// Entry is one test image of a dataset.
type Entry struct {
	// Category is the image's category (an MVTec class, a meta.json cls_name,
	// or the dataset folder's name for single-category layouts).
	Category string
	// Key is the image's path relative to the dataset root without its
	// extension, slash-separated ("bottle/test/broken_large/000"); for the
	// flat layout in ScoreMode it is the map's stem. Keys are unique within a
	// Dataset. Score maps are mirrored under PRED by key, and the key is the
	// name of the image in scores files and protocol files.
	Key string
	// ImagePath is the image file: always in PredictMode; in ScoreMode the
	// file GT/<key>.<image ext> when the dataset holds exactly one, else "".
	// Its size is the ground truth's of an image without a mask.
	ImagePath string
	// MapPath is the score map file (ScoreMode only, else "").
	MapPath string
	// MaskPath is the ground-truth mask file, "" when the image has none: an
	// all-normal image when PixelLabels is true.
	MaskPath string
	// MaskThreshold is the default rule for MaskPath: a mask pixel is
	// anomalous when its value (in the file's own integer scale) is greater
	// than MaskThreshold. It is 127 for JPEG masks (whose compression noise
	// would otherwise count) and 0 for every other format (VisA's class-id
	// masks included).
	MaskThreshold int
	// Defect is the defect type of an anomalous image, as the layout names
	// it: its defect folder (mvtec) or the index's specie_name (meta); ""
	// for normal images and where the layout names no types.
	Defect string
	// Anomalous is the dataset's own image label. For pixel-labelled images
	// the mask decides in the metrics; this label says what the layout
	// claims (an MVTec defect folder other than "good", a VisA "anomaly" row).
	Anomalous bool
	// ImageLabels is false for segmentation-only datasets (every image is
	// anomalous by construction): image-level metrics must be null. It is the
	// same for every entry of a category.
	ImageLabels bool
	// PixelLabels is false for classification-only data (the folders
	// layout, and index categories whose anomalous images have no mask file):
	// pixel-level metrics must be null. It is the same for every entry of a
	// category.
	PixelLabels bool
}

// Dataset is the result of Open.
type Dataset struct {
	// Layout is the layout used (never Auto).
	Layout Layout
	// Entries are sorted by category, then key.
	Entries []Entry
	// Categories are the categories of Entries, sorted, without repeats.
	Categories []string
	// AllCategories are the categories the dataset holds, of which
	// Options.Categories kept Categories; sorted. A category folder (see
	// the mvtec layout) holds its one category.
	AllCategories []string
	// Subset is true when only part of the folders was read: a category
	// filter, or a category folder read as part of its parent. Files that
	// name images of the whole (scores, protocols) may then name images
	// that are not in Entries.
	Subset bool
	// Warnings are facts worth telling the user that did not stop Open (an
	// empty GT folder, maps under PRED that no image claims).
	Warnings []error
}

// Open finds the entries of the dataset that opts describes. Every file an
// entry needs in opts.Mode is checked to exist (the map and mask in
// ScoreMode, where images named by an index file are not checked; the image
// and mask in PredictMode); any problem is an error naming the file, folder
// or index entry. Files are never opened or decoded.
func Open(opts Options) (*Dataset, error) {
	c, err := newContext(opts)
	if err != nil {
		return nil, err
	}
	var entries []Entry
	switch c.layout {
	case MVTec:
		entries, err = c.openMVTec()
	case Flat:
		entries, err = c.openFlat()
	case Meta:
		entries, err = c.openMeta()
	case JSONL:
		entries, err = c.openJSONL()
	case VisA:
		entries, err = c.openVisA()
	case BTAD:
		entries, err = c.openBTAD()
	case Folders:
		entries, err = c.openFolders()
	case Segmentation:
		entries, err = c.openSegmentation()
	}
	if err != nil {
		return nil, err
	}
	if err := checkUniqueKeys(entries); err != nil {
		return nil, err
	}
	if c.mode == ScoreMode {
		if err := c.attachImages(entries); err != nil {
			return nil, err
		}
	}
	sortEntries(entries)
	d := &Dataset{Layout: c.layout, Entries: entries, Warnings: c.warnings, Subset: len(c.cats) > 0}
	seen := map[string]bool{}
	for _, e := range entries {
		if !seen[e.Category] {
			seen[e.Category] = true
			d.Categories = append(d.Categories, e.Category)
		}
	}
	sort.Strings(d.Categories)
	d.AllCategories = append(d.AllCategories, d.Categories...)
	if len(c.cats) > 0 {
		d.AllCategories = append(d.AllCategories, c.known...)
	}
	sort.Strings(d.AllCategories)
	d.AllCategories = dedupSorted(d.AllCategories)
	return d, nil
}

// context holds the checked options of one Open call.
type context struct {
	layout  Layout
	mode    Mode
	pred    string // "" in PredictMode
	gt      string
	meta    string
	mapExt  string // "", "npy", "tiff" or "png"
	cats    []string
	outside bool     // Options.MasksOutside
	samePG  bool     // PRED and GT are the same folder
	known   []string // the categories the layout found, before cats
	// single is the one category of a category folder given as GT or PRED
	// (see singleCategory), whose parent GT or PRED then is; "" otherwise.
	single   string
	maps     *mapIndex
	warnings []error
}

func newContext(o Options) (*context, error) {
	c := &context{mode: o.Mode, gt: o.GT, meta: o.Meta, cats: o.Categories, outside: o.MasksOutside}
	if o.Mode != ScoreMode && o.Mode != PredictMode {
		return nil, fmt.Errorf("dataset: unknown mode %d", int(o.Mode))
	}
	ext, err := normalizeMapExt(o.MapExt)
	if err != nil {
		return nil, err
	}
	c.mapExt = ext
	layout := o.Layout
	if layout == "" {
		layout = Auto
	}
	if !validLayout(layout) {
		return nil, fmt.Errorf("unknown layout %q (known: %s)", layout, joinLayouts())
	}
	if o.Mode == ScoreMode {
		if o.Pred == "" {
			return nil, errors.New("no score map folder given (score mode needs one)")
		}
		c.pred = o.Pred
		if err := checkDir(c.pred, "score map folder"); err != nil {
			return nil, err
		}
	}
	if layout == Auto && o.Meta != "" {
		layout = Meta
		if strings.EqualFold(filepath.Ext(o.Meta), ".jsonl") {
			layout = JSONL
		}
	}
	if layout == Meta || layout == JSONL {
		if o.Meta == "" {
			return nil, fmt.Errorf("the %s layout needs an index file", layout)
		}
		if c.gt == "" {
			c.gt = filepath.Dir(o.Meta)
		}
	} else if o.Meta != "" {
		return nil, fmt.Errorf("index file %s given, but the %s layout reads none", o.Meta, layout)
	}
	if c.gt == "" {
		return nil, errors.New("no dataset folder given (the ground-truth folder)")
	}
	if err := checkDir(c.gt, "dataset folder"); err != nil {
		return nil, err
	}
	if layout == Auto {
		layout, err = Detect(c.gt, c.pred)
		if err != nil {
			return nil, err
		}
	}
	c.layout = layout
	if c.pred != "" {
		c.samePG = sameDir(c.pred, c.gt)
	}
	if layout == MVTec {
		if err := c.singleCategory(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func validLayout(l Layout) bool {
	for _, k := range Layouts() {
		if l == k {
			return true
		}
	}
	return false
}

func joinLayouts() string {
	var s []string
	for _, l := range Layouts() {
		s = append(s, string(l))
	}
	return strings.Join(s, ", ")
}

func normalizeMapExt(s string) (string, error) {
	switch strings.ToLower(strings.TrimPrefix(s, ".")) {
	case "":
		return "", nil
	case "npy":
		return "npy", nil
	case "npz":
		return "npz", nil
	case "tiff", "tif":
		return "tiff", nil
	case "png":
		return "png", nil
	}
	return "", fmt.Errorf("unknown map extension %q (known: npy, npz, tiff, png)", s)
}

// checkDir returns an error naming path unless it is an existing folder
// (or an archive folder, see archiveFolder).
func checkDir(path, what string) error {
	if archiveFolder(path) {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s %s does not exist", what, path)
		}
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s %s is not a folder", what, path)
	}
	return nil
}

func sameDir(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(fa, fb)
}

// selectCategories returns the set of categories to keep, nil meaning all.
// known need not be sorted.
func (c *context) selectCategories(known []string) (map[string]bool, error) {
	c.known = append(c.known, known...)
	if len(c.cats) == 0 {
		return nil, nil
	}
	have := map[string]bool{}
	for _, k := range known {
		have[k] = true
	}
	keep := map[string]bool{}
	for _, w := range c.cats {
		if !have[w] {
			list := append([]string(nil), known...)
			sort.Strings(list)
			list = dedupSorted(list)
			return nil, fmt.Errorf("unknown category %q (known: %s)", w, strings.Join(list, ", "))
		}
		keep[w] = true
	}
	return keep, nil
}

func keep(sel map[string]bool, cat string) bool { return sel == nil || sel[cat] }

func dedupSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func sortEntries(e []Entry) {
	sort.Slice(e, func(i, j int) bool {
		if e[i].Category != e[j].Category {
			return e[i].Category < e[j].Category
		}
		return e[i].Key < e[j].Key
	})
}

func checkUniqueKeys(entries []Entry) error {
	seen := make(map[string]int, len(entries))
	for i, e := range entries {
		if j, ok := seen[e.Key]; ok {
			return fmt.Errorf("two images have the key %q: %s and %s", e.Key, entryFile(entries[j]), entryFile(e))
		}
		seen[e.Key] = i
	}
	return nil
}

func entryFile(e Entry) string {
	if e.ImagePath != "" {
		return e.ImagePath
	}
	if e.MapPath != "" {
		return e.MapPath
	}
	return e.Key
}

// setPixelLabels makes PixelLabels false for every entry of a category that
// has an anomalous entry without a mask file (noMask[category] is true).
func setPixelLabels(entries []Entry, noMask map[string]bool) {
	for i := range entries {
		entries[i].PixelLabels = !noMask[entries[i].Category]
	}
}
