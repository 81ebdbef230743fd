package backend

import (
	"fmt"
	"strings"
)

// ScoreMatching is how the rows of a scores file pair with a dataset's
// images, for a caller's policy on what does not pair (see Scores.Pair; a
// key that two rows name is Match's error).
type ScoreMatching struct {
	// Missing are the keys no row matches, in the order given.
	Missing []string
	// Unmatched are the rows that match no key, in file order.
	Unmatched []string
}

// Pair matches every row of s with the image keys it names (Lookup's rule:
// a row names the key it equals, or ends with after "/"). Rows are
// described as `line N ("path as written")`.
func (s *Scores) Pair(keys []string) ScoreMatching {
	var m ScoreMatching
	if s == nil {
		m.Missing = append(m.Missing, keys...)
		return m
	}
	known := make(map[string]bool, len(keys))
	for _, k := range keys {
		known[normaliseKey(k)] = true
	}
	named := map[string]bool{}
	for _, r := range s.rows {
		matched := false
		// The row's path and each of its tails after a "/".
		for tail := r.path; ; {
			if known[tail] {
				named[tail], matched = true, true
			}
			i := strings.IndexByte(tail, '/')
			if i < 0 {
				break
			}
			tail = tail[i+1:]
		}
		if !matched {
			m.Unmatched = append(m.Unmatched, fmt.Sprintf("line %d (%q)", r.line, r.raw))
		}
	}
	for _, k := range keys {
		if !named[normaliseKey(k)] {
			m.Missing = append(m.Missing, k)
		}
	}
	return m
}

// Describe joins up to n items, "a, b and 3 more".
func Describe(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}
