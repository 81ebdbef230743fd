package dataset

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestAnomalousToKeep(t *testing.T) {
	for _, c := range []struct {
		normal int
		ratio  float64
		want   int
	}{
		{20, 0.1, 2},     // 2.22
		{9, 0.1, 1},      // 1.0000000000000002
		{90, 0.1, 10},    // 10
		{3, 0.5, 3},      // 3
		{10, 1.0 / 3, 5}, // 5
		{5, 0.05, 1},     // 0.26, at least 1
		{6, 0.2, 2},      // 1.5 rounds up
		{467, 0.15, 82},  // 82.41
	} {
		if got := AnomalousToKeep(c.normal, c.ratio); got != c.want {
			t.Errorf("AnomalousToKeep(%d, %v) = %d, want %d", c.normal, c.ratio, got, c.want)
		}
	}
}

// synthetic returns entries of categories with the given normal and
// anomalous counts, sorted like Open's.
func synthetic(counts map[string][2]int) []Entry {
	var out []Entry
	for _, cat := range sortedKeys(counts) {
		n := counts[cat]
		for i := range n[1] {
			out = append(out, Entry{Category: cat, Key: fmt.Sprintf("%s/test/bad/%03d", cat, i), Anomalous: true})
		}
		for i := range n[0] {
			out = append(out, Entry{Category: cat, Key: fmt.Sprintf("%s/test/good/%03d", cat, i)})
		}
	}
	return out
}

func keysOf(es []Entry) []string {
	ks := make([]string, len(es))
	for i, e := range es {
		ks[i] = e.Key
	}
	return ks
}

func TestSubsample(t *testing.T) {
	entries := synthetic(map[string][2]int{"a": {90, 50}, "b": {20, 30}})
	got, err := Subsample(entries, 0.1, 7)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string][2]int{}
	for _, e := range got {
		c := count[e.Category]
		if e.Anomalous {
			c[1]++
		} else {
			c[0]++
		}
		count[e.Category] = c
	}
	if count["a"] != [2]int{90, 10} || count["b"] != [2]int{20, 2} {
		t.Errorf("kept (normal, anomalous) per category: %v", count)
	}
	// The output keeps the input order.
	pos := map[string]int{}
	for i, e := range entries {
		pos[e.Key] = i
	}
	for i := 1; i < len(got); i++ {
		if pos[got[i-1].Key] >= pos[got[i].Key] {
			t.Fatalf("output order differs from input order at %d", i)
		}
	}
	// Deterministic, and independent of the input order.
	again, _ := Subsample(entries, 0.1, 7)
	if !slices.Equal(keysOf(got), keysOf(again)) {
		t.Error("two runs with one seed differ")
	}
	shuffled := slices.Clone(entries)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	fromShuffled, _ := Subsample(shuffled, 0.1, 7)
	sortEntries(fromShuffled)
	if !slices.Equal(keysOf(got), keysOf(fromShuffled)) {
		t.Error("the selection depends on the input order")
	}
	other, _ := Subsample(entries, 0.1, 8)
	if slices.Equal(keysOf(got), keysOf(other)) {
		t.Error("seeds 7 and 8 select the same images")
	}
	// Pinned selection: the algorithm is documented, so its output for a
	// given seed must never change.
	var picked []string
	for _, e := range got {
		if e.Anomalous && e.Category == "b" {
			picked = append(picked, e.Key)
		}
	}
	if want := []string{"b/test/bad/001", "b/test/bad/013"}; !slices.Equal(picked, want) {
		t.Errorf("seed 7 picks %q in b, want %q", picked, want)
	}
}

// TestSubsampleUniform checks that every anomalous image is equally likely
// to be kept: over 4000 seeds, each of 10 images kept with probability 3/10
// should be kept 1200 times, give or take 4.5 standard deviations (131).
func TestSubsampleUniform(t *testing.T) {
	entries := synthetic(map[string][2]int{"c": {7, 10}})
	hits := map[string]int{}
	const seeds = 4000
	for s := range int64(seeds) {
		got, err := Subsample(entries, 0.3, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			if e.Anomalous {
				hits[e.Key]++
			}
		}
	}
	if len(hits) != 10 {
		t.Fatalf("%d distinct images kept, want 10", len(hits))
	}
	for k, h := range hits {
		if h < 1200-131 || h > 1200+131 {
			t.Errorf("%s kept %d times in %d draws, want about 1200", k, h, seeds)
		}
	}
}

func TestSubsampleErrors(t *testing.T) {
	entries := synthetic(map[string][2]int{"a": {10, 2}})
	for _, r := range []float64{0, 1, -0.1, 1.5} {
		if _, err := Subsample(entries, r, 1); err == nil || !strings.Contains(err.Error(), "not in (0, 1)") {
			t.Errorf("ratio %v: %v", r, err)
		}
	}
	if _, err := Subsample(entries, 0.5, 1); err == nil || !strings.Contains(err.Error(), `category "a" has 10 normal and 2 anomalous`) {
		t.Errorf("too few anomalous: %v", err)
	}
	seg := synthetic(map[string][2]int{"isic": {0, 5}})
	if _, err := Subsample(seg, 0.1, 1); err == nil || !strings.Contains(err.Error(), `category "isic" has no normal images`) {
		t.Errorf("no normal: %v", err)
	}
}

func TestProtocolRoundTrip(t *testing.T) {
	entries := synthetic(map[string][2]int{"a": {90, 50}, "b": {20, 30}})
	entries = append(entries, Entry{Category: "c", Key: "c/no/1 no"})
	kept, err := Subsample(entries[:len(entries)-1], 0.1, 3)
	if err != nil {
		t.Fatal(err)
	}
	kept = append(kept, entries[len(entries)-1])
	var buf bytes.Buffer
	if err := WriteProtocol(&buf, kept); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "# zsadbench protocol v1") {
		t.Errorf("no header: %q", buf.String()[:40])
	}
	keys, err := ReadProtocol(&buf)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Restrict(entries, keys)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keysOf(back), keysOf(kept)) {
		t.Error("round trip lost or added images")
	}

	keys, err = ReadProtocol(strings.NewReader("# comment\r\n\r\n  a/test/good/001  \r\n#x\na/test/bad/002"))
	if err != nil || !slices.Equal(keys, []string{"a/test/good/001", "a/test/bad/002"}) {
		t.Errorf("ReadProtocol: %q, %v", keys, err)
	}
	if _, err := ReadProtocol(strings.NewReader("k1\nk2\nk1\n")); err == nil || !strings.Contains(err.Error(), `line 3: key "k1" already on line 1`) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := ReadProtocol(strings.NewReader(strings.Repeat("x", maxProtocolLine+1))); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("long line: %v", err)
	}
	if _, err := Restrict(entries, []string{"a/test/good/001", "zz/1", "zz/2"}); err == nil || !strings.Contains(err.Error(), `2 protocol key(s) name no image of the dataset (first: "zz/1")`) {
		t.Errorf("unknown key: %v", err)
	}
	for _, bad := range []string{"", "#x", " x", "x ", "a\nb", "a\rb"} {
		if err := WriteProtocol(&bytes.Buffer{}, []Entry{{Key: bad}}); err == nil {
			t.Errorf("WriteProtocol accepted key %q", bad)
		}
	}
	if err := WriteProtocol(&bytes.Buffer{}, []Entry{{Key: "k"}, {Key: "k"}}); err == nil {
		t.Error("WriteProtocol accepted a repeated key")
	}
}
