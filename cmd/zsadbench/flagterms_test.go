package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/load"
)

// TestInFlagTerms: a strict-size error, wrapped or not, names the flag;
// other errors pass unchanged, and the library's error stays reachable.
func TestInFlagTerms(t *testing.T) {
	se := &load.SizeError{Map: "c.npy", Mask: "c_mask.png", MapWidth: 8, MapHeight: 6, MaskWidth: 10, MaskHeight: 10}
	for _, err := range []error{se, fmt.Errorf("category c: %w", se)} {
		got := inFlagTerms(err)
		if !strings.HasSuffix(got.Error(), "(--strict-size)") || !strings.HasPrefix(got.Error(), err.Error()) {
			t.Errorf("inFlagTerms(%q) = %q", err, got)
		}
		var back *load.SizeError
		if !errors.As(got, &back) || back != se {
			t.Errorf("inFlagTerms(%q) lost the *load.SizeError", err)
		}
	}
	other := errors.New("a.npy: NaN")
	if got := inFlagTerms(other); got != other {
		t.Errorf("inFlagTerms(%q) = %q, want it unchanged", other, got)
	}
}
