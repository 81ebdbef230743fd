package synth

import "github.com/zsadbench/zsadbench/metric"

// Categories generates the data set in memory, as the categories that
// package evaluate scores, in output order.
func Categories(opts Options) ([]metric.Category, error) {
	var cats []metric.Category
	err := Generate(opts, func(im Image) error {
		if n := len(cats); n == 0 || cats[n-1].Name != im.Category {
			cats = append(cats, metric.Category{Name: im.Category})
		}
		c := &cats[len(cats)-1]
		c.Images = append(c.Images, metric.Image{
			Name: im.Category + "/" + im.Defect + "/" + im.ID, Width: im.Width, Height: im.Height,
			Scores: im.Scores, Mask: im.Mask,
		})
		return nil
	})
	return cats, err
}
