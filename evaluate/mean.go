package evaluate

import (
	"fmt"
	"strings"

	"github.com/zsadbench/zsadbench/metric"
)

// Mean is the unweighted mean over categories of each metric, taken over the
// categories where it is defined; a metric defined nowhere is undefined.
type Mean struct {
	Image ImageMetrics `json:"image"`
	Pixel PixelMetrics `json:"pixel"`
}

// MeanOf averages the reports and returns a warning for each metric that some
// categories could not contribute to, naming them.
func MeanOf(reports []*CategoryReport, requested metric.Selection) (Mean, []string) {
	var warnings []string
	avg := func(level, name string, get func(*CategoryReport) metric.Value) metric.Value {
		sum, n := 0.0, 0
		var missing []string
		for _, r := range reports {
			if v := get(r); v.OK() {
				sum += v.V
				n++
			} else {
				missing = append(missing, r.Name)
			}
		}
		if n == 0 {
			return metric.NoValue("mean "+level+" "+name, "undefined in every category")
		}
		if len(missing) > 0 {
			warnings = append(warnings, fmt.Sprintf("mean %s %s is over %d of %d categories; undefined in: %s",
				level, name, n, len(reports), strings.Join(missing, ", ")))
		}
		return metric.Defined(sum / float64(n))
	}
	var m Mean
	m.Image = ImageMetrics{notComputed, notComputed, notComputed}
	m.Pixel = notComputedPixel
	if requested&metric.SelectImage != 0 {
		m.Image.AUROC = avg("image", "AUROC", func(r *CategoryReport) metric.Value { return r.Image.AUROC })
		m.Image.AP = avg("image", "AP", func(r *CategoryReport) metric.Value { return r.Image.AP })
		m.Image.F1Max = avg("image", "F1-max", func(r *CategoryReport) metric.Value { return r.Image.F1Max })
	}
	if requested&metric.SelectPixel != 0 {
		m.Pixel.AUROC = avg("pixel", "AUROC", func(r *CategoryReport) metric.Value { return r.Pixel.AUROC })
		m.Pixel.AP = avg("pixel", "AP", func(r *CategoryReport) metric.Value { return r.Pixel.AP })
		m.Pixel.F1Max = avg("pixel", "F1-max", func(r *CategoryReport) metric.Value { return r.Pixel.F1Max })
	}
	if requested&metric.SelectAUPRO != 0 {
		m.Pixel.AUPRO = avg("pixel", "AUPRO", func(r *CategoryReport) metric.Value { return r.Pixel.AUPRO })
	}
	if requested&metric.SelectRCPRO != 0 {
		m.Pixel.RCPRO = avg("pixel", "RCPRO", func(r *CategoryReport) metric.Value { return r.Pixel.RCPRO })
	}
	if requested&metric.SelectAUPIMO != 0 {
		m.Pixel.AUPIMO = avg("pixel", "AUPIMO", func(r *CategoryReport) metric.Value { return r.Pixel.AUPIMO })
		m.Pixel.AUPIMOStd = avg("pixel", "AUPIMO std", func(r *CategoryReport) metric.Value { return r.Pixel.AUPIMOStd })
	}
	return m, warnings
}
