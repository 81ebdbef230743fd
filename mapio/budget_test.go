package mapio

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"
)

// pngHeaderOnly is a PNG signature, an IHDR chunk and optional chunks,
// followed by zero bytes standing for image data.
func pngHeaderOnly(w, h uint32, depth, colorType, interlace byte, chunks ...string) []byte {
	var b bytes.Buffer
	b.WriteString(pngMagic)
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	chunk("IHDR", append(ihdr, depth, colorType, 0, 0, interlace))
	for _, c := range chunks {
		chunk(c, []byte{0, 0})
	}
	b.Write(make([]byte, 64))
	return b.Bytes()
}

// TestDecodeBudget: an image within the pixel limit whose decoded form
// would take more than MaxImageBytes is refused from its header, before any
// allocation, by every reader of maps and masks.
func TestDecodeBudget(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		err  string // "" : within the budget (then refused for its missing data)
	}{
		{"8-bit grey 8192^2", pngHeaderOnly(8192, 8192, 8, 0, 0), ""},
		{"8-bit RGBA 8192^2", pngHeaderOnly(8192, 8192, 8, 6, 0), ""},
		{"1-bit grey 11584^2", pngHeaderOnly(11584, 11584, 1, 0, 0), "limit of 67108864 pixels"},
		{"16-bit RGBA 6000^2", pngHeaderOnly(6000, 6000, 16, 6, 0), "over the limit of 256 MiB"},
		{"16-bit grey + tRNS 6000^2", pngHeaderOnly(6000, 6000, 16, 0, 0, "tRNS"), "over the limit of 256 MiB"},
		{"interlaced RGBA 8192^2", pngHeaderOnly(8192, 8192, 8, 6, 1), "over the limit of 256 MiB"},
		{"float64 TIFF 8192^2", writeTIFF(binary.LittleEndian, [][]byte{make([]byte, 64)}, []ifdEntry{
			{tagImageWidth, 4, []uint32{8192}}, {tagImageLength, 4, []uint32{8192}}, {tagBitsPerSample, 4, []uint32{64}},
			{tagSampleFormat, 4, []uint32{3}}, {tagRowsPerStrip, 4, []uint32{1}}, {tagCompression, 4, []uint32{8}},
			{tagStripOffsets, 4, make([]uint32, 8192)}, {tagStripByteCounts, 4, filled(8192, 64)}}), "over the limit of 256 MiB"},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, mapErr := decodeMapBytes(tc.data)
		_, maskErr := decodeMaskBytes(tc.data)
		runtime.ReadMemStats(&after)
		for _, err := range []error{mapErr, maskErr} {
			switch {
			case err == nil:
				t.Errorf("%s: decoded", tc.name)
			case tc.err != "" && !strings.Contains(err.Error(), tc.err):
				t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			case tc.err == "" && strings.Contains(err.Error(), "limit"):
				t.Errorf("%s: %v, want it within the limits", tc.name, err)
			}
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
			t.Errorf("%s: allocated %d bytes", tc.name, n)
		}
	}
}

// decodeMapBytes decodes a PNG or TIFF map by its content.
func decodeMapBytes(data []byte) (Map, error) {
	if isTIFF(data) {
		return decodeTIFFBytes(data)
	}
	return decodePNGBytes(data)
}

func filled(n int, v uint32) []uint32 {
	s := make([]uint32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// TestTIFFMaskExpansion: a bilevel deflate TIFF mask whose stream inflates
// far past its rows (decoded by golang.org/x/image/tiff, which would hold
// the whole stream) is refused without inflating it into memory.
func TestTIFFMaskExpansion(t *testing.T) {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(make([]byte, 64<<20)) // 64 MiB of zeros for a 4096x4096 1-bit image (2 MiB)
	zw.Close()
	entries := []ifdEntry{
		{tagImageWidth, 4, []uint32{4096}}, {tagImageLength, 4, []uint32{4096}}, {tagBitsPerSample, 4, []uint32{1}},
		{tagRowsPerStrip, 4, []uint32{4096}}, {tagCompression, 4, []uint32{8}}, {tagPhotometric, 4, []uint32{1}},
	}
	data := writeTIFF(binary.LittleEndian, [][]byte{z.Bytes()}, entries)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := DecodeMask(bytes.NewReader(data))
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Errorf("got %v, want the expansion refused", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Errorf("allocated %d bytes", n)
	}
	// The same image with a stream of the right length decodes.
	z.Reset()
	zw, _ = zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(make([]byte, 4096/8*4096))
	zw.Close()
	m, err := DecodeMask(bytes.NewReader(writeTIFF(binary.LittleEndian, [][]byte{z.Bytes()}, entries)))
	if err != nil || m.Width != 4096 || m.Height != 4096 {
		t.Errorf("a right-sized stream: %dx%d, %v", m.Width, m.Height, err)
	}
}

// TestJPEGMaskBudget: a progressive colour JPEG whose decoding (planes and
// coefficients, 9 bytes a pixel) would pass MaxImageBytes is refused from
// its frame header; a baseline one of the same size is within it.
func TestJPEGMaskBudget(t *testing.T) {
	frame := func(sof byte, w, h uint16) []byte {
		b := []byte{0xFF, 0xD8, 0xFF, sof, 0, 17, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3}
		for id := byte(1); id <= 3; id++ {
			b = append(b, id, 0x11, 0)
		}
		return append(b, 0xFF, 0xD9)
	}
	_, err := DecodeMask(bytes.NewReader(frame(0xC2, 8000, 8000)))
	if err == nil || !strings.Contains(err.Error(), "over the limit of 256 MiB") {
		t.Errorf("progressive 8000x8000: %v", err)
	}
	_, err = DecodeMask(bytes.NewReader(frame(0xC0, 8000, 8000)))
	if err == nil || strings.Contains(err.Error(), "limit") {
		t.Errorf("baseline 8000x8000: %v, want an error other than the limits", err)
	}
}
