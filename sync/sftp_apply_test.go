package sync

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/feeds/feedstest"
	"github.com/ccwrecon/ccwrecon/record"
)

func TestSFTPApplyUploadsAnEncryptedCCWFileGPGCanRead(t *testing.T) {
	s := feedstest.StartSSHD(t)
	g := feedstest.NewGPG(t)
	pub := g.NewKey("ccw-inbound@coupa.example", "")
	keys, err := feeds.ReadKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	srv, c, snap := acme(t)
	p, _ := Diff(readFeed(t, "ccw_delta.csv", feeds.Options{}), snap, Config{SegmentLookups: lookups})
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	p.Save(path)
	p, b, _ := LoadPlan(path)
	before := srv.Users()
	target := &SFTPTarget{Config: feeds.SFTPConfig{Addr: s.Addr, User: s.User, KeyFile: s.KeyFile, KnownHosts: s.KnownHosts},
		Dir: "/Incoming/CCW", EncryptTo: keys}
	rep, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, SFTP: target})
	if err != nil {
		t.Fatal(err)
	}
	files := s.Files("Incoming/CCW")
	if len(files) != 1 || !strings.HasPrefix(files[0], "ccw_users_") || !strings.HasSuffix(files[0], ".csv.pgp") || rep.Applied != 1 {
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
	if a := rows["akim"]; a.Segments[2].Code != "4300" || a.Get(record.Manager) != "spatel" || a.Get(record.FirstName) != "Anna" {
		t.Fatalf("akim row: %+v", a)
	}
	if r := rows["lrossi"]; r.Get(record.Email) != "luca.rossi@acme.example" {
		t.Fatalf("lrossi row: %+v", r)
	}
	// the SFTP path writes nothing through the API
	after := srv.Users()
	for i := range before {
		if before[i].UpdatedAt != after[i].UpdatedAt {
			t.Fatalf("%s written through the API", after[i].Login)
		}
	}
}
