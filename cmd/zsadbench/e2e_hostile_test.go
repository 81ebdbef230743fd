//go:build linux

package main

// Regression tests for issue 16: hostile and odd inputs. Every hostile file
// is generated here (none is committed); where memory is the point the real
// binary runs under GOMEMLIMIT and a hard address-space cap, and its peak
// resident memory is checked.

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runMeasured runs the built binary with GOMEMLIMIT=limitMiB and an
// address-space cap of capMiB (so that a regression fails here instead of
// exhausting the machine), and returns what the command did and its peak
// resident memory in MiB. A command still running after timeout is killed
// and fails the test.
//
// The binary is started by this test binary run again as a small wrapper
// (see measureChild): a process started straight from the test process
// would report the test process's own peak as its own, since Linux counts
// the memory a child shares with its parent before exec in the child's
// peak.
func runMeasured(t *testing.T, limitMiB, capMiB int, timeout time.Duration, args ...string) (cliResult, int64) {
	t.Helper()
	bin := zsadbenchBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	rssFile := filepath.Join(t.TempDir(), "rss")
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{bin}, args...)...)
	cmd.Env = append(os.Environ(), measureEnv+"="+rssFile, fmt.Sprintf("%s=%d", measureCapEnv, capMiB), fmt.Sprintf("GOMEMLIMIT=%dMiB", limitMiB))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("zsadbench %s: still running after %v (blocked?)", strings.Join(args, " "), timeout)
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(rssFile)
	if err != nil {
		t.Fatalf("no peak memory measured: %v (stderr: %s)", err, stderr.String())
	}
	kib, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return cliResult{code, stdout.String(), stderr.String()}, kib >> 10
}

// The wrapper's settings: the file for the peak memory, the cap in MiB.
const (
	measureEnv    = "ZSADBENCH_TEST_RSS_FILE"
	measureCapEnv = "ZSADBENCH_TEST_AS_MIB"
)

func init() {
	if os.Getenv(measureEnv) != "" {
		os.Exit(measureChild())
	}
}

// measureChild runs os.Args[1:] under the address-space cap, with this
// process's standard streams, writes its peak resident memory (KiB) to the
// file named by measureEnv, and returns its exit status (128+n for death by
// signal n).
func measureChild() int {
	if capMiB, err := strconv.ParseUint(os.Getenv(measureCapEnv), 10, 64); err == nil && capMiB > 0 {
		lim := syscall.Rlimit{Cur: capMiB << 20, Max: capMiB << 20}
		if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
			fmt.Fprintln(os.Stderr, "measure:", err)
			return 99
		}
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Env = os.Environ()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		return 99
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	if err := os.WriteFile(os.Getenv(measureEnv), []byte(strconv.FormatInt(rss, 10)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		return 99
	}
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// wantRefused checks exit status 1, one line on stderr naming want (and
// saying says), nothing on stdout, no crash, and a peak memory below
// maxMiB.
func wantRefused(t *testing.T, r cliResult, rss, maxMiB int64, want ...string) {
	t.Helper()
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%v", r.code, r)
	}
	checkNoCrash(t, r)
	if n := strings.Count(strings.TrimSuffix(r.stderr, "\n"), "\n"); n != 0 {
		t.Errorf("stderr has %d lines, want 1:\n%s", n+1, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("stdout not empty:\n%s", r.stdout)
	}
	if rss > maxMiB {
		t.Errorf("peak memory %d MiB, want at most %d", rss, maxMiB)
	}
	t.Logf("exit %d, %d MiB: %s", r.code, rss, strings.TrimSpace(r.stderr))
}

// --- item 1: --out never clobbers what is not a regular file ------------------

func TestOutNeverClobbers(t *testing.T) {
	s := newFlatSet(t)
	args := func(out string, extra ...string) []string {
		return append([]string{"score", "--maps", s.pred, "--data", s.gt, "--layout", "flat", "--format", "json", "--out", out}, extra...)
	}
	want := mustRun(t, "score", "--maps", s.pred, "--data", s.gt, "--layout", "flat", "--format", "json").stdout

	t.Run("named pipe", func(t *testing.T) {
		fifo := filepath.Join(s.root, "fifo.json")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Skip(err)
		}
		var got []byte
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if f, err := os.Open(fifo); err == nil {
				got, _ = io.ReadAll(f)
				f.Close()
			}
		}()
		mustRun(t, args(fifo)...)
		wg.Wait()
		if string(got) != want {
			t.Errorf("the pipe's reader got %q", got)
		}
		if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("the pipe became %v", fi.Mode())
		}
	})

	t.Run("character device", func(t *testing.T) {
		full := filepath.Join(s.root, "full") // a copy of /dev/full
		if err := syscall.Mknod(full, syscall.S_IFCHR|0o666, 1<<8|7); err != nil {
			t.Skipf("mknod (needs root): %v", err)
		}
		r := zsadbench(args(full)...)
		if r.code != 1 || !strings.Contains(r.stderr, "no space left on device") {
			t.Errorf("writing to a full device: %v", r)
		}
		if fi, _ := os.Lstat(full); fi.Mode()&os.ModeCharDevice == 0 {
			t.Errorf("the device became %v", fi.Mode())
		}
	})

	t.Run("symbolic link", func(t *testing.T) {
		target := filepath.Join(s.root, "target.json")
		writeFile(t, target, []byte("old"))
		link := filepath.Join(s.out, "link.json")
		os.Symlink(target, link)
		mustRun(t, args(link)...)
		if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the link was replaced by %v", fi.Mode())
		}
		if b, _ := os.ReadFile(target); string(b) != want {
			t.Errorf("the link's target holds %q", b)
		}
		dangling := filepath.Join(s.out, "dangling.json")
		os.Symlink(filepath.Join(s.root, "nowhere.json"), dangling)
		r := zsadbench(args(dangling)...)
		if r.code != 1 || !strings.Contains(r.stderr, dangling) {
			t.Errorf("a link to a missing file: %v", r)
		}
		if fi, _ := os.Lstat(dangling); fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the dangling link was replaced")
		}
	})

	t.Run("an input", func(t *testing.T) {
		scores := filepath.Join(s.root, "scores.csv")
		writeFile(t, scores, []byte("a,0.1\nb,0.2\nc,0.3\n"))
		mapA := filepath.Join(s.pred, "a.npy")
		mapBytes, _ := os.ReadFile(mapA)
		link := filepath.Join(s.root, "to-scores.csv")
		os.Symlink(scores, link)
		for _, tc := range []struct {
			out  string
			args []string
			what string
		}{
			{scores, []string{"--scores", scores}, scores},
			{link, []string{"--scores", scores}, scores},
			{mapA, nil, mapA},
			{filepath.Join(s.gt, "a_mask.png"), nil, "a_mask.png"},
		} {
			r := zsadbench(args(tc.out, tc.args...)...)
			if r.code != 1 || !strings.Contains(r.stderr, "is an input of this run") || !strings.Contains(r.stderr, tc.what) {
				t.Errorf("--out %s: %v", tc.out, r)
			}
		}
		if b, _ := os.ReadFile(scores); string(b) != "a,0.1\nb,0.2\nc,0.3\n" {
			t.Errorf("scores.csv became %q", b)
		}
		if b, _ := os.ReadFile(mapA); !bytes.Equal(b, mapBytes) {
			t.Error("the map was overwritten")
		}
		out := filepath.Join(s.out, "same.txt")
		r := zsadbench(args(out, "--protocol-out", out)...)
		if r.code != 1 || !strings.Contains(r.stderr, "--out and --protocol-out name one file") {
			t.Errorf("--out = --protocol-out: %v", r)
		}
	})
}

// --- item 2: only regular files, bounded --------------------------------------

func TestOnlyRegularFilesAreRead(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	t.Run("mask linked to /dev/zero", func(t *testing.T) {
		s := newFlatSet(t)
		mask := filepath.Join(s.gt, "a_mask.png")
		os.Remove(mask)
		os.Symlink("/dev/zero", mask)
		r, rss := runMeasured(t, 128, 2048, time.Minute, s.args()...)
		wantRefused(t, r, rss, 100, mask, "not a regular file (a character device)")
	})
	t.Run("map linked to /dev/zero", func(t *testing.T) {
		s := newFlatSet(t)
		m := filepath.Join(s.pred, "a.npy")
		os.Remove(m)
		os.Symlink("/dev/zero", m)
		r, rss := runMeasured(t, 128, 2048, time.Minute, s.args()...)
		wantRefused(t, r, rss, 100, m, "not a regular file")
	})
	for _, which := range []string{"map", "mask"} {
		t.Run(which+" is a named pipe", func(t *testing.T) {
			s := newFlatSet(t)
			p := filepath.Join(s.pred, "a.npy")
			if which == "mask" {
				p = filepath.Join(s.gt, "a_mask.png")
			}
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip(err)
			}
			r, rss := runMeasured(t, 128, 2048, 30*time.Second, s.args()...)
			wantRefused(t, r, rss, 100, p, "not a regular file (a named pipe)")
		})
	}
	t.Run("index mask_path /dev/zero", func(t *testing.T) {
		data := synthSet(t, 3, "1")
		meta := writeIndex(t, data, "/dev/zero")
		r := zsadbench("score", "--maps", data, "--meta", meta)
		if r.code != 1 || !strings.Contains(r.stderr, "mask /dev/zero is not inside the dataset folder") || !strings.Contains(r.stderr, "--allow-outside-masks") {
			t.Errorf("without --allow-outside-masks: %v", r)
		}
		r, rss := runMeasured(t, 128, 2048, time.Minute, "score", "--maps", data, "--meta", meta, "--allow-outside-masks")
		wantRefused(t, r, rss, 100, "mask /dev/zero", "not a regular file")
	})
	t.Run("other inputs", func(t *testing.T) {
		s := newFlatSet(t)
		for _, flag := range []string{"--scores", "--protocol-in"} {
			r, rss := runMeasured(t, 128, 2048, time.Minute, s.args(flag, "/dev/zero")...)
			wantRefused(t, r, rss, 100, "/dev/zero", "not a regular file")
		}
		r, rss := runMeasured(t, 128, 2048, time.Minute, "score", "--maps", s.pred, "--meta", "/dev/zero", "--data", s.gt)
		wantRefused(t, r, rss, 100, "/dev/zero", "not a regular file")
	})
}

// writeIndex writes a meta.json for a synth dataset (one category) whose
// first anomalous image's mask_path is mask, and returns its path.
func writeIndex(t *testing.T, data, mask string) string {
	t.Helper()
	type rec struct {
		Img     string `json:"img_path"`
		Mask    string `json:"mask_path"`
		Cls     string `json:"cls_name"`
		Anomaly int    `json:"anomaly"`
	}
	var recs []rec
	first := true
	filepath.WalkDir(data, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(data, p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if err != nil || d.IsDir() || len(parts) != 4 || parts[1] != "test" {
			return nil
		}
		img := strings.TrimSuffix(filepath.ToSlash(rel), ".npy") + ".png"
		r := rec{Img: img, Cls: parts[0]}
		if parts[2] != "good" {
			r.Anomaly = 1
			r.Mask = parts[0] + "/ground_truth/" + parts[2] + "/" + strings.TrimSuffix(parts[3], ".npy") + "_mask.png"
			if first {
				r.Mask, first = mask, false
			}
		}
		recs = append(recs, r)
		return nil
	})
	b, _ := json.Marshal(map[string]any{"train": map[string]any{}, "test": map[string]any{recs[0].Cls: recs}})
	p := filepath.Join(data, "meta.json")
	writeFile(t, p, b)
	return p
}

// --- item 3: a hostile ONNX model --------------------------------------------

func TestHostileModelSizes(t *testing.T) {
	requireORT(t)
	images, _ := imageSet(t)
	for _, tc := range []struct {
		name      string
		batch, s  int
		batchFlag string
		want      string
	}{
		{"side 100000", 1, 100000, "", "side 100000 exceeds the limit of 4096"},
		{"batch 1e9", 1_000_000_000, 64, "", "a batch of 1000000000 images of 64x64 exceeds"},
		{"side 2^32", 1, 1 << 32, "", "side 4294967296 exceeds the limit"},
		{"side 20000", 1, 20000, "", "side 20000 exceeds the limit"},
		{"--batch 100000", 0, 518, "100000", "a batch of 100000 images of 518x518 exceeds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := filepath.Join(t.TempDir(), "hostile.onnx")
			writeFile(t, model, sizedModel(tc.batch, tc.s))
			args := []string{"predict", "--model", model, "--data", images, "--maps", filepath.Join(t.TempDir(), "maps"), "--provider", "cpu"}
			if tc.batchFlag != "" {
				args = append(args, "--batch", tc.batchFlag)
			}
			r, rss := runMeasured(t, 256, 4096, time.Minute, args...)
			wantRefused(t, r, rss, 400, model, tc.want)
		})
	}
}

// sizedModel is tinyModel with the input declared [batch,3,s,s] (batch 0:
// dynamic).
func sizedModel(batch, s int) []byte {
	g := pb{}.
		bytes(1, onnxNode("AveragePool", "image", "pooled", intsAttr("kernel_shape", 4, 4), intsAttr("strides", 4, 4))).
		bytes(1, onnxNode("ReduceMean", "pooled", "anomaly_map", intsAttr("axes", 1), intAttr("keepdims", 0))).
		bytes(1, onnxNode("ReduceMax", "anomaly_map", "peak", intsAttr("axes", 1, 2), intAttr("keepdims", 0))).
		bytes(1, onnxNode("Sigmoid", "peak", "image_score")).
		str(2, "zsadbench_e2e").
		bytes(11, tensorInfo("image", batch, 3, s, s)).
		bytes(12, tensorInfo("image_score", batch)).
		bytes(12, tensorInfo("anomaly_map", batch, 0, 0))
	opset := pb{}.str(1, "").varint(2, 17)
	return pb{}.varint(1, 8).str(2, "zsadbench-e2e-test").bytes(7, g).bytes(8, opset)
}

// --- items 4 and 5: one pixel limit, a decoding budget, before decoding -------

// streamedPNG writes a w x h PNG of one colour type and bit depth whose
// rows are all zero, compressed as it goes (never held whole), as a
// compression-bomb file would be made.
func streamedPNG(t *testing.T, path string, w, h int, depth, colorType byte) {
	t.Helper()
	channels := map[byte]int{0: 1, 2: 3, 4: 2, 6: 4}[colorType]
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := make([]byte, 1+(w*channels*int(depth)+7)/8)
	for range h {
		zw.Write(row)
	}
	zw.Close()
	var b bytes.Buffer
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(w)), uint32(h))
	chunk("IHDR", append(ihdr, depth, colorType, 0, 0, 0))
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	writeFile(t, path, b.Bytes())
}

// g4TIFF is a bilevel Group-4 TIFF of a blank w x h page: each row is coded
// as "same as the row above" (one bit), so a huge page takes a few bytes.
func g4TIFF(w, h int) []byte {
	data := bytes.Repeat([]byte{0xff}, h/8)
	if h%8 != 0 {
		data = append(data, byte(0xff<<(8-h%8)))
	}
	data = append(data, 0x00, 0x10, 0x01, 0x00, 0x10, 0x01) // end of block
	entries := [][3]uint32{{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 1}, {259, 3, 4}, {262, 3, 0},
		{273, 4, 0}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(len(data))}}
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(8))
	binary.Write(&b, le, uint16(len(entries)))
	dataOff := uint32(8 + 2 + 12*len(entries) + 4)
	for _, e := range entries {
		if e[0] == 273 {
			e[2] = dataOff
		}
		binary.Write(&b, le, uint16(e[0]))
		binary.Write(&b, le, uint16(e[1]))
		binary.Write(&b, le, uint32(1))
		if e[1] == 3 {
			binary.Write(&b, le, uint16(e[2]))
			binary.Write(&b, le, uint16(0))
		} else {
			binary.Write(&b, le, e[2])
		}
	}
	binary.Write(&b, le, uint32(0))
	b.Write(data)
	return b.Bytes()
}

func TestDecompressionBombs(t *testing.T) {
	t.Run("Group-4 TIFF mask 11584^2", func(t *testing.T) {
		s := newFlatSet(t)
		mask := filepath.Join(s.gt, "a_mask.png")
		writeFile(t, mask, g4TIFF(11584, 11584))
		r, rss := runMeasured(t, 128, 2048, time.Minute, s.args()...)
		wantRefused(t, r, rss, 100, mask, "11584x11584 exceeds the limit of 67108864 pixels")
	})
	t.Run("six 1-bit PNG masks 11584^2", func(t *testing.T) {
		s := newFlatSet(t)
		var first string
		for i := range 6 {
			stem := string(rune('a' + i))
			if i >= 3 {
				writeFile(t, filepath.Join(s.pred, stem+".npy"), npyBytes(t, setW, setH, setMap(i)))
			}
			mask := filepath.Join(s.gt, stem+"_mask.png")
			streamedPNG(t, mask, 11584, 11584, 1, 0)
			if first == "" {
				first = mask
			}
		}
		r, rss := runMeasured(t, 128, 2048, time.Minute, s.args("--workers", "6")...)
		wantRefused(t, r, rss, 100, first, "exceeds the limit of 67108864 pixels")
	})
	t.Run("1-bit PNG map 16384^2", func(t *testing.T) {
		s := newFlatSet(t)
		os.Remove(filepath.Join(s.pred, "b.npy"))
		m := filepath.Join(s.pred, "b.png")
		streamedPNG(t, m, 16384, 16384, 1, 0)
		r, rss := runMeasured(t, 128, 2048, time.Minute, s.args()...)
		wantRefused(t, r, rss, 100, m, "16384x16384 exceeds the limit")
	})
	t.Run("16-bit RGBA PNG mask over the budget", func(t *testing.T) {
		s := newFlatSet(t)
		mask := filepath.Join(s.gt, "a_mask.png")
		streamedPNG(t, mask, 6000, 6000, 16, 6)
		r, rss := runMeasured(t, 128, 2048, time.Minute, s.args()...)
		wantRefused(t, r, rss, 100, mask, "over the limit of 256 MiB per image")
	})
	t.Run("8-bit grey PNG map 12000^2, no mask", func(t *testing.T) {
		s := newFlatSet(t)
		os.Remove(filepath.Join(s.pred, "b.npy"))
		m := filepath.Join(s.pred, "b.png")
		streamedPNG(t, m, 12000, 12000, 8, 0)
		r, rss := runMeasured(t, 128, 2048, time.Minute, s.args()...)
		wantRefused(t, r, rss, 100, m, "12000x12000 exceeds the limit of 67108864 pixels per image")
	})
}

func TestSizeFlagLimit(t *testing.T) {
	flagBound(t, "--size", "up to 8192", "16", "16384", "8193", "-1")
}

// flagBound checks that each of the bad values of flag is refused, naming
// the flag and its value with want, and that the good value runs.
func flagBound(t *testing.T, flag, want, good string, bad ...string) {
	t.Helper()
	s := newFlatSet(t)
	for _, v := range bad {
		r, rss := runMeasured(t, 128, 2048, time.Minute, s.args(flag, v)...)
		wantRefused(t, r, rss, 100, flag+" "+v, want)
	}
	mustRun(t, s.args(flag, good)...)
}

// --- item 6 ------------------------------------------------------------------

func TestWorkersBound(t *testing.T) {
	flagBound(t, "--workers", "want 0 (one per CPU) to 256", "256", "15000", "257", "-1")
}

// --- item 7: an interrupted --curves leaves no temporary file ----------------

func TestInterruptedCurves(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "synth", "--data", data, "--num-categories", "3", "--images-per-category", "12", "--image-size", "128", "--seed", "5")
	curves := filepath.Join(t.TempDir(), "curves")
	// A results.json from an earlier run is removed before any curve is
	// replaced.
	writeFile(t, filepath.Join(curves, "results.json"), []byte(`{"categories": []}`))
	caught := false
	for try := 0; try < 5 && !caught; try++ {
		// Every point (--curve-tolerance 0) makes the curve files large, so
		// that a signal can land while one is written.
		cmd := exec.Command(zsadbenchBinary(t), "score", "--maps", data, "--data", data, "--curves", curves, "--curve-tolerance", "0", "--format", "json", "--workers", "1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Interrupt while a curve file is being written.
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) && !caught {
			names, _ := filepath.Glob(filepath.Join(curves, ".*.tmp"))
			if len(names) > 0 {
				cmd.Process.Signal(os.Interrupt)
				caught = true
			}
			if cmd.ProcessState != nil {
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		err := cmd.Wait()
		if !caught {
			continue
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
			t.Errorf("interrupted run ended with %v, want death by SIGINT; stderr:\n%s", err, stderr.String())
		}
	}
	if !caught {
		t.Skip("no run was caught writing a curve file")
	}
	left := dirEntries(t, curves)
	for _, name := range left {
		if strings.HasSuffix(name, ".tmp") {
			t.Errorf("temporary file left: %s", name)
		}
	}
	if _, err := os.Stat(filepath.Join(curves, "results.json")); err == nil {
		t.Errorf("results.json present in an interrupted folder: %v", left)
	}
	r := zsadbench("plot", "--run", "a="+curves, "--out", filepath.Join(t.TempDir(), "f.svg"))
	if r.code != 1 || !strings.Contains(r.stderr, "has no results.json") {
		t.Errorf("plot of an interrupted folder: %v", r)
	}
	// A complete run makes it whole again.
	mustRun(t, "score", "--maps", data, "--data", data, "--curves", curves, "--format", "json")
	mustRun(t, "plot", "--run", "a="+curves, "--out", filepath.Join(t.TempDir(), "f.svg"))
}

// --- item 8: index masks stay inside the dataset -----------------------------

func TestIndexMasksConfined(t *testing.T) {
	data := synthSet(t, 4, "1")
	outside := filepath.Join(t.TempDir(), "outside", "m.png")
	var firstMask string
	filepath.WalkDir(data, func(p string, d os.DirEntry, err error) error {
		if err == nil && firstMask == "" && strings.HasSuffix(p, "_mask.png") {
			firstMask = p
		}
		return nil
	})
	b, _ := os.ReadFile(firstMask)
	writeFile(t, outside, b)
	rel, _ := filepath.Rel(data, outside)
	for _, mask := range []string{filepath.ToSlash(rel), outside, "/etc/passwd"} {
		meta := writeIndex(t, data, mask)
		r := zsadbench("score", "--maps", data, "--meta", meta)
		if r.code != 1 || !strings.Contains(r.stderr, "is not inside the dataset folder") || !strings.Contains(r.stderr, "--allow-outside-masks") {
			t.Errorf("mask_path %s: %v", mask, r)
		}
	}
	// With the flag, the outside mask is read, and gives the numbers the
	// mask inside gives.
	want := mustRun(t, "score", "--maps", data, "--meta", writeIndex(t, data, strings.TrimPrefix(strings.TrimPrefix(firstMask, data), "/")), "--format", "json").stdout
	got := mustRun(t, "score", "--maps", data, "--meta", writeIndex(t, data, filepath.ToSlash(rel)), "--format", "json", "--allow-outside-masks").stdout
	if got != want {
		t.Errorf("the outside copy of a mask gives other numbers:\n%s\n%s", got, want)
	}
}

// --- item 9: --scores ambiguity ----------------------------------------------

func TestScoresAmbiguity(t *testing.T) {
	s := newFlatSet(t)
	scores := filepath.Join(s.root, "scores.csv")
	writeFile(t, scores, []byte("a,0.9\nb,0.1\nc,0.8\n"))
	mustRun(t, s.args("--scores", scores)...)
	wantOut, _ := os.ReadFile(filepath.Join(s.out, "results.json"))

	writeFile(t, scores, []byte("\ufeffa,0.9\nb,0.1\nc,0.8\n"))
	mustRun(t, s.args("--scores", scores)...)
	if got, _ := os.ReadFile(filepath.Join(s.out, "results.json")); !bytes.Equal(got, wantOut) {
		t.Errorf("a byte-order mark changed the results:\n%s\n%s", got, wantOut)
	}
	for text, msg := range map[string]string{
		"a.png,0.9x\nb,0.1\nc,0.8\n":                 scores + ":1: score",
		"a,0.9\nb,0.1\nc,0.8\n/data/set/a.npy,0.2\n": "lines 1 and 4",
		"path,score\na.png,0.9\na.npy,0.1\n":         scores + ":3: path \"a.npy\" names the image of line 2 again",
	} {
		writeFile(t, scores, []byte(text))
		r := zsadbench(s.args("--scores", scores)...)
		if r.code != 1 || !strings.Contains(r.stderr, msg) {
			t.Errorf("%q: %v, want %q", text, r, msg)
		}
	}
}

// --- item 10: control characters in printed paths ---------------------------

func TestControlCharactersInPaths(t *testing.T) {
	s := newFlatSet(t)
	evil := filepath.Join(s.pred, "a\nzsadbench: all good\x1b[2K")
	os.Remove(filepath.Join(s.pred, "a.npy"))
	os.Rename(filepath.Join(s.gt, "a_mask.png"), filepath.Join(s.gt, filepath.Base(evil)+"_mask.png"))
	writeFile(t, evil+".npy", []byte("\x93NUMPY junk"))
	r := zsadbench(s.args()...)
	if r.code != 1 {
		t.Fatalf("%v", r)
	}
	if strings.Count(r.stderr, "\n") != 1 || strings.ContainsAny(r.stderr, "\x1b\x00\r") {
		t.Errorf("stderr is not one clean line: %q", r.stderr)
	}
	if !strings.Contains(r.stderr, strconv.Quote(evil+".npy")) {
		t.Errorf("stderr does not quote the path: %q", r.stderr)
	}
}

// --- item 11 ------------------------------------------------------------------

func TestMaskThresholdFlag(t *testing.T) {
	s := newFlatSet(t)
	for _, v := range []string{"-1", "nan", "NaN", "inf", "-0.5"} {
		r := zsadbench(s.args("--mask-threshold", v)...)
		if r.code != 1 || !strings.Contains(r.stderr, "--mask-threshold") {
			t.Errorf("--mask-threshold %s: %v", v, r)
		}
	}
	for _, v := range []string{"0", "127", "0.5"} {
		mustRun(t, s.args("--mask-threshold", v)...)
	}
}

// TestStrictSizeFromHeaders: a map of 8192x8192 against a mask of 8x6
// fails from the headers, without reading the map's 256 MiB (a sparse
// file).
func TestStrictSizeFromHeaders(t *testing.T) {
	s := newFlatSet(t)
	m := filepath.Join(s.pred, "a.npy")
	f, err := os.Create(m)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(rawNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (8192, 8192), }", nil))
	f.Truncate(128 + 4*8192*8192)
	f.Close()
	r, rss := runMeasured(t, 128, 2048, time.Minute, s.args("--strict-size")...)
	wantRefused(t, r, rss, 100, m+": score map is 8192x8192 but its mask "+filepath.Join(s.gt, "a_mask.png")+" is 8x6, and strict size forbids resizing it (--strict-size)")
}

func TestMarkdownCategoryWithBar(t *testing.T) {
	data := synthSet(t, 6, "1")
	entries, _ := os.ReadDir(data)
	os.Rename(filepath.Join(data, entries[0].Name()), filepath.Join(data, "a|b"))
	r := mustRun(t, "score", "--maps", data, "--data", data, "--format", "markdown")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	bars := strings.Count(lines[0], "|")
	for _, l := range lines[2:] {
		if n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); n != bars {
			t.Errorf("row %q has %d cell bars, the header %d", l, n, bars)
		}
	}
	if !strings.HasPrefix(lines[2], `| a\|b |`) {
		t.Errorf("row %q", lines[2])
	}
}

func TestPlotRunNamedTwice(t *testing.T) {
	data := synthSet(t, 7, "1")
	curves := filepath.Join(t.TempDir(), "c")
	mustRun(t, "score", "--maps", data, "--data", data, "--curves", curves)
	r := zsadbench("plot", "--run", "A="+curves, "--run", "A="+curves, "--out", filepath.Join(t.TempDir(), "f.svg"))
	if r.code != 1 || !strings.Contains(r.stderr, "--run A is given twice") {
		t.Errorf("%v", r)
	}
}

func TestEmptyProtocolIn(t *testing.T) {
	s := newFlatSet(t)
	for _, text := range []string{"", "# zsadbench protocol v1: one image key a line\n\n"} {
		p := filepath.Join(s.root, "protocol.txt")
		writeFile(t, p, []byte(text))
		r := zsadbench(s.args("--protocol-in", p)...)
		if r.code != 1 || !strings.Contains(r.stderr, p+": the protocol file lists no image") {
			t.Errorf("%q: %v", text, r)
		}
	}
}

func TestStretchedMapWarning(t *testing.T) {
	s := newFlatSet(t)
	thin := make([]float32, 4096)
	for i := range thin {
		thin[i] = float32(i%97) / 97
	}
	writeFile(t, filepath.Join(s.pred, "a.npy"), npyBytes(t, 4096, 1, thin))
	r := mustRun(t, s.args()...)
	if !strings.Contains(r.stderr, "1 score map(s) have another aspect ratio than their masks") || !strings.Contains(r.stderr, "a.npy is 4096x1") {
		t.Errorf("no warning for a 4096x1 map stretched to 8x6:\n%s", r.stderr)
	}
	if clean := newFlatSet(t); strings.Contains(mustRun(t, clean.args()...).stderr, "aspect") {
		t.Error("a set without stretched maps warns")
	}
}
