package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
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

// progress shows how far a long command is, on stderr only: on a terminal
// one status line rewritten in place, once the command has run for
// progressDelay (a quick command prints nothing); with --progress, plain
// lines for logs, whatever stderr is; elsewhere (pipes, CI) nothing.
type progress struct {
	w     io.Writer
	mode  progressMode
	now   func() time.Time // time.Now; tests set it
	mu    sync.Mutex
	start time.Time
	last  time.Time
	stage string // of the last line printed in lines mode
	dirty bool   // a terminal status line is showing
	shown bool   // something was printed
	done  int    // of the last update
	total int
	noun  string
	// The rate is measured from the start of the current pass: a pass
	// starts when done goes back (a category read again).
	passStart time.Time
	passDone  int
}

type progressMode int

const (
	progressOff progressMode = iota
	progressTerminal
	progressLines
)

const (
	// progressDelay is how long a command runs before a terminal shows its
	// progress.
	progressDelay = time.Second
	// terminalEvery and linesEvery throttle updates.
	terminalEvery = 100 * time.Millisecond
	linesEvery    = 10 * time.Second
)

// progressFlag forces plain-line progress.
func progressFlag() cli.Flag {
	return &cli.BoolFlag{Name: "progress", Category: catOutput, Usage: "print progress on stderr as plain lines (for logs), even when stderr is not a terminal; on a terminal it is shown anyway, on one line"}
}

// newProgress returns the command's progress display: plain lines with
// --progress, a status line when stderr is a terminal, else nothing. noun
// names what is counted ("images").
func newProgress(c *cli.Context, noun string) *progress {
	p := &progress{w: c.App.ErrWriter, now: time.Now, noun: noun}
	f, ok := p.w.(*os.File)
	switch {
	case c.Bool("progress"):
		p.mode = progressLines
	case ok && term.IsTerminal(int(f.Fd())):
		p.mode = progressTerminal
	}
	p.start = p.now()
	p.passStart = p.start
	return p
}

// set says that done of total things are done, in stage (a verb: "scoring",
// "writing"), now working on what (a category, "" for nothing).
func (p *progress) set(stage string, done, total int, what string) {
	if p == nil || p.mode == progressOff {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if done < p.done {
		p.passStart, p.passDone = now, done
	}
	p.done, p.total = done, total
	switch p.mode {
	case progressTerminal:
		if now.Sub(p.start) < progressDelay || (now.Sub(p.last) < terminalEvery && done < total) {
			return
		}
		fmt.Fprintf(p.w, "\r\033[K%s", p.line(stage, done, total, what, now, true))
		p.dirty = true
	case progressLines:
		if stage == p.stage && now.Sub(p.last) < linesEvery {
			return
		}
		p.stage = stage
		fmt.Fprintln(p.w, p.line(stage, done, total, what, now, false))
	}
	p.last, p.shown = now, true
}

// line is "stage [bar] done/total noun, rate/s, ETA 12s, what" (the bar on
// a terminal only).
func (p *progress) line(stage string, done, total int, what string, now time.Time, bar bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s ", stage)
	if bar {
		const width = 20
		filled := 0
		if total > 0 {
			filled = min(width, done*width/total)
		}
		b.WriteString("[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "] ")
	}
	fmt.Fprintf(&b, "%d/%d %s", done, total, p.noun)
	if elapsed := now.Sub(p.passStart).Seconds(); done > p.passDone && elapsed > 0 {
		rate := float64(done-p.passDone) / elapsed
		fmt.Fprintf(&b, ", %s/s", formatRate(rate))
		if done < total {
			fmt.Fprintf(&b, ", ETA %s", formatDuration(time.Duration(float64(total-done)/rate*float64(time.Second))))
		}
	}
	if what != "" {
		b.WriteString(", " + what)
	}
	return b.String()
}

func formatRate(r float64) string {
	if r >= 100 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// formatDuration rounds to seconds ("3s", "4m05s", "1h02m").
func formatDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
}

// finish clears the terminal's status line, or ends the log with a line
// saying how long it took.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.mode == progressTerminal && p.dirty:
		fmt.Fprint(p.w, "\r\033[K")
		p.dirty = false
	case p.mode == progressLines && p.shown:
		fmt.Fprintf(p.w, "done      %d/%d %s in %s\n", p.done, p.total, p.noun, formatDuration(p.now().Sub(p.start)))
		p.shown = false
	}
}
