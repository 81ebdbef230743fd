// Command mkexample regenerates zsadbench's bundled example data set
// (testdata/example) with synth.WriteMVTec and fixed options
// (synth/internal/exampledata). Run it from the repository root:
//
//	go run ./synth/internal/mkexample -out testdata/example
//
// or `go generate ./synth`. It first removes the category folders it is about
// to write (so no stale file survives) and leaves everything else in -out,
// such as README.md, alone. The output is byte-identical on every run.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/zsadbench/zsadbench/synth"
	"github.com/zsadbench/zsadbench/synth/internal/exampledata"
)

func main() {
	out := flag.String("out", "testdata/example", "output folder")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "mkexample:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	opts := exampledata.Options()
	for _, name := range opts.Names {
		if err := os.RemoveAll(filepath.Join(out, name)); err != nil {
			return err
		}
	}
	return synth.WriteMVTec(out, opts)
}
