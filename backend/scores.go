package backend

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/internal/inputfile"
	"github.com/zsadbench/zsadbench/internal/printable"
)

// Scores are image-level scores read from a CSV file of "path,score" rows.
// A row's path may carry an extension and any leading folders: it matches the
// image whose key it equals or ends with (after "/"), extension removed.
type Scores struct {
	name   string         // the file, for errors
	rows   []scoreRow     // in file order
	byPath map[string]int // row index by normalised path
	byBase map[string][]int
}

type scoreRow struct {
	raw   string // the path as written
	path  string // normalised
	score float64
	line  int
}

// maxScoresBytes bounds a scores file: tens of bytes a row, for millions of
// images.
const maxScoresBytes = 256 << 20

// ReadScoresFile reads the scores CSV at path (see ReadScores). Only a
// regular file is read, of at most 256 MiB.
func ReadScoresFile(path string) (*Scores, error) {
	f, err := inputfile.OpenLimited(path, maxScoresBytes)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadScores(f, printable.Path(path))
}

// ReadScores reads a scores CSV; name is used in errors. A UTF-8 byte-order
// mark at the start is ignored. The first row is a header when its score is
// not a number and both its cells look like column names (a letter, then
// letters, digits, spaces, '_' or '-': "path,score", "image,anomaly_score");
// any other row needs a path and a finite score. Two rows whose paths are
// one after normalisation (the extension and a leading "./" removed,
// backslashes made slashes) are an error naming both lines.
func ReadScores(r io.Reader, name string) (*Scores, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	s := &Scores{name: name, byPath: map[string]int{}, byBase: map[string][]int{}}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) < 2 {
			return nil, fmt.Errorf("%s:%d: want path,score", name, line)
		}
		cell := strings.TrimSpace(rec[1])
		v, err := strconv.ParseFloat(cell, 64)
		if err != nil {
			if first && columnName(rec[0]) && columnName(rec[1]) {
				continue // header
			}
			return nil, fmt.Errorf("%s:%d: score %q is not a number", name, line, rec[1])
		}
		if !finite.Float64(v) {
			return nil, fmt.Errorf("%s:%d: score %v is not finite", name, line, v)
		}
		p := normalise(rec[0])
		if p == "." || p == "/" {
			return nil, fmt.Errorf("%s:%d: empty path", name, line)
		}
		if i, dup := s.byPath[p]; dup {
			return nil, fmt.Errorf("%s:%d: path %q names the image of line %d again", name, line, rec[0], s.rows[i].line)
		}
		s.byPath[p] = len(s.rows)
		s.byBase[path.Base(p)] = append(s.byBase[path.Base(p)], len(s.rows))
		s.rows = append(s.rows, scoreRow{raw: rec[0], path: p, score: v, line: line})
	}
	if len(s.rows) == 0 {
		return nil, fmt.Errorf("%s: no scores", name)
	}
	return s, nil
}

// columnName reports whether a header cell looks like a column name: a
// letter, then letters, digits, spaces, '_' or '-'.
func columnName(cell string) bool {
	cell = strings.TrimSpace(cell)
	for i, r := range cell {
		ok := unicode.IsLetter(r) || (i > 0 && (unicode.IsDigit(r) || r == '_' || r == '-' || r == ' '))
		if !ok {
			return false
		}
	}
	return cell != ""
}

// normalise turns a row's path into the form keys are compared with:
// spaces around it trimmed, backslashes made slashes, cleaned, without a
// leading "./" and without its extension.
func normalise(p string) string {
	p = normaliseKey(strings.TrimSpace(p))
	if ext := path.Ext(p); ext != "" && ext != path.Base(p) { // ".hidden" has none
		p = normaliseKey(strings.TrimSuffix(p, ext))
	}
	return p
}

// normaliseKey cleans an image key, which has no extension to remove (a
// key "img.v2" is the image img.v2.png).
func normaliseKey(p string) string {
	return strings.TrimPrefix(path.Clean(strings.ReplaceAll(p, `\`, "/")), "./")
}

// Len returns the number of scores.
func (s *Scores) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rows)
}

// Lookup returns the score of the image with this key: a row whose path is
// the key, or ends with "/" + key. When several rows match (see Match), the
// row whose path is the key wins, else the first in the file. A nil Scores
// has none.
func (s *Scores) Lookup(key string) (float64, bool) {
	v, ok, _ := s.Match(key)
	return v, ok
}

// Match is Lookup that also reports an ambiguous key: when more than one
// row matches it ("bottle/test/good/000" and "/data/mvtec/bottle/test/good/
// 000.png" both match that key), err names the file, the key and two of
// the rows' lines, and v is Lookup's choice.
func (s *Scores) Match(key string) (v float64, ok bool, err error) {
	if s == nil {
		return 0, false, nil
	}
	key = normaliseKey(key)
	var found []int
	if i, ok := s.byPath[key]; ok {
		found = append(found, i)
	}
	// Rows with leading folders (absolute paths, dataset-relative paths).
	for _, i := range s.byBase[path.Base(key)] {
		if strings.HasSuffix(s.rows[i].path, "/"+key) {
			found = append(found, i)
		}
	}
	if len(found) == 0 {
		return 0, false, nil
	}
	v = s.rows[found[0]].score
	if len(found) > 1 {
		a, b := s.rows[found[0]], s.rows[found[1]]
		err = fmt.Errorf("%s: lines %d and %d (%q and %q) both give a score for image %s",
			s.name, min(a.line, b.line), max(a.line, b.line), a.path, b.path, printable.Path(key))
	}
	return v, true, err
}
