package curve

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestImagesRoundTrip: ReadImagesCSV(WriteImagesCSV(im)) == im bit for bit,
// keys with commas and quotes included.
func TestImagesRoundTrip(t *testing.T) {
	im := Images{
		Keys: []string{"bolt/test/crack/000.png", `odd,"key"`, "c"},
		Curves: []Curve{
			{Threshold: []float64{math.Inf(1), 0.9, 0.1}, X: []float64{0, 1.5e-6, 3.25e-4}, Y: []float64{0, 0.25, 1}},
			{Threshold: []float64{0.7}, X: []float64{math.Copysign(0, -1)}, Y: []float64{1.0 / 3}},
			{Threshold: []float64{0.5, math.Inf(-1)}, X: []float64{1e-5, 1}, Y: []float64{0.1, 1}},
		},
	}
	var b bytes.Buffer
	if err := WriteImagesCSV(&b, im); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "image,threshold,x,y\nbolt/test/crack/000.png,inf,0,0\n") {
		t.Errorf("file starts:\n%s", b.String())
	}
	got, err := ReadImagesCSV(&b)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(im, got); d != "" || math.Signbit(got.Curves[1].X[0]) != true {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if err := WriteImagesCSV(&b, Images{Keys: []string{"a"}, Curves: []Curve{{Threshold: []float64{1}, X: []float64{math.NaN()}, Y: []float64{0}}}}); err == nil {
		t.Error("a NaN x was written")
	}
}

func TestReadImagesCSVErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "line 1: empty file"},
		{"threshold,x,y\n", "line 1: header"},
		{"image,threshold,x,y\na,1,0\n", "line 2: 3 fields"},
		{"image,threshold,x,y\n,1,0,0\n", "line 2: no image key"},
		{"image,threshold,x,y\na,1,0,0\nb,1,0,0\na,0,1,1\n", `line 4: image "a" again`},
		{"image,threshold,x,y\na,x,0,0\n", "line 2: threshold"},
		{"image,threshold,x,y\na,nan,0,0\n", "line 2: threshold is NaN"},
		{"image,threshold,x,y\na,1,inf,0\n", "line 2: (x, y)"},
		{"image,threshold,x,y\n" + strings.Repeat("a", 5000) + ",1,0,0\n", "line 2: longer than 4096"},
		{"image,threshold,x,y\n\"a,1,0,0\n", "line 2"},
	} {
		_, err := ReadImagesCSV(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
	if im, err := ReadImagesCSV(strings.NewReader("image,threshold,x,y\n")); err != nil || len(im.Keys) != 0 {
		t.Errorf("header only: %v, %v", im, err)
	}
}

func FuzzReadImagesCSV(f *testing.F) {
	f.Add([]byte("image,threshold,x,y\na,inf,0,0\na,0.5,1e-5,0.5\nb,1,0,1\n"))
	f.Add([]byte("image,threshold,x,y\n\"a\"\"b\",1,0,0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := ReadImagesCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteImagesCSV(&b, im); err != nil {
			t.Fatalf("a file read back does not write: %v", err)
		}
		again, err := ReadImagesCSV(&b)
		if err != nil {
			t.Fatalf("written file does not read: %v", err)
		}
		if len(again.Keys) != len(im.Keys) {
			t.Fatalf("%d images, then %d", len(im.Keys), len(again.Keys))
		}
	})
}

// TestSimplifyPIMO: a PIMO curve thins on its log axis, within tol of
// [PIMOXMin, PIMOXMax]'s width in log10 and in y.
func TestSimplifyPIMO(t *testing.T) {
	var c Curve
	for i := range 2000 {
		x := math.Pow(10, -7+4.5*float64(i)/1999)
		c.Append(float64(2000-i), x, math.Min(1, math.Sqrt(float64(i)/1999)))
	}
	th := Simplify(c, PIMO, 1e-3, Rule{})
	if th.Len() >= c.Len()/4 || th.Len() < 5 {
		t.Fatalf("kept %d of %d points", th.Len(), c.Len())
	}
	ax, tx := pimoAxis(c.X), pimoAxis(th.X)
	for i := range c.X {
		if c.X[i] <= PIMOXMin {
			continue // left of the axis
		}
		// y of the kept polyline at this point's axis position
		k := 0
		for k+1 < th.Len() && tx[k+1] < ax[i] {
			k++
		}
		if k+1 >= th.Len() || tx[k+1] == tx[k] {
			continue
		}
		y := th.Y[k] + (th.Y[k+1]-th.Y[k])*(ax[i]-tx[k])/(tx[k+1]-tx[k])
		if math.Abs(y-c.Y[i]) > 2e-3 {
			t.Fatalf("point %d: y %v, kept polyline %v", i, c.Y[i], y)
		}
	}
	if _, ok := Area(c, PIMO, Rule{}); ok {
		t.Error("Area of a PIMO curve")
	}
	if k, err := ParseKind("pimo"); err != nil || k != PIMO || k.Metric() != "AUPIMO" {
		t.Errorf("ParseKind(pimo) = %v, %v", k, err)
	}
	if c, k, ok := ParseFileName("metal_nut_pimo.csv"); !ok || c != "metal_nut" || k != PIMO {
		t.Errorf("ParseFileName: %q %q %v", c, k, ok)
	}
}
