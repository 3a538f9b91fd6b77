package mrtdump

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// Prefix is an NLRI entry exactly as it appeared on the wire: host bits past
// the prefix length are kept (see Masked), and Bits may exceed the address
// size in damaged input.
type Prefix struct {
	Addr   [16]byte // IPv4 addresses use the first 4 bytes
	Bits   uint8
	IPv6   bool
	PathID uint32 // ADD-PATH path identifier, 0 without ADD-PATH
}

// Valid reports whether the length fits the address family.
func (p Prefix) Valid() bool {
	if p.IPv6 {
		return p.Bits <= 128
	}
	return p.Bits <= 32
}

// Masked returns p with the bits past the prefix length cleared.
func (p Prefix) Masked() Prefix {
	n := int(p.Bits)
	size := 4
	if p.IPv6 {
		size = 16
	}
	for i := range size {
		switch {
		case n >= 8:
			n -= 8
		case n > 0:
			p.Addr[i] &= byte(0xff << (8 - n))
			n = 0
		default:
			p.Addr[i] = 0
		}
	}
	return p
}

// Prefix converts p to a netip.Prefix with its host bits cleared. It returns
// the zero Prefix when the length does not fit the family.
func (p Prefix) Prefix() netip.Prefix {
	if !p.Valid() {
		return netip.Prefix{}
	}
	var a netip.Addr
	if p.IPv6 {
		a = netip.AddrFrom16(p.Addr)
	} else {
		a = netip.AddrFrom4([4]byte(p.Addr[:4]))
	}
	return netip.PrefixFrom(a, int(p.Bits)).Masked()
}

// String formats p as bgpdump does (host bits kept).
func (p Prefix) String() string {
	return string(appendPrefix(nil, p))
}

// MPNLRI is the content of one MP_REACH_NLRI or MP_UNREACH_NLRI attribute.
type MPNLRI struct {
	Present    bool
	AFI        uint16
	SAFI       uint8
	NextHopLen uint8
	// NextHop holds the next hop: 4 bytes for IPv4, the global IPv6 address
	// otherwise; NextHopLocal the link-local address of a 32-byte next hop.
	NextHop      [16]byte
	NextHopLocal [16]byte
	Prefixes     []Prefix
}

// mpIndex maps (AFI, SAFI) to a slot: IPv4 then IPv6, each unicast,
// multicast, unicast+multicast; bgpdump prints them in this order.
func mpIndex(afi uint16, safi uint8) int {
	if afi < 1 || afi > 2 || safi < 1 || safi > 3 {
		return -1
	}
	return int(afi-1)*3 + int(safi-1)
}

const mpSlots = 6

// Attrs holds decoded BGP path attributes. Byte slices alias the record.
// A zero Attrs is not ready for use; Decode attributes with Attrs.Parse.
type Attrs struct {
	// Flags has bit t set when an attribute of type t (1..63) was present.
	Flags uint64
	// Origin is the ORIGIN value, 255 when absent.
	Origin uint8
	// ASPath is the AS_PATH after RFC 6793 reconstruction from AS4_PATH for
	// 2-byte sessions; ASNSize is the size of its ASNs (2 or 4).
	ASPath  []byte
	ASNSize int
	// AS4Path is the raw AS4_PATH (4-byte ASNs).
	AS4Path []byte
	// NextHop is NEXT_HOP, 255.255.255.255 when absent.
	NextHop           [4]byte
	MED, LocalPref    uint32
	AggregatorAS      uint32
	AggregatorAddr    [4]byte // 255.255.255.255 when absent
	AS4AggregatorAS   uint32
	AS4AggregatorAddr [4]byte
	Communities       []byte // 4 bytes each
	LargeCommunities  []byte // 12 bytes each
	ExtCommunities    []byte // 8 bytes each
	OriginatorID      [4]byte
	ClusterList       []byte
	// Reach and Unreach are the MP_REACH_NLRI / MP_UNREACH_NLRI contents by
	// (AFI, SAFI) slot; see ReachFor.
	Reach   [mpSlots]MPNLRI
	Unreach [mpSlots]MPNLRI
	// Warnings lists what was malformed but skipped, as bgpdump would warn.
	Warnings []string

	merged []byte
}

// Has reports whether an attribute of type t was present.
func (a *Attrs) Has(t uint8) bool { return t < 64 && a.Flags&(1<<t) != 0 }

// ReachFor returns the MP_REACH_NLRI for the family, or nil.
func (a *Attrs) ReachFor(afi uint16, safi uint8) *MPNLRI {
	if i := mpIndex(afi, safi); i >= 0 && a.Reach[i].Present {
		return &a.Reach[i]
	}
	return nil
}

var errAttrTruncated = errors.New("attribute truncated")

// reset readies a for reuse. It runs once per decoded attribute set, so it
// clears fields one by one and touches the MP slots only when used.
func (a *Attrs) reset() {
	none := [4]byte{255, 255, 255, 255}
	if a.Flags&(1<<AttrMPReach|1<<AttrMPUnreach) != 0 {
		for i := range a.Reach {
			a.Reach[i].Present = false
			a.Reach[i].Prefixes = a.Reach[i].Prefixes[:0]
			a.Unreach[i].Present = false
			a.Unreach[i].Prefixes = a.Unreach[i].Prefixes[:0]
		}
	}
	a.Flags = 0
	a.Origin = 255
	a.ASPath, a.AS4Path = nil, nil
	a.NextHop = none
	a.MED, a.LocalPref = 0, 0
	a.AggregatorAS, a.AggregatorAddr = 0, none
	a.AS4AggregatorAS, a.AS4AggregatorAddr = 0, none
	a.Communities, a.LargeCommunities, a.ExtCommunities = nil, nil, nil
	a.OriginatorID = [4]byte{}
	a.ClusterList = nil
	a.Warnings = a.Warnings[:0]
	a.merged = a.merged[:0]
}

func (a *Attrs) warn(format string, args ...any) {
	a.Warnings = append(a.Warnings, fmt.Sprintf(format, args...))
}

// Parse decodes a path attribute block (without its length field), reusing
// a's storage. asnSize is the session's ASN size (2 or 4): for 2, AS_PATH is
// rebuilt from AS4_PATH (RFC 6793). addPath tells whether NLRI in MP
// attributes carry path identifiers. Malformed parts are skipped and
// described in Warnings.
func (a *Attrs) Parse(b []byte, asnSize int, addPath bool) { a.parse(b, asnSize, addPath, true) }

// parse is Parse with a choice: fix false reproduces bgpdump's reading of
// MP next hops and over-long prefixes.
func (a *Attrs) parse(b []byte, asnSize int, addPath bool, fix bool) {
	a.reset()
	a.ASNSize = asnSize
	s := stream{b: b}
	for s.left() > 0 {
		flag := s.getc()
		typ := s.getc()
		var n int
		if flag&0x10 != 0 {
			n = int(s.getw())
		} else {
			n = int(s.getc())
		}
		v := s.sub(n)
		if v.left() != n {
			a.warn("attribute type %d truncated: declared %d bytes, %d left", typ, n, v.left())
			return
		}
		if typ < 64 {
			a.Flags |= 1 << typ
		}
		switch typ {
		case AttrOrigin:
			a.Origin = v.getc()
		case AttrASPath:
			a.ASPath = v.b
		case AttrNextHop:
			a.NextHop = v.get4()
		case AttrMED:
			a.MED = v.getl()
		case AttrLocalPref:
			a.LocalPref = v.getl()
		case AttrAggregator:
			a.AggregatorAS = v.asn(asnSize)
			a.AggregatorAddr = v.get4()
		case AttrCommunities:
			a.Communities = v.b[:n/4*4]
		case AttrOriginatorID:
			a.OriginatorID = v.get4()
		case AttrClusterList:
			a.ClusterList = v.b
		case AttrMPReach:
			a.parseMPReach(&v, addPath, fix)
		case AttrMPUnreach:
			a.parseMPUnreach(&v, addPath, fix)
		case AttrExtCommunities:
			a.ExtCommunities = v.b
		case AttrAS4Path:
			a.AS4Path = v.b
		case AttrAS4Aggregator:
			a.AS4AggregatorAS = v.getl()
			a.AS4AggregatorAddr = v.get4()
		case AttrLargeCommunities:
			a.LargeCommunities = v.b[:n/12*12]
		}
	}
	if asnSize == 2 {
		a.mergeAS4()
	}
}

// mergeAS4 reconstructs the 4-byte path of a 2-byte session (RFC 6793
// section 4.2.3), as bgpdump does: when AGGREGATOR carries a real ASN next to
// an AS4_AGGREGATOR, both AS4 attributes are ignored.
func (a *Attrs) mergeAS4() {
	if a.Has(AttrAggregator) && a.Has(AttrAS4Aggregator) {
		if a.AggregatorAS != ASTrans {
			return
		}
		a.AggregatorAS = a.AS4AggregatorAS
		a.AggregatorAddr = a.AS4AggregatorAddr
	}
	if !a.Has(AttrAS4Path) || !a.Has(AttrASPath) {
		return
	}
	count := pathCount(a.ASPath, 2)
	count4 := pathCount(a.AS4Path, 4)
	if count < count4 {
		return
	}
	keep := count - count4
	m := a.merged[:0]
	have := 0
	p := a.ASPath
	for have < keep && len(p) >= 2 {
		typ, n := p[0], int(p[1])
		if len(p) < 2+2*n {
			break
		}
		take := n
		if typ == SegSet || typ == SegConfedSet {
			have++
		} else {
			have += n
			if have > keep {
				take -= have - keep
			}
		}
		m = append(m, typ, byte(take))
		for i := range take {
			m = append(m, 0, 0, p[2+2*i], p[3+2*i])
		}
		p = p[2+2*n:]
	}
	m = append(m, a.AS4Path...)
	a.merged = m
	a.ASPath = m
	a.ASNSize = 4
}

// pathCount counts a path's length as bgpdump does: each AS in a sequence,
// one per set. A malformed path counts 0.
func pathCount(p []byte, size int) int {
	c := 0
	for len(p) > 0 {
		if len(p) < 2 {
			return 0
		}
		typ, n := p[0], int(p[1])
		if typ < SegSet || typ > SegConfedSet || len(p) < 2+size*n {
			return 0
		}
		if typ == SegSet || typ == SegConfedSet {
			c++
		} else {
			c += n
		}
		p = p[2+size*n:]
	}
	return c
}

func (a *Attrs) parseMPReach(s *stream, addPath, fix bool) {
	if s.left() == 0 {
		a.warn("empty MP_REACH_NLRI")
		return
	}
	if s.b[s.pos] != 0 {
		// RFC 6396 section 4.3.4: in RIB entries only the next hop length
		// and next hop are kept. bgpdump takes such an attribute for IPv6.
		m := &a.Reach[mpIndex(AFIIPv6, 1)]
		m.Present, m.AFI, m.SAFI = true, AFIIPv6, 1
		a.readNextHop(s, m, AFIIPv6, fix)
		return
	}
	afi := s.getw()
	safi := s.getc()
	i := mpIndex(afi, safi)
	if i < 0 {
		a.warn("MP_REACH_NLRI for unknown AFI %d SAFI %d skipped", afi, safi)
		return
	}
	m := &a.Reach[i]
	if m.Present {
		a.warn("second MP_REACH_NLRI for AFI %d SAFI %d ignored", afi, safi)
		return
	}
	m.Present, m.AFI, m.SAFI = true, afi, safi
	var ok bool
	a.readNextHop(s, m, afi, fix)
	if snpa := s.getc(); snpa != 0 {
		for ; snpa > 0; snpa-- {
			s.get(int(s.getc()))
		}
	}
	m.Prefixes, ok = readPrefixes(s, m.Prefixes[:0], afi == AFIIPv6, addPath, fix)
	if !ok {
		a.warn("prefix longer than its address family in MP NLRI for AFI %d SAFI %d", afi, safi)
	}
}

// readNextHop reads an MP next hop the way bgpdump does: 4 bytes for IPv4,
// 16 (or 32 with a link-local address) for IPv6, whatever the declared
// length. With fix, the declared length is honoured instead.
func (a *Attrs) readNextHop(s *stream, m *MPNLRI, afi uint16, fix bool) {
	m.NextHopLen = s.getc()
	if fix {
		nh := s.sub(int(m.NextHopLen))
		switch {
		case m.NextHopLen == 4 || m.NextHopLen == 12: // 12: RD + IPv4
			copy(m.NextHop[:], nh.b[len(nh.b)-4:])
		case m.NextHopLen >= 16:
			copy(m.NextHop[:], nh.b[:16])
			if m.NextHopLen >= 32 {
				copy(m.NextHopLocal[:], nh.b[16:32])
			}
		}
		return
	}
	if afi == AFIIPv4 {
		if m.NextHopLen != 4 {
			a.warn("MP_REACH_NLRI IPv4 next hop length %d, read as 4", m.NextHopLen)
		}
		m.NextHop = [16]byte{}
		s.getInto(m.NextHop[:4])
		return
	}
	m.NextHop = s.get16()
	switch m.NextHopLen {
	case 32:
		m.NextHopLocal = s.get16()
	case 16:
	default:
		a.warn("MP_REACH_NLRI unknown IPv6 next hop length %d", m.NextHopLen)
	}
}

func (a *Attrs) parseMPUnreach(s *stream, addPath, fix bool) {
	afi := s.getw()
	safi := s.getc()
	i := mpIndex(afi, safi)
	if i < 0 {
		a.warn("MP_UNREACH_NLRI for unknown AFI %d SAFI %d skipped", afi, safi)
		return
	}
	m := &a.Unreach[i]
	if m.Present {
		a.warn("second MP_UNREACH_NLRI for AFI %d SAFI %d ignored", afi, safi)
		return
	}
	m.Present, m.AFI, m.SAFI = true, afi, safi
	var ok bool
	m.Prefixes, ok = readPrefixes(s, m.Prefixes[:0], afi == AFIIPv6, addPath, fix)
	if !ok {
		a.warn("prefix longer than its address family in MP NLRI for AFI %d SAFI %d", afi, safi)
	}
}

// readPrefixes appends the NLRI in s to dst. A prefix cut short by the end of
// the data is dropped, as bgpdump does. A prefix longer than 128 bits is
// stored the way bgpdump's fixed-size struct overflows: byte 16 of the
// address becomes the length and bytes 20 to 23 the path identifier (in
// little-endian order). With strict set such a prefix ends the list instead
// and ok is false.
func readPrefixes(s *stream, dst []Prefix, v6, addPath, strict bool) (_ []Prefix, ok bool) {
	for s.left() > 0 {
		var p Prefix
		p.IPv6 = v6
		if addPath {
			p.PathID = s.getl()
		}
		p.Bits = s.getc()
		nb := (int(p.Bits) + 7) / 8
		if s.left() < nb {
			s.pos = len(s.b)
			break
		}
		src := s.get(nb)
		if !p.Valid() {
			if strict {
				return dst, false
			}
			if nb > 16 {
				p.Bits = src[16]
				var pid [4]byte
				binary.LittleEndian.PutUint32(pid[:], p.PathID)
				if nb > 20 {
					copy(pid[:], src[20:min(nb, 24)])
				}
				p.PathID = binary.LittleEndian.Uint32(pid[:])
			}
		}
		copy(p.Addr[:], src)
		dst = append(dst, p)
	}
	return dst, true
}
