package curve

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// sameBits reports whether a and b hold bit-identical values.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func randomFloat(rng *rand.Rand) float64 {
	for {
		// Any finite float64 bit pattern: subnormals, huge exponents, -0.
		v := math.Float64frombits(rng.Uint64())
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v
		}
	}
}

func TestCSVRoundTripExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		n := rng.IntN(200)
		var c Curve
		for i := range n {
			var th, x, y float64
			switch rng.IntN(3) {
			case 0: // the fractions a metric produces
				th, x, y = rng.Float64(), rng.Float64(), rng.Float64()
			case 1: // anything
				th, x, y = randomFloat(rng), randomFloat(rng), randomFloat(rng)
			default: // float32 scores widened to float64, as maps give
				th, x, y = float64(rng.Float32()), float64(i)/float64(n), 1/float64(i+1)
			}
			if i == 0 {
				th = math.Inf(1)
			}
			if i == n-1 && n > 1 {
				th = math.Inf(-1)
			}
			if rng.IntN(20) == 0 {
				x = math.Copysign(0, -1)
			}
			c.Append(th, x, y)
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, c); err != nil {
			t.Fatalf("trial %d: WriteCSV: %v", trial, err)
		}
		got, err := ReadCSV(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("trial %d: ReadCSV: %v\n%s", trial, err, buf.String())
		}
		if !sameBits(got.Threshold, c.Threshold) || !sameBits(got.X, c.X) || !sameBits(got.Y, c.Y) {
			t.Fatalf("trial %d: round trip differs\nwant %v\ngot  %v", trial, c, got)
		}
	}
}

func TestWriteCSVFormat(t *testing.T) {
	c := Curve{
		Threshold: []float64{math.Inf(1), 0.5, 0.1, math.Inf(-1)},
		X:         []float64{0, 0.25, 1.0 / 3, 1},
		Y:         []float64{0, 1e-20, 0.75, 1},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, c); err != nil {
		t.Fatal(err)
	}
	want := "threshold,x,y\n" +
		"inf,0,0\n" +
		"0.5,0.25,1e-20\n" +
		"0.1,0.3333333333333333,0.75\n" +
		"-inf,1,1\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}

	buf.Reset()
	if err := WriteCSV(&buf, Curve{}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "threshold,x,y\n" {
		t.Errorf("empty curve: got %q", buf.String())
	}
	got, err := ReadCSV(&buf)
	if err != nil || got.Len() != 0 {
		t.Errorf("empty curve read back: %v, %v", got, err)
	}
}

func TestWriteCSVRejectsNonFinite(t *testing.T) {
	for _, tc := range []struct {
		name    string
		t, x, y float64
		want    string
	}{
		{"nan threshold", math.NaN(), 0, 0, "point 1: threshold is NaN"},
		{"nan x", 0.5, math.NaN(), 0, "point 1: (x, y) = (NaN, 0) is not finite"},
		{"inf y", 0.5, 0, math.Inf(1), "point 1: (x, y) = (0, +Inf) is not finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Curve
			c.Append(math.Inf(1), 0, 0)
			c.Append(tc.t, tc.x, tc.y)
			err := WriteCSV(&bytes.Buffer{}, c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestWriteCSVPanicsOnLengthMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	WriteCSV(&bytes.Buffer{}, Curve{Threshold: []float64{1}, X: []float64{0, 1}, Y: []float64{0, 1}})
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestWriteCSVWriterError(t *testing.T) {
	var c Curve
	for i := range 10000 {
		c.Append(float64(i), 0.5, 0.5)
	}
	err := WriteCSV(failWriter{}, c)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v", err)
	}
}

func TestReadCSVLenient(t *testing.T) {
	in := "\ufeffthreshold,x,y\r\n Inf , 0,0\r\n0.5,0.5,0.25\r\n-INF,1,1"
	c, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := Curve{
		Threshold: []float64{math.Inf(1), 0.5, math.Inf(-1)},
		X:         []float64{0, 0.5, 1},
		Y:         []float64{0, 0.25, 1},
	}
	if !sameBits(c.Threshold, want.Threshold) || !sameBits(c.X, want.X) || !sameBits(c.Y, want.Y) {
		t.Errorf("got %v, want %v", c, want)
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "line 1: empty file"},
		{"bad header", "t,x,y\n", `line 1: header is "t,x,y"`},
		{"header order", "x,y,threshold\n", "line 1: header"},
		{"two fields", "threshold,x,y\n1,2\n", "line 2: 2 fields"},
		{"one field", "threshold,x,y\n0,0,0\n1\n", "line 3: 1 fields"},
		{"four fields", "threshold,x,y\n1,2,3,4\n", "line 2: more than 3 fields"},
		{"trailing comma", "threshold,x,y\n1,2,\n", `line 2: y "" is not a number`},
		{"not a number", "threshold,x,y\n1,abc,0\n", `line 2: x "abc" is not a number`},
		{"blank line", "threshold,x,y\n1,0,0\n\n2,0,0\n", "line 3: blank line"},
		{"nan threshold", "threshold,x,y\nnan,0,0\n", "line 2: threshold is NaN"},
		{"inf x", "threshold,x,y\n1,inf,0\n", "line 2: x = +Inf is not finite"},
		{"overflow y", "threshold,x,y\n1,0,-1e999\n", "line 2: y = -Inf is not finite"},
		{"nan y", "threshold,x,y\n1,0,NaN\n", "line 2: y = NaN is not finite"},
		{"long line", "threshold,x,y\n0,0,0\n" + strings.Repeat("1", 5000) + ",0,0\n", "line 3: longer than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadCSVOverflowThresholdIsInf(t *testing.T) {
	c, err := ReadCSV(strings.NewReader("threshold,x,y\n1e999,0,0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(c.Threshold[0], 1) {
		t.Errorf("threshold = %v, want +Inf", c.Threshold[0])
	}
}

func TestFileName(t *testing.T) {
	for _, kind := range Kinds() {
		for _, cat := range []string{"bottle", "metal_nut", "a_image-roc", "pcb1"} {
			name := FileName(cat, kind)
			if want := cat + "_" + string(kind) + ".csv"; name != want {
				t.Errorf("FileName(%q, %q) = %q, want %q", cat, kind, name, want)
			}
			c, k, ok := ParseFileName(name)
			if !ok || c != cat || k != kind {
				t.Errorf("ParseFileName(%q) = %q, %q, %v", name, c, k, ok)
			}
		}
	}
	for _, name := range []string{"bottle.csv", "_pro-rc.csv", "bottle_pro-rc.CSV", "bottle_roc.csv", "bottle-pro-rc.csv", "bottle_pro-rc.csv.bak"} {
		if c, k, ok := ParseFileName(name); ok {
			t.Errorf("ParseFileName(%q) = %q, %q, true; want not ok", name, c, k)
		}
	}
	for _, k := range []Kind{"roc", "", "PRO-RC"} {
		if k.Valid() {
			t.Errorf("%q is valid", k)
		}
	}
}

func TestParseKind(t *testing.T) {
	for in, want := range map[string]Kind{"roc": PixelROC, "pr": PixelPR, "pro-rc": PRORC, "image-roc": ImageROC} {
		if k, err := ParseKind(in); err != nil || k != want {
			t.Errorf("ParseKind(%q) = %q, %v; want %q", in, k, err, want)
		}
	}
	for _, in := range []string{"", "PRO-RC", "aupro"} {
		if _, err := ParseKind(in); err == nil {
			t.Errorf("ParseKind(%q): no error", in)
		}
	}
	for _, k := range Kinds() {
		if x, y := k.Axes(); x == "" || y == "" || k.Metric() == "" {
			t.Errorf("%q: axes %q, %q, metric %q", k, x, y, k.Metric())
		}
	}
}

func TestFileNamePanics(t *testing.T) {
	for _, args := range [][2]string{{"bottle", "roc"}, {"", string(PRORC)}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("FileName(%q, %q) did not panic", args[0], args[1])
				}
			}()
			FileName(args[0], Kind(args[1]))
		}()
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("threshold,x,y\ninf,0,0\n0.5,0.5,0.5\n-inf,1,1\n"))
	f.Add([]byte("threshold,x,y\n"))
	f.Add([]byte("threshold,x,y\r\n1,2\r\n"))
	f.Add([]byte("\ufeffthreshold,x,y\n1e999,-0,0x1p-2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever ReadCSV accepts, WriteCSV writes and ReadCSV reads back
		// bit for bit.
		var buf bytes.Buffer
		if err := WriteCSV(&buf, c); err != nil {
			t.Fatalf("WriteCSV of an accepted curve: %v", err)
		}
		d, err := ReadCSV(&buf)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if !sameBits(c.Threshold, d.Threshold) || !sameBits(c.X, d.X) || !sameBits(c.Y, d.Y) {
			t.Fatalf("re-read differs")
		}
	})
}

func ExampleWriteCSV() {
	var c Curve
	c.Append(math.Inf(1), 0, 0)
	c.Append(0.8, 0.25, 0.5)
	c.Append(math.Inf(-1), 1, 1)
	if err := WriteCSV(os.Stdout, c); err != nil {
		fmt.Println(err)
	}
	fmt.Println(FileName("metal_nut", PRORC))
	// Output:
	// threshold,x,y
	// inf,0,0
	// 0.8,0.25,0.5
	// -inf,1,1
	// metal_nut_pro-rc.csv
}
