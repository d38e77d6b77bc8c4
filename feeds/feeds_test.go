package feeds

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/record"
)

const fx = "../testdata/feeds/"

func mustRead(t *testing.T, path string, opts Options) *Feed {
	t.Helper()
	f, err := ReadFile(path, opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

func byLogin(f *Feed, login string) *record.User {
	for _, u := range f.Users {
		if u.Get(record.Login) == login {
			return u
		}
	}
	return nil
}

func TestCCWDeltaFile(t *testing.T) {
	t.Parallel()
	f := mustRead(t, fx+"ccw_delta.csv", Options{})
	if f.Kind != KindCCW || f.Full || len(f.Users) != 13 {
		t.Fatalf("kind %s full %v users %d", f.Kind, f.Full, len(f.Users))
	}
	j := byLogin(f, "jbrown")
	if j.Active == nil || *j.Active || j.Source.Line != 5 {
		t.Fatalf("jbrown: active %v line %d", j.Active, j.Source.Line)
	}
	a := byLogin(f, "akim")
	if a.Get(record.Manager) != "spatel" || a.Segment(2).Name != "Marketing" || a.RoleMode != record.RolesContain || a.Roles[0] != "Engaging Manager" {
		t.Fatalf("akim: %+v", a)
	}
	if len(f.SHA256) != 64 {
		t.Fatal("no digest")
	}
}

func TestCCWFullFileUnified(t *testing.T) {
	t.Parallel()
	f := mustRead(t, fx+"ccw_full.csv", Options{})
	if !f.Full || f.Users[0].Active != nil {
		t.Fatal("a file without Status is full and states no status")
	}
	m := byLogin(f, "mokafor")
	if m.Get(record.PhoneWork) != "+1 (415) 555-0102" || m.Get(record.EmployeeNumber) != "E1002" || m.Get(record.Currency) != "USD" {
		t.Fatalf("unified columns: %+v", fields(m))
	}
}

func TestCoupaUsersCSV(t *testing.T) {
	t.Parallel()
	f := mustRead(t, fx+"coupa_users.csv", Options{})
	if f.Kind != KindCoupa {
		t.Fatal(f.Kind)
	}
	p := byLogin(f, "pnew")
	if p.Get(record.FirstName) != `Pat "PJ"` || p.Get(record.LastName) != "New, Jr." || strings.Join(p.Roles, "|") != "User|Buyer" {
		t.Fatalf("quoting: %+v %v", fields(p), p.Roles)
	}
	if x := byLogin(f, "xzhang"); x.Get(record.Currency) != "USD" || x.Get(record.SegmentField(2)) != "4400" || x.Get(record.Manager) != "spatel" {
		t.Fatalf("xzhang: %+v", fields(x))
	}
	if o := byLogin(f, "oquinn"); o.Active == nil || *o.Active {
		t.Fatal("inactive status")
	}
}

func TestHRMappings(t *testing.T) {
	t.Parallel()
	m, err := LoadMapping(fx + "workday.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := mustRead(t, fx+"workday.csv", Options{Mapping: m})
	if len(f.Users) != 4 {
		t.Fatalf("filter kept %d rows, want 4 contractors", len(f.Users))
	}
	k := byLogin(f, "akim") // the sample mapping keeps the logins Coupa has
	if k == nil || k.Get(record.Manager) != "mokafor" || k.Get("custom-fields.hire-date") != "2022-01-10" || k.Segment(2).Code != "4100" {
		t.Fatalf("akim: %+v", k)
	}
	if j := byLogin(f, "jbrown"); j.Active == nil || *j.Active {
		t.Fatal("Terminated must map to inactive")
	}
	if j := byLogin(f, "jbrown"); j.Get("feed.manager-employee-number") != "E1003" {
		t.Fatal("a manager outside the feed stays an employee number for the engine")
	}
	bm, err := LoadMapping(fx + "bamboohr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := mustRead(t, fx+"bamboohr.csv", Options{Mapping: bm})
	if d := byLogin(b, "dwong@acme.example"); d.Active == nil || *d.Active || d.Get(record.Currency) != "EUR" {
		t.Fatalf("bamboo: %+v", d)
	}
}

func TestBadMappingNamesLines(t *testing.T) {
	t.Parallel()
	_, err := ParseMapping([]byte("fields:\n  email: {from: Mail}\n  favourite-colour: {from: Colour}\n  login: {}\n"), "m.yaml")
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{`m.yaml:3:3: unknown target field "favourite-colour"`, "m.yaml:4:3: login: needs from, join"} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in\n%s", want, msg)
		}
	}
}

func TestBadFilesReportEveryProblem(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"empty.csv":          {"empty.csv:1: the file is empty"},
		"unterminated.csv":   {"unterminated.csv:3: quoted field opened here is never closed"},
		"missing_column.csv": {`missing_column.csv:1: missing required column "Last Name"`},
		"cp1252.csv":         {"cp1252.csv:2:12: invalid UTF-8"},
		"errors.csv": {
			`errors.csv:3:1: Status must be 1 (active) or 0 (inactive), not "2"`,
			`errors.csv:3:20: malformed email "not-an-email"`,
			`errors.csv:3:33: malformed currency code "US"`,
			`errors.csv:4: duplicate login "ajones" (also on line 2)`,
			"errors.csv:5: 3 columns, the header has 6",
		},
	}
	for name, wants := range cases {
		_, err := ReadFile(fx+"bad/"+name, Options{})
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: missing %q in\n%v", name, w, err)
			}
		}
	}
	f, err := ReadFile(fx+"bad/cp1252.csv", Options{Encoding: "windows-1252"})
	if err != nil || f.Users[0].Get(record.FirstName) != "Jürgen" {
		t.Fatalf("windows-1252: %v", err)
	}
	h := mustRead(t, fx+"bad/header_only.csv", Options{})
	if len(h.Users) != 0 {
		t.Fatal("header-only file has rows")
	}
}

func TestBOMAndCRLF(t *testing.T) {
	t.Parallel()
	data := "\xEF\xBB\xBFUser ID,Last Name,First Name,Email\r\nann,Lee,\"Ann\r\nMarie\",ann@acme.example\r\n"
	f, err := Read(strings.NewReader(data), "bom.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Users[0].Get(record.FirstName) != "Ann\nMarie" || f.Users[0].Get(record.Login) != "ann" {
		t.Fatalf("%+v", fields(f.Users[0]))
	}
}

// Read -> write -> read gives the same records.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	for _, delta := range []bool{true, false} {
		src := "ccw_delta.csv"
		if !delta {
			src = "ccw_full.csv"
		}
		a := mustRead(t, fx+src, Options{})
		var buf bytes.Buffer
		if err := WriteCCW(&buf, a.Users, CCWOptions{Delta: delta, Delimiter: '|', Unified: !delta}); err != nil {
			t.Fatal(err)
		}
		b, err := Read(&buf, "out.csv", Options{})
		if err != nil {
			t.Fatal(err)
		}
		sameUsers(t, a.Users, b.Users)
	}
	a := mustRead(t, fx+"coupa_users.csv", Options{})
	files, err := WriteCoupaCSV(a.Users, nil, time.Date(2026, 11, 24, 10, 15, 0, 0, time.UTC), 0, 0)
	if err != nil || len(files) != 1 || files[0].Name != "users_20261124_101500Z.csv" {
		t.Fatalf("%v %+v", err, files)
	}
	if bytes.HasPrefix(files[0].Data, []byte("\xEF\xBB\xBF")) || !bytes.HasPrefix(files[0].Data, []byte(`"Id","Login","Status"`)) {
		t.Fatal("Coupa CSV must be all-quoted UTF-8 without BOM")
	}
	b, err := Read(bytes.NewReader(files[0].Data), files[0].Name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sameUsers(t, a.Users, b.Users)
}

func sameUsers(t *testing.T, a, b []*record.User) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d users became %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		x.Range(func(k, v string) {
			if y.Get(k) != v {
				t.Errorf("%s: %s %q became %q", x.Key(), k, v, y.Get(k))
			}
		})
		if x.Len() != y.Len() || strings.Join(x.Roles, ",") != strings.Join(y.Roles, ",") || !sameSegments(x, y) {
			t.Errorf("%s differs: %+v vs %+v", x.Key(), x, y)
		}
		if (x.Active == nil) != (y.Active == nil) || (x.Active != nil && *x.Active != *y.Active) {
			t.Errorf("%s: status differs", x.Key())
		}
	}
}

func TestCoupaCSVSplitsAndOrdersManagers(t *testing.T) {
	t.Parallel()
	var users []*record.User
	creates := map[string]bool{}
	mk := func(login, mgr string) {
		u := record.New(record.Source{})
		u.Set(record.Login, login)
		u.Set(record.Email, login+"@x.example")
		u.Set(record.Manager, mgr)
		users = append(users, u)
		creates[login] = true
	}
	mk("report", "boss")
	mk("boss", "")
	for i := 0; i < 7; i++ {
		mk("u"+string(rune('a'+i)), "")
	}
	files, _ := WriteCoupaCSV(users, creates, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), 3, 0)
	// level 0: boss + 7 others = 8 rows in 3 files; level 1: report in a 4th, later-sorting file
	if len(files) != 4 || !strings.Contains(string(files[3].Data), `"report"`) || files[0].Name != "users_20260102_030405Z_01.csv" {
		for _, f := range files {
			t.Log(f.Name, f.Rows)
		}
		t.Fatalf("got %d files", len(files))
	}
	for i := 1; i < len(files); i++ {
		if files[i-1].Name >= files[i].Name {
			t.Fatal("names must sort in processing order")
		}
	}
}

func TestWriteFixturesStayReadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "x.csv")
	os.WriteFile(p, []byte("User ID|Last Name|First Name|Email\n"), 0o644)
	if _, err := ReadFile(p, Options{}); err != nil {
		t.Fatal(err)
	}
}

func fields(u *record.User) map[string]string {
	m := map[string]string{}
	u.Range(func(k, v string) { m[k] = v })
	return m
}

func TestValidEmail(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"a@acme.example": true, "first.last+tag@sub.acme.co.uk": true, "jürgen@acme.example": true,
		"not-an-email": false, "a@b": false, "a@@b.com": false, "@acme.example": false, "a b@acme.example": false,
		"Jane <j@acme.example>": false, "a@acme.": false, "a@acme..example": false} {
		if validEmail(v) != want {
			t.Errorf("%q: want %v", v, want)
		}
	}
	// every string of up to 7 of these bytes, against the rule as written
	alphabet := "a@. é"
	var all func(prefix string)
	all = func(prefix string) {
		if got, want := validEmail(prefix), emailRule(prefix); got != want {
			t.Fatalf("%q: %v, the rule says %v", prefix, got, want)
		}
		if len(prefix) < 7 {
			for i := 0; i < len(alphabet); i++ {
				all(prefix + alphabet[i:i+1])
			}
		}
	}
	all("")
}

// emailRule is validEmail's rule as written: one @, not first; a dot in
// the domain after its first byte and before its last; no ".."; none of
// notInEmail's bytes.
func emailRule(v string) bool {
	at := strings.IndexByte(v, '@')
	if at <= 0 || at != strings.LastIndexByte(v, '@') {
		return false
	}
	domain := v[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 || dot == len(domain)-1 || strings.Contains(domain, "..") {
		return false
	}
	for i := 0; i < len(v); i++ {
		if notInEmail[v[i]] {
			return false
		}
	}
	return true
}

func TestUnknownColumnsAreKeptWithOneWarning(t *testing.T) {
	t.Parallel()
	f, err := Read(strings.NewReader("User ID,Last Name,First Name,Email,Badge Colour,Desk\nann,Lee,Ann,ann@acme.example,blue,4.12\n"), "x.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], `"Badge Colour", "Desk"`) {
		t.Fatalf("warnings %v", f.Warnings)
	}
	if f.Users[0].Get("feed.Badge Colour") != "blue" || f.Users[0].Get("feed.Desk") != "4.12" {
		t.Fatalf("%v", fields(f.Users[0]))
	}
}

func TestMappingJoinsColumnsIntoAList(t *testing.T) {
	t.Parallel()
	m, err := ParseMapping([]byte(`fields:
  login: {from: Login}
  email: {from: Mail}
  firstname: {from: First}
  lastname: {from: Last}
  roles: {join: [Role 1, Role 2, Role 3]}
`), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(strings.NewReader("Login,Mail,First,Last,Role 1,Role 2,Role 3\nann,ann@acme.example,Ann,Lee,User,,Buyer\n"), "hr.csv", Options{Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Users[0].Roles, "|"); got != "User|Buyer" || f.Users[0].RoleMode != record.RolesWholeSet {
		t.Fatalf("roles %q", got)
	}
	if _, err := Read(strings.NewReader("Login,Mail,First,Last,Role 1\nann,a@b.example,A,L,User\n"), "hr.csv", Options{Mapping: m}); err == nil || !strings.Contains(err.Error(), `missing column "Role 2" to join into roles`) {
		t.Fatalf("%v", err)
	}
}

func sameSegments(x, y *record.User) bool {
	for n := 1; n <= record.MaxSegments; n++ {
		if x.Segment(n) != y.Segment(n) {
			return false
		}
	}
	return true
}
