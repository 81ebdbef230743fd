package dive_test

import (
	"fmt"

	"github.com/zsadbench/zsadbench/dive"
)

// Postprocess resizes a model's patch map to the image size and smooths it
// (values checked against torch.nn.functional.interpolate and
// scipy.ndimage.gaussian_filter).
func ExamplePostprocess() {
	patch := []float32{
		0, 0, 0,
		0, 1, 0,
		0, 0, 0,
	}
	m := dive.Postprocess(patch, 3, 3, 6, 4, 0) // no smoothing
	for y := 0; y < 4; y++ {
		fmt.Printf("%.3f\n", m[y*6:(y+1)*6])
	}
	s := dive.Postprocess(patch, 3, 3, 64, 64, dive.DefaultSigma)
	fmt.Printf("smoothed peak %.4f at the centre, radius %d\n", s[32*64+32], dive.GaussianRadius(dive.DefaultSigma))
	// Output:
	// [0.000 0.000 0.000 0.000 0.000 0.000]
	// [0.000 0.156 0.469 0.469 0.156 0.000]
	// [0.000 0.156 0.469 0.469 0.156 0.000]
	// [0.000 0.000 0.000 0.000 0.000 0.000]
	// smoothed peak 0.7206 at the centre, radius 16
}
