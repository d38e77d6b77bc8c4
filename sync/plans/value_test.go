package plans

import (
	"strconv"
	"testing"
	"unsafe"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
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

// A number too large for the value's own field is kept whole, not cut.
func TestIntValueKeepsLargeNumbers(t *testing.T) {
	for _, n := range []int{0, 2, -1, 1 << 31, -(1 << 31) - 1, 1<<62 + 3} {
		v := Int(n)
		if v.IntValue() != n || v.IsNone() || v.String() != strconv.Itoa(n) {
			t.Errorf("Int(%d): IntValue %d, String %q", n, v.IntValue(), v.String())
		}
		if !Same(record.SecurityType, v, Int(n)) || n != 0 && Same(record.SecurityType, v, Int(0)) {
			t.Errorf("Int(%d) compares wrongly", n)
		}
	}
	if unsafe.Sizeof(Value{}) != 32 {
		t.Errorf("a Value is %d bytes: plans keep hundreds of thousands", unsafe.Sizeof(Value{}))
	}
}
