// Package perimage describes each image of a category on its own, as
// docs/METRICS.md defines it ("Per-image records"): its label, scores and
// ground truth, its AUPIMO, and at two thresholds of the category (the
// pixel F1-max threshold and the FPR-limit threshold) its false-positive
// rate, and for an anomalous image its PRO and RC.
//
// A pixel is positive when score >= t. Regions are the connected
// components of the settings' connectivity, and a predicted region's
// quality is RCPRO's q(P) with the settings' tau and delta. The records of
// a whole evaluation come from package evaluate (Options.PerImage); this
// package computes the parts and knows nothing of files.
package perimage

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/internal/scorekey"
	"github.com/zsadbench/zsadbench/metric"
)

// Record is one image's row. Its JSON form is one flat object with the
// keys of Columns (undefined values null), as the JSON Lines file has.
type Record struct {
	// Key is the image's dataset key (metric.Image.Key, else its Name).
	Key      string
	Category string
	// Defect is the image's defect type (metric.Image.Defect), "" if none.
	Defect string
	// Label is "anomalous" or "normal".
	Label      string
	ImageScore float64
	MapMax     float64
	// GTRegions and GTPixels are the mask's connected regions and
	// anomalous pixels; Pixels all the image's pixels.
	GTRegions int
	GTPixels  int64
	Pixels    int64
	// AUPIMO is the image's (anomalous images, when computed).
	AUPIMO metric.Value
	// AtF1 and AtFPRLimit are the image at the category's pixel F1-max
	// threshold and at its FPR-limit threshold.
	AtF1       At
	AtFPRLimit At
}

// At is an image at one threshold of its category.
type At struct {
	// Threshold is the category's threshold (undefined when the category
	// has none: no anomalous or no normal pixel).
	Threshold metric.Value
	// FPR is the fraction of the image's normal pixels with score >=
	// Threshold (undefined without a normal pixel).
	FPR metric.Value
	// PRO is the mean over the image's ground-truth regions of the fraction
	// predicted positive (anomalous images).
	PRO metric.Value
	// RC is the mean quality of the image's predicted regions (anomalous
	// images with a predicted region).
	RC metric.Value
}

var none = metric.NoValue("per-image value", "does not apply")

// Describe returns the parts of an image's record that need no threshold:
// key, defect, label, scores, ground truth (AUPIMO and the At values are
// left undefined).
func Describe(im *metric.Image, category string, s metric.Settings) Record {
	return NewImage(im, s).Describe(category)
}

// Image is an image whose ground-truth regions are labelled once for its
// record and every threshold it is measured at.
type Image struct {
	im      *metric.Image
	s       metric.Settings
	gt      []int32 // each pixel's ground-truth region (nil: no anomalous pixel)
	regions int
}

// NewImage labels im's ground-truth regions.
func NewImage(im *metric.Image, s metric.Settings) *Image {
	m := &Image{im: im, s: s}
	if im.NextAnomalous(0) >= 0 {
		m.gt, m.regions = connected.Label(im.Mask, im.Width, im.Height, s.Connectivity)
	}
	return m
}

// Describe is the package's Describe.
func (m *Image) Describe(category string) Record {
	im := m.im
	r := Record{Key: im.Key, Category: category, Defect: im.Defect, ImageScore: im.ImageScore(),
		MapMax: maxScore(im.Scores), Pixels: int64(len(im.Scores)), Label: "normal", AUPIMO: none}
	if r.Key == "" {
		r.Key = im.Name
	}
	if im.Anomalous() {
		r.Label = "anomalous"
	}
	r.GTPixels = int64(im.AnomalousPixels())
	r.GTRegions = m.regions
	r.AtF1 = At{Threshold: none, FPR: none, PRO: none, RC: none}
	r.AtFPRLimit = r.AtF1
	return r
}

func maxScore(v []float32) float64 {
	m := float32(math.Inf(-1))
	for _, x := range v {
		m = max(m, x)
	}
	return float64(m)
}

// Measure returns the image at threshold t: its FPR, and for an image with
// ground truth its PRO and RC (pixels with score >= t are positive).
func Measure(im *metric.Image, t float32, s metric.Settings) At {
	return NewImage(im, s).Measure(t)
}

// Measure is the package's Measure.
func (m *Image) Measure(t float32) At {
	im, s := m.im, m.s
	a := At{Threshold: metric.Defined(float64(t)), FPR: none, PRO: none, RC: none}
	on := make([]bool, len(im.Scores))
	var fp, normal int64
	for p, v := range im.Scores {
		on[p] = v >= t
		if im.Mask == nil || !im.Mask[p] {
			normal++
			if on[p] {
				fp++
			}
		}
	}
	if normal > 0 {
		a.FPR = metric.Defined(float64(fp) / float64(normal))
	}
	if m.gt == nil {
		return a
	}
	gt, ng := m.gt, m.regions
	area := make([]int64, ng+1)
	hit := make([]int64, ng+1)
	for p, g := range gt {
		if g != 0 {
			area[g]++
			if on[p] {
				hit[g]++
			}
		}
	}
	pro := 0.0
	for g := 1; g <= ng; g++ {
		pro += float64(hit[g]) / float64(area[g])
	}
	a.PRO = metric.Defined(pro / float64(ng))
	pred, np := connected.Label(on, im.Width, im.Height, s.Connectivity)
	if np == 0 {
		return a
	}
	// Per predicted region: its size and its overlap with each GT region.
	size := make([]int64, np+1)
	overlap := make(map[[2]int32]int64)
	for p, r := range pred {
		if r != 0 {
			size[r]++
			if g := gt[p]; g != 0 {
				overlap[[2]int32{r, g}]++
			}
		}
	}
	best := make([]int32, np+1)   // G*: the largest overlap, lowest label on ties
	bestOv := make([]int64, np+1) // |P ∩ G*|
	for k, n := range overlap {
		r, g := k[0], k[1]
		if n > bestOv[r] || n == bestOv[r] && g < best[r] {
			best[r], bestOv[r] = g, n
		}
	}
	sum := 0.0
	for r := 1; r <= np; r++ {
		sum += quality(size[r], bestOv[r], area[best[r]], best[r] != 0, s)
	}
	a.RC = metric.Defined(sum / float64(np))
	return a
}

// quality is RCPRO's q(P): 0 for a region that misses every ground-truth
// region or overlaps its best match G* by less than tau of |G*|, else 1
// when the excess ratio r = |P \ G*| / |G*| is at most delta, delta / r
// beyond.
func quality(size, overlap, area int64, matched bool, s metric.Settings) float64 {
	if !matched || float64(overlap) < s.RCPROTau*float64(area) {
		return 0
	}
	r := float64(size-overlap) / float64(area)
	if r <= s.RCPRODelta {
		return 1
	}
	return s.RCPRODelta / r
}

// FPRLimitThreshold returns the lowest distinct score t of the images whose
// pooled pixel FPR (normal pixels with score >= t over all normal pixels,
// in float64) is at most limit; false when there is no normal pixel or no
// such score (ties at the top that already pass the limit).
func FPRLimitThreshold(images []metric.Image, limit float64) (float32, bool) {
	var neg int64
	for i := range images {
		neg += int64(len(images[i].Scores) - images[i].AnomalousPixels())
	}
	if neg == 0 {
		return 0, false
	}
	// c: the most false positives the limit allows.
	c := int64(math.Floor(limit * float64(neg)))
	for c < neg && float64(c+1)/float64(neg) <= limit {
		c++
	}
	for c >= 0 && !(float64(c)/float64(neg) <= limit) {
		c--
	}
	if c < 0 {
		return 0, false
	}
	lowest := float32(math.Inf(1))
	if c >= neg {
		for i := range images {
			for _, v := range images[i].Scores {
				lowest = min(lowest, v)
			}
		}
		return lowest, true
	}
	// v: the (c+1)-th highest normal score. Thresholds above v let at most
	// c normal pixels through; thresholds at or below it, more.
	v, _, _ := scorekey.Select(c+1, func(f func(float32)) {
		for i := range images {
			im := &images[i]
			for p, x := range im.Scores {
				if im.Mask == nil || !im.Mask[p] {
					f(x)
				}
			}
		}
	})
	found := false
	for i := range images {
		for _, x := range images[i].Scores {
			if x > v && x < lowest {
				lowest, found = x, true
			}
		}
	}
	return lowest, found
}

// Columns name a record's fields in file order: the CSV header and the
// JSON keys.
var Columns = []string{"key", "category", "defect", "label", "image_score", "map_max",
	"gt_regions", "gt_pixels", "pixels", "aupimo",
	"threshold_f1", "fpr_at_f1", "pro_at_f1", "rc_at_f1",
	"threshold_fpr_limit", "fpr_at_fpr_limit", "pro_at_fpr_limit", "rc_at_fpr_limit"}

// field is one value of a record: text, or a number (undefined: !ok).
type field struct {
	text   string
	isText bool
	ok     bool
}

func (r *Record) fields() []field {
	t := func(s string) field { return field{text: s, isText: true, ok: true} }
	n := func(v float64) field { return field{text: strconv.FormatFloat(v, 'g', -1, 64), ok: true} }
	i := func(v int64) field { return field{text: strconv.FormatInt(v, 10), ok: true} }
	val := func(v metric.Value) field {
		if !v.OK() {
			return field{}
		}
		return n(v.V)
	}
	return []field{t(r.Key), t(r.Category), t(r.Defect), t(r.Label), n(r.ImageScore), n(r.MapMax),
		i(int64(r.GTRegions)), i(r.GTPixels), i(r.Pixels), val(r.AUPIMO),
		val(r.AtF1.Threshold), val(r.AtF1.FPR), val(r.AtF1.PRO), val(r.AtF1.RC),
		val(r.AtFPRLimit.Threshold), val(r.AtFPRLimit.FPR), val(r.AtFPRLimit.PRO), val(r.AtFPRLimit.RC)}
}

// CSV returns the record's fields as CSV cells (undefined: empty).
func (r *Record) CSV() []string {
	f := r.fields()
	out := make([]string, len(f))
	for k := range f {
		out[k] = f[k].text
	}
	return out
}

// MarshalJSON writes the flat object of Columns.
func (r Record) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for k, f := range r.fields() {
		if k > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, Columns[k])
		b = append(b, ':')
		switch {
		case !f.ok:
			b = append(b, "null"...)
		case f.isText:
			q, err := json.Marshal(f.text)
			if err != nil {
				return nil, err
			}
			b = append(b, q...)
		default:
			b = append(b, f.text...)
		}
	}
	return append(b, '}'), nil
}
