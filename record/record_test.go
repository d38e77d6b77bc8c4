package record

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestFieldsRoundTrip(t *testing.T) {
	t.Parallel()
	u := New(Source{})
	for _, f := range known {
		u.Set(f, " v"+f+" ")
	}
	u.Set(CustomField("cost-center"), "4100")
	u.Set(SegmentField(2), "4300")
	u.Set(Email, "   ") // no opinion
	if u.Get(Email) != "v"+Email || u.Get(CustomField("cost-center")) != "4100" || u.Len() != len(known)+2 {
		t.Fatalf("%+v", u)
	}
	var order []string
	u.Range(func(k, _ string) { order = append(order, k) })
	if order[0] != Login || order[len(order)-1] != SegmentField(2) {
		t.Fatalf("range order %v", order)
	}
	u.Delete(Login)
	u.Delete(SegmentField(2))
	if u.Has(Login) || u.Has(SegmentField(2)) || u.Key() != "v"+EmployeeNumber {
		t.Fatal("delete")
	}
}

func TestParseBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"Yes": true, "active": true, "T": true, "1": true, "no": false, "Inactive": false, "0": false} {
		if v, ok := ParseBool(in); !ok || v != want {
			t.Errorf("%q", in)
		}
	}
	if _, ok := ParseBool("maybe"); ok {
		t.Error("maybe")
	}
}

func TestSegmentsAndSlab(t *testing.T) {
	t.Parallel()
	var slab Slab
	a := slab.New(Source{Line: 2}, 2)
	b := slab.New(Source{Line: 3}, 2)
	a.SetSegment(3, Segment{Name: "Engineering"})
	a.Set(Login, "ann")
	a.Set(Email, "ann@x") // past the slab's room: grows on its own
	b.Set(Login, "bob")
	if a.Segment(3).Name != "Engineering" || !a.HasSegments() || b.HasSegments() || a.Get(Login) != "ann" || b.Get(Login) != "bob" || a.Len() != 2 {
		t.Fatalf("%+v %+v", a, b)
	}
	a.SetSegment(3, Segment{Code: "4100"})
	if a.Segment(3) != (Segment{Code: "4100"}) {
		t.Fatalf("%+v", a.Segment(3))
	}
}

// Segments reads in one pass what SegmentField and Segment read one by one.
func TestSegmentsReadsWhatGetReads(t *testing.T) {
	u := New(Source{})
	u.Set(Login, "x")
	u.Set(SegmentField(1), "100")
	u.Set(SegmentField(12), "12")
	u.Set(SegmentField(20), "twenty")
	u.SetSegment(3, Segment{Name: "Engineering"})
	u.SetSegment(11, Segment{Name: "N", Code: "C"})
	u.Set("ccw-segment-x-name", "junk")
	var chart [21]string
	var ccw [MaxSegments + 1]Segment
	u.Segments(&chart, &ccw)
	for n := 1; n <= 20; n++ {
		if chart[n] != u.Get(SegmentField(n)) {
			t.Errorf("chart segment %d: %q, Get %q", n, chart[n], u.Get(SegmentField(n)))
		}
	}
	for n := 1; n <= MaxSegments; n++ {
		if ccw[n] != u.Segment(n) {
			t.Errorf("CCW segment %d: %+v, Segment %+v", n, ccw[n], u.Segment(n))
		}
	}
	if chart[12] != "12" || ccw[11].Code != "C" || ccw[3].Name != "Engineering" {
		t.Fatal("the values set are not read")
	}
}

// Prefixed reaches the fields Range reaches with that prefix, in its order.
func TestPrefixedIsRangeFiltered(t *testing.T) {
	u := New(Source{})
	for _, k := range []string{"custom-fields.z", Login, "custom-fields.a", "feed.x", "custom-fields.m", Email} {
		u.Set(k, "v-"+k)
	}
	u.SetSegment(2, Segment{Code: "c"})
	var want, got []string
	u.Range(func(k, v string) {
		if strings.HasPrefix(k, "custom-fields.") {
			want = append(want, k+"="+v)
		}
	})
	u.Prefixed("custom-fields.", func(k, v string) { got = append(got, k+"="+v) })
	if len(want) != 3 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%v, Range gives %v", got, want)
	}
}

// Trim is strings.TrimSpace.
func TestTrimIsTrimSpace(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a", "a ", "\ta\n", "\u00a0a", "a\u3000", "é", "a b", "\x85a"} {
		if Trim(s) != strings.TrimSpace(s) {
			t.Errorf("Trim(%q) = %q", s, Trim(s))
		}
	}
}

// Rekey in one pass does what its two steps did: forget new, then turn
// the first entry of old into new; for every record of up to 4 entries of
// three fields, whichever two fields are rekeyed (the same one included).
func TestRekeyIsDeleteThenReplace(t *testing.T) {
	keys := []string{"a", "b", "c"}
	var records [][]kv
	var grow func(r []kv)
	grow = func(r []kv) {
		records = append(records, r)
		if len(r) < 4 {
			for i, k := range keys {
				grow(append(slices.Clip(r), kv{k, fmt.Sprint(len(r), i)}))
			}
		}
	}
	grow(nil)
	for _, r := range records {
		for _, old := range keys {
			for _, nw := range keys {
				got := &User{kv: slices.Clone(r)}
				gotOK := got.Rekey(old, nw, "v")
				want := &User{kv: slices.Clone(r)}
				want.Delete(nw)
				wantOK := false
				for i := range want.kv {
					if want.kv[i].k == old {
						want.kv[i], wantOK = kv{nw, "v"}, true
						break
					}
				}
				if gotOK != wantOK || !slices.Equal(got.kv, want.kv) {
					t.Fatalf("%v rekey %s→%s: %v %v, want %v %v", r, old, nw, got.kv, gotOK, want.kv, wantOK)
				}
			}
		}
	}
}
