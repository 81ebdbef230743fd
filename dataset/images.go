package dataset

import (
	"path"
	"path/filepath"
)

// attachImages sets, in ScoreMode, the ImagePath of every entry whose image
// the dataset holds: the one image file GT/<key>.<image ext> (extension
// matched case-insensitively) other than the entry's mask and map. Images
// are optional in ScoreMode, so an entry without one, or with two candidates
// (000.png and 000.jpg), keeps ImagePath "". The image's size is the size
// at which a map without a mask is compared with its (all-normal) ground
// truth; the file is not opened here.
func (c *context) attachImages(entries []Entry) error {
	listings := map[string]map[string][]string{} // folder -> stem -> image files
	for i := range entries {
		e := &entries[i]
		dir, base := path.Split(e.Key)
		folder := filepath.Join(c.gt, filepath.FromSlash(dir))
		byStem, ok := listings[folder]
		if !ok {
			byStem = map[string][]string{}
			if isDir(folder) {
				fs, err := files(folder)
				if err != nil {
					return err
				}
				for _, f := range fs {
					if isImage(f.name) {
						byStem[stem(f.name)] = append(byStem[stem(f.name)], f.path)
					}
				}
			}
			listings[folder] = byStem
		}
		var found []string
		for _, p := range byStem[base] {
			if p != e.MaskPath && p != e.MapPath {
				found = append(found, p)
			}
		}
		if len(found) == 1 {
			e.ImagePath = found[0]
		}
	}
	return nil
}
