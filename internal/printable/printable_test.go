package printable

import (
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	for in, want := range map[string]string{
		"/data/mvtec/bottle/000.npy": "/data/mvtec/bottle/000.npy",
		"/data/ünïcode 中/a b.png":    "/data/ünïcode 中/a b.png",
		"a\nzsadbench: all good":     `"a\nzsadbench: all good"`,
		"red\x1b[31m":                `"red\x1b[31m"`,
		"nul\x00":                    `"nul\x00"`,
		"bad\xffutf8":                `"bad\xffutf8"`,
		"rtl\u202egnp.exe":           `"rtl\u202egnp.exe"`,
		`quote " and \ backslash`:    `quote " and \ backslash`,
		"tab\there":                  `"tab\there"`,
		"":                           "",
	} {
		if got := Path(in); got != want {
			t.Errorf("Path(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain: message":                      "plain: message",
		"/x/a\nzsadbench: forged\x1b[2K: bad": `/x/a\nzsadbench: forged\x1b[2K: bad`,
		"bad\xff\xfe":                         `bad\xff\xfe`,
		"crlf\r\n":                            `crlf\r\n`,
		`keeps "quotes" and \`:                `keeps "quotes" and \`,
		"中文 é":                                "中文 é",
	} {
		got := Line(in)
		if got != want {
			t.Errorf("Line(%q) = %s, want %s", in, got, want)
		}
		if strings.ContainsAny(got, "\n\r\x1b\x00") {
			t.Errorf("Line(%q) still holds a control character", in)
		}
	}
}

func FuzzLine(f *testing.F) {
	f.Add("a\nb\x1b[1m\x00\xff\u2028")
	f.Fuzz(func(t *testing.T, s string) {
		got := Line(s)
		for _, r := range got {
			if !safe(r) {
				t.Fatalf("Line(%q) = %q holds %q", s, got, r)
			}
		}
		if clean(s) && got != s {
			t.Fatalf("clean %q changed to %q", s, got)
		}
		if p := Path(s); !clean(p) {
			t.Fatalf("Path(%q) = %q is not clean", s, p)
		}
	})
}
