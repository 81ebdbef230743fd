package golden

import (
	"fmt"
)

// ResolutionImage is one image of a mixed-resolution case: its map at the
// size the model wrote it, its mask (nil: none) and the size of its image
// file (nil: the dataset has none).
type ResolutionImage struct {
	Name        string    `json:"name"`
	Defect      string    `json:"defect"` // "good" for a normal image
	MapHeight   int       `json:"map_height"`
	MapWidth    int       `json:"map_width"`
	Map         []float64 `json:"map"` // float32 values
	MaskHeight  *int      `json:"mask_height"`
	MaskWidth   *int      `json:"mask_width"`
	Mask        []int     `json:"mask"`
	ImageHeight *int      `json:"image_height"`
	ImageWidth  *int      `json:"image_width"`
}

// ResolutionCase is a category whose maps are not all at their ground
// truth's size (testdata/golden/resolution): the expected metrics, and the
// pixels evaluated and maps resized ([from h, from w, to h, to w, count]).
type ResolutionCase struct {
	Name      string            `json:"name"`
	Options   Options           `json:"options"`
	Images    []ResolutionImage `json:"images"`
	Expected  Expected          `json:"expected"`
	Evaluated struct {
		Pixels  int64    `json:"pixels"`
		Resized [][5]int `json:"resized"`
	} `json:"evaluated"`
}

// LoadResolution reads one mixed-resolution case file.
func LoadResolution(path string) (*ResolutionCase, error) {
	var c ResolutionCase
	if err := LoadJSON(path, &c); err != nil {
		return nil, err
	}
	for _, im := range c.Images {
		ok := len(im.Map) == im.MapWidth*im.MapHeight && (im.Mask == nil) == (im.MaskHeight == nil) &&
			(im.ImageHeight == nil) == (im.ImageWidth == nil)
		if ok && im.Mask != nil {
			ok = im.MaskWidth != nil && len(im.Mask) == *im.MaskWidth**im.MaskHeight
		}
		if !ok {
			return nil, fmt.Errorf("%s: image %s: sizes do not match", path, im.Name)
		}
	}
	return &c, nil
}
