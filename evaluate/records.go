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
		r := perimage.Describe(im, st.name, st.s)
		if i < len(st.perImageAUPIMO) && !math.IsNaN(st.perImageAUPIMO[i]) {
			r.AUPIMO = metric.Defined(st.perImageAUPIMO[i])
		}
		if st.hasF1 {
			r.AtF1 = perimage.Measure(im, float32(st.tF1), st.s)
		}
		if hasL {
			r.AtFPRLimit = perimage.Measure(im, tL, st.s)
		}
		out[i] = r
	})
	return out
}
