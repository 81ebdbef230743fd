package version

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestCitation checks CITATION.cff against the required fields and types of
// the Citation File Format 1.2.0 schema, and that its version is the newest
// release in CHANGELOG.md.
func TestCitation(t *testing.T) {
	b, err := os.ReadFile("../../CITATION.cff")
	if err != nil {
		t.Fatal(err)
	}
	var cff struct {
		CFFVersion   string `yaml:"cff-version"`
		Message      string `yaml:"message"`
		Title        string `yaml:"title"`
		Type         string `yaml:"type"`
		License      string `yaml:"license"`
		Version      string `yaml:"version"`
		DateReleased string `yaml:"date-released"`
		Authors      []struct {
			Name       string `yaml:"name"`
			FamilyName string `yaml:"family-names"`
		} `yaml:"authors"`
		References []struct {
			Type    string `yaml:"type"`
			Title   string `yaml:"title"`
			Authors []struct {
				Name       string `yaml:"name"`
				FamilyName string `yaml:"family-names"`
			} `yaml:"authors"`
		} `yaml:"references"`
	}
	if err := yaml.Unmarshal(b, &cff); err != nil {
		t.Fatalf("CITATION.cff: %v", err)
	}
	// The schema allows no other top-level key: a misspelt one is an error.
	var top map[string]any
	if err := yaml.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	schema := map[string]bool{}
	for _, k := range strings.Fields(`abstract authors cff-version commit contact date-released doi identifiers keywords
		license license-url message preferred-citation references repository repository-artifact repository-code title type url version`) {
		schema[k] = true
	}
	for k := range top {
		if !schema[k] {
			t.Errorf("CITATION.cff: %q is not a CFF 1.2.0 key", k)
		}
	}
	if cff.CFFVersion != "1.2.0" || cff.Message == "" || cff.Title == "" || len(cff.Authors) == 0 {
		t.Errorf("CITATION.cff lacks a required field: %+v", cff)
	}
	for _, a := range cff.Authors {
		if a.Name == "" && a.FamilyName == "" {
			t.Errorf("an author without a name")
		}
	}
	if cff.Type != "software" || cff.License != "MIT" {
		t.Errorf("type %q, license %q", cff.Type, cff.License)
	}
	if _, err := time.Parse("2006-01-02", cff.DateReleased); err != nil {
		t.Errorf("date-released: %v", err)
	}
	for _, r := range cff.References {
		if r.Type == "" || r.Title == "" || len(r.Authors) == 0 {
			t.Errorf("reference %q lacks type, title or authors", r.Title)
		}
	}
	changelog, err := os.ReadFile("../../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$`).FindSubmatch(changelog)
	if m == nil {
		t.Fatal("CHANGELOG.md has no release heading")
	}
	if cff.Version != string(m[1]) || cff.DateReleased != string(m[2]) {
		t.Errorf("CITATION.cff says %s of %s, the newest release in CHANGELOG.md is %s of %s", cff.Version, cff.DateReleased, m[1], m[2])
	}
	if !regexp.MustCompile(`(?m)^## \[Unreleased\]$`).Match(changelog) {
		t.Error("CHANGELOG.md has no [Unreleased] section")
	}
}
