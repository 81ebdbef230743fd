package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// AnomalousToKeep returns how many anomalous images Subsample keeps beside
// normal normal images so that they make up the fraction ratio of the kept
// images: round(ratio * normal / (1 - ratio)), rounding halves up, and at
// least 1 (a category without anomalous images has no image metrics). The
// quotient is computed in float64, so a half that float64 cannot hold exactly
// rounds by its stored value (1*0.6/0.4 is 1.4999999999999998: 1).
// ratio must be in (0, 1) and normal > 0.
func AnomalousToKeep(normal int, ratio float64) int {
	a := int(math.Floor(ratio*float64(normal)/(1-ratio) + 0.5))
	return max(a, 1)
}

// Subsample implements the DIVE paper's imbalanced protocol: per category it
// keeps every normal image (Anomalous false) and AnomalousToKeep(normal,
// anomalyRatio) anomalous images drawn at random, so that anomalous images
// make up (as nearly as whole images allow) the fraction anomalyRatio. The
// draw depends only on seed, the category name and the keys of the
// category's anomalous entries, never on the input order: those entries are
// sorted by key, and the first k positions of a Fisher-Yates shuffle driven by
// a PCG generator seeded with (uint64(seed), FNV-1a-64 of the category name)
// are kept (position i swaps with i + uniform(n-i), uniform by rejection). The
// result keeps the input order.
//
// anomalyRatio must be in (0, 1). A category without normal images, or with
// fewer anomalous images than needed, is an error naming it.
func Subsample(entries []Entry, anomalyRatio float64, seed int64) ([]Entry, error) {
	if !(anomalyRatio > 0 && anomalyRatio < 1) {
		return nil, fmt.Errorf("anomaly ratio %v is not in (0, 1)", anomalyRatio)
	}
	normal := map[string]int{}
	anomalous := map[string][]string{}
	var cats []string
	for _, e := range entries {
		if _, ok := normal[e.Category]; !ok {
			cats = append(cats, e.Category)
			normal[e.Category] = 0
		}
		if e.Anomalous {
			anomalous[e.Category] = append(anomalous[e.Category], e.Key)
		} else {
			normal[e.Category]++
		}
	}
	kept := map[string]bool{} // keys of kept anomalous entries
	for _, cat := range cats {
		n, keys := normal[cat], anomalous[cat]
		if n == 0 {
			return nil, fmt.Errorf("category %q has no normal images: the anomaly ratio applies only to categories with normal images", cat)
		}
		k := AnomalousToKeep(n, anomalyRatio)
		if k > len(keys) {
			return nil, fmt.Errorf("category %q has %d normal and %d anomalous images: an anomaly ratio of %v needs %d anomalous (the largest possible ratio is %.4f)",
				cat, n, len(keys), anomalyRatio, k, float64(len(keys))/float64(n+len(keys)))
		}
		sort.Strings(keys)
		h := fnv.New64a()
		h.Write([]byte(cat))
		rng := rand.NewPCG(uint64(seed), h.Sum64())
		for i := range k {
			j := i + int(uniform(rng, uint64(len(keys)-i)))
			keys[i], keys[j] = keys[j], keys[i]
			kept[keys[i]] = true
		}
	}
	out := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if !e.Anomalous || kept[e.Key] {
			out = append(out, e)
		}
	}
	return out, nil
}

// uniform returns a uniform integer in [0, n), n > 0, rejecting the draws of
// the incomplete last block of 2^64 so that no value is favoured.
func uniform(r *rand.PCG, n uint64) uint64 {
	limit := -n % n // 2^64 mod n
	for {
		if x := r.Uint64(); x >= limit {
			return x % n
		}
	}
}

// protocolHeader opens every protocol file WriteProtocol writes.
const protocolHeader = "# zsadbench protocol v1: one image key a line"

// WriteProtocol writes the keys of entries, one a line in the order given,
// after a comment line, so that ReadProtocol and Restrict can select the same
// images later, elsewhere. A key that is empty, starts with '#', has leading
// or trailing spaces or holds a line break cannot be written back faithfully
// and is an error, as is a repeated key.
func WriteProtocol(w io.Writer, entries []Entry) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(protocolHeader + "\n")
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		k := e.Key
		if k == "" || strings.HasPrefix(k, "#") || strings.TrimSpace(k) != k || strings.ContainsAny(k, "\r\n") {
			return fmt.Errorf("write protocol: key %q cannot be written on a line of its own", k)
		}
		if seen[k] {
			return fmt.Errorf("write protocol: key %q is repeated", k)
		}
		seen[k] = true
		bw.WriteString(k)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// maxProtocolLine bounds one line of a protocol file.
const maxProtocolLine = 64 * 1024

// ReadProtocol reads a protocol file: one key a line, surrounding spaces
// (and a CR before the LF) trimmed; blank lines and lines starting with '#'
// are skipped. A repeated key, or a CR inside one, is an error naming its
// line. The keys come back
// in file order.
func ReadProtocol(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxProtocolLine)
	var keys []string
	seen := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		k := strings.TrimSpace(sc.Text())
		if k == "" || strings.HasPrefix(k, "#") {
			continue
		}
		if strings.ContainsRune(k, '\r') {
			return nil, fmt.Errorf("line %d: a carriage return inside a key", n)
		}
		if prev, ok := seen[k]; ok {
			return nil, fmt.Errorf("line %d: key %q already on line %d", n, k, prev)
		}
		seen[k] = n
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("a line longer than %d bytes", maxProtocolLine)
		}
		return nil, err
	}
	return keys, nil
}

// Restrict returns the entries whose key is in keys, in the order of
// entries. A key no entry has is an error naming it (and how many such keys
// there are): a protocol must select the same images everywhere.
func Restrict(entries []Entry, keys []string) ([]Entry, error) {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	have := make(map[string]bool, len(entries))
	out := make([]Entry, 0, len(keys))
	for _, e := range entries {
		have[e.Key] = true
		if want[e.Key] {
			out = append(out, e)
		}
	}
	var unknown []string
	for _, k := range keys {
		if !have[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%d protocol key(s) name no image of the dataset (first: %q)", len(unknown), unknown[0])
	}
	return out, nil
}
