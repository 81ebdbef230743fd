package mapio

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The fixtures and expectations are written by testdata/mapio/generate.py
// (numpy, tifffile, PIL, libtiff's tiffcp); the expected values are the
// arrays the writers were given, never a decode by the code under test.
const fixtureDir = "../testdata/mapio"

type goldenMaps struct {
	Maps map[string]struct {
		Width, Height int
		Array         string
	}
	Arrays map[string][]uint32
	Errors map[string]string
}

type goldenMasks struct {
	Masks map[string]struct {
		Width, Height int
		Values        []float64
		Tolerance     float64
	}
	Errors map[string]string
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// onlyReader hides every method but Read, so DecodeNPY cannot learn the
// input's length and must take its streaming path.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// oneByteReader returns at most one byte per Read.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

// decoderFor returns the decoder matching a fixture's extension.
func decoderFor(t testing.TB, name string) func(io.Reader) (Map, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".npy":
		return DecodeNPY
	case ".tif", ".tiff":
		return DecodeTIFF
	case ".png":
		return DecodePNG
	}
	t.Fatalf("no decoder for %s", name)
	return nil
}

func sameBits(t *testing.T, name string, got Map, w, h int, want []uint32) {
	t.Helper()
	if got.Width != w || got.Height != h || len(got.Pix) != w*h {
		t.Fatalf("%s: got %dx%d with %d values, want %dx%d", name, got.Width, got.Height, len(got.Pix), w, h)
	}
	bad := 0
	for i, v := range got.Pix {
		if math.Float32bits(v) != want[i] {
			if bad < 5 {
				t.Errorf("%s: pixel (%d, %d) = %v (%#08x), want %v (%#08x)", name, i/w, i%w,
					v, math.Float32bits(v), math.Float32frombits(want[i]), want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d pixels differ", name, bad, len(want))
	}
}

func TestGoldenMaps(t *testing.T) {
	var g goldenMaps
	loadJSON(t, "maps.json", &g)
	if len(g.Maps) < 60 {
		t.Fatalf("only %d golden maps", len(g.Maps))
	}
	for _, name := range sortedKeys(g.Maps) {
		want := g.Maps[name]
		bits := g.Arrays[want.Array]
		if len(bits) != want.Width*want.Height {
			t.Fatalf("%s: golden array %s has %d values", name, want.Array, len(bits))
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(fixtureDir, name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dec := decoderFor(t, name)
			m, err := dec(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			sameBits(t, name, m, want.Width, want.Height, bits)

			if strings.HasSuffix(name, ".npy") {
				for _, r := range []io.Reader{onlyReader{bytes.NewReader(data)}, oneByteReader{bytes.NewReader(data)}} {
					m, err := DecodeNPY(r)
					if err != nil {
						t.Fatalf("streaming decode: %v", err)
					}
					sameBits(t, name+" (streamed)", m, want.Width, want.Height, bits)
				}
			}

			m, err = ReadMap(path)
			hasNonFinite := false
			for _, b := range bits {
				if f := math.Float32frombits(b); f-f != 0 {
					hasNonFinite = true
				}
			}
			if hasNonFinite {
				var nf *NonFiniteError
				if !errors.As(err, &nf) || !strings.HasPrefix(err.Error(), path+": ") {
					t.Fatalf("ReadMap: got %v, want a NonFiniteError prefixed by the path", err)
				}
				i := nf.Row*want.Width + nf.Col
				for j := 0; j < i; j++ {
					if f := math.Float32frombits(bits[j]); f-f != 0 {
						t.Fatalf("ReadMap reported (%d, %d) but pixel %d is already non-finite", nf.Row, nf.Col, j)
					}
				}
				if math.Float32bits(nf.Value) != bits[i] {
					t.Fatalf("ReadMap reported value %v, want %v", nf.Value, math.Float32frombits(bits[i]))
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadMap: %v", err)
			}
			sameBits(t, name+" (ReadMap)", m, want.Width, want.Height, bits)
		})
	}
}

func TestGoldenMapErrors(t *testing.T) {
	var g goldenMaps
	loadJSON(t, "maps.json", &g)
	if len(g.Errors) < 15 {
		t.Fatalf("only %d golden error cases", len(g.Errors))
	}
	for _, name := range sortedKeys(g.Errors) {
		sub := g.Errors[name]
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(fixtureDir, name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := decoderFor(t, name)(bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), sub) {
				t.Errorf("decode: got error %v, want one containing %q", err, sub)
			}
			if strings.HasSuffix(name, ".npy") {
				if _, err := DecodeNPY(onlyReader{bytes.NewReader(data)}); err == nil || !strings.Contains(err.Error(), sub) {
					t.Errorf("streaming decode: got error %v, want one containing %q", err, sub)
				}
			}
			_, err = ReadMap(path)
			if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), sub) {
				t.Errorf("ReadMap: got error %v, want %q and then %q", err, path+": ", sub)
			}
		})
	}
}

func TestGoldenMasks(t *testing.T) {
	var g goldenMasks
	loadJSON(t, "masks.json", &g)
	if len(g.Masks) < 15 {
		t.Fatalf("only %d golden masks", len(g.Masks))
	}
	for _, name := range sortedKeys(g.Masks) {
		want := g.Masks[name]
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(fixtureDir, name)
			m, err := ReadMask(path)
			if err != nil {
				t.Fatal(err)
			}
			if m.Width != want.Width || m.Height != want.Height {
				t.Fatalf("got %dx%d, want %dx%d", m.Width, m.Height, want.Width, want.Height)
			}
			worst := 0.0
			for i, v := range m.Pix {
				d := math.Abs(float64(v) - want.Values[i])
				if want.Tolerance == 0 && float64(v) != want.Values[i] {
					t.Fatalf("pixel (%d, %d) = %v, want %v", i/m.Width, i%m.Width, v, want.Values[i])
				}
				worst = max(worst, d)
			}
			if worst > want.Tolerance {
				t.Errorf("largest difference %v exceeds tolerance %v", worst, want.Tolerance)
			}
			// Lossy or not, the defect region must come out the same.
			if want.Tolerance > 0 {
				for i, v := range m.Pix {
					if (v > 127) != (want.Values[i] > 127) {
						t.Fatalf("pixel (%d, %d) = %v, want %v: thresholds differ", i/m.Width, i%m.Width, v, want.Values[i])
					}
				}
			}
		})
	}
}

func TestGoldenMaskErrors(t *testing.T) {
	var g goldenMasks
	loadJSON(t, "masks.json", &g)
	for _, name := range sortedKeys(g.Errors) {
		sub := g.Errors[name]
		path := filepath.Join(fixtureDir, name)
		_, err := ReadMask(path)
		if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), sub) {
			t.Errorf("ReadMask(%s): got error %v, want one containing %q", name, err, sub)
		}
	}
}

// TestEncodeNPYMatchesNumPy checks EncodeNPY against numpy.save's bytes.
func TestEncodeNPYMatchesNumPy(t *testing.T) {
	path := filepath.Join(fixtureDir, "npy/encode_golden.npy")
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadMap(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := EncodeNPY(&buf, m); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("EncodeNPY output differs from numpy.save:\n got %q\nwant %q", buf.Bytes(), want)
	}
}
