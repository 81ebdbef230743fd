package metric

import (
	"fmt"
	"strings"

	"github.com/zsadbench/zsadbench/connected"
	"github.com/zsadbench/zsadbench/internal/finite"
)

// Settings say how every metric is computed. It is the one configuration of
// zsadbench: package pro, rcpro and evaluate take it, the command line's
// flag defaults are DefaultSettings, and its JSON form is the "settings"
// block of the results (Workers, which never changes a result, is left out).
type Settings struct {
	// Thresholds is the grid of AUPRO and RCPRO (AUROC, AP and F1-max
	// always use every distinct score).
	Thresholds Grid `json:"thresholds"`
	// FPRLimit is L of AUPRO@L, in (0, 1].
	FPRLimit float64 `json:"fpr_limit"`
	// RCPROTau is the overlap tolerance, in [0, 1]: a predicted region that
	// overlaps its best-matched ground-truth region by less than tau of
	// that region's area is a false alarm.
	RCPROTau float64 `json:"rcpro_tau"`
	// RCPRODelta is the excess tolerance, > 0: a region's quality decays as
	// delta/r once its excess ratio r passes delta.
	RCPRODelta float64 `json:"rcpro_delta"`
	// Connectivity of ground-truth and predicted regions.
	Connectivity connected.Connectivity `json:"connectivity"`
	// RCAverage says how RC averages region qualities.
	RCAverage RCAverage `json:"rc_average"`
	// PIMOThresholds is the grid of AUPIMO: 0 for the exact grid, K >= 2
	// for the reference implementation's K thresholds linearly spaced over
	// the normal images' scores (300,000 there).
	PIMOThresholds int `json:"pimo_thresholds"`
	// Metrics selects what is computed; the rest is not paid for.
	Metrics Selection `json:"metrics"`
	// Workers is the number of images swept (and files read) at once;
	// 0 means GOMAXPROCS, at most MaxWorkers. Results do not depend on it.
	Workers int `json:"-"`
}

// MaxWorkers bounds Settings.Workers: each worker holds its own buffers (an
// image's, a share of a category's sums), so workers beyond the CPUs only
// cost memory (20 maps of 256x256 took 27 MB with 2 workers, 63 MB with 256,
// 586 MB with 1024, and 15000 workers 7.8 GB).
const MaxWorkers = 256

// DefaultSettings are METRICS.md's defaults: the exact grid, L = 0.3, the
// DIVE paper's tau 0.05 and delta 2.0, 8-connectivity, pooled RC, the exact
// grid for AUPIMO, and the paper table's metrics (SelectPaper: AUPIMO is
// asked for by name).
var DefaultSettings = Settings{
	Thresholds: Exact, FPRLimit: 0.3, RCPROTau: 0.05, RCPRODelta: 2.0,
	Connectivity: connected.Eight, RCAverage: Pooled, Metrics: SelectPaper,
}

// Validate checks the settings' ranges. A problem is a *SettingError.
func (s Settings) Validate() error {
	bad := func(name string, v any, want string) error {
		return &SettingError{Name: name, Value: fmt.Sprint(v), Want: want}
	}
	switch {
	case !(s.FPRLimit > 0 && s.FPRLimit <= 1):
		return bad("fpr_limit", s.FPRLimit, "a value in (0, 1]")
	case !(s.RCPROTau >= 0 && s.RCPROTau <= 1):
		return bad("rcpro_tau", s.RCPROTau, "a value in [0, 1]")
	case !(s.RCPRODelta > 0) || !finite.Float64(s.RCPRODelta):
		return bad("rcpro_delta", s.RCPRODelta, "a positive value")
	case !s.Connectivity.Valid():
		return bad("connectivity", int(s.Connectivity), "4 or 8")
	case s.RCAverage != Pooled && s.RCAverage != PerImage:
		return bad("rc_average", int(s.RCAverage), "pooled or image")
	case s.PIMOThresholds != 0 && (s.PIMOThresholds < 2 || s.PIMOThresholds > MaxPIMOThresholds):
		return bad("pimo_thresholds", s.PIMOThresholds, fmt.Sprintf("0 (exact) or a number of thresholds from 2 to %d", MaxPIMOThresholds))
	case s.Thresholds.Steps < 0:
		return bad("thresholds", s.Thresholds.Steps, "exact or steps:N with N a positive integer")
	case s.Metrics&^SelectAll != 0:
		return bad("metrics", int(s.Metrics), "image, pixel, aupro, rcpro, aupimo or all")
	case s.Workers < 0 || s.Workers > MaxWorkers:
		return bad("workers", s.Workers, fmt.Sprintf("0 (one per CPU) to %d", MaxWorkers))
	}
	return nil
}

// SettingError is a setting out of its range.
type SettingError struct {
	// Name is the setting's name in JSON's "settings" (workers: "workers").
	Name string
	// Value is the value given, as text.
	Value string
	// Want says what is accepted.
	Want string
}

func (e *SettingError) Error() string { return e.Name + " " + e.Value + ": want " + e.Want }

// MarshalText writes the grid as String does ("exact", "steps:200").
func (g Grid) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (g *Grid) UnmarshalText(b []byte) error {
	v, err := ParseGrid(string(b))
	*g = v
	return err
}

// RCAverage says how RC averages the qualities of predicted regions.
type RCAverage int

const (
	// Pooled averages over all predicted regions of the category (the
	// DIVE paper's RC).
	Pooled RCAverage = iota
	// PerImage averages per image first, then over the images that have
	// predicted regions.
	PerImage
)

// String returns "pooled" or "image", the form ParseRCAverage reads.
func (a RCAverage) String() string {
	if a == PerImage {
		return "image"
	}
	return "pooled"
}

// ParseRCAverage reads "pooled" or "image".
func ParseRCAverage(s string) (RCAverage, error) {
	switch s {
	case "pooled":
		return Pooled, nil
	case "image":
		return PerImage, nil
	}
	return 0, fmt.Errorf("RC average %q: want pooled or image", s)
}

// MarshalText writes the average as String does.
func (a RCAverage) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (a *RCAverage) UnmarshalText(b []byte) error {
	v, err := ParseRCAverage(string(b))
	*a = v
	return err
}

// MaxPIMOThresholds is the most thresholds of AUPIMO's linspace grid.
const MaxPIMOThresholds = 1 << 30

// Selection is a set of metric groups to compute.
type Selection uint8

const (
	SelectImage  Selection = 1 << iota // image AUROC, AP, F1-max
	SelectPixel                        // pixel AUROC, AP, F1-max
	SelectAUPRO                        // AUPRO@L
	SelectRCPRO                        // RCPRO
	SelectAUPIMO                       // AUPIMO (per image, and its mean and std)
	// SelectPaper is the paper table's metrics, the default.
	SelectPaper = SelectImage | SelectPixel | SelectAUPRO | SelectRCPRO
	// SelectAll is every metric: the paper table's and AUPIMO.
	SelectAll = SelectPaper | SelectAUPIMO
)

var selectionNames = []struct {
	s    Selection
	name string
}{{SelectImage, "image"}, {SelectPixel, "pixel"}, {SelectAUPRO, "aupro"}, {SelectRCPRO, "rcpro"}, {SelectAUPIMO, "aupimo"}}

// ParseSelection reads a comma-separated list of image, pixel, aupro, rcpro,
// aupimo, "paper" (the first four, the default) or "all" (all five).
func ParseSelection(s string) (Selection, error) {
	var m Selection
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ToLower(f))
		switch f {
		case "all":
			m |= SelectAll
			continue
		case "paper":
			m |= SelectPaper
			continue
		}
		found := false
		for _, g := range selectionNames {
			if g.name == f {
				m |= g.s
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("metric %q: want image, pixel, aupro, rcpro, aupimo, paper or all", f)
		}
	}
	return m, nil
}

// Has reports whether every group of t is selected.
func (m Selection) Has(t Selection) bool { return m&t == t }

// String lists the groups, comma-separated, in the order ParseSelection
// documents.
func (m Selection) String() string {
	var s []string
	for _, g := range selectionNames {
		if m&g.s != 0 {
			s = append(s, g.name)
		}
	}
	return strings.Join(s, ",")
}

// MarshalText writes the selection as String does.
func (m Selection) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads what MarshalText writes (an empty list is no metric).
func (m *Selection) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*m = 0
		return nil
	}
	v, err := ParseSelection(string(b))
	*m = v
	return err
}
