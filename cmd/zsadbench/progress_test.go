package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// clock is a fake time for progress.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func testProgress(mode progressMode) (*progress, *bytes.Buffer, *clock) {
	var b bytes.Buffer
	c := &clock{t: time.Unix(1000, 0)}
	p := &progress{w: &b, mode: mode, now: c.now, noun: "images", start: c.t, passStart: c.t}
	return p, &b, c
}

// TestProgressTerminal: nothing in the first second, then one line
// rewritten in place (throttled) with the rate and the ETA, cleared at the
// end.
func TestProgressTerminal(t *testing.T) {
	p, b, c := testProgress(progressTerminal)
	p.set("reading", 10, 100, "capsule")
	c.advance(900 * time.Millisecond)
	p.set("reading", 20, 100, "capsule")
	if b.Len() != 0 {
		t.Fatalf("shown before a second: %q", b.String())
	}
	c.advance(100 * time.Millisecond)
	p.set("reading", 25, 100, "capsule")
	want := "\r\033[Kreading   [#####...............] 25/100 images, 25.0/s, ETA 3s, capsule"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	c.advance(50 * time.Millisecond)
	p.set("reading", 26, 100, "capsule")
	if b.String() != want {
		t.Errorf("not throttled: %q", b.String())
	}
	c.advance(time.Second)
	b.Reset()
	p.set("computing", 100, 100, "screw")
	if want := "\r\033[Kcomputing [####################] 100/100 images, 48.8/s, screw"; b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	b.Reset()
	p.finish()
	if b.String() != "\r\033[K" {
		t.Errorf("finish: %q", b.String())
	}
	// A quick command prints nothing, not even the clearing.
	q, b2, _ := testProgress(progressTerminal)
	q.set("reading", 1, 2, "")
	q.finish()
	if b2.Len() != 0 {
		t.Errorf("quick command: %q", b2.String())
	}
}

// TestProgressLog: a line at each stage and at most one every ten seconds
// within one, then how long it took.
func TestProgressLog(t *testing.T) {
	p, b, c := testProgress(progressLines)
	p.set("reading", 0, 600, "a")
	c.advance(5 * time.Second)
	p.set("reading", 100, 600, "a")
	c.advance(5 * time.Second)
	p.set("reading", 200, 600, "a")
	p.set("computing", 200, 600, "a")
	c.advance(170 * time.Second)
	p.set("computing", 600, 600, "b")
	// A category read again: the rate is the new pass's.
	p.set("ranking", 300, 600, "b")
	c.advance(10 * time.Second)
	p.set("ranking", 400, 600, "b")
	p.finish()
	want := []string{
		"reading   0/600 images, a",
		"reading   200/600 images, 20.0/s, ETA 20s, a",
		"computing 200/600 images, 20.0/s, ETA 20s, a",
		"computing 600/600 images, 3.3/s, b",
		"ranking   300/600 images, b",
		"ranking   400/600 images, 10.0/s, ETA 20s, b",
		"done      400/600 images in 3m10s",
	}
	if got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, d := range []struct {
		d    time.Duration
		want string
	}{{0, "0s"}, {59400 * time.Millisecond, "59s"}, {61 * time.Second, "1m01s"}, {3725 * time.Second, "1h02m"}} {
		if got := formatDuration(d.d); got != d.want {
			t.Errorf("formatDuration(%v) = %s, want %s", d.d, got, d.want)
		}
	}
}
