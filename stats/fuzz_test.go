package stats

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzStats: every test accepts any finite input without panicking and
// returns p-values in [0, 1] and ordered intervals.
func FuzzStats(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18})
	f.Add([]byte{0, 0, 0, 0, 255, 255, 255, 255, 1, 1, 1, 1, 128, 128, 7, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		// Three values per sample: a label bit and two scores, quantised
		// so that ties are common, or raw float64 bits when finite.
		var pos []bool
		var a, b []float64
		for len(data) >= 3 {
			pos = append(pos, data[0]&1 != 0)
			a = append(a, score(data[1], data[0]))
			b = append(b, score(data[2], data[0]>>1))
			data = data[3:]
		}
		if len(data) == 2 {
			if v := math.Float64frombits(uint64(binary.LittleEndian.Uint16(data)) << 48); !math.IsNaN(v) && !math.IsInf(v, 0) && len(a) > 0 {
				a[0] = v
			}
		}
		p01 := func(what string, p float64) {
			if !(p >= 0 && p <= 1) {
				t.Fatalf("%s p = %v", what, p)
			}
		}
		if d, err := DeLongTest(pos, a, b); err == nil {
			p01("DeLong", d.P)
			if lo, hi := d.Interval(0.95); lo > hi {
				t.Fatalf("DeLong interval [%v, %v]", lo, hi)
			}
			if d.AUCA < 0 || d.AUCA > 1 || d.AUCB < 0 || d.AUCB > 1 {
				t.Fatalf("AUCs %v %v", d.AUCA, d.AUCB)
			}
		}
		diff := make([]float64, len(a))
		for i := range a {
			diff[i] = a[i] - b[i]
		}
		p01("Wilcoxon", WilcoxonTest(diff, AUPIMOTolerance).P)
		if p, ok := BootstrapP(diff); ok {
			p01("bootstrap", p)
		}
		for i, h := range Holm(b) { // b is in [0, 1]: p-values
			if h < b[i] || h > 1 {
				t.Fatalf("Holm %v of %v", h, b[i])
			}
		}
		if lo, hi, _, ok := PercentileInterval(diff, 0.9); ok && lo > hi {
			t.Fatalf("interval [%v, %v]", lo, hi)
		}
	})
}

func score(b, mode byte) float64 {
	if mode&4 != 0 {
		return float64(b%8) / 8
	}
	return float64(b) / 255
}
