package feeds

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/record"
)

// SegmentColumns says which columns a CCW segment is written in.
type SegmentColumns int

const (
	SegmentName SegmentColumns = 1 << iota // Master Data Segment N Name
	SegmentCode                            // Master Data Segment N Code
	SegmentBoth = SegmentName | SegmentCode
)

// PublishedSegmentColumns is the published CCW User layout: segments 1–7
// as Name columns, 8–11 as Code columns.
func PublishedSegmentColumns(n int) SegmentColumns {
	if n <= 7 {
		return SegmentName
	}
	return SegmentCode
}

// ParseSegmentColumns reads "name", "code" or "both".
func ParseSegmentColumns(s string) (SegmentColumns, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "name":
		return SegmentName, nil
	case "code":
		return SegmentCode, nil
	case "both":
		return SegmentBoth, nil
	}
	return 0, fmt.Errorf("%q: want name, code or both", s)
}

// CCWOptions control the CCW User inbound file.
type CCWOptions struct {
	Delta     bool // write the Status column (a full file has none)
	Delimiter rune // ',' or '|'
	// Segments overrides the published columns of segment N (1–11); zero
	// keeps the published layout. Some tenants' templates differ.
	Segments [record.MaxSegments + 1]SegmentColumns
	// Unified adds the unified-sync columns (Nick Name, Phone Number,
	// Default Currency, Employee Number) after the published ones.
	Unified bool
}

// CCWHeader is the header a CCW User file gets with these options: the
// published column order.
func CCWHeader(o CCWOptions) []string {
	cols := ccwColumns(o)
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.head
	}
	return head
}

type ccwColumn struct {
	head string
	get  func(*record.User) string
}

func ccwColumns(o CCWOptions) []ccwColumn {
	attr := func(f string) func(*record.User) string { return func(u *record.User) string { return u.Get(f) } }
	var cols []ccwColumn
	if o.Delta {
		cols = append(cols, ccwColumn{"Status", func(u *record.User) string {
			if u.Active != nil && !*u.Active {
				return "0"
			}
			return "1"
		}})
	}
	cols = append(cols, ccwColumn{"User ID", attr(record.Login)}, ccwColumn{"Last Name", attr(record.LastName)},
		ccwColumn{"First Name", attr(record.FirstName)}, ccwColumn{"Middle Name", attr(record.MiddleName)},
		ccwColumn{"Email", attr(record.Email)}, ccwColumn{"CCW User Role", func(u *record.User) string { return strings.Join(u.Roles, ",") }},
		ccwColumn{"Supervisor ID", attr(record.Manager)}, ccwColumn{"Job Title", attr("feed.Job Title")},
		ccwColumn{"Spend Limit", attr("feed.Spend Limit")}, ccwColumn{"SSO Attribute", attr(record.SSO)},
		ccwColumn{"Work Location Code", attr("feed.Work Location Code")})
	for n := 1; n <= record.MaxSegments; n++ {
		n := n
		which := o.Segments[n]
		if which == 0 {
			which = PublishedSegmentColumns(n)
		}
		if which&SegmentName != 0 {
			cols = append(cols, ccwColumn{fmt.Sprintf("Master Data Segment %d Name", n), func(u *record.User) string { return u.Segment(n).Name }})
		}
		if which&SegmentCode != 0 {
			cols = append(cols, ccwColumn{fmt.Sprintf("Master Data Segment %d Code", n), func(u *record.User) string { return u.Segment(n).Code }})
		}
	}
	if o.Unified {
		for _, x := range []struct{ head, field string }{{"Nick Name", record.MentionName}, {"Phone Number", record.PhoneWork},
			{"Default Currency", record.Currency}, {"Employee Number", record.EmployeeNumber}} {
			cols = append(cols, ccwColumn{x.head, attr(x.field)})
		}
	}
	return cols
}

// WriteCCW writes a CCW User file in the published column order.
func WriteCCW(w io.Writer, users []*record.User, o CCWOptions) error {
	if o.Delimiter == 0 {
		o.Delimiter = '|'
	}
	cols := ccwColumns(o)
	cw := csv.NewWriter(w)
	cw.Comma = o.Delimiter
	if err := cw.Write(CCWHeader(o)); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for _, u := range users {
		for i, c := range cols {
			rec[i] = c.get(u)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CoupaCSVLimits are Coupa's per-file limits for flat-file loads.
const (
	MaxRowsPerFile  = 5000
	MaxBytesPerFile = 8 << 20
)

// CoupaFile is one Users CSV ready to upload.
type CoupaFile struct {
	Name   string
	Data   []byte
	Rows   int
	Logins []string // the users it carries, in row order
}

var coupaHeader = []string{"Id", "Login", "Status", "Email", "First Name", "Last Name", "Middle Name", "Employee Number",
	"Sso Identifier", "Phone Work", "Default Currency", "Approver Login", "User Role Names", "Mention Name",
	"Default Chart of Accounts Name", "Account Security Type", "Contingent Workforce User"}

// WriteCoupaCSV renders users as Coupa Users CSV files: every field quoted,
// UTF-8 without BOM, at most 5,000 rows and 8 MB each. Users whose manager
// is created in the same load go to a later-sorting file, because Coupa
// processes files in name order but does not promise row order.
func WriteCoupaCSV(users []*record.User, creates map[string]bool, at time.Time, maxRows, maxBytes int) ([]CoupaFile, error) {
	if maxRows <= 0 {
		maxRows = MaxRowsPerFile
	}
	if maxBytes <= 0 {
		maxBytes = MaxBytesPerFile
	}
	segN := 0
	for _, u := range users {
		for n := 1; n <= 20; n++ {
			if u.Get(record.SegmentField(n)) != "" && n > segN {
				segN = n
			}
		}
	}
	header := append([]string(nil), coupaHeader...)
	// the further fields any user of the load carries, in the template's order
	var more []record.FileField
	for _, f := range record.FileFields {
		if !record.Generic(f.Name) || f.UsersCSV == "" {
			continue
		}
		for _, u := range users {
			if u.Get(f.Name) != "" {
				more = append(more, f)
				header = append(header, f.UsersCSV)
				break
			}
		}
	}
	for n := 1; n <= segN; n++ {
		header = append(header, fmt.Sprintf("Default Account Code Segment-%d", n))
	}
	// depth of each user in the chain of managers created by this load
	byLogin := map[string]*record.User{}
	for _, u := range users {
		byLogin[strings.ToLower(u.Get(record.Login))] = u
	}
	depth := map[*record.User]int{}
	var level func(u *record.User, seen int) int
	level = func(u *record.User, seen int) int {
		if d, ok := depth[u]; ok {
			return d
		}
		d := 0
		m := strings.ToLower(u.Get(record.Manager))
		if mu, ok := byLogin[m]; ok && creates[m] && seen < len(users) {
			d = level(mu, seen+1) + 1
		}
		depth[u] = d
		return d
	}
	maxDepth := 0
	for _, u := range users {
		maxDepth = max(maxDepth, level(u, 0))
	}
	stamp := at.UTC().Format("20060102_150405Z")
	var files []CoupaFile
	var buf bytes.Buffer
	rows := 0
	var logins []string
	flush := func() {
		if rows == 0 {
			return
		}
		files = append(files, CoupaFile{Data: append([]byte(nil), buf.Bytes()...), Rows: rows, Logins: logins})
		buf.Reset()
		rows = 0
		logins = nil
	}
	for d := 0; d <= maxDepth; d++ {
		for _, u := range users {
			if depth[u] != d {
				continue
			}
			line := quotedLine(coupaRow(u, more, segN))
			if rows == 0 {
				buf.WriteString(quotedLine(header))
			}
			if rows >= maxRows || buf.Len()+len(line) > maxBytes {
				flush()
				buf.WriteString(quotedLine(header))
			}
			buf.WriteString(line)
			rows++
			logins = append(logins, u.Get(record.Login))
		}
		flush() // a new level starts a new file
	}
	for i := range files {
		files[i].Name = fmt.Sprintf("users_%s.csv", stamp)
		if len(files) > 1 {
			files[i].Name = fmt.Sprintf("users_%s_%02d.csv", stamp, i+1)
		}
	}
	return files, nil
}

func coupaRow(u *record.User, more []record.FileField, segN int) []string {
	status := ""
	if u.Active != nil {
		status = map[bool]string{true: "active", false: "inactive"}[*u.Active]
	}
	roles := ""
	if u.Roles != nil {
		roles = strings.Join(u.Roles, ",")
		if len(u.Roles) == 0 {
			roles = record.Clear
		}
	}
	r := []string{u.Get(record.CoupaID), u.Get(record.Login), status, u.Get(record.Email), u.Get(record.FirstName), u.Get(record.LastName),
		u.Get(record.MiddleName), u.Get(record.EmployeeNumber), u.Get(record.SSO), u.Get(record.PhoneWork),
		u.Get(record.Currency), u.Get(record.Manager), roles, u.Get(record.MentionName), u.Get(record.AccountType),
		u.Get(record.SecurityType), licence(u.Get(record.CCWUser))}
	for _, f := range more {
		v := u.Get(f.Name)
		if f.Shape == record.ShapeBool && v != record.Clear {
			v = licence(v)
		}
		r = append(r, v)
	}
	for n := 1; n <= segN; n++ {
		r = append(r, u.Get(record.SegmentField(n)))
	}
	return r
}

// licence writes the Contingent Workforce licence as Yes/No, or blank
// when the load leaves it as Coupa holds it.
func licence(v string) string {
	if v == "" {
		return ""
	}
	if b, ok := record.ParseBool(v); ok {
		return map[bool]string{true: "Yes", false: "No"}[b]
	}
	return v
}

// quotedLine writes one CSV line with every field quoted, as Coupa does.
func quotedLine(fields []string) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(f, `"`, `""`))
		b.WriteByte('"')
	}
	b.WriteString("\r\n")
	return b.String()
}
