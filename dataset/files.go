package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zsadbench/zsadbench/internal/inputfile"
)

// imageExts are the image (and mask) file extensions, lower-case.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".bmp": true, ".tif": true, ".tiff": true}

// mapFormats maps a score map extension to its format name.
var mapFormats = map[string]string{".npy": "npy", ".npz": "npz", ".tiff": "tiff", ".tif": "tiff", ".png": "png"}

func lowerExt(name string) string { return strings.ToLower(filepath.Ext(name)) }

func isImage(name string) bool { return imageExts[lowerExt(name)] }

// isMapFile reports whether name is a score map file that mapExt accepts.
func isMapFile(name, mapExt string) bool {
	f, ok := mapFormats[lowerExt(name)]
	return ok && (mapExt == "" || f == mapExt)
}

func stem(name string) string { return strings.TrimSuffix(name, filepath.Ext(name)) }

// maskThreshold returns Entry.MaskThreshold for a mask file.
func maskThreshold(p string) int {
	switch lowerExt(p) {
	case ".jpg", ".jpeg":
		return 127
	}
	return 0
}

func mapExtList(mapExt string) string {
	switch mapExt {
	case "npy":
		return ".npy"
	case "npz":
		return ".npz"
	case "tiff":
		return ".tiff or .tif"
	case "png":
		return ".png"
	}
	return ".npy, .npz, .tiff, .tif or .png"
}

// node is one item of a folder listing; dir follows symbolic links.
type node struct {
	name, path string
	dir        bool
}

// readDir lists dir without hidden names, sorted by name. A broken symbolic
// link is an error naming it. An .npz archive of several arrays is a folder
// (see archiveFolder).
func readDir(dir string) ([]node, error) {
	if archive, inner, ok := inArchive(dir); ok {
		if ns, ok := archiveDir(archive, inner); ok {
			return ns, nil
		}
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read folder %s: %w", dir, err)
	}
	out := make([]node, 0, len(des))
	for _, d := range des {
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		isDir := d.IsDir()
		if d.Type()&os.ModeSymlink != 0 {
			fi, err := os.Stat(p)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", p, err)
			}
			isDir = fi.IsDir()
		}
		if !isDir && archiveFolder(p) {
			// An archive of several maps is the folder of its name
			// without ".npz".
			isDir, name = true, stem(name)
		}
		out = append(out, node{name: name, path: p, dir: isDir})
	}
	return out, nil
}

// subdirs returns the folders of dir (hidden ones left out).
func subdirs(dir string) ([]node, error) {
	ns, err := readDir(dir)
	if err != nil {
		return nil, err
	}
	var out []node
	for _, n := range ns {
		if n.dir {
			out = append(out, n)
		}
	}
	return out, nil
}

// files returns the plain files of dir (hidden ones left out).
func files(dir string) ([]node, error) {
	ns, err := readDir(dir)
	if err != nil {
		return nil, err
	}
	var out []node
	for _, n := range ns {
		if !n.dir {
			out = append(out, n)
		}
	}
	return out, nil
}

// isDir reports whether p is an existing folder (or an archive folder, or a
// folder in one).
func isDir(p string) bool {
	fi, err := os.Stat(p)
	if err == nil && fi.IsDir() {
		return true
	}
	dir, _ := archiveKind(p)
	return dir
}

// isFile reports whether p is an existing non-folder.
func isFile(p string) bool {
	fi, err := os.Stat(p)
	if err == nil {
		return !fi.IsDir() && !archiveFolder(p)
	}
	_, file := archiveKind(p)
	return file
}

// isEmptyDir reports whether dir has nothing in it but hidden names.
func isEmptyDir(dir string) (bool, error) {
	ns, err := readDir(dir)
	return len(ns) == 0, err
}

// walkFiles calls fn for every non-hidden file under root, recursively,
// following symbolic links (a link back to an enclosing folder is skipped),
// with rel the slash-separated path relative to root. Folders are visited in
// name order.
func walkFiles(root string, fn func(rel, p string) error) error {
	var ancestors []os.FileInfo
	var walk func(dir, rel string) error
	walk = func(dir, rel string) error {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			for _, a := range ancestors {
				if os.SameFile(a, fi) {
					return nil
				}
			}
			ancestors = append(ancestors, fi)
			defer func() { ancestors = ancestors[:len(ancestors)-1] }()
		} else if !isDir(dir) { // an archive folder has no links back
			return fmt.Errorf("read folder %s: %w", dir, err)
		}
		ns, err := readDir(dir)
		if err != nil {
			return err
		}
		for _, n := range ns {
			r := n.name
			if rel != "" {
				r = rel + "/" + n.name
			}
			if n.dir {
				if err := walk(n.path, r); err != nil {
					return err
				}
			} else if err := fn(r, n.path); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root, "")
}

// inside reports whether path p is root or lies under it, by the paths as
// written (made absolute), without following links.
func inside(root, p string) bool {
	ar, err1 := filepath.Abs(root)
	ap, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(ar, ap)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// unwrapPathError drops an *fs.PathError's repeat of the path, which the
// caller's message already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// relKey returns the key of file p under root: its slash-separated path
// relative to root without extension. ok is false when p is not under root.
func relKey(root, p string) (key string, ok bool) {
	ar, err1 := filepath.Abs(root)
	ap, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil {
		return "", false
	}
	rel, err := filepath.Rel(ar, ap)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	rel = filepath.ToSlash(rel)
	return strings.TrimSuffix(rel, path.Ext(rel)), true
}

// mapIndex holds the score maps under PRED by key.
type mapIndex struct {
	root   string
	mapExt string
	byKey  map[string][]string // key -> map files, sorted
	used   map[string]bool
}

// indexMaps walks PRED and indexes its map files. When PRED and GT are the
// same folder, a PNG that shares its key with an .npy or TIFF file is taken
// as the image, not a map.
func (c *context) indexMaps() (*mapIndex, error) {
	if c.maps != nil {
		return c.maps, nil
	}
	m := &mapIndex{root: c.pred, mapExt: c.mapExt, byKey: map[string][]string{}, used: map[string]bool{}}
	root, prefix := c.pred, ""
	if c.single != "" {
		// PRED is the parent of a category folder: read only that folder.
		root, prefix = filepath.Join(c.pred, c.single), c.single+"/"
	}
	err := walkFiles(root, func(rel, p string) error {
		rel = prefix + rel
		if isMapFile(rel, c.mapExt) {
			k := strings.TrimSuffix(rel, path.Ext(rel))
			m.byKey[k] = append(m.byKey[k], p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.samePG && c.mapExt == "" {
		for k, ps := range m.byKey {
			if len(ps) < 2 {
				continue
			}
			var nonPNG []string
			for _, p := range ps {
				if lowerExt(p) != ".png" {
					nonPNG = append(nonPNG, p)
				}
			}
			if len(nonPNG) > 0 {
				m.byKey[k] = nonPNG
			}
		}
	}
	c.maps = m
	return m, nil
}

// lookup returns the map of key. what names the image in errors.
func (m *mapIndex) lookup(key, what string) (string, error) {
	ps := m.byKey[key]
	switch len(ps) {
	case 0:
		if len(m.byKey) == 0 {
			return "", fmt.Errorf("score map folder %s holds no maps (%s files)%s", m.root, mapExtList(m.mapExt), foundInstead(m.root, m.mapExt))
		}
		expected := filepath.Join(m.root, filepath.FromSlash(key))
		return "", fmt.Errorf("%s has no score map: expected %s (%s)%s", what, expected, mapExtList(m.mapExt), siblingInstead(expected, m.mapExt))
	case 1:
		m.used[key] = true
		return ps[0], nil
	}
	return "", fmt.Errorf("two score maps for %s: %s and %s (choose a map extension)", what, ps[0], ps[1])
}

// unusedWarning returns a warning naming maps no entry claimed, or nil.
func (m *mapIndex) unusedWarning() error {
	var unused []string
	for k, ps := range m.byKey {
		if !m.used[k] {
			unused = append(unused, ps...)
		}
	}
	if len(unused) == 0 {
		return nil
	}
	sort.Strings(unused)
	return fmt.Errorf("%d score map(s) under %s belong to no image of the dataset (first: %s)", len(unused), m.root, unused[0])
}

// attachMaps sets MapPath of every entry (ScoreMode), naming the image by
// describe(i) in errors, and warns about maps no entry claimed when PRED and
// GT are different folders and no category filter is set.
func (c *context) attachMaps(entries []Entry, describe func(i int) string) error {
	m, err := c.indexMaps()
	if err != nil {
		return err
	}
	for i := range entries {
		p, err := m.lookup(entries[i].Key, describe(i))
		if err != nil {
			return err
		}
		entries[i].MapPath = p
	}
	c.warnUnusedMaps(m)
	return nil
}

// warnUnusedMaps warns about maps no entry claimed, when PRED and GT are
// different folders and no category filter is set.
func (c *context) warnUnusedMaps(m *mapIndex) {
	if !c.samePG && len(c.cats) == 0 {
		if w := m.unusedWarning(); w != nil {
			c.warnings = append(c.warnings, w)
		}
	}
}

// statFile returns an error naming p (and what it is) unless p is an
// existing regular file (a device or a named pipe would never be read to
// its end).
func statFile(p, what string) error {
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s %s does not exist", what, p)
		}
		return fmt.Errorf("%s %s: %w", what, p, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("%s %s is a folder, not a file", what, p)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s %s: %w", what, p, unwrapPathError(inputfile.Check(p)))
	}
	return nil
}

// imageFiles lists the image files directly in dir; two images with one stem
// (000.png and 000.bmp) are an error naming both.
func imageFiles(dir string) ([]node, error) {
	fs, err := files(dir)
	if err != nil {
		return nil, err
	}
	var out []node
	seen := map[string]string{}
	for _, f := range fs {
		if !isImage(f.name) {
			continue
		}
		id := stem(f.name)
		if prev, dup := seen[id]; dup {
			return nil, twoImages(prev, f.path)
		}
		seen[id] = f.path
		out = append(out, f)
	}
	return out, nil
}

// folderCategory names the one category of a single-category layout after
// folder dir, and checks it against the categories asked for.
func (c *context) folderCategory(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("folder %s: %w", dir, err)
	}
	cat := filepath.Base(abs)
	if archiveFolder(abs) {
		cat = stem(cat)
	}
	if _, err := c.selectCategories([]string{cat}); err != nil {
		return "", err
	}
	return cat, nil
}

// readCSV reads a CSV file with a header: header gets the first record, with
// a byte-order mark removed from its first cell, then row every other record
// with its line number. fields is csv.Reader.FieldsPerRecord. An empty file
// is an error.
func readCSV(r io.Reader, fields int, header func([]string) error, row func(rec []string, line int) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = fields
	h, err := cr.Read()
	if err == io.EOF {
		return errors.New("empty file")
	}
	if err != nil {
		return err
	}
	h[0] = strings.TrimPrefix(h[0], "\ufeff")
	if err := header(h); err != nil {
		return err
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		line, _ := cr.FieldPos(0)
		if err := row(rec, line); err != nil {
			return err
		}
	}
}
