package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mk creates each slash-separated path under root with placeholder bytes (a
// path ending in "/" is created as a folder) and returns root.
func mk(t testing.TB, root string, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		full := filepath.Join(root, filepath.FromSlash(p))
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("placeholder"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// writeFile writes content to root/p.
func writeFile(t *testing.T, root, p, content string) string {
	t.Helper()
	full := filepath.Join(root, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return full
}

// j joins a slash-separated path under root.
func j(root, p string) string { return filepath.Join(root, filepath.FromSlash(p)) }

// mustOpen opens opts and fails the test on error.
func mustOpen(t *testing.T, opts Options) *Dataset {
	t.Helper()
	d, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return d
}

// wantErr opens opts and checks that the error holds every part.
func wantErr(t *testing.T, opts Options, parts ...string) {
	t.Helper()
	d, err := Open(opts)
	if err == nil {
		t.Fatalf("Open succeeded with %d entries, want an error with %q", len(d.Entries), parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// checkEntries compares entries. A ScoreMode entry's image file is compared
// only where want names one (TestScoreModeImages checks them).
func checkEntries(t *testing.T, got, want []Entry) {
	t.Helper()
	got = append([]Entry(nil), got...)
	for i := range got {
		if i < len(want) && want[i].MapPath != "" && want[i].ImagePath == "" {
			got[i].ImagePath = ""
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}
