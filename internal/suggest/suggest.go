// Package suggest finds the nearest valid name to a mistyped one, for
// "did you mean …?" hints.
package suggest

import (
	"sort"
	"strings"
)

// Nearest returns the candidates closest to word (case-insensitive edit
// distance), best first, at most max of them, and only close ones: within
// a third of the word's length, or sharing a prefix or containing it.
func Nearest(word string, candidates []string, max int) []string {
	w := strings.ToLower(strings.TrimSpace(word))
	type scored struct {
		s string
		d int
	}
	var out []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := distance(w, lc)
		limit := max3(2, len(w)/3)
		if d <= limit || (len(w) >= 3 && (strings.Contains(lc, w) || strings.Contains(w, lc))) {
			out = append(out, scored{c, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	var names []string
	for i := 0; i < len(out) && i < max; i++ {
		names = append(names, out[i].s)
	}
	return names
}

// Hint is " (did you mean X?)" or "".
func Hint(word string, candidates []string) string {
	n := Nearest(word, candidates, 1)
	if len(n) == 0 {
		return ""
	}
	return " (did you mean " + n[0] + "?)"
}

func max3(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
