package metric

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSettingsJSON checks the "settings" block the results carry: names,
// text forms, and that it reads back to the same settings (plot and compare
// read results.json).
func TestSettingsJSON(t *testing.T) {
	s := DefaultSettings
	s.Workers = 3 // never in JSON: it changes no result
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"thresholds":"exact","fpr_limit":0.3,"rcpro_tau":0.05,"rcpro_delta":2,"connectivity":8,"rc_average":"pooled","pimo_thresholds":0,"metrics":"image,pixel,aupro,rcpro"}`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	for _, s := range []Settings{
		DefaultSettings,
		{Thresholds: Steps(200), FPRLimit: 0.05, RCPROTau: 0, RCPRODelta: 0.5, Connectivity: 4, RCAverage: PerImage, Metrics: SelectAUPRO | SelectRCPRO},
		{Thresholds: Exact, FPRLimit: 0.3, RCPRODelta: 2, Connectivity: 8, PIMOThresholds: 300000, Metrics: SelectAll},
	} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var got Settings
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(s, got); d != "" {
			t.Errorf("round trip of %s: (-want +got)\n%s", b, d)
		}
	}
	var bad Settings
	for _, in := range []string{`{"thresholds":"steps:0"}`, `{"rc_average":"mean"}`, `{"metrics":"image,auroc"}`} {
		if err := json.Unmarshal([]byte(in), &bad); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	if err := DefaultSettings.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, c := range []struct {
		change func(*Settings)
		name   string
	}{
		{func(s *Settings) { s.FPRLimit = 0 }, "fpr_limit"},
		{func(s *Settings) { s.FPRLimit = math.NaN() }, "fpr_limit"},
		{func(s *Settings) { s.FPRLimit = 1.5 }, "fpr_limit"},
		{func(s *Settings) { s.RCPROTau = -0.1 }, "rcpro_tau"},
		{func(s *Settings) { s.RCPROTau = math.NaN() }, "rcpro_tau"},
		{func(s *Settings) { s.RCPRODelta = 0 }, "rcpro_delta"},
		{func(s *Settings) { s.RCPRODelta = math.Inf(1) }, "rcpro_delta"},
		{func(s *Settings) { s.Connectivity = 6 }, "connectivity"},
		{func(s *Settings) { s.RCAverage = 2 }, "rc_average"},
		{func(s *Settings) { s.Thresholds = Steps(-1) }, "thresholds"},
		{func(s *Settings) { s.Metrics = 1 << 5 }, "metrics"},
		{func(s *Settings) { s.PIMOThresholds = 1 }, "pimo_thresholds"},
		{func(s *Settings) { s.PIMOThresholds = -3 }, "pimo_thresholds"},
		{func(s *Settings) { s.PIMOThresholds = MaxPIMOThresholds + 1 }, "pimo_thresholds"},
		{func(s *Settings) { s.Workers = -1 }, "workers"},
		{func(s *Settings) { s.Workers = MaxWorkers + 1 }, "workers"},
	} {
		s := DefaultSettings
		c.change(&s)
		var se *SettingError
		if err := s.Validate(); !errors.As(err, &se) || se.Name != c.name {
			t.Errorf("%+v: error %v, want one naming %s", s, err, c.name)
		}
	}
}

func TestSelection(t *testing.T) {
	for in, want := range map[string]Selection{
		"all": SelectAll, "image": SelectImage, "Pixel, AUPRO": SelectPixel | SelectAUPRO, "rcpro,rcpro": SelectRCPRO,
		"paper": SelectPaper, "paper,aupimo": SelectAll, "aupimo": SelectAUPIMO,
	} {
		got, err := ParseSelection(in)
		if err != nil || got != want {
			t.Errorf("ParseSelection(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseSelection("image,,pixel"); err == nil {
		t.Error("an empty item: no error")
	}
	if s := (SelectImage | SelectRCPRO).String(); s != "image,rcpro" {
		t.Errorf("String = %q", s)
	}
	if DefaultSettings.Metrics.Has(SelectAUPIMO) || !SelectAll.Has(SelectAUPIMO) {
		t.Error("AUPIMO is in the default selection or not in all")
	}
	if !SelectAll.Has(SelectPixel|SelectAUPRO) || SelectImage.Has(SelectImage|SelectPixel) {
		t.Error("Has")
	}
}
