//go:build unix

package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// TestWriteIntoFIFO: a named pipe is written into and stays a pipe.
func TestWriteIntoFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	var got []byte
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f, err := os.Open(fifo)
		if err != nil {
			return
		}
		got, _ = io.ReadAll(f)
		f.Close()
	}()
	if err := WriteBytes(fifo, []byte("through the pipe")); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if string(got) != "through the pipe" {
		t.Errorf("reader got %q", got)
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe became %v", fi.Mode())
	}
}

// TestWriteIntoDevice: a character device (here a copy of /dev/full, made
// when running as root) is written into, so its error is seen, and it stays
// a device.
func TestWriteIntoDevice(t *testing.T) {
	dev := filepath.Join(t.TempDir(), "full")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|7); err != nil {
		t.Skipf("mknod (needs root): %v", err)
	}
	err := WriteBytes(dev, []byte("x"))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("writing to a full device: %v, want ENOSPC", err)
	}
	if fi, _ := os.Lstat(dev); fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("the device became %v", fi.Mode())
	}
}

// TestWriteIntoDevFD: /dev/fd/N (as /dev/stdout is) is written into: a pipe
// gets the data, and a file the process holds is appended to, not replaced.
func TestWriteIntoDevFD(t *testing.T) {
	if _, err := os.Stat("/dev/fd/0"); err != nil {
		t.Skip("no /dev/fd")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		WriteBytes(fmt.Sprintf("/dev/fd/%d", w.Fd()), []byte("to the pipe"))
		w.Close()
	}()
	if got, _ := io.ReadAll(r); string(got) != "to the pipe" {
		t.Errorf("pipe got %q", got)
	}
	r.Close()

	path := filepath.Join(t.TempDir(), "redirected.txt")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("kept,")
	before, _ := os.Stat(path)
	if err := WriteBytes(fmt.Sprintf("/dev/fd/%d", f.Fd()), []byte("appended")); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) {
		t.Error("the redirected file was replaced")
	}
	if b, _ := os.ReadFile(path); string(b) != "kept,appended" {
		t.Errorf("file holds %q", b)
	}
}
