package mrtdump

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
	"github.com/osrg/gobgp/v3/pkg/packet/mrt"
)

// gobgpMaxRecords bounds the records compared per file: GoBGP allocates
// several objects per attribute, and the race detector multiplies that.
const gobgpMaxRecords = 20000

// route is a decoder-neutral view of what one RIB entry or UPDATE says,
// for comparing routestat's decoding with GoBGP's.
type route struct {
	withdrawn, nlri []string // "prefix#pathid", host bits cleared
	path            string   // "seq:1 2 3 set:4 5"
	origin          int
	nextHop         string
	med, localPref  int64 // -1 when absent
	communities     []uint32
	large           []string
	mp              []string // per family: "afi/safi nh=… ll=… +prefixes"
	mpWithdrawn     []string
}

func (r *route) String() string { return fmt.Sprintf("%+v", *r) }

func prefixKey(p netip.Prefix, pathID uint32) string {
	return fmt.Sprintf("%s#%d", p.Masked(), pathID)
}

// ours builds the view from routestat's Attrs (RFC-correct decoding).
func ours(a *Attrs, withdrawn, nlri []Prefix, comparePath bool) *route {
	r := &route{origin: -1, med: -1, localPref: -1}
	for _, p := range withdrawn {
		r.withdrawn = append(r.withdrawn, prefixKey(p.Prefix(), p.PathID))
	}
	for _, p := range nlri {
		r.nlri = append(r.nlri, prefixKey(p.Prefix(), p.PathID))
	}
	if a.Has(AttrOrigin) {
		r.origin = int(a.Origin)
	}
	if comparePath && a.Has(AttrASPath) {
		r.path = pathString(a.ASPath, a.ASNSize)
	}
	if a.Has(AttrNextHop) {
		r.nextHop = netip.AddrFrom4(a.NextHop).String()
	}
	if a.Has(AttrMED) {
		r.med = int64(a.MED)
	}
	if a.Has(AttrLocalPref) {
		r.localPref = int64(a.LocalPref)
	}
	for i := 0; i+4 <= len(a.Communities); i += 4 {
		r.communities = append(r.communities, binary.BigEndian.Uint32(a.Communities[i:]))
	}
	for i := 0; i+12 <= len(a.LargeCommunities); i += 12 {
		lc := a.LargeCommunities[i:]
		r.large = append(r.large, fmt.Sprintf("%d:%d:%d", binary.BigEndian.Uint32(lc), binary.BigEndian.Uint32(lc[4:]), binary.BigEndian.Uint32(lc[8:])))
	}
	for i := range a.Reach {
		m := &a.Reach[i]
		if m.Present {
			nh, _ := mpNextHop(m)
			var ll netip.Addr
			if m.NextHopLen >= 32 {
				ll = netip.AddrFrom16(m.NextHopLocal)
			}
			nh = nh.Unmap()
			var ps []string
			for _, p := range m.Prefixes {
				ps = append(ps, prefixKey(p.Prefix(), p.PathID))
			}
			r.mp = append(r.mp, fmt.Sprintf("%d/%d nh=%s ll=%s %v", m.AFI, m.SAFI, nh, ll, ps))
		}
		if u := &a.Unreach[i]; u.Present {
			var ps []string
			for _, p := range u.Prefixes {
				ps = append(ps, prefixKey(p.Prefix(), p.PathID))
			}
			r.mpWithdrawn = append(r.mpWithdrawn, fmt.Sprintf("%d/%d %v", u.AFI, u.SAFI, ps))
		}
	}
	return r
}

func pathString(p []byte, size int) string {
	var sb strings.Builder
	for len(p) >= 2 {
		typ, n := p[0], int(p[1])
		if len(p) < 2+size*n {
			break
		}
		fmt.Fprintf(&sb, "%d:", typ)
		for i := range n {
			if size == 4 {
				fmt.Fprintf(&sb, " %d", binary.BigEndian.Uint32(p[2+4*i:]))
			} else {
				fmt.Fprintf(&sb, " %d", binary.BigEndian.Uint16(p[2+2*i:]))
			}
		}
		sb.WriteString(";")
		p = p[2+size*n:]
	}
	return sb.String()
}

func gobgpPrefix(p bgp.AddrPrefixInterface) string {
	pp, err := netip.ParsePrefix(p.String())
	if err != nil {
		return "bad:" + p.String()
	}
	return prefixKey(pp, p.PathIdentifier())
}

// ipString formats an address; IPv4-mapped IPv6 addresses are unmapped,
// as net.IP cannot tell them from IPv4.
func ipString(ip net.IP) string {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return "invalid IP"
	}
	return a.Unmap().String()
}

// knownFamily reports whether routestat decodes the (AFI, SAFI): IPv4 and
// IPv6 unicast, multicast and both. Others (VPN, flowspec, ...) are
// skipped with a warning.
func knownFamily(afi uint16, safi uint8) bool { return mpIndex(afi, safi) >= 0 }

// theirs builds the view from GoBGP's attributes. asnSize is the size the
// session used; a path GoBGP read with the other size is reported.
func theirs(attrs []bgp.PathAttributeInterface, withdrawn, nlri []*bgp.IPAddrPrefix, asnSize int, comparePath bool) (*route, error) {
	r := &route{origin: -1, med: -1, localPref: -1}
	for _, p := range withdrawn {
		r.withdrawn = append(r.withdrawn, gobgpPrefix(p))
	}
	for _, p := range nlri {
		r.nlri = append(r.nlri, gobgpPrefix(p))
	}
	for _, a := range attrs {
		switch a := a.(type) {
		case *bgp.PathAttributeOrigin:
			r.origin = int(a.Value)
		case *bgp.PathAttributeAsPath:
			if !comparePath {
				continue
			}
			var sb strings.Builder
			for _, seg := range a.Value {
				if _, as4 := seg.(*bgp.As4PathParam); as4 != (asnSize == 4) {
					return nil, fmt.Errorf("GoBGP guessed the other ASN size for AS_PATH")
				}
				fmt.Fprintf(&sb, "%d:", seg.GetType())
				for _, as := range seg.GetAS() {
					fmt.Fprintf(&sb, " %d", as)
				}
				sb.WriteString(";")
			}
			r.path = sb.String()
		case *bgp.PathAttributeNextHop:
			r.nextHop = ipString(a.Value)
		case *bgp.PathAttributeMultiExitDisc:
			r.med = int64(a.Value)
		case *bgp.PathAttributeLocalPref:
			r.localPref = int64(a.Value)
		case *bgp.PathAttributeCommunities:
			r.communities = a.Value
		case *bgp.PathAttributeLargeCommunities:
			for _, c := range a.Values {
				r.large = append(r.large, fmt.Sprintf("%d:%d:%d", c.ASN, c.LocalData1, c.LocalData2))
			}
		case *bgp.PathAttributeMpReachNLRI:
			if !knownFamily(a.AFI, a.SAFI) {
				continue
			}
			var ps []string
			for _, p := range a.Value {
				ps = append(ps, gobgpPrefix(p))
			}
			nh, _ := netip.ParseAddr(ipString(a.Nexthop))
			var ll netip.Addr
			if a.LinkLocalNexthop != nil {
				ll, _ = netip.AddrFromSlice(a.LinkLocalNexthop)
			}
			r.mp = append(r.mp, fmt.Sprintf("%d/%d nh=%s ll=%s %v", a.AFI, a.SAFI, nh, ll, ps))
		case *bgp.PathAttributeMpUnreachNLRI:
			if !knownFamily(a.AFI, a.SAFI) {
				continue
			}
			var ps []string
			for _, p := range a.Value {
				ps = append(ps, gobgpPrefix(p))
			}
			r.mpWithdrawn = append(r.mpWithdrawn, fmt.Sprintf("%d/%d %v", a.AFI, a.SAFI, ps))
		}
	}
	return r, nil
}

// familyOrder sorts MP strings so attribute order does not matter.
func (r *route) normalise() *route {
	slices.Sort(r.mp)
	slices.Sort(r.mpWithdrawn)
	return r
}

func equalRoutes(a, b *route) bool {
	return a.normalise().String() == b.normalise().String()
}

// TestAgainstGoBGP decodes the shared files with routestat and with GoBGP's
// pkg/packet/mrt and pkg/packet/bgp (v3.37.0) and compares, record by
// record, prefixes (with ADD-PATH ids), AS paths, origin, next hops, MED,
// LOCAL_PREF, communities, large communities and MP_REACH/MP_UNREACH. GoBGP
// has no TABLE_DUMP (v1) or type-5 decoder, so those are compared with
// bgpdump only (TestGoldenBgpdump). Records GoBGP rejects are logged and
// counted; agreement is required on every record both accept.
func TestAgainstGoBGP(t *testing.T) {
	root, files := testMRTFiles(t)
	var total, compared, rejected int
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			r := testOpenMRT(t, filepath.Join(root, rel))
			c := gobgpComparer{t: t}
			for n := 0; n < gobgpMaxRecords; n++ {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Logf("stopped at damage: %v", err)
					break
				}
				c.record(rec)
			}
			if c.rejected > 0 {
				t.Logf("GoBGP rejected %d of %d comparable records; first: %s", c.rejected, c.compared+c.rejected, c.firstReject)
			}
			if c.mismatches > 0 {
				t.Errorf("%d records decode differently", c.mismatches)
			}
			total += c.compared + c.rejected
			compared += c.compared
			rejected += c.rejected
		})
	}
	t.Logf("%d records compared with GoBGP, %d more rejected by GoBGP", compared, rejected)
	if compared == 0 || rejected*100 > total {
		t.Errorf("GoBGP accepted %d and rejected %d records: the comparison covers too little", compared, rejected)
	}
}

type gobgpComparer struct {
	t                    *testing.T
	compared, rejected   int
	mismatches           int
	firstReject          string
	peers                []*mrt.Peer
	msg                  Message
	rib                  RIB
	at                   Attrs
	mismatchesReportedAt int
}

func (c *gobgpComparer) reject(rec *Record, err error) {
	c.rejected++
	if c.firstReject == "" {
		c.firstReject = fmt.Sprintf("offset %d (%s/%d): %v", rec.Offset, rec.Type, rec.Subtype, err)
	}
}

func (c *gobgpComparer) mismatch(rec *Record, what string, ours, theirs any) {
	c.mismatches++
	if c.mismatches <= 5 {
		c.t.Errorf("record at offset %d (%s/%d): %s differs:\nroutestat %v\nGoBGP     %v", rec.Offset, rec.Type, rec.Subtype, what, ours, theirs)
	}
}

func (c *gobgpComparer) record(rec *Record) {
	switch rec.Type {
	case TypeTableDumpV2:
		c.tableDumpV2(rec)
	case TypeBGP4MP, TypeBGP4MPET:
		c.bgp4mp(rec)
	}
}

func (c *gobgpComparer) tableDumpV2(rec *Record) {
	h := &mrt.MRTHeader{Timestamp: rec.Time, Type: mrt.TABLE_DUMPv2, SubType: rec.Subtype, Len: uint32(len(rec.Body))}
	if rec.Subtype == SubRIBGeneric || rec.Subtype == SubRIBGenericAddPath || rec.Subtype > SubRIBGenericAddPath {
		return
	}
	msg, err := mrt.ParseMRTBody(h, rec.Body)
	if rec.Subtype == SubPeerIndexTable {
		ours, oerr := DecodePeerIndexTable(rec.Body)
		if err != nil || oerr != nil {
			if oerr == nil {
				c.reject(rec, err)
			}
			c.peers = nil
			return
		}
		c.compared++
		pit := msg.Body.(*mrt.PeerIndexTable)
		c.peers = pit.Peers
		if len(pit.Peers) != len(ours.Peers) {
			c.mismatch(rec, "peer count", len(ours.Peers), len(pit.Peers))
			return
		}
		for i, p := range pit.Peers {
			o := &ours.Peers[i]
			if ipString(p.IpAddress) != addr(&o.Addr, o.IPv6).String() || p.AS != o.AS {
				c.mismatch(rec, fmt.Sprintf("peer %d", i), fmt.Sprintf("%s AS%d", addr(&o.Addr, o.IPv6), o.AS), fmt.Sprintf("%s AS%d", p.IpAddress, p.AS))
			}
		}
		return
	}
	if oerr := DecodeRIB(rec.Body, rec.Subtype, &c.rib); oerr != nil {
		if err == nil {
			c.mismatch(rec, "acceptance", oerr, "accepted")
		}
		return
	}
	if err != nil {
		c.reject(rec, err)
		return
	}
	rib := msg.Body.(*mrt.Rib)
	c.compared++
	ourPrefix := prefixKey(c.rib.Prefix.Prefix(), 0)
	if got := gobgpPrefix(rib.Prefix); got != ourPrefix {
		c.mismatch(rec, "RIB prefix", ourPrefix, got)
		return
	}
	if len(rib.Entries) != len(c.rib.Entries) {
		c.mismatch(rec, "entry count", len(c.rib.Entries), len(rib.Entries))
		return
	}
	for i, e := range rib.Entries {
		o := &c.rib.Entries[i]
		if e.PeerIndex != o.PeerIndex || e.OriginatedTime != o.OriginatedTime || e.PathIdentifier != o.PathID {
			c.mismatch(rec, fmt.Sprintf("entry %d header", i), *o, *e)
			continue
		}
		c.at.Parse(o.Attrs, 4, c.rib.AddPath)
		mine := ours(&c.at, nil, nil, true)
		their, err := theirs(e.PathAttributes, nil, nil, 4, true)
		if err != nil {
			c.reject(rec, err)
			continue
		}
		// RFC 6396 4.3.4: GoBGP fills an abbreviated MP_REACH_NLRI with the
		// entry's prefix; routestat keeps only the next hop (the prefix is
		// the record's). Compare next hops only. GoBGP takes every
		// MP_REACH_NLRI in a RIB entry for the abbreviated form; for a full
		// one (as OpenBGPD and BIRD write) decode it as a full attribute.
		abbreviated := true
		if mp := findAttr(o.Attrs, AttrMPReach); len(mp) > 0 && mp[0] == 0 {
			abbreviated = false
			full, err := gobgpFullMPReach(o.Attrs)
			if err != nil {
				c.reject(rec, err)
				continue
			}
			their.mp = full
		}
		for j := range their.mp {
			if k := strings.LastIndex(their.mp[j], " ["); k >= 0 {
				their.mp[j] = their.mp[j][:k]
			}
		}
		for j := range mine.mp {
			if k := strings.LastIndex(mine.mp[j], " ["); k >= 0 {
				mine.mp[j] = mine.mp[j][:k]
			}
			// routestat files an abbreviated attribute under IPv6, as
			// bgpdump does; GoBGP under the record's family.
			if abbreviated && !c.rib.Prefix.IPv6 {
				mine.mp[j] = strings.Replace(mine.mp[j], "2/1 ", "1/1 ", 1)
			}
		}
		if !equalRoutes(mine, their) {
			c.mismatch(rec, fmt.Sprintf("entry %d attributes", i), mine, their)
		}
	}
}

func (c *gobgpComparer) bgp4mp(rec *Record) {
	switch rec.Subtype {
	case SubMessage, SubMessageAS4, SubMessageLocal, SubMessageAS4Local,
		SubMessageAddPath, SubMessageAS4AddPath, SubMessageLocalAddPath, SubMessageAS4LocalAddPath:
	default:
		return
	}
	if err := DecodeMessage(rec.Body, rec.Subtype, &c.msg); err != nil {
		return
	}
	m := &c.msg
	// GoBGP's MRT layer knows neither BGP4MP_ET (the microseconds are
	// already stripped from rec.Body) nor ADD-PATH UPDATEs: give it the
	// record as plain BGP4MP for the header, and parse the message with
	// the ADD-PATH option itself.
	h := &mrt.MRTHeader{Timestamp: rec.Time, Type: mrt.BGP4MP, SubType: rec.Subtype, Len: uint32(len(rec.Body))}
	mm, err := mrt.ParseMRTBody(h, rec.Body)
	if err != nil && !m.AddPath {
		c.reject(rec, err)
		return
	}
	if err == nil {
		hdr := mm.Body.(*mrt.BGP4MPMessage).BGP4MPHeader
		if hdr.PeerAS != m.PeerAS || ipString(hdr.PeerIpAddress) != addr(&m.PeerAddr, m.AFI == AFIIPv6).String() {
			c.mismatch(rec, "peer", fmt.Sprintf("AS%d %s", m.PeerAS, addr(&m.PeerAddr, m.AFI == AFIIPv6)), fmt.Sprintf("AS%d %s", hdr.PeerAS, hdr.PeerIpAddress))
			return
		}
	}
	var opts []*bgp.MarshallingOption
	if m.AddPath {
		ap := map[bgp.RouteFamily]bgp.BGPAddPathMode{}
		for _, f := range []bgp.RouteFamily{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC, bgp.RF_IPv4_MC, bgp.RF_IPv6_MC} {
			ap[f] = bgp.BGP_ADD_PATH_BOTH
		}
		opts = append(opts, &bgp.MarshallingOption{AddPath: ap})
	}
	bm, err := bgp.ParseBGPMessage(m.Raw, opts...)
	if err != nil {
		c.reject(rec, err)
		return
	}
	if bm.Header.Type != m.Type {
		c.mismatch(rec, "message type", m.Type, bm.Header.Type)
		return
	}
	c.compared++
	if m.Type != MsgUpdate {
		return
	}
	u := bm.Body.(*bgp.BGPUpdate)
	size := 2
	if m.AS4 {
		size = 4
	}
	// For a 2-byte session routestat merges AS4_PATH into AS_PATH (RFC
	// 6793) and GoBGP does not: compare paths only without AS4_PATH.
	comparePath := !m.Attrs.Has(AttrAS4Path)
	mine := ours(&m.Attrs, m.Withdrawn, m.NLRI, comparePath)
	their, err := theirs(u.PathAttributes, u.WithdrawnRoutes, u.NLRI, size, comparePath)
	if err != nil {
		c.compared--
		c.reject(rec, err)
		return
	}
	if !equalRoutes(mine, their) {
		c.mismatch(rec, "UPDATE", mine, their)
	}
}

// findAttr returns the value of the first attribute of type typ in a path
// attribute block.
func findAttr(b []byte, typ uint8) []byte {
	for len(b) >= 3 {
		flags, t := b[0], b[1]
		n, hl := int(b[2]), 3
		if flags&0x10 != 0 {
			if len(b) < 4 {
				return nil
			}
			n, hl = int(binary.BigEndian.Uint16(b[2:])), 4
		}
		if len(b) < hl+n {
			return nil
		}
		if t == typ {
			return b[hl : hl+n]
		}
		b = b[hl+n:]
	}
	return nil
}

// gobgpFullMPReach decodes the MP_REACH_NLRI of a RIB entry's attributes
// with GoBGP as a full attribute (AFI, SAFI, next hop, NLRI).
func gobgpFullMPReach(attrs []byte) ([]string, error) {
	for b := attrs; len(b) >= 3; {
		p, err := bgp.GetPathAttribute(b)
		if err != nil {
			return nil, err
		}
		if err := p.DecodeFromBytes(b); err != nil {
			return nil, err
		}
		if mp, ok := p.(*bgp.PathAttributeMpReachNLRI); ok {
			r, err := theirs([]bgp.PathAttributeInterface{mp}, nil, nil, 4, false)
			if err != nil {
				return nil, err
			}
			return r.mp, nil
		}
		b = b[p.Len():]
	}
	return nil, nil
}
