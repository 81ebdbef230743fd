package dataset

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zsadbench/zsadbench/internal/inputfile"
)

// labelsCSV is HeadCT's label file, at the dataset root.
const labelsCSV = "labels.csv"

type idLabel struct {
	line      int
	anomalous bool
}

// parseLabels reads HeadCT's labels.csv: a header of two columns, the first
// named "id" (HeadCT writes "id, hemorrhage": names are trimmed of spaces),
// then rows of a non-negative integer id and a label 0 or 1 (spaces around
// either are ignored). A repeated id is an error.
func parseLabels(r io.Reader) (map[int]idLabel, error) {
	out := map[int]idLabel{}
	err := readCSV(r, 2, func(header []string) error {
		if h := strings.ToLower(strings.TrimSpace(header[0])); h != "id" {
			return fmt.Errorf("line 1: first column is %q, want \"id\"", strings.TrimSpace(header[0]))
		}
		return nil
	}, func(rec []string, line int) error {
		id, err := strconv.Atoi(strings.TrimSpace(rec[0]))
		if err != nil || id < 0 {
			return fmt.Errorf("line %d: id %q is not a non-negative integer", line, rec[0])
		}
		l := idLabel{line: line}
		switch strings.TrimSpace(rec[1]) {
		case "0":
		case "1":
			l.anomalous = true
		default:
			return fmt.Errorf("line %d: label %q is not 0 or 1", line, rec[1])
		}
		if prev, dup := out[id]; dup {
			return fmt.Errorf("line %d: id %d already given on line %d", line, id, prev.line)
		}
		out[id] = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// openFolders reads the folders layout, classification only (PixelLabels
// false, no masks), one category named after GT's base name. Either GT
// holds labels.csv (HeadCT): every image under GT, at any depth, is named
// by its integer id ("000.png" is id 0) and labelled by labels.csv; an image
// whose name is not an integer or not in the file, two images with one id,
// and an id without an image are errors. Or GT holds yes/ (anomalous) and
// no/ (normal) folders (BrainMRI, Br35H; letter case ignored): every image
// under them is an entry; any other folder, or an image beside them, is an
// error, never silently labelled.
func (c *context) openFolders() ([]Entry, error) {
	cat, err := c.folderCategory(c.gt)
	if err != nil {
		return nil, err
	}
	labelsPath := filepath.Join(c.gt, labelsCSV)
	hasLabels := isFile(labelsPath)
	top, err := readDir(c.gt)
	if err != nil {
		return nil, err
	}
	var yes, no string
	for _, n := range top {
		if n.dir && strings.EqualFold(n.name, "yes") {
			yes = n.path
		}
		if n.dir && strings.EqualFold(n.name, "no") {
			no = n.path
		}
	}
	var entries []Entry
	var images []string
	add := func(rel, p string, anomalous bool) {
		key := strings.TrimSuffix(rel, filepath.Ext(rel))
		e := Entry{Category: cat, Key: key, Anomalous: anomalous, ImageLabels: true}
		if c.mode == PredictMode {
			e.ImagePath = p
		}
		entries = append(entries, e)
		images = append(images, p)
	}
	switch {
	case hasLabels && (yes != "" || no != ""):
		return nil, fmt.Errorf("dataset folder %s holds both %s and yes/ or no/ folders: cannot tell which labels to use (folders layout)", c.gt, labelsCSV)
	case hasLabels:
		f, err := inputfile.OpenLimited(labelsPath, maxIndexBytes)
		if err != nil {
			return nil, fmt.Errorf("read labels %s: %w", labelsPath, unwrapPathError(err))
		}
		labels, err := parseLabels(bufio.NewReader(f))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read labels %s: %w", labelsPath, err)
		}
		byID := map[int]string{}
		err = walkFiles(c.gt, func(rel, p string) error {
			if !isImage(rel) {
				return nil
			}
			id, err := strconv.Atoi(stem(filepath.Base(p)))
			if err != nil || id < 0 {
				return fmt.Errorf("image %s: its name is not an id, so %s cannot label it", p, labelsPath)
			}
			if prev, dup := byID[id]; dup {
				return fmt.Errorf("two images with id %d: %s and %s", id, prev, p)
			}
			l, ok := labels[id]
			if !ok {
				return fmt.Errorf("image %s: id %d is not in %s", p, id, labelsPath)
			}
			byID[id] = p
			add(rel, p, l.anomalous)
			return nil
		})
		if err != nil {
			return nil, err
		}
		missing, missingLine := -1, 0
		for id, l := range labels {
			if _, ok := byID[id]; !ok && (missing < 0 || l.line < missingLine) {
				missing, missingLine = id, l.line
			}
		}
		if missing >= 0 {
			return nil, fmt.Errorf("%s:%d: no image for id %d under %s", labelsPath, missingLine, missing, c.gt)
		}
	case yes != "" || no != "":
		if yes == "" || no == "" {
			return nil, fmt.Errorf("dataset folder %s needs both yes/ and no/ folders (folders layout)", c.gt)
		}
		for _, n := range top {
			switch {
			case n.path == yes || n.path == no:
			case n.dir:
				return nil, fmt.Errorf("folder %s is neither yes/ nor no/: its images have no label (folders layout); move it out of %s", n.path, c.gt)
			case isImage(n.name):
				return nil, fmt.Errorf("image %s is outside yes/ and no/: it has no label (folders layout)", n.path)
			}
		}
		for _, d := range []string{no, yes} {
			base := filepath.Base(d)
			err := walkFiles(d, func(rel, p string) error {
				if isImage(rel) {
					add(base+"/"+rel, p, d == yes)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("dataset folder %s has neither %s nor yes/ and no/ folders (folders layout)", c.gt, labelsCSV)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("dataset folder %s holds no images (folders layout)", c.gt)
	}
	if c.mode == ScoreMode {
		if err := c.attachMaps(entries, func(i int) string { return "image " + images[i] }); err != nil {
			return nil, err
		}
	}
	return entries, nil
}
