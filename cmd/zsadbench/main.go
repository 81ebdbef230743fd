// Command zsadbench evaluates zero-shot anomaly detection models: it turns
// anomaly score maps and ground-truth masks into the metrics papers report
// (image and pixel AUROC, AP, F1-max, AUPRO, RCPRO), draws their curves, and
// runs the DIVE model to make maps. It wires packages together and computes
// no metric itself.
//
// Exit status: 0 on success, 1 on bad input or usage, 2 on internal error;
// on SIGINT or SIGTERM, temporary output files are removed and the process
// dies of the signal.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/internal/version"
)

// internalError marks a failure that is zsadbench's fault, not the input's.
type internalError struct{ err error }

func (e internalError) Error() string { return "internal error: " + e.err.Error() }
func (e internalError) Unwrap() error { return e.err }

// recording is the hidden --cpuprofile and --trace output (for performance
// work): each, when asked for, goes to its own file.
type recording struct {
	stops []func()
}

// start starts a CPU profile into profilePath and an execution trace into
// tracePath (either empty: not recorded).
func (r *recording) start(profilePath, tracePath string) error {
	for _, out := range []struct {
		path  string
		start func(io.Writer) error
		stop  func()
	}{{profilePath, pprof.StartCPUProfile, pprof.StopCPUProfile}, {tracePath, trace.Start, trace.Stop}} {
		if out.path == "" {
			continue
		}
		f, err := os.Create(out.path)
		if err != nil {
			return err
		}
		if err := out.start(f); err != nil {
			f.Close()
			return err
		}
		r.stops = append(r.stops, func() { out.stop(); f.Close() })
	}
	return nil
}

// stop ends what start started and closes the files.
func (r *recording) stop() {
	for _, stop := range r.stops {
		stop()
	}
	r.stops = nil
}

func newApp(stdout, stderr io.Writer) *cli.App {
	var recorders recording
	app := &cli.App{
		Name:                 "zsadbench",
		Usage:                "evaluate zero-shot anomaly detection models: AUROC, AP, F1-max, AUPRO, RCPRO",
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: false,
		Version:              version.Get().String(),
		Description: "zsadbench score --maps DIR --data DIR prints the paper table of a folder of score maps;\n" +
			"zsadbench help COMMAND explains a command. " + metricsDoc,
		Commands: []*cli.Command{scoreCommand(), compareCommand(), significanceCommand(), plotCommand(), vizCommand(), predictCommand(), runCommand(), synthCommand()},
		// Errors are printed once, by run, with the right exit status.
		ExitErrHandler: func(*cli.Context, error) {},
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cpuprofile", Hidden: true, Usage: "write a CPU profile (for performance work)"},
			&cli.StringFlag{Name: "trace", Hidden: true, Usage: "write an execution trace, for go tool trace (for performance work)"},
		},
		Before: func(c *cli.Context) error {
			return recorders.start(c.String("cpuprofile"), c.String("trace"))
		},
		After: func(*cli.Context) error {
			recorders.stop()
			return nil
		},
	}
	for _, cmd := range app.Commands {
		name := cmd.Name
		// A flag that does not parse is a one-line error on stderr, like
		// every other usage error, instead of the help text on stdout.
		cmd.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
			return fmt.Errorf("%w (see zsadbench %s --help)", err, name)
		}
	}
	return app
}

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "zsadbench: internal error: %v\n%s", r, debug.Stack())
			status = 2
		}
	}()
	err := newApp(stdout, stderr).Run(args)
	if err == nil {
		return 0
	}
	// One line, whatever a path in the message holds.
	fmt.Fprintf(stderr, "zsadbench: %s\n", printable.Line(inFlagTerms(err).Error()))
	var ie internalError
	if errors.As(err, &ie) {
		return 2
	}
	return 1
}

func main() {
	if os.Getenv("GOGC") == "" {
		// The heap is mostly large arrays without pointers (maps, sort keys),
		// cheap to collect: collecting at half the default growth keeps the
		// peak memory, and the page faults of touching it, about a third
		// lower (MVTec-size run: 1.8 -> 1.2 GB, and faster).
		debug.SetGCPercent(50)
	}
	cleanUpOnSignal()
	status := run(os.Args, os.Stdout, os.Stderr)
	awaitSignal()
	os.Exit(status)
}
