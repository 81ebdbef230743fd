package main

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// flatSet is a small valid flat-layout dataset: maps a, b, c (8x6 .npy) in
// pred, masks for a and c in gt (b is normal), and an empty out folder for
// --out.
type flatSet struct {
	root, pred, gt, out string
}

const setW, setH = 8, 6

func setMap(seed int) []float32 {
	pix := make([]float32, setW*setH)
	for i := range pix {
		pix[i] = float32((i*7+seed*13)%29) / 29
	}
	return pix
}

func setMask(seed int) []bool {
	m := make([]bool, setW*setH)
	for y := 1 + seed%2; y < 4; y++ {
		for x := 2; x < 5+seed%3; x++ {
			m[y*setW+x] = true
		}
	}
	return m
}

func newFlatSet(t *testing.T) flatSet {
	t.Helper()
	root := t.TempDir()
	s := flatSet{root: root, pred: filepath.Join(root, "model"), gt: filepath.Join(root, "gt"), out: filepath.Join(root, "out")}
	for i, stem := range []string{"a", "b", "c"} {
		writeFile(t, filepath.Join(s.pred, stem+".npy"), npyBytes(t, setW, setH, setMap(i)))
		if stem != "b" {
			writeFile(t, filepath.Join(s.gt, stem+"_mask.png"), maskBytes(t, setW, setH, setMask(i)))
		}
	}
	if err := os.MkdirAll(s.out, 0o755); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s flatSet) args(extra ...string) []string {
	return append([]string{"score", "--maps", s.pred, "--data", s.gt, "--layout", "flat", "--format", "json", "--out", filepath.Join(s.out, "results.json")}, extra...)
}

// replaceMap removes a.npy and writes data as pred/a.<ext>; it returns the
// new map's path.
func (s flatSet) replaceMap(t *testing.T, ext string, data []byte) string {
	t.Helper()
	if err := os.Remove(filepath.Join(s.pred, "a.npy")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.pred, "a."+ext)
	writeFile(t, p, data)
	return p
}

// checkBadInput runs the command and checks exit status 1, a message on
// stderr naming want, nothing on stdout, no crash, and nothing left in the
// --out folder.
func checkBadInput(t *testing.T, s flatSet, want string, args []string) cliResult {
	t.Helper()
	r := zsadbench(args...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%v", r.code, r)
	}
	checkNoCrash(t, r)
	t.Logf("stderr: %s", r.stderr)
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not name %q:\n%s", want, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout not empty:\n%s", r.stdout)
	}
	if left := dirEntries(t, s.out); len(left) > 0 {
		t.Errorf("left behind in the --out folder: %v", left)
	}
	return r
}

func TestBadInput(t *testing.T) {
	header := func(descr, shape string) string {
		return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	}
	valid := func(t *testing.T) []byte { return npyBytes(t, setW, setH, setMap(0)) }
	tests := []struct {
		name string
		// setup breaks the dataset and returns what stderr must name.
		setup func(t *testing.T, s flatSet) string
		extra []string
	}{
		{"truncated npy", func(t *testing.T, s flatSet) string {
			b := valid(t)
			return s.replaceMap(t, "npy", b[:len(b)-5])
		}, nil},
		{"truncated npy header", func(t *testing.T, s flatSet) string {
			return s.replaceMap(t, "npy", valid(t)[:30])
		}, nil},
		{"npy int32", func(t *testing.T, s flatSet) string {
			return s.replaceMap(t, "npy", rawNPY(header("<i4", "(6, 8)"), make([]byte, 4*setW*setH)))
		}, nil},
		{"npy 4-D", func(t *testing.T, s flatSet) string {
			return s.replaceMap(t, "npy", rawNPY(header("<f4", "(1, 1, 6, 8)"), float32Bytes(setMap(0))))
		}, nil},
		{"npy header claims more data", func(t *testing.T, s flatSet) string {
			return s.replaceMap(t, "npy", rawNPY(header("<f4", "(600, 800)"), float32Bytes(setMap(0))))
		}, nil},
		{"NaN in map", func(t *testing.T, s flatSet) string {
			pix := setMap(0)
			pix[17] = float32(math.NaN())
			return s.replaceMap(t, "npy", npyBytes(t, setW, setH, pix))
		}, nil},
		{"Inf in map", func(t *testing.T, s flatSet) string {
			pix := setMap(0)
			pix[3] = float32(math.Inf(1))
			return s.replaceMap(t, "npy", npyBytes(t, setW, setH, pix))
		}, nil},
		{"-Inf in tiff map", func(t *testing.T, s flatSet) string {
			pix := setMap(0)
			pix[40] = float32(math.Inf(-1))
			return s.replaceMap(t, "tiff", tiffBytes(setW, setH, pix))
		}, nil},
		{"corrupt png", func(t *testing.T, s flatSet) string {
			b := png16Bytes(t, setW, setH, make([]uint16, setW*setH))
			b[len(b)/2] ^= 0xff // breaks a chunk's CRC
			return s.replaceMap(t, "png", b)
		}, nil},
		{"png signature only", func(t *testing.T, s flatSet) string {
			return s.replaceMap(t, "png", []byte("\x89PNG\r\n\x1a\n"))
		}, nil},
		{"corrupt tiff", func(t *testing.T, s flatSet) string {
			b := tiffBytes(setW, setH, setMap(0))
			binary.LittleEndian.PutUint32(b[4:], 1<<20) // first IFD beyond the end
			return s.replaceMap(t, "tiff", b)
		}, nil},
		{"truncated tiff", func(t *testing.T, s flatSet) string {
			b := tiffBytes(setW, setH, setMap(0))
			return s.replaceMap(t, "tif", b[:len(b)-17])
		}, nil},
		{"directory in place of a map", func(t *testing.T, s flatSet) string {
			p := filepath.Join(s.pred, "a.npy")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			// A folder is not a map: a's mask is then a mask without a map,
			// and the message names the map it expected.
			return filepath.Join(s.pred, "a")
		}, nil},
		{"dangling symlink in place of a map", func(t *testing.T, s flatSet) string {
			p := filepath.Join(s.pred, "a.npy")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(s.root, "gone.npy"), p); err != nil {
				t.Skip(err)
			}
			return "a.npy"
		}, nil},
		{"unreadable map", func(t *testing.T, s flatSet) string {
			if os.Geteuid() == 0 {
				t.Skip("root reads files with permission 000")
			}
			p := filepath.Join(s.pred, "a.npy")
			if err := os.Chmod(p, 0); err != nil {
				t.Fatal(err)
			}
			return p
		}, nil},
		{"corrupt mask", func(t *testing.T, s flatSet) string {
			p := filepath.Join(s.gt, "c_mask.png")
			writeFile(t, p, []byte("\x89PNG\r\n\x1a\nnot a png at all"))
			return p
		}, nil},
		{"mask without a map", func(t *testing.T, s flatSet) string {
			p := filepath.Join(s.gt, "d_mask.png")
			writeFile(t, p, maskBytes(t, setW, setH, setMask(1)))
			return p
		}, nil},
		{"missing pred folder", func(t *testing.T, s flatSet) string {
			if err := os.RemoveAll(s.pred); err != nil {
				t.Fatal(err)
			}
			return s.pred
		}, nil},
		{"missing gt folder", func(t *testing.T, s flatSet) string {
			if err := os.RemoveAll(s.gt); err != nil {
				t.Fatal(err)
			}
			return s.gt
		}, nil},
		{"pred folder without maps", func(t *testing.T, s flatSet) string {
			if err := os.RemoveAll(s.pred); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(s.pred, "README.txt"), []byte("no maps here\n"))
			return s.pred
		}, nil},
		{"map mask size mismatch strict", func(t *testing.T, s flatSet) string {
			p := filepath.Join(s.gt, "c_mask.png")
			writeFile(t, p, maskBytes(t, 10, 10, make([]bool, 100)))
			return "c"
		}, []string{"--strict-size"}},
		{"two maps with one stem", func(t *testing.T, s flatSet) string {
			writeFile(t, filepath.Join(s.pred, "a.tiff"), tiffBytes(setW, setH, setMap(0)))
			return filepath.Join(s.pred, "a.")
		}, nil},
		{"missing scores file", func(t *testing.T, s flatSet) string {
			return filepath.Join(s.root, "nope.csv")
		}, []string{"--scores", "SCORES"}},
		{"scores file with a bad score", func(t *testing.T, s flatSet) string {
			p := filepath.Join(s.root, "scores.csv")
			writeFile(t, p, []byte("path,score\na,0.5\nb,abc\n"))
			return p
		}, []string{"--scores", "SCORES"}},
		{"thresholds steps:0", func(t *testing.T, s flatSet) string { return "--thresholds" }, []string{"--thresholds", "steps:0"}},
		{"thresholds bogus", func(t *testing.T, s flatSet) string { return "--thresholds" }, []string{"--thresholds", "every"}},
		{"connectivity 6", func(t *testing.T, s flatSet) string { return "--connectivity" }, []string{"--connectivity", "6"}},
		{"fpr-limit 0", func(t *testing.T, s flatSet) string { return "--fpr-limit" }, []string{"--fpr-limit", "0"}},
		{"fpr-limit 1.5", func(t *testing.T, s flatSet) string { return "--fpr-limit" }, []string{"--fpr-limit", "1.5"}},
		{"format xml", func(t *testing.T, s flatSet) string { return "--format" }, []string{"--format", "xml"}},
		{"rcpro-tau 2", func(t *testing.T, s flatSet) string { return "tau" }, []string{"--rcpro-tau", "2"}},
		{"rcpro-delta -1", func(t *testing.T, s flatSet) string { return "delta" }, []string{"--rcpro-delta", "-1"}},
		{"rc-average bogus", func(t *testing.T, s flatSet) string { return "--rc-average" }, []string{"--rc-average", "median"}},
		{"layout bogus", func(t *testing.T, s flatSet) string { return "layout" }, []string{"--layout", "zigzag"}},
		{"workers negative", func(t *testing.T, s flatSet) string { return "--workers" }, []string{"--workers", "-1"}},
		{"connectivity not a number", func(t *testing.T, s flatSet) string { return "connectivity" }, []string{"--connectivity", "eight"}},
		{"missing --maps", func(t *testing.T, s flatSet) string { return "--maps" }, []string{"MISSING-PRED"}},
		{"unknown flag", func(t *testing.T, s flatSet) string { return "bogus" }, []string{"--bogus"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newFlatSet(t)
			want := tc.setup(t, s)
			args := s.args()
			for _, a := range tc.extra {
				if a == "SCORES" {
					a = want
				}
				if a == "MISSING-PRED" {
					args = append(args[:1], args[3:]...)
					continue
				}
				args = append(args, a)
			}
			checkBadInput(t, s, want, args)
		})
	}
}

// TestBadInputMessagesAreOneLine: a data error is one line on stderr, the
// zsadbench-prefixed message, with no usage text after it.
func TestBadInputMessagesAreOneLine(t *testing.T) {
	s := newFlatSet(t)
	pix := setMap(0)
	pix[5] = float32(math.NaN())
	p := s.replaceMap(t, "npy", npyBytes(t, setW, setH, pix))
	r := checkBadInput(t, s, p, s.args())
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "zsadbench: ") {
		t.Errorf("stderr is not one zsadbench: line:\n%s", r.stderr)
	}
	if !strings.Contains(strings.ToLower(r.stderr), "nan") && !strings.Contains(r.stderr, "finite") {
		t.Errorf("stderr does not say what is wrong (NaN):\n%s", r.stderr)
	}
}

// TestSizeMismatchResized: without --strict-size a map whose size differs from
// its mask is resized to the mask, and the evaluation runs at the mask's size.
func TestSizeMismatchResized(t *testing.T) {
	s := newFlatSet(t)
	writeFile(t, filepath.Join(s.gt, "c_mask.png"), maskBytes(t, 10, 12, func() []bool {
		m := make([]bool, 120)
		m[55], m[56], m[65] = true, true, true
		return m
	}()))
	// b has no mask and no image file, the masks have two sizes, and c's
	// map is not at its mask's: b's ground-truth size is unknown.
	args := []string{"score", "--maps", s.pred, "--data", s.gt, "--layout", "flat", "--format", "json"}
	checkBadInput(t, s, "--size", args)
	// With b's image in the dataset, b is evaluated at its size.
	writeFile(t, filepath.Join(s.gt, "b.jpg"), imageBytes(t, setW, setH))
	r := mustRun(t, args...)
	rep := parseReport(t, r.stdout)
	if len(rep.Categories) != 1 {
		t.Fatalf("%d categories", len(rep.Categories))
	}
	if got, want := rep.Categories[0].Pixels, int64(2*setW*setH+120); got != want {
		t.Errorf("pixels %d, want %d (c evaluated at its mask's 10x12)", got, want)
	}
	if !strings.Contains(r.stderr, "resized 1 of 3 maps to their ground truth's size: 1 from 8x6 to 10x12") {
		t.Errorf("stderr does not say c's map was resized:\n%s", r.stderr)
	}
	checkFractions(t, rep)
}

// TestEmptyGT: an empty --gt folder is not an error: every image is normal,
// the metrics that need anomalies are null, and a warning says so.
func TestEmptyGT(t *testing.T) {
	s := newFlatSet(t)
	if err := os.RemoveAll(s.gt); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(s.gt, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(s.out, "results.json")
	r := mustRun(t, s.args()...)
	if r.stdout != "" {
		t.Errorf("stdout not empty with --out:\n%s", r.stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rep := parseReport(t, string(b))
	if len(rep.Categories) != 1 || rep.Categories[0].AnomalousImages != 0 || rep.Categories[0].Images != 3 {
		t.Fatalf("categories: %+v", rep.Categories)
	}
	for _, k := range pixelKeys {
		if v := rep.Categories[0].Pixel[k]; v != nil {
			t.Errorf("pixel %s = %v, want null", k, *v)
		}
	}
	for _, k := range imageKeys {
		if v := rep.Categories[0].Image[k]; v != nil {
			t.Errorf("image %s = %v, want null", k, *v)
		}
	}
	if !strings.Contains(r.stderr, "warning:") || len(rep.Warnings) == 0 {
		t.Errorf("no warning for the empty --gt folder:\nstderr: %s\nwarnings: %v", r.stderr, rep.Warnings)
	}
}

// checkFractions checks that every value of a report is null or in [0, 1].
func checkFractions(t *testing.T, rep jsonReport) {
	t.Helper()
	check := func(what string, m map[string]*float64) {
		for k, v := range m {
			if v != nil && !(*v >= 0 && *v <= 1) {
				t.Errorf("%s %s = %v, not in [0, 1]", what, k, *v)
			}
		}
	}
	for _, c := range rep.Categories {
		check(c.Name+" image", c.Image)
		check(c.Name+" pixel", c.Pixel)
	}
	check("mean image", rep.Mean.Image)
	check("mean pixel", rep.Mean.Pixel)
}

// TestFailedRunKeepsOldOutput: a run that fails leaves an existing --out file
// as it was (results are written atomically, and only after success).
func TestFailedRunKeepsOldOutput(t *testing.T) {
	s := newFlatSet(t)
	out := filepath.Join(s.out, "results.json")
	old := []byte("previous results\n")
	writeFile(t, out, old)
	pix := setMap(2)
	pix[0] = float32(math.Inf(-1))
	writeFile(t, filepath.Join(s.pred, "c.npy"), npyBytes(t, setW, setH, pix))
	r := zsadbench(s.args("--curves", filepath.Join(s.out, "curves"), "--plot-dir", filepath.Join(s.out, "plots"))...)
	if r.code != 1 || !strings.Contains(r.stderr, filepath.Join(s.pred, "c.npy")) {
		t.Fatalf("want exit 1 naming c.npy: %v", r)
	}
	b, err := os.ReadFile(out)
	if err != nil || string(b) != string(old) {
		t.Errorf("--out file changed by a failed run: %q (%v)", b, err)
	}
	if left := dirEntries(t, s.out); len(left) != 1 {
		t.Errorf("the --out folder holds %v, want only the old results", left)
	}
}
