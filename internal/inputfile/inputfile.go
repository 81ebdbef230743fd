// Package inputfile opens the files zsadbench reads. Only regular files are
// read, after following symbolic links: a device (/dev/zero), a named pipe,
// a socket or a folder given where a file is expected is an error at once,
// instead of a read that never ends or never starts. Reads are bounded by
// what the format can legitimately need, so a file that grows, or lies about
// its size, cannot make a reader hold more.
//
// Errors are *fs.PathError values naming the path, wrapping ErrNotRegular or
// a *TooLargeError (or the system's error).
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is wrapped by the error for a path that is not a regular
// file; the message says what it is ("not a regular file (a named pipe)").
var ErrNotRegular = errors.New("not a regular file")

// TooLargeError is a file longer than its reader accepts.
type TooLargeError struct {
	Size  int64 // the file's size (what was read when it grew while read)
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("file of %d bytes exceeds the limit of %d bytes", e.Size, e.Limit)
}

// kind names what a non-regular file is.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "of mode " + m.String()
}

func notRegular(op, path string, m fs.FileMode) error {
	return &fs.PathError{Op: op, Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(m))}
}

// Check returns nil when path is (or links to) a regular file, without
// opening it: for listing a dataset before anything is read.
func Check(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return notRegular("stat", path, fi.Mode())
	}
	return nil
}

// Open opens the regular file at path for reading and returns it with its
// size. It never blocks: a named pipe is opened without waiting for a
// writer, then refused, as is every other file that is not regular.
func Open(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, notRegular("open", path, fi.Mode())
	}
	return f, fi.Size(), nil
}

// ReadFile reads the regular file at path whole. A file longer than limit
// bytes is an error wrapping a *TooLargeError, found from its size before
// reading, or after limit bytes when it grows while read.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, size, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: &TooLargeError{Size: size, Limit: limit}}
	}
	// One byte more than the size, to see a file that grew.
	data := make([]byte, size+1)
	n, err := io.ReadFull(f, data)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return data[:n], nil
	case nil:
		more, err := io.ReadAll(io.LimitReader(f, limit+1-int64(n)))
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if data = append(data, more...); int64(len(data)) > limit {
			return nil, &fs.PathError{Op: "read", Path: path, Err: &TooLargeError{Size: int64(len(data)), Limit: limit}}
		}
		return data, nil
	}
	return nil, &fs.PathError{Op: "read", Path: path, Err: err}
}

// OpenLimited opens the regular file at path (see Open) as a reader that
// fails with an error wrapping a *TooLargeError once more than limit bytes
// have been read: for files parsed as a stream (CSV, JSON lines).
func OpenLimited(path string, limit int64) (io.ReadCloser, error) {
	f, size, err := Open(path)
	if err != nil {
		return nil, err
	}
	if size > limit {
		f.Close()
		return nil, &fs.PathError{Op: "read", Path: path, Err: &TooLargeError{Size: size, Limit: limit}}
	}
	return &limited{f: f, path: path, left: limit, limit: limit}, nil
}

type limited struct {
	f           *os.File
	path        string
	left, limit int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &fs.PathError{Op: "read", Path: l.path, Err: &TooLargeError{Size: l.limit + 1, Limit: l.limit}}
	}
	// Read one byte past the limit, to tell a file of exactly limit bytes
	// from a longer one.
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.f.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n + int(l.left), &fs.PathError{Op: "read", Path: l.path, Err: &TooLargeError{Size: l.limit + 1, Limit: l.limit}}
	}
	return n, err
}

func (l *limited) Close() error { return l.f.Close() }
