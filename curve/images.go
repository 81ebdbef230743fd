package curve

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/zsadbench/zsadbench/internal/finite"
)

// Images are a category's per-image curves (kind PIMO): Curves[i] is the
// curve of the image with key Keys[i].
type Images struct {
	Keys   []string
	Curves []Curve
}

// imagesHeader is the first line of a per-image curve file.
const imagesHeader = "image,threshold,x,y"

// WriteImagesCSV writes per-image curves as CSV: the header
// "image,threshold,x,y", then each image's points in curve order, its key
// first (quoted as CSV quotes it where needed), numbers as WriteCSV writes
// them. An image with no point has no line. Errors are WriteCSV's, and an
// empty key; it panics if the slices differ in length.
func WriteImagesCSV(w io.Writer, im Images) error {
	if len(im.Keys) != len(im.Curves) {
		panic(fmt.Sprintf("curve: WriteImagesCSV: %d keys, %d curves", len(im.Keys), len(im.Curves)))
	}
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	cw.Write(strings.Split(imagesHeader, ","))
	rec := make([]string, 4)
	for i, c := range im.Curves {
		if im.Keys[i] == "" {
			return fmt.Errorf("write curves: image %d has no key", i)
		}
		if len(c.Threshold) != c.Len() || len(c.Y) != c.Len() {
			panic(fmt.Sprintf("curve: WriteImagesCSV: image %s: slice lengths differ", im.Keys[i]))
		}
		for k := range c.X {
			t, x, y := c.Threshold[k], c.X[k], c.Y[k]
			if math.IsNaN(t) {
				return fmt.Errorf("write curves: image %s point %d: threshold is NaN", im.Keys[i], k)
			}
			if !finite.Float64(x) || !finite.Float64(y) {
				return fmt.Errorf("write curves: image %s point %d: (x, y) = (%g, %g) is not finite", im.Keys[i], k, x, y)
			}
			rec[0] = im.Keys[i]
			rec[1], rec[2], rec[3] = string(appendFloat(nil, t)), string(appendFloat(nil, x)), string(appendFloat(nil, y))
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("write curves: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write curves: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write curves: %w", err)
	}
	return nil
}

// ReadImagesCSV reads per-image curves written by WriteImagesCSV. Each
// image's lines must follow each other; errors name the line and what is
// wrong (a wrong header, a line with other than four fields, an empty key,
// an image whose lines are apart, a number that does not parse, a NaN
// threshold, an x or y that is not finite, a line longer than 4096 bytes).
// It never panics.
func ReadImagesCSV(r io.Reader) (Images, error) {
	cr := csv.NewReader(&lineLimit{r: bufio.NewReader(r)})
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var im Images
	seen := map[string]bool{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			if line == 1 {
				return Images{}, fmt.Errorf("line 1: empty file, want header %q", imagesHeader)
			}
			return im, nil
		}
		if err != nil {
			var long *lineTooLong
			if errors.As(err, &long) {
				return Images{}, fmt.Errorf("line %d: longer than %d bytes", line, maxCSVLine)
			}
			return Images{}, fmt.Errorf("line %d: %w", line, err)
		}
		if line == 1 {
			if h := strings.TrimPrefix(strings.Join(rec, ","), "\ufeff"); h != imagesHeader {
				return Images{}, fmt.Errorf("line 1: header is %q, want %q", truncate([]byte(h)), imagesHeader)
			}
			continue
		}
		if len(rec) != 4 {
			return Images{}, fmt.Errorf("line %d: %d fields, want 4 (image,threshold,x,y)", line, len(rec))
		}
		key := rec[0]
		if key == "" {
			return Images{}, fmt.Errorf("line %d: no image key", line)
		}
		var vals [3]float64
		for f := range 3 {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[f+1]), 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return Images{}, fmt.Errorf("line %d: %s %q is not a number", line, csvColumn[f], truncate([]byte(rec[f+1])))
			}
			vals[f] = v
		}
		if math.IsNaN(vals[0]) {
			return Images{}, fmt.Errorf("line %d: threshold is NaN", line)
		}
		if !finite.Float64(vals[1]) || !finite.Float64(vals[2]) {
			return Images{}, fmt.Errorf("line %d: (x, y) = (%g, %g) is not finite", line, vals[1], vals[2])
		}
		if n := len(im.Keys); n == 0 || im.Keys[n-1] != key {
			if seen[key] {
				return Images{}, fmt.Errorf("line %d: image %q again, its lines apart", line, truncate([]byte(key)))
			}
			seen[key] = true
			im.Keys = append(im.Keys, key)
			im.Curves = append(im.Curves, Curve{})
		}
		im.Curves[len(im.Curves)-1].Append(vals[0], vals[1], vals[2])
	}
}

// lineLimit fails a read when a line passes maxCSVLine bytes, so that a
// corrupt file is not read as one huge record.
type lineLimit struct {
	r   *bufio.Reader
	run int // bytes since the last newline
}

type lineTooLong struct{}

func (*lineTooLong) Error() string { return "line too long" }

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := range n {
		if p[i] == '\n' {
			l.run = 0
		} else if l.run++; l.run > maxCSVLine {
			return 0, &lineTooLong{}
		}
	}
	return n, err
}
