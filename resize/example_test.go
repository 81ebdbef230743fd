package resize_test

import (
	"fmt"

	"github.com/zsadbench/zsadbench/resize"
)

// Upsampling a 2x1 row to 4x1 with half-pixel centres: the source
// coordinates are -0.25 (clamped to 0), 0.25, 0.75 and 1.25 (clamped to 1).
func ExampleBilinear() {
	fmt.Println(resize.Bilinear([]float32{0, 1}, 2, 1, 4, 1))
	// Output: [0 0.25 0.75 1]
}

// A 2x2 mask resized to 3x3: source index floor(d * 2/3).
func ExampleNearest() {
	out := resize.Nearest([]bool{true, false, false, false}, 2, 2, 3, 3)
	for y := range 3 {
		fmt.Println(out[3*y : 3*y+3])
	}
	// Output:
	// [true true false]
	// [true true false]
	// [false false false]
}
