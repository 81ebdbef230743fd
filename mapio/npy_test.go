package mapio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
)

func randomMap(rng *rand.Rand, w, h int) Map {
	m := New(w, h)
	for i := range m.Pix {
		m.Pix[i] = float32(rng.NormFloat64())
	}
	return m
}

func TestEncodeDecodeNPYRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, size := range [][2]int{{1, 1}, {7, 5}, {512, 512}, {3, 1000}, {1000, 3}, {10001, 1}} {
		m := randomMap(rng, size[0], size[1])
		var buf bytes.Buffer
		if err := EncodeNPY(&buf, m); err != nil {
			t.Fatal(err)
		}
		hlen := int(buf.Bytes()[8]) | int(buf.Bytes()[9])<<8
		if (10+hlen)%64 != 0 || buf.Len() != 10+hlen+4*len(m.Pix) {
			t.Fatalf("%v: header length %d, file %d bytes", size, hlen, buf.Len())
		}
		for _, dec := range []func([]byte) (Map, error){
			decodeNPYBytes,
			func(b []byte) (Map, error) { return DecodeNPY(bytes.NewReader(b)) },
			func(b []byte) (Map, error) { return DecodeNPY(onlyReader{bytes.NewReader(b)}) },
		} {
			got, err := dec(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != m.Width || got.Height != m.Height {
				t.Fatalf("%v: got %dx%d", size, got.Width, got.Height)
			}
			for i := range m.Pix {
				if math.Float32bits(got.Pix[i]) != math.Float32bits(m.Pix[i]) {
					t.Fatalf("%v: pixel %d differs", size, i)
				}
			}
		}
	}
}

func TestEncodeNPYInvalid(t *testing.T) {
	for _, m := range []Map{{}, {Width: 2, Height: 2, Pix: make([]float32, 3)}, {Width: -1, Height: -1, Pix: make([]float32, 1)}} {
		var buf bytes.Buffer
		if err := EncodeNPY(&buf, m); err == nil || buf.Len() != 0 {
			t.Errorf("EncodeNPY(%dx%d, %d values): err %v, wrote %d bytes", m.Width, m.Height, len(m.Pix), err, buf.Len())
		}
	}
}

// TestDecodeNPYAgreesWithNpyio cross-checks the valid 2-D fixtures with
// the npyio package's own reader.
func TestDecodeNPYAgreesWithNpyio(t *testing.T) {
	var g goldenMaps
	loadJSON(t, "maps.json", &g)
	checked := 0
	for _, name := range sortedKeys(g.Maps) {
		if !strings.HasPrefix(name, "npy/") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if data[6] == 3 {
			continue // npyio v0.14 reads format versions 1 and 2 only
		}
		r, err := npy.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: npyio: %v", name, err)
		}
		if len(r.Header.Descr.Shape) != 2 || !strings.Contains(r.Header.Descr.Type, "f4") {
			continue
		}
		var want []float32
		if err := r.Read(&want); err != nil {
			t.Fatalf("%s: npyio: %v", name, err)
		}
		got, err := decodeNPYBytes(data)
		if err != nil {
			t.Fatal(err)
		}
		h, w := r.Header.Descr.Shape[0], r.Header.Descr.Shape[1]
		for y := range h {
			for x := range w {
				// npyio returns the values in file order.
				wi := y*w + x
				if r.Header.Descr.Fortran {
					wi = x*h + y
				}
				if math.Float32bits(got.Pix[y*w+x]) != math.Float32bits(want[wi]) {
					t.Fatalf("%s: (%d, %d) = %v, npyio says %v", name, y, x, got.Pix[y*w+x], want[wi])
				}
			}
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d fixtures cross-checked", checked)
	}
}

func npyWithHeader(dict string, payload int) []byte {
	hdr := dict + "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = append(b, byte(len(hdr)), byte(len(hdr)>>8))
	b = append(b, hdr...)
	return append(b, make([]byte, payload)...)
}

func TestNPYHeaders(t *testing.T) {
	for _, tc := range []struct {
		dict    string
		payload int
		w, h    int
		err     string
	}{
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24, 3, 2, ""},
		{`{"shape":(2,3),"fortran_order":False,"descr":"<f4"}`, 24, 3, 2, ""},
		{"{ 'descr' : '>f8' , 'fortran_order' : True , 'shape' : ( 2L , 3L ) }   ", 48, 3, 2, ""},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }", 24, 3, 2, ""},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 1), }", 24, 3, 2, ""},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 1), }", 8, 1, 2, ""},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 23, 0, 0, "truncated"},
		{"{'descr': '<f4', 'fortran_order': False}", 24, 0, 0, "want keys"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 24, 0, 0, "unsupported value"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 'y'}", 24, 0, 0, "unexpected key"},
		{"{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}", 24, 0, 0, "unsupported value"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", 24, 0, 0, "bad shape entry"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 3)}", 24, 0, 0, "out of range"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (300000000, 300000000)}", 24, 0, 0, "out of range"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536)}", 24, 0, 0, "exceeds the limit"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", 24, 0, 0, "malformed"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk", 24, 0, 0, "after the dictionary"},
		{"{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3)}", 48, 0, 0, "int64"},
		{"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3)}", 48, 0, 0, "uint8"},
		{"{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3)}", 48, 0, 0, "complex64"},
		{"{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3)}", 24, 0, 0, "unsupported dtype"},
		{"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3)}", 24, 0, 0, "structured"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0)}", 0, 0, 0, "empty"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4)}", 96, 0, 0, "(2, 3, 4)"},
		{"{'descr': 'a\\b', 'fortran_order': False, 'shape': (2, 3)}", 24, 0, 0, "escape"},
		{"", 24, 0, 0, "malformed"},
	} {
		data := npyWithHeader(tc.dict, tc.payload)
		for _, dec := range []func() (Map, error){
			func() (Map, error) { return decodeNPYBytes(data) },
			func() (Map, error) { return DecodeNPY(onlyReader{bytes.NewReader(data)}) },
		} {
			m, err := dec()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("%s: got error %v, want %q", tc.dict, err, tc.err)
				}
				continue
			}
			if err != nil || m.Width != tc.w || m.Height != tc.h {
				t.Errorf("%s: got %dx%d, %v; want %dx%d", tc.dict, m.Width, m.Height, err, tc.w, tc.h)
			}
		}
	}
	// Versions and lengths.
	for _, tc := range []struct {
		data []byte
		err  string
	}{
		{[]byte("\x93NUMPY\x04\x00\x10\x00"), "version 4.0"},
		{[]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"), "exceeds"},
		{[]byte("\x93NUMPY\x01\x00\xff\x00{}"), "header truncated"},
		{[]byte("\x93NUMP"), "reading header"},
		{[]byte("\x93NUMPY\x02\x00\x01"), "reading header"},
	} {
		if _, err := decodeNPYBytes(tc.data); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: got error %v, want %q", tc.data, err, tc.err)
		}
		if _, err := DecodeNPY(onlyReader{bytes.NewReader(tc.data)}); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q (stream): got error %v, want %q", tc.data, err, tc.err)
		}
	}
}

// TestNPYLyingHeaderAllocation checks that a header claiming a large
// array in a small input does not allocate for the claim.
func TestNPYLyingHeaderAllocation(t *testing.T) {
	data := npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (8192, 8192), }", 100)
	for _, dec := range []func() (Map, error){
		func() (Map, error) { return decodeNPYBytes(data) },
		func() (Map, error) { return DecodeNPY(onlyReader{bytes.NewReader(data)}) },
		func() (Map, error) { return DecodeNPY(bytes.NewReader(data)) },
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := dec()
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Fatalf("got error %v, want truncated", err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("allocated %d bytes for a 2 GiB claim in a %d-byte input", n, len(data))
		}
	}
}

func TestWriteNPY(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.npy")
	rng := rand.New(rand.NewPCG(7, 8))
	for _, size := range [][2]int{{5, 3}, {64, 32}} { // the second overwrites the first
		m := randomMap(rng, size[0], size[1])
		if err := WriteNPY(path, m); err != nil {
			t.Fatal(err)
		}
		got, err := ReadMap(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Width != m.Width || got.Height != m.Height || !bytes.Equal(f32bytes(got.Pix), f32bytes(m.Pix)) {
			t.Fatalf("read back a different map")
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only out.npy", len(entries))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&0o600 != 0o600 {
		t.Fatalf("mode %v, err %v", fi.Mode(), err)
	}

	// Failures leave no temporary file and name the path.
	bad := filepath.Join(dir, "missing", "x.npy")
	if err := WriteNPY(bad, New(2, 2)); err == nil || !strings.HasPrefix(err.Error(), bad+": ") || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
	if err := WriteNPY(path, Map{Width: 2, Height: 2}); err == nil || !strings.HasPrefix(err.Error(), path+": ") {
		t.Fatalf("invalid map: got %v", err)
	}
	sub := filepath.Join(dir, "adir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteNPY(sub, New(2, 2)); err == nil {
		t.Fatal("renaming over a directory succeeded")
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func f32bytes(p []float32) []byte {
	var b bytes.Buffer
	for _, v := range p {
		bits := math.Float32bits(v)
		b.Write([]byte{byte(bits), byte(bits >> 8), byte(bits >> 16), byte(bits >> 24)})
	}
	return b.Bytes()
}

func TestReadMapErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, err string }{
		{"missing.npy", "no such file"},
		{"map.bmp", `unsupported score map format ".bmp" (a BMP image); accepted: .npy`},
		{"map.pt", `unsupported score map format ".pt" (a PyTorch file, torch.save); accepted: .npy (float16, float32 or float64), .npz`},
		{"noext", "needs an extension; accepted: .npy"},
	} {
		path := filepath.Join(dir, tc.name)
		_, err := ReadMap(path)
		if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got %v", tc.name, err)
		}
		if strings.Count(err.Error(), path) != 1 {
			t.Errorf("%s: path repeated in %q", tc.name, err)
		}
	}
	// Upper-case extensions are accepted.
	src, err := os.ReadFile(filepath.Join(fixtureDir, "npy/f32_c.npy"))
	if err != nil {
		t.Fatal(err)
	}
	up := filepath.Join(dir, "MAP.NPY")
	if err := os.WriteFile(up, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMap(up); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMask(filepath.Join(dir, "missing.png")); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadMask of a missing file: %v", err)
	}
}

// TestReadMapTo reads maps through an allocator: a little-endian float32
// .npy map lands in the allocator's memory, a float64 one (converted) in
// its own, and both equal ReadMap's.
func TestReadMapTo(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(9, 10))
	m := randomMap(rng, 6, 4)
	f32 := filepath.Join(dir, "f32.npy")
	if err := WriteNPY(f32, m); err != nil {
		t.Fatal(err)
	}
	f64 := filepath.Join(dir, "f64.npy")
	data := npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 6), }", 0)
	for _, v := range m.Pix {
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(float64(v)))
	}
	if err := os.WriteFile(f64, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		allocs int
	}{{f32, 1}, {f64, 0}} {
		var backing []float32
		allocs := 0
		got, peak, err := ReadMapTo(c.path, func(n int) []float32 {
			allocs++
			backing = make([]float32, n)
			return backing
		})
		if err != nil {
			t.Fatal(err)
		}
		want, err := ReadMap(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if allocs != c.allocs || !bytes.Equal(f32bytes(got.Pix), f32bytes(want.Pix)) || !bytes.Equal(f32bytes(got.Pix), f32bytes(m.Pix)) || got.Width != 6 {
			t.Fatalf("%s: %d allocations (want %d), or a different map", c.path, allocs, c.allocs)
		}
		if c.allocs == 1 && &got.Pix[0] != &backing[0] {
			t.Fatalf("%s: not read into the allocator's memory", c.path)
		}
		if want := slices.Max(m.Pix); peak != want {
			t.Fatalf("%s: maximum %v, want %v", c.path, peak, want)
		}
	}
}
