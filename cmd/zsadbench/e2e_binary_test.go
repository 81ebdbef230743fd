package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runBinary runs the built command with stdout and stderr on separate pipes.
func runBinary(t *testing.T, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(zsadbenchBinary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{code, stdout.String(), stderr.String()}
}

// TestBinaryPipes runs the real binary: results alone on stdout, warnings
// alone on stderr, no progress output into a pipe, and the exit statuses.
func TestBinaryPipes(t *testing.T) {
	data := synthSet(t, 6, "2")

	t.Run("clean run", func(t *testing.T) {
		r := runBinary(t, "score", "--maps", data, "--data", data, "--format", "json")
		if r.code != 0 {
			t.Fatalf("%v", r)
		}
		if r.stderr != "" {
			t.Errorf("stderr not empty (progress into a pipe?): %q", r.stderr)
		}
		if in := zsadbench("score", "--maps", data, "--data", data, "--format", "json"); in.stdout != r.stdout {
			t.Errorf("the binary's JSON differs from run()'s")
		}
		checkFractions(t, parseReport(t, r.stdout))
	})

	t.Run("warnings", func(t *testing.T) {
		s := newFlatSet(t)
		if err := os.RemoveAll(s.gt); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(s.gt, 0o755); err != nil {
			t.Fatal(err)
		}
		r := runBinary(t, "score", "--maps", s.pred, "--data", s.gt, "--format", "json")
		if r.code != 0 {
			t.Fatalf("%v", r)
		}
		rep := parseReport(t, r.stdout) // stdout is pure JSON despite the warnings
		if len(rep.Warnings) == 0 {
			t.Errorf("no warnings in the JSON")
		}
		for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
			if !strings.HasPrefix(line, "warning: ") {
				t.Errorf("stderr line is not a warning: %q", line)
			}
		}
		if strings.ContainsAny(r.stderr, "\r\x1b") {
			t.Errorf("terminal control characters on stderr in a pipe: %q", r.stderr)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		s := newFlatSet(t)
		p := s.replaceMap(t, "npy", []byte("\x93NUMPY\x01\x00garbage"))
		r := runBinary(t, s.args()...)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, p) {
			t.Errorf("want exit 1, empty stdout and %s named on stderr: %v", p, r)
		}
		checkNoCrash(t, r)
		if left := dirEntries(t, s.out); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	})

	t.Run("usage error", func(t *testing.T) {
		r := runBinary(t, "score", "--maps", data, "--data", data, "--format", "xml")
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "xml") {
			t.Errorf("want exit 1, empty stdout, xml named: %v", r)
		}
		r = runBinary(t, "nosuchcommand")
		if r.code == 0 {
			t.Errorf("an unknown command exits 0: %v", r)
		}
	})

	t.Run("shell pipe", func(t *testing.T) {
		bash, err := exec.LookPath("bash")
		if err != nil {
			t.Skip("no bash")
		}
		out := filepath.Join(t.TempDir(), "head.txt")
		// The status of zsadbench inside a pipeline, and what reached the
		// other end.
		script := `"$1" score --pred "$2" --gt "$2" --format csv | head -n 1 > "$3"; s=${PIPESTATUS[0]}
"$1" score --pred "$2/missing" --gt "$2" --format csv 2>/dev/null | wc -c >> "$3"; echo "$s ${PIPESTATUS[0]}"`
		cmd := exec.Command(bash, "-c", script, "bash", zsadbenchBinary(t), data, out)
		got, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(got)) != "0 1" {
			t.Errorf("pipeline statuses %q, want \"0 1\"", got)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "category,images,") || strings.TrimSpace(lines[1]) != "0" {
			t.Errorf("through the pipe: %q (want the CSV header, then 0 bytes from the failed run)", b)
		}
	})
}
