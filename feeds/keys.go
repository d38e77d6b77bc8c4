package feeds

import (
	"cmp"
	"github.com/ccwrecon/ccwrecon/internal/parallel"
	"hash/maphash"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/ccwrecon/ccwrecon/record"
)

// fold appends k lower-cased (as strings.ToLower) to buf.
func fold(buf []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		if k[i] >= utf8.RuneSelf {
			return append(buf, strings.ToLower(k)...)
		}
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// keyed is one user's value of a field, as a hash of its lower-cased
// bytes: 16 bytes, the value itself looked up again only when two hashes
// are equal.
type keyed struct {
	h uint64
	i int32
}

// keyHashes are a record's hashed keys (see keyFields), 0 for none.
type keyHashes [3]uint64

// keyFields are the keys the population-wide passes compare: logins and
// employee numbers for duplicates, and managers' employee numbers, which
// HR mappings resolve across the feed.
var keyFields = [3]string{record.Login, record.EmployeeNumber, managerNumber}

const keyRef = 2 // index of managerNumber in keyFields

// hashKeys hashes u's keys, lower-cased; an empty key hashes to 0 (a
// value whose hash is 0 is taken as 1: a one in 2^64 collision, settled
// by the values' comparison like any other).
func hashKeys(u *record.User, seed maphash.Seed, buf *[]byte) keyHashes {
	var h keyHashes
	for i, f := range keyFields {
		if v := u.Get(f); v != "" {
			h[i] = max(hashFolded(seed, v, buf), 1)
		}
	}
	return h
}

// hashFolded hashes v lower-cased, as maphash.Bytes of fold(v); a value
// already lower-case ASCII (most keys) is hashed in place, without the copy.
func hashFolded(seed maphash.Seed, v string, buf *[]byte) uint64 {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			*buf = fold((*buf)[:0], v)
			return maphash.Bytes(seed, *buf)
		}
	}
	return maphash.String(seed, v)
}

// partitionHashed partitions the users' hashed key k (field names it).
func partitionHashed(field string, hashes []keyHashes, k int) *partitioned {
	p := &partitioned{field: field}
	keys := make([]keyed, 0, len(hashes))
	for i := range hashes {
		if h := hashes[i][k]; h != 0 {
			keys = append(keys, keyed{h, int32(i)})
			p.bounds[h>>56+1]++
		}
	}
	p.radix(keys)
	return p
}

// partitioned is a field's values hashed (lower-cased) and ordered by the
// hash's top 16 bits, stably: instead of a hash table, whose every insert
// is a cache miss at 100,000 users, two radix passes each write to 256
// places at a time, and equal values end up side by side, in file order,
// among a handful of others. bounds[b] to bounds[b+1] holds the values
// whose hash's top byte is b. The seed is shared by the partitions to be
// joined, and new for each read, so no file can be made to collide.
type partitioned struct {
	field  string
	keys   []keyed
	bounds [257]int
}

// radix orders keys by their hash's top 16 bits, stably, into p (whose
// bounds hold the count of each top byte).
func (p *partitioned) radix(keys []keyed) {
	for b := 1; b <= 256; b++ {
		p.bounds[b] += p.bounds[b-1]
	}
	parts := make([]keyed, len(keys))
	next := p.bounds
	for _, k := range keys {
		parts[next[k.h>>56]] = k
		next[k.h>>56]++
	}
	for b := 0; b < 256; b++ { // the second pass, by the next 8 bits, back into keys
		src, dst := parts[p.bounds[b]:p.bounds[b+1]], keys[p.bounds[b]:p.bounds[b+1]]
		var sub [257]int
		for _, k := range src {
			sub[int(byte(k.h>>48))+1]++
		}
		for d := 1; d <= 256; d++ {
			sub[d] += sub[d-1]
		}
		for _, k := range src {
			dst[sub[byte(k.h>>48)]] = k
			sub[byte(k.h>>48)]++
		}
	}
	p.keys = keys
}

// repeats calls same(first, later) for every user whose value equals
// (lower-cased) that of an earlier user, in the order of the later users.
func (p *partitioned) repeats(users []*record.User, same func(first, later int)) {
	var buf, other []byte
	var found [][2]int
	keys := p.keys
	for j := 1; j < len(keys); j++ {
		for k := j - 1; k >= 0 && keys[k].h>>48 == keys[j].h>>48; k-- {
			if keys[k].h != keys[j].h {
				continue
			}
			buf = fold(buf[:0], users[keys[j].i].Get(p.field))
			if other = fold(other[:0], users[keys[k].i].Get(p.field)); string(other) == string(buf) {
				// the run is in file order: the earliest equal one is the first
				first := keys[k].i
				for k2 := k - 1; k2 >= 0 && keys[k2].h>>48 == keys[j].h>>48; k2-- {
					if keys[k2].h == keys[j].h && string(fold(other[:0], users[keys[k2].i].Get(p.field))) == string(buf) {
						first = keys[k2].i
					}
				}
				found = append(found, [2]int{int(first), int(keys[j].i)})
				break
			}
		}
	}
	slices.SortFunc(found, func(x, y [2]int) int { return cmp.Compare(x[1], y[1]) })
	for _, f := range found {
		same(f[0], f[1])
	}
}

// join finds, for every user with a value of refs' field, the first user
// whose value of p's field has the same hash: found(user, target). Both
// are partitions made with the same seed; they are joined a partition at
// a time through a table small enough for the cache. Records are not
// visited here (in hash order each visit is a cache miss): the caller
// compares the values, in file order.
func (p *partitioned) join(refs *partitioned, found func(user, target int)) {
	var table []int32
	for b := 0; b < 256; b++ {
		ks, rs := p.keys[p.bounds[b]:p.bounds[b+1]], refs.keys[refs.bounds[b]:refs.bounds[b+1]]
		if len(ks) == 0 || len(rs) == 0 {
			continue
		}
		size := 16
		for size < 2*len(ks) {
			size *= 2
		}
		if cap(table) < size {
			table = make([]int32, size)
		}
		table = table[:size]
		clear(table)
		mask := size - 1
		for j, k := range ks { // in file order: the first of equal hashes stays nearest
			s := int(k.h>>20) & mask
			for table[s] != 0 {
				s = (s + 1) & mask
			}
			table[s] = int32(j + 1)
		}
		for _, r := range rs {
			for s := int(r.h>>20) & mask; table[s] != 0; s = (s + 1) & mask {
				if o := ks[table[s]-1]; o.h == r.h {
					found(int(r.i), int(o.i))
					break
				}
			}
		}
	}
}

// joinExact is join with the values compared: it returns, for every user
// whose value of ref is exactly the value of key of a user, that (first)
// user's position+1, 0 for none. The values are compared on both cores in
// file order; a pair whose hashes matched but whose values do not (values
// that lower-case alike, or a collision) is looked up again exactly.
func joinExact(users []*record.User, key, ref string, keys, refs *partitioned) []int32 {
	target := make([]int32, len(users))
	keys.join(refs, func(u, t int) { target[u] = int32(t + 1) })
	var again atomic.Bool
	parallel.Ranges(len(users), 1024, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			if t := target[u]; t > 0 && users[t-1].Get(key) != users[u].Get(ref) {
				target[u] = -1
				again.Store(true)
			}
		}
	})
	if again.Load() {
		exact := make(map[string]int32, len(users))
		for i := len(users) - 1; i >= 0; i-- { // the first one wins
			if k := users[i].Get(key); k != "" {
				exact[k] = int32(i + 1)
			}
		}
		for u, t := range target {
			if t < 0 {
				target[u] = exact[users[u].Get(ref)]
			}
		}
	}
	return target
}
