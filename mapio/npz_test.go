package mapio

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

type goldenNPZ struct {
	Maps map[string]struct {
		Width, Height int
		Bits          []uint32
	} `json:"maps"`
	Errors map[string]string `json:"errors"`
}

// TestGoldenNPZ reads the float16 .npy and the .npz fixtures written by
// NumPy (testdata/mapio/generate_npz.py) and compares every value's bits.
func TestGoldenNPZ(t *testing.T) {
	var g goldenNPZ
	loadJSON(t, "npz.json", &g)
	if len(g.Maps) < 8 || len(g.Errors) < 6 {
		t.Fatalf("only %d maps and %d errors in npz.json", len(g.Maps), len(g.Errors))
	}
	for _, name := range sortedKeys(g.Maps) {
		want := g.Maps[name]
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(fixtureDir, name)
			m, err := ReadMap(path)
			if err != nil {
				t.Fatal(err)
			}
			sameBits(t, name, m, want.Width, want.Height, want.Bits)
			if w, h, err := ReadMapSize(path); err != nil || w != want.Width || h != want.Height {
				t.Errorf("ReadMapSize = %dx%d, %v; want %dx%d", w, h, err, want.Width, want.Height)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(name, ".npz") {
				m, err = DecodeNPZ(bytes.NewReader(data), int64(len(data)))
			} else {
				m, err = DecodeNPY(onlyReader{bytes.NewReader(data)})
			}
			if err != nil {
				t.Fatal(err)
			}
			sameBits(t, name, m, want.Width, want.Height, want.Bits)
		})
	}
	for _, name := range sortedKeys(g.Errors) {
		sub := g.Errors[name]
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(fixtureDir, name)
			_, err := ReadMap(path)
			if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), sub) {
				t.Errorf("ReadMap: got error %v, want %q and then %q", err, path+": ", sub)
			}
			data, _ := os.ReadFile(path)
			if _, err := DecodeNPZ(bytes.NewReader(data), int64(len(data))); err == nil || !strings.Contains(err.Error(), sub) {
				t.Errorf("DecodeNPZ: got error %v, want one containing %q", err, sub)
			}
		})
	}
}

// writeNPZ writes an archive of maps keyed by name, as numpy.savez does
// (stored), or deflated as numpy.savez_compressed does.
func writeNPZ(t *testing.T, path string, deflate bool, maps map[string]Map) {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, key := range sortedKeys(maps) {
		method := zip.Store
		if deflate {
			method = zip.Deflate
		}
		w, err := z.CreateHeader(&zip.FileHeader{Name: key + ".npy", Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if err := EncodeNPY(w, maps[key]); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestArchiveOfMaps reads the maps of an archive of several by path, as
// package dataset names them, and sees the archive change.
func TestArchiveOfMaps(t *testing.T) {
	dir := t.TempDir()
	maps := map[string]Map{
		"bottle/test/good/000":  {Width: 2, Height: 1, Pix: []float32{0.25, 0.5}},
		"bottle/test/crack/001": {Width: 1, Height: 2, Pix: []float32{1, -1}},
	}
	for _, deflate := range []bool{false, true} {
		path := filepath.Join(dir, "Maps.NPZ")
		writeNPZ(t, path, deflate, maps)
		keys, err := NPZKeys(path)
		if err != nil || strings.Join(keys, " ") != "bottle/test/crack/001 bottle/test/good/000" {
			t.Fatalf("NPZKeys = %q, %v", keys, err)
		}
		for key, want := range maps {
			p := filepath.Join(path, filepath.FromSlash(key)+".npy")
			a, k, ok := SplitArchivePath(p)
			if !ok || a != path || k != key {
				t.Errorf("SplitArchivePath(%s) = %s, %s, %v", p, a, k, ok)
			}
			m, peak, err := ReadMapTo(p, nil)
			if err != nil || !sameMap(m, want) || peak != max(want.Pix[0], want.Pix[1]) {
				t.Errorf("%s: %+v (peak %v), %v", p, m, peak, err)
			}
			if w, h, err := ReadMapSize(p); err != nil || w != want.Width || h != want.Height {
				t.Errorf("ReadMapSize(%s) = %dx%d, %v", p, w, h, err)
			}
		}
		if _, err := ReadMap(path); err == nil || !strings.Contains(err.Error(), "holds 2 arrays") {
			t.Errorf("the archive read as one map: %v", err)
		}
		if _, _, err := ReadMapSize(path); err == nil || !strings.Contains(err.Error(), "holds 2 arrays") || !strings.HasPrefix(err.Error(), path) {
			t.Errorf("ReadMapSize of the archive: %v", err)
		}
		missing := filepath.Join(path, "bottle", "test", "good", "009.npy")
		if _, err := ReadMap(missing); err == nil || !strings.Contains(err.Error(), `no array "bottle/test/good/009"`) || !strings.HasPrefix(err.Error(), missing) {
			t.Errorf("missing member: %v", err)
		}
		// The cached directory follows a rewritten archive.
		maps["bottle/test/good/000"] = Map{Width: 1, Height: 1, Pix: []float32{7}}
		writeNPZ(t, path, deflate, maps)
		os.Chtimes(path, time.Now(), time.Now().Add(time.Duration(len(keys))*time.Second))
		if m, err := ReadMap(filepath.Join(path, "bottle", "test", "good", "000.npy")); err != nil || m.Pix[0] != 7 {
			t.Errorf("after rewriting: %+v, %v", m, err)
		}
		maps["bottle/test/good/000"] = Map{Width: 2, Height: 1, Pix: []float32{0.25, 0.5}}
	}
	for _, p := range []string{filepath.Join(dir, "x.npy"), filepath.Join(dir, "a.npz", "k.npy"), filepath.Join(dir, "Maps.NPZ", "k.txt")} {
		if _, _, ok := SplitArchivePath(p); ok {
			t.Errorf("SplitArchivePath(%s) found an archive", p)
		}
	}
}

// TestNPZLyingSize: members that claim a huge array in a tiny archive fail
// when their data runs out, without a large allocation: a deflated member
// (whose declared size is not trusted) and a stored one (whose declared
// size cannot exceed the archive).
func TestNPZLyingSize(t *testing.T) {
	npy := npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (8192, 8192), }", 4096)
	for _, method := range []uint16{zip.Deflate, zip.Store} {
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		w, _ := z.CreateHeader(&zip.FileHeader{Name: "arr_0.npy", Method: method})
		w.Write(npy)
		z.Close()
		data := b.Bytes()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)))
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("method %d: error %v, want truncated", method, err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("method %d: allocated %d bytes for a 512 MiB claim in a %d-byte archive", method, n, len(data))
		}
	}
}

func FuzzDecodeNPZ(f *testing.F) {
	addFixtures(f, "npz")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)))
		if err == nil {
			checkShape(t, m)
		}
	})
}
