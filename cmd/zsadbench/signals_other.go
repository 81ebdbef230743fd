//go:build !unix

package main

import "os"

// reraise does nothing where signals cannot be sent: the caller exits.
func reraise(os.Signal) {}
