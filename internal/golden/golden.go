// Package golden reads the cases of testdata/golden: inputs and expected
// values computed by the independent Python reference
// (testdata/golden/generate.py, schema in testdata/golden/README.md). Tests
// of several packages compare zsadbench with them.
package golden

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/metric"
)

// Image is one image of a case.
type Image struct {
	Name       string    `json:"name"`
	Height     int       `json:"height"`
	Width      int       `json:"width"`
	Scores     []float64 `json:"scores"` // float32 values
	Mask       []int     `json:"mask"`
	ImageScore *float64  `json:"image_score"`
}

// Options are a case's evaluation settings, as the reference names them.
type Options struct {
	Connectivity int     `json:"connectivity"`
	Thresholds   string  `json:"thresholds"`
	FPRLimit     float64 `json:"fpr_limit"`
	Tau          float64 `json:"tau"`
	Delta        float64 `json:"delta"`
	RCAverage    string  `json:"rc_average"`
}

// Point is a reference curve point (threshold, x, y); an undefined
// coordinate (JSON null) is NaN.
type Point [3]float64

// UnmarshalJSON reads [t, x, y] with nulls.
func (p *Point) UnmarshalJSON(b []byte) error {
	var v []*float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if len(v) != 3 {
		return fmt.Errorf("curve point %s: want 3 values", b)
	}
	for i, x := range v {
		p[i] = math.NaN()
		if x != nil {
			p[i] = *x
		}
	}
	return nil
}

// Case is one category with its expected metrics (nil = undefined) and,
// for small cases, its curves ("pro_fpr", "rc_pro"; without start points).
type Case struct {
	Name     string             `json:"name"`
	Options  Options            `json:"options"`
	Images   []Image            `json:"images"`
	Expected Expected           `json:"expected"`
	Curves   map[string][]Point `json:"curves"`
}

// Expected are a case's expected metrics by level and name (nil =
// undefined).
type Expected struct {
	Image map[string]*float64 `json:"image"`
	Pixel map[string]*float64 `json:"pixel"`
}

// Load reads one case file.
func Load(path string) (*Case, error) {
	var c Case
	if err := LoadJSON(path, &c); err != nil {
		return nil, err
	}
	for _, im := range c.Images {
		if len(im.Scores) != im.Width*im.Height || len(im.Mask) != im.Width*im.Height {
			return nil, fmt.Errorf("%s: image %s: sizes do not match", path, im.Name)
		}
	}
	return &c, nil
}

// Names lists the cases in dir, by file name without ".json".
func Names(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no golden case in %s", dir)
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".json"))
	}
	return names, nil
}

// Settings returns the metric settings of the case.
func (c *Case) Settings() (metric.Settings, error) {
	s := metric.DefaultSettings
	var err error
	if s.Thresholds, err = metric.ParseGrid(c.Options.Thresholds); err != nil {
		return s, err
	}
	if s.Connectivity, err = connected.ParseConnectivity(c.Options.Connectivity); err != nil {
		return s, err
	}
	s.FPRLimit, s.RCPROTau, s.RCPRODelta = c.Options.FPRLimit, c.Options.Tau, c.Options.Delta
	if s.RCAverage, err = metric.ParseRCAverage(c.Options.RCAverage); err != nil {
		return s, err
	}
	return s, nil
}

// Category returns the case's images as a category; every score must be a
// float32.
func (c *Case) Category() (*metric.Category, error) {
	cat := &metric.Category{Name: c.Name}
	for _, im := range c.Images {
		mi := metric.Image{Name: im.Name, Width: im.Width, Height: im.Height, Mask: make([]bool, len(im.Mask))}
		for _, v := range im.Scores {
			f := float32(v)
			if float64(f) != v {
				return nil, fmt.Errorf("%s: score %v is not a float32", c.Name, v)
			}
			mi.Scores = append(mi.Scores, f)
		}
		for i, m := range im.Mask {
			mi.Mask[i] = m != 0
		}
		if im.ImageScore != nil {
			mi.Score, mi.HasScore = *im.ImageScore, true
		}
		cat.Images = append(cat.Images, mi)
	}
	return cat, nil
}
