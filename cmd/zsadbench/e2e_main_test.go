package main

// End-to-end tests of the zsadbench command. Most run the command in process
// through run(); a few run the real binary, built once per test process into a
// temporary folder, to check exit statuses and the separation of standard
// output and standard error in a pipe.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zsadbench/zsadbench/mapio"
)

var (
	binDir   string // temporary folder of the built binary, removed by TestMain
	binOnce  sync.Once
	binPath  string
	binError error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zsadbench-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// zsadbenchBinary builds the command once (only when a test needs the real
// binary) and returns its path.
func zsadbenchBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		// The go command that runs this test sets GOROOT for it; fall back
		// to PATH.
		gocmd := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		if _, err := os.Stat(gocmd); os.Getenv("GOROOT") == "" || err != nil {
			gocmd = "go"
		}
		binPath = filepath.Join(binDir, "zsadbench")
		cmd := exec.Command(gocmd, "build", "-o", binPath, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			binError = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binError != nil {
		t.Fatal(binError)
	}
	return binPath
}

// cliResult is what one command line did.
type cliResult struct {
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// zsadbench runs the command in process: args without the program name.
func zsadbench(args ...string) cliResult {
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"zsadbench"}, args...), &stdout, &stderr)
	return cliResult{code, stdout.String(), stderr.String()}
}

// mustRun runs the command and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) cliResult {
	t.Helper()
	r := zsadbench(args...)
	if r.code != 0 {
		t.Fatalf("zsadbench %s: %v", strings.Join(args, " "), r)
	}
	checkNoCrash(t, r)
	return r
}

// checkNoCrash fails when stderr shows a panic, a goroutine dump or an
// internal error.
func checkNoCrash(t *testing.T, r cliResult) {
	t.Helper()
	for _, s := range []string{"panic", "goroutine ", "internal error", "runtime/debug"} {
		if strings.Contains(r.stderr, s) {
			t.Errorf("stderr shows %q:\n%s", s, r.stderr)
		}
	}
}

// jsonReport is the JSON output of score, read back.
type jsonReport struct {
	Settings   map[string]any `json:"settings"`
	Categories []struct {
		Name            string              `json:"name"`
		Images          int                 `json:"images"`
		AnomalousImages int                 `json:"anomalous_images"`
		Pixels          int64               `json:"pixels"`
		Image           map[string]*float64 `json:"image"`
		Pixel           map[string]*float64 `json:"pixel"`
	} `json:"categories"`
	Mean struct {
		Image map[string]*float64 `json:"image"`
		Pixel map[string]*float64 `json:"pixel"`
	} `json:"mean"`
	Warnings []string `json:"warnings"`
}

func parseReport(t *testing.T, s string) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("output is not the JSON report: %v\n%s", err, s)
	}
	return r
}

var (
	imageKeys = []string{"auroc", "ap", "f1_max"}
	// pixelKeys are every pixel key of the JSON; paperPixelKeys those of
	// the default metrics.
	pixelKeys      = []string{"auroc", "ap", "f1_max", "aupro", "rcpro", "aupimo", "aupimo_std"}
	paperPixelKeys = pixelKeys[:5]
)

// --- files -----------------------------------------------------------------

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// npyBytes encodes a float32 map with mapio.EncodeNPY.
func npyBytes(t *testing.T, w, h int, pix []float32) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := mapio.EncodeNPY(&b, mapio.Map{Width: w, Height: h, Pix: pix}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawNPY builds a version 1.0 .npy file from a header dictionary and a
// payload, padded as numpy.save pads (to a multiple of 64 bytes).
func rawNPY(dict string, payload []byte) []byte {
	hlen := 10 + len(dict) + 1
	pad := (64 - hlen%64) % 64
	header := dict + strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	b.Write(payload)
	return b.Bytes()
}

func float32Bytes(pix []float32) []byte {
	b := make([]byte, 4*len(pix))
	for i, v := range pix {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// tiffBytes encodes a float32 map as a minimal uncompressed little-endian TIFF
// (one strip, SampleFormat 3 = IEEE float, 32 bits, one sample per pixel), the
// layout tifffile.imwrite and PIL mode "F" write.
func tiffBytes(w, h int, pix []float32) []byte {
	type entry struct {
		tag, typ uint16
		value    uint32
	}
	const short, long = 3, 4
	const nEntries = 11
	dataOff := uint32(8 + 2 + 12*nEntries + 4)
	entries := []entry{ // ascending tag order, as TIFF requires
		{256, long, uint32(w)},         // ImageWidth
		{257, long, uint32(h)},         // ImageLength
		{258, short, 32},               // BitsPerSample
		{259, short, 1},                // Compression: none
		{262, short, 1},                // PhotometricInterpretation: BlackIsZero
		{273, long, dataOff},           // StripOffsets
		{277, short, 1},                // SamplesPerPixel
		{278, long, uint32(h)},         // RowsPerStrip
		{279, long, uint32(4 * w * h)}, // StripByteCounts
		{284, short, 1},                // PlanarConfiguration: contiguous
		{339, short, 3},                // SampleFormat: IEEE float
	}
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II")
	binary.Write(&b, le, uint16(42))
	binary.Write(&b, le, uint32(8))
	binary.Write(&b, le, uint16(len(entries)))
	for _, e := range entries {
		binary.Write(&b, le, e.tag)
		binary.Write(&b, le, e.typ)
		binary.Write(&b, le, uint32(1))
		if e.typ == short {
			binary.Write(&b, le, uint16(e.value))
			binary.Write(&b, le, uint16(0))
		} else {
			binary.Write(&b, le, e.value)
		}
	}
	binary.Write(&b, le, uint32(0)) // no next IFD
	b.Write(float32Bytes(pix))
	return b.Bytes()
}

// png16Bytes encodes 16-bit grey values as a PNG.
func png16Bytes(t *testing.T, w, h int, v []uint16) []byte {
	t.Helper()
	img := image.NewGray16(image.Rect(0, 0, w, h))
	for i, x := range v {
		img.SetGray16(i%w, i/w, color.Gray16{Y: x})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// maskBytes encodes a mask as an 8-bit grey PNG: 255 where anomalous.
func maskBytes(t *testing.T, w, h int, mask []bool) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, m := range mask {
		if m {
			img.Pix[i] = 255
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dirEntries lists every file under dir, relative, for "nothing was left
// behind" checks.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && path != dir {
			rel, _ := filepath.Rel(dir, path)
			names = append(names, rel)
		}
		return nil
	})
	return names
}
