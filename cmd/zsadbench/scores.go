package main

import (
	"fmt"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/internal/printable"
)

// scoresPolicy checks how the rows of the --scores file (named file) pair
// with the images: every evaluated image needs exactly one row, since an
// AUROC over model scores for some images and map maxima for others ranks
// two kinds of number against each other (allowMissing keeps the maxima for
// the rest, with a warning); and every row must name an image of the dataset,
// since a row that names none is a key the user expects to count. Rows of
// images outside a subset of the dataset (--categories, a category folder)
// are not checked: a file written for the whole dataset names them. Errors
// and the warning name the rows and images.
func scoresPolicy(s *backend.Scores, file string, ds *dataset.Dataset, evaluated []dataset.Entry, allowMissing bool) (warning string, err error) {
	keys := make([]string, len(ds.Entries))
	for i, e := range ds.Entries {
		keys[i] = e.Key
	}
	m := s.Pair(keys)
	file = printable.Path(file)
	for _, e := range ds.Entries {
		if _, _, err := s.Match(e.Key); err != nil {
			return "", err // two rows for one image
		}
	}
	if len(m.Unmatched) > 0 && !ds.Subset {
		return "", fmt.Errorf("--scores %s: %d row(s) name no image of the dataset: %s (a row names the image whose key, %q for example, it equals or ends with)",
			file, len(m.Unmatched), backend.Describe(m.Unmatched, 4), ds.Entries[0].Key)
	}
	missing := map[string]bool{}
	for _, k := range m.Missing {
		missing[k] = true
	}
	var without []string
	for _, e := range evaluated {
		if missing[e.Key] {
			without = append(without, printable.Path(e.Key))
		}
	}
	if len(without) == 0 {
		return "", nil
	}
	what := fmt.Sprintf("--scores %s has no score for %d of %d images (%s)", file, len(without), len(evaluated), backend.Describe(without, 3))
	if !allowMissing {
		return "", fmt.Errorf("%s: one AUROC would rank model scores against map maxima; give every image a row, or --allow-missing-scores to use their maps' maxima", what)
	}
	return what + "; their maps' maxima are used (--allow-missing-scores)", nil
}
