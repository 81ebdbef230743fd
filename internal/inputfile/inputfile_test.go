package inputfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.bin")
	os.WriteFile(p, []byte("0123456789"), 0o644)
	for limit, ok := range map[int64]bool{10: true, 11: true, 9: false, 0: false} {
		b, err := ReadFile(p, limit)
		var tl *TooLargeError
		switch {
		case ok && (err != nil || string(b) != "0123456789"):
			t.Errorf("limit %d: %q, %v", limit, b, err)
		case !ok && (!errors.As(err, &tl) || tl.Size != 10 || !strings.Contains(err.Error(), p)):
			t.Errorf("limit %d: %v, want a TooLargeError naming the file", limit, err)
		}
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	if b, err := ReadFile(empty, 0); err != nil || len(b) != 0 {
		t.Errorf("empty file: %q, %v", b, err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), 10); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadFile(dir, 10); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "folder") {
		t.Errorf("folder: %v", err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("a.bin", link); err == nil {
		if b, err := ReadFile(link, 10); err != nil || string(b) != "0123456789" {
			t.Errorf("through a link: %q, %v", b, err)
		}
	}
}

func TestOpenLimited(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(p, []byte(strings.Repeat("x", 100)), 0o644)
	r, err := OpenLimited(p, 100)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(r); err != nil || len(b) != 100 {
		t.Errorf("at the limit: %d bytes, %v", len(b), err)
	}
	r.Close()
	if _, err := OpenLimited(p, 99); err == nil {
		t.Error("a file over the limit opened")
	}
	// A file that grows after it was opened fails once past the limit.
	r, err = OpenLimited(p, 150)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(strings.Repeat("y", 100))
	f.Close()
	b, err := io.ReadAll(r)
	var tl *TooLargeError
	if !errors.As(err, &tl) || len(b) > 150 {
		t.Errorf("grown file: %d bytes, %v", len(b), err)
	}
	r.Close()
}
