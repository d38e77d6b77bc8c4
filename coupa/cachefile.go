package coupa

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sync"
	"unsafe"

	"github.com/ccwrecon/ccwrecon/internal/fileutil"
)

// The per-instance cache is the snapshot's JSON text followed by the same
// users in a compact binary form and a fixed trailer:
//
//	[JSON snapshot, exactly as Save writes it][binary users][trailer]
//
// The JSON comes first, so the file still reads as the snapshot it holds
// (head, grep); the binary form is what a re-open decodes: no parsing,
// strings read in place from the mapped file, both cores (a fifth of the
// time the JSON takes). Each user keeps its JSON line, written back as it
// is when the snapshot is saved again. Both parts are covered by CRC-32C;
// a file without the trailer (a cache from an earlier version) is read as
// JSON, and a file whose trailer or checksums do not hold is not used.

const cacheMagic = "CCWRCACH"

// cacheVersion changes whenever the binary layout does: an older one is
// not used (the cache is read again from Coupa and rewritten).
const cacheVersion = 2 // 2: users carry licences, limits, approval groups, locale, address

// trailerSize is the trailer's fixed length.
const trailerSize = 64

type cacheTrailer struct {
	jsonLen, usersStart, usersEnd, binLen, users uint64
	jsonCRC, binCRC, version                     uint32
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// usersPerBlock is how many users one binary block holds; blocks are
// decoded on every core.
const usersPerBlock = 4096

// SaveCache writes the snapshot as a cache file (see above), atomically
// and private.
func (s *Snapshot) SaveCache(path string) error {
	return fileutil.WriteAtomic(path, fileutil.Private, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 1<<20)
		cw := &crcWriter{w: w}
		lens := make([]int32, len(s.Users))
		prefix, err := s.encode(cw, lens)
		if err != nil {
			return err
		}
		t := cacheTrailer{jsonLen: uint64(cw.n), jsonCRC: cw.crc, users: uint64(len(s.Users)), version: cacheVersion}
		t.usersStart = uint64(prefix + len(usersOpen))
		at := t.usersStart
		offsets := make([]uint64, len(s.Users))
		for i, l := range lens {
			offsets[i] = at
			at += uint64(l) + 2 // ",\n"
		}
		t.usersEnd = at - 2
		if len(s.Users) == 0 {
			t.usersStart, t.usersEnd = 0, 0
		}
		bw := &crcWriter{w: w}
		if err := writeBinaryUsers(bw, s.Users, offsets, lens); err != nil {
			return err
		}
		t.binLen, t.binCRC = uint64(bw.n), bw.crc
		if _, err := w.Write(t.encode()); err != nil {
			return err
		}
		return w.Flush()
	})
}

func (t cacheTrailer) encode() []byte {
	b := make([]byte, 0, trailerSize)
	b = append(b, cacheMagic...)
	for _, v := range []uint64{t.jsonLen, t.usersStart, t.usersEnd, t.binLen, t.users} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	b = binary.LittleEndian.AppendUint32(b, t.jsonCRC)
	b = binary.LittleEndian.AppendUint32(b, t.binCRC)
	b = binary.LittleEndian.AppendUint32(b, t.version)
	b = append(b, make([]byte, trailerSize-len(b)-4)...)
	return append(b, "CACH"...)
}

// readTrailer returns the trailer of a cache file, ok false for a file
// that has none (plain JSON).
func readTrailer(b []byte) (cacheTrailer, bool) {
	var t cacheTrailer
	if len(b) < trailerSize {
		return t, false
	}
	r := b[len(b)-trailerSize:]
	if string(r[:8]) != cacheMagic || string(r[trailerSize-4:]) != "CACH" {
		return t, false
	}
	le := binary.LittleEndian
	t.jsonLen, t.usersStart, t.usersEnd, t.binLen, t.users = le.Uint64(r[8:]), le.Uint64(r[16:]), le.Uint64(r[24:]), le.Uint64(r[32:]), le.Uint64(r[40:])
	t.jsonCRC, t.binCRC, t.version = le.Uint32(r[48:]), le.Uint32(r[52:]), le.Uint32(r[56:])
	return t, true
}

var errCache = errors.New("the cache file is damaged")

// decodeCache decodes a cache file held in b (mapped: strings point into
// it). ok is false when b is plain JSON, to be decoded as a snapshot.
func decodeCache(b []byte) (s *Snapshot, ok bool, err error) {
	t, ok := readTrailer(b)
	if !ok {
		return nil, false, nil
	}
	if t.version != cacheVersion {
		return nil, true, fmt.Errorf("a cache of another version (%d)", t.version)
	}
	if t.jsonLen > uint64(len(b)) || t.binLen > uint64(len(b))-t.jsonLen || t.jsonLen+t.binLen+trailerSize != uint64(len(b)) ||
		t.usersStart > t.usersEnd || t.usersEnd > t.jsonLen || t.users > t.binLen {
		return nil, true, errCache
	}
	doc := unsafe.String(unsafe.SliceData(b), int(t.jsonLen))
	bin := unsafe.String(unsafe.SliceData(b[t.jsonLen:]), int(t.binLen))
	// the JSON part's checksum beside the decoding
	jsonOK := make(chan bool, 1)
	go func() { jsonOK <- crc32.Checksum(b[:t.jsonLen], castagnoli) == t.jsonCRC }()
	s, err = decodeCacheParts(t, doc, bin, b[t.jsonLen:t.jsonLen+t.binLen])
	if !<-jsonOK || err != nil {
		return nil, true, errCache
	}
	return s, true, nil
}

// decodeCacheParts decodes the head from the JSON part and the users from
// the binary part, once the binary part's checksum holds.
func decodeCacheParts(t cacheTrailer, doc, bin string, binBytes []byte) (*Snapshot, error) {
	if crc32.Checksum(binBytes, castagnoli) != t.binCRC {
		return nil, errCache
	}
	head := doc
	if t.users > 0 {
		if t.usersStart < uint64(len(usersOpen)) || t.usersEnd+uint64(len(usersClose)) > t.jsonLen {
			return nil, errCache
		}
		head = doc[:t.usersStart-uint64(len(usersOpen))] + `"users":null` + doc[t.usersEnd+uint64(len(usersClose)):]
	}
	s := &Snapshot{}
	if err := json.Unmarshal([]byte(head), s); err != nil {
		return nil, errCache
	}
	var err error
	s.Users, err = readBinaryUsers(bin, doc, int(t.users))
	return s, err
}

type crcWriter struct {
	w   io.Writer
	n   int
	crc uint32
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.crc = crc32.Update(c.crc, castagnoli, p[:n])
	c.n += n
	return n, err
}

// writeBinaryUsers writes the users' count of blocks, the blocks' end
// offsets, then the blocks.
func writeBinaryUsers(w io.Writer, users []User, offsets []uint64, lens []int32) error {
	nblocks := (len(users) + usersPerBlock - 1) / usersPerBlock
	blocks := make([][]byte, nblocks)
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), max(1, nblocks))
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := k; b < nblocks; b += workers {
				var e binEncoder
				for i := b * usersPerBlock; i < min(len(users), (b+1)*usersPerBlock); i++ {
					e.user(&users[i], offsets[i], lens[i])
				}
				blocks[b] = e.b
			}
		}()
	}
	wg.Wait()
	head := binary.AppendUvarint(nil, uint64(nblocks))
	end := uint64(0)
	for _, b := range blocks {
		end += uint64(len(b))
		head = binary.LittleEndian.AppendUint64(head, end)
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	for _, b := range blocks {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// readBinaryUsers decodes n users from bin, their JSON lines from doc.
func readBinaryUsers(bin, doc string, n int) ([]User, error) {
	r := binReader{s: bin}
	nblocks := int(r.uvarint())
	if r.err != nil || nblocks != (n+usersPerBlock-1)/usersPerBlock || len(bin) < r.i+8*nblocks {
		return nil, errCache
	}
	ends := make([]int, nblocks)
	for k := range ends {
		ends[k] = int(binary.LittleEndian.Uint64([]byte(bin[r.i : r.i+8])))
		r.i += 8
	}
	base := r.i
	users := make([]User, n)
	errs := make([]error, nblocks)
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), max(1, nblocks))
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slabs := &objectSlabs{}
			for b := k; b < nblocks; b += workers {
				lo := base
				if b > 0 {
					lo = base + ends[b-1]
				}
				hi := base + ends[b]
				if lo > hi || hi > len(bin) {
					errs[b] = errCache
					return
				}
				br := binReader{s: bin[lo:hi], doc: doc, slabs: slabs}
				for i := b * usersPerBlock; i < min(n, (b+1)*usersPerBlock); i++ {
					br.user(&users[i])
				}
				if br.err != nil || br.i != len(br.s) {
					errs[b] = errCache
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return users, nil
}

// binEncoder appends users in the binary form.
type binEncoder struct{ b []byte }

func (e *binEncoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *binEncoder) int(v int)        { e.b = binary.AppendVarint(e.b, int64(v)) }
func (e *binEncoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }

// user flags: which pointers and slices are there, and the bools.
const (
	fActive = 1 << iota
	fCCWUser
	fAPIUser
	fUpdatedBy
	fCurrency
	fAccountType
	fAccount
	fManager
	fPhone
	fRoles
	fUserGroups
	fAccountGroups
	fContentGroups
	fCustomFields
	fApprovalGroups
	fMore // licences, approval limits, locale, content restriction, default address: one JSON part
)

// moreAttrs are a user's rarer attributes, kept in the cache as one JSON
// part for the users that have any (most have none).
type moreAttrs struct {
	Purchasing, Expense, Sourcing, Inventory, Contracts, Analytics bool                      `json:",omitempty"`
	Limits                                                         map[string]*ApprovalLimit `json:",omitempty"`
	Locale                                                         string                    `json:",omitempty"`
	ContentRestriction                                             int                       `json:",omitempty"`
	Address                                                        *Address                  `json:",omitempty"`
}

func moreOf(u *User) (moreAttrs, bool) {
	m := moreAttrs{Purchasing: u.PurchasingUser, Expense: u.ExpenseUser, Sourcing: u.SourcingUser, Inventory: u.InventoryUser,
		Contracts: u.ContractsUser, Analytics: u.AnalyticsUser, Locale: u.DefaultLocale, ContentRestriction: u.BusinessGroupSecurityType,
		Address: u.DefaultAddress}
	for _, name := range LimitFields {
		if l := *u.Limit(name); l != nil {
			if m.Limits == nil {
				m.Limits = map[string]*ApprovalLimit{}
			}
			m.Limits[name] = l
		}
	}
	any := m.Purchasing || m.Expense || m.Sourcing || m.Inventory || m.Contracts || m.Analytics || m.Limits != nil ||
		m.Locale != "" || m.ContentRestriction != 0 || m.Address != nil
	return m, any
}

func (m *moreAttrs) put(u *User) {
	u.PurchasingUser, u.ExpenseUser, u.SourcingUser, u.InventoryUser = m.Purchasing, m.Expense, m.Sourcing, m.Inventory
	u.ContractsUser, u.AnalyticsUser, u.DefaultLocale, u.BusinessGroupSecurityType = m.Contracts, m.Analytics, m.Locale, m.ContentRestriction
	u.DefaultAddress = m.Address
	for name, l := range m.Limits {
		if p := u.Limit(name); p != nil {
			*p = l
		}
	}
}

func (e *binEncoder) ref(r *Ref) { e.int(r.ID); e.str(r.Name); e.str(r.Login); e.str(r.Code) }

func (e *binEncoder) refs(list []Ref) {
	e.uvarint(uint64(len(list)))
	for i := range list {
		e.ref(&list[i])
	}
}

// tri writes a *bool: 0 nil, 1 false, 2 true.
func (e *binEncoder) tri(b *bool) {
	switch {
	case b == nil:
		e.b = append(e.b, 0)
	case *b:
		e.b = append(e.b, 2)
	default:
		e.b = append(e.b, 1)
	}
}

// user writes u as its JSON line reads back (the binary part must decode
// to exactly what the JSON part does): lists and maps the JSON leaves out
// when empty (omitempty) as none, and empty segments not at all.
func (e *binEncoder) user(u *User, offset uint64, length int32) {
	var f uint64
	set := func(bit uint64, on bool) {
		if on {
			f |= bit
		}
	}
	set(fActive, u.Active)
	set(fCCWUser, u.CCWUser)
	set(fAPIUser, u.APIUser)
	set(fUpdatedBy, u.UpdatedBy != nil)
	set(fCurrency, u.DefaultCurrency != nil)
	set(fAccountType, u.DefaultAccountType != nil)
	set(fAccount, u.DefaultAccount != nil)
	set(fManager, u.Manager != nil)
	set(fPhone, u.PhoneWork != nil)
	set(fRoles, u.Roles != nil)
	set(fUserGroups, len(u.UserGroups) > 0)
	set(fAccountGroups, len(u.AccountGroups) > 0)
	set(fContentGroups, len(u.ContentGroups) > 0)
	set(fCustomFields, len(u.CustomFields) > 0)
	set(fApprovalGroups, len(u.ApprovalGroups) > 0)
	more, hasMore := moreOf(u)
	set(fMore, hasMore)
	e.uvarint(f)
	e.uvarint(offset)
	e.uvarint(uint64(length))
	e.int(u.ID)
	for _, s := range [...]string{u.CreatedAt, u.UpdatedAt, u.Login, u.Email, u.Firstname, u.Lastname, u.Middlename,
		u.Fullname, u.EmployeeNumber, u.MentionName, u.SSOIdentifier, u.AuthenticationMethod} {
		e.str(s)
	}
	e.int(u.AccountSecurityType)
	if u.UpdatedBy != nil {
		e.ref(u.UpdatedBy)
	}
	if c := u.DefaultCurrency; c != nil {
		e.int(c.ID)
		e.str(c.Code)
		e.str(c.Name)
		e.tri(c.Enabled)
	}
	if u.DefaultAccountType != nil {
		e.ref(u.DefaultAccountType)
	}
	if a := u.DefaultAccount; a != nil {
		e.int(a.ID)
		e.str(a.Name)
		e.str(a.Code)
		e.tri(a.Active)
		if a.AccountType != nil {
			e.b = append(e.b, 1)
			e.ref(a.AccountType)
		} else {
			e.b = append(e.b, 0)
		}
		// segments 1..20 with a value; the count is n+1, 0 for none (nil)
		n := 0
		for k, v := range a.Segments {
			if k >= 1 && k <= 20 && v != "" {
				n++
			}
		}
		if n == 0 {
			e.uvarint(0)
		} else {
			e.uvarint(uint64(n) + 1)
			for k := 1; k <= 20; k++ {
				if v := a.Segments[k]; v != "" {
					e.int(k)
					e.str(v)
				}
			}
		}
	}
	if u.Manager != nil {
		e.ref(u.Manager)
	}
	if p := u.PhoneWork; p != nil {
		e.int(p.ID)
		e.str(p.CountryCode)
		e.str(p.AreaCode)
		e.str(p.Number)
		e.str(p.Extension)
	}
	if u.Roles != nil {
		e.uvarint(uint64(len(u.Roles)))
		for i := range u.Roles {
			r := &u.Roles[i]
			e.int(r.ID)
			e.str(r.Name)
			e.str(r.Description)
			var rf byte
			if r.Omnipotent {
				rf |= 1
			}
			if r.SystemRole {
				rf |= 2
			}
			e.b = append(e.b, rf)
		}
	}
	if f&fUserGroups != 0 {
		e.refs(u.UserGroups)
	}
	if f&fAccountGroups != 0 {
		e.refs(u.AccountGroups)
	}
	if f&fContentGroups != 0 {
		e.refs(u.ContentGroups)
	}
	if f&fCustomFields != 0 {
		raw, err := json.Marshal(u.CustomFields)
		if err != nil {
			raw = []byte("{}")
		}
		e.str(string(raw))
	}
	if f&fApprovalGroups != 0 {
		e.refs(u.ApprovalGroups)
	}
	if f&fMore != 0 {
		raw, err := json.Marshal(&more)
		if err != nil {
			raw = []byte("{}")
		}
		e.str(string(raw))
	}
}

// binReader reads the binary form; strings are read in place. Anything
// out of bounds sets err.
type binReader struct {
	s     string
	i     int
	doc   string // the JSON part, where users' lines are
	err   error
	slabs *objectSlabs
}

func (r *binReader) fail() {
	r.err = errCache
	r.i = len(r.s)
}

func (r *binReader) uvarint() uint64 {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if r.i >= len(r.s) {
			r.fail()
			return 0
		}
		c := r.s[r.i]
		r.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.fail()
	return 0
}

func (r *binReader) int() int {
	u := r.uvarint()
	return int(int64(u>>1) ^ -int64(u&1))
}

func (r *binReader) byte() byte {
	if r.i >= len(r.s) {
		r.fail()
		return 0
	}
	r.i++
	return r.s[r.i-1]
}

func (r *binReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.s)-r.i) {
		r.fail()
		return ""
	}
	s := r.s[r.i : r.i+int(n)]
	r.i += int(n)
	return s
}

func (r *binReader) tri() *bool {
	switch r.byte() {
	case 0:
		return nil
	case 1:
		return &falseValue
	case 2:
		return &trueValue
	}
	r.fail()
	return nil
}

// trueValue and falseValue are what decoded *bool fields point at: they
// are never written through.
var trueValue, falseValue = true, false

func (r *binReader) ref() *Ref {
	x := r.slabs.refs.New()
	x.ID, x.Name, x.Login, x.Code = r.int(), r.str(), r.str(), r.str()
	return x
}

func (r *binReader) refs() []Ref {
	n := r.uvarint()
	if n > uint64(len(r.s)-r.i) {
		r.fail()
		return nil
	}
	out := make([]Ref, n)
	for i := range out {
		out[i].ID, out[i].Name, out[i].Login, out[i].Code = r.int(), r.str(), r.str(), r.str()
	}
	return out
}

func (r *binReader) user(u *User) {
	f := r.uvarint()
	offset, length := r.uvarint(), r.uvarint()
	if offset > uint64(len(r.doc)) || length > uint64(len(r.doc))-offset {
		r.fail()
		return
	}
	u.raw = r.doc[offset : offset+length]
	u.ID = r.int()
	u.CreatedAt, u.UpdatedAt, u.Login, u.Email, u.Firstname, u.Lastname = r.str(), r.str(), r.str(), r.str(), r.str(), r.str()
	u.Middlename, u.Fullname, u.EmployeeNumber, u.MentionName, u.SSOIdentifier, u.AuthenticationMethod = r.str(), r.str(), r.str(), r.str(), r.str(), r.str()
	u.AccountSecurityType = r.int()
	u.Active, u.CCWUser, u.APIUser = f&fActive != 0, f&fCCWUser != 0, f&fAPIUser != 0
	if f&fUpdatedBy != 0 {
		u.UpdatedBy = r.ref()
	}
	if f&fCurrency != 0 {
		c := r.slabs.currencies.New()
		c.ID, c.Code, c.Name, c.Enabled = r.int(), r.str(), r.str(), r.tri()
		u.DefaultCurrency = c
	}
	if f&fAccountType != 0 {
		u.DefaultAccountType = r.ref()
	}
	if f&fAccount != 0 {
		a := r.slabs.accounts.New()
		a.ID, a.Name, a.Code, a.Active = r.int(), r.str(), r.str(), r.tri()
		if r.byte() == 1 {
			a.AccountType = r.ref()
		}
		if n := r.uvarint(); n > 0 {
			if n-1 > uint64(len(r.s)-r.i) {
				r.fail()
				return
			}
			a.Segments = make(map[int]string, n-1)
			for k := uint64(1); k < n; k++ {
				seg := r.int()
				a.Segments[seg] = r.str()
			}
		}
		u.DefaultAccount = a
	}
	if f&fManager != 0 {
		u.Manager = r.ref()
	}
	if f&fPhone != 0 {
		p := r.slabs.phones.New()
		p.ID, p.CountryCode, p.AreaCode, p.Number, p.Extension = r.int(), r.str(), r.str(), r.str(), r.str()
		u.PhoneWork = p
	}
	if f&fRoles != 0 {
		n := r.uvarint()
		if n > uint64(len(r.s)-r.i) {
			r.fail()
			return
		}
		roles := r.slabs.scratch[:0]
		for k := uint64(0); k < n; k++ {
			var x Role
			x.ID, x.Name, x.Description = r.int(), r.str(), r.str()
			rf := r.byte()
			x.Omnipotent, x.SystemRole = rf&1 != 0, rf&2 != 0
			roles = append(roles, x)
		}
		u.Roles, r.slabs.scratch = r.slabs.keepRoles(roles), roles
	}
	if f&fUserGroups != 0 {
		u.UserGroups = r.refs()
	}
	if f&fAccountGroups != 0 {
		u.AccountGroups = r.refs()
	}
	if f&fContentGroups != 0 {
		u.ContentGroups = r.refs()
	}
	if f&fCustomFields != 0 {
		raw := r.str()
		if r.err == nil && json.Unmarshal([]byte(raw), &u.CustomFields) != nil {
			r.fail()
		}
	}
	if f&fApprovalGroups != 0 {
		u.ApprovalGroups = r.refs()
	}
	if f&fMore != 0 {
		var m moreAttrs
		if raw := r.str(); r.err == nil && json.Unmarshal([]byte(raw), &m) != nil {
			r.fail()
		}
		m.put(u)
	}
}

// isCacheFile reports a file with the cache trailer (for tests and tools).
func isCacheFile(b []byte) bool { _, ok := readTrailer(b); return ok }
