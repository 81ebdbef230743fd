// Package version says which build of zsadbench is running, from the
// module version and version-control settings the Go toolchain records in
// the binary (runtime/debug.ReadBuildInfo): results carry it, so a table
// says which version made it.
package version

import (
	"runtime/debug"
	"strings"
)

// Module is zsadbench's module path.
const Module = "github.com/zsadbench/zsadbench"

// Info is a build's identity.
type Info struct {
	// Version is the module version ("v0.2.0"), or "(devel)" for a build
	// from a clone.
	Version string
	// Revision is the VCS commit, Time its time, Modified whether the
	// working tree had uncommitted changes; empty without VCS information
	// (go install module@version, go test).
	Revision, Time string
	Modified       bool
}

// Get returns the running build's Info: the main module's when zsadbench
// is the program, else the version of the zsadbench module the program
// depends on.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "(unknown)"}
	}
	return fromBuildInfo(bi)
}

func fromBuildInfo(bi *debug.BuildInfo) Info {
	info := Info{Version: "(unknown)"}
	if bi.Main.Path == Module {
		info.Version = bi.Main.Version
	} else {
		for _, d := range bi.Deps {
			if d.Path == Module {
				info.Version = d.Version
				if d.Replace != nil && d.Replace.Version != "" {
					info.Version = d.Replace.Version
				}
			}
		}
	}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String is the version and, when known and not part of it, the revision:
// "v0.2.0", "(devel) 1a2b3c4d5e6f+modified".
func (i Info) String() string {
	var b strings.Builder
	b.WriteString(i.Version)
	// A pseudo-version (v0.0.0-20261206025842-55a76384ed19+dirty, what go
	// build stamps in a clone since Go 1.24) already names the revision.
	if rev := i.Revision[:min(12, len(i.Revision))]; rev != "" && !strings.Contains(i.Version, rev) {
		b.WriteString(" " + rev)
		if i.Modified {
			b.WriteString("+modified")
		}
	}
	return b.String()
}
