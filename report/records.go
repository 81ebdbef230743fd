package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/perimage"
)

// RecordFormats are the formats of per-image records.
var RecordFormats = []string{"csv", "jsonl"}

// WriteRecords writes the per-image records of every category (an
// evaluation with evaluate.Options.PerImage), one per image: as CSV with
// a header (undefined values empty), or as JSON Lines (one flat object a
// line, undefined values null). The fields are perimage.Columns.
func WriteRecords(w io.Writer, r *evaluate.Report, format string) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(perimage.Columns); err != nil {
			return err
		}
		for _, c := range r.Categories {
			for i := range c.Records {
				if err := cw.Write(c.Records[i].CSV()); err != nil {
					return err
				}
			}
		}
		cw.Flush()
		return cw.Error()
	case "jsonl":
		bw := bufio.NewWriter(w)
		for _, c := range r.Categories {
			for i := range c.Records {
				b, err := json.Marshal(c.Records[i])
				if err != nil {
					return err
				}
				bw.Write(b)
				bw.WriteByte('\n')
			}
		}
		return bw.Flush()
	}
	return fmt.Errorf("per-image format %q: want csv or jsonl", format)
}
