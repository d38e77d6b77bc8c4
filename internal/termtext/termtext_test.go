package termtext

import (
	"encoding/json"
	"testing"
)

// Bidi and zero-width characters never reach a terminal raw: text shows
// them escaped, JSON writes the escape of the same string.
func TestInvisibleCharactersAreEscaped(t *testing.T) {
	for _, r := range []rune{0x200b, 0x200f, 0x202a, 0x202e, 0x2060, 0x2066, 0x2069, 0xfeff} {
		s := "ad" + string(r) + "min"
		if got := Safe(s); got != "ad\\u"+hex4(r)+"min" {
			t.Fatalf("%U: Safe gave %q", r, got)
		}
		b, _ := json.Marshal(s)
		esc := JSON(b)
		for _, c := range string(esc) {
			if Invisible(c) {
				t.Fatalf("%U reached JSON raw: %q", r, esc)
			}
		}
		var back string
		if err := json.Unmarshal(esc, &back); err != nil || back != s {
			t.Fatalf("%U: JSON escape is not the same string: %q %v", r, back, err)
		}
	}
	for _, ok := range []string{"José", "日本", "a\u2010b", "\u200a"} {
		if Safe(ok) != ok {
			t.Fatalf("%q was escaped", ok)
		}
	}
}

func hex4(r rune) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[r>>12&15], digits[r>>8&15], digits[r>>4&15], digits[r&15]})
}
