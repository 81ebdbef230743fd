package metric

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestParseGrid(t *testing.T) {
	for _, s := range []string{"exact", "steps:1", "steps:200"} {
		g, err := ParseGrid(s)
		if err != nil || g.String() != s {
			t.Errorf("ParseGrid(%q) = %v, %v", s, g, err)
		}
	}
	for _, s := range []string{"", "steps:0", "steps:-3", "steps:x", "Exact", "steps:"} {
		if _, err := ParseGrid(s); err == nil {
			t.Errorf("ParseGrid(%q): no error", s)
		}
	}
}

// TestStepThresholds checks the NumPy arange rule, including its N+1 case.
func TestStepThresholds(t *testing.T) {
	if StepThresholds(1, 1, 200) != nil {
		t.Error("thresholds for a constant map")
	}
	if StepThresholds(-3e38, 3e38, 200) != nil {
		t.Error("thresholds for a range that overflows float32")
	}
	n1 := 0
	for i := 0; i < 2000; i++ {
		lo := float32(math.Sin(float64(i))) / 2
		hi := lo + float32(1+i%7)/float32(3+i%11)
		ts := StepThresholds(lo, hi, 200)
		diff := float64(hi - lo) // float32 subtraction
		step := diff / 200
		if want := int(math.Ceil(diff / step)); len(ts) != want {
			t.Fatalf("lo %v hi %v: %d thresholds, want %d", lo, hi, len(ts), want)
		}
		if len(ts) == 201 {
			n1++
		}
		d := (float64(lo) + step) - float64(lo)
		for k, v := range ts {
			if v != float32(float64(lo)+float64(k)*d) {
				t.Fatalf("threshold %d = %v", k, v)
			}
		}
	}
	if n1 == 0 {
		t.Error("no N+1 case among 2000 ranges")
	}
}

// TestStepThresholdsNumPy pins ranges where the float32 difference hi - lo
// (what the published scripts compute) is inexact, to values printed by
// np.arange(lo, hi, (hi - lo) / 200) under NumPy 1.24 with float32 lo, hi. A
// float64 difference gives another count or other thresholds.
func TestStepThresholdsNumPy(t *testing.T) {
	for _, c := range []struct {
		lo, hi float32
		count  int
		last   map[int]float32 // float32(t_k)
	}{
		// 201 values, the last above hi; a float64 difference gives 200.
		{-5.107812881469727, 2.095435857772827, 201, map[int]float32{200: 2.0954360961914062}},
		// 200 values; a float64 difference gives 201.
		{-9.754899024963379, 3.501863956451416, 200, map[int]float32{199: 3.4355807304382324}},
		// The same count, but thresholds 198 and 199 round to other float32s
		// (7.723529815673828 and 7.813039302825928 from a float64 difference).
		{-9.999403953552246, 7.9025492668151855, 200, map[int]float32{198: 7.72352933883667, 199: 7.8130388259887695}},
	} {
		ts := StepThresholds(c.lo, c.hi, 200)
		if len(ts) != c.count {
			t.Errorf("lo %v hi %v: %d thresholds, want %d", c.lo, c.hi, len(ts), c.count)
			continue
		}
		for k, want := range c.last {
			if ts[k] != want {
				t.Errorf("lo %v hi %v: threshold %d = %v, want %v", c.lo, c.hi, k, ts[k], want)
			}
		}
	}
}

func TestValueJSON(t *testing.T) {
	b, _ := json.Marshal([]Value{Defined(0.25), NoValue("AUROC", "no anomalous sample")})
	if string(b) != "[0.25,null]" {
		t.Errorf("JSON = %s", b)
	}
	var v []Value
	if err := json.Unmarshal(b, &v); err != nil || !v[0].OK() || v[0].V != 0.25 || v[1].OK() {
		t.Errorf("round trip = %+v, %v", v, err)
	}
	if !IsUndefined(v[1].Err) {
		t.Error("null does not read back as undefined")
	}
}

func TestImageValidate(t *testing.T) {
	im := Image{Name: "a.npy", Width: 2, Height: 1, Scores: []float32{0, float32(math.NaN())}}
	if err := im.Validate(); err == nil {
		t.Error("NaN accepted")
	}
	im.Scores[1] = 1
	im.Mask = []bool{true}
	if err := im.Validate(); err == nil {
		t.Error("short mask accepted")
	}
	im.Mask = []bool{false, true}
	if err := im.Validate(); err != nil || !im.Anomalous() || im.ImageScore() != 1 {
		t.Errorf("valid image: %v", err)
	}
	im.Label = LabelNormal
	if im.Anomalous() {
		t.Error("Label does not override the mask")
	}
}

func TestExtent(t *testing.T) {
	var e Extent
	e.Include([]Image{{Width: 2, Height: 1, Scores: []float32{-1, float32(math.NaN())}}})
	e.Include([]Image{{Width: 1, Height: 3, Scores: []float32{0.5, 4, 2}}})
	e.Include([]Image{{Width: 2, Height: 1, Scores: []float32{float32(math.Inf(1)), float32(math.Inf(-1))}}})
	if e.Lo != -1 || e.Hi != 4 || e.MaxPixels != 3 || e.Pixels != 7 {
		t.Errorf("extent %+v", e)
	}
	if (&Category{}).Extent() != (Extent{}) {
		t.Error("extent of no image is not the zero value")
	}
	cat := &Category{Images: []Image{
		{Width: 2, Height: 1, Scores: []float32{-1, 3}},
		{Width: 1, Height: 3, Scores: []float32{0.5, 4, 2}},
	}}
	if got, want := cat.ExtentFor(Exact), (Extent{MaxPixels: 3, Pixels: 5}); got != want {
		t.Errorf("sizes %+v, want %+v", got, want)
	}
	if e := cat.ExtentFor(Steps(10)); e.Lo != -1 || e.Hi != 4 || e.MaxPixels != 3 || e.Pixels != 5 {
		t.Errorf("parallel extent %+v", e)
	}
}

// TestMaskWalk compares AnomalousPixels, NextAnomalous and Anomalous with
// plain loops over random masks of every density.
func TestMaskWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for trial := range 200 {
		n := rng.IntN(100)
		density := rng.Float64()
		im := Image{Mask: make([]bool, n)}
		if trial%10 == 0 {
			im.Mask = nil
		}
		var want []int
		for p := range im.Mask {
			if im.Mask[p] = rng.Float64() < density; im.Mask[p] {
				want = append(want, p)
			}
		}
		var got []int
		for p := im.NextAnomalous(0); p >= 0; p = im.NextAnomalous(p + 1) {
			got = append(got, p)
		}
		if !slices.Equal(got, want) || im.AnomalousPixels() != len(want) || im.Anomalous() != (len(want) > 0) {
			t.Fatalf("trial %d: walk %v, count %d, anomalous %v; want %v", trial, got, im.AnomalousPixels(), im.Anomalous(), want)
		}
		if im.NextAnomalous(n+5) != -1 {
			t.Fatalf("trial %d: NextAnomalous past the end", trial)
		}
	}
}
