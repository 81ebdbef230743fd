package tracker

import (
	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/internal/maskgen"

	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTrackerMatchesLabel switches pixels on in random order and compares
// every region's area and best match with a labelling from scratch.
func TestTrackerMatchesLabel(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	var tr Tracker
	for trial := 0; trial < 500; trial++ {
		mask, w, h := maskgen.Grid(rng)
		c := []connected.Connectivity{connected.Eight, connected.Four}[rng.IntN(2)]
		gt, _ := connected.Label(mask, w, h, c)
		tr.Reset(w, h, c, gt)
		order := rng.Perm(w * h)
		on := make([]bool, w*h)
		for step, p := range order {
			before := tr.Regions()
			_, joined, overlapping := tr.Add(tr.Index(p))
			if tr.Regions() != before+1-joined || len(overlapping) > joined {
				t.Fatalf("trial %d step %d: %d regions after %d, %d joined, %d overlapping", trial, step, tr.Regions(), before, joined, len(overlapping))
			}
			if r := tr.Find(tr.Index(p)); len(overlapping) > 0 && !tr.Overlaps(r) {
				t.Fatalf("trial %d step %d: absorbed %d regions that overlap ground truth, but the region does not", trial, step, len(overlapping))
			}
			on[p] = true
			if step%3 != 0 && step != len(order)-1 {
				continue
			}
			labels, n := connected.Label(on, w, h, c)
			if tr.Regions() != n {
				t.Fatalf("trial %d step %d: %d regions, want %d", trial, step, tr.Regions(), n)
			}
			area := make([]int32, n+1)
			ov := make([]map[int32]int32, n+1)
			for q, l := range labels {
				if l == 0 {
					continue
				}
				area[l]++
				if gt[q] != 0 {
					if ov[l] == nil {
						ov[l] = map[int32]int32{}
					}
					ov[l][gt[q]]++
				}
			}
			for q, l := range labels {
				if l == 0 {
					continue
				}
				m := tr.Region(tr.Find(tr.Index(q)))
				best, bestN := int32(0), int32(0)
				for g, k := range ov[l] {
					if k > bestN || (k == bestN && g < best) {
						best, bestN = g, k
					}
				}
				if m.Area != area[l] || m.Best != best || m.Overlap != bestN {
					t.Fatalf("trial %d step %d pixel %d: got %+v, want area %d best %d overlap %d", trial, step, q, m, area[l], best, bestN)
				}
			}
		}
	}
}

// TestAddCountMatchesLabel switches pixels on in random order with
// AddCount and compares the number of regions with a labelling from scratch.
func TestAddCountMatchesLabel(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var tr Tracker
	for trial := 0; trial < 500; trial++ {
		_, w, h := maskgen.Grid(rng)
		c := []connected.Connectivity{connected.Eight, connected.Four}[rng.IntN(2)]
		tr.Reset(w, h, c, nil)
		on := make([]bool, w*h)
		regions := 0
		for _, p := range rng.Perm(w * h) {
			regions += tr.AddCount(tr.Index(p))
			on[p] = true
			if _, n := connected.Label(on, w, h, c); regions != n || tr.Regions() != n {
				t.Fatalf("trial %d: %d regions (tracker %d), want %d", trial, regions, tr.Regions(), n)
			}
		}
	}
}

// TestAddOutsideFramePanics: an index in the frame's top or bottom row or
// beyond it panics (the neighbour loads are unchecked, so groups checks
// the index), and so does a pixel switched on twice.
func TestAddOutsideFramePanics(t *testing.T) {
	var tr Tracker
	tr.Reset(3, 2, connected.Eight, nil)
	frame := (3 + 2) * (2 + 2)
	for _, q := range []int32{-1, 0, 4, int32(frame) - 5, int32(frame) - 1, int32(frame), 1 << 30} {
		for _, add := range []func(int32){func(q int32) { tr.Add(q) }, func(q int32) { tr.AddCount(q) }} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("index %d (not a pixel of a 3x2 image) did not panic", q)
					}
				}()
				tr.Reset(3, 2, connected.Eight, nil)
				add(q)
			}()
		}
	}
	// An image without rows of pixels has no index to add.
	for _, size := range [][2]int{{0, 0}, {3, 0}} {
		for _, q := range []int32{0, 1, 2, 3, 7, 100} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("index %d of a %dx%d image did not panic", q, size[0], size[1])
					}
				}()
				tr.Reset(size[0], size[1], connected.Eight, nil)
				tr.AddCount(q)
			}()
		}
	}
	tr.Reset(3, 2, connected.Eight, nil)
	tr.AddCount(tr.Index(4))
	defer func() {
		if recover() == nil {
			t.Error("a pixel switched on twice did not panic")
		}
	}()
	tr.AddCount(tr.Index(4))
}

func ExampleTracker() {
	// Ground truth: one region of two pixels in a 4x1 image.
	gt := []int32{0, 1, 1, 0}
	tr := NewTracker(4, 1, connected.Eight, gt)
	tr.Add(tr.Index(0))
	root, _, _ := tr.Add(tr.Index(1))
	fmt.Printf("%+v\n", tr.Region(root))
	root, _, _ = tr.Add(tr.Index(3))
	fmt.Println(tr.Regions(), tr.Region(root).Best)
	// Output:
	// {Area:2 Best:1 Overlap:1}
	// 2 0
}

// Switching on every pixel of 100 images of 256x256 in random order.
func BenchmarkTracker100x256(b *testing.B) {
	masks := maskgen.Squares(100, 256)
	order := rand.New(rand.NewPCG(1, 1)).Perm(256 * 256)
	var tr Tracker
	b.ResetTimer()
	for range b.N {
		for _, m := range masks {
			gt, _ := connected.Label(m, 256, 256, connected.Eight)
			tr.Reset(256, 256, connected.Eight, gt)
			for _, p := range order {
				tr.Add(tr.Index(p))
			}
		}
	}
}

// Counting the regions of 100 noisy 256x256 images (AddCount) while their
// pixels switch on in a random order, as a noisy map's sorted scores do.
func BenchmarkAddCount100x256(b *testing.B) {
	order := rand.New(rand.NewPCG(1, 1)).Perm(256 * 256)
	var tr Tracker
	tr.Reset(256, 256, connected.Eight, nil)
	q := make([]int32, len(order))
	for i, p := range order {
		q[i] = tr.Index(p)
	}
	b.ResetTimer()
	for range b.N {
		for range 100 {
			tr.Reset(256, 256, connected.Eight, nil)
			for _, p := range q {
				tr.AddCount(p)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(100*256*256), "ns/px")
}
