package backend

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/mapio"
)

func TestReadScores(t *testing.T) {
	s, err := ReadScores(strings.NewReader("path,score\n/data/mvtec/bottle/test/good/000.png,0.25\nbottle/test/crack/001,0.75\n"), "s.csv")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]float64{"bottle/test/good/000": 0.25, "bottle/test/crack/001": 0.75, "test/crack/001": 0.75} {
		if v, ok := s.Lookup(key); !ok || v != want {
			t.Errorf("Lookup(%q) = %v, %v; want %v", key, v, ok, want)
		}
	}
	if _, ok := s.Lookup("good/001"); ok {
		t.Error("unknown key found")
	}
	for _, bad := range []string{"", "a,1\na,2\n", "a,nan\n", "a,x\nb,y\n", "a\n"} {
		if _, err := ReadScores(strings.NewReader(bad), "bad.csv"); err == nil || !strings.Contains(err.Error(), "bad.csv") {
			t.Errorf("ReadScores(%q) error %v, want one naming the file", bad, err)
		}
	}
}

func TestFilesPredict(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.npy")
	if err := mapio.WriteNPY(path, mapio.Map{Width: 2, Height: 1, Pix: []float32{0.5, 0.75}}); err != nil {
		t.Fatal(err)
	}
	scores, _ := ReadScores(strings.NewReader("b,0.1\n"), "s.csv")
	f := &Files{Scores: scores}
	out, err := f.Predict(context.Background(), []Input{{Key: "a", Path: path}, {Key: "b", Path: path}})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Score != 0.75 || out[1].Score != 0.1 || out[0].Width != 2 || out[1].Key != "b" {
		t.Errorf("outputs %+v", out)
	}
	os.WriteFile(filepath.Join(dir, "bad.npy"), []byte("junk"), 0o644)
	if _, err := f.Predict(context.Background(), []Input{{Key: "x", Path: filepath.Join(dir, "bad.npy")}}); err == nil || !strings.Contains(err.Error(), "bad.npy") {
		t.Errorf("error %v, want one naming bad.npy", err)
	}
}

// TestReadScoresAmbiguity: a byte-order mark is not part of the first path,
// a header is only a row of column names, and two rows for one image are an
// error naming both lines.
func TestReadScoresAmbiguity(t *testing.T) {
	// A BOM before a data row (no header) and before a header.
	for _, text := range []string{"\ufeffbottle/000,0.5\nbottle/001,0.25\n", "\ufeffpath,score\nbottle/000,0.5\nbottle/001,0.25\n"} {
		s, err := ReadScores(strings.NewReader(text), "s.csv")
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if v, ok := s.Lookup("bottle/000"); !ok || v != 0.5 || s.Len() != 2 {
			t.Errorf("%q: Lookup = %v, %v; Len %d", text, v, ok, s.Len())
		}
	}
	// Headers that are column names.
	for _, h := range []string{"path,score", "image_path, anomaly score", "Filename,prob-1"} {
		s, err := ReadScores(strings.NewReader(h+"\na,1\n"), "s.csv")
		if err != nil || s.Len() != 1 {
			t.Errorf("header %q: %v", h, err)
		}
	}
	// A first row that is data with a bad score is not a header.
	for _, text := range []string{"bottle/000.png,0.5x\nbottle/001,0.25\n", "a,0,5\nb,1\n", "a,abc\nb,1\n", "path,1e\nb,1\n"} {
		_, err := ReadScores(strings.NewReader(text), "s.csv")
		if text == "a,0,5\nb,1\n" || text == "a,abc\nb,1\n" {
			// "a,0,5" has a numeric score (0); "a,abc" is a header of two column names.
			if err != nil {
				t.Errorf("%q: %v", text, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "s.csv:1:") {
			t.Errorf("%q: %v, want an error on line 1", text, err)
		}
	}
	// Two spellings of one path.
	_, err := ReadScores(strings.NewReader("path,score\nbottle/000.png,0.1\nbottle/000.npy,0.2\n"), "s.csv")
	if err == nil || !strings.Contains(err.Error(), "s.csv:3") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("one path twice: %v, want lines 3 and 2 named", err)
	}
	// Two rows matching one key: Match reports it, Lookup prefers the exact row.
	s, err := ReadScores(strings.NewReader("bottle/test/good/000.png,0.1\n/data/mvtec/bottle/test/good/000.png,0.9\n/data/visa/candle/test/good/000.png,0.3\n/other/candle/test/good/000.png,0.4\n"), "s.csv")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]float64{"bottle/test/good/000": 0.1, "test/good/000": 0.1, "candle/test/good/000": 0.3} {
		v, ok, err := s.Match(key)
		if !ok || v != want || err == nil || !strings.Contains(err.Error(), "s.csv: lines ") {
			t.Errorf("Match(%q) = %v, %v, %v; want %v and an error naming the lines", key, v, ok, err, want)
		}
	}
	if _, ok, err := s.Match("mvtec/bottle/test/good/000"); !ok || err != nil {
		t.Errorf("an unambiguous key: %v, %v", ok, err)
	}
	f := &Files{Scores: s}
	dir := t.TempDir()
	p := filepath.Join(dir, "000.npy")
	mapio.WriteNPY(p, mapio.Map{Width: 1, Height: 1, Pix: []float32{0.5}})
	if _, err := f.Predict(context.Background(), []Input{{Key: "bottle/test/good/000", Path: p}}); err == nil || !strings.Contains(err.Error(), "both give a score") {
		t.Errorf("Predict with an ambiguous key: %v", err)
	}
}

func TestReadScoresFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.csv")
	os.WriteFile(p, []byte("a,1\n"), 0o644)
	if s, err := ReadScoresFile(p); err != nil || s.Len() != 1 {
		t.Errorf("%v", err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		link := filepath.Join(dir, "zero.csv")
		os.Symlink("/dev/zero", link)
		if _, err := ReadScoresFile(link); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("a link to /dev/zero: %v", err)
		}
	}
}

// FuzzReadScores: ReadScores never panics; what it accepts has finite
// scores and non-empty paths, every row's own path finds its score (or
// reports an ambiguity), and writing the rows back reads the same scores.
func FuzzReadScores(f *testing.F) {
	f.Add([]byte("path,score\n/data/mvtec/bottle/test/good/000.png,0.25\nbottle/test/crack/001,0.75\n"))
	f.Add([]byte("\ufeffa.png,1\n\"b,c\",2\n"))
	f.Add([]byte("a,0.5x\n"))
	f.Add([]byte("x/a,1\na,2\n./a.npy,3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadScores(bytes.NewReader(data), "f.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error %q does not start with the file's name", err)
			}
			return
		}
		var back bytes.Buffer
		w := csv.NewWriter(&back)
		for _, r := range s.rows {
			if r.path == "" || math.IsNaN(r.score) || math.IsInf(r.score, 0) {
				t.Fatalf("row %+v", r)
			}
			v, ok, err := s.Match(r.path)
			if !ok || (err == nil && v != r.score) {
				t.Fatalf("Match(%q) = %v, %v, %v; row says %v", r.path, v, ok, err, r.score)
			}
			w.Write([]string{r.raw, strconv.FormatFloat(r.score, 'g', -1, 64)})
		}
		w.Flush()
		again, err := ReadScores(&back, "again.csv")
		if err != nil {
			t.Fatalf("rows %+v written back: %v", s.rows, err)
		}
		if len(again.rows) != len(s.rows) {
			t.Fatalf("%d rows read back as %d", len(s.rows), len(again.rows))
		}
		for i, r := range again.rows {
			if r.path != s.rows[i].path || r.score != s.rows[i].score {
				t.Fatalf("row %d %+v read back as %+v", i, s.rows[i], r)
			}
		}
	})
}
