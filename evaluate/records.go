package evaluate

import (
	"math"

	"github.com/zsadbench/zsadbench/internal/parallel"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/perimage"
)

// records returns the per-image records of the category's images (all of
// them, in the order they were added), after Finish.
func (st *stream) records(images []metric.Image) []perimage.Record {
	tL, hasL := perimage.FPRLimitThreshold(images, st.s.FPRLimit)
	out := make([]perimage.Record, len(images))
	parallel.For(len(images), st.s.Workers, func(_, i int) {
		im := &images[i]
		m := perimage.NewImage(im, st.s) // its ground truth labelled once
		r := m.Describe(st.name)
		if i < len(st.perImageAUPIMO) && !math.IsNaN(st.perImageAUPIMO[i]) {
			r.AUPIMO = metric.Defined(st.perImageAUPIMO[i])
		}
		if st.hasF1 {
			r.AtF1 = m.Measure(float32(st.tF1))
		}
		if hasL {
			r.AtFPRLimit = m.Measure(tL)
		}
		out[i] = r
	})
	return out
}
