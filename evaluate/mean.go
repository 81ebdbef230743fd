package evaluate

import (
	"fmt"
	"strings"

	"github.com/zsadbench/zsadbench/metric"
)

// Mean is the unweighted mean over categories of each metric, taken over the
// categories where it is defined; a metric defined nowhere is undefined.
// With a bootstrap, CILow and CIHigh bound each metric's interval.
type Mean struct {
	Image  ImageMetrics `json:"image"`
	Pixel  PixelMetrics `json:"pixel"`
	CILow  *Metrics     `json:"ci_low,omitempty"`
	CIHigh *Metrics     `json:"ci_high,omitempty"`
}

// Metrics are one value of each metric: a bootstrap replicate's, or an
// interval's bound.
type Metrics struct {
	Image ImageMetrics `json:"image"`
	Pixel PixelMetrics `json:"pixel"`
}

// Field is one metric of Metrics, named by its JSON path.
type Field struct {
	Name string // "image.auroc", ..., "pixel.aupimo"
	// Select is the group that computes it.
	Select metric.Selection
	Get    func(*Metrics) *metric.Value
}

// Fields are every metric of Metrics, in table order.
var Fields = []Field{
	{"image.auroc", metric.SelectImage, func(m *Metrics) *metric.Value { return &m.Image.AUROC }},
	{"image.ap", metric.SelectImage, func(m *Metrics) *metric.Value { return &m.Image.AP }},
	{"image.f1_max", metric.SelectImage, func(m *Metrics) *metric.Value { return &m.Image.F1Max }},
	{"pixel.auroc", metric.SelectPixel, func(m *Metrics) *metric.Value { return &m.Pixel.AUROC }},
	{"pixel.ap", metric.SelectPixel, func(m *Metrics) *metric.Value { return &m.Pixel.AP }},
	{"pixel.f1_max", metric.SelectPixel, func(m *Metrics) *metric.Value { return &m.Pixel.F1Max }},
	{"pixel.aupro", metric.SelectAUPRO, func(m *Metrics) *metric.Value { return &m.Pixel.AUPRO }},
	{"pixel.rcpro", metric.SelectRCPRO, func(m *Metrics) *metric.Value { return &m.Pixel.RCPRO }},
	{"pixel.aupimo", metric.SelectAUPIMO, func(m *Metrics) *metric.Value { return &m.Pixel.AUPIMO }},
	{"pixel.aupimo_std", metric.SelectAUPIMO, func(m *Metrics) *metric.Value { return &m.Pixel.AUPIMOStd }},
}

// notComputedMetrics are Metrics before anything is computed.
func notComputedMetrics() Metrics {
	return Metrics{Image: ImageMetrics{notComputed, notComputed, notComputed}, Pixel: notComputedPixel}
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
