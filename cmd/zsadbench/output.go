package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/zsadbench/zsadbench/internal/atomicfile"
	"github.com/zsadbench/zsadbench/internal/printable"
)

// writeFileAtomic writes a file whole or not at all, never replacing what
// is not a regular file (see atomicfile).
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("%s: %w", pe.Op, pe.Err) // without its repeat of the path
		}
		return fmt.Errorf("write %s: %w", printable.Path(path), err)
	}
	return nil
}

// progress prints one status line on stderr, rewritten in place, when stderr
// is a terminal; elsewhere (pipes, CI) it prints nothing.
type progress struct {
	w       io.Writer
	enabled bool
	mu      sync.Mutex
	last    time.Time
	dirty   bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, enabled: ok && term.IsTerminal(int(f.Fd()))}
}

// set shows "stage [bar] done/total what"; updates are throttled.
func (p *progress) set(stage string, done, total int, what string) {
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	} else {
		p.last = now
	}
	const width = 24
	filled := 0
	if total > 0 {
		filled = done * width / total
	}
	bar := make([]byte, width)
	for i := range bar {
		if i < filled {
			bar[i] = '#'
		} else {
			bar[i] = '.'
		}
	}
	fmt.Fprintf(p.w, "\r\033[K%-9s [%s] %d/%d %s", stage, bar, done, total, what)
	p.dirty = true
}

// done clears the status line.
func (p *progress) done() {
	if p == nil || !p.enabled || !p.dirty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\033[K")
	p.dirty = false
}
