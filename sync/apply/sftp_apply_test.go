package apply

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/feeds/feedstest"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

func TestSFTPApplyUploadsAnEncryptedCCWFileGPGCanRead(t *testing.T) {
	t.Parallel()
	s := feedstest.StartSSHD(t)
	g := feedstest.NewGPG(t)
	pub := g.TestKey()
	keys, err := feeds.ReadRecipients(pub)
	if err != nil {
		t.Fatal(err)
	}
	srv, c, snap := synctest.Acme(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups})
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	p.Save(path)
	p, b, _ := plans.LoadPlan(path)
	before := srv.Users()
	target := &SFTPTarget{Config: feeds.SFTPConfig{Addr: s.Addr, User: s.User, KeyFile: s.KeyFile, KnownHosts: s.KnownHosts},
		Dir: "/Incoming/CCW", EncryptTo: keys}
	rep, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, SFTP: target, Rules: synctest.DefaultRules})
	if err != nil {
		t.Fatal(err)
	}
	files := s.Files("Incoming/CCW")
	if len(files) != 1 || !strings.HasPrefix(files[0], "ccw_users_") || !strings.HasSuffix(files[0], ".csv.pgp") || len(rep.Files) != 1 ||
		rep.Changes.Applied != p.Selected.Changes || !strings.Contains(rep.Next, "ccwrecon verify") {
		t.Fatalf("uploaded %v, report %+v", files, rep)
	}
	enc, _ := os.ReadFile(filepath.Join(s.Root, "Incoming/CCW", files[0]))
	plain := g.Run(enc, "--decrypt")
	f, err := feeds.Read(strings.NewReader(string(plain)), "uploaded.csv", feeds.Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, plain)
	}
	if f.Full || len(f.Users) != 6 {
		t.Fatalf("a delta file with the 6 selected users, got %d:\n%s", len(f.Users), plain)
	}
	rows := map[string]*record.User{}
	order := []string{}
	for _, u := range f.Users {
		rows[u.Get(record.Login)] = u
		order = append(order, u.Get(record.Login))
	}
	if strings.Index(strings.Join(order, ","), "nsingh") > strings.Index(strings.Join(order, ","), "kmorgan") {
		t.Fatalf("supervisors' rows come first: %v", order)
	}
	if j := rows["jbrown"]; j.Active == nil || *j.Active {
		t.Fatal("jbrown must be Status 0")
	}
	// the published layout: segments 1–7 as names
	if a := rows["akim"]; a.Segment(2).Name != "Marketing" || a.Get(record.Manager) != "spatel" || a.Get(record.FirstName) != "Anna" {
		t.Fatalf("akim row: %+v", a)
	}
	if r := rows["lrossi"]; r.Get(record.Email) != "luca.rossi@acme.example" {
		t.Fatalf("lrossi row: %+v", r)
	}
	unwritten(t, before, srv.Users()) // the SFTP path writes nothing through the API
}

// CCW stand-alone customers may have SFTP but no API access: the file is
// then written from the plan alone, and the report says the plan was not
// checked for staleness.
func TestSFTPApplyWithoutAPIAccessUsesThePlansValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg, conn := embeddedSFTP(t)

	snap := synctest.AcmeSnapshot(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups})
	path := filepath.Join(t.TempDir(), "plan.json")
	p, b := synctest.SavedPlan(t, p, path) // only what the file holds
	rep, err := Apply(ctx, nil, p, ApplyOptions{PlanPath: path, PlanBytes: b, SFTP: &SFTPTarget{Config: cfg, Dir: "/Incoming/CCW"}, Rules: synctest.DefaultRules})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "staleness") {
		t.Fatalf("warnings: %v", rep.Warnings)
	}
	files, _ := conn.List(ctx, "/Incoming/CCW")
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	data, _ := conn.Download(ctx, "/Incoming/CCW/"+files[0].Name())
	f, err := feeds.Read(strings.NewReader(string(data)), "up.csv", feeds.Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	for _, u := range f.Users {
		if u.Get(record.FirstName) == "" || u.Get(record.LastName) == "" || u.Get(record.Email) == "" {
			t.Fatalf("row %s lacks required values:\n%s", u.Key(), data)
		}
	}
	var akim *record.User
	for _, u := range f.Users {
		if u.Get(record.Login) == "akim" {
			akim = u
		}
	}
	if akim == nil || akim.Segment(1).Name != "Acme US" || akim.Segment(2).Name != "Marketing" || akim.Segment(3).Name != "Software" {
		t.Fatalf("akim's whole account code: %+v", akim)
	}
	if _, err := Apply(ctx, nil, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules}); err == nil || !strings.Contains(err.Error(), "needs Coupa credentials") {
		t.Fatalf("the API path cannot run without credentials: %v", err)
	}
}

// The dry run shows byte for byte the file the real run uploads.
func TestSFTPDryRunIsTheUploadedFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg, conn := embeddedSFTP(t)
	_, c, snap := synctest.Acme(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups})
	path := filepath.Join(t.TempDir(), "plan.json")
	p, b := synctest.SavedPlan(t, p, path)
	target := &SFTPTarget{Config: cfg, Dir: "/Incoming/CCW"}
	var dry bytes.Buffer
	if _, err := Apply(ctx, nil, p, ApplyOptions{DryRun: true, DryRunOut: &dry, SFTP: target, Rules: synctest.DefaultRules}); err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, c, p, ApplyOptions{PlanPath: path, PlanBytes: b, SFTP: target, Rules: synctest.DefaultRules}); err != nil {
		t.Fatal(err)
	}
	files, _ := conn.List(ctx, "/Incoming/CCW")
	data, _ := conn.Download(ctx, "/Incoming/CCW/"+files[0].Name())
	if !strings.Contains(dry.String(), strings.ReplaceAll(string(data), "\r\n", "\n")) || !strings.Contains(dry.String(), files[0].Name()) {
		t.Fatalf("dry run:\n%s\nuploaded %s:\n%s", dry.String(), files[0].Name(), data)
	}
}

// embeddedSFTP is an in-process SFTP server with /Incoming/CCW, and a session to it.
func embeddedSFTP(t *testing.T) (feeds.SFTPConfig, *feeds.SFTP) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv, err := feeds.StartSFTPServer(ctx, "acme", "pw")
	if err != nil {
		t.Fatal(err)
	}
	kh := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(kh, []byte(srv.KnownHostsLine()), 0o600)
	cfg := feeds.SFTPConfig{Addr: srv.Addr, User: "acme", Password: "pw", KnownHosts: kh}
	conn, err := feeds.DialSFTP(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.MkdirAll("/Incoming/CCW")
	return cfg, conn
}

// Unified customers: Coupa's Users CSV with the Contingent Workforce
// licence lands in /Incoming/Users (a real sshd), nothing in /Incoming/CCW.
func TestSFTPCoreFileLandsInIncomingUsers(t *testing.T) {
	t.Parallel()
	s := feedstest.StartSSHD(t)
	_, c, snap := synctest.Acme(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups})
	path := filepath.Join(t.TempDir(), "plan.json")
	p, b := synctest.SavedPlan(t, p, path)
	target := &SFTPTarget{Config: feeds.SFTPConfig{Addr: s.Addr, User: s.User, KeyFile: s.KeyFile, KnownHosts: s.KnownHosts},
		Dir: "/Incoming/CCW", UsersDir: "/Incoming/Users", Format: FormatCore}
	rep, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, SFTP: target, Rules: synctest.DefaultRules})
	if err != nil || !rep.OK() {
		t.Fatalf("%v %s", err, rep.Summary())
	}
	if ccw := s.Files("Incoming/CCW"); len(ccw) != 0 {
		t.Fatalf("files in /Incoming/CCW: %v", ccw)
	}
	users := s.Files("Incoming/Users")
	if len(users) != 2 || !strings.HasPrefix(users[0], "users_") || !strings.Contains(rep.Destination, "/Incoming/Users") {
		t.Fatalf("%v (two files: kmorgan's supervisor is created by the same load)", users)
	}
	first, _ := os.ReadFile(filepath.Join(s.Root, "Incoming/Users", users[0]))
	second, _ := os.ReadFile(filepath.Join(s.Root, "Incoming/Users", users[1]))
	f, err := feeds.Read(bytes.NewReader(first), users[0], feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	licence := map[string]string{}
	for _, u := range f.Users {
		licence[u.Get(record.Login)] = u.Get(record.CCWUser)
	}
	if licence["nsingh"] != "Yes" || licence["lrossi"] != "" {
		t.Fatalf("licence column: %v\n%s", licence, first)
	}
	if !strings.Contains(string(second), `"kmorgan"`) || strings.Contains(string(first), `"kmorgan"`) {
		t.Fatalf("the report of a user created by the load goes in the later file:\n%s\n%s", first, second)
	}
}
