package sync

import (
	"testing"

	"github.com/ccwrecon/ccwrecon/coupa"
)

// Phone text is written into buffers now (fingerprints); it must stay the
// text plans and fingerprints carry, which is the text the Users CSV
// writes (coupa.Phone.String).
func TestPhoneTextIsTheUsersCSVText(t *testing.T) {
	t.Parallel()
	parts := []string{"", "1", "+44", " 20 ", "555 0100", "\u00a0", "x9", "++1"}
	for _, cc := range parts {
		for _, area := range parts {
			for _, num := range parts {
				for _, ext := range parts {
					p := Phone{CountryCode: cc, AreaCode: area, Number: num, Extension: ext}
					want := (&coupa.Phone{CountryCode: cc, AreaCode: area, Number: num, Extension: ext}).String()
					if got := p.String(); got != want {
						t.Fatalf("%+v: %q, want %q", p, got, want)
					}
					if got := string(p.appendText([]byte("kept:"))); got != "kept:"+want {
						t.Fatalf("%+v appended: %q", p, got)
					}
				}
			}
		}
	}
}
