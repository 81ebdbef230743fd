package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	for _, c := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Path: Module, Version: "v0.2.0"}}, "v0.2.0"},
		{debug.BuildInfo{Main: debug.Module{Path: Module, Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-12-06T00:00:00Z"}}},
			"(devel) 0123456789ab+modified"},
		{debug.BuildInfo{Main: debug.Module{Path: Module}}, "(devel)"},
		{debug.BuildInfo{Main: debug.Module{Path: Module, Version: "v0.0.0-20261206025842-55a76384ed19+dirty"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "55a76384ed19b138e27a"}, {Key: "vcs.modified", Value: "true"}}},
			"v0.0.0-20261206025842-55a76384ed19+dirty"},
		{debug.BuildInfo{Main: debug.Module{Path: "example.com/user"}, Deps: []*debug.Module{{Path: Module, Version: "v1.3.0"}}}, "v1.3.0"},
		{debug.BuildInfo{Main: debug.Module{Path: "example.com/user"}}, "(unknown)"},
	} {
		if got := fromBuildInfo(&c.bi).String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.bi.Main, got, c.want)
		}
	}
}

// TestGet: a test binary has build info; its main module is the test's.
func TestGet(t *testing.T) {
	if v := Get().Version; v == "" {
		t.Error("empty version")
	}
}
