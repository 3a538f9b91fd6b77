package collector

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/packet/bgp"

	"github.com/routestat/routestat/mrtdump"
)

// RIB is a snapshot of every peer's Adj-RIB-In, shaped for a
// TABLE_DUMP_V2 dump: Peers is the PEER_INDEX_TABLE and each Route names
// its peer by index.
type RIB struct {
	Peers  []mrtdump.Peer
	Routes []Route
}

// Route is one path of a peer's Adj-RIB-In.
type Route struct {
	// PeerIndex is the peer's index in RIB.Peers.
	PeerIndex uint16
	Prefix    netip.Prefix
	// PathID is the peer's ADD-PATH path identifier, 0 without ADD-PATH.
	PathID uint32
	// Originated is when the route was received.
	Originated time.Time
	// Attrs are the path attributes as GoBGP holds them, re-encoded from
	// its parsed form (not the received bytes): AS numbers are 4 bytes
	// (ASNSize 4; GoBGP merges AS4_PATH into AS_PATH on receipt), and
	// MP_REACH_NLRI is abbreviated to next-hop length and next hop, as
	// RFC 6396 section 4.3.4 wants in RIB entries. Routes with the same
	// attributes share them: read only.
	Attrs   []byte
	ASNSize int
}

// AdjRIBIn returns a snapshot of every current peer's Adj-RIB-In for IPv4
// and IPv6 unicast. Peers without routes are listed too.
func (c *Collector) AdjRIBIn(ctx context.Context) (*RIB, error) {
	s, err := c.server()
	if err != nil {
		return nil, err
	}
	rib := &RIB{}
	var addrs []netip.Addr
	held := 0 // routes in the Adj-RIBs-In now, to size rib.Routes once
	err = s.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
		for _, a := range p.GetAfiSafis() {
			held += int(a.GetState().GetReceived())
		}
		addr, err := netip.ParseAddr(p.GetState().GetNeighborAddress())
		if err != nil {
			return
		}
		addr = addr.Unmap()
		mp := mrtdump.Peer{AS: p.GetState().GetPeerAsn(), IPv6: addr.Is6()}
		if id, err := netip.ParseAddr(p.GetState().GetRouterId()); err == nil && id.Is4() {
			mp.BGPID = id.As4()
		}
		if addr.Is4() {
			a4 := addr.As4()
			copy(mp.Addr[:], a4[:])
		} else {
			mp.Addr = addr.As16()
		}
		rib.Peers = append(rib.Peers, mp)
		addrs = append(addrs, addr)
	})
	if err != nil {
		return nil, fmt.Errorf("RIB snapshot: list peers: %w", err)
	}
	if len(addrs) > 0xffff {
		return nil, fmt.Errorf("RIB snapshot: %d peers do not fit a PEER_INDEX_TABLE", len(addrs))
	}
	// A full table is ~10^6 routes per peer: growing the slice by
	// doubling would hold up to three times its final size at once.
	rib.Routes = make([]Route, 0, held+held/16)
	// Routes with the same attributes share one copy of them (a router
	// packs many prefixes into one UPDATE), as does a route server's
	// table shared by its clients: the snapshot holds each set once.
	attrs := map[string][]byte{}
	var buf []byte
	for i, addr := range addrs {
		for _, f := range []*api.Family{
			{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST},
			{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST},
		} {
			var perr error
			err := s.ListPath(ctx, &api.ListPathRequest{
				TableType: api.TableType_ADJ_IN, Name: addr.String(), Family: f,
				EnableAttributeBinary: true, EnableOnlyBinary: true,
			}, func(d *api.Destination) {
				prefix, err := netip.ParsePrefix(d.GetPrefix())
				if err != nil {
					perr = fmt.Errorf("peer %s: destination %q: %w", addr, d.GetPrefix(), err)
					return
				}
				for _, p := range d.GetPaths() {
					if p.GetIsWithdraw() {
						continue
					}
					buf = appendRIBAttrs(buf[:0], p.GetPattrsBinary())
					a, ok := attrs[string(buf)]
					if !ok {
						a = bytes.Clone(buf)
						attrs[string(a)] = a
					}
					rib.Routes = append(rib.Routes, Route{
						PeerIndex: uint16(i), Prefix: prefix, PathID: p.GetIdentifier(),
						Originated: p.GetAge().AsTime(), Attrs: a, ASNSize: 4,
					})
				}
			})
			if err == nil {
				err = perr
			}
			if err != nil {
				return nil, fmt.Errorf("RIB snapshot: peer %s %s: %w", addr, f.GetAfi(), err)
			}
		}
	}
	return rib, nil
}

// appendRIBAttrs appends the encoded path attributes to out,
// abbreviating MP_REACH_NLRI to its next hop.
func appendRIBAttrs(out []byte, attrs [][]byte) []byte {
	for _, a := range attrs {
		if len(a) < 3 || a[1] != byte(bgp.BGP_ATTR_TYPE_MP_REACH_NLRI) {
			out = append(out, a...)
			continue
		}
		hl := 3
		if a[0]&byte(bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH) != 0 {
			hl = 4
		}
		v := a[min(hl, len(a)):]
		if len(v) < 4 || len(v) < 4+int(v[3]) {
			out = append(out, a...) // not what GoBGP writes; keep as is
			continue
		}
		nh := v[3 : 4+int(v[3])]
		out = append(out, a[0]&^byte(bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH), a[1], byte(len(nh)))
		out = append(out, nh...)
	}
	return out
}
