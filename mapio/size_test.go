package mapio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/internal/inputfile"
)

// TestReadSizeAgreesWithDecoders: for every fixture that decodes, the
// header's size is the decoded size.
func TestReadSizeAgreesWithDecoders(t *testing.T) {
	var maps goldenMaps
	loadJSON(t, "maps.json", &maps)
	for _, name := range sortedKeys(maps.Maps) {
		want := maps.Maps[name]
		w, h, err := ReadMapSize(filepath.Join(fixtureDir, name))
		if err != nil || w != want.Width || h != want.Height {
			t.Errorf("ReadMapSize(%s) = %dx%d, %v; want %dx%d", name, w, h, err, want.Width, want.Height)
		}
	}
	var masks goldenMasks
	loadJSON(t, "masks.json", &masks)
	for _, name := range sortedKeys(masks.Masks) {
		want := masks.Masks[name]
		w, h, err := ReadMaskSize(filepath.Join(fixtureDir, name))
		if err != nil || w != want.Width || h != want.Height {
			t.Errorf("ReadMaskSize(%s) = %dx%d, %v; want %dx%d", name, w, h, err, want.Width, want.Height)
		}
	}
}

func TestReadSizeErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		return p
	}
	huge := write("huge.npy", npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (16384, 16384), }", 0))
	if _, _, err := ReadMapSize(huge); err == nil || !strings.Contains(err.Error(), "limit") || !strings.HasPrefix(err.Error(), huge) {
		t.Errorf("a 2^28-value header: %v", err)
	}
	text := write("text.png", []byte("not an image"))
	if _, _, err := ReadMaskSize(text); err == nil || !strings.HasPrefix(err.Error(), text) {
		t.Errorf("text as a mask: %v", err)
	}
	if _, _, err := ReadMapSize(text); err == nil || !strings.HasPrefix(err.Error(), text) {
		t.Errorf("text as a map: %v", err)
	}
	if _, _, err := ReadMapSize(filepath.Join(dir, "x.bmp")); err == nil || !strings.Contains(err.Error(), `unsupported score map format ".bmp"`) {
		t.Errorf("a .bmp map: %v", err)
	}
	if _, _, err := ReadMaskSize(dir); !errors.Is(err, inputfile.ErrNotRegular) {
		t.Errorf("a folder as a mask: %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		link := filepath.Join(dir, "zero.npy")
		os.Symlink("/dev/zero", link)
		if _, _, err := ReadMapSize(link); !errors.Is(err, inputfile.ErrNotRegular) {
			t.Errorf("a link to /dev/zero: %v", err)
		}
		if _, err := ReadMap(link); !errors.Is(err, inputfile.ErrNotRegular) {
			t.Errorf("ReadMap of a link to /dev/zero: %v", err)
		}
		if _, err := ReadMask(link); !errors.Is(err, inputfile.ErrNotRegular) {
			t.Errorf("ReadMask of a link to /dev/zero: %v", err)
		}
	}
}
