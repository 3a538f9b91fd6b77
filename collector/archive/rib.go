package archive

import (
	"cmp"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"time"

	"github.com/routestat/routestat/mrtdump"
)

// Route is one path of a peer's Adj-RIB-In, for DumpRIB.
type Route struct {
	// PeerIndex is the peer's index in the peers given to DumpRIB.
	PeerIndex uint16
	Prefix    netip.Prefix
	// PathID is the ADD-PATH path identifier, 0 without ADD-PATH.
	PathID uint32
	// Originated is when the route was received.
	Originated time.Time
	// Attrs are the path attributes as received, with ASNSize-byte AS
	// numbers (2 or 4); they are written with 4-byte AS numbers.
	Attrs   []byte
	ASNSize int
}

// DumpRIB writes a TABLE_DUMP_V2 RIB dump, bview.YYYYMMDD.HHMM.gz for time
// t: a PEER_INDEX_TABLE of peers, then one RIB record per prefix (IPv4,
// then IPv6, in prefix order) with every route to it, as ADD-PATH
// subtypes when any route of the dump has a path identifier. Routes are
// sorted in place. It returns the path written. A dump that fails is
// removed: a partial table would look like a complete one. An existing
// file is never replaced (see New).
func (a *Archive) DumpRIB(t time.Time, peers []mrtdump.Peer, routes []Route) (string, error) {
	a.ribMu.Lock()
	defer a.ribMu.Unlock()
	path, err := a.dumpRIB(t, peers, routes)
	if err != nil {
		a.m.errors.Inc()
		a.log.Error("RIB dump failed", "err", err)
		return "", err
	}
	a.m.files.WithLabelValues("bview").Inc()
	a.log.Info("RIB dump complete", "path", path, "peers", len(peers), "routes", len(routes))
	return path, nil
}

func (a *Archive) dumpRIB(t time.Time, peers []mrtdump.Peer, routes []Route) (string, error) {
	for i := range routes {
		if int(routes[i].PeerIndex) >= len(peers) {
			return "", fmt.Errorf("RIB dump: route %d names peer %d of %d", i, routes[i].PeerIndex, len(peers))
		}
	}
	slices.SortFunc(routes, func(x, y Route) int {
		if c := cmp.Compare(b2i(x.Prefix.Addr().Is6()), b2i(y.Prefix.Addr().Is6())); c != 0 {
			return c
		}
		if c := x.Prefix.Addr().Compare(y.Prefix.Addr()); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Prefix.Bits(), y.Prefix.Bits()); c != 0 {
			return c
		}
		if c := cmp.Compare(x.PeerIndex, y.PeerIndex); c != 0 {
			return c
		}
		return cmp.Compare(x.PathID, y.PathID)
	})
	addPath := slices.ContainsFunc(routes, func(r Route) bool { return r.PathID != 0 })
	f, err := a.create("bview", t)
	if err != nil {
		return "", err
	}
	stamp := uint32(t.Unix())
	if err := f.w.WritePeerIndexTable(stamp, &mrtdump.PeerIndexTable{Peers: peers}); err != nil {
		f.discard()
		return "", fmt.Errorf("write %s: %w", f.tmp, err)
	}
	var rib mrtdump.RIB
	var attrs []byte // 4-byte encodings, one after another
	for i := 0; i < len(routes); {
		j := i + 1
		for j < len(routes) && routes[j].Prefix == routes[i].Prefix {
			j++
		}
		p := routes[i].Prefix.Masked()
		rib = mrtdump.RIB{Sequence: rib.Sequence, SAFI: 1, AddPath: addPath, Entries: rib.Entries[:0]}
		rib.Prefix = mrtdump.Prefix{Addr: p.Addr().As16(), Bits: uint8(p.Bits()), IPv6: p.Addr().Is6()}
		if !rib.Prefix.IPv6 {
			rib.Prefix.Addr = [16]byte{}
			a4 := p.Addr().As4()
			copy(rib.Prefix.Addr[:], a4[:])
		}
		attrs = attrs[:0]
		var ends []int
		for _, r := range routes[i:j] {
			if r.ASNSize == 4 {
				attrs = append(attrs, r.Attrs...)
			} else if attrs, err = mrtdump.AttrsTo4(attrs, r.Attrs, 2); err != nil {
				f.discard()
				return "", fmt.Errorf("RIB dump: %s from peer %d: %w", r.Prefix, r.PeerIndex, err)
			}
			ends = append(ends, len(attrs))
		}
		start := 0
		for k, r := range routes[i:j] {
			rib.Entries = append(rib.Entries, mrtdump.RIBEntry{PeerIndex: r.PeerIndex, OriginatedTime: uint32(r.Originated.Unix()), PathID: r.PathID, Attrs: attrs[start:ends[k]]})
			start = ends[k]
		}
		if err := f.w.WriteRIB(stamp, &rib); err != nil {
			f.discard()
			return "", fmt.Errorf("write %s: %w", f.tmp, err)
		}
		rib.Sequence++
		i = j
	}
	path, err := f.finish()
	if err != nil {
		os.Remove(f.tmp)
	}
	return path, err
}

// discard closes and removes an unfinished file.
func (m *mrtFile) discard() {
	m.f.Close()
	os.Remove(m.tmp)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
