package sync

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
)

// rowsByLogin finds the row the earlier map of every login did: for each
// lower-cased login, the last row whose feed login or Coupa login it is.
// Random rows: matches, renames, case changes, creates taking Coupa
// logins, empty logins, Coupa logins that differ only in case.
func TestRowsByLoginIsTheMapOfEveryLogin(t *testing.T) {
	t.Parallel()
	for seed := uint64(0); seed < 203; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		users, rowCount, logins := 1+rng.IntN(30), rng.IntN(40), 40
		if seed >= 200 { // ranges split over the cores
			users, rowCount, logins = 30_000, 40_000, 20_000
		}
		names := func() string {
			n := fmt.Sprintf("u%d", rng.IntN(logins))
			switch rng.IntN(6) {
			case 0:
				return strings.ToUpper(n)
			case 1:
				return ""
			}
			return n
		}
		snap := &coupa.Snapshot{}
		for i := 0; i < users; i++ {
			snap.Users = append(snap.Users, coupa.User{ID: i + 1, Login: names()})
		}
		e := newEngine(&feeds.Feed{}, snap, Config{}, nil)
		var rows []*rowPlan
		for i := 0; i < rowCount; i++ {
			f := record.New(record.Source{Line: i + 2})
			f.Set(record.Login, names())
			rp := &rowPlan{feed: f}
			if rng.IntN(4) > 0 {
				rp.coupa = &snap.Users[rng.IntN(len(snap.Users))]
			}
			rows = append(rows, rp)
		}
		// the earlier index
		want := map[string]int32{}
		for i, rp := range rows {
			l := strings.ToLower(rp.feed.Get(record.Login))
			if l != "" {
				want[l] = int32(i)
			}
			if rp.coupa != nil && !strings.EqualFold(rp.coupa.Login, l) {
				want[strings.ToLower(rp.coupa.Login)] = int32(i)
			}
		}
		got := e.rowsByLogin(rows)
		for n := 0; n < logins; n++ {
			for _, l := range []string{fmt.Sprintf("u%d", n), ""} {
				w, wok := want[l]
				g, _, gok := got.at(l)
				if l == "" {
					continue // never looked up
				}
				if wok != gok || wok && w != g {
					t.Fatalf("seed %d, %q: row %d %v, want %d %v", seed, l, g, gok, w, wok)
				}
			}
		}
	}
}
