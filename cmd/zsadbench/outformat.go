package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
)

// onceValue is a string flag's value that may be given once: urfave/cli
// keeps the last of repeated string flags silently, and for a flag that
// names the one input of a command (score --maps A --maps B) that scores B
// alone while the user expects both.
type onceValue struct {
	name  string // the flag's name, for messages
	why   string // what the command does with it, for messages
	value string
	set   bool
}

func (o *onceValue) Set(v string) error {
	if o.set {
		return fmt.Errorf("--%s given twice (%s, then %s): %s", o.name, o.value, v, o.why)
	}
	o.value, o.set = v, true
	return nil
}

func (o *onceValue) String() string { return o.value }

// Get returns the value, for urfave/cli's Context.Value.
func (o *onceValue) Get() any { return o.value }

// onceFlag is a string flag that may be given once (see onceValue); why
// says what the command does with it.
func onceFlag(name, category, usage, why string) cli.Flag {
	return &cli.GenericFlag{Name: name, Category: category, Usage: usage, Value: &onceValue{name: name, why: why}}
}

// formatsByExt are the report formats an --out file's extension implies.
var formatsByExt = map[string]string{
	".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown",
	".tex": "latex", ".txt": "table",
}

// outputFormat returns --format, or, when it is not given, the format that
// --out's extension names (as plot does for figures): table without --out
// or for a file without an extension. An extension that names no format is
// an error asking for --format.
func outputFormat(c *cli.Context) (string, error) {
	out := c.String("out")
	if c.IsSet("format") || out == "" {
		return c.String("format"), nil
	}
	ext := strings.ToLower(filepath.Ext(out))
	if ext == "" {
		return c.String("format"), nil
	}
	if f, ok := formatsByExt[ext]; ok {
		return f, nil
	}
	return "", fmt.Errorf("--out %s: the extension %q names no report format (.json, .csv, .md, .tex, .txt); give --format", out, filepath.Ext(out))
}
