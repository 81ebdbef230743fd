package main

import (
	"context"
	"testing"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/synth"
)

// BenchmarkWriteCurves times what --curves adds to the evaluation of one
// category of 200 maps of 512x512 (the case, 52 million pixels)
// besides keeping every point: thinning its six curves to the default
// tolerance (which evaluate does as each category finishes) and writing
// them. bench/curves.sh measures the whole command with and without
// --curves.
func BenchmarkWriteCurves(b *testing.B) {
	opts := synth.DefaultOptions()
	opts.Categories, opts.Images, opts.Size, opts.Seed = 1, 200, 512, 1
	cats, err := synth.Categories(opts)
	if err != nil {
		b.Fatal(err)
	}
	rep, err := evaluate.Dataset(context.Background(), evaluate.Categories(cats), metric.DefaultSettings, evaluate.Options{Curves: true})
	if err != nil {
		b.Fatal(err)
	}
	cats = nil
	full := rep.Categories[0].Curves
	rule := curve.Rule{FPRLimit: rep.Settings.FPRLimit}
	dir := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		thin := map[curve.Kind]curve.Curve{}
		for k, c := range full {
			thin[k] = curve.Simplify(c, k, curve.DefaultTolerance, rule)
		}
		rep.Categories[0].Curves = thin
		if err := writeCurves(dir, rep); err != nil {
			b.Fatal(err)
		}
	}
}
