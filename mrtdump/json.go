package mrtdump

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strconv"
)

// JSONOptions selects what a JSONEncoder writes.
type JSONOptions struct {
	// Host is the collector name written in every object's "host" field
	// and used in its "id".
	Host string
	// IncludeRaw adds "raw", the whole BGP message in upper-case hex, to
	// objects made from BGP4MP messages (as RIS Live's includeRaw does).
	IncludeRaw bool
	// SplitRoutes writes an UPDATE as one object per withdrawn prefix and
	// one per announced prefix (each with the UPDATE's attributes), in the
	// order bgpdump prints them, instead of one object per message as RIS
	// Live does. An UPDATE without prefixes (End-of-RIB) then writes
	// nothing.
	SplitRoutes bool
}

// JSONEncoder writes MRT records as newline-delimited JSON, one object per
// BGP message (or, with SplitRoutes, per route), state change or RIB
// entry, in the shape of the "data" of a
// RIS Live ris_message: "timestamp" (float seconds), "peer", "peer_asn" (a
// string), "id", "host", "type" ("UPDATE", "OPEN", "NOTIFICATION",
// "KEEPALIVE", "ROUTE_REFRESH" or "RIS_PEER_STATE") and, for an UPDATE,
// "path" (an AS_SET as a nested array), "origin", "community",
// "announcements" ([{"next_hop", "prefixes"}]) and "withdrawals".
//
// Beyond RIS Live it writes "med", "local_pref", "aggregator",
// "large_community", "path_ids" (ADD-PATH, parallel to "prefixes" and
// "withdrawals") and, for RIB entries, "mrt_type" and "originated".
// RIB entries become UPDATE objects with one announcement. Prefixes are
// printed with host bits cleared; only unicast routes are written. Like a
// Dumper it keeps the current PEER_INDEX_TABLE between records.
type JSONEncoder struct {
	w     *bufio.Writer
	opt   JSONOptions
	host  []byte // Host as a JSON string
	err   error
	n     uint64 // objects written, for ids
	peers *PeerIndexTable

	msg Message
	rib RIB
	td  TableDumpV1
	sc  StateChange
	at  Attrs
	b   []byte
}

// NewJSONEncoder returns an encoder writing to w. Output is buffered: call
// Flush.
func NewJSONEncoder(w io.Writer, opt JSONOptions) *JSONEncoder {
	host, _ := json.Marshal(opt.Host) // a string always marshals
	return &JSONEncoder{w: bufio.NewWriterSize(w, 256<<10), opt: opt, host: host}
}

// Flush writes buffered output and returns the first write error.
func (e *JSONEncoder) Flush() error {
	if e.err == nil {
		e.err = e.w.Flush()
	}
	return e.err
}

// Record writes the objects of one record. It returns a *DecodeError when
// the record could not be decoded (nothing is written for it), or a write
// error; write errors are sticky.
func (e *JSONEncoder) Record(rec *Record) error {
	if e.err != nil {
		return e.err
	}
	var err error
	switch rec.Type {
	case TypeTableDumpV2:
		err = e.tableDumpV2(rec)
	case TypeTableDump:
		err = e.tableDump(rec)
	case TypeBGP4MP, TypeBGP4MPET:
		err = e.bgp4mp(rec)
	case TypeBGP:
		err = e.bgp5(rec)
	default:
		err = fmt.Errorf("%w: MRT type %d", ErrUnsupported, uint16(rec.Type))
	}
	if e.err != nil {
		return e.err
	}
	if err != nil {
		return &DecodeError{Header: rec.Header, Err: err}
	}
	return nil
}

// emit writes the object in e.b.
func (e *JSONEncoder) emit() {
	e.b = append(e.b, '}', '\n')
	if _, err := e.w.Write(e.b); err != nil && e.err == nil {
		e.err = err
	}
	e.n++
}

// head starts an object with the fields every ris_message has.
func (e *JSONEncoder) head(sec, usec uint32, peer netip.Addr, peerAS uint32, typ string) {
	b := append(e.b[:0], `{"timestamp":`...)
	ts := len(b)
	b = appendUint(b, uint64(sec))
	b = append(b, '.')
	if usec == 0 || usec >= 1000000 {
		b = append(b, '0')
	} else {
		frac := strconv.AppendUint(nil, uint64(usec)+1000000, 10)[1:]
		for len(frac) > 1 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		b = append(b, frac...)
	}
	tsEnd := len(b)
	b = append(b, `,"peer":"`...)
	b = peer.AppendTo(b)
	b = append(b, `","peer_asn":"`...)
	b = appendUint(b, uint64(peerAS))
	b = append(b, `","id":"`...)
	if e.opt.Host != "" {
		b = appendJSONInner(b, e.host)
		b = append(b, '-')
	}
	b = peer.AppendTo(b)
	b = append(b, '-')
	b = append(b, b[ts:tsEnd]...)
	b = append(b, '-')
	b = appendUint(b, e.n)
	b = append(b, `","host":`...)
	b = append(b, e.host...)
	b = append(b, `,"type":"`...)
	b = append(b, typ...)
	e.b = append(b, '"')
}

// appendJSONInner appends a JSON string without its quotes.
func appendJSONInner(b, quoted []byte) []byte { return append(b, quoted[1:len(quoted)-1]...) }

func addr(a *[16]byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16(*a)
	}
	return netip.AddrFrom4([4]byte(a[:4]))
}

func (e *JSONEncoder) tableDumpV2(rec *Record) error {
	if rec.Subtype == SubPeerIndexTable {
		t, err := DecodePeerIndexTable(rec.Body)
		if err != nil {
			return err
		}
		e.peers = t
		return nil
	}
	_, safi, addPath, ok := ribFamily(rec.Subtype)
	if !ok {
		if rec.Subtype == SubRIBGeneric || rec.Subtype == SubRIBGenericAddPath {
			return nil
		}
		return fmt.Errorf("%w: TABLE_DUMP_V2 subtype %d", ErrUnsupported, rec.Subtype)
	}
	if safi != 1 {
		return nil
	}
	if e.peers == nil {
		return fmt.Errorf("%w: RIB record without a preceding PEER_INDEX_TABLE", ErrMalformed)
	}
	if err := DecodeRIB(rec.Body, rec.Subtype, &e.rib); err != nil {
		return err
	}
	if !e.rib.Prefix.Valid() {
		return fmt.Errorf("%w: RIB prefix length %d", ErrMalformed, e.rib.Prefix.Bits)
	}
	for i := range e.rib.Entries {
		if int(e.rib.Entries[i].PeerIndex) >= len(e.peers.Peers) {
			return fmt.Errorf("%w: RIB entry %d names peer index %d beyond the %d peers of the PEER_INDEX_TABLE", ErrMalformed, i, e.rib.Entries[i].PeerIndex, len(e.peers.Peers))
		}
	}
	for i := range e.rib.Entries {
		en := &e.rib.Entries[i]
		peer := &e.peers.Peers[en.PeerIndex]
		e.at.Parse(en.Attrs, 4, addPath)
		e.head(rec.Time, 0, addr(&peer.Addr, peer.IPv6), peer.AS, "UPDATE")
		e.b = e.pathAttrs(e.b, &e.at)
		e.b = e.ribAnnouncement(e.b, e.rib.Prefix, en.PathID, addPath)
		e.b = append(e.b, `,"mrt_type":"TABLE_DUMP_V2","originated":`...)
		e.b = appendUint(e.b, uint64(en.OriginatedTime))
		e.emit()
	}
	return nil
}

func (e *JSONEncoder) tableDump(rec *Record) error {
	if err := DecodeTableDumpV1(rec.Body, rec.Subtype, &e.td); err != nil {
		return err
	}
	for {
		t := &e.td
		if !t.Prefix.Valid() {
			return fmt.Errorf("%w: TABLE_DUMP prefix length %d", ErrMalformed, t.Prefix.Bits)
		}
		e.at.Parse(t.Attrs, t.ASNSize, false)
		e.head(rec.Time, 0, addr(&t.PeerAddr, t.PeerIPv6), t.PeerAS, "UPDATE")
		e.b = e.pathAttrs(e.b, &e.at)
		e.b = e.ribAnnouncement(e.b, t.Prefix, 0, false)
		e.b = append(e.b, `,"mrt_type":"TABLE_DUMP","originated":`...)
		e.b = appendUint(e.b, uint64(t.OriginatedTime))
		e.emit()
		more, err := t.NextEntry()
		if err != nil || !more {
			return err
		}
	}
}

// ribAnnouncement appends the announcements and empty withdrawals of a RIB
// entry for p.
func (e *JSONEncoder) ribAnnouncement(b []byte, p Prefix, pathID uint32, addPath bool) []byte {
	b = append(b, `,"announcements":[{`...)
	a := &e.at
	mp := &a.Reach[mpIndex(AFIIPv6, 1)]
	switch {
	case !p.IPv6 && a.Has(AttrNextHop):
		b = appendNextHop(b, netip.AddrFrom4(a.NextHop))
	case mp.Present:
		if nh, ok := mpNextHop(mp); ok {
			b = appendNextHop(b, nh)
		}
	}
	b = append(b, `"prefixes":["`...)
	b = p.Prefix().AppendTo(b)
	b = append(b, `"]`...)
	if addPath {
		b = append(b, `,"path_ids":[`...)
		b = appendUint(b, uint64(pathID))
		b = append(b, ']')
	}
	return append(b, `}],"withdrawals":[]`...)
}

func appendNextHop(b []byte, nh netip.Addr) []byte {
	b = append(b, `"next_hop":"`...)
	b = nh.AppendTo(b)
	return append(b, `",`...)
}

// mpNextHop returns an MP_REACH_NLRI's (global) next hop as its declared
// length says.
func mpNextHop(m *MPNLRI) (netip.Addr, bool) {
	switch {
	case m.NextHopLen == 4 || m.NextHopLen == 12:
		return netip.AddrFrom4([4]byte(m.NextHop[:4])), true
	case m.NextHopLen >= 16:
		return netip.AddrFrom16(m.NextHop), true
	}
	return netip.Addr{}, false
}

// pathAttrs appends "path", "origin", "community" and the optional
// attributes.
func (e *JSONEncoder) pathAttrs(b []byte, a *Attrs) []byte {
	b = append(b, `,"path":[`...)
	if a.Has(AttrASPath) {
		b = appendJSONPath(b, a.ASPath, a.ASNSize)
	}
	b = append(b, ']')
	if a.Has(AttrOrigin) {
		switch a.Origin {
		case 0:
			b = append(b, `,"origin":"igp"`...)
		case 1:
			b = append(b, `,"origin":"egp"`...)
		case 2:
			b = append(b, `,"origin":"incomplete"`...)
		}
	}
	b = append(b, `,"community":[`...)
	for i := 0; i+4 <= len(a.Communities); i += 4 {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = appendUint(b, uint64(binary.BigEndian.Uint16(a.Communities[i:])))
		b = append(b, ',')
		b = appendUint(b, uint64(binary.BigEndian.Uint16(a.Communities[i+2:])))
		b = append(b, ']')
	}
	b = append(b, ']')
	if a.Has(AttrMED) {
		b = append(b, `,"med":`...)
		b = appendUint(b, uint64(a.MED))
	}
	if a.Has(AttrLocalPref) {
		b = append(b, `,"local_pref":`...)
		b = appendUint(b, uint64(a.LocalPref))
	}
	if a.Has(AttrAggregator) {
		b = append(b, `,"aggregator":"`...)
		b = appendUint(b, uint64(a.AggregatorAS))
		b = append(b, ':')
		b = netip.AddrFrom4(a.AggregatorAddr).AppendTo(b)
		b = append(b, '"')
	}
	if len(a.LargeCommunities) >= 12 {
		b = append(b, `,"large_community":[`...)
		for i := 0; i+12 <= len(a.LargeCommunities); i += 12 {
			if i > 0 {
				b = append(b, ',')
			}
			lc := a.LargeCommunities[i:]
			b = append(b, '[')
			b = appendUint(b, uint64(binary.BigEndian.Uint32(lc)))
			b = append(b, ',')
			b = appendUint(b, uint64(binary.BigEndian.Uint32(lc[4:])))
			b = append(b, ',')
			b = appendUint(b, uint64(binary.BigEndian.Uint32(lc[8:])))
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	return b
}

// appendJSONPath appends an AS path's members: sequences as numbers, sets
// (and confederation sets) as nested arrays. A malformed tail is dropped.
func appendJSONPath(b []byte, p []byte, size int) []byte {
	first := true
	for len(p) >= 2 {
		typ, n := p[0], int(p[1])
		if len(p) < 2+size*n {
			break
		}
		set := typ == SegSet || typ == SegConfedSet
		if !first {
			b = append(b, ',')
		}
		first = false
		if set {
			b = append(b, '[')
		}
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			var as uint32
			if size == 4 {
				as = binary.BigEndian.Uint32(p[2+4*i:])
			} else {
				as = uint32(binary.BigEndian.Uint16(p[2+2*i:]))
			}
			b = appendUint(b, uint64(as))
		}
		if set {
			b = append(b, ']')
		} else if n == 0 {
			// An empty sequence adds nothing; undo the separator.
			if b[len(b)-1] == ',' {
				b = b[:len(b)-1]
			} else {
				first = true
			}
		}
		p = p[2+size*n:]
	}
	return b
}

func (e *JSONEncoder) bgp4mp(rec *Record) error {
	switch rec.Subtype {
	case SubStateChange, SubStateChangeAS4:
		size := 2
		if rec.Subtype == SubStateChangeAS4 {
			size = 4
		}
		if err := DecodeStateChange(rec.Body, size, &e.sc); err != nil {
			return err
		}
		sc := &e.sc
		e.stateChange(rec, addr(&sc.PeerAddr, sc.AFI == AFIIPv6), sc.PeerAS, sc.OldState, sc.NewState)
		return nil
	case SubEntry, SubSnapshot:
		return nil
	}
	if err := DecodeMessage(rec.Body, rec.Subtype, &e.msg); err != nil {
		return err
	}
	m := &e.msg
	return e.message(rec, addr(&m.PeerAddr, m.AFI == AFIIPv6))
}

func (e *JSONEncoder) bgp5(rec *Record) error {
	switch rec.Subtype {
	case SubBGPStateChange:
		if len(rec.Body) < 10 {
			return fmt.Errorf("%w: type-5 state change of %d bytes", ErrMalformed, len(rec.Body))
		}
		b := rec.Body
		peer := netip.AddrFrom4([4]byte(b[2:6]))
		e.stateChange(rec, peer, uint32(binary.BigEndian.Uint16(b)), binary.BigEndian.Uint16(b[6:]), binary.BigEndian.Uint16(b[8:]))
		return nil
	case SubBGPUpdate:
		DecodeBGP5(rec.Body, &e.msg)
		return e.message(rec, netip.AddrFrom4([4]byte(e.msg.PeerAddr[:4])))
	case SubBGPKeepalive, SubBGPOpen, SubBGPNotify:
		return nil // type 5 kept only the message's body; nothing to say
	}
	return fmt.Errorf("%w: type-5 BGP subtype %d", ErrUnsupported, rec.Subtype)
}

// fsmStates names the BGP FSM states (RFC 4271, numbered as in RFC 6396).
var fsmStates = [...]string{1: "idle", 2: "connect", 3: "active", 4: "opensent", 5: "openconfirm", 6: "established"}

func fsmName(s uint16) string {
	if int(s) < len(fsmStates) && fsmStates[s] != "" {
		return fsmStates[s]
	}
	return "unknown"
}

// stateChange writes a RIS_PEER_STATE object. "state" is "connected" when
// the session reaches Established and "down" when it leaves it, as RIS
// Live says; other transitions carry the new state's name. "old_state"
// and "new_state" always name both.
func (e *JSONEncoder) stateChange(rec *Record, peer netip.Addr, peerAS uint32, old, nw uint16) {
	e.head(rec.Time, rec.Microseconds, peer, peerAS, "RIS_PEER_STATE")
	b := append(e.b, `,"state":"`...)
	switch {
	case nw == 6:
		b = append(b, "connected"...)
	case old == 6:
		b = append(b, "down"...)
	default:
		b = append(b, fsmName(nw)...)
	}
	b = append(b, `","old_state":"`...)
	b = append(b, fsmName(old)...)
	b = append(b, `","new_state":"`...)
	b = append(b, fsmName(nw)...)
	e.b = append(b, '"')
	e.emit()
}

var msgTypeNames = [...]string{MsgOpen: "OPEN", MsgUpdate: "UPDATE", MsgNotification: "NOTIFICATION", MsgKeepalive: "KEEPALIVE", MsgRouteRefresh: "ROUTE_REFRESH"}

func (e *JSONEncoder) message(rec *Record, peer netip.Addr) error {
	m := &e.msg
	if m.Type == 0 || int(m.Type) >= len(msgTypeNames) {
		return fmt.Errorf("%w: BGP message type %d", ErrUnsupported, m.Type)
	}
	var open openMessage
	if m.Type == MsgOpen {
		if err := open.parse(m.Raw); err != nil {
			return err
		}
	}
	if m.Type == MsgNotification && len(m.Raw) < 21 {
		return fmt.Errorf("%w: NOTIFICATION of %d bytes", ErrMalformed, len(m.Raw))
	}
	if m.Type == MsgUpdate && e.opt.SplitRoutes {
		e.splitUpdate(rec, peer)
		return nil
	}
	e.head(rec.Time, rec.Microseconds, peer, m.PeerAS, msgTypeNames[m.Type])
	b := e.b
	if m.Local {
		b = append(b, `,"direction":"sent"`...)
	} else if m.Type == MsgOpen {
		b = append(b, `,"direction":"received"`...)
	}
	switch m.Type {
	case MsgUpdate:
		b = e.update(b, m)
	case MsgOpen:
		b = open.appendJSON(b)
	case MsgNotification:
		b = append(b, `,"notification":{"code":`...)
		b = appendUint(b, uint64(m.Raw[19]))
		b = append(b, `,"subcode":`...)
		b = appendUint(b, uint64(m.Raw[20]))
		b = append(b, `,"data":"`...)
		b = appendHex(b, m.Raw[21:])
		b = append(b, `"}`...)
	}
	e.b = b
	e.finish(m)
	return nil
}

// finish adds "raw" when asked for and writes the object.
func (e *JSONEncoder) finish(m *Message) {
	if e.opt.IncludeRaw && len(m.Raw) > 0 {
		e.b = append(e.b, `,"raw":"`...)
		e.b = appendHex(e.b, m.Raw)
		e.b = append(e.b, '"')
	}
	e.emit()
}

// splitUpdate writes an UPDATE as one object per withdrawn prefix, then one
// per announced prefix.
func (e *JSONEncoder) splitUpdate(rec *Record, peer netip.Addr) {
	m := &e.msg
	a := &m.Attrs
	start := func() {
		e.head(rec.Time, rec.Microseconds, peer, m.PeerAS, "UPDATE")
		if m.Local {
			e.b = append(e.b, `,"direction":"sent"`...)
		}
	}
	withdraw := func(ps []Prefix) {
		for i := range ps {
			if !ps[i].Valid() {
				continue
			}
			start()
			b := append(e.b, `,"path":[],"community":[],"announcements":[],"withdrawals":`...)
			b = appendPrefixes(b, ps[i:i+1], false)
			if m.AddPath {
				b = append(b, `,"withdrawal_path_ids":[`...)
				b = appendUint(b, uint64(ps[i].PathID))
				b = append(b, ']')
			}
			e.b = b
			e.finish(m)
		}
	}
	announce := func(nh netip.Addr, hasNH bool, ll netip.Addr, ps []Prefix) {
		for i := range ps {
			if !ps[i].Valid() {
				continue
			}
			start()
			b := e.pathAttrs(e.b, a)
			b = append(b, `,"announcements":[`...)
			b = appendAnnouncement(b, nh, hasNH, ps[i:i+1], m.AddPath)
			if ll.IsValid() {
				b = appendAnnouncement(append(b, ','), ll, true, ps[i:i+1], m.AddPath)
			}
			e.b = append(b, `],"withdrawals":[]`...)
			e.finish(m)
		}
	}
	withdraw(m.Withdrawn)
	for _, afi := range [...]uint16{AFIIPv4, AFIIPv6} {
		if u := &a.Unreach[mpIndex(afi, 1)]; u.Present {
			withdraw(u.Prefixes)
		}
	}
	announce(netip.AddrFrom4(a.NextHop), a.Has(AttrNextHop), netip.Addr{}, m.NLRI)
	for _, afi := range [...]uint16{AFIIPv4, AFIIPv6} {
		r := &a.Reach[mpIndex(afi, 1)]
		if !r.Present {
			continue
		}
		nh, ok := mpNextHop(r)
		var ll netip.Addr
		if r.NextHopLen >= 32 {
			ll = netip.AddrFrom16(r.NextHopLocal)
		}
		announce(nh, ok, ll, r.Prefixes)
	}
}

// appendAnnouncement appends one {"next_hop", "prefixes"} object.
func appendAnnouncement(b []byte, nh netip.Addr, hasNH bool, ps []Prefix, addPath bool) []byte {
	b = append(b, '{')
	if hasNH {
		b = appendNextHop(b, nh)
	}
	b = appendPrefixes(append(b, `"prefixes":`...), ps, addPath)
	return append(b, '}')
}

func appendHex(b, data []byte) []byte {
	const digits = "0123456789ABCDEF"
	for _, c := range data {
		b = append(b, digits[c>>4], digits[c&15])
	}
	return b
}

// update appends an UPDATE's attributes, announcements and withdrawals.
func (e *JSONEncoder) update(b []byte, m *Message) []byte {
	a := &m.Attrs
	b = e.pathAttrs(b, a)
	b = append(b, `,"announcements":[`...)
	first := true
	add := func(nh netip.Addr, hasNH bool, ps []Prefix) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendAnnouncement(b, nh, hasNH, ps, m.AddPath)
	}
	if len(m.NLRI) > 0 {
		add(netip.AddrFrom4(a.NextHop), a.Has(AttrNextHop), m.NLRI)
	}
	for _, afi := range [...]uint16{AFIIPv4, AFIIPv6} {
		r := &a.Reach[mpIndex(afi, 1)]
		if !r.Present || len(r.Prefixes) == 0 {
			continue
		}
		nh, ok := mpNextHop(r)
		add(nh, ok, r.Prefixes)
		if r.NextHopLen >= 32 {
			add(netip.AddrFrom16(r.NextHopLocal), true, r.Prefixes)
		}
	}
	b = append(b, `],"withdrawals":`...)
	w := m.Withdrawn
	for _, afi := range [...]uint16{AFIIPv4, AFIIPv6} {
		if u := &a.Unreach[mpIndex(afi, 1)]; u.Present {
			w = append(w, u.Prefixes...)
		}
	}
	m.Withdrawn = w // keep the grown storage
	b = appendPrefixes(b, w, false)
	if m.AddPath && len(w) > 0 {
		b = append(b, `,"withdrawal_path_ids":[`...)
		for i, p := range w {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendUint(b, uint64(p.PathID))
		}
		b = append(b, ']')
	}
	return b
}

// appendPrefixes appends a JSON array of prefixes with host bits cleared,
// skipping any whose length does not fit the family, then with addPath a
// "path_ids" member parallel to it.
func appendPrefixes(b []byte, ps []Prefix, addPath bool) []byte {
	b = append(b, '[')
	n := 0
	for _, p := range ps {
		if !p.Valid() {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, '"')
		b = p.Prefix().AppendTo(b)
		b = append(b, '"')
	}
	b = append(b, ']')
	if addPath {
		b = append(b, `,"path_ids":[`...)
		n = 0
		for _, p := range ps {
			if !p.Valid() {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendUint(b, uint64(p.PathID))
		}
		b = append(b, ']')
	}
	return b
}

// openMessage is a decoded BGP OPEN (RFC 4271, RFC 9072 extended optional
// parameters).
type openMessage struct {
	version  uint8
	as       uint32
	holdTime uint16
	routerID [4]byte
	caps     []capability
}

type capability struct {
	code uint8
	data []byte
}

var capNames = map[uint8]string{
	1: "multiprotocol", 2: "route-refresh", 3: "outbound-route-filtering",
	5: "extended-next-hop", 6: "extended-message", 9: "bgp-role",
	64: "graceful-restart", 65: "asn4", 69: "add-path",
	70: "enhanced-route-refresh", 71: "long-lived-graceful-restart",
	73: "fqdn", 128: "route-refresh-cisco",
}

func (o *openMessage) parse(raw []byte) error {
	if len(raw) < 29 {
		return fmt.Errorf("%w: OPEN of %d bytes", ErrMalformed, len(raw))
	}
	b := raw[19:]
	o.version = b[0]
	o.as = uint32(binary.BigEndian.Uint16(b[1:]))
	o.holdTime = binary.BigEndian.Uint16(b[3:])
	o.routerID = [4]byte(b[5:9])
	optLen := int(b[9])
	params := b[10:]
	ext := false
	if optLen == 255 && len(params) >= 3 && params[0] == 255 {
		ext = true
		optLen = int(binary.BigEndian.Uint16(params[1:]))
		params = params[3:]
	}
	if len(params) < optLen {
		return fmt.Errorf("%w: OPEN optional parameters of %d bytes in %d", ErrMalformed, optLen, len(params))
	}
	params = params[:optLen]
	for len(params) > 0 {
		hl := 2
		if ext {
			hl = 3
		}
		if len(params) < hl {
			return fmt.Errorf("%w: OPEN optional parameter header cut short", ErrMalformed)
		}
		typ, n := params[0], int(params[1])
		if ext {
			n = int(binary.BigEndian.Uint16(params[1:]))
		}
		if len(params) < hl+n {
			return fmt.Errorf("%w: OPEN optional parameter of %d bytes in %d", ErrMalformed, n, len(params)-hl)
		}
		v := params[hl : hl+n]
		params = params[hl+n:]
		if typ != 2 { // only capabilities (RFC 5492) are defined
			continue
		}
		for len(v) > 0 {
			if len(v) < 2 || len(v) < 2+int(v[1]) {
				return fmt.Errorf("%w: OPEN capability cut short", ErrMalformed)
			}
			c := capability{code: v[0], data: v[2 : 2+int(v[1])]}
			if c.code == 65 && len(c.data) == 4 {
				o.as = binary.BigEndian.Uint32(c.data)
			}
			o.caps = append(o.caps, c)
			v = v[2+int(v[1]):]
		}
	}
	return nil
}

// appendJSON appends the OPEN's fields. Capabilities are keyed by code;
// a code that appears more than once (multiprotocol does, once per
// family) is written once with all its values.
func (o *openMessage) appendJSON(b []byte) []byte {
	b = append(b, `,"version":`...)
	b = appendUint(b, uint64(o.version))
	b = append(b, `,"asn":`...)
	b = appendUint(b, uint64(o.as))
	b = append(b, `,"hold_time":`...)
	b = appendUint(b, uint64(o.holdTime))
	b = append(b, `,"router_id":"`...)
	b = netip.AddrFrom4(o.routerID).AppendTo(b)
	b = append(b, `","capabilities":{`...)
	var done [256]bool
	first := true
	for i, c := range o.caps {
		if done[c.code] {
			continue
		}
		done[c.code] = true
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = appendUint(b, uint64(c.code))
		b = append(b, `":{"name":"`...)
		if name, ok := capNames[c.code]; ok {
			b = append(b, name...)
		} else {
			b = append(b, "unknown"...)
		}
		b = append(b, '"')
		switch c.code {
		case 1:
			b = append(b, `,"families":[`...)
			n := 0
			for _, d := range o.caps[i:] {
				if d.code != 1 || len(d.data) != 4 {
					continue
				}
				if n > 0 {
					b = append(b, ',')
				}
				n++
				b = appendFamily(b, binary.BigEndian.Uint16(d.data), d.data[3])
			}
			b = append(b, ']')
		case 65:
			if len(c.data) == 4 {
				b = append(b, `,"asn":`...)
				b = appendUint(b, uint64(binary.BigEndian.Uint32(c.data)))
			}
		default:
			var all []byte
			for _, d := range o.caps[i:] {
				if d.code == c.code {
					all = append(all, d.data...)
				}
			}
			if len(all) > 0 {
				b = append(b, `,"data":"`...)
				b = appendHex(b, all)
				b = append(b, '"')
			}
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendFamily(b []byte, afi uint16, safi uint8) []byte {
	b = append(b, '"')
	switch afi {
	case AFIIPv4:
		b = append(b, "ipv4"...)
	case AFIIPv6:
		b = append(b, "ipv6"...)
	default:
		b = append(b, "afi"...)
		b = appendUint(b, uint64(afi))
	}
	b = append(b, '/')
	switch safi {
	case 1:
		b = append(b, "unicast"...)
	case 2:
		b = append(b, "multicast"...)
	default:
		b = append(b, "safi"...)
		b = appendUint(b, uint64(safi))
	}
	return append(b, '"')
}
