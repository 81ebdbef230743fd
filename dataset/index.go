package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zsadbench/zsadbench/internal/inputfile"
)

// indexRecord is one image of an index file (meta.json or JSONL).
type indexRecord struct {
	where     string // the entry's place in the file: `test/bottle[3]`, `line 12`
	img       string // image path as written (relative to GT, or absolute)
	mask      string // mask path as written; "" when absent
	cls       string // category
	defect    string // specie_name (meta), "" when absent
	anomalous bool
}

func (r indexRecord) describe() string {
	return fmt.Sprintf("%s (%q)", r.where, r.img)
}

// maxIndexLine bounds one JSONL line.
const maxIndexLine = 1 << 20

// maxIndexBytes bounds an index file (meta.json, JSONL, VisA's CSV, a
// labels CSV): a few megabytes for the largest public datasets.
const maxIndexBytes = 256 << 20

// parseMeta reads an AnomalyCLIP-family meta.json:
// {"train": {cls: [entry...]}, "test": {cls: [entry...]}} with entries
// {"img_path", "mask_path", "cls_name", "specie_name", "anomaly"}. Only the
// test split is read; its key may be written in any letter case ("Test"),
// but only one such key may exist. img_path and cls_name must be non-empty
// strings, mask_path a string, anomaly 0 or 1 (or a JSON boolean);
// specie_name, the defect type, is read when it is a string (AnomalyCLIP
// writes "" for VisA); unknown keys are not read. Records come in
// class-name order, then file order.
func parseMeta(r io.Reader) ([]indexRecord, error) {
	dec := json.NewDecoder(r)
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if top == nil {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	var testKey string
	for k := range top {
		if strings.EqualFold(k, "test") {
			if testKey != "" {
				a, b := testKey, k
				if a > b {
					a, b = b, a
				}
				return nil, fmt.Errorf("two test splits, %q and %q", a, b)
			}
			testKey = k
		}
	}
	if testKey == "" {
		return nil, errors.New(`no "test" split`)
	}
	var split map[string]json.RawMessage
	if err := json.Unmarshal(top[testKey], &split); err != nil || split == nil {
		return nil, fmt.Errorf("%q is not an object of classes", testKey)
	}
	var recs []indexRecord
	for _, cls := range sortedKeys(split) {
		var list []json.RawMessage
		if err := json.Unmarshal(split[cls], &list); err != nil {
			return nil, fmt.Errorf("%s/%s is not a list of entries", testKey, cls)
		}
		for i, raw := range list {
			where := fmt.Sprintf("%s/%s[%d]", testKey, cls, i)
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
				return nil, fmt.Errorf("%s is not an object", where)
			}
			rec := indexRecord{where: where}
			var err error
			if rec.img, err = stringField(obj, "img_path", true, true); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if rec.mask, err = stringField(obj, "mask_path", true, false); err != nil {
				return nil, fmt.Errorf("%s: %w", rec.describe(), err)
			}
			if rec.cls, err = stringField(obj, "cls_name", true, true); err != nil {
				return nil, fmt.Errorf("%s: %w", rec.describe(), err)
			}
			if rec.anomalous, err = labelField(obj, "anomaly"); err != nil {
				return nil, fmt.Errorf("%s: %w", rec.describe(), err)
			}
			rec.defect, _ = stringField(obj, "specie_name", false, false) // another type: no defect type
			recs = append(recs, rec)
		}
	}
	return recs, nil
}

// parseJSONL reads AA-CLIP's JSON lines: one object a line with
// "image_path" and "class_name" (non-empty strings), "label" (0 or 1, as an
// integer, a float or a JSON boolean) and "mask_path" (a string or null,
// absent for normal images). Blank lines are skipped; unknown keys are not
// read.
func parseJSONL(r io.Reader) ([]indexRecord, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxIndexLine)
	var recs []indexRecord
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		where := fmt.Sprintf("line %d", n)
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(line, &obj); err != nil || obj == nil {
			msg := "not a JSON object"
			if err != nil {
				msg += ": " + err.Error()
			}
			return nil, fmt.Errorf("%s: %s", where, msg)
		}
		rec := indexRecord{where: where}
		var err error
		if rec.img, err = stringField(obj, "image_path", true, true); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if rec.cls, err = stringField(obj, "class_name", true, true); err != nil {
			return nil, fmt.Errorf("%s: %w", rec.describe(), err)
		}
		if rec.anomalous, err = labelField(obj, "label"); err != nil {
			return nil, fmt.Errorf("%s: %w", rec.describe(), err)
		}
		if rec.mask, err = stringField(obj, "mask_path", false, false); err != nil {
			return nil, fmt.Errorf("%s: %w", rec.describe(), err)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("a line longer than %d bytes", maxIndexLine)
		}
		return nil, err
	}
	return recs, nil
}

// stringField returns obj[key] as a string. A missing key (or null when not
// required) gives "" unless required.
func stringField(obj map[string]json.RawMessage, key string, required, nonEmpty bool) (string, error) {
	raw, ok := obj[key]
	if !ok || (!required && string(raw) == "null") {
		if required {
			return "", fmt.Errorf("missing key %q", key)
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%q is not a string", key)
	}
	if nonEmpty && s == "" {
		return "", fmt.Errorf("%q is empty", key)
	}
	return s, nil
}

// labelField returns obj[key] as an image label: 0 or 1 (any JSON number
// equal to them) or a boolean.
func labelField(obj map[string]json.RawMessage, key string) (bool, error) {
	raw, ok := obj[key]
	if !ok {
		return false, fmt.Errorf("missing key %q", key)
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return false, fmt.Errorf("%q is %s, not 0 or 1", key, raw)
	}
	switch f {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, fmt.Errorf("%q is %s, not 0 or 1", key, raw)
}

func (c *context) openMeta() ([]Entry, error)  { return c.openIndex(parseMeta) }
func (c *context) openJSONL() ([]Entry, error) { return c.openIndex(parseJSONL) }

// openIndex reads the index file c.meta with parse and resolves its records:
// paths relative to GT (or absolute, then under GT), the key of an image is
// its path relative to GT. An anomalous record's mask must exist unless its
// mask path is empty or a folder (AnomalyCLIP's convention for
// classification-only data): its category then has no pixel labels. A normal
// record's mask path is not read (AnomalyCLIP treats it as all-zero).
func (c *context) openIndex(parse func(io.Reader) ([]indexRecord, error)) ([]Entry, error) {
	f, err := inputfile.OpenLimited(c.meta, maxIndexBytes)
	if err != nil {
		return nil, fmt.Errorf("read index %s: %w", c.meta, unwrapPathError(err))
	}
	recs, err := parse(bufio.NewReader(f))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("read index %s: %w", c.meta, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("index %s lists no test images", c.meta)
	}
	var cats []string
	for _, r := range recs {
		cats = append(cats, r.cls)
	}
	sel, err := c.selectCategories(cats)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", c.meta, err)
	}
	fail := func(r indexRecord, format string, args ...any) error {
		return fmt.Errorf("index %s: %s: %w", c.meta, r.describe(), fmt.Errorf(format, args...))
	}
	var entries []Entry
	var kept []indexRecord
	noMask := map[string]bool{}
	byKey := map[string]indexRecord{}
	for _, r := range recs {
		if !keep(sel, r.cls) {
			continue
		}
		img := c.resolve(r.img)
		key, ok := relKey(c.gt, img)
		if !ok {
			return nil, fail(r, "image %s is %v %s", img, ErrOutsideDataset, c.gt)
		}
		if prev, dup := byKey[key]; dup {
			return nil, fmt.Errorf("index %s: entries %s and %s name one image (key %q)", c.meta, prev.describe(), r.describe(), key)
		}
		byKey[key] = r
		e := Entry{Category: r.cls, Key: key, Anomalous: r.anomalous, ImageLabels: true}
		if r.anomalous {
			e.Defect = r.defect
		}
		if c.mode == PredictMode {
			if err := statFile(img, "image"); err != nil {
				return nil, fmt.Errorf("index %s: %s: %w", c.meta, r.describe(), err)
			}
			e.ImagePath = img
		}
		if r.anomalous {
			if r.mask == "" {
				noMask[r.cls] = true
			} else {
				m, err := c.indexMask(r.mask)
				if err != nil {
					return nil, fail(r, "%w", err)
				}
				fi, err := os.Stat(m)
				switch {
				case err != nil:
					if errors.Is(err, os.ErrNotExist) {
						return nil, fail(r, "mask %s does not exist", m)
					}
					return nil, fail(r, "mask %s: %v", m, err)
				case fi.IsDir():
					noMask[r.cls] = true
				case !fi.Mode().IsRegular():
					return nil, fail(r, "mask %s: %v", m, unwrapPathError(inputfile.Check(m)))
				default:
					e.MaskPath, e.MaskThreshold = m, maskThreshold(m)
				}
			}
		}
		entries = append(entries, e)
		kept = append(kept, r)
	}
	setPixelLabels(entries, noMask)
	if c.mode == ScoreMode {
		err := c.attachMaps(entries, func(i int) string {
			return fmt.Sprintf("index %s entry %s", c.meta, kept[i].describe())
		})
		if err != nil {
			return nil, err
		}
	}
	if len(noMask) > 0 {
		cs := sortedKeys(noMask)
		sort.Strings(cs)
		c.warnings = append(c.warnings, fmt.Errorf("index %s: categories without masks for their anomalous images have no pixel labels: %s", c.meta, strings.Join(cs, ", ")))
	}
	return entries, nil
}

// indexMask resolves a mask path written in an index (see resolve) and
// returns an error wrapping ErrOutsideDataset when it lies outside GT and
// Options.MasksOutside is false. The test is on the path as written, as
// for images: a symbolic link inside GT may point elsewhere.
func (c *context) indexMask(p string) (string, error) {
	m := c.resolve(p)
	if !c.outside && !inside(c.gt, m) {
		return "", fmt.Errorf("mask %s is %w %s", m, ErrOutsideDataset, c.gt)
	}
	return m, nil
}

// resolve returns p (written with slashes) as a path: absolute as is, else
// under GT.
func (c *context) resolve(p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(c.gt, p)
}
