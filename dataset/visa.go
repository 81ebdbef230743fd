package dataset

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/zsadbench/zsadbench/internal/inputfile"
)

// visaCSV is VisA's split file, relative to the dataset root.
const visaCSV = "split_csv/1cls.csv"

type visaRow struct {
	line                int
	object, image, mask string
	anomalous           bool
}

// parseVisA reads VisA's 1cls.csv: a header naming the columns object, split,
// label, image and mask (in any order, letter case and surrounding spaces
// ignored; other columns allowed), then one row an image. Only rows whose
// split is "test" are returned; their label must be "normal" or "anomaly"
// (letter case ignored) and object and image non-empty.
func parseVisA(r io.Reader) ([]visaRow, error) {
	col := map[string]int{}
	var rows []visaRow
	err := readCSV(r, 0, func(header []string) error {
		for i, h := range header {
			col[strings.ToLower(strings.TrimSpace(h))] = i
		}
		for _, want := range []string{"object", "split", "label", "image", "mask"} {
			if _, ok := col[want]; !ok {
				return fmt.Errorf("header has no column %q", want)
			}
		}
		return nil
	}, func(rec []string, line int) error {
		get := func(k string) string { return strings.TrimSpace(rec[col[k]]) }
		if !strings.EqualFold(get("split"), "test") {
			return nil
		}
		row := visaRow{line: line, object: get("object"), image: get("image"), mask: get("mask")}
		switch strings.ToLower(get("label")) {
		case "normal":
		case "anomaly":
			row.anomalous = true
		default:
			return fmt.Errorf("line %d: label %q is neither \"normal\" nor \"anomaly\"", line, get("label"))
		}
		if row.object == "" || row.image == "" {
			return fmt.Errorf("line %d: empty object or image", line)
		}
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// openVisA reads the visa layout: GT/split_csv/1cls.csv, paths relative to
// GT, categories from the object column. An anomalous row needs an existing
// mask; a normal row's mask, when given, must exist too. Masks hold
// defect-class ids (anomalous = non-zero).
func (c *context) openVisA() ([]Entry, error) {
	csvPath := filepath.Join(c.gt, filepath.FromSlash(visaCSV))
	f, err := inputfile.OpenLimited(csvPath, maxIndexBytes)
	if err != nil {
		return nil, fmt.Errorf("read VisA split %s: %w", csvPath, unwrapPathError(err))
	}
	rows, err := parseVisA(bufio.NewReader(f))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("read VisA split %s: %w", csvPath, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("VisA split %s has no test rows", csvPath)
	}
	var cats []string
	for _, r := range rows {
		cats = append(cats, r.object)
	}
	sel, err := c.selectCategories(cats)
	if err != nil {
		return nil, err
	}
	var entries []Entry
	var places []string // "<csv>:<line> image <path>", by entry
	for _, r := range rows {
		if !keep(sel, r.object) {
			continue
		}
		at := fmt.Sprintf("%s:%d", csvPath, r.line)
		img := c.resolve(r.image)
		key, ok := relKey(c.gt, img)
		if !ok {
			return nil, fmt.Errorf("%s: image %s is not inside the dataset folder %s", at, img, c.gt)
		}
		e := Entry{Category: r.object, Key: key, Anomalous: r.anomalous, ImageLabels: true, PixelLabels: true}
		if c.mode == PredictMode {
			if err := statFile(img, "image"); err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
			e.ImagePath = img
		}
		switch {
		case r.mask != "":
			m, err := c.indexMask(r.mask)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
			if err := statFile(m, "mask"); err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
			e.MaskPath, e.MaskThreshold = m, maskThreshold(m)
		case r.anomalous:
			return nil, fmt.Errorf("%s: anomalous image %s has no mask", at, r.image)
		}
		entries = append(entries, e)
		places = append(places, at+": image "+img)
	}
	if c.mode == ScoreMode {
		err := c.attachMaps(entries, func(i int) string { return places[i] })
		if err != nil {
			return nil, err
		}
	}
	return entries, nil
}
