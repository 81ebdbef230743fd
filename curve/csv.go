package curve

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/zsadbench/zsadbench/internal/finite"
)

// Kind is a kind of curve: what its X and Y hold and which metric is its
// area. The kinds are those `zsadbench score --curves DIR` writes, one CSV
// file per category and kind (see FileName).
type Kind string

const (
	ImageROC Kind = "image-roc" // image level: X = FPR, Y = TPR; AUROC
	ImagePR  Kind = "image-pr"  // image level: X = recall, Y = precision; AP
	PixelROC Kind = "pixel-roc" // pixel level: X = FPR, Y = TPR; AUROC
	PixelPR  Kind = "pixel-pr"  // pixel level: X = recall, Y = precision; AP
	PROFPR   Kind = "pro-fpr"   // X = FPR, Y = PRO; AUPRO (up to the FPR limit)
	PRORC    Kind = "pro-rc"    // X = PRO, Y = RC; RCPRO
	// PIMO is the per-image overlap: one curve per anomalous image, X = the
	// shared FPR (the mean FPR of the normal images, on a log axis), Y =
	// the image's TPR; AUPIMO. Its files hold every image's curve (see
	// WriteImagesCSV), so it is not one of Kinds.
	PIMO Kind = "pimo"
)

// Kinds returns every kind with one curve a category, in the order above
// (PIMO, with a curve per image, is not one).
func Kinds() []Kind {
	return []Kind{ImageROC, ImagePR, PixelROC, PixelPR, PROFPR, PRORC}
}

// ParseKind reads a kind's name; "roc" and "pr" are the pixel-level curves.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "roc":
		return PixelROC, nil
	case "pr":
		return PixelPR, nil
	}
	if k := Kind(s); k.Valid() {
		return k, nil
	}
	var names []string
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return "", fmt.Errorf("curve kind %q: want one of %s, %s, roc, pr", s, strings.Join(names, ", "), PIMO)
}

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool {
	switch k {
	case ImageROC, ImagePR, PixelROC, PixelPR, PROFPR, PRORC, PIMO:
		return true
	}
	return false
}

// Metric names the metric that is the curve's area: "AUROC", "AP", "AUPRO",
// "RCPRO", or "AUPIMO" (the mean over the images of each curve's area).
func (k Kind) Metric() string {
	switch k {
	case ImageROC, PixelROC:
		return "AUROC"
	case ImagePR, PixelPR:
		return "AP"
	case PROFPR:
		return "AUPRO"
	case PRORC:
		return "RCPRO"
	case PIMO:
		return "AUPIMO"
	}
	return ""
}

// Axes returns the labels of the curve's X and Y.
func (k Kind) Axes() (x, y string) {
	switch k {
	case ImageROC, PixelROC:
		return "FPR", "TPR"
	case ImagePR, PixelPR:
		return "Recall", "Precision"
	case PROFPR:
		return "FPR", "PRO"
	case PRORC:
		return "PRO", "RC"
	case PIMO:
		return "Shared FPR", "TPR"
	}
	return "", ""
}

// FileName returns the base name of the CSV file that holds the curve of the
// given kind for a category: "<category>_<kind>.csv", for example
// "metal_nut_pro-rc.csv". It panics if kind is not one of the kinds above or
// category is empty (both are programmer errors: kinds are constants and
// categories come from folder names).
func FileName(category string, kind Kind) string {
	if !kind.Valid() {
		panic(fmt.Sprintf("curve: unknown curve kind %q", kind))
	}
	if category == "" {
		panic("curve: empty category")
	}
	return category + "_" + string(kind) + ".csv"
}

// ParseFileName is the inverse of FileName: it splits a base name
// "<category>_<kind>.csv" into category and kind. ok is false when name does
// not end in "_<kind>.csv" for a known kind or the category part is empty.
// Categories may themselves contain underscores ("metal_nut"): the kind is
// matched at the end of the name.
func ParseFileName(name string) (category string, kind Kind, ok bool) {
	for _, k := range append(Kinds(), PIMO) {
		suffix := "_" + string(k) + ".csv"
		if c, found := strings.CutSuffix(name, suffix); found && c != "" {
			return c, k, true
		}
	}
	return "", "", false
}

// csvHeader is the first line of every curve file.
const csvHeader = "threshold,x,y"

// maxCSVLine bounds the length of one line of a curve file. A row holds three
// numbers of at most 24 characters each in the form WriteCSV writes; the
// bound only keeps a corrupt file from being read as one huge line.
const maxCSVLine = 4096

// WriteCSV writes c as CSV: the header line "threshold,x,y", then one line per
// point in curve order, each line ending in "\n". Numbers are formatted with
// strconv.FormatFloat(v, 'g', -1, 64), the shortest text that parses back to
// the same float64, so ReadCSV(WriteCSV(c)) == c bit for bit (the sign of a
// zero included). Infinite thresholds (the start and end points of a curve)
// are written "inf" and "-inf".
//
// WriteCSV returns an error, naming the point, when a threshold is NaN or an
// x or y value is not finite: a curve file holds plottable points only. It
// panics if the three slices of c differ in length.
func WriteCSV(w io.Writer, c Curve) error {
	n := len(c.X)
	if len(c.Threshold) != n || len(c.Y) != n {
		panic(fmt.Sprintf("curve: WriteCSV: slice lengths differ: threshold %d, x %d, y %d",
			len(c.Threshold), len(c.X), len(c.Y)))
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(csvHeader + "\n")
	buf := make([]byte, 0, 80)
	for i := range n {
		t, x, y := c.Threshold[i], c.X[i], c.Y[i]
		if math.IsNaN(t) {
			return fmt.Errorf("write curve: point %d: threshold is NaN", i)
		}
		if !finite.Float64(x) || !finite.Float64(y) {
			return fmt.Errorf("write curve: point %d: (x, y) = (%g, %g) is not finite", i, x, y)
		}
		buf = appendFloat(buf[:0], t)
		buf = append(buf, ',')
		buf = appendFloat(buf, x)
		buf = append(buf, ',')
		buf = appendFloat(buf, y)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("write curve: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write curve: %w", err)
	}
	return nil
}

func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "inf"...)
	case math.IsInf(v, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// ReadCSV reads a curve written by WriteCSV. The first line must be the
// header "threshold,x,y"; every further line holds exactly three numbers
// separated by commas. Accepted leniently: a UTF-8 byte order mark before the
// header, "\r\n" line ends, spaces around a number, a missing final newline,
// and any spelling strconv.ParseFloat accepts ("Inf", "+inf", "1e-3", ...).
// A file with the header only is the empty curve Curve{} (nil slices).
//
// Errors name the 1-based line number and what is wrong: a wrong header, a
// line with other than three fields, a blank line, a number that does not
// parse, a NaN threshold, an x or y that is not finite, or a line longer than
// 4096 bytes. ReadCSV never panics.
func ReadCSV(r io.Reader) (Curve, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxCSVLine)
	var c Curve
	line := 0
	for sc.Scan() {
		line++
		text := sc.Bytes()
		text = bytes.TrimSuffix(text, []byte{'\r'})
		if line == 1 {
			text = bytes.TrimPrefix(text, []byte("\ufeff"))
			if string(bytes.TrimSpace(text)) != csvHeader {
				return Curve{}, fmt.Errorf("line 1: header is %q, want %q", truncate(text), csvHeader)
			}
			continue
		}
		if len(bytes.TrimSpace(text)) == 0 {
			return Curve{}, fmt.Errorf("line %d: blank line", line)
		}
		var vals [3]float64
		rest := text
		for f := range 3 {
			var field []byte
			if f < 2 {
				i := bytes.IndexByte(rest, ',')
				if i < 0 {
					return Curve{}, fmt.Errorf("line %d: %d fields, want 3 (threshold,x,y)", line, f+1)
				}
				field, rest = rest[:i], rest[i+1:]
			} else {
				if bytes.IndexByte(rest, ',') >= 0 {
					return Curve{}, fmt.Errorf("line %d: more than 3 fields, want 3 (threshold,x,y)", line)
				}
				field = rest
			}
			s := string(bytes.TrimSpace(field))
			// Out of float64 range ("1e999"), ParseFloat returns ±Inf with
			// ErrRange; the checks below treat that like a written "inf".
			v, err := strconv.ParseFloat(s, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return Curve{}, fmt.Errorf("line %d: %s %q is not a number", line, csvColumn[f], truncate(field))
			}
			vals[f] = v
		}
		t, x, y := vals[0], vals[1], vals[2]
		if math.IsNaN(t) {
			return Curve{}, fmt.Errorf("line %d: threshold is NaN", line)
		}
		if !finite.Float64(x) {
			return Curve{}, fmt.Errorf("line %d: x = %g is not finite", line, x)
		}
		if !finite.Float64(y) {
			return Curve{}, fmt.Errorf("line %d: y = %g is not finite", line, y)
		}
		c.Append(t, x, y)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Curve{}, fmt.Errorf("line %d: longer than %d bytes", line+1, maxCSVLine)
		}
		return Curve{}, fmt.Errorf("line %d: %w", line+1, err)
	}
	if line == 0 {
		return Curve{}, fmt.Errorf("line 1: empty file, want header %q", csvHeader)
	}
	return c, nil
}

var csvColumn = [3]string{"threshold", "x", "y"}

// truncate shortens text quoted in an error message.
func truncate(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
