package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x448/float16"

	"github.com/zsadbench/zsadbench/mapio"
)

// exampleMaps returns the maps of testdata/example by key
// ("capsule/test/good/000").
func exampleMaps(t *testing.T) map[string]mapio.Map {
	t.Helper()
	const example = "../../testdata/example"
	paths, err := filepath.Glob(filepath.Join(example, "*", "test", "*", "*.npy"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no example maps: %v", err)
	}
	maps := map[string]mapio.Map{}
	for _, p := range paths {
		m, err := mapio.ReadMap(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(example, p)
		maps[strings.TrimSuffix(filepath.ToSlash(rel), ".npy")] = m
	}
	return maps
}

// f16NPY encodes a map as a float16 .npy file (what numpy.save writes for a
// float16 array), and returns the float32 values it holds.
func f16NPY(m mapio.Map) ([]byte, []float32) {
	payload := make([]byte, 2*len(m.Pix))
	held := make([]float32, len(m.Pix))
	for i, v := range m.Pix {
		h := float16.Fromfloat32(v)
		binary.LittleEndian.PutUint16(payload[2*i:], h.Bits())
		held[i] = h.Float32()
	}
	dict := fmt.Sprintf("{'descr': '<f2', 'fortran_order': False, 'shape': (%d, %d), }", m.Height, m.Width)
	return rawNPY(dict, payload), held
}

// npzBytes encodes maps as numpy.savez(f, **maps) does (stored members), or
// as numpy.savez_compressed does.
func npzBytes(t *testing.T, compressed bool, maps map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for key, npy := range maps {
		method := zip.Store
		if compressed {
			method = zip.Deflate
		}
		w, err := z.CreateHeader(&zip.FileHeader{Name: key + ".npy", Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(npy)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// scoreJSON scores pred against the example's masks and returns stdout.
func scoreJSON(t *testing.T, pred string, extra ...string) string {
	t.Helper()
	args := append([]string{"score", "--maps", pred, "--data", "../../testdata/example", "--format", "json"}, extra...)
	return mustRun(t, args...).stdout
}

// TestModelOutputFormats scores the example's maps written as float16 .npy
// files (mixed-precision inference), as .npz files of one array (savez and
// savez_compressed), and as one .npz archive of every map keyed by image;
// each gives exactly the JSON of float32 .npy maps holding the same values.
func TestModelOutputFormats(t *testing.T) {
	maps := exampleMaps(t)
	root := t.TempDir()
	dir := func(name string) string { return filepath.Join(root, name) }
	archive := map[string][]byte{}
	for key, m := range maps {
		f16, held := f16NPY(m)
		f32 := npyBytes(t, m.Width, m.Height, held)
		writeFile(t, filepath.Join(dir("f32"), key+".npy"), f32)
		writeFile(t, filepath.Join(dir("f16"), key+".npy"), f16)
		writeFile(t, filepath.Join(dir("savez"), key+".npz"), npzBytes(t, false, map[string][]byte{"arr_0": f32}))
		writeFile(t, filepath.Join(dir("compressed"), key+".npz"), npzBytes(t, true, map[string][]byte{"anomaly_map": f16}))
		archive[key] = f32
	}
	writeFile(t, dir("all.npz"), npzBytes(t, true, archive))
	want := scoreJSON(t, dir("f32"))
	for _, name := range []string{"f16", "savez", "compressed", "all.npz"} {
		if got := scoreJSON(t, dir(name)); got != want {
			t.Errorf("%s: the JSON differs from float32 .npy maps of the same values:\n%s\nwant\n%s", name, got, want)
		}
	}
}

// TestUnsupportedMapFormat: maps saved with torch.save (.pt) are refused
// with one line naming the files found and the formats accepted.
func TestUnsupportedMapFormat(t *testing.T) {
	pred := t.TempDir()
	for key := range exampleMaps(t) {
		writeFile(t, filepath.Join(pred, key+".pt"), []byte("PK\x03\x04 a torch.save file"))
	}
	r := zsadbench("score", "--maps", pred, "--data", "../../testdata/example")
	checkNoCrash(t, r)
	line := strings.TrimSpace(r.stderr)
	if r.code != 1 || strings.Count(line, "\n") != 0 {
		t.Fatalf("exit %d, want 1 and one line:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"found 48 .pt file(s)", "PyTorch", "accepted: .npy (float16, float32 or float64), .npz", "numpy.save"} {
		if !strings.Contains(line, want) {
			t.Errorf("stderr lacks %q:\n%s", want, line)
		}
	}
	one := filepath.Join(pred, "capsule", "test", "good", "000.pt")
	if err := os.Rename(one, strings.TrimSuffix(one, ".pt")+".npy"); err != nil {
		t.Fatal(err)
	}
	r = zsadbench("score", "--maps", pred, "--data", "../../testdata/example")
	if r.code != 1 || !strings.Contains(r.stderr, ".pt") || !strings.Contains(r.stderr, "accepted") {
		t.Errorf("exit %d, want 1 and a message naming a .pt file:\n%s", r.code, r.stderr)
	}
}
