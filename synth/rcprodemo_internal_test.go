package synth

import (
	"math"
	"testing"

	"github.com/zsadbench/zsadbench/connected"
)

// The distance transform agrees with brute force: every pixel's squared
// distance to the nearest true pixel, and a nearest pixel at that distance.
func TestDistanceTransform(t *testing.T) {
	r := newRNG(5)
	var dt distance
	for i := range 60 {
		w, h := 1+r.IntN(23), 1+r.IntN(23)
		on := make([]bool, w*h)
		density := []float64{0, 0.002, 0.05, 0.3, 1}[i%5]
		for k := range on {
			on[k] = r.Float64() < density
		}
		dist := make([]float64, w*h)
		near := make([]int32, w*h)
		dt.transform(on, w, h, dist, near)
		for p := range on {
			want := math.Inf(1)
			for q, o := range on {
				if o {
					dx, dy := p%w-q%w, p/w-q/w
					want = min(want, float64(dx*dx+dy*dy))
				}
			}
			if dist[p] != want {
				t.Fatalf("%dx%d, pixel %d: squared distance %v, want %v", w, h, p, dist[p], want)
			}
			switch q := int(near[p]); {
			case math.IsInf(want, 1):
				if q != -1 {
					t.Fatalf("%dx%d, pixel %d: nearest %d in an empty grid", w, h, p, q)
				}
			case q < 0 || !on[q]:
				t.Fatalf("%dx%d, pixel %d: nearest %d is not on", w, h, p, q)
			default:
				if dx, dy := p%w-q%w, p/w-q/w; float64(dx*dx+dy*dy) != want {
					t.Fatalf("%dx%d, pixel %d: nearest %d is at %d, want %v", w, h, p, q, dx*dx+dy*dy, want)
				}
			}
		}
	}
}

// haloRadii picks, for each defect of Generate's masks, the smallest radius
// within which HaloFactor times its area of the pixels nearest to it lie.
func TestHaloRadii(t *testing.T) {
	p, err := newPlan(Options{Names: []string{"c"}, Images: 12, Size: 96, Seed: 4, AnomalousFraction: 1})
	if err != nil {
		t.Fatal(err)
	}
	var d demoWorkspace
	checked := 0
	for k := range p.total() {
		d.reset(p.size)
		p.render(k, &d.ws, &d.img)
		mask := d.img.Mask
		labels, regions := connected.Label(mask, p.size, p.size, connected.Eight)
		d.dt.transform(mask, p.size, p.size, d.dist, d.near)
		radius2 := d.haloRadii(labels, regions, mask)
		area := make([]int, regions+1)
		within := make([]int, regions+1) // outside defects, dist <= radius
		inside := make([]int, regions+1) // outside defects, dist < radius
		around := make([]int, regions+1) // outside defects, nearest to it
		for i, m := range mask {
			if m {
				area[labels[i]]++
				continue
			}
			j := labels[d.near[i]]
			around[j]++
			if d.dist[i] <= radius2[j] {
				within[j]++
			}
			if d.dist[i] < radius2[j] {
				inside[j]++
			}
		}
		for j := 1; j <= regions; j++ {
			want := min(HaloFactor*area[j], around[j])
			if within[j] < want || inside[j] >= want {
				t.Errorf("image %d, defect %d of %d pixels: radius^2 %v holds %d pixels (%d strictly), want the least radius holding %d",
					k, j, area[j], radius2[j], within[j], inside[j], want)
			}
			checked++
		}
	}
	if checked < 12 {
		t.Fatalf("only %d defects checked", checked)
	}
}
