//go:build unix

package inputfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDevicesAndPipes: /dev/zero (also through a link) and a named pipe
// without a writer are refused at once.
func TestDevicesAndPipes(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	if _, err := os.Stat("/dev/zero"); err == nil {
		link := filepath.Join(dir, "zero.png")
		os.Symlink("/dev/zero", link)
		paths = append(paths, "/dev/zero", link)
	}
	fifo := filepath.Join(dir, "fifo.npy")
	if err := syscall.Mkfifo(fifo, 0o644); err == nil {
		paths = append(paths, fifo)
	}
	if len(paths) == 0 {
		t.Skip("no device or pipe to try")
	}
	for _, p := range paths {
		done := make(chan error, 3)
		go func() {
			_, err := ReadFile(p, 1<<20)
			done <- err
			_, _, err = Open(p)
			done <- err
			_, err = OpenLimited(p, 1<<20)
			done <- err
		}()
		for range 3 {
			select {
			case err := <-done:
				if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), p) {
					t.Errorf("%s: %v, want ErrNotRegular naming it", p, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: blocked", p)
			}
		}
		if err := Check(p); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Check(%s) = %v", p, err)
		}
	}
}
