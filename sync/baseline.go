package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// baselineSegment is where a baseline diff puts CCW segment N: compared as
// the file carries it (the code when there is one, else the name), with no
// lookup to translate it.
func baselineSegment(n int) string { return fmt.Sprintf("custom-fields.ccw-segment-%d", n) }

// BaselineTargets are the segment targets of a baseline diff.
func BaselineTargets() map[int]string {
	t := make(map[int]string, record.MaxSegments)
	for n := 1; n <= record.MaxSegments; n++ {
		t[n] = baselineSegment(n)
	}
	return t
}

// BaselineSnapshot is the state a baseline file describes, shaped as
// Coupa's so the one engine compares it: each row a user (active unless
// the file says Status 0), holding the CCW licence, its segments as the
// file carries them.
func BaselineSnapshot(old *feeds.Feed, instance string) *coupa.Snapshot {
	s := &coupa.Snapshot{Format: coupa.SnapshotFormat, Instance: instance, FetchedAt: time.Now().UTC()}
	s.Users = make([]coupa.User, 0, len(old.Users))
	for i, r := range old.Users {
		u := coupa.User{ID: i + 1, Login: r.Get(record.Login), Email: r.Get(record.Email), Firstname: r.Get(record.FirstName),
			Lastname: r.Get(record.LastName), Middlename: r.Get(record.MiddleName), EmployeeNumber: r.Get(record.EmployeeNumber),
			MentionName: r.Get(record.MentionName), SSOIdentifier: r.Get(record.SSO), Active: r.Active == nil || *r.Active,
			CCWUser: true, Roles: []coupa.Role{}}
		if v := r.Get(record.Currency); v != "" {
			u.DefaultCurrency = &coupa.Currency{Code: v}
		}
		if v := r.Get(record.Manager); v != "" {
			u.Manager = &coupa.Ref{Login: v}
		}
		if p, ok := plans.ParsePhone(r.Get(record.PhoneWork)); ok {
			u.PhoneWork = &coupa.Phone{CountryCode: p.CountryCode, AreaCode: p.AreaCode, Number: p.Number, Extension: p.Extension}
		}
		for _, role := range r.Roles {
			u.Roles = append(u.Roles, coupa.Role{Name: role})
		}
		var want [21]string
		var segs [record.MaxSegments + 1]record.Segment
		r.Segments(&want, &segs)
		for n := 1; n <= record.MaxSegments; n++ {
			v := segs[n].Code
			if v == "" {
				v = segs[n].Name
			}
			if v != "" {
				if u.CustomFields == nil {
					u.CustomFields = map[string]any{}
				}
				u.CustomFields[strings.TrimPrefix(baselineSegment(n), "custom-fields.")] = v
			}
		}
		r.Prefixed("custom-fields.", func(field, value string) {
			if u.CustomFields == nil {
				u.CustomFields = map[string]any{}
			}
			u.CustomFields[strings.TrimPrefix(field, "custom-fields.")] = value
		})
		s.Users = append(s.Users, u)
	}
	return s
}

// baseline reads the engagement's baseline file (through the same mapping
// as the feed) as Coupa-shaped state.
func (s *Service) baseline(ctx context.Context) (*coupa.Snapshot, error) {
	path := s.e.Baseline
	if path == "last" {
		last, err := s.LastDelivered()
		if err != nil {
			return nil, err
		}
		path = last
	}
	opts := feeds.Options{Encoding: s.e.Encoding, Mapping: s.e.Mapping}
	if s.e.Baseline == "last" {
		opts = feeds.Options{} // the state ccwrecon wrote: a CCW User file, whatever the feed is
	}
	old, err := s.readFeedAt(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	if s.e.Baseline == "last" {
		old.Name = "last delivered to " + s.e.SFTP.Addr
	}
	name := path
	if !strings.HasPrefix(path, "sftp://") {
		if abs, err := filepath.Abs(path); err == nil {
			name = abs
		}
	}
	s.baselineFields = map[string]bool{record.Login: true}
	for _, u := range old.Users {
		u.Keys(func(f string) { s.baselineFields[f] = true })
	}
	snap := BaselineSnapshot(old, plans.BaselinePrefix+name)
	snap.Warnings = append(snap.Warnings, old.Warnings...)
	snap.Warnings = append(snap.Warnings, fmt.Sprintf("compared with the baseline file %s, not with Coupa: segment values and roles were not checked against Coupa's lookups and catalogue (skipped)", old.Name))
	return snap, nil
}

// deliveredPath is where the state last delivered to the configured SFTP
// target and CCW folder is kept (private, in the cache folder).
func (s *Service) deliveredPath() (string, error) {
	if s.e.SFTP.Addr == "" {
		return "", errors.New("--baseline last needs the SFTP target it was delivered to: set CCW_SFTP_ADDR and CCW_SFTP_USER (or give the file: --baseline FILE)")
	}
	dir := s.e.Delivery.Dir
	if dir == "" {
		dir = "/Incoming/CCW"
	}
	h := sha256.Sum256([]byte(strings.ToLower(s.e.SFTP.Addr) + "\n" + s.e.SFTP.User + "\n" + dir))
	base := ""
	if s.e.Cache != nil {
		if p, err := s.e.Cache("delivered"); err == nil {
			base = filepath.Join(filepath.Dir(p), "delivered")
		}
	}
	if base == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		base = filepath.Join(cache, "ccwrecon", "delivered")
	}
	return filepath.Join(base, hex.EncodeToString(h[:12])+".csv"), nil
}

// LastDelivered is the file --baseline last means: what CCW holds after
// the last CCW User file ccwrecon delivered to this SFTP target and folder.
func (s *Service) LastDelivered() (string, error) {
	p, err := s.deliveredPath()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("nothing has been delivered yet to %s@%s:%s by ccwrecon, so there is no last file: give the file delivered last time with --baseline FILE",
			s.e.SFTP.User, s.e.SFTP.Addr, s.e.Delivery.Dir)
	}
	return p, nil
}

// keepDelivered keeps each delivered CCW User file: its plaintext in the
// run folder, and as --baseline last the state CCW holds after it — for a
// baseline plan the baseline file with the delivered rows laid over it (a
// delta delivers only changes), otherwise the delivered file itself.
func (s *Service) keepDelivered(plan *plans.Plan, target *apply.SFTPTarget) func(runDir, name string, plain []byte) error {
	if target == nil || target.Format == apply.FormatCore {
		return nil
	}
	return func(runDir, name string, plain []byte) error {
		if err := fileutil.MkdirPrivate(filepath.Join(runDir, "delivered")); err != nil {
			return err
		}
		if err := fileutil.WritePrivate(filepath.Join(runDir, "delivered", name), plain); err != nil {
			return err
		}
		state := plain
		if plans.IsBaseline(plan.Instance) {
			m, enc := s.e.Mapping, s.e.Encoding
			if dp, _ := s.deliveredPath(); plans.BaselineFile(plan.Instance) == dp {
				m, enc = nil, "" // the state ccwrecon wrote last time
			}
			merged, err := mergeDelivered(plans.BaselineFile(plan.Instance), name, plain, target, m, enc)
			if err != nil {
				return err
			}
			state = merged
		}
		p, err := s.deliveredPath()
		if err != nil {
			return err
		}
		if err := fileutil.MkdirPrivate(filepath.Dir(p)); err != nil {
			return err
		}
		return fileutil.WritePrivate(p, state)
	}
}

// mergeDelivered lays the delivered rows over the baseline's, by login
// (new users added): the state CCW holds once it loads the delta.
func mergeDelivered(oldPath, name string, delivered []byte, target *apply.SFTPTarget, m *feeds.Mapping, enc string) ([]byte, error) {
	old, err := feeds.ReadFile(oldPath, feeds.Options{Mapping: m, Encoding: enc})
	if err != nil {
		return nil, fmt.Errorf("the baseline %s: %v", oldPath, err)
	}
	got, err := feeds.Read(bytes.NewReader(delivered), name, feeds.Options{})
	if err != nil {
		return nil, err
	}
	at := map[string]int{}
	users := append([]*record.User(nil), old.Users...)
	for i, u := range users {
		at[record.FoldLogin(u.Get(record.Login))] = i
	}
	for _, u := range got.Users {
		if i, ok := at[record.FoldLogin(u.Get(record.Login))]; ok {
			users[i] = u
		} else {
			users = append(users, u)
		}
	}
	for _, u := range users {
		if u.Active == nil {
			u.Active = record.True
		}
	}
	var buf bytes.Buffer
	o := target.CCW
	o.Delta = true
	if err := feeds.WriteCCW(&buf, users, o); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// restrictTo drops from a feed's records the fields the baseline file
// does not carry: a CCW User file delivered last time cannot hold what an
// HR export adds (an employee number, say), and comparing it would show
// the same change every night.
func restrictTo(feed *feeds.Feed, carried map[string]bool) {
	if carried == nil {
		return
	}
	var drop []string
	for _, u := range feed.Users {
		drop = drop[:0]
		u.Keys(func(f string) {
			if !carried[f] && !strings.HasPrefix(f, "feed.") {
				drop = append(drop, f)
			}
		})
		for _, f := range drop {
			u.Delete(f)
		}
	}
}

// baselineOptions reads a baseline file: through the feed's mapping, but
// the state ccwrecon itself wrote (--baseline last) as the CCW User file
// it is.
func (s *Service) baselineOptions(path string) feeds.Options {
	if dp, err := s.deliveredPath(); err == nil && path == dp {
		return feeds.Options{}
	}
	return feeds.Options{Encoding: s.e.Encoding, Mapping: s.e.Mapping}
}
