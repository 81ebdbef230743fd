package backend

import (
	"context"
	"os"
	"path/filepath"
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
