package mapio

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// tiffSpec describes a float32 TIFF built by buildTIFF for tests and
// benchmarks. The golden fixtures, written by independent encoders, are the
// real check of the decoder; these files exercise sizes and limits.
type tiffSpec struct {
	w, h         int
	bo           binary.ByteOrder
	compression  int // 1 or 8
	predictor    int // 1 or 3
	rowsPerStrip int
}

type ifdEntry struct {
	tag, typ uint16
	vals     []uint32
}

// writeTIFF assembles a classic TIFF from encoded strips and extra
// directory entries (overriding the defaults with the same tag).
func writeTIFF(bo binary.ByteOrder, strips [][]byte, entries []ifdEntry) []byte {
	var out bytes.Buffer
	if bo == binary.LittleEndian {
		out.WriteString("II")
	} else {
		out.WriteString("MM")
	}
	binary.Write(&out, bo, uint16(42))
	binary.Write(&out, bo, uint32(0)) // patched below
	var offsets, counts []uint32
	for _, s := range strips {
		offsets = append(offsets, uint32(out.Len()))
		counts = append(counts, uint32(len(s)))
		out.Write(s)
	}
	have := map[uint16]bool{}
	for _, e := range entries {
		have[e.tag] = true
	}
	if !have[tagStripOffsets] {
		entries = append(entries, ifdEntry{tagStripOffsets, 4, offsets})
	}
	if !have[tagStripByteCounts] {
		entries = append(entries, ifdEntry{tagStripByteCounts, 4, counts})
	}
	// Out-of-line value arrays first, then the directory.
	type placed struct {
		e   ifdEntry
		off uint32
	}
	var ps []placed
	for _, e := range entries {
		p := placed{e: e}
		if len(e.vals) > 1 {
			p.off = uint32(out.Len())
			for _, v := range e.vals {
				binary.Write(&out, bo, v)
			}
		}
		ps = append(ps, p)
	}
	// Directory entries must be sorted by tag.
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if ps[j].e.tag < ps[i].e.tag {
				ps[i], ps[j] = ps[j], ps[i]
			}
		}
	}
	ifd := uint32(out.Len())
	binary.Write(&out, bo, uint16(len(ps)))
	for _, p := range ps {
		binary.Write(&out, bo, p.e.tag)
		binary.Write(&out, bo, uint16(4))
		binary.Write(&out, bo, uint32(len(p.e.vals)))
		if len(p.e.vals) == 1 {
			binary.Write(&out, bo, p.e.vals[0])
		} else {
			binary.Write(&out, bo, p.off)
		}
	}
	binary.Write(&out, bo, uint32(0))
	b := out.Bytes()
	bo.PutUint32(b[4:8], ifd)
	return b
}

func buildTIFF(s tiffSpec, pix []float32) []byte {
	var strips [][]byte
	for y0 := 0; y0 < s.h; y0 += s.rowsPerStrip {
		rows := min(s.rowsPerStrip, s.h-y0)
		raw := make([]byte, 0, 4*s.w*rows)
		for y := y0; y < y0+rows; y++ {
			row := pix[y*s.w : (y+1)*s.w]
			if s.predictor == 3 {
				planes := make([]byte, 4*s.w)
				for i, v := range row {
					b := math.Float32bits(v)
					planes[i], planes[s.w+i], planes[2*s.w+i], planes[3*s.w+i] = byte(b>>24), byte(b>>16), byte(b>>8), byte(b)
				}
				for i := len(planes) - 1; i > 0; i-- {
					planes[i] -= planes[i-1]
				}
				raw = append(raw, planes...)
				continue
			}
			for _, v := range row {
				raw = s.bo.(binary.AppendByteOrder).AppendUint32(raw, math.Float32bits(v))
			}
		}
		if s.compression == 8 {
			var z bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&z, zlib.DefaultCompression)
			zw.Write(raw)
			zw.Close()
			raw = z.Bytes()
		}
		strips = append(strips, raw)
	}
	return writeTIFF(s.bo, strips, []ifdEntry{
		{tagImageWidth, 4, []uint32{uint32(s.w)}},
		{tagImageLength, 4, []uint32{uint32(s.h)}},
		{tagBitsPerSample, 4, []uint32{32}},
		{tagCompression, 4, []uint32{uint32(s.compression)}},
		{tagPhotometric, 4, []uint32{1}},
		{tagSamplesPerPixel, 4, []uint32{1}},
		{tagRowsPerStrip, 4, []uint32{uint32(s.rowsPerStrip)}},
		{tagPredictor, 4, []uint32{uint32(s.predictor)}},
		{tagSampleFormat, 4, []uint32{3}},
	})
}

// scoreLikeMap is smooth with noise, like a model's upsampled score map,
// so compression ratios are realistic.
func scoreLikeMap(w, h int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	pix := make([]float32, w*h)
	cx, cy := float64(w)*0.6, float64(h)*0.3
	for y := range h {
		for x := range w {
			d := (float64(x)-cx)*(float64(x)-cx) + (float64(y)-cy)*(float64(y)-cy)
			pix[y*w+x] = float32(0.2 + 0.7*math.Exp(-d/(2*40*40)) + 0.01*rng.NormFloat64())
		}
	}
	return pix
}

func TestTIFFBuiltRoundTrip(t *testing.T) {
	pix := scoreLikeMap(70, 45, 1)
	for _, s := range []tiffSpec{
		{70, 45, binary.LittleEndian, 1, 1, 45},
		{70, 45, binary.BigEndian, 1, 1, 7},
		{70, 45, binary.LittleEndian, 8, 1, 8},
		{70, 45, binary.BigEndian, 8, 3, 44},
		{70, 45, binary.LittleEndian, 8, 3, 1},
	} {
		m, err := DecodeTIFF(bytes.NewReader(buildTIFF(s, pix)))
		if err != nil {
			t.Fatalf("%+v: %v", s, err)
		}
		if m.Width != 70 || m.Height != 45 {
			t.Fatalf("%+v: %dx%d", s, m.Width, m.Height)
		}
		for i := range pix {
			if math.Float32bits(m.Pix[i]) != math.Float32bits(pix[i]) {
				t.Fatalf("%+v: pixel %d = %v, want %v", s, i, m.Pix[i], pix[i])
			}
		}
	}
}

func TestTIFFStructuralErrors(t *testing.T) {
	base := []ifdEntry{
		{tagImageWidth, 4, []uint32{4}},
		{tagImageLength, 4, []uint32{2}},
		{tagBitsPerSample, 4, []uint32{32}},
		{tagSampleFormat, 4, []uint32{3}},
		{tagRowsPerStrip, 4, []uint32{2}},
	}
	with := func(extra ...ifdEntry) []ifdEntry {
		out := append([]ifdEntry(nil), extra...)
		for _, e := range base {
			dup := false
			for _, x := range extra {
				dup = dup || x.tag == e.tag
			}
			if !dup {
				out = append(out, e)
			}
		}
		return out
	}
	strip := make([]byte, 32)
	// 1000 strips sharing one small deflate stream of 256 KiB of zeros.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 4096*16*4))
	zw.Close()
	shared := make([]uint32, 1000)
	sharedCounts := make([]uint32, 1000)
	for i := range shared {
		shared[i], sharedCounts[i] = 8, uint32(z.Len())
	}
	for _, tc := range []struct {
		name    string
		strips  [][]byte
		entries []ifdEntry
		err     string
	}{
		{"ok", [][]byte{strip}, base, ""},
		{"short strip", [][]byte{strip[:31]}, base, "needs 32"},
		{"huge uncompressed claim", [][]byte{strip}, with(ifdEntry{tagImageWidth, 4, []uint32{8192}}, ifdEntry{tagImageLength, 4, []uint32{8192}}, ifdEntry{tagRowsPerStrip, 4, []uint32{8192}}), "needs"},
		{"huge deflate claim", [][]byte{strip}, with(ifdEntry{tagImageWidth, 4, []uint32{8192}}, ifdEntry{tagImageLength, 4, []uint32{8192}}, ifdEntry{tagRowsPerStrip, 4, []uint32{8192}}, ifdEntry{tagCompression, 4, []uint32{8}}), "cannot decode"},
		{"huge lzw tiles", [][]byte{strip}, with(ifdEntry{tagTileWidth, 4, []uint32{8192}}, ifdEntry{tagTileLength, 4, []uint32{8192}}, ifdEntry{tagTileOffsets, 4, []uint32{8}}, ifdEntry{tagTileByteCounts, 4, []uint32{32}}, ifdEntry{tagCompression, 4, []uint32{5}}), "cannot decode"},
		{"too many pixels", [][]byte{strip}, with(ifdEntry{tagImageWidth, 4, []uint32{1 << 20}}, ifdEntry{tagImageLength, 4, []uint32{1 << 20}}), "exceeds the limit"},
		{"zero width", [][]byte{strip}, with(ifdEntry{tagImageWidth, 4, []uint32{0}}), "invalid image size"},
		{"missing strips", [][]byte{strip}, with(ifdEntry{tagRowsPerStrip, 4, []uint32{1}}), "needs 2 strips"},
		{"strip past end", [][]byte{strip}, with(ifdEntry{tagStripOffsets, 4, []uint32{1 << 30}}), "past the end"},
		{"rows per strip 0", [][]byte{strip}, with(ifdEntry{tagRowsPerStrip, 4, []uint32{0}}), "RowsPerStrip is 0"},
		{"jpeg", [][]byte{strip}, with(ifdEntry{tagCompression, 4, []uint32{7}}), "compression 7"},
		{"fill order", [][]byte{strip}, with(ifdEntry{tagFillOrder, 4, []uint32{2}}), "FillOrder"},
		{"predictor 4", [][]byte{strip}, with(ifdEntry{tagCompression, 4, []uint32{8}}, ifdEntry{tagPredictor, 4, []uint32{4}}), "predictor 4"},
		{"mixed bits", [][]byte{strip}, with(ifdEntry{tagBitsPerSample, 4, []uint32{32, 16}}), "different bit depths"},
		{"no width", [][]byte{strip}, base[1:], "missing ImageWidth"},
		{"tile without offsets", [][]byte{strip}, with(ifdEntry{tagTileWidth, 4, []uint32{16}}, ifdEntry{tagTileLength, 4, []uint32{16}}), "without TileOffsets"},
		{"bad deflate", [][]byte{strip}, with(ifdEntry{tagCompression, 4, []uint32{8}}), "deflate"},
		{"bad lzw", [][]byte{{0xff, 0xff, 0xff, 0xff}}, with(ifdEntry{tagCompression, 4, []uint32{5}}), "lzw"},
		{"short packbits", [][]byte{{3, 1, 2, 3, 4}}, with(ifdEntry{tagCompression, 4, []uint32{32773}}), "packbits"},
		{"overlapping strips", [][]byte{z.Bytes()}, with(ifdEntry{tagImageWidth, 4, []uint32{4096}}, ifdEntry{tagImageLength, 4, []uint32{16000}}, ifdEntry{tagRowsPerStrip, 4, []uint32{16}}, ifdEntry{tagCompression, 4, []uint32{8}}, ifdEntry{tagStripOffsets, 4, shared}, ifdEntry{tagStripByteCounts, 4, sharedCounts}), "1000 strips cannot decode"},
		{"palette u8", [][]byte{strip}, with(ifdEntry{tagBitsPerSample, 4, []uint32{8}}, ifdEntry{tagSampleFormat, 4, []uint32{1}}, ifdEntry{tagPhotometric, 4, []uint32{3}}), "must be grey"},
	} {
		for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			data := writeTIFF(bo, tc.strips, tc.entries)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := DecodeTIFF(bytes.NewReader(data))
			runtime.ReadMemStats(&after)
			if tc.err == "" {
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
				}
				continue
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: got error %v, want %q", tc.name, err, tc.err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("%s: allocated %d bytes for a %d-byte file", tc.name, n, len(data))
			}
			if _, err := DecodeMask(bytes.NewReader(data)); err == nil {
				t.Errorf("%s: DecodeMask accepted it", tc.name)
			}
		}
	}
}

func TestTIFFHeaderErrors(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		err  string
	}{
		{[]byte("II*"), "too short"},
		{[]byte("XX*\x00\x08\x00\x00\x00"), "byte-order mark"},
		{[]byte("II\x2c\x00\x08\x00\x00\x00"), "magic number"},
		{[]byte("II*\x00\xff\x00\x00\x00"), "outside the file"},
		{[]byte("II*\x00\x08\x00\x00\x00\x00\x00"), "0 entries"},
		{[]byte("II*\x00\x08\x00\x00\x00\x05\x00"), "5 entries"},
		{[]byte("II+\x00\x08\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "0 entries"},
	} {
		if _, err := DecodeTIFF(bytes.NewReader(tc.data)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: got %v, want %q", tc.data, err, tc.err)
		}
	}
}

func TestUnpackBits(t *testing.T) {
	// Apple's example from the TIFF 6.0 specification.
	packed := []byte{0xFE, 0xAA, 0x02, 0x80, 0x00, 0x2A, 0xFD, 0xAA, 0x03, 0x80, 0x00, 0x2A, 0x22, 0xF7, 0xAA}
	want := []byte{0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0xAA, 0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0x22,
		0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA}
	got := make([]byte, len(want))
	if err := unpackBits(got, packed); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %x, %v; want %x", got, err, want)
	}
	// A no-op byte (0x80) is skipped.
	got = make([]byte, 2)
	if err := unpackBits(got, []byte{0x80, 0x01, 7, 8}); err != nil || got[0] != 7 || got[1] != 8 {
		t.Fatalf("got %v, %v", got, err)
	}
	if err := unpackBits(make([]byte, 3), []byte{0xFF, 1}); err == nil {
		t.Fatal("overrun accepted")
	}
}
