package dive

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// LibraryEnv is the environment variable that names the ONNX Runtime shared
// library when Options.LibraryPath is empty.
const LibraryEnv = "ZSADBENCH_ORT_LIB"

// BundledLibrary is where scripts/setup-onnxruntime.sh installs the ONNX
// Runtime library, relative to the repository root.
const BundledLibrary = "third_party/onnxruntime/libonnxruntime.so.1"

// SetupScript is the script that installs BundledLibrary.
const SetupScript = "scripts/setup-onnxruntime.sh"

// ErrLibraryNotFound is wrapped by Open's error when the ONNX Runtime shared
// library does not exist.
var ErrLibraryNotFound = errors.New("ONNX Runtime library not found")

const modulePath = "github.com/zsadbench/zsadbench"

// DefaultLibraryPath returns the ONNX Runtime library Open uses when
// Options.LibraryPath is empty: the value of $ZSADBENCH_ORT_LIB when set;
// else the first existing BundledLibrary under the directory of the running
// executable or one of its parents, or under the working directory or one of
// its parents; else, so that an error can name where it was expected,
// BundledLibrary under the zsadbench repository that contains the working
// directory (found by its go.mod), or under the executable's directory.
func DefaultLibraryPath() string {
	if p := os.Getenv(LibraryEnv); p != "" {
		return p
	}
	var starts []string
	if exe, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		starts = append(starts, filepath.Dir(exe))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		for d := dir; ; {
			p := filepath.Join(d, BundledLibrary)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return p
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; {
			if isModuleRoot(d) {
				return filepath.Join(d, BundledLibrary)
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	if len(starts) > 0 {
		return filepath.Join(starts[0], BundledLibrary)
	}
	return BundledLibrary
}

// isModuleRoot reports whether dir holds the go.mod of this module.
func isModuleRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := strings.TrimSpace(s.Text()); strings.HasPrefix(line, "module ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "module ")) == modulePath
		}
	}
	return false
}

// runtimeState is the process-wide ONNX Runtime environment. onnxruntime_go
// keeps one global environment bound to one shared library, so it is loaded
// once, on the first successful Open, and never unloaded (sessions from any
// goroutine share it). A failed load leaves nothing behind and may be retried
// with another path.
var runtimeState struct {
	mu   sync.Mutex
	path string // library loaded, "" while none
	info os.FileInfo
}

// loadRuntime makes sure the ONNX Runtime library at path is loaded.
func loadRuntime(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	fi, err := os.Stat(abs)
	if err != nil || fi.IsDir() {
		if err == nil {
			err = errors.New("is a directory")
		}
		return fmt.Errorf("dive: %w at %s (%v); run %s, or set %s or the library path option to an ONNX Runtime %s shared library",
			ErrLibraryNotFound, abs, err, SetupScript, LibraryEnv, ortVersionWanted)
	}
	runtimeState.mu.Lock()
	defer runtimeState.mu.Unlock()
	if runtimeState.path != "" {
		if runtimeState.path == abs || os.SameFile(runtimeState.info, fi) {
			return nil
		}
		return fmt.Errorf("dive: ONNX Runtime is already loaded from %s in this process; cannot also load %s", runtimeState.path, abs)
	}
	if ort.IsInitialized() {
		return fmt.Errorf("dive: ONNX Runtime was initialised outside package dive in this process; cannot load %s", abs)
	}
	ort.SetSharedLibraryPath(abs)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("dive: load ONNX Runtime from %s (want version %s or newer): %w", abs, ortAPIVersion, err)
	}
	runtimeState.path, runtimeState.info = abs, fi
	return nil
}

const (
	// ortVersionWanted is the release scripts/setup-onnxruntime.sh installs.
	ortVersionWanted = "1.30.0"
	// ortAPIVersion is the oldest release whose C API onnxruntime_go v1.27.0
	// asks for (ORT_API_VERSION 24).
	ortAPIVersion = "1.24"
)

// RuntimeVersion returns the version of the loaded ONNX Runtime library
// ("1.30.0"), or "" before the first successful Open.
func RuntimeVersion() string {
	runtimeState.mu.Lock()
	defer runtimeState.mu.Unlock()
	if runtimeState.path == "" {
		return ""
	}
	return ort.GetVersion()
}

// RuntimeLibrary returns the path of the loaded ONNX Runtime library, or ""
// before the first successful Open.
func RuntimeLibrary() string {
	runtimeState.mu.Lock()
	defer runtimeState.mu.Unlock()
	return runtimeState.path
}
