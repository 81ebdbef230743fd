package dive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/internal/inputfile"
)

// pngHeader is a PNG signature and IHDR chunk followed by zeros.
func pngHeader(w, h uint32, depth, colorType byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = append(binary.BigEndian.AppendUint32(ihdr, h), depth, colorType, 0, 0, 0)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.WriteString("IHDR")
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...)))
	b.Write(make([]byte, 64))
	return b.Bytes()
}

// TestLoadImageHostile: images past the pixel limit or the decoding budget
// are refused from their header, and only regular files are read.
func TestLoadImageHostile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"pixels.png", pngHeader(100000, 100000, 8, 2), "exceeds the limit of 67108864 pixels"},
		{"budget.png", pngHeader(6000, 6000, 16, 6), "over the limit of 256 MiB"},
	} {
		p := filepath.Join(dir, tc.name)
		os.WriteFile(p, tc.data, 0o644)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := LoadImage(p)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want one naming it and saying %q", tc.name, err, tc.want)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
			t.Errorf("%s: allocated %d bytes", tc.name, n)
		}
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		link := filepath.Join(dir, "zero.png")
		os.Symlink("/dev/zero", link)
		if _, err := LoadImage(link); !errors.Is(err, inputfile.ErrNotRegular) || !strings.Contains(err.Error(), link) {
			t.Errorf("a link to /dev/zero: %v", err)
		}
	}
}
