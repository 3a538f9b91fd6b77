package rpki

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"iter"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Set is an immutable set of VRPs indexed for route origin validation.
// It is safe for concurrent use. A nil *Set is empty: it validates every
// route as NotFound.
//
// Each address family keeps its distinct VRP prefixes sorted (by address,
// then length), each with a link to its nearest covering prefix. The
// prefixes covering a route are then the covering chain of the last
// prefix sorted at or before the route's own: a bucket look-up on the
// top address bits, a short binary search and a walk up the chain, with
// no allocation unless VRPs are found. The index holds no pointers
// (about 50 bytes per VRP), so the garbage collector need not scan it.
type Set struct {
	v4, v6 table
	// tas are the distinct trust anchor names, indexed by entry.ta.
	tas []string
}

// table indexes the VRPs of one address family.
type table struct {
	// nodes are the distinct VRP prefixes, sorted by (hi, lo, bits).
	nodes []node
	// buckets narrow the binary search over nodes: buckets[k] is the
	// index of the first node whose hi>>shift is at least k, for k up to
	// 1<<(64-shift) (the sentinel, len(nodes)).
	buckets []int32
	shift   uint8
	// entries hold the VRPs sorted like nodes; node i owns
	// entries[nodes[i].first:nodes[i+1].first] (up to len(entries) for
	// the last node).
	entries []entry
	v6      bool
}

// node is one distinct VRP prefix: its masked address as two 64-bit
// halves (an IPv4 address in the top 32 bits of hi), its length, the
// index of the nearest node whose prefix strictly contains it (-1 for
// none) and the index of its first entry.
type node struct {
	hi, lo uint64
	first  int32
	parent int32
	bits   uint8
}

// entry is a VRP without its prefix (its node's).
type entry struct {
	expires int64 // Unix seconds, or noExpiry
	asn     uint32
	ta      uint16 // index into Set.tas
	maxLen  uint8
}

// noExpiry is entry.expires for a VRP without an expiry time.
const noExpiry = math.MinInt64

// maxTAs bounds the number of distinct trust anchor names in a Set.
const maxTAs = math.MaxUint16 + 1

// NewSet returns a Set of the given VRPs, checking each (masked prefix,
// Prefix.Bits() ≤ MaxLength ≤ address length). Duplicates (same prefix,
// MaxLength, ASN and TA) are kept once, with the latest Expires. Expiry
// times are kept to the second, in UTC. There may be at most 65,536
// distinct TA names.
func NewSet(vrps []VRP) (*Set, error) {
	var b builder
	for i, v := range vrps {
		if err := v.check(); err != nil {
			return nil, fmt.Errorf("rpki: VRP %d: %w", i, err)
		}
		if err := b.add(v); err != nil {
			return nil, fmt.Errorf("rpki: VRP %d: %w", i, err)
		}
	}
	return b.set(), nil
}

// builder collects VRPs for a Set in a compact, pointer-free form.
type builder struct {
	v4, v6 []rec
	// tas are the distinct trust anchor names in order of appearance,
	// taIndex their indices.
	tas     []string
	taIndex map[string]uint16
}

// rec is a VRP being collected: its prefix as in node, and its entry.
type rec struct {
	hi, lo  uint64
	expires int64
	asn     uint32
	ta      uint16
	bits    uint8
	maxLen  uint8
}

// add adds a VRP, which must be valid.
func (b *builder) add(v VRP) error {
	ta, ok := b.taIndex[v.TA]
	if !ok {
		if len(b.tas) == maxTAs {
			return errTooManyTAs
		}
		if b.taIndex == nil {
			b.taIndex = map[string]uint16{}
		}
		ta = uint16(len(b.tas))
		name := strings.Clone(v.TA) // not to keep a parsed line alive
		b.taIndex[name] = ta
		b.tas = append(b.tas, name)
	}
	hi, lo := key(v.Prefix.Addr())
	r := rec{hi: hi, lo: lo, expires: noExpiry, asn: v.ASN, ta: ta, bits: uint8(v.Prefix.Bits()), maxLen: v.MaxLength}
	if !v.Expires.IsZero() {
		r.expires = v.Expires.Unix()
	}
	if v.Prefix.Addr().Is4() {
		b.v4 = append(b.v4, r)
	} else {
		b.v6 = append(b.v6, r)
	}
	return nil
}

var errTooManyTAs = fmt.Errorf("more than %d distinct trust anchor names", maxTAs)

// set sorts, de-duplicates and indexes the VRPs collected.
func (b *builder) set() *Set {
	// Number the trust anchors in name order, so that sorting by number
	// sorts by name.
	order := make([]uint16, len(b.tas))
	for i := range order {
		order[i] = uint16(i)
	}
	slices.SortFunc(order, func(x, y uint16) int { return cmp.Compare(b.tas[x], b.tas[y]) })
	s := &Set{tas: make([]string, len(b.tas)), v6: table{v6: true}}
	renumber := make([]uint16, len(b.tas))
	for newIdx, old := range order {
		renumber[old] = uint16(newIdx)
		s.tas[newIdx] = b.tas[old]
	}
	s.v4.init(b.v4, renumber, maxBucketBits4)
	s.v6.init(b.v6, renumber, maxBucketBits6)
	*b = builder{}
	return s
}

// Bucket index sizes: at most 2^16 buckets on the top bits of an IPv4
// address and 2^20 on those of an IPv6 address (where VRPs concentrate in
// a few /12s), fewer for small sets.
const (
	maxBucketBits4 = 16
	maxBucketBits6 = 20
)

// compareRec orders recs by prefix (address, then length), MaxLength,
// ASN and trust anchor.
func compareRec(a, b rec) int {
	return cmp.Or(cmp.Compare(a.hi, b.hi), cmp.Compare(a.lo, b.lo), cmp.Compare(a.bits, b.bits),
		cmp.Compare(a.maxLen, b.maxLen), cmp.Compare(a.asn, b.asn), cmp.Compare(a.ta, b.ta))
}

// init builds the nodes, entries and buckets of recs, the VRPs of one
// family, after renumbering their trust anchors; it sorts and
// de-duplicates recs in place and uses up to 2^maxBits buckets.
func (t *table) init(recs []rec, renumber []uint16, maxBits int) {
	for i := range recs {
		recs[i].ta = renumber[recs[i].ta]
	}
	slices.SortFunc(recs, compareRec)
	out := recs[:0]
	for _, r := range recs {
		if n := len(out); n > 0 {
			if last := &out[n-1]; last.hi == r.hi && last.lo == r.lo && last.bits == r.bits &&
				last.maxLen == r.maxLen && last.asn == r.asn && last.ta == r.ta {
				last.expires = max(last.expires, r.expires)
				continue
			}
		}
		out = append(out, r)
	}
	recs = out

	t.entries = make([]entry, len(recs))
	// stack holds the indices of the nodes containing the current one,
	// innermost last; sorted order visits a prefix before any prefix it
	// contains, and prefixes are either nested or disjoint.
	var stack []int32
	for i, r := range recs {
		t.entries[i] = entry{expires: r.expires, asn: r.asn, ta: r.ta, maxLen: r.maxLen}
		if n := len(t.nodes); n > 0 && t.nodes[n-1].hi == r.hi && t.nodes[n-1].lo == r.lo && t.nodes[n-1].bits == r.bits {
			continue // another VRP of the same prefix
		}
		for len(stack) > 0 && !t.nodes[stack[len(stack)-1]].contains(r.hi, r.lo, r.bits) {
			stack = stack[:len(stack)-1]
		}
		parent := int32(-1)
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
		}
		t.nodes = append(t.nodes, node{hi: r.hi, lo: r.lo, bits: r.bits, first: int32(i), parent: parent})
		stack = append(stack, int32(len(t.nodes)-1))
	}
	t.nodes = slices.Clip(t.nodes)

	b := min(bits.Len(uint(len(t.nodes))), maxBits)
	t.shift = uint8(64 - b)
	t.buckets = make([]int32, 1<<b+1)
	i := 0
	for k := range t.buckets {
		for i < len(t.nodes) && t.nodes[i].hi>>t.shift < uint64(k) {
			i++
		}
		t.buckets[k] = int32(i)
	}
}

// key splits an address into two big-endian 64-bit halves; an IPv4
// address fills the top 32 bits of hi.
func key(a netip.Addr) (hi, lo uint64) {
	if a.Is4() {
		b := a.As4()
		return uint64(binary.BigEndian.Uint32(b[:])) << 32, 0
	}
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// prefix returns node n's prefix.
func (t *table) prefix(n *node) netip.Prefix {
	var a netip.Addr
	if t.v6 {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], n.hi)
		binary.BigEndian.PutUint64(b[8:], n.lo)
		a = netip.AddrFrom16(b)
	} else {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(n.hi>>32))
		a = netip.AddrFrom4(b)
	}
	return netip.PrefixFrom(a, int(n.bits))
}

// contains reports whether n's prefix contains the prefix (hi, lo)/bits.
func (n *node) contains(hi, lo uint64, bits uint8) bool {
	if n.bits > bits {
		return false
	}
	// A shift by 64 or more yields 0 in Go, so both masks hold for any
	// length 0..128.
	mhi := ^(^uint64(0) >> n.bits)
	var mlo uint64
	if n.bits > 64 {
		mlo = ^(^uint64(0) >> (n.bits - 64))
	}
	return hi&mhi == n.hi && lo&mlo == n.lo
}

// deepest returns the index of the longest node prefix containing
// (hi, lo)/bits, or -1.
func (t *table) deepest(hi, lo uint64, bits uint8) int {
	nodes := t.nodes
	if len(nodes) == 0 {
		return -1
	}
	// Find the last node sorted at or before the query. Any prefix
	// containing the query is sorted before it and contains that node's
	// address, so it is that node or one of its ancestors. Nodes before
	// the query's bucket all sort before the query, so the search is
	// within the bucket, the answer possibly the node just before it.
	b := hi >> t.shift
	i, j := int(t.buckets[b]), int(t.buckets[b+1])
	for i < j {
		h := int(uint(i+j) >> 1)
		n := &nodes[h]
		if n.hi < hi || n.hi == hi && (n.lo < lo || n.lo == lo && n.bits <= bits) {
			i = h + 1
		} else {
			j = h
		}
	}
	for k := i - 1; k >= 0; k = int(nodes[k].parent) {
		if nodes[k].contains(hi, lo, bits) {
			return k
		}
	}
	return -1
}

// span returns the entries of node i.
func (t *table) span(i int) []entry {
	end := len(t.entries)
	if i+1 < len(t.nodes) {
		end = int(t.nodes[i+1].first)
	}
	return t.entries[t.nodes[i].first:end]
}

// lookup finds the table of p's family and the deepest node covering p
// (-1 if none). p must be valid and masked.
func (s *Set) lookup(p netip.Prefix) (*table, int) {
	t := &s.v6
	if p.Addr().Is4() {
		t = &s.v4
	}
	hi, lo := key(p.Addr())
	return t, t.deepest(hi, lo, uint8(p.Bits()))
}

// vrp returns the VRP of entry e of a node with prefix p.
func (s *Set) vrp(p netip.Prefix, e *entry) VRP {
	v := VRP{Prefix: p, MaxLength: e.maxLen, ASN: e.asn, TA: s.tas[e.ta]}
	if e.expires != noExpiry {
		v.Expires = time.Unix(e.expires, 0).UTC()
	}
	return v
}

// collect returns the n VRPs of the covering chain of table t starting
// at node k, least specific first.
func (s *Set) collect(t *table, k, n int) []VRP {
	out := make([]VRP, n)
	for i := k; i >= 0; i = int(t.nodes[i].parent) {
		sp := t.span(i)
		p := t.prefix(&t.nodes[i])
		n -= len(sp)
		for j := range sp {
			out[n+j] = s.vrp(p, &sp[j])
		}
	}
	return out
}

// Validate performs route origin validation (RFC 6811) of a route for
// prefix p originated by AS origin. Origin 0 stands for a route without
// a single origin AS (an AS path ending in an AS_SET): it is Invalid if
// VRPs cover p, NotFound otherwise.
//
// The VRPs covering p are those whose prefix, of p's address family,
// contains p. The route is Valid if one of them is for origin (not 0)
// with a MaxLength of at least p's length; Invalid if there are covering
// VRPs but none matches, with Reason ReasonLength if a VRP for origin
// exists but its MaxLength is too short and ReasonAS otherwise; and
// NotFound if no VRP covers p. An invalid p is NotFound; a p with host
// bits set is masked first.
//
// Validate allocates once, for the Matched slice, and not at all for a
// NotFound route. State gives the same State and Reason without
// allocating.
func (s *Set) Validate(p netip.Prefix, origin uint32) Validation {
	if p.IsValid() {
		p = p.Masked()
	}
	v := Validation{Prefix: p, Origin: origin}
	var t *table
	var k, n int
	v.State, v.Reason, t, k, n = s.validate(p, origin)
	if v.State != NotFound {
		v.Matched = s.collect(t, k, n)
	}
	return v
}

// State returns the State and Reason that Validate would, without
// collecting the covering VRPs: it never allocates.
func (s *Set) State(p netip.Prefix, origin uint32) (State, Reason) {
	if p.IsValid() {
		p = p.Masked()
	}
	st, r, _, _, _ := s.validate(p, origin)
	return st, r
}

// validate decides the validation of (p, origin), p masked, and returns
// where the covering VRPs are: the covering chain of table t from node k
// on, holding n VRPs.
func (s *Set) validate(p netip.Prefix, origin uint32) (st State, r Reason, t *table, k, n int) {
	if s == nil || !p.IsValid() {
		return NotFound, ReasonNone, nil, -1, 0
	}
	t, k = s.lookup(p)
	if k < 0 {
		return NotFound, ReasonNone, nil, -1, 0
	}
	bits := uint8(p.Bits())
	ownAS := false
	for i := k; i >= 0; i = int(t.nodes[i].parent) {
		sp := t.span(i)
		n += len(sp)
		if origin == 0 {
			continue
		}
		for j := range sp {
			if sp[j].asn == origin {
				ownAS = true
				if bits <= sp[j].maxLen {
					st = Valid
				}
			}
		}
	}
	switch {
	case st == Valid:
		return Valid, ReasonNone, t, k, n
	case ownAS:
		return Invalid, ReasonLength, t, k, n
	}
	return Invalid, ReasonAS, t, k, n
}

// Covering returns the VRPs whose prefix contains p (same address
// family), least specific first, or nil if there are none. A p with host
// bits set is masked first.
func (s *Set) Covering(p netip.Prefix) []VRP {
	if s == nil || !p.IsValid() {
		return nil
	}
	t, k := s.lookup(p.Masked())
	if k < 0 {
		return nil
	}
	n := 0
	for i := k; i >= 0; i = int(t.nodes[i].parent) {
		n += len(t.span(i))
	}
	return s.collect(t, k, n)
}

// Len returns the number of distinct VRPs in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.v4.entries) + len(s.v6.entries)
}

// Prefixes returns the number of distinct VRP prefixes in the set.
func (s *Set) Prefixes() int {
	if s == nil {
		return 0
	}
	return len(s.v4.nodes) + len(s.v6.nodes)
}

// All iterates over the VRPs in the set, IPv4 first, sorted by prefix,
// MaxLength, ASN and TA.
func (s *Set) All() iter.Seq[VRP] {
	return func(yield func(VRP) bool) {
		if s == nil {
			return
		}
		for _, t := range []*table{&s.v4, &s.v6} {
			for i := range t.nodes {
				p := t.prefix(&t.nodes[i])
				sp := t.span(i)
				for j := range sp {
					if !yield(s.vrp(p, &sp[j])) {
						return
					}
				}
			}
		}
	}
}
