package dive

import (
	"context"
	"fmt"
	"image"
	"strconv"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/internal/finite"
	"github.com/zsadbench/zsadbench/internal/inputfile"
	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/internal/printable"
	"github.com/zsadbench/zsadbench/metric"
)

// Names in the ONNX contract (see the package documentation).
const (
	InputName      = "image"
	ScoreName      = "image_score"
	MapName        = "anomaly_map"
	DefaultSize    = 518 // input side when the model leaves it dynamic
	DefaultBatch   = 8   // images per run when the model's batch axis is dynamic
	ProviderAuto   = "auto"
	ProviderCUDA   = "cuda"
	ProviderCPU    = "cpu"
	backendNameStr = "dive"
)

// Limits on what a model may declare, checked before anything is
// allocated, so that a hostile or broken model file fails with one clear
// error instead of exhausting memory.
const (
	// MaxInputSize is the largest input side S a model may declare: far
	// above DIVE's 518 and CLIP's 336.
	MaxInputSize = 4096
	// maxInputValues bounds one batch's input tensor, N*3*S*S float32
	// values (1 GiB).
	maxInputValues = 1 << 28
)

// maxBatch is the largest batch of images of side size whose input tensor
// stays within maxInputValues (size <= MaxInputSize, so at least 5).
func maxBatch(size int) int { return maxInputValues / (3 * size * size) }

// Options configures Open. The zero value is DefaultOptions.
type Options struct {
	// Provider selects the execution provider: ProviderAuto ("auto", also
	// when empty) asks for CUDA and falls back to the CPU with one warning
	// saying why; ProviderCUDA ("cuda") fails when CUDA is unavailable;
	// ProviderCPU ("cpu") never tries CUDA.
	Provider string
	// LibraryPath is the ONNX Runtime shared library; empty means
	// DefaultLibraryPath(). The first successful Open in a process fixes the
	// library for the process' lifetime.
	LibraryPath string
	// BatchSize is the number of images per model run when the model's batch
	// axis is dynamic; 0 means DefaultBatch. A model with a fixed batch axis
	// of n always runs n images (the last batch padded with zeros).
	BatchSize int
	// Threads is ONNX Runtime's intra-op thread count; 0 lets it choose.
	Threads int
	// DeviceID is the CUDA device.
	DeviceID int
	// Sigma is the Gaussian's standard deviation in output pixels; 0 means
	// DefaultSigma (the paper's 4); negative disables smoothing.
	Sigma float64
	// MapSize is where the model's patch map is upsampled and smoothed, and
	// so the size of the maps Predict returns: MapAtImageSize (0) each
	// image's own size; MapAtInputSize (-1) the model's input size S x S,
	// as the AnomalyCLIP-family test scripts do (which DIVE follows); N > 0
	// an N x N map. Smoothing at one size and resizing to another is not
	// the same as smoothing there (maps differ by 1e-2 to 0.1).
	MapSize int
}

// The special values of Options.MapSize.
const (
	MapAtImageSize = 0
	MapAtInputSize = -1
)

// MaxMapSize bounds Options.MapSize: the side of the largest square map
// within metric.MaxImagePixels.
const MaxMapSize = 1 << 13

// DefaultOptions are the paper's settings: CUDA when available, batches of
// DefaultBatch, sigma 4.
var DefaultOptions = Options{Provider: ProviderAuto, BatchSize: DefaultBatch, Sigma: DefaultSigma}

// Model is the DIVE backend: an ONNX Runtime session for a model that follows
// the package's ONNX contract, with DIVE's pre- and post-processing. It
// implements backend.Backend. Its methods may be called from several
// goroutines at once.
type Model struct {
	path       string
	size       int  // input side S
	batch      int  // images per run
	fixedBatch bool // the model's batch axis is fixed to batch: pad
	provider   string
	sigma      float64
	mapSize    int // Options.MapSize

	mu      sync.RWMutex
	session *ort.DynamicAdvancedSession // nil once closed
}

var _ backend.Backend = (*Model)(nil)

// Open loads the ONNX model at modelPath for inference.
//
// It loads the ONNX Runtime library first (see Options.LibraryPath; a missing
// library is an error wrapping ErrLibraryNotFound that names the path and the
// setup script), then checks the model against the contract: an input named
// "image", float32, rank 4, [N, 3, S, S] (S fixed, or DefaultSize when
// dynamic), and outputs "image_score" float32 [N] and "anomaly_map" float32
// [N, h, w]; other outputs are ignored, other inputs are an error. Errors name
// the model file.
//
// The signature is read with a temporary CPU session (graph optimisation
// off) before the inference session is created, so a large model's file is
// read twice.
//
// The warnings are non-fatal events the caller should show (today: CUDA was
// asked for by ProviderAuto and the session runs on the CPU instead, with the
// reason).
func Open(modelPath string, opts Options) (*Model, []error, error) {
	switch opts.Provider {
	case "", ProviderAuto, ProviderCUDA, ProviderCPU:
	default:
		return nil, nil, fmt.Errorf("dive: unknown execution provider %q (want %q, %q or %q)", opts.Provider, ProviderAuto, ProviderCUDA, ProviderCPU)
	}
	if opts.BatchSize < 0 || opts.Threads < 0 || opts.DeviceID < 0 || !finite.Float64(opts.Sigma) {
		return nil, nil, fmt.Errorf("dive: invalid options: batch size %d, threads %d, device %d, sigma %v", opts.BatchSize, opts.Threads, opts.DeviceID, opts.Sigma)
	}
	if opts.MapSize < MapAtInputSize || opts.MapSize > MaxMapSize {
		return nil, nil, fmt.Errorf("dive: invalid map size %d: want %d (each image's size), %d (the model's input size) or 1 to %d", opts.MapSize, MapAtImageSize, MapAtInputSize, MaxMapSize)
	}
	// ONNX Runtime reads the file itself: only a regular file is handed to
	// it (a named pipe would block it, a device never end).
	if err := inputfile.Check(modelPath); err != nil {
		return nil, nil, fmt.Errorf("dive: open model %s: %w", printable.Path(modelPath), unwrapPathError(err))
	}
	lib := opts.LibraryPath
	if lib == "" {
		lib = DefaultLibraryPath()
	}
	if err := loadRuntime(lib); err != nil {
		return nil, nil, err
	}
	m := &Model{path: modelPath, sigma: opts.Sigma, mapSize: opts.MapSize}
	if m.sigma == 0 {
		m.sigma = DefaultSigma
	} else if m.sigma < 0 {
		m.sigma = 0
	}
	if err := m.checkContract(); err != nil {
		return nil, nil, err
	}
	if !m.fixedBatch {
		m.batch = opts.BatchSize
		if m.batch == 0 {
			m.batch = min(DefaultBatch, maxBatch(m.size))
		}
		if m.batch > maxBatch(m.size) {
			return nil, nil, fmt.Errorf("dive: model %s: a batch of %d images of %dx%d exceeds the limit of %d MiB of input (at most %d images a batch)",
				modelPath, m.batch, m.size, m.size, maxInputValues*4>>20, maxBatch(m.size))
		}
	}

	var warnings []error
	provider := opts.Provider
	if provider == "" {
		provider = ProviderAuto
	}
	if provider != ProviderCPU {
		s, err := newSession(modelPath, opts, true)
		if err == nil {
			m.session, m.provider = s, ProviderCUDA
			return m, nil, nil
		}
		if provider == ProviderCUDA {
			return nil, nil, fmt.Errorf("dive: model %s: CUDA execution provider: %w", modelPath, err)
		}
		warnings = append(warnings, fmt.Errorf("dive: CUDA execution provider unavailable, running %s on the CPU: %w", modelPath, err))
	}
	s, err := newSession(modelPath, opts, false)
	if err != nil {
		return nil, nil, fmt.Errorf("dive: model %s: create ONNX Runtime session: %w", modelPath, err)
	}
	m.session, m.provider = s, ProviderCPU
	return m, warnings, nil
}

// newSession creates the inference session, with CUDA when cuda is set.
func newSession(path string, opts Options, cuda bool) (*ort.DynamicAdvancedSession, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	if opts.Threads > 0 {
		if err := so.SetIntraOpNumThreads(opts.Threads); err != nil {
			return nil, err
		}
	}
	if cuda {
		co, err := ort.NewCUDAProviderOptions()
		if err != nil {
			return nil, err
		}
		defer co.Destroy()
		if err := co.Update(map[string]string{"device_id": strconv.Itoa(opts.DeviceID)}); err != nil {
			return nil, err
		}
		if err := so.AppendExecutionProviderCUDA(co); err != nil {
			return nil, err
		}
	}
	return ort.NewDynamicAdvancedSession(path, []string{InputName}, []string{ScoreName, MapName}, so)
}

// checkContract reads the model's declared inputs and outputs and sets size,
// batch and fixedBatch.
func (m *Model) checkContract() error {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return fmt.Errorf("dive: model %s: %w", m.path, err)
	}
	defer so.Destroy()
	// Only the signature is needed: skip graph optimisation.
	if err := so.SetGraphOptimizationLevel(ort.GraphOptimizationLevelDisableAll); err != nil {
		return fmt.Errorf("dive: model %s: %w", m.path, err)
	}
	ins, outs, err := ort.GetInputOutputInfoWithOptions(m.path, so)
	if err != nil {
		return fmt.Errorf("dive: model %s: not a loadable ONNX model: %w", m.path, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("dive: model %s does not follow the DIVE ONNX contract: %s", m.path, fmt.Sprintf(format, args...))
	}
	if len(ins) != 1 || ins[0].Name != InputName {
		names := make([]string, len(ins))
		for i, in := range ins {
			names[i] = strconv.Quote(in.Name)
		}
		return bad("inputs are %v, want exactly one named %q", names, InputName)
	}
	in := ins[0]
	if in.OrtValueType != ort.ONNXTypeTensor || in.DataType != ort.TensorElementDataTypeFloat {
		return bad("input %q is %s, want a float32 tensor", InputName, in.String())
	}
	d := in.Dimensions
	if len(d) != 4 {
		return bad("input %q has shape %v (rank %d), want [N,3,S,S]", InputName, d, len(d))
	}
	if d[1] != 3 && d[1] >= 0 {
		return bad("input %q has shape %v, want 3 channels: [N,3,S,S]", InputName, d)
	}
	switch {
	case d[2] > 0 && d[3] > 0 && d[2] != d[3]:
		return bad("input %q has shape %v, want a square image [N,3,S,S]", InputName, d)
	case max(d[2], d[3]) > MaxInputSize:
		return bad("input %q has shape %v: side %d exceeds the limit of %d", InputName, d, max(d[2], d[3]), MaxInputSize)
	case d[2] > 0:
		m.size = int(d[2])
	case d[3] > 0:
		m.size = int(d[3])
	default:
		m.size = DefaultSize
	}
	if d[0] > 0 {
		if d[0] > int64(maxBatch(m.size)) {
			return bad("input %q has shape %v: a batch of %d images of %dx%d exceeds the limit of %d MiB of input",
				InputName, d, d[0], m.size, m.size, maxInputValues*4>>20)
		}
		m.batch, m.fixedBatch = int(d[0]), true
	}
	want := map[string]int{ScoreName: 1, MapName: 3}
	for _, o := range outs {
		rank, ok := want[o.Name]
		if !ok {
			continue
		}
		delete(want, o.Name)
		if o.OrtValueType != ort.ONNXTypeTensor || o.DataType != ort.TensorElementDataTypeFloat {
			return bad("output %q is %s, want a float32 tensor", o.Name, o.String())
		}
		if len(o.Dimensions) != rank {
			return bad("output %q has shape %v (rank %d), want rank %d", o.Name, o.Dimensions, len(o.Dimensions), rank)
		}
		if o.Name == MapName {
			if h, w := o.Dimensions[1], o.Dimensions[2]; h > 0 && w > 0 && (h > metric.MaxImagePixels || w > metric.MaxImagePixels/h) {
				return bad("output %q has shape %v: a map of %dx%d exceeds the limit of %d pixels", o.Name, o.Dimensions, w, h, metric.MaxImagePixels)
			}
		}
	}
	for _, name := range []string{ScoreName, MapName} {
		if _, missing := want[name]; missing {
			names := make([]string, len(outs))
			for i, o := range outs {
				names[i] = strconv.Quote(o.Name)
			}
			return bad("no output named %q (outputs are %v)", name, names)
		}
	}
	return nil
}

// Name returns "dive".
func (m *Model) Name() string { return backendNameStr }

// Path returns the model file.
func (m *Model) Path() string { return m.path }

// InputSize returns S, the side of the square image the model reads.
func (m *Model) InputSize() int { return m.size }

// BatchSize returns the number of images per model run.
func (m *Model) BatchSize() int { return m.batch }

// Provider returns the execution provider the session runs on: "cuda" or
// "cpu".
func (m *Model) Provider() string { return m.provider }

// Sigma returns the Gaussian's standard deviation (0: no smoothing).
func (m *Model) Sigma() float64 { return m.sigma }

// MapSize returns the side of the square maps Predict returns, where they
// are upsampled and smoothed, or 0 when each map has its image's size.
func (m *Model) MapSize() int {
	switch {
	case m.mapSize == MapAtInputSize:
		return m.size
	case m.mapSize > 0:
		return m.mapSize
	}
	return 0
}

// Close releases the session. It waits for running Predict calls; Predict
// after Close returns an error. Close is idempotent.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session == nil {
		return nil
	}
	err := m.session.Destroy()
	m.session = nil
	if err != nil {
		return fmt.Errorf("dive: close model %s: %w", m.path, err)
	}
	return nil
}

// Predict runs the model on the inputs, BatchSize() images per run, and
// returns one Output per input, in order.
//
// Each image (Input.Image, or the file at Input.Path, decoded with
// DecodeImage) is pre-processed with Preprocess; the model's anomaly_map for
// it is resized to the image's own size, or to MapSize() x MapSize() when
// that is not 0, and smoothed there with Postprocess (sigma Sigma());
// Output.Score is the model's image_score. Images are decoded and
// post-processed in parallel, one batch in memory at a time.
//
// Errors name the input (its Path, else its Key) or the model file: an
// unreadable image, an input with neither Path nor Image, outputs whose shape
// breaks the contract, or a NaN or infinite output. A cancelled ctx stops the
// run at the next image or model run (a running model run is asked to
// terminate) and Predict returns ctx.Err().
func (m *Model) Predict(ctx context.Context, in []backend.Input) ([]backend.Output, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.session == nil {
		return nil, fmt.Errorf("dive: model %s: Predict after Close", m.path)
	}
	out := make([]backend.Output, 0, len(in))
	plane := 3 * m.size * m.size
	n := m.batch
	if !m.fixedBatch {
		n = min(n, len(in))
	}
	buf := make([]float32, n*plane)
	for start := 0; start < len(in); start += m.batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch := in[start:min(start+m.batch, len(in))]
		res, err := m.predictBatch(ctx, batch, buf)
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	return out, nil
}

func inputName(in backend.Input) string {
	if in.Path != "" {
		return in.Path
	}
	return strconv.Quote(in.Key)
}

// each runs f(0..n-1) on up to GOMAXPROCS goroutines and returns the error
// of the lowest index that failed (ctx's error for an index not started
// because ctx was done).
func each(ctx context.Context, n int, f func(i int) error) error {
	return parallel.Do(n, 0, func(_, i int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return f(i)
	})
}

func (m *Model) predictBatch(ctx context.Context, batch []backend.Input, buf []float32) ([]backend.Output, error) {
	plane := 3 * m.size * m.size
	sizes := make([]image.Point, len(batch))
	err := each(ctx, len(batch), func(i int) error {
		img := batch[i].Image
		if img == nil {
			if batch[i].Path == "" {
				return fmt.Errorf("dive: input %q has neither an image nor a path", batch[i].Key)
			}
			var err error
			if img, err = LoadImage(batch[i].Path); err != nil {
				return fmt.Errorf("dive: %w", err)
			}
		}
		b := img.Bounds()
		if b.Empty() {
			return fmt.Errorf("dive: image %s is empty (%v)", inputName(batch[i]), b)
		}
		sizes[i] = b.Size()
		Preprocess(img, m.size, buf[i*plane:(i+1)*plane])
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := len(batch)
	if m.fixedBatch {
		clear(buf[n*plane:]) // padding
		n = m.batch
	}
	scores, maps, mw, mh, err := m.run(ctx, buf[:n*plane], n)
	if err != nil {
		return nil, err
	}
	out := make([]backend.Output, len(batch))
	err = each(ctx, len(batch), func(i int) error {
		raw := maps[i*mw*mh : (i+1)*mw*mh]
		s := scores[i]
		if !finite.Is(s) {
			return fmt.Errorf("dive: model %s gave image_score %v for %s", m.path, s, inputName(batch[i]))
		}
		for _, v := range raw {
			if !finite.Is(v) {
				return fmt.Errorf("dive: model %s gave anomaly_map value %v for %s", m.path, v, inputName(batch[i]))
			}
		}
		w, h := sizes[i].X, sizes[i].Y
		if s := m.MapSize(); s > 0 {
			w, h = s, s
		}
		out[i] = backend.Output{
			Key:    batch[i].Key,
			Width:  w,
			Height: h,
			Map:    Postprocess(raw, mw, mh, w, h, m.sigma),
			Score:  float64(s),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// run feeds n pre-processed images to the session and returns copies of the
// image scores [n] and the maps [n, mh, mw].
func (m *Model) run(ctx context.Context, data []float32, n int) (scores, maps []float32, mw, mh int, err error) {
	input, err := ort.NewTensor(ort.NewShape(int64(n), 3, int64(m.size), int64(m.size)), data)
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("dive: model %s: input tensor: %w", m.path, err)
	}
	defer input.Destroy()
	ro, err := ort.NewRunOptions()
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("dive: model %s: %w", m.path, err)
	}
	defer ro.Destroy()
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
			ro.Terminate()
		case <-done:
		}
	}()
	outputs := []ort.Value{nil, nil}
	err = m.session.RunWithOptions([]ort.Value{input}, outputs, ro)
	close(done)
	<-stopped
	defer func() {
		for _, o := range outputs {
			if o != nil {
				o.Destroy()
			}
		}
	}()
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, 0, 0, ctx.Err()
		}
		return nil, nil, 0, 0, fmt.Errorf("dive: model %s: run: %w", m.path, err)
	}
	st, ok1 := outputs[0].(*ort.Tensor[float32])
	mt, ok2 := outputs[1].(*ort.Tensor[float32])
	if !ok1 || !ok2 {
		return nil, nil, 0, 0, fmt.Errorf("dive: model %s: outputs are not float32 tensors", m.path)
	}
	ss, ms := st.GetShape(), mt.GetShape()
	if len(ss) != 1 || ss[0] != int64(n) {
		return nil, nil, 0, 0, fmt.Errorf("dive: model %s: image_score has shape %v for a batch of %d, want [%d]", m.path, ss, n, n)
	}
	if len(ms) != 3 || ms[0] != int64(n) || ms[1] < 1 || ms[2] < 1 {
		return nil, nil, 0, 0, fmt.Errorf("dive: model %s: anomaly_map has shape %v for a batch of %d, want [%d,h,w]", m.path, ms, n, n)
	}
	if ms[1] > metric.MaxImagePixels || ms[2] > metric.MaxImagePixels/ms[1] {
		return nil, nil, 0, 0, fmt.Errorf("dive: model %s: anomaly_map of %dx%d exceeds the limit of %d pixels", m.path, ms[2], ms[1], metric.MaxImagePixels)
	}
	mh, mw = int(ms[1]), int(ms[2])
	scores = append([]float32(nil), st.GetData()...)
	maps = append([]float32(nil), mt.GetData()...)
	return scores, maps, mw, mh, nil
}
