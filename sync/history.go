package sync

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
)

// Each time the cache is rewritten, the snapshot it replaces is kept as
// CACHE.1 (the older ones move up to CACHE.N): renames, no copying. They
// are what drift --user reads a user's history from.

func (s *Service) historyKeep() int {
	switch n := s.e.History; {
	case n < 0:
		return 0
	case n == 0:
		return 5
	default:
		return n
	}
}

func rotateHistory(cache string, keep int) {
	if keep <= 0 {
		return
	}
	os.Remove(fmt.Sprintf("%s.%d", cache, keep))
	for i := keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", cache, i), fmt.Sprintf("%s.%d", cache, i+1))
	}
	os.Rename(cache, cache+".1")
}

// UserVersion is a user as one snapshot saw it, with what changed since
// the version before.
type UserVersion struct {
	Seen      time.Time     `json:"seen"` // when the snapshot was read
	UpdatedAt string        `json:"updated-at"`
	UpdatedBy string        `json:"updated-by"`
	Changes   []DriftChange `json:"changes"`
	Note      string        `json:"note,omitempty"`
}

// UserHistory reads a user's versions across the kept snapshots of the
// instance and Coupa now, oldest first, each with what changed and who
// changed it.
func (s *Service) UserHistory(ctx context.Context, login string) ([]UserVersion, error) {
	client, err := s.Client(false)
	if err != nil {
		return nil, err
	}
	instance := client.Instance()
	cache, err := s.cachePath(instance)
	if err != nil {
		return nil, err
	}
	// the kept snapshots and the cache itself, read before the refresh moves them
	var snaps []*coupa.Snapshot
	for i := s.historyKeep(); i >= 0; i-- {
		p := cache
		if i > 0 {
			p = fmt.Sprintf("%s.%d", cache, i)
		}
		if sn, err := coupa.LoadSnapshot(p); err == nil && sn.Instance == instance {
			snaps = append(snaps, sn)
		}
	}
	now, _, err := s.Coupa(ctx, nil)
	if err != nil {
		return nil, err
	}
	snaps = append(snaps, now)
	sort.SliceStable(snaps, func(i, j int) bool { return snaps[i].FetchedAt.Before(snaps[j].FetchedAt) })
	var out []UserVersion
	var prev map[string]string
	for _, sn := range snaps {
		var u *coupa.User
		for i := range sn.Users {
			if strings.EqualFold(sn.Users[i].Login, login) {
				u = &sn.Users[i]
				break
			}
		}
		if u == nil {
			continue
		}
		cur := fieldsOf(u)
		v := UserVersion{Seen: sn.FetchedAt, UpdatedAt: u.UpdatedAt, UpdatedBy: actor(u), Changes: []DriftChange{}}
		switch {
		case prev == nil:
			v.Note = "first seen"
		default:
			for _, f := range driftFields(prev, cur) {
				if !Same(f, textValue(f, prev[f]), textValue(f, cur[f])) {
					v.Changes = append(v.Changes, DriftChange{Field: f, Before: prev[f], After: cur[f]})
				}
			}
			if len(v.Changes) == 0 && len(out) > 0 && out[len(out)-1].UpdatedAt == u.UpdatedAt {
				continue // the same version, seen again
			}
		}
		out = append(out, v)
		prev = cur
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no user %q in %s or its kept snapshots", login, now.Instance)
	}
	return out, nil
}
