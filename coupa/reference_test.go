package coupa_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
)

// referenceOf is a snapshot's reference lists, to compare two snapshots'.
func referenceOf(s *coupa.Snapshot) []any {
	return []any{s.Currencies, s.AccountTypes, s.Lookups, s.LookupValues, s.UserGroups, s.AccountGroups, s.ContentGroups, s.RoleCatalogue}
}

// manyLookupValues is the default reference with n more lookup values
// (a real chart's cost centres run to thousands).
func manyLookupValues(n int) *emulator.Seed {
	seed := emulator.Generate(60)
	lookup := seed.LookupValues[0].Lookup
	for i := 0; i < n; i++ {
		seed.LookupValues = append(seed.LookupValues, coupa.LookupValue{ID: 10000 + i, Name: "CC-" + strings.Repeat("x", i%7) + string(rune('A'+i%26)), Active: true, Lookup: lookup})
	}
	return seed
}

// A refresh reads only the reference records changed since the last read,
// and what it builds is what a full read builds.
func TestReferenceIsRefreshedByItsChanges(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	srv, base := start(t, manyLookupValues(2000), emulator.Options{Now: clk.Now})
	c := client(t, base, nil)
	ctx := context.Background()
	s1, err := c.Fetch(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s1.ReferenceAt == "" || s1.ReferenceFullAt == "" || s1.Stats.ReferenceSince != "" {
		t.Fatalf("a first read is a full read with a mark: at %q full %q since %q", s1.ReferenceAt, s1.ReferenceFullAt, s1.Stats.ReferenceSince)
	}
	clk.Add(time.Hour)
	srv.EditReference("lookup_values", 10005, map[string]any{"name": "Renamed", "active": false})
	srv.EditReference("lookup_values", 20000, map[string]any{"name": "Brand new", "active": true, "lookup": map[string]any{"id": s1.LookupValues[0].Lookup.ID}})
	srv.EditReference("user_groups", s1.UserGroups[0].ID, map[string]any{"name": "Renamed group"})

	before := srv.Hits.Load()
	s2, err := c.Fetch(ctx, s1, nil)
	if err != nil {
		t.Fatal(err)
	}
	incremental := srv.Hits.Load() - before
	if s2.Stats.ReferenceSince != s1.ReferenceAt || s2.ReferenceFullAt != s1.ReferenceFullAt || s2.ReferenceAt <= s1.ReferenceAt {
		t.Fatalf("refresh: since %q (want %q), full %q (want %q), mark %q after %q", s2.Stats.ReferenceSince, s1.ReferenceAt, s2.ReferenceFullAt, s1.ReferenceFullAt, s2.ReferenceAt, s1.ReferenceAt)
	}
	full, err := c.Fetch(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(referenceOf(s2), referenceOf(full)) {
		t.Fatal("the reference lists refreshed by their changes differ from a full read's")
	}
	if len(s2.LookupValues) != len(s1.LookupValues)+1 {
		t.Fatalf("lookup values %d, want %d", len(s2.LookupValues), len(s1.LookupValues)+1)
	}
	// 2,000 lookup values are 40 pages in full; their changes one.
	if incremental > 15 {
		t.Fatalf("the refresh made %d requests; its reference reads should be a page each", incremental)
	}

	// Past the maximum age (or with it negative) the lists are read in full.
	always := client(t, base, func(cfg *coupa.Config) { cfg.ReferenceMaxAge = -1 })
	s3, err := always.Fetch(ctx, s2, nil)
	if err != nil || s3.Stats.ReferenceSince != "" || s3.ReferenceFullAt == "" {
		t.Fatalf("negative max age: since %q, err %v", s3.Stats.ReferenceSince, err)
	}
	old := *s2
	old.ReferenceFullAt = time.Now().Add(-13 * time.Hour).UTC().Format(time.RFC3339)
	s4, err := c.Fetch(ctx, &old, nil)
	if err != nil || s4.Stats.ReferenceSince != "" || s4.ReferenceFullAt == old.ReferenceFullAt {
		t.Fatalf("a day-old full read: since %q full %q, err %v", s4.Stats.ReferenceSince, s4.ReferenceFullAt, err)
	}
	if !reflect.DeepEqual(referenceOf(s4), referenceOf(full)) {
		t.Fatal("a full re-read differs")
	}
}

// An instance that refuses the updated-at filter on a list (400) has that
// list read in full, and nothing fails.
func TestReferenceFilterRefusedReadsInFull(t *testing.T) {
	t.Parallel()
	srv := emulator.New(manyLookupValues(120), emulator.Options{})
	refused := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "lookup_values") && strings.Contains(r.URL.RawQuery, "updated") {
			refused++
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			w.Write([]byte(`{"errors":{"lookup_value":["unknown attribute updated_at in filter"]}}`))
			return
		}
		srv.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	c := client(t, ts.URL, func(cfg *coupa.Config) { cfg.Concurrency = 1 })
	ctx := context.Background()
	s1, err := c.Fetch(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.Fetch(ctx, s1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if refused == 0 || s2.Stats.ReferenceSince == "" {
		t.Fatalf("the filter was not tried (refused %d, since %q)", refused, s2.Stats.ReferenceSince)
	}
	if !reflect.DeepEqual(referenceOf(s1), referenceOf(s2)) || len(s2.LookupValues) != len(s1.LookupValues) {
		t.Fatal("a list that refused the filter was not read in full")
	}
}

// Re-opening an unchanged instance through the cache file counts no user
// as changed: an empty list read as [] is the one the cache left out.
func TestUnchangedReopenThroughTheCacheCountsNone(t *testing.T) {
	t.Parallel()
	_, base := start(t, emulator.Generate(300), emulator.Options{})
	c := client(t, base, nil)
	ctx := context.Background()
	s1, err := c.Fetch(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/cache.json"
	if err := s1.SaveCache(path); err != nil {
		t.Fatal(err)
	}
	s2, err := c.RefreshCache(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s2.Stats.Incremental || s2.Stats.Changed != 0 || s2.Stats.ReferenceSince == "" {
		t.Fatalf("unchanged re-open through the cache: %+v", s2.Stats)
	}
}

// Every attribute the user model decodes is one the read asks Coupa for
// (its fields projection): Coupa sends newer attributes only when asked,
// so a field added to the model alone would read as empty for ever.
func TestTheUserProjectionAsksForEveryModelAttribute(t *testing.T) {
	var asked []any
	if err := json.Unmarshal([]byte(coupa.UserFields), &asked); err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, a := range asked {
		switch a := a.(type) {
		case string:
			has[a] = true
		case map[string]any:
			for k := range a {
				has[k] = true
			}
		}
	}
	notAsked := map[string]bool{"fullname": true} // output only; ccwrecon shows the feed's names
	ut := reflect.TypeOf(coupa.User{})
	for i := 0; i < ut.NumField(); i++ {
		name, _, _ := strings.Cut(ut.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" || notAsked[name] {
			continue
		}
		if !has[name] {
			t.Errorf("the model decodes %q but the read never asks for it (coupa.UserFields)", name)
		}
	}
}
