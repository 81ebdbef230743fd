// Package exampledata holds the options of the bundled example data set in
// testdata/example, shared by its generator (synth/internal/mkexample) and
// by the test that checks the committed files against a fresh generation.
package exampledata

import "github.com/zsadbench/zsadbench/synth"

// Options returns the options testdata/example was generated with: three
// categories of 16 images at 96x96, 6 of them anomalous.
func Options() synth.Options {
	return synth.Options{
		Names:             []string{"capsule", "screw", "tile"},
		Images:            16,
		Size:              96,
		Seed:              20240917,
		AnomalousFraction: 0.375,
	}
}
