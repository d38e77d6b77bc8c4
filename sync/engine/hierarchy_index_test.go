package engine

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
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

// Rows note their logins for the hierarchy as they are compared, on every
// core; a supervisor in another core's range is found the same: created,
// deactivated, missing, or closing a cycle across the ranges.
func TestHierarchyAcrossCores(t *testing.T) {
	t.Parallel()
	const n = 20_000
	snap := &coupa.Snapshot{Format: coupa.SnapshotFormat, Instance: "https://acme.coupahost.com"}
	for i := 0; i < n; i++ {
		snap.Users = append(snap.Users, coupa.User{ID: i + 1, Login: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@example.com", i),
			Active: true, CCWUser: true, Roles: []coupa.Role{{Name: "User"}}})
	}
	sup := map[int]string{100: "Boss.New", 200: "u19500", 300: "U19600", 19_600: "u300", 400: "ghost"}
	var b strings.Builder
	b.WriteString("Status|User ID|Last Name|First Name|Email|CCW User Role|Supervisor ID|Employee Number\n")
	for i := 0; i < n; i++ {
		status := "1"
		if i == 19_500 {
			status = "0"
		}
		fmt.Fprintf(&b, "%s|u%d|L|F|u%d@example.com|User|%s|\n", status, i, i, sup[i])
		if i == 19_000 {
			b.WriteString("1|boss.new|New|Boss|boss.new@example.com|User||\n")
		}
	}
	feed, err := feeds.Read(strings.NewReader(b.String()), "many.csv", feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Diff(feed, snap, Config{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	causes := func(login string) (out []string) {
		for _, pr := range synctest.User(p, login).Problems {
			out = append(out, string(pr.Kind)+": "+pr.Message)
		}
		return out
	}
	for login, want := range map[string]string{
		"u100":   "",
		"u200":   "supervisor u19500 is deactivated by this feed",
		"u300":   "supervisor cycle: u300 → u19600 → u300",
		"u19600": "supervisor cycle: u19600 → u300 → u19600",
		"u400":   "supervisor ghost is not in Coupa or in the feed",
		"u500":   "",
	} {
		got := strings.Join(causes(login), "; ")
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", login, got, want)
		}
	}
	if a := synctest.User(p, "boss.new").Action; a != plans.Create {
		t.Errorf("boss.new: %s", a)
	}
}
