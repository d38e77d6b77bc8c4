package feeds

import (
	"cmp"
	"fmt"
	"github.com/ccwrecon/ccwrecon/internal/parallel"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/internal/suggest"
	"github.com/ccwrecon/ccwrecon/record"
)

// Mapping maps an HR export's columns to canonical fields (a YAML file).
type Mapping struct {
	Name      string               `yaml:"name"`
	Delimiter string               `yaml:"delimiter"`
	Filters   strList              `yaml:"filter"`
	Fields    map[string]FieldRule `yaml:"fields"`
	// The engagement's chart and segment lookups may travel with the mapping.
	Chart          string         `yaml:"chart"`
	SegmentLookups map[int]string `yaml:"segment-lookups"`
	Segments       map[int]string `yaml:"segments"` // CCW segment -> chart | custom-fields.NAME | feed-only
	file           string
	filters        []filterExpr
	order          []string // targets, templates last
}

// FieldRule says where a canonical field's value comes from and how it is transformed.
type FieldRule struct {
	From        strList           `yaml:"from"`     // source columns, aliases tried in order
	Constant    string            `yaml:"constant"` // a fixed value
	Template    string            `yaml:"template"` // e.g. "{{lower(email)}}"
	Case        string            `yaml:"case"`     // lower | upper
	Map         map[string]string `yaml:"map"`      // value map, case-insensitive keys
	DateLayouts strList           `yaml:"date-layouts"`
	DateFormat  string            `yaml:"date-format"`
	Split       string            `yaml:"split"`  // list separator (roles)
	Join        strList           `yaml:"join"`   // several columns joined into one list
	Lookup      string            `yaml:"lookup"` // "employee-number": the value names another row by employee number
	Default     string            `yaml:"default"`
	line        int
	tpl         []tplPart // Template, compiled once
	seg         int       // CCW segment number of a segment-N target
	segName     bool      // segment-N-name: the value is a name, not a code
}

// tplPart is a literal, or a reference (with an optional function) to a
// canonical field or source column.
type tplPart struct {
	literal, fn, name string
	ref               bool
}

func compileTemplate(tpl string) []tplPart {
	var parts []tplPart
	last := 0
	for _, loc := range templateRe.FindAllStringSubmatchIndex(tpl, -1) {
		if loc[0] > last {
			parts = append(parts, tplPart{literal: tpl[last:loc[0]]})
		}
		p := tplPart{ref: true}
		if loc[2] >= 0 {
			p.fn, p.name = tpl[loc[2]:loc[3]], tpl[loc[4]:loc[5]]
		} else {
			p.name = strings.TrimSpace(tpl[loc[6]:loc[7]])
		}
		p.name = strings.TrimSpace(p.name)
		parts = append(parts, p)
		last = loc[1]
	}
	if last < len(tpl) {
		parts = append(parts, tplPart{literal: tpl[last:]})
	}
	return parts
}

type strList []string

func (s *strList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = []string{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

type filterExpr struct {
	column, value string
	negate        bool
}

var (
	filterRe   = regexp.MustCompile(`^\s*(.+?)\s*(==|!=)\s*(.*?)\s*$`)
	templateRe = regexp.MustCompile(`\{\{\s*(?:(lower|upper|trim|localpart)\(\s*([^)]+?)\s*\)|([^}]+?))\s*\}\}`)
)

// yamlKeys lists the yaml keys a struct accepts.
func yamlKeys(v any) []string {
	var keys []string
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

// unknownKeys checks a mapping node's keys against allowed; for a key
// whose value is a map of named entries (fields: {login: {...}}), inner
// gives the keys each entry accepts.
func unknownKeys(path string, n *yaml.Node, allowed []string, inner func(key string) []string) []Problem {
	var probs []Problem
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			probs = append(probs, Problem{File: path, Line: k.Line, Column: k.Column,
				Msg: fmt.Sprintf("unknown key %q%s; valid keys: %s", k.Value, suggest.Hint(k.Value, allowed), strings.Join(allowed, ", "))})
			continue
		}
		if sub := inner(k.Value); sub != nil && v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if rule := v.Content[j+1]; rule.Kind == yaml.MappingNode {
					probs = append(probs, unknownKeys(path, rule, sub, func(string) []string { return nil })...)
				}
			}
		}
	}
	return probs
}

// validTarget reports whether a mapping target is a canonical field.
func validTarget(t string) bool {
	switch t {
	case record.Login, record.Email, record.FirstName, record.LastName, record.MiddleName, record.MentionName,
		record.PhoneWork, record.EmployeeNumber, record.Currency, record.Manager, record.Roles, record.Active,
		record.SSO, record.AccountType:
		return true
	}
	if record.Generic(t) {
		return true
	}
	if strings.HasPrefix(t, "custom-fields.") && len(t) > len("custom-fields.") {
		return true
	}
	var n int
	var rest string
	if c, _ := fmt.Sscanf(t, "default-account.segment-%d%s", &n, &rest); c >= 1 && n >= 1 && n <= 20 && rest == "" {
		return true
	}
	if c, _ := fmt.Sscanf(t, "segment-%d%s", &n, &rest); c >= 1 && n >= 1 && n <= record.MaxSegments && (rest == "" || rest == "-name") {
		return true
	}
	return false
}

// MaxMappingBytes bounds a mapping file: a real one is a few kilobytes.
const MaxMappingBytes = 1 << 20

// maxAliases bounds YAML aliases: a mapping needs few, and each one may
// expand a large anchor again.
const maxAliases = 64

// LoadMapping reads and validates a mapping file; problems name its lines.
func LoadMapping(path string) (*Mapping, error) {
	b, err := fileutil.ReadRegular(path, MaxMappingBytes)
	if err != nil {
		return nil, err
	}
	return ParseMapping(b, path)
}

// countAliases counts alias nodes, stopping early past the limit.
func countAliases(n *yaml.Node, limit int) int {
	if n == nil {
		return 0
	}
	c := 0
	if n.Kind == yaml.AliasNode {
		c++
	}
	for _, k := range n.Content {
		if c > limit {
			break
		}
		c += countAliases(k, limit-c)
	}
	return c
}

// ParseMapping parses mapping YAML.
func ParseMapping(b []byte, path string) (*Mapping, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, &ReadError{[]Problem{YAMLProblem(path, b, err)}}
	}
	m := &Mapping{file: path}
	if len(doc.Content) == 0 {
		return nil, &ReadError{[]Problem{{File: path, Line: 1, Msg: "empty mapping file"}}}
	}
	root := doc.Content[0]
	if countAliases(root, maxAliases) > maxAliases {
		return nil, &ReadError{[]Problem{{File: path, Line: 1, Msg: fmt.Sprintf("more than %d YAML aliases; a mapping needs few", maxAliases)}}}
	}
	if len(b) > MaxMappingBytes {
		return nil, &ReadError{[]Problem{{File: path, Line: 1, Msg: fmt.Sprintf("larger than %d bytes", MaxMappingBytes)}}}
	}
	// Unknown keys are mistakes (`cse: lower` would silently do nothing):
	// named with their line and the nearest valid key, before decoding.
	probs := unknownKeys(path, root, yamlKeys(Mapping{}), func(key string) []string {
		if key == "fields" {
			return yamlKeys(FieldRule{})
		}
		return nil
	})
	if len(probs) > 0 {
		return nil, &ReadError{probs}
	}
	if err := root.Decode(m); err != nil {
		return nil, &ReadError{[]Problem{YAMLProblem(path, b, err)}}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "fields" {
			continue
		}
		fields := root.Content[i+1]
		for j := 0; j+1 < len(fields.Content); j += 2 {
			key := fields.Content[j]
			r := m.Fields[key.Value]
			r.line = key.Line
			m.Fields[key.Value] = r
			if !validTarget(key.Value) {
				probs = append(probs, Problem{File: path, Line: key.Line, Column: key.Column, Msg: fmt.Sprintf("unknown target field %q", key.Value)})
			}
			if len(r.From) == 0 && r.Constant == "" && r.Template == "" && len(r.Join) == 0 {
				probs = append(probs, Problem{File: path, Line: key.Line, Column: key.Column, Msg: fmt.Sprintf("%s: needs from, join, constant or template", key.Value)})
			}
			if r.Case != "" && r.Case != "lower" && r.Case != "upper" {
				probs = append(probs, Problem{File: path, Line: key.Line, Msg: fmt.Sprintf("%s: case must be lower or upper", key.Value)})
			}
			if r.Lookup != "" && r.Lookup != record.EmployeeNumber {
				probs = append(probs, Problem{File: path, Line: key.Line, Msg: fmt.Sprintf("%s: lookup must be employee-number", key.Value)})
			}
		}
	}
	if len(m.Fields) == 0 {
		probs = append(probs, Problem{File: path, Line: root.Line, Msg: "no fields mapped"})
	}
	for _, f := range m.Filters {
		g := filterRe.FindStringSubmatch(f)
		if g == nil {
			probs = append(probs, Problem{File: path, Line: root.Line, Msg: fmt.Sprintf("filter %q: want COLUMN == VALUE or COLUMN != VALUE", f)})
			continue
		}
		m.filters = append(m.filters, filterExpr{column: normHeader(g[1]), value: strings.Trim(g[3], `"'`), negate: g[2] == "!="})
	}
	if len(probs) > 0 {
		return nil, &ReadError{sortedProblems(probs)}
	}
	for t, r := range m.Fields {
		if strings.HasPrefix(t, "segment-") {
			fmt.Sscanf(t, "segment-%d", &r.seg)
			r.segName = strings.HasSuffix(t, "-name")
			m.Fields[t] = r
		}
		if r.Template == "" {
			m.order = append(m.order, t)
		} else {
			r.tpl = compileTemplate(r.Template)
			m.Fields[t] = r
		}
	}
	sort.Strings(m.order)
	var tpl []string
	for t, r := range m.Fields {
		if r.Template != "" {
			tpl = append(tpl, t)
		}
	}
	sort.Strings(tpl)
	m.order = append(m.order, tpl...)
	return m, nil
}

// YAMLProblem locates a YAML error at its real line. The YAML parser
// names the line where the enclosing block started for some mistakes (a
// key indented wrongly on line 7 is reported on line 1), so the line is
// found by parsing ever longer prefixes of the file: the first prefix that
// fails for a reason other than ending early holds the mistake.
func YAMLProblem(path string, src []byte, err error) Problem {
	var line int
	msg := err.Error()
	if _, e := fmt.Sscanf(msg, "yaml: line %d:", &line); e == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		lines := strings.SplitAfter(string(src), "\n")
		if len(lines) <= 5000 {
			var n yaml.Node
			for k := 1; k <= len(lines); k++ {
				perr := yaml.Unmarshal([]byte(strings.Join(lines[:k], "")), &n)
				if perr != nil && !strings.Contains(perr.Error(), "end of stream") {
					line = k
					break
				}
			}
		}
	} else if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		fmt.Sscanf(te.Errors[0], "line %d:", &line)
		msg = te.Errors[0]
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "line ") {
			msg = msg[i+2:]
		}
		msg = strings.ReplaceAll(msg, "!!str", "text")
		msg = strings.ReplaceAll(msg, "!!int", "a number")
		msg = strings.ReplaceAll(msg, "!!map", "a mapping")
		msg = strings.ReplaceAll(msg, "!!seq", "a list")
	}
	if line == 0 {
		line = 1
	}
	return Problem{File: path, Line: line, Msg: msg}
}

// hrReader applies a mapping to each row.
type hrReader struct {
	t       *table
	m       *Mapping
	cols    map[string]int
	from    map[string]column
	warn    []string
	rules   []hrRule   // the mapping compiled against this export's header, in order
	filters []hrFilter // the mapping's filters, their columns resolved
}

// hrFilter is a filter with its column resolved once, not per row.
type hrFilter struct {
	filterExpr
	col column
}

// hrRule is one target's rule with its columns resolved once, not per row.
type hrRule struct {
	target  string
	rule    FieldRule
	col     column
	join    []column
	tplCols []int             // per template part: its column, or -1 (a literal, or a mapped field)
	tplMap  []bool            // per template part: it names a mapped field (read from the record first)
	valMap  map[string]string // rule.Map with lower-cased keys
	layouts string            // the date layouts, for messages
	dates   []numericDate     // the date layouts, compiled
	out     numericDate       // the date output format, compiled
	kind    assignKind        // how the value is stored
	source  valueSource       // where the value comes from
	lower   bool              // case: lower
	upper   bool              // case: upper
}

// valueSource is where a rule takes its value from, decided once per mapping.
type valueSource uint8

const (
	fromColumn valueSource = iota
	fromTemplate
	fromConstant
	fromJoin
)

func sourceOf(rule *FieldRule) valueSource {
	switch {
	case rule.Template != "":
		return fromTemplate
	case rule.Constant != "":
		return fromConstant
	case len(rule.Join) > 0:
		return fromJoin
	}
	return fromColumn
}

func newHRReader(t *table, m *Mapping) (*hrReader, error) {
	h := &hrReader{t: t, m: m, cols: map[string]int{}, from: map[string]column{}}
	for i, name := range t.header {
		h.cols[normHeader(name)] = i
	}
	var probs []Problem
	used := map[int]bool{}
	for target, r := range m.Fields {
		if len(r.From) == 0 {
			continue
		}
		names := make([]string, len(r.From))
		for i, n := range r.From {
			names[i] = normHeader(n)
		}
		c := find(h.cols, names...)
		if c < 0 && r.Default == "" {
			probs = append(probs, Problem{File: t.name, Line: 1, Msg: fmt.Sprintf("missing column %s for %s (mapping %s:%d)", strings.Join(quoteAll(r.From), " or "), target, m.file, r.line)})
		}
		h.from[target] = c
		used[int(c)] = true
	}
	for target, r := range m.Fields {
		for _, name := range r.Join {
			i, ok := h.cols[normHeader(name)]
			if !ok {
				probs = append(probs, Problem{File: t.name, Line: 1, Msg: fmt.Sprintf("missing column %q to join into %s (mapping %s:%d)", name, target, m.file, r.line)})
			}
			used[i] = true
		}
	}
	// A template names a mapped field or a column of this export; anything
	// else is a typo that would surface later as an empty value.
	for target, r := range m.Fields {
		for _, p := range r.tpl {
			if !p.ref {
				continue
			}
			if _, mapped := m.Fields[p.name]; mapped {
				continue
			}
			if i, ok := h.cols[normHeader(p.name)]; ok {
				used[i] = true
				continue
			}
			probs = append(probs, Problem{File: m.file, Line: r.line, Msg: fmt.Sprintf("%s: template names %q, which is neither a mapped field nor a column of %s%s",
				target, p.name, filepath.Base(t.name), suggest.Hint(p.name, t.header))})
		}
	}
	for _, f := range m.filters {
		if _, ok := h.cols[f.column]; !ok {
			probs = append(probs, Problem{File: t.name, Line: 1, Msg: fmt.Sprintf("filter column %q is not in the file", f.column)})
		}
		used[h.cols[f.column]] = true
		h.filters = append(h.filters, hrFilter{f, column(h.cols[f.column])})
	}
	if len(probs) > 0 {
		return nil, &ReadError{sortedByMsg(probs)}
	}
	if n := countUnused(t, used); n > 0 { // HR exports carry many columns nobody maps: one short note is enough
		h.warn = []string{fmt.Sprintf("%s: %s not mapped", t.name, map[bool]string{true: "1 column is", false: fmt.Sprintf("%d columns are", n)}[n == 1])}
	}
	for _, target := range m.order {
		r := m.Fields[target]
		hr := hrRule{target: target, rule: r, col: h.from[target], layouts: strings.Join(r.DateLayouts, " or ")}
		if _, ok := h.from[target]; !ok {
			hr.col = -1
		}
		for _, name := range r.Join {
			hr.join = append(hr.join, column(h.cols[normHeader(name)]))
		}
		for _, p := range r.tpl {
			i := -1
			if p.ref {
				if c, found := h.cols[normHeader(p.name)]; found {
					i = c
				}
			}
			hr.tplCols = append(hr.tplCols, i)
			_, mapped := m.Fields[p.name]
			hr.tplMap = append(hr.tplMap, p.ref && mapped)
		}
		for _, l := range r.DateLayouts {
			hr.dates = append(hr.dates, compileDate(l))
		}
		hr.out = compileDate(cmp.Or(r.DateFormat, "2006-01-02"))
		hr.kind = kindOfRule(target, &hr.rule)
		hr.source = sourceOf(&hr.rule)
		hr.lower, hr.upper = r.Case == "lower", r.Case == "upper"
		if r.Map != nil {
			hr.valMap = make(map[string]string, len(r.Map))
			for k, v := range r.Map {
				hr.valMap[strings.ToLower(k)] = v
			}
		}
		h.rules = append(h.rules, hr)
	}
	return h, nil
}

func countUnused(t *table, used map[int]bool) int {
	n := 0
	for i := range t.header {
		if !used[i] {
			n++
		}
	}
	return n
}

func quoteAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func (h *hrReader) warnings() []string { return h.warn }
func (h *hrReader) hasStatus() bool    { _, ok := h.m.Fields[record.Active]; return ok }

func (h *hrReader) read(r row, w *worker) *record.User {
	for i := range h.filters {
		f := &h.filters[i]
		if strings.EqualFold(f.col.get(r), f.value) == f.negate {
			return nil // filtered out
		}
	}
	u := w.slab.New(record.Source{File: h.t.name, Line: r.line}, len(h.rules)+2)
	chk := checker{w, &r}
	for i := range h.rules {
		hr := &h.rules[i]
		rule := &hr.rule
		var v string
		switch hr.source {
		case fromTemplate:
			v = h.template(hr, u, r, w)
		case fromConstant:
			v = rule.Constant
		case fromJoin:
			sep := rule.Split
			if sep == "" {
				sep = ","
			}
			var parts []string
			for _, c := range hr.join {
				if p := c.get(r); p != "" {
					parts = append(parts, p)
				}
			}
			v = strings.Join(parts, sep)
		default:
			v = hr.col.get(r)
		}
		if v == "" {
			v = rule.Default
		}
		if hr.valMap != nil {
			if mv, ok := hr.valMap[strings.ToLower(v)]; ok {
				v = mv
			}
		}
		switch {
		case hr.lower:
			v = w.lower(v)
		case hr.upper:
			v = w.upper(v)
		}
		idx := max(int(hr.col), 0)
		if len(rule.DateLayouts) > 0 && v != "" {
			d, ok := hr.date(w, v)
			if !ok {
				chk.bad(idx, "bad date %q for %s (expected %s)", v, hr.target, hr.layouts)
				continue
			}
			v = d
		}
		h.assign(u, hr, v, chk, idx, w)
	}
	w.slab.Fit(u)
	return u
}

// assignKind is how a rule's value is stored, decided once per mapping.
type assignKind uint8

const (
	assignField assignKind = iota
	assignActive
	assignRoles
	assignSegment
	assignEmail
	assignCurrency
	assignManagerNumber
	assignRegistered // a field of record.FileFields read by its shape
)

func kindOfRule(target string, rule *FieldRule) assignKind {
	switch {
	case target == record.Active:
		return assignActive
	case target == record.Roles:
		return assignRoles
	case rule.seg > 0:
		return assignSegment
	case target == record.Email:
		return assignEmail
	case target == record.Currency:
		return assignCurrency
	case target == record.Manager && rule.Lookup == record.EmployeeNumber:
		return assignManagerNumber
	case record.Generic(target):
		return assignRegistered
	}
	return assignField
}

func (h *hrReader) assign(u *record.User, hr *hrRule, v string, chk checker, idx int, w *worker) {
	target, rule := hr.target, &hr.rule
	switch hr.kind {
	case assignActive:
		if v == "" {
			return
		}
		b, ok := record.ParseBool(v)
		if !ok {
			chk.bad(idx, "status %q is not understood (add it to the mapping's map:)", v)
			return
		}
		u.Active = record.BoolPtr(b)
	case assignRoles:
		if v == "" {
			return
		}
		sep := rule.Split
		if sep == "" {
			sep = ","
		}
		u.Roles = w.list(strings.ReplaceAll(v, sep, ","))
		u.RoleMode = record.RolesWholeSet
	case assignSegment:
		u.SetSegmentPart(rule.seg, rule.segName, v)
	// each target has one rule: the record cannot hold it yet
	case assignEmail:
		chk.email(idx, v)
		u.Add(target, v)
	case assignCurrency:
		v = w.upper(v)
		chk.currency(idx, v)
		u.Add(target, v)
	case assignManagerNumber:
		u.Set(managerNumber, v) // a mapping could also name this key: replaced, not added twice
	case assignRegistered:
		if v == "" {
			return // a blank cell says nothing about this user
		}
		f, _ := record.FileFieldOf(target)
		if f.Shape == record.ShapeSet && rule.Split != "" && v != record.Clear {
			v = strings.Join(w.list(strings.ReplaceAll(v, rule.Split, ",")), ", ")
		}
		if why := record.CheckShape(f.Shape, v); why != "" {
			chk.bad(idx, "%s %s, not %q", target, why, v)
			return
		}
		u.Add(target, v)
		u.Registered = true
	default:
		u.Add(target, v)
	}
}

func (h *hrReader) template(hr *hrRule, u *record.User, r row, w *worker) string {
	parts := hr.rule.tpl
	vals := make([]string, 0, 8)
	n := 0
	for i, p := range parts {
		if !p.ref {
			vals = append(vals, p.literal)
			n += len(p.literal)
			continue
		}
		var val string
		if hr.tplMap[i] {
			val = u.Get(p.name)
		}
		if val == "" && hr.tplCols[i] >= 0 {
			val = column(hr.tplCols[i]).get(r)
		}
		switch p.fn {
		case "lower":
			val = w.lower(val)
		case "upper":
			val = w.upper(val)
		case "trim":
			val = strings.TrimSpace(val)
		case "localpart": // an e-mail address's part before the @
			if at := strings.LastIndexByte(val, '@'); at >= 0 {
				val = val[:at]
			}
		}
		vals = append(vals, val)
		n += len(val)
	}
	if len(vals) == 1 {
		return vals[0] // one part: the value itself, not a copy
	}
	b := w.text.Begin(n)
	for _, v := range vals {
		b = append(b, v...)
	}
	return w.text.End(b)
}

// managerNumber holds a manager's employee number until finish finds the login.
const managerNumber = "feed.manager-employee-number"

// finish resolves managers given by employee number across the whole
// population (numbers and refs are the partitions of employee numbers and
// of those references); the others the engine resolves against Coupa's
// employee numbers.
func (h *hrReader) finish(users []*record.User, numbers, refs *partitioned) {
	manager := joinExact(users, record.EmployeeNumber, managerNumber, numbers, refs)
	logins := make([]string, len(users))
	parallel.Ranges(len(users), 1024, func(lo, hi int) { // reads only
		for u := lo; u < hi; u++ {
			if m := manager[u]; m > 0 {
				logins[u] = users[m-1].Get(record.Login)
			}
		}
	})
	parallel.Ranges(len(users), 1024, func(lo, hi int) { // each record changes only itself
		for u := lo; u < hi; u++ {
			if logins[u] != "" {
				users[u].Rekey(managerNumber, record.Manager, logins[u])
			}
		}
	})
}
