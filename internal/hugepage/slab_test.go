package hugepage

import (
	"sync"
	"testing"
)

// TestTake cuts a slab from several goroutines: the pieces are zeroed, of
// the asked length and capacity, disjoint, and those past the slab's end
// are fresh slices.
func TestTake(t *testing.T) {
	s := NewSlab(1000)
	pieces := make([][]float32, 40)
	var wg sync.WaitGroup
	for i := range pieces {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pieces[i] = s.Take(30 + i%7)
		}()
	}
	wg.Wait()
	for i, p := range pieces {
		if len(p) != 30+i%7 || cap(p) != len(p) {
			t.Fatalf("piece %d: len %d cap %d, want %d", i, len(p), cap(p), 30+i%7)
		}
		for j := range p {
			if p[j] != 0 {
				t.Fatalf("piece %d is not zeroed", i)
			}
			p[j] = float32(i + 1) // a piece shared with another would be overwritten
		}
	}
	for i, p := range pieces {
		for _, v := range p {
			if v != float32(i+1) {
				t.Fatalf("piece %d overlaps another", i)
			}
		}
	}
	if got := s.Take(0); len(got) != 0 {
		t.Fatalf("Take(0) has %d values", len(got))
	}
	if NewSlab(0).Take(5) == nil || len(NewSlab(-1).Take(5)) != 5 {
		t.Fatal("an empty slab must still hand out fresh slices")
	}
}
