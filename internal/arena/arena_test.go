package arena

import "testing"

// Values handed out stay as they were while the blocks fill; a kept run
// cannot be appended into its neighbour.
func TestHandedOutValuesStay(t *testing.T) {
	var s Slab[int]
	var ps []*int
	var runs [][]int
	for i := 0; i < 5000; i++ {
		p := s.New()
		*p = i
		ps = append(ps, p)
		runs = append(runs, s.Keep([]int{i, -i}))
	}
	for i, p := range ps {
		if *p != i || runs[i][0] != i || runs[i][1] != -i || cap(runs[i]) != 2 {
			t.Fatalf("value %d: %d %v", i, *p, runs[i])
		}
	}
	_ = append(runs[0], 99)
	if runs[1][0] != 1 {
		t.Fatal("an append reached the next run")
	}
	if s.Keep(nil) != nil || len(s.Keep(make([]int, 300))) != 300 {
		t.Fatal("empty or long runs")
	}
	var text Text
	var strs []string
	for i := 0; i < 20000; i++ {
		b := text.Begin(8)
		b = append(b, byte('a'+i%26), byte('0'+i%10))
		strs = append(strs, text.End(b))
	}
	for i, s := range strs {
		if s != string([]byte{byte('a' + i%26), byte('0' + i%10)}) {
			t.Fatalf("string %d is %q", i, s)
		}
	}
	if text.End(text.Begin(4)) != "" {
		t.Fatal("nothing appended is the empty string")
	}
}
