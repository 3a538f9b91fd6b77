// Package rawspeaker is a load generator for benchmarking the collector:
// a raw BGP speaker that opens real TCP sessions, brings them up with a
// 4-byte AS, IPv4/IPv6 unicast OPEN, and streams UPDATE messages that
// were all encoded beforehand from a TABLE_DUMP_V2 RIB dump, so that
// generating the load costs (almost) nothing while it is measured.
//
// It is test tooling, not a BGP implementation: it sends no withdrawals,
// ignores what it receives except NOTIFICATIONs, and sends KEEPALIVEs
// only between chunks of UPDATEs and while idle.
package rawspeaker

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/routestat/routestat/mrtdump"
)

// MaxMessage is the largest BGP message sent (RFC 4271).
const MaxMessage = 4096

// Feed is the pre-encoded table one session sends.
type Feed struct {
	// AS is the peer AS the session should use (the AS_PATHs start with
	// it for a RIB peer's own feed).
	AS uint32
	// Peer is the MRT peer the routes came from (the largest one for a
	// merged full feed).
	Peer netip.Addr
	// Updates are the UPDATE messages, concatenated, headers included.
	Updates []byte
	// NumUpdates and NumPrefixes count the UPDATEs and the prefixes they
	// announce (IPv4 and IPv6 together); NumV6 the IPv6 prefixes.
	NumUpdates, NumPrefixes, NumV6 int
}

// Table is a RIB dump encoded as feeds.
type Table struct {
	// Peers holds one feed per MRT peer that has unicast routes, in
	// PEER_INDEX_TABLE order.
	Peers []*Feed
	// Full is every prefix of the dump once, with the attributes of the
	// peer with the most routes where it has the prefix, else of the first
	// peer listed for it: a stand-in for one full-feed peer.
	Full *Feed
}

// Options choose what LoadRIB encodes.
type Options struct {
	// IPv4Only leaves IPv6 routes out.
	IPv4Only bool
}

// route is one RIB entry: prefix and raw attributes (4-byte AS).
type route struct {
	prefix mrtdump.Prefix
	attrs  []byte
}

// LoadRIB reads a TABLE_DUMP_V2 RIB dump (any compression mrtdump.Open
// detects) and encodes its unicast routes as UPDATEs, per peer and as a
// merged full feed. ADD-PATH RIB entries are sent without path
// identifiers (the last one read for a prefix wins).
func LoadRIB(path string, opt Options) (*Table, error) {
	f, err := mrtdump.Open(path, nil)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		pit    *mrtdump.PeerIndexTable
		rib    mrtdump.RIB
		routes [][]route // per peer index
		full   []route
	)
	// A first pass keeps every route; the full feed needs to know which
	// peer is largest, so it is picked per prefix afterwards from the
	// per-prefix entries kept below.
	type pick struct {
		prefix mrtdump.Prefix
		peers  []uint16
		attrs  [][]byte
	}
	var picks []pick
	for {
		rec, err := f.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if rec.Type != mrtdump.TypeTableDumpV2 {
			continue
		}
		if rec.Subtype == mrtdump.SubPeerIndexTable {
			if pit, err = mrtdump.DecodePeerIndexTable(rec.Body); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			routes = make([][]route, len(pit.Peers))
			continue
		}
		if pit == nil || mrtdump.DecodeRIB(rec.Body, rec.Subtype, &rib) != nil || rib.SAFI != 1 || !rib.Prefix.Valid() {
			continue
		}
		if rib.Prefix.IPv6 && opt.IPv4Only {
			continue
		}
		p := rib.Prefix.Masked()
		p.PathID = 0
		pk := pick{prefix: p}
		for _, e := range rib.Entries {
			if int(e.PeerIndex) >= len(pit.Peers) {
				continue
			}
			a := append([]byte(nil), e.Attrs...) // Attrs alias the reader's buffer
			routes[e.PeerIndex] = append(routes[e.PeerIndex], route{prefix: p, attrs: a})
			pk.peers = append(pk.peers, e.PeerIndex)
			pk.attrs = append(pk.attrs, a)
		}
		if len(pk.peers) > 0 {
			picks = append(picks, pk)
		}
	}
	if pit == nil {
		return nil, fmt.Errorf("%s: no PEER_INDEX_TABLE", path)
	}
	t := &Table{}
	largest := -1
	for i, rs := range routes {
		if len(rs) == 0 {
			continue
		}
		if largest < 0 || len(rs) > len(routes[largest]) {
			largest = i
		}
		feed, err := encodeFeed(pit.Peers[i], rs)
		if err != nil {
			return nil, fmt.Errorf("%s: peer %d: %w", path, i, err)
		}
		t.Peers = append(t.Peers, feed)
	}
	if largest < 0 {
		return nil, fmt.Errorf("%s: no unicast routes", path)
	}
	for _, pk := range picks {
		j := 0
		for k, pi := range pk.peers {
			if int(pi) == largest {
				j = k
				break
			}
		}
		full = append(full, route{prefix: pk.prefix, attrs: pk.attrs[j]})
	}
	if t.Full, err = encodeFeed(pit.Peers[largest], full); err != nil {
		return nil, fmt.Errorf("%s: full feed: %w", path, err)
	}
	return t, nil
}

func peerAddr(p mrtdump.Peer) netip.Addr {
	if p.IPv6 {
		return netip.AddrFrom16(p.Addr)
	}
	return netip.AddrFrom4([4]byte(p.Addr[:4]))
}

// group is the prefixes of one family sharing one set of attributes.
type group struct {
	attrs    []byte // encoded attributes, without MP_REACH_NLRI
	nextHop  []byte // IPv6: MP_REACH_NLRI next hop (16 or 32 bytes)
	prefixes []mrtdump.Prefix
}

// encodeFeed packs routes that share attributes into UPDATEs, groups in
// the order of their first prefix.
func encodeFeed(peer mrtdump.Peer, rs []route) (*Feed, error) {
	addr := peerAddr(peer)
	feed := &Feed{AS: peer.AS, Peer: addr}
	index := map[string]*group{}
	var groups []*group
	for _, r := range rs {
		key := string(r.attrs)
		if r.prefix.IPv6 {
			key = "6" + key
		}
		g := index[key]
		if g == nil {
			var err error
			g, err = newGroup(r.attrs, r.prefix.IPv6, addr)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.prefix, err)
			}
			index[key] = g
			groups = append(groups, g)
		}
		g.prefixes = append(g.prefixes, r.prefix)
	}
	for _, g := range groups {
		feed.Updates = g.appendUpdates(feed.Updates, &feed.NumUpdates)
		feed.NumPrefixes += len(g.prefixes)
		if g.nextHop != nil {
			feed.NumV6 += len(g.prefixes)
		}
	}
	return feed, nil
}

// newGroup turns RIB entry attributes into UPDATE attributes: an IPv4
// route keeps NEXT_HOP (or gets the peer's address), an IPv6 route's
// abbreviated MP_REACH_NLRI (next hop only, RFC 6396 section 4.3.4)
// becomes a full one when the UPDATE is built, and NEXT_HOP goes.
func newGroup(attrs []byte, v6 bool, peer netip.Addr) (*group, error) {
	g := &group{}
	hasNextHop := false
	for b := attrs; len(b) > 0; {
		if len(b) < 3 {
			return nil, errors.New("attribute header cut short")
		}
		flags, typ := b[0], b[1]
		hl, n := 3, int(b[2])
		if flags&0x10 != 0 {
			if len(b) < 4 {
				return nil, errors.New("attribute header cut short")
			}
			hl, n = 4, int(binary.BigEndian.Uint16(b[2:]))
		}
		if len(b) < hl+n {
			return nil, fmt.Errorf("attribute %d cut short", typ)
		}
		a, v := b[:hl+n], b[hl:hl+n]
		b = b[hl+n:]
		switch typ {
		case mrtdump.AttrMPReach:
			if !v6 {
				continue
			}
			// Abbreviated: next-hop length, next hop. Some writers keep
			// the full form (AFI, SAFI, length, next hop, ...).
			switch {
			case len(v) >= 1 && int(v[0]) == len(v)-1:
				g.nextHop = append([]byte(nil), v[1:]...)
			case len(v) >= 4 && len(v) >= 4+int(v[3]):
				g.nextHop = append([]byte(nil), v[4:4+int(v[3])]...)
			}
			continue
		case mrtdump.AttrMPUnreach:
			continue
		case mrtdump.AttrNextHop:
			if v6 {
				continue
			}
			hasNextHop = true
		}
		g.attrs = append(g.attrs, a...)
	}
	if v6 {
		if len(g.nextHop) != 16 && len(g.nextHop) != 32 {
			a16 := netip.AddrFrom16(peer.As16()) // IPv4 peer as ::ffff:a.b.c.d
			g.nextHop = a16.AsSlice()
		}
	} else if !hasNextHop {
		if !peer.Is4() {
			return nil, errors.New("IPv4 route without NEXT_HOP from an IPv6 peer")
		}
		g.attrs = append(g.attrs, 0x40, mrtdump.AttrNextHop, 4)
		g.attrs = append(g.attrs, peer.AsSlice()...)
	}
	return g, nil
}

// appendUpdates appends the group's UPDATEs, as many prefixes in each as
// fit MaxMessage.
func (g *group) appendUpdates(dst []byte, count *int) []byte {
	// Fixed part: header (19), withdrawn length (2), attributes length
	// (2), attributes, and for IPv6 MP_REACH_NLRI's header (4), AFI/SAFI
	// (3), next-hop length (1), next hop, reserved (1).
	fixed := 19 + 2 + 2 + len(g.attrs)
	if g.nextHop != nil {
		fixed += 4 + 3 + 1 + len(g.nextHop) + 1
	}
	ps := g.prefixes
	for len(ps) > 0 {
		size, n := fixed, 0
		for n < len(ps) {
			l := 1 + (int(ps[n].Bits)+7)/8
			if size+l > MaxMessage {
				break
			}
			size += l
			n++
		}
		if n == 0 {
			panic("rawspeaker: attributes too long for one UPDATE")
		}
		start := len(dst)
		dst = append(dst, marker[:]...)
		dst = binary.BigEndian.AppendUint16(dst, uint16(size))
		dst = append(dst, 2, 0, 0) // UPDATE, no withdrawn routes
		alen := len(g.attrs)
		if g.nextHop != nil {
			alen = size - 19 - 4
		}
		dst = binary.BigEndian.AppendUint16(dst, uint16(alen))
		dst = append(dst, g.attrs...)
		if g.nextHop != nil {
			mplen := size - 19 - 4 - len(g.attrs) - 4 // after its own 4-byte header
			dst = append(dst, 0x90, mrtdump.AttrMPReach)
			dst = binary.BigEndian.AppendUint16(dst, uint16(mplen))
			dst = append(dst, 0, 2, 1, byte(len(g.nextHop)))
			dst = append(dst, g.nextHop...)
			dst = append(dst, 0)
		}
		for _, p := range ps[:n] {
			dst = append(dst, p.Bits)
			dst = append(dst, p.Addr[:(int(p.Bits)+7)/8]...)
		}
		if len(dst)-start != size {
			panic(fmt.Sprintf("rawspeaker: encoded %d bytes, want %d", len(dst)-start, size))
		}
		*count++
		ps = ps[n:]
	}
	return dst
}

var marker = [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
