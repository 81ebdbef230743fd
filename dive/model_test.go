package dive

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zsadbench/zsadbench/backend"
)

// requireRuntime skips the test when the ONNX Runtime library is absent,
// unless $ZSADBENCH_REQUIRE_ORT is set (CI sets it after running the setup
// script), in which case the test fails.
func requireRuntime(t *testing.T) {
	t.Helper()
	lib := DefaultLibraryPath()
	if _, err := os.Stat(lib); err != nil {
		if os.Getenv("ZSADBENCH_REQUIRE_ORT") != "" {
			t.Fatalf("ZSADBENCH_REQUIRE_ORT is set but the ONNX Runtime library is missing: %v", err)
		}
		t.Skipf("ONNX Runtime library not found at %s (run %s)", lib, SetupScript)
	}
}

func openCPU(t *testing.T, sp testModelSpec, opts Options) *Model {
	t.Helper()
	opts.Provider = ProviderCPU
	m, warns, err := Open(writeModel(t, sp), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings on the CPU: %v", warns)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	return m
}

// testImage is a w x h image with structure in every channel, different per
// seed.
func testImage(w, h, seed int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8((x*7 + y*3 + seed*31) % 256),
				G: uint8((x*y + seed*17) % 256),
				B: uint8(128 + 100*math.Sin(float64(x+seed)/5)*math.Cos(float64(y)/7)),
				A: 255,
			})
		}
	}
	return img
}

// wantOutput is the Go reference for one image through the toy model.
func wantOutput(sp testModelSpec, img image.Image, s int, sigma float64) backend.Output {
	x := Preprocess(img, s, nil)
	raw, mw, mh, score := referenceOutputs(sp, x, s)
	b := img.Bounds()
	return backend.Output{
		Width: b.Dx(), Height: b.Dy(),
		Map:   Postprocess(raw, mw, mh, b.Dx(), b.Dy(), sigma),
		Score: score,
	}
}

func compareOutput(t *testing.T, got, want backend.Output) {
	t.Helper()
	if got.Key != want.Key || got.Width != want.Width || got.Height != want.Height || len(got.Map) != got.Width*got.Height {
		t.Fatalf("output %q %dx%d (%d values), want %q %dx%d", got.Key, got.Width, got.Height, len(got.Map), want.Key, want.Width, want.Height)
	}
	if d := math.Abs(got.Score - want.Score); d > 1e-5 {
		t.Errorf("%s: score %v, want %v", got.Key, got.Score, want.Score)
	}
	if d, at := maxAbsDiff(got.Map, want.Map); d > 1e-5 {
		t.Errorf("%s: map differs by %g at %d (%v vs %v)", got.Key, d, at, got.Map[at], want.Map[at])
	}
}

func TestPredictMatchesReference(t *testing.T) {
	requireRuntime(t)
	dir := t.TempDir()
	// One image goes through a file, to exercise lazy decoding.
	onDisk := testImage(45, 30, 9)
	p := filepath.Join(dir, "disk.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, onDisk); err != nil {
		t.Fatal(err)
	}
	f.Close()
	imgs := []image.Image{testImage(64, 48, 1), testImage(20, 33, 2), onDisk, testImage(28, 28, 3), testImage(100, 7, 4)}
	in := []backend.Input{
		{Key: "a", Image: imgs[0]},
		{Key: "b", Image: imgs[1]},
		{Key: "c", Path: p},
		{Key: "d", Image: imgs[3]},
		{Key: "e", Image: imgs[4]},
	}
	for _, tc := range []struct {
		name      string
		sp        func() testModelSpec
		batch     int
		sigma     float64
		wantS     int
		wantBatch int
	}{
		{"dynamic batch 2", defaultSpec, 2, 0, 28, 2},
		{"dynamic batch default", defaultSpec, 0, 0, 28, DefaultBatch},
		{"fixed batch 3 padded", func() testModelSpec { sp := defaultSpec(); sp.batch = dv(3); return sp }, 0, 0, 28, 3},
		{"fixed batch 1", func() testModelSpec { sp := defaultSpec(); sp.batch = dv(1); return sp }, 5, 2.5, 28, 1},
		{"no smoothing", defaultSpec, 4, -1, 28, 4},
		{"dynamic side 518", func() testModelSpec { sp := defaultSpec(); sp.s = dp("S"); sp.patch = 14; return sp }, 3, 0, 518, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := tc.sp()
			m := openCPU(t, sp, Options{BatchSize: tc.batch, Sigma: tc.sigma, Threads: 1})
			if m.InputSize() != tc.wantS || m.BatchSize() != tc.wantBatch || m.Provider() != ProviderCPU || m.Name() != "dive" {
				t.Fatalf("S %d batch %d provider %s name %s; want S %d batch %d on cpu", m.InputSize(), m.BatchSize(), m.Provider(), m.Name(), tc.wantS, tc.wantBatch)
			}
			sigma := tc.sigma
			switch {
			case sigma == 0:
				sigma = DefaultSigma
			case sigma < 0:
				sigma = 0
			}
			out, err := m.Predict(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != len(in) {
				t.Fatalf("%d outputs for %d inputs", len(out), len(in))
			}
			for i := range in {
				want := wantOutput(sp, imgs[i], m.InputSize(), sigma)
				want.Key = in[i].Key
				compareOutput(t, out[i], want)
			}
		})
	}
}

// TestPredictMapSize: with Options.MapSize the patch map is upsampled and
// smoothed at the model's input size, or at N x N, for every image whatever
// its size, as the AnomalyCLIP-family scripts do at 518; that differs from
// smoothing at the image's size and resizing.
func TestPredictMapSize(t *testing.T) {
	requireRuntime(t)
	sp := defaultSpec()
	imgs := []image.Image{testImage(64, 48, 1), testImage(20, 33, 2)}
	in := []backend.Input{{Key: "a", Image: imgs[0]}, {Key: "b", Image: imgs[1]}}
	for _, tc := range []struct {
		mapSize, want int
	}{{MapAtInputSize, 28}, {40, 40}, {MapAtImageSize, 0}} {
		m := openCPU(t, sp, Options{MapSize: tc.mapSize, Threads: 1})
		if m.MapSize() != tc.want {
			t.Errorf("MapSize %d: MapSize() = %d, want %d", tc.mapSize, m.MapSize(), tc.want)
		}
		out, err := m.Predict(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for i, img := range imgs {
			x := Preprocess(img, m.InputSize(), nil)
			raw, mw, mh, score := referenceOutputs(sp, x, m.InputSize())
			w, h := img.Bounds().Dx(), img.Bounds().Dy()
			if tc.want > 0 {
				w, h = tc.want, tc.want
			}
			want := backend.Output{Key: in[i].Key, Width: w, Height: h, Map: Postprocess(raw, mw, mh, w, h, DefaultSigma), Score: score}
			compareOutput(t, out[i], want)
		}
	}
	model := writeModel(t, sp)
	for _, bad := range []int{-2, MaxMapSize + 1} {
		if _, _, err := Open(model, Options{MapSize: bad}); err == nil || !strings.Contains(err.Error(), "map size") {
			t.Errorf("MapSize %d: error %v", bad, err)
		}
	}
}

// TestPredictDependsOnInput guards the reference comparison against a model
// whose outputs ignore the image.
func TestPredictDependsOnInput(t *testing.T) {
	requireRuntime(t)
	m := openCPU(t, defaultSpec(), Options{})
	out, err := m.Predict(context.Background(), []backend.Input{
		{Key: "x", Image: testImage(28, 28, 1)},
		{Key: "y", Image: testImage(28, 28, 50)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Score == out[1].Score {
		t.Errorf("same score %v for different images", out[0].Score)
	}
	if d, _ := maxAbsDiff(out[0].Map, out[1].Map); d < 1e-3 {
		t.Errorf("maps of different images differ by only %g", d)
	}
	if out, err := m.Predict(context.Background(), nil); err != nil || len(out) != 0 {
		t.Errorf("Predict(nil) = %v, %v; want no outputs, no error", out, err)
	}
}

func TestOpenRejectsBadModels(t *testing.T) {
	requireRuntime(t)
	for _, tc := range []struct {
		name string
		edit func(*testModelSpec)
		want string
	}{
		{"wrong input name", func(sp *testModelSpec) { sp.inputName = "pixels" }, `want exactly one named "image"`},
		{"extra input", func(sp *testModelSpec) { sp.extraInput = true }, `want exactly one named "image"`},
		{"double input", func(sp *testModelSpec) { sp.inputType = onnxDouble }, "want a float32 tensor"},
		{"int64 input", func(sp *testModelSpec) { sp.inputType = onnxInt64 }, "want a float32 tensor"},
		{"map rank 4", func(sp *testModelSpec) { sp.mapRank4 = true }, `output "anomaly_map" has shape`},
		{"no image_score", func(sp *testModelSpec) { sp.noScore = true }, `no output named "image_score"`},
		{"not square", func(sp *testModelSpec) { d := dv(32); sp.s2 = &d }, "want a square image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := defaultSpec()
			tc.edit(&sp)
			path := writeModel(t, sp)
			m, _, err := Open(path, Options{Provider: ProviderCPU})
			if err == nil {
				m.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %s and say %q", err, path, tc.want)
			}
		})
	}
	t.Run("not ONNX", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "junk.onnx")
		os.WriteFile(path, []byte("this is not a protobuf \xff\xff\xff"), 0o644)
		_, _, err := Open(path, Options{Provider: ProviderCPU})
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("error %v does not name %s", err, path)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "absent.onnx")
		_, _, err := Open(path, Options{Provider: ProviderCPU})
		if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v does not name %s as missing", err, path)
		}
	})
}

// TestMissingLibrary needs no library: the path is checked before loading.
func TestMissingLibrary(t *testing.T) {
	model := writeModel(t, defaultSpec())
	lib := filepath.Join(t.TempDir(), "nowhere", "libonnxruntime.so.1")
	_, _, err := Open(model, Options{LibraryPath: lib})
	if err == nil {
		t.Fatal("Open succeeded without a library")
	}
	if !errors.Is(err, ErrLibraryNotFound) || !strings.Contains(err.Error(), lib) || !strings.Contains(err.Error(), SetupScript) {
		t.Errorf("error %q should wrap ErrLibraryNotFound, name %s and say to run %s", err, lib, SetupScript)
	}
	t.Setenv(LibraryEnv, lib)
	if got := DefaultLibraryPath(); got != lib {
		t.Errorf("DefaultLibraryPath with $%s set = %s, want %s", LibraryEnv, got, lib)
	}
	_, _, err = Open(model, Options{})
	if !errors.Is(err, ErrLibraryNotFound) || !strings.Contains(err.Error(), lib) {
		t.Errorf("Open with $%s = %s: error %v", LibraryEnv, lib, err)
	}
}

func TestDefaultLibraryPathFindsRepository(t *testing.T) {
	t.Setenv(LibraryEnv, "")
	got := DefaultLibraryPath()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, BundledLibrary); got != want {
		t.Errorf("DefaultLibraryPath() = %s, want %s", got, want)
	}
}

func TestOptionsErrors(t *testing.T) {
	model := writeModel(t, defaultSpec())
	for _, o := range []Options{{Provider: "tpu"}, {BatchSize: -1}, {Threads: -2}, {Sigma: math.NaN()}} {
		if _, _, err := Open(model, o); err == nil || !strings.Contains(err.Error(), "dive:") {
			t.Errorf("Open(%+v) error %v", o, err)
		}
	}
}

func TestProviderSelection(t *testing.T) {
	requireRuntime(t)
	path := writeModel(t, defaultSpec())
	m, warns, err := Open(path, Options{Provider: ProviderAuto})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	switch m.Provider() {
	case ProviderCUDA:
		if len(warns) != 0 {
			t.Errorf("on CUDA with warnings %v", warns)
		}
	case ProviderCPU:
		if len(warns) != 1 || !strings.Contains(warns[0].Error(), "CUDA") || !strings.Contains(warns[0].Error(), path) {
			t.Errorf("CPU fallback with warnings %v; want one naming CUDA and the model", warns)
		}
	default:
		t.Errorf("provider %q", m.Provider())
	}
	// Explicit CUDA fails exactly when auto fell back.
	mc, _, err := Open(path, Options{Provider: ProviderCUDA})
	if (err == nil) != (m.Provider() == ProviderCUDA) {
		t.Errorf("Provider cuda: err %v, but auto chose %s", err, m.Provider())
	}
	if err == nil {
		mc.Close()
	} else if !strings.Contains(err.Error(), path) {
		t.Errorf("CUDA error %q does not name the model", err)
	}
	if v := RuntimeVersion(); v == "" {
		t.Error("RuntimeVersion empty after Open")
	} else {
		t.Logf("ONNX Runtime %s from %s; auto chose %s (%v)", v, RuntimeLibrary(), m.Provider(), warns)
	}
	// A second library path in the same process is refused.
	other := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	os.WriteFile(other, []byte("not a library"), 0o644)
	if _, _, err := Open(path, Options{Provider: ProviderCPU, LibraryPath: other}); err == nil || !strings.Contains(err.Error(), "already loaded") {
		t.Errorf("second library: error %v", err)
	}
}

func TestPredictErrors(t *testing.T) {
	requireRuntime(t)
	m := openCPU(t, defaultSpec(), Options{BatchSize: 2})
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.png")
	os.WriteFile(junk, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	ok := backend.Input{Key: "ok", Image: testImage(10, 10, 1)}
	for _, tc := range []struct {
		in   backend.Input
		want string
	}{
		{backend.Input{Key: "j", Path: junk}, junk},
		{backend.Input{Key: "m", Path: filepath.Join(dir, "missing.png")}, "missing.png"},
		{backend.Input{Key: "nothing"}, `"nothing"`},
		{backend.Input{Key: "empty", Image: image.NewGray(image.Rect(0, 0, 0, 5))}, `"empty"`},
	} {
		_, err := m.Predict(context.Background(), []backend.Input{ok, ok, tc.in})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("input %+v: error %v, want one naming %s", tc.in, err, tc.want)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Predict(ctx, []backend.Input{ok}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v", err)
	}

	m2 := openCPU(t, defaultSpec(), Options{})
	m2.Close()
	if _, err := m2.Predict(context.Background(), []backend.Input{ok}); err == nil {
		t.Error("Predict after Close succeeded")
	}
	if err := m2.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// cancelOnRead cancels a context when the backend first looks at the image.
type cancelOnRead struct {
	image.Image
	cancel context.CancelFunc
}

func (c cancelOnRead) Bounds() image.Rectangle {
	c.cancel()
	return c.Image.Bounds()
}

func TestPredictCancelledMidway(t *testing.T) {
	requireRuntime(t)
	m := openCPU(t, defaultSpec(), Options{BatchSize: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := []backend.Input{
		{Key: "0", Image: cancelOnRead{testImage(30, 30, 1), cancel}},
		{Key: "1", Image: testImage(30, 30, 2)},
		{Key: "2", Image: testImage(30, 30, 3)},
	}
	out, err := m.Predict(ctx, in)
	if !errors.Is(err, context.Canceled) || out != nil {
		t.Errorf("Predict cancelled during the first batch = %d outputs, %v; want context.Canceled", len(out), err)
	}
}

// TestPredictConcurrent runs Predict from several goroutines on one Model and
// closes it while they may still be running (meant for -race).
func TestPredictConcurrent(t *testing.T) {
	requireRuntime(t)
	sp := defaultSpec()
	m, _, err := Open(writeModel(t, sp), Options{Provider: ProviderCPU, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(33, 21, 5)
	want := wantOutput(sp, img, m.InputSize(), DefaultSigma)
	want.Key = "k"
	errs := make(chan error, 4)
	results := make(chan backend.Output, 4*3)
	for g := 0; g < 4; g++ {
		go func() {
			out, err := m.Predict(context.Background(), []backend.Input{{Key: "k", Image: img}, {Key: "k", Image: img}, {Key: "k", Image: img}})
			for _, o := range out {
				results <- o
			}
			errs <- err
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(results)
	n := 0
	for o := range results {
		compareOutput(t, o, want)
		n++
	}
	if n != 12 {
		t.Errorf("%d outputs, want 12", n)
	}
	done := make(chan error)
	go func() {
		_, err := m.Predict(context.Background(), []backend.Input{{Key: "k", Image: img}})
		done <- err
	}()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil && !strings.Contains(err.Error(), "after Close") {
		t.Errorf("Predict racing Close: %v", err)
	}
}

// TestOpenRejectsHostileSizes: declared sizes that would make Predict
// allocate gigabytes, or overflow 3*S*S, are refused by Open with one error
// naming the model, before anything is allocated.
func TestOpenRejectsHostileSizes(t *testing.T) {
	requireRuntime(t)
	for _, tc := range []struct {
		name         string
		batch, s     dim
		batchOption  int
		want         string
		wantAllocMiB uint64
	}{
		{"side 100000", dv(1), dv(100000), 0, "side 100000 exceeds the limit of 4096", 0},
		{"side 2^32", dv(1), dv(1 << 32), 0, "side 4294967296 exceeds the limit", 0},
		{"side 20000", dv(1), dv(20000), 0, "side 20000 exceeds the limit", 0},
		{"batch 1e9", dv(1e9), dv(64), 0, "a batch of 1000000000 images of 64x64 exceeds the limit of 1024 MiB", 0},
		{"dynamic batch asked too large", dp("N"), dv(518), 100000, "a batch of 100000 images of 518x518 exceeds", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := defaultSpec()
			sp.batch, sp.s = tc.batch, tc.s
			path := writeModel(t, sp)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			m, _, err := Open(path, Options{Provider: ProviderCPU, BatchSize: tc.batchOption})
			runtime.ReadMemStats(&after)
			if err == nil {
				m.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %s and say %q", err, path, tc.want)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
				t.Errorf("Open allocated %d bytes", n)
			}
		})
	}
	// The largest batch within the limit is accepted, and a dynamic batch
	// defaults to what fits.
	sp := defaultSpec()
	sp.s = dv(4096)
	m, _, err := Open(writeModel(t, sp), Options{Provider: ProviderCPU})
	if err != nil {
		t.Fatal(err)
	}
	if m.BatchSize() != maxBatch(4096) || m.BatchSize() < 1 {
		t.Errorf("batch %d at side 4096, want %d", m.BatchSize(), maxBatch(4096))
	}
	m.Close()
}

// TestModelFileMustBeRegular: a named pipe or a device as the model is
// refused at once (ONNX Runtime would block on the pipe).
func TestModelFileMustBeRegular(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	link := filepath.Join(t.TempDir(), "zero.onnx")
	os.Symlink("/dev/zero", link)
	_, _, err := Open(link, Options{Provider: ProviderCPU})
	if err == nil || !strings.Contains(err.Error(), link) || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("error %v, want one naming %s as not a regular file", err, link)
	}
}
