// Package atomicfile writes output files without harming what is already at
// the path. A new or regular file is written whole or not at all: the
// content goes to a temporary file in the target's folder, which is then
// renamed over the target, so a reader sees the old file or the new one and
// a failure leaves nothing half-written behind. Whatever else is at the path
// is never replaced by a regular file: a symbolic link is followed (its
// target is replaced, the link stays), and a device, a named pipe or a path
// under /dev or /proc (/dev/stdout, /dev/null) is written into, as a shell
// redirection would.
//
// Temporary files in progress are tracked, so that a signal handler can
// remove them with [Abort] before the process exits.
package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ErrAborted is returned by a Write that [Abort] stopped.
var ErrAborted = errors.New("output aborted")

var (
	mu      sync.Mutex
	temps   = map[string]bool{} // temporary files of Writes in progress
	aborted bool
)

// Write writes what write produces to path:
//
//   - a missing path, or a regular file (also through symbolic links), is
//     replaced atomically; a new file gets permissions 0644, an existing
//     one keeps its own, and one the caller may not write is an error;
//   - a device, a named pipe, a socket or any path under /dev or /proc is
//     opened and written into (not atomic: such a target cannot be
//     replaced, and a terminal or a pipe reads as the data comes);
//   - a folder, or a symbolic link to a missing file, is an error.
//
// On any error a temporary file is removed and a replaced target is left
// untouched. Errors are *fs.PathError naming path.
func Write(path string, write func(io.Writer) error) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return &fs.PathError{Op: "write", Path: path, Err: errors.New("is a folder")}
	case err == nil && (!fi.Mode().IsRegular() || isKernelPath(path)):
		return writeInto(path, fi.Mode().IsRegular(), write)
	case err == nil:
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return err
		}
		// The temporary file is created by us and renamed over the target:
		// refuse what the caller could not write in place.
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		f.Close()
		return replace(target, fi.Mode().Perm(), write)
	case errors.Is(err, fs.ErrNotExist):
		if li, lerr := os.Lstat(path); lerr == nil && li.Mode()&fs.ModeSymlink != 0 {
			return &fs.PathError{Op: "write", Path: path, Err: errors.New("is a symbolic link to a missing file (not replaced)")}
		}
		return replace(path, 0o644, write)
	}
	return err
}

// WriteBytes is Write for content already in memory.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Abort removes the temporary files of every Write in progress and makes
// every later Write fail with ErrAborted: for a signal handler, just before
// the process exits. A target is never left half-written: a Write either
// renamed its file into place before Abort, or will not.
func Abort() {
	mu.Lock()
	defer mu.Unlock()
	aborted = true
	for name := range temps {
		os.Remove(name)
	}
	clear(temps)
}

// isKernelPath reports whether path lies under /dev or /proc, where a
// regular file is one the process was handed (/dev/stdout redirected to a
// file by the shell): it is written into, never replaced.
func isKernelPath(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	return strings.HasPrefix(abs, "/dev/") || strings.HasPrefix(abs, "/proc/")
}

// writeInto writes into an existing target that must not be replaced. A
// regular file (a shell redirection seen through /dev/stdout) is appended
// to, so that ">>" keeps what it held and ">" was already truncated.
func writeInto(path string, regular bool, write func(io.Writer) error) error {
	flag := os.O_WRONLY
	if regular {
		flag |= os.O_APPEND
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replace writes a temporary file beside target and renames it over target.
func replace(target string, perm fs.FileMode, write func(io.Writer) error) (err error) {
	mu.Lock()
	if aborted {
		mu.Unlock()
		return &fs.PathError{Op: "write", Path: target, Err: ErrAborted}
	}
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp")
	if err == nil {
		temps[f.Name()] = true
	}
	mu.Unlock()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			mu.Lock()
			delete(temps, f.Name())
			os.Remove(f.Name())
			mu.Unlock()
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if aborted {
		return &fs.PathError{Op: "write", Path: target, Err: ErrAborted}
	}
	if err = os.Rename(f.Name(), target); err != nil {
		return err
	}
	delete(temps, f.Name())
	return nil
}
