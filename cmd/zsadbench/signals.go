package main

import (
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zsadbench/zsadbench/internal/atomicfile"
)

// cleanUpOnSignal makes SIGINT and SIGTERM remove the temporary files of
// output in progress (--out, --curves, --plot-dir, predict's maps) before
// the process ends, so that an interrupted run leaves nothing half-written:
// each output file is either complete or absent, and a --curves folder
// lacks its results.json, which is written last. The process then dies of
// the same signal, so that its parent sees an interrupted command.
func cleanUpOnSignal() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		signalled.Store(true)
		atomicfile.Abort()
		signal.Reset(sig)
		reraise(sig)
		os.Exit(1) // if the signal did not end the process
	}()
}

// signalled is set once a signal has arrived.
var signalled atomic.Bool

// awaitSignal, once a signal has arrived, leaves the process to the handler,
// which ends it by the signal: a command that a signal stopped (its output
// aborted) returns at about the moment the handler re-raises it, and must
// not exit first with status 1.
func awaitSignal() {
	if signalled.Load() {
		time.Sleep(5 * time.Second)
	}
}
