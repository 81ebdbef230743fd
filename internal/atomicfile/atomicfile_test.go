package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// resetAbort undoes an Abort for the next test.
func resetAbort() {
	mu.Lock()
	aborted = false
	mu.Unlock()
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := WriteBytes(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "first" {
		t.Errorf("file = %q after a failed write, want the old content", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files left in the folder, want 1", len(entries))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if err := WriteBytes(filepath.Join(dir, "missing", "x"), nil); err == nil {
		t.Error("no error writing into a missing folder")
	}
	if err := WriteBytes(dir, nil); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("writing over a folder: %v, want an error", err)
	}
}

func TestWriteKeepsPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the old file's 0600", fi.Mode().Perm())
	}
	if os.Geteuid() == 0 {
		return // root may write anything
	}
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(path, []byte("newer")); err == nil {
		t.Error("a read-only file was replaced")
	}
}

// TestWriteFollowsSymlink: the link stays, its target gets the content; a
// link to a missing file is refused, not replaced.
func TestWriteFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "sub", "target.json")
	os.Mkdir(filepath.Dir(target), 0o755)
	os.WriteFile(target, []byte("old"), 0o644)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(filepath.Join("sub", "target.json"), link); err != nil {
		t.Skip(err)
	}
	if err := WriteBytes(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("target holds %q, want new", b)
	}
	if left, _ := os.ReadDir(filepath.Dir(target)); len(left) != 1 {
		t.Errorf("left in the target's folder: %v", left)
	}
	dangling := filepath.Join(dir, "dangling.json")
	os.Symlink("nowhere.json", dangling)
	if err := WriteBytes(dangling, []byte("x")); err == nil || !strings.Contains(err.Error(), dangling) {
		t.Errorf("a link to a missing file: %v, want an error naming it", err)
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the dangling link was replaced")
	}
}

// TestAbort: Abort removes a temporary file in progress, the Write then
// fails, and the target keeps its old content.
func TestAbort(t *testing.T) {
	defer resetAbort()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	os.WriteFile(path, []byte("old"), 0o644)
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- Write(path, func(w io.Writer) error {
			io.WriteString(w, "partial")
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	if left, _ := os.ReadDir(dir); len(left) != 2 {
		t.Fatalf("want the target and one temporary file, have %v", left)
	}
	Abort()
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("after Abort: %v, want the target alone", left)
	}
	close(release)
	if err := <-done; !errors.Is(err, ErrAborted) {
		t.Errorf("the aborted Write returned %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("target holds %q", b)
	}
	if err := WriteBytes(path, []byte("later")); !errors.Is(err, ErrAborted) {
		t.Errorf("a Write after Abort returned %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("left behind: %v", left)
	}
}
