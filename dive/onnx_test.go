package dive

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// A minimal ONNX (onnx.proto, proto2/3 wire format) writer for test models.
// Field numbers are those of onnx/onnx.proto.

const (
	onnxFloat  = 1  // TensorProto.FLOAT
	onnxInt64  = 7  // TensorProto.INT64
	onnxDouble = 11 // TensorProto.DOUBLE

	attrInt  = 2 // AttributeProto.INT
	attrInts = 7 // AttributeProto.INTS
)

func pbBytes(b []byte, field protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func pbString(b []byte, field protowire.Number, s string) []byte {
	return pbBytes(b, field, []byte(s))
}

func pbVarint(b []byte, field protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, field, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// dim is one dimension of a declared shape: a value when > 0, else the
// symbolic dimension param.
type dim struct {
	value int64
	param string
}

func dv(v int64) dim      { return dim{value: v} }
func dp(p string) dim     { return dim{param: p} }
func dims(d ...dim) []dim { return d }

// valueInfo encodes ValueInfoProto{name=1, type=2{tensor_type=1{elem_type=1,
// shape=2{dim=1{dim_value=1 | dim_param=2}}}}}.
func valueInfo(name string, elemType int, shape []dim) []byte {
	var sh []byte
	for _, d := range shape {
		var db []byte
		if d.value > 0 {
			db = pbVarint(db, 1, uint64(d.value))
		} else {
			db = pbString(db, 2, d.param)
		}
		sh = pbBytes(sh, 1, db)
	}
	var tt []byte
	tt = pbVarint(tt, 1, uint64(elemType))
	tt = pbBytes(tt, 2, sh)
	var tp []byte
	tp = pbBytes(tp, 1, tt)
	var vi []byte
	vi = pbString(vi, 1, name)
	vi = pbBytes(vi, 2, tp)
	return vi
}

// attribute encodes AttributeProto{name=1, i=3 | ints=8, type=20}.
func attrI(name string, v int64) []byte {
	var a []byte
	a = pbString(a, 1, name)
	a = pbVarint(a, 3, uint64(v))
	return pbVarint(a, 20, attrInt)
}

func attrIs(name string, vs ...int64) []byte {
	var a []byte
	a = pbString(a, 1, name)
	for _, v := range vs {
		a = pbVarint(a, 8, uint64(v))
	}
	return pbVarint(a, 20, attrInts)
}

// node encodes NodeProto{input=1, output=2, name=3, op_type=4, attribute=5}.
func node(op string, inputs, outputs []string, attrs ...[]byte) []byte {
	var n []byte
	for _, s := range inputs {
		n = pbString(n, 1, s)
	}
	for _, s := range outputs {
		n = pbString(n, 2, s)
	}
	n = pbString(n, 3, op+"_"+outputs[0])
	n = pbString(n, 4, op)
	for _, a := range attrs {
		n = pbBytes(n, 5, a)
	}
	return n
}

// floatTensor encodes TensorProto{dims=1, data_type=2, name=8, raw_data=9}.
func floatTensor(name string, shape []int64, data []float32) []byte {
	var t []byte
	for _, d := range shape {
		t = pbVarint(t, 1, uint64(d))
	}
	t = pbVarint(t, 2, onnxFloat)
	t = pbString(t, 8, name)
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return pbBytes(t, 9, raw)
}

// testModelSpec describes a toy model that follows (or deliberately breaks)
// the DIVE contract:
//
//	y           = Conv(image, W[1,3,1,1], B[1])        // weighted channel sum
//	pooled      = AveragePool(y, kernel P, stride P)  // [N,1,S/P,S/P]
//	anomaly_map = ReduceMean(pooled, axes=[1], keepdims=0)   // [N,h,w]
//	image_score = Sigmoid(ReduceMax(anomaly_map, axes=[1,2], keepdims=0)) // [N]
type testModelSpec struct {
	inputName  string
	inputType  int
	batch, s   dim // declared batch and side
	s2         *dim
	patch      int64
	mapRank4   bool // keep the channel axis: anomaly_map [N,1,h,w]
	noScore    bool
	weights    [3]float32
	bias       float32
	extraInput bool
}

func defaultSpec() testModelSpec {
	return testModelSpec{
		inputName: InputName, inputType: onnxFloat,
		batch: dp("N"), s: dv(28), patch: 4,
		weights: [3]float32{0.5, -1.25, 2}, bias: 0.125,
	}
}

// encodeModel returns the ModelProto bytes: ir_version=1 (8), opset_import=8
// ({domain=1 "", version=2: 17}), producer_name=2, graph=7{node=1, name=2,
// initializer=5, input=11, output=12}.
func encodeModel(sp testModelSpec) []byte {
	s2 := sp.s
	if sp.s2 != nil {
		s2 = *sp.s2
	}
	keep := int64(0)
	mapDims := dims(sp.batch, dp("h"), dp("w"))
	if sp.mapRank4 {
		keep = 1
		mapDims = dims(sp.batch, dv(1), dp("h"), dp("w"))
	}
	axes := []int64{1, 2}
	if sp.mapRank4 {
		axes = []int64{1, 2, 3}
	}
	var g []byte
	x := sp.inputName
	if sp.inputType != onnxFloat {
		// Conv needs weights of the input's type: cast the input to float.
		g = pbBytes(g, 1, node("Cast", []string{x}, []string{"xf"}, attrI("to", onnxFloat)))
		x = "xf"
	}
	g = pbBytes(g, 1, node("Conv", []string{x, "W", "B"}, []string{"y"}, attrIs("kernel_shape", 1, 1)))
	g = pbBytes(g, 1, node("AveragePool", []string{"y"}, []string{"pooled"},
		attrIs("kernel_shape", sp.patch, sp.patch), attrIs("strides", sp.patch, sp.patch)))
	g = pbBytes(g, 1, node("ReduceMean", []string{"pooled"}, []string{MapName}, attrIs("axes", 1), attrI("keepdims", keep)))
	g = pbBytes(g, 1, node("ReduceMax", []string{MapName}, []string{"mx"}, attrIs("axes", axes...), attrI("keepdims", 0)))
	g = pbBytes(g, 1, node("Sigmoid", []string{"mx"}, []string{ScoreName}))
	g = pbString(g, 2, "dive_test")
	g = pbBytes(g, 5, floatTensor("W", []int64{1, 3, 1, 1}, sp.weights[:]))
	g = pbBytes(g, 5, floatTensor("B", []int64{1}, []float32{sp.bias}))
	g = pbBytes(g, 11, valueInfo(sp.inputName, sp.inputType, dims(sp.batch, dv(3), sp.s, s2)))
	if sp.extraInput {
		g = pbBytes(g, 11, valueInfo("temperature", onnxFloat, dims(dv(1))))
	}
	if !sp.noScore {
		g = pbBytes(g, 12, valueInfo(ScoreName, onnxFloat, dims(sp.batch)))
	} else {
		g = pbBytes(g, 12, valueInfo("mx", onnxFloat, dims(sp.batch)))
	}
	g = pbBytes(g, 12, valueInfo(MapName, onnxFloat, mapDims))

	var opset []byte
	opset = pbString(opset, 1, "")
	opset = pbVarint(opset, 2, 17)
	var m []byte
	m = pbVarint(m, 1, 8)
	m = pbString(m, 2, "zsadbench-dive-test")
	m = pbBytes(m, 7, g)
	m = pbBytes(m, 8, opset)
	return m
}

func writeModel(t testing.TB, sp testModelSpec) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "model.onnx")
	if err := os.WriteFile(p, encodeModel(sp), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// referenceOutputs computes the toy model in float64 on a pre-processed
// [3,s,s] tensor: the raw map (h x w) and the image score.
func referenceOutputs(sp testModelSpec, x []float32, s int) ([]float32, int, int, float64) {
	p := int(sp.patch)
	h := (s-p)/p + 1
	plane := s * s
	raw := make([]float32, h*h)
	mx := math.Inf(-1)
	for by := 0; by < h; by++ {
		for bx := 0; bx < h; bx++ {
			sum := 0.0
			for y := by * p; y < by*p+p; y++ {
				for xx := bx * p; xx < bx*p+p; xx++ {
					i := y*s + xx
					v := float64(sp.bias)
					for c := 0; c < 3; c++ {
						v += float64(sp.weights[c]) * float64(x[c*plane+i])
					}
					sum += v
				}
			}
			v := sum / float64(p*p)
			raw[by*h+bx] = float32(v)
			mx = math.Max(mx, v)
		}
	}
	return raw, h, h, 1 / (1 + math.Exp(-mx))
}
