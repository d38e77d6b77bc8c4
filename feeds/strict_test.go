package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each kind of mapping mistake is an error at its line, with the nearest
// valid name, before a single row is read.
func TestMappingMistakes(t *testing.T) {
	t.Parallel()
	base, err := os.ReadFile(fx + "workday.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ from, to, want string }{
		{"email: {from: [EmailAddress, Work Email], case: lower}", "email: {from: [EmailAddress, Work Email], cse: lower}", `:8:`},
		{"email: {from: [EmailAddress, Work Email], case: lower}", "email: {from: [EmailAddress, Work Email], cse: lower}", `unknown key "cse" (did you mean case?)`},
		{"filter: WorkerType == Contractor", "filtre: WorkerType == Contractor", `unknown key "filtre" (did you mean filter?)`},
		{"{{localpart(EmailAddress)}}", "{{localpart(EmailAdress)}}", `template names "EmailAdress", which is neither a mapped field nor a column of workday.csv (did you mean EmailAddress?)`},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "m.yaml")
		os.WriteFile(path, []byte(strings.Replace(string(base), c.from, c.to, 1)), 0o600)
		m, err := LoadMapping(path)
		if err == nil {
			_, err = ReadFile(fx+"workday.csv", Options{Mapping: m})
		}
		var re *ReadError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "m.yaml") {
			t.Errorf("%s: %v, want %q", c.to, err, c.want)
		}
		if strings.Contains(err.Error(), "feeds.") || strings.Contains(err.Error(), "type ") {
			t.Errorf("a Go type name in %q", err)
		}
	}
}
