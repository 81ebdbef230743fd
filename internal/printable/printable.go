// Package printable makes untrusted text safe to print on one line: a path
// or a name read from a dataset may hold a line break, a NUL or a terminal
// escape sequence that would split an error message, forge a second one, or
// restyle the user's terminal. Control characters are escaped the way
// strconv.Quote escapes them (\n, \x1b, \u202e), so the text stays readable
// and unambiguous.
package printable

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// safe reports whether r prints as itself: a printable rune or a plain
// space. Control characters, format characters (bidirectional overrides)
// and invalid UTF-8 are not.
func safe(r rune) bool {
	return r == ' ' || (r != utf8.RuneError && strconv.IsPrint(r))
}

func clean(s string) bool {
	for _, r := range s {
		if !safe(r) {
			return false
		}
	}
	return true
}

// Path returns p unchanged when every character prints as itself, else p
// quoted and escaped as strconv.Quote does ("a\nb"), so that a reader sees
// where the path begins and ends.
func Path(p string) string {
	if clean(p) {
		return p
	}
	return strconv.Quote(p)
}

// Line returns s with every character that does not print as itself
// escaped as strconv.Quote escapes it, without adding quotes: the result is
// one line without terminal escape sequences. Clean text is unchanged.
func Line(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		if safe(r) {
			b.WriteString(s[i : i+n])
			continue
		}
		q := strconv.Quote(s[i : i+n]) // one character (or one invalid byte), quoted
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}
