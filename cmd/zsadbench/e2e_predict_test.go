package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/dive"
	"github.com/zsadbench/zsadbench/mapio"
)

// imageSet writes a small MVTec-layout image dataset: category "widget",
// two normal and two anomalous RGB PNG images of different sizes, each
// anomalous one with a bright square and its mask. It returns the folder and
// the image keys with their sizes.
func imageSet(t *testing.T) (string, map[string][2]int) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "images")
	sizes := map[string][2]int{
		"widget/test/good/000":  {40, 30},
		"widget/test/good/001":  {33, 33},
		"widget/test/crack/000": {48, 36},
		"widget/test/crack/001": {29, 41},
	}
	i := 0
	for key, wh := range sizes {
		i++
		w, h := wh[0], wh[1]
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		mask := make([]bool, w*h)
		anomalous := strings.Contains(key, "crack")
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := uint8((x*5 + y*3 + i*17) % 90)
				c := color.RGBA{v, v / 2, 90 - v, 255}
				if anomalous && x >= w/3 && x < w/3+9 && y >= h/4 && y < h/4+8 {
					c = color.RGBA{250, 240, 255, 255}
					mask[y*w+x] = true
				}
				img.Set(x, y, c)
			}
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, filepath.FromSlash(key)+".png"), b.Bytes())
		if anomalous {
			parts := strings.Split(key, "/")
			writeFile(t, filepath.Join(root, parts[0], "ground_truth", parts[2], parts[3]+"_mask.png"), maskBytes(t, w, h, mask))
		}
	}
	return root, sizes
}

// TestPredictMissingModel: predict and run with a --model file that does not
// exist fail with status 1 and name the file, whether or not ONNX Runtime is
// installed, and predict creates no output folder.
func TestPredictMissingModel(t *testing.T) {
	images, _ := imageSet(t)
	tmp := t.TempDir()
	model := filepath.Join(tmp, "no-such-model.onnx")
	out := filepath.Join(tmp, "maps")
	for _, args := range [][]string{
		{"predict", "--model", model, "--data", images, "--maps", out},
		{"run", "--model", model, "--data", images, "--format", "json", "--out", filepath.Join(tmp, "r.json")},
	} {
		r := zsadbench(args...)
		if r.code != 1 || !strings.Contains(r.stderr, model) || r.stdout != "" {
			t.Errorf("%s: want exit 1 naming %s: %v", args[0], model, r)
		}
		checkNoCrash(t, r)
	}
	if left := dirEntries(t, tmp); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	// A model file that is not ONNX is named too.
	writeFile(t, model, []byte("not a model"))
	if ortAvailable() {
		r := zsadbench("predict", "--model", model, "--data", images, "--maps", out, "--provider", "cpu")
		if r.code != 1 || !strings.Contains(r.stderr, model) {
			t.Errorf("a corrupt model: want exit 1 naming %s: %v", model, r)
		}
		checkNoCrash(t, r)
	}
}

// ortAvailable reports whether the ONNX Runtime library is installed; when
// it is not, a test that needs it skips, unless ZSADBENCH_REQUIRE_ORT is set.
func ortAvailable() bool {
	_, err := os.Stat(dive.DefaultLibraryPath())
	return err == nil
}

func requireORT(t *testing.T) {
	t.Helper()
	if ortAvailable() {
		return
	}
	if os.Getenv("ZSADBENCH_REQUIRE_ORT") != "" {
		t.Fatalf("ONNX Runtime library %s not found and ZSADBENCH_REQUIRE_ORT is set (run %s)", dive.DefaultLibraryPath(), dive.SetupScript)
	}
	t.Skipf("ONNX Runtime library %s not found (run %s)", dive.DefaultLibraryPath(), dive.SetupScript)
}

// A tiny ONNX model following the DIVE contract, encoded with protowire
// (field numbers from onnx/onnx.proto):
//
//	pooled      = AveragePool(image, kernel 4x4, stride 4)       [N,3,8,8]
//	anomaly_map = ReduceMean(pooled, axes=[1], keepdims=0)      [N,8,8]
//	image_score = Sigmoid(ReduceMax(anomaly_map, axes=[1,2], keepdims=0))  [N]
//
// with image float32 [N,3,32,32].
type pb []byte

func (b pb) bytes(field protowire.Number, v []byte) pb {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func (b pb) str(field protowire.Number, s string) pb { return b.bytes(field, []byte(s)) }

func (b pb) varint(field protowire.Number, v uint64) pb {
	b = protowire.AppendTag(b, field, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// tensorInfo is ValueInfoProto{name, type{tensor_type{elem_type FLOAT,
// shape{dim{dim_value | dim_param}}}}}; a dim of 0 is the symbolic "N".
func tensorInfo(name string, dims ...int) []byte {
	var shape pb
	for _, d := range dims {
		var dim pb
		if d > 0 {
			dim = dim.varint(1, uint64(d))
		} else {
			dim = dim.str(2, "N")
		}
		shape = shape.bytes(1, dim)
	}
	tensor := pb{}.varint(1, 1).bytes(2, shape) // elem_type 1 = FLOAT
	typ := pb{}.bytes(1, tensor)
	return pb{}.str(1, name).bytes(2, typ)
}

func onnxNode(op, in, out string, attrs ...[]byte) []byte {
	n := pb{}.str(1, in).str(2, out).str(3, out+"_node").str(4, op)
	for _, a := range attrs {
		n = n.bytes(5, a)
	}
	return n
}

func intsAttr(name string, vs ...int64) []byte {
	a := pb{}.str(1, name)
	for _, v := range vs {
		a = a.varint(8, uint64(v))
	}
	return a.varint(20, 7) // AttributeProto.INTS
}

func intAttr(name string, v int64) []byte {
	return pb{}.str(1, name).varint(3, uint64(v)).varint(20, 2) // AttributeProto.INT
}

func tinyModel() []byte {
	g := pb{}.
		bytes(1, onnxNode("AveragePool", "image", "pooled", intsAttr("kernel_shape", 4, 4), intsAttr("strides", 4, 4))).
		bytes(1, onnxNode("ReduceMean", "pooled", "anomaly_map", intsAttr("axes", 1), intAttr("keepdims", 0))).
		bytes(1, onnxNode("ReduceMax", "anomaly_map", "peak", intsAttr("axes", 1, 2), intAttr("keepdims", 0))).
		bytes(1, onnxNode("Sigmoid", "peak", "image_score")).
		str(2, "zsadbench_e2e").
		bytes(11, tensorInfo("image", 0, 3, 32, 32)).
		bytes(12, tensorInfo("image_score", 0)).
		bytes(12, tensorInfo("anomaly_map", 0, 8, 8))
	opset := pb{}.str(1, "").varint(2, 17)
	return pb{}.varint(1, 8).str(2, "zsadbench-e2e-test").bytes(7, g).bytes(8, opset)
}

// TestPredictAndRun runs a tiny ONNX model with predict and run: the maps
// predict writes equal the dive backend's, at each image's size; scores.csv
// holds the model's image scores; and run's numbers equal those of score on
// predict's output.
func TestPredictAndRun(t *testing.T) {
	requireORT(t)
	images, sizes := imageSet(t)
	tmp := t.TempDir()
	model := filepath.Join(tmp, "tiny.onnx")
	writeFile(t, model, tinyModel())
	maps := filepath.Join(tmp, "maps")

	r := mustRun(t, "predict", "--model", model, "--data", images, "--maps", maps, "--provider", "cpu", "--batch", "3")
	if r.stdout != "" {
		t.Errorf("predict printed on stdout:\n%s", r.stdout)
	}

	m, _, err := dive.Open(model, dive.Options{Provider: "cpu"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var in []backend.Input
	for key := range sizes {
		in = append(in, backend.Input{Key: key, Path: filepath.Join(images, filepath.FromSlash(key)+".png")})
	}
	want, err := m.Predict(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := readScoresFile(filepath.Join(maps, "scores.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if scores.Len() != len(sizes) {
		t.Errorf("scores.csv has %d rows, want %d", scores.Len(), len(sizes))
	}
	for _, o := range want {
		path := filepath.Join(maps, filepath.FromSlash(o.Key)+".npy")
		got, err := mapio.ReadMap(path)
		if err != nil {
			t.Errorf("%s: %v", o.Key, err)
			continue
		}
		wh := sizes[o.Key]
		if got.Width != wh[0] || got.Height != wh[1] || o.Width != wh[0] || o.Height != wh[1] {
			t.Errorf("%s: map %dx%d, backend %dx%d, image %dx%d", o.Key, got.Width, got.Height, o.Width, o.Height, wh[0], wh[1])
			continue
		}
		for i := range got.Pix {
			if got.Pix[i] != o.Map[i] {
				t.Errorf("%s: pixel %d = %v, backend %v", o.Key, i, got.Pix[i], o.Map[i])
				break
			}
		}
		if s, ok := scores.Lookup(o.Key); !ok || s != o.Score || !(s > 0 && s < 1) {
			t.Errorf("%s: scores.csv %v (%v), backend %v", o.Key, s, ok, o.Score)
		}
	}

	scored := mustRun(t, "score", "--maps", maps, "--data", images, "--scores", filepath.Join(maps, "scores.csv"), "--format", "json")
	rep := parseReport(t, scored.stdout)
	if len(rep.Categories) != 1 || rep.Categories[0].Images != 4 || rep.Categories[0].AnomalousImages != 2 {
		t.Fatalf("score on predict's maps: %+v", rep.Categories)
	}
	checkFractions(t, rep)
	if scored.stderr != "" {
		t.Errorf("score on predict's maps warned:\n%s", scored.stderr)
	}

	ran := mustRun(t, "run", "--model", model, "--data", images, "--provider", "cpu", "--format", "json")
	if ran.stdout != scored.stdout {
		t.Errorf("run's JSON differs from score on predict's maps:\n%s\nvs\n%s", ran.stdout, scored.stdout)
	}
	saved := filepath.Join(tmp, "saved")
	ranSaved := mustRun(t, "run", "--model", model, "--data", images, "--provider", "cpu", "--format", "json", "--maps", saved, "--workers", "1")
	if ranSaved.stdout != scored.stdout {
		t.Errorf("run --save-maps JSON differs from score on predict's maps")
	}
	for key := range sizes {
		a, errA := os.ReadFile(filepath.Join(maps, filepath.FromSlash(key)+".npy"))
		b, errB := os.ReadFile(filepath.Join(saved, filepath.FromSlash(key)+".npy"))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: run --save-maps wrote another map than predict (%v, %v)", key, errA, errB)
		}
	}

	// --sigma 0 disables smoothing: the maps change.
	raw := filepath.Join(tmp, "raw")
	mustRun(t, "predict", "--model", model, "--data", images, "--maps", raw, "--provider", "cpu", "--sigma", "0")
	a, _ := os.ReadFile(filepath.Join(maps, "widget/test/crack/000.npy"))
	b, err := os.ReadFile(filepath.Join(raw, "widget/test/crack/000.npy"))
	if err != nil || bytes.Equal(a, b) {
		t.Errorf("--sigma 0 gave the smoothed map (%v)", err)
	}
}
