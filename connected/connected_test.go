package connected

import (
	"fmt"
	"github.com/zsadbench/zsadbench/internal/maskgen"
	"math/rand/v2"
	"slices"
	"testing"
)

// floodLabel is a plain breadth-first reference labelling.
func floodLabel(on []bool, w, h int, c Connectivity) ([]int32, int) {
	labels := make([]int32, len(on))
	n := 0
	for start := range on {
		if !on[start] || labels[start] != 0 {
			continue
		}
		n++
		labels[start] = int32(n)
		queue := []int{start}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			x, y := p%w, p/w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if (dx == 0 && dy == 0) || (c == Four && dx != 0 && dy != 0) {
						continue
					}
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					q := ny*w + nx
					if on[q] && labels[q] == 0 {
						labels[q] = int32(n)
						queue = append(queue, q)
					}
				}
			}
		}
	}
	return labels, n
}

func TestLabelMatchesFloodFill(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 3000; trial++ {
		on, w, h := maskgen.Grid(rng)
		for _, c := range []Connectivity{Eight, Four} {
			got, gn := Label(on, w, h, c)
			want, wn := floodLabel(on, w, h, c)
			if gn != wn {
				t.Fatalf("trial %d conn %d: %d regions, want %d", trial, c, gn, wn)
			}
			for p := range got {
				if got[p] != want[p] {
					t.Fatalf("trial %d conn %d: pixel %d label %d, want %d", trial, c, p, got[p], want[p])
				}
			}
		}
	}
}

func TestDiagonalConnectivity(t *testing.T) {
	on := []bool{
		true, false,
		false, true,
	}
	if _, n := Label(on, 2, 2, Eight); n != 1 {
		t.Errorf("8-connectivity: %d regions, want 1", n)
	}
	if _, n := Label(on, 2, 2, Four); n != 2 {
		t.Errorf("4-connectivity: %d regions, want 2", n)
	}
}

func ExampleLabel() {
	on := []bool{
		true, false, false, true,
		false, true, false, true,
		false, false, false, false,
	}
	labels, n := Label(on, 4, 3, Eight)
	fmt.Println(n, labels)
	labels, n = Label(on, 4, 3, Four)
	fmt.Println(n, labels)
	// Output:
	// 2 [1 0 0 2 0 1 0 2 0 0 0 0]
	// 3 [1 0 0 2 0 3 0 2 0 0 0 0]
}

// Labelling 100 masks of 256x256.
func BenchmarkLabel100x256(b *testing.B) {
	masks := maskgen.Squares(100, 256)
	b.ResetTimer()
	for range b.N {
		for _, m := range masks {
			Label(m, 256, 256, Eight)
		}
	}
}

// TestLabelerReuse labels random grids of varying sizes with one Labeler
// and compares each with a fresh Label.
func TestLabelerReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	var lb Labeler
	for trial := range 300 {
		mask, w, h := maskgen.Grid(rng)
		c := []Connectivity{Eight, Four}[rng.IntN(2)]
		want, wn := Label(mask, w, h, c)
		got, n := lb.Label(mask, w, h, c)
		if n != wn || !slices.Equal(got, want) {
			t.Fatalf("trial %d: reused Labeler gives %d regions %v, want %d %v", trial, n, got, wn, want)
		}
	}
}
