package backend

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/zsadbench/zsadbench/internal/finite"
)

// Scores are image-level scores read from a CSV file of "path,score" rows.
// A row's path may carry an extension and any leading folders: it matches the
// image whose key it equals or ends with (after "/"), extension removed.
type Scores struct {
	byPath map[string]float64
	byBase map[string][]string // rows by their last path element
}

// ReadScores reads a scores CSV; name is used in errors. A first row whose
// score is not a number is taken as a header. Every other row needs a path and
// a finite score; a repeated path is an error.
func ReadScores(r io.Reader, name string) (*Scores, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	s := &Scores{byPath: map[string]float64{}, byBase: map[string][]string{}}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) < 2 {
			return nil, fmt.Errorf("%s:%d: want path,score", name, line)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if err != nil {
			if line == 1 {
				continue // header
			}
			return nil, fmt.Errorf("%s:%d: score %q is not a number", name, line, rec[1])
		}
		if !finite.Float64(v) {
			return nil, fmt.Errorf("%s:%d: score %v is not finite", name, line, v)
		}
		p := normalise(rec[0])
		if p == "" {
			return nil, fmt.Errorf("%s:%d: empty path", name, line)
		}
		if _, dup := s.byPath[p]; dup {
			return nil, fmt.Errorf("%s:%d: path %q appears twice", name, line, rec[0])
		}
		s.byPath[p] = v
		s.byBase[path.Base(p)] = append(s.byBase[path.Base(p)], p)
	}
	if len(s.byPath) == 0 {
		return nil, fmt.Errorf("%s: no scores", name)
	}
	return s, nil
}

func normalise(p string) string {
	p = strings.ReplaceAll(strings.TrimSpace(p), `\`, "/")
	p = strings.TrimPrefix(path.Clean(p), "./")
	if ext := path.Ext(p); ext != "" && !strings.Contains(ext, "/") {
		p = strings.TrimSuffix(p, ext)
	}
	return p
}

// Len returns the number of scores.
func (s *Scores) Len() int {
	if s == nil {
		return 0
	}
	return len(s.byPath)
}

// Lookup returns the score of the image with this key: a row whose path is
// the key, or ends with "/" + key. A nil Scores has none.
func (s *Scores) Lookup(key string) (float64, bool) {
	if s == nil {
		return 0, false
	}
	key = normalise(key)
	if v, ok := s.byPath[key]; ok {
		return v, true
	}
	// Rows with leading folders (absolute paths, dataset-relative paths).
	for _, p := range s.byBase[path.Base(key)] {
		if strings.HasSuffix(p, "/"+key) {
			return s.byPath[p], true
		}
	}
	return 0, false
}
