//go:build unix

package main

import (
	"os"
	"syscall"
	"time"
)

// reraise sends sig to the process again, now with its default action.
func reraise(sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		syscall.Kill(os.Getpid(), s)
		time.Sleep(time.Second) // the default action ends the process meanwhile
	}
}
