package golden

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/zsadbench/zsadbench/metric"
)

// The cases of testdata/golden/stats, made by generate_stats.py: AUPIMO,
// per-image records, DeLong, Wilcoxon, quantiles and Holm.

// SparseImage is an image of the stats cases: Fill everywhere but at the
// pixels of Values ([index, score]); Anomalous lists the mask's anomalous
// pixels.
type SparseImage struct {
	Name       string       `json:"name"`
	Height     int          `json:"height"`
	Width      int          `json:"width"`
	Fill       float64      `json:"fill"`
	Values     [][2]float64 `json:"values"`
	Anomalous  []int        `json:"anomalous"`
	ImageScore *float64     `json:"image_score"`
}

// Image returns the image; every score must be a float32.
func (im *SparseImage) Image() (metric.Image, error) {
	n := im.Width * im.Height
	out := metric.Image{Name: im.Name, Width: im.Width, Height: im.Height, Scores: make([]float32, n), Mask: make([]bool, n)}
	f32 := func(v float64) (float32, error) {
		f := float32(v)
		if float64(f) != v {
			return 0, fmt.Errorf("%s: score %v is not a float32", im.Name, v)
		}
		return f, nil
	}
	fill, err := f32(im.Fill)
	if err != nil {
		return out, err
	}
	for i := range out.Scores {
		out.Scores[i] = fill
	}
	for _, v := range im.Values {
		i := int(v[0])
		if i < 0 || i >= n {
			return out, fmt.Errorf("%s: pixel %d outside the image", im.Name, i)
		}
		if out.Scores[i], err = f32(v[1]); err != nil {
			return out, err
		}
	}
	for _, i := range im.Anomalous {
		if i < 0 || i >= n {
			return out, fmt.Errorf("%s: pixel %d outside the image", im.Name, i)
		}
		out.Mask[i] = true
	}
	if im.ImageScore != nil {
		out.Score, out.HasScore = *im.ImageScore, true
	}
	return out, nil
}

func category(name string, images []SparseImage) (*metric.Category, error) {
	cat := &metric.Category{Name: name}
	for i := range images {
		im, err := images[i].Image()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		cat.Images = append(cat.Images, im)
	}
	return cat, nil
}

// PIMOCase is a category with its expected AUPIMO on several grids.
type PIMOCase struct {
	Name   string        `json:"name"`
	Images []SparseImage `json:"images"`
	Grids  []struct {
		PIMOThresholds int        `json:"pimo_thresholds"`
		AUPIMO         []*float64 `json:"aupimo"`
		Mean           *float64   `json:"mean"`
		Std            *float64   `json:"std"`
		Points         *int       `json:"points"`
		Undefined      *string    `json:"undefined"`
	} `json:"grids"`
}

// Category returns the case's images.
func (c *PIMOCase) Category() (*metric.Category, error) { return category(c.Name, c.Images) }

// Record is an expected per-image record.
type Record struct {
	Name          string   `json:"name"`
	Label         string   `json:"label"`
	MapMax        float64  `json:"map_max"`
	ImageScore    float64  `json:"image_score"`
	GTRegions     int      `json:"gt_regions"`
	GTPixels      int      `json:"gt_pixels"`
	Pixels        int      `json:"pixels"`
	FPRAtF1       *float64 `json:"fpr_at_f1"`
	PROAtF1       *float64 `json:"pro_at_f1"`
	RCAtF1        *float64 `json:"rc_at_f1"`
	FPRAtFPRLimit *float64 `json:"fpr_at_fpr_limit"`
	PROAtFPRLimit *float64 `json:"pro_at_fpr_limit"`
	RCAtFPRLimit  *float64 `json:"rc_at_fpr_limit"`
}

// RecordsCase is a category with its expected per-image records.
type RecordsCase struct {
	Name     string        `json:"name"`
	Options  Options       `json:"options"`
	Images   []SparseImage `json:"images"`
	Expected struct {
		TF1       float64  `json:"t_f1"`
		TFPRLimit float64  `json:"t_fpr_limit"`
		Records   []Record `json:"records"`
	} `json:"expected"`
}

// Category returns the case's images.
func (c *RecordsCase) Category() (*metric.Category, error) { return category(c.Name, c.Images) }

// Settings returns the case's metric settings.
func (c *RecordsCase) Settings() (metric.Settings, error) {
	return (&Case{Options: c.Options}).Settings()
}

// DeLongCase is two models' scores of the same images.
type DeLongCase struct {
	Labels     []int     `json:"labels"`
	A          []float64 `json:"a"`
	B          []float64 `json:"b"`
	Confidence float64   `json:"confidence"`
	Expected   struct {
		AUCA   float64  `json:"auc_a"`
		AUCB   float64  `json:"auc_b"`
		VarA   float64  `json:"var_a"`
		VarB   float64  `json:"var_b"`
		Cov    float64  `json:"cov"`
		Var    float64  `json:"var"`
		Diff   float64  `json:"diff"`
		Z      *float64 `json:"z"`
		P      float64  `json:"p"`
		CILow  float64  `json:"ci_low"`
		CIHigh float64  `json:"ci_high"`
	} `json:"expected"`
}

// WilcoxonCase is one vector of paired differences.
type WilcoxonCase struct {
	D        []float64 `json:"d"`
	Expected struct {
		P      float64 `json:"p"`
		Method string  `json:"method"`
	} `json:"expected"`
}

// Misc holds the quantile and Holm cases.
type Misc struct {
	Quantiles []struct {
		X        []float64 `json:"x"`
		Q        []float64 `json:"q"`
		Expected []float64 `json:"expected"`
	} `json:"quantiles"`
	Holm []struct {
		P        []float64 `json:"p"`
		Expected []float64 `json:"expected"`
	} `json:"holm"`
}

// LoadJSON reads a stats case file into v.
func LoadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
