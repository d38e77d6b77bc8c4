package sync

import (
	"strings"
	"testing"
)

// Phone text is written into buffers now (fingerprints); it must stay the
// text the earlier String wrote, which plans and fingerprints carry.
func TestPhoneTextIsTheEarlierString(t *testing.T) {
	t.Parallel()
	earlier := func(p Phone) string {
		var b strings.Builder
		if p.CountryCode != "" {
			b.WriteString("+" + strings.TrimPrefix(p.CountryCode, "+") + " ")
		}
		if p.AreaCode != "" {
			b.WriteString(p.AreaCode + "-")
		}
		b.WriteString(p.Number)
		if p.Extension != "" {
			b.WriteString(" x" + p.Extension)
		}
		return strings.TrimSpace(b.String())
	}
	parts := []string{"", "1", "+44", " 20 ", "555 0100", "\u00a0", "x9", "++1"}
	for _, cc := range parts {
		for _, area := range parts {
			for _, num := range parts {
				for _, ext := range parts {
					p := Phone{CountryCode: cc, AreaCode: area, Number: num, Extension: ext}
					if got, want := p.String(), earlier(p); got != want {
						t.Fatalf("%+v: %q, want %q", p, got, want)
					}
					if got := string(p.appendText([]byte("kept:"))); got != "kept:"+earlier(p) {
						t.Fatalf("%+v appended: %q", p, got)
					}
				}
			}
		}
	}
}
