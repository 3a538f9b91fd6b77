package index

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/routestat/routestat/mrtdump"
)

// ConverterStats counts what a Converter left out.
type ConverterStats struct {
	// Multicast routes (SAFI 2 and 3) are not indexed.
	Multicast int64
	// Local messages (BGP4MP *_LOCAL: sent by the collector) carry no
	// received routes.
	Local int64
	// Invalid prefixes (length beyond the family) were dropped.
	Invalid int64
}

// Converter turns MRT records, or bare BGP messages of a live session, into
// Events for one collector. It keeps the PEER_INDEX_TABLE of a
// TABLE_DUMP_V2 file, so one Converter reads a whole file in order. It is
// not safe for concurrent use.
type Converter struct {
	collector string
	peers     *mrtdump.PeerIndexTable
	rib       mrtdump.RIB
	td        mrtdump.TableDumpV1
	msg       mrtdump.Message
	sc        mrtdump.StateChange
	at        mrtdump.Attrs
	path      []mrtdump.PathElem
	stats     ConverterStats
}

// NewConverter returns a Converter for the named collector.
func NewConverter(collector string) *Converter {
	return &Converter{collector: collector}
}

// Stats returns what the Converter left out so far.
func (c *Converter) Stats() ConverterStats { return c.stats }

// established is the BGP FSM state Established.
const established = 6

// Record converts one MRT record into events passed to emit. TABLE_DUMP and
// TABLE_DUMP_V2 RIB entries become Announce events with FromRIB set and the
// record's time; BGP4MP, BGP4MP_ET and type-5 UPDATEs become Withdraw and
// Announce events (withdrawals first, as in the message); a state change
// leaving Established becomes PeerDown. Records that carry no routes
// (OPEN, KEEPALIVE, RIB_GENERIC, ...) emit nothing. A record that does not
// decode returns an error naming it; events decoded before the damage
// (RIB entries) are still emitted.
func (c *Converter) Record(rec *mrtdump.Record, emit func(Event)) error {
	t := time.Unix(int64(rec.Time), int64(rec.Microseconds)*1000).UTC()
	var err error
	switch rec.Type {
	case mrtdump.TypeTableDumpV2:
		err = c.tableDumpV2(rec, t, emit)
	case mrtdump.TypeTableDump:
		err = c.tableDump(rec, t, emit)
	case mrtdump.TypeBGP4MP, mrtdump.TypeBGP4MPET:
		err = c.bgp4mp(rec, t, emit)
	case mrtdump.TypeBGP:
		err = c.bgp5(rec, t, emit)
	default:
		err = fmt.Errorf("%w: MRT type %d", mrtdump.ErrUnsupported, uint16(rec.Type))
	}
	if err != nil {
		return fmt.Errorf("%s record (subtype %d) at offset %d: %w", rec.Type, rec.Subtype, rec.Offset, err)
	}
	return nil
}

// Message converts one bare BGP message (marker included, as received on a
// live session with peer) into events: UPDATEs only; other message types
// emit nothing. as4 and addPath describe the session.
func (c *Converter) Message(t time.Time, peer netip.Addr, peerAS uint32, as4, addPath bool, msg []byte, emit func(Event)) error {
	if err := mrtdump.DecodeBGPMessage(msg, as4, addPath, &c.msg); err != nil {
		return fmt.Errorf("BGP message from %s (AS%d): %w", peer, peerAS, err)
	}
	if c.msg.Type != mrtdump.MsgUpdate {
		return nil
	}
	c.update(&c.msg, t, peer, peerAS, emit)
	return nil
}

func (c *Converter) tableDumpV2(rec *mrtdump.Record, t time.Time, emit func(Event)) error {
	switch rec.Subtype {
	case mrtdump.SubPeerIndexTable:
		p, err := mrtdump.DecodePeerIndexTable(rec.Body)
		if err != nil {
			return err
		}
		c.peers = p
		return nil
	case mrtdump.SubRIBGeneric, mrtdump.SubRIBGenericAddPath:
		return nil
	case mrtdump.SubRIBIPv4Multicast, mrtdump.SubRIBIPv6Multicast,
		mrtdump.SubRIBIPv4MulticastAddPath, mrtdump.SubRIBIPv6MulticastAddPath:
		c.stats.Multicast++
		return nil
	}
	if c.peers == nil {
		return fmt.Errorf("%w: RIB record without a preceding PEER_INDEX_TABLE", mrtdump.ErrMalformed)
	}
	derr := mrtdump.DecodeRIB(rec.Body, rec.Subtype, &c.rib)
	if derr != nil && len(c.rib.Entries) == 0 {
		return derr
	}
	pfx, ok := c.prefix(c.rib.Prefix)
	if !ok {
		return fmt.Errorf("%w: prefix length %d", mrtdump.ErrMalformed, c.rib.Prefix.Bits)
	}
	bad := 0
	for i := range c.rib.Entries {
		e := &c.rib.Entries[i]
		if int(e.PeerIndex) >= len(c.peers.Peers) {
			bad++
			continue
		}
		p := &c.peers.Peers[e.PeerIndex]
		c.at.Parse(e.Attrs, 4, c.rib.AddPath)
		emit(Event{
			Kind: Announce, Time: t, Collector: c.collector,
			PeerAddr: peerAddr(p.Addr, p.IPv6), PeerAS: p.AS,
			Prefix: pfx, PathID: e.PathID,
			Attrs: c.attrs(&c.at, ribNextHop(&c.at)), FromRIB: true,
		})
	}
	if derr != nil {
		return derr
	}
	if bad > 0 {
		return fmt.Errorf("%w: %d RIB entries name a peer index beyond the %d peers of the PEER_INDEX_TABLE", mrtdump.ErrMalformed, bad, len(c.peers.Peers))
	}
	return nil
}

func (c *Converter) tableDump(rec *mrtdump.Record, t time.Time, emit func(Event)) error {
	if err := mrtdump.DecodeTableDumpV1(rec.Body, rec.Subtype, &c.td); err != nil {
		return err
	}
	v6 := rec.Subtype == mrtdump.SubTableDumpIPv6 || rec.Subtype == mrtdump.SubTableDumpIPv6AS4
	for {
		if pfx, ok := c.prefix(c.td.Prefix); ok {
			c.at.Parse(c.td.Attrs, c.td.ASNSize, false)
			emit(Event{
				Kind: Announce, Time: t, Collector: c.collector,
				PeerAddr: peerAddr(c.td.PeerAddr, v6), PeerAS: c.td.PeerAS,
				Prefix: pfx, Attrs: c.attrs(&c.at, ribNextHop(&c.at)), FromRIB: true,
			})
		}
		more, err := c.td.NextEntry()
		if err != nil || !more {
			return err
		}
	}
}

func (c *Converter) bgp4mp(rec *mrtdump.Record, t time.Time, emit func(Event)) error {
	switch rec.Subtype {
	case mrtdump.SubStateChange, mrtdump.SubStateChangeAS4:
		size := 2
		if rec.Subtype == mrtdump.SubStateChangeAS4 {
			size = 4
		}
		if err := mrtdump.DecodeStateChange(rec.Body, size, &c.sc); err != nil {
			return err
		}
		if c.sc.OldState == established && c.sc.NewState != established {
			emit(Event{Kind: PeerDown, Time: t, Collector: c.collector,
				PeerAddr: peerAddr(c.sc.PeerAddr, c.sc.AFI == mrtdump.AFIIPv6), PeerAS: c.sc.PeerAS})
		}
		return nil
	case mrtdump.SubEntry, mrtdump.SubSnapshot:
		return nil
	}
	if err := mrtdump.DecodeMessage(rec.Body, rec.Subtype, &c.msg); err != nil {
		return err
	}
	m := &c.msg
	if m.Type != mrtdump.MsgUpdate {
		return nil
	}
	if m.Local {
		c.stats.Local++
		return nil
	}
	c.update(m, t, peerAddr(m.PeerAddr, m.AFI == mrtdump.AFIIPv6), m.PeerAS, emit)
	return nil
}

func (c *Converter) bgp5(rec *mrtdump.Record, t time.Time, emit func(Event)) error {
	switch rec.Subtype {
	case mrtdump.SubBGPStateChange:
		b := rec.Body
		if len(b) < 10 {
			return fmt.Errorf("%w: type-5 state change of %d bytes", mrtdump.ErrMalformed, len(b))
		}
		old, nw := binary.BigEndian.Uint16(b[6:]), binary.BigEndian.Uint16(b[8:])
		if old == established && nw != established {
			emit(Event{Kind: PeerDown, Time: t, Collector: c.collector,
				PeerAddr: netip.AddrFrom4([4]byte(b[2:6])), PeerAS: uint32(binary.BigEndian.Uint16(b))})
		}
		return nil
	case mrtdump.SubBGPUpdate:
		if len(rec.Body) < 12 {
			return fmt.Errorf("%w: type-5 UPDATE of %d bytes", mrtdump.ErrMalformed, len(rec.Body))
		}
		mrtdump.DecodeBGP5(rec.Body, &c.msg)
		m := &c.msg
		c.update(m, t, peerAddr(m.PeerAddr, false), m.PeerAS, emit)
		return nil
	}
	return nil
}

// update emits the withdrawals then the announcements of an UPDATE.
func (c *Converter) update(m *mrtdump.Message, t time.Time, peer netip.Addr, peerAS uint32, emit func(Event)) {
	a := &m.Attrs
	ev := Event{Time: t, Collector: c.collector, PeerAddr: peer, PeerAS: peerAS}
	withdraw := func(ps []mrtdump.Prefix) {
		for _, p := range ps {
			if pfx, ok := c.prefix(p); ok {
				ev.Kind, ev.Prefix, ev.PathID = Withdraw, pfx, p.PathID
				emit(ev)
			}
		}
	}
	withdraw(m.Withdrawn)
	for i := range a.Unreach {
		u := &a.Unreach[i]
		if !u.Present {
			continue
		}
		if u.SAFI != 1 {
			c.stats.Multicast += int64(len(u.Prefixes))
			continue
		}
		withdraw(u.Prefixes)
	}
	var shared *Attrs
	announce := func(ps []mrtdump.Prefix, nh netip.Addr) {
		if len(ps) == 0 {
			return
		}
		if shared == nil || shared.NextHop != nh {
			shared = c.attrs(a, nh)
		}
		for _, p := range ps {
			if pfx, ok := c.prefix(p); ok {
				ev.Kind, ev.Prefix, ev.PathID, ev.Attrs = Announce, pfx, p.PathID, shared
				emit(ev)
			}
		}
	}
	var nh netip.Addr
	if a.Has(mrtdump.AttrNextHop) {
		nh = netip.AddrFrom4(a.NextHop)
	}
	announce(m.NLRI, nh)
	for i := range a.Reach {
		r := &a.Reach[i]
		if !r.Present {
			continue
		}
		if r.SAFI != 1 {
			c.stats.Multicast += int64(len(r.Prefixes))
			continue
		}
		announce(r.Prefixes, mpNextHop(r))
	}
}

// prefix converts a wire prefix with its host bits cleared.
func (c *Converter) prefix(p mrtdump.Prefix) (netip.Prefix, bool) {
	if !p.Valid() {
		c.stats.Invalid++
		return netip.Prefix{}, false
	}
	return p.Prefix(), true
}

// attrs copies the decoded attributes (which alias the record) into a new
// Attrs with the given next hop.
func (c *Converter) attrs(a *mrtdump.Attrs, nh netip.Addr) *Attrs {
	out := &Attrs{Origin: a.Origin, NextHop: nh}
	c.path = a.AppendPath(c.path[:0])
	for _, e := range c.path {
		if e.Set != nil {
			out.ASPath = append(out.ASPath, Segment{Set: true, ASNs: e.Set})
			continue
		}
		if n := len(out.ASPath); n > 0 && !out.ASPath[n-1].Set {
			out.ASPath[n-1].ASNs = append(out.ASPath[n-1].ASNs, e.AS)
		} else {
			out.ASPath = append(out.ASPath, Segment{ASNs: []uint32{e.AS}})
		}
	}
	if a.Has(mrtdump.AttrMED) {
		out.MED, out.HasMED = a.MED, true
	}
	if a.Has(mrtdump.AttrLocalPref) {
		out.LocalPref, out.HasLocalPref = a.LocalPref, true
	}
	if a.Has(mrtdump.AttrCommunities) && len(a.Communities) >= 4 {
		out.Communities = make([]uint32, len(a.Communities)/4)
		for i := range out.Communities {
			out.Communities[i] = binary.BigEndian.Uint32(a.Communities[4*i:])
		}
	}
	if a.Has(mrtdump.AttrLargeCommunities) && len(a.LargeCommunities) >= 12 {
		out.LargeCommunities = make([][3]uint32, len(a.LargeCommunities)/12)
		for i := range out.LargeCommunities {
			b := a.LargeCommunities[12*i:]
			out.LargeCommunities[i] = [3]uint32{binary.BigEndian.Uint32(b), binary.BigEndian.Uint32(b[4:]), binary.BigEndian.Uint32(b[8:])}
		}
	}
	out.AtomicAggregate = a.Has(mrtdump.AttrAtomicAggregate)
	if a.AggregatorAddr != [4]byte{255, 255, 255, 255} {
		out.AggregatorAS = a.AggregatorAS
		out.AggregatorAddr = netip.AddrFrom4(a.AggregatorAddr)
	}
	return out
}

// ribNextHop is a RIB entry's next hop: the (abbreviated) IPv6 MP_REACH
// next hop when there is one, else NEXT_HOP, as bgpdump prints it.
func ribNextHop(a *mrtdump.Attrs) netip.Addr {
	if r := a.ReachFor(mrtdump.AFIIPv6, 1); r != nil {
		return netip.AddrFrom16(r.NextHop)
	}
	if r := a.ReachFor(mrtdump.AFIIPv4, 1); r != nil {
		return netip.AddrFrom4([4]byte(r.NextHop[:4]))
	}
	if a.Has(mrtdump.AttrNextHop) {
		return netip.AddrFrom4(a.NextHop)
	}
	return netip.Addr{}
}

// mpNextHop is the global next hop of an MP_REACH_NLRI.
func mpNextHop(r *mrtdump.MPNLRI) netip.Addr {
	switch {
	case r.NextHopLen == 4 || r.NextHopLen == 12:
		return netip.AddrFrom4([4]byte(r.NextHop[:4]))
	case r.NextHopLen >= 16:
		return netip.AddrFrom16(r.NextHop)
	}
	return netip.Addr{}
}

func peerAddr(a [16]byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16(a)
	}
	return netip.AddrFrom4([4]byte(a[:4]))
}
