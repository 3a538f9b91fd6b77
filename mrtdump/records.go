package mrtdump

import (
	"errors"
	"fmt"
)

// ErrUnsupported reports a record type or subtype that is not decoded.
var ErrUnsupported = errors.New("unsupported record")

// ErrMalformed reports a record whose body does not parse.
var ErrMalformed = errors.New("malformed record")

// Peer is one entry of a TABLE_DUMP_V2 PEER_INDEX_TABLE.
type Peer struct {
	BGPID [4]byte
	Addr  [16]byte // IPv4 peers use the first 4 bytes
	IPv6  bool
	AS    uint32
}

// PeerIndexTable is a decoded TABLE_DUMP_V2 PEER_INDEX_TABLE.
type PeerIndexTable struct {
	CollectorID [4]byte
	ViewName    string
	Peers       []Peer
}

// DecodePeerIndexTable decodes a PEER_INDEX_TABLE body.
func DecodePeerIndexTable(body []byte) (*PeerIndexTable, error) {
	s := stream{b: body}
	t := &PeerIndexTable{CollectorID: s.get4()}
	n := int(s.getw())
	t.ViewName = string(s.get(n))
	count := int(s.getw())
	if s.left() < count*7 {
		return nil, fmt.Errorf("%w: PEER_INDEX_TABLE declares %d peers in %d bytes", ErrMalformed, count, s.left())
	}
	t.Peers = make([]Peer, count)
	for i := range t.Peers {
		p := &t.Peers[i]
		typ := s.getc()
		p.BGPID = s.get4()
		p.IPv6 = typ&1 != 0
		if p.IPv6 {
			p.Addr = s.get16()
		} else {
			s.getInto(p.Addr[:4])
		}
		if typ&2 != 0 {
			p.AS = s.getl()
		} else {
			p.AS = uint32(s.getw())
		}
	}
	return t, nil
}

// RIBEntry is one route of a TABLE_DUMP_V2 RIB record.
type RIBEntry struct {
	PeerIndex      uint16
	OriginatedTime uint32
	PathID         uint32
	Attrs          []byte // raw path attributes
}

// RIB is a decoded TABLE_DUMP_V2 RIB_IPV4/IPV6 UNICAST/MULTICAST record,
// with or without ADD-PATH.
type RIB struct {
	Sequence uint32
	Prefix   Prefix
	SAFI     uint8
	AddPath  bool
	Entries  []RIBEntry
}

// ribFamily describes a RIB subtype.
func ribFamily(sub uint16) (v6 bool, safi uint8, addPath bool, ok bool) {
	switch sub {
	case SubRIBIPv4Unicast:
		return false, 1, false, true
	case SubRIBIPv4Multicast:
		return false, 2, false, true
	case SubRIBIPv6Unicast:
		return true, 1, false, true
	case SubRIBIPv6Multicast:
		return true, 2, false, true
	case SubRIBIPv4UnicastAddPath:
		return false, 1, true, true
	case SubRIBIPv4MulticastAddPath:
		return false, 2, true, true
	case SubRIBIPv6UnicastAddPath:
		return true, 1, true, true
	case SubRIBIPv6MulticastAddPath:
		return true, 2, true, true
	}
	return false, 0, false, false
}

// DecodeRIB decodes a TABLE_DUMP_V2 RIB record of the given subtype into r,
// reusing r's storage. On error, r holds the entries decoded before it.
func DecodeRIB(body []byte, sub uint16, r *RIB) error {
	v6, safi, addPath, ok := ribFamily(sub)
	if !ok {
		return fmt.Errorf("%w: TABLE_DUMP_V2 subtype %d", ErrUnsupported, sub)
	}
	s := stream{b: body}
	r.Sequence = s.getl()
	r.SAFI, r.AddPath = safi, addPath
	r.Prefix = Prefix{IPv6: v6, Bits: s.getc()}
	nb := (int(r.Prefix.Bits) + 7) / 8
	if nb > 16 || (!v6 && nb > 4) {
		return fmt.Errorf("%w: prefix length %d", ErrMalformed, r.Prefix.Bits)
	}
	s.getInto(r.Prefix.Addr[:nb])
	count := int(s.getw())
	r.Entries = r.Entries[:0]
	for i := 0; i < count; i++ {
		var e RIBEntry
		if s.left() < 8 {
			return fmt.Errorf("%w: RIB entry %d of %d truncated", ErrMalformed, i+1, count)
		}
		e.PeerIndex = s.getw()
		e.OriginatedTime = s.getl()
		if addPath {
			e.PathID = s.getl()
		}
		n := int(s.getw())
		if s.left() < n {
			return fmt.Errorf("%w: RIB entry %d of %d: %d attribute bytes declared, %d left", ErrMalformed, i+1, count, n, s.left())
		}
		e.Attrs = s.get(n)
		r.Entries = append(r.Entries, e)
	}
	return nil
}

// TableDumpV1 is a decoded legacy TABLE_DUMP record.
type TableDumpV1 struct {
	View, Sequence uint16
	Prefix         Prefix
	Status         uint8
	OriginatedTime uint32
	PeerAddr       [16]byte
	PeerIPv6       bool
	PeerAS         uint32
	ASNSize        int
	Attrs          []byte
	// Rest holds bytes after the entry. RIS's first producer (2000)
	// batched further entries there, each without view and sequence; see
	// NextEntry.
	Rest []byte
}

// DecodeTableDumpV1 decodes a legacy TABLE_DUMP record of the given subtype.
func DecodeTableDumpV1(body []byte, sub uint16, t *TableDumpV1) error {
	var v6 bool
	switch sub {
	case SubTableDumpIPv4:
		t.ASNSize = 2
	case SubTableDumpIPv6:
		v6, t.ASNSize = true, 2
	case SubTableDumpIPv4AS4:
		t.ASNSize = 4
	case SubTableDumpIPv6AS4:
		v6, t.ASNSize = true, 4
	default:
		return fmt.Errorf("%w: TABLE_DUMP subtype (AFI) %d", ErrUnsupported, sub)
	}
	s := stream{b: body}
	t.View = s.getw()
	t.Sequence = s.getw()
	t.Prefix.IPv6, t.PeerIPv6 = v6, v6
	return t.entry(&s)
}

// NextEntry decodes the next batched entry from Rest. It returns false when
// Rest is empty.
func (t *TableDumpV1) NextEntry() (bool, error) {
	if len(t.Rest) == 0 {
		return false, nil
	}
	s := stream{b: t.Rest}
	return true, t.entry(&s)
}

func (t *TableDumpV1) entry(s *stream) error {
	v6 := t.Prefix.IPv6
	t.Prefix.Addr, t.PeerAddr = [16]byte{}, [16]byte{}
	if v6 {
		t.Prefix.Addr = s.get16()
	} else {
		s.getInto(t.Prefix.Addr[:4])
	}
	t.Prefix.Bits = s.getc()
	t.Status = s.getc()
	t.OriginatedTime = s.getl()
	if v6 {
		t.PeerAddr = s.get16()
	} else {
		s.getInto(t.PeerAddr[:4])
	}
	t.PeerAS = s.asn(t.ASNSize)
	n := int(s.getw())
	t.Attrs = s.get(n)
	t.Rest = s.b[s.pos:]
	if len(t.Attrs) < n {
		t.Rest = nil
		return fmt.Errorf("%w: TABLE_DUMP entry: %d attribute bytes declared, %d left", ErrMalformed, n, len(t.Attrs))
	}
	return nil
}

// BGP4MPHeader is the common part of BGP4MP records: the peer (first) and
// local (second) AS and address.
type BGP4MPHeader struct {
	PeerAS, LocalAS     uint32
	IfIndex             uint16
	AFI                 uint16
	PeerAddr, LocalAddr [16]byte
}

// StateChange is a decoded BGP4MP STATE_CHANGE(_AS4) or type-5 STATE_CHANGE.
type StateChange struct {
	BGP4MPHeader
	OldState, NewState uint16
}

// DecodeStateChange decodes a BGP4MP state change with bgpdump's length
// rules, including Zebra's short 8-byte form that lacks interface, family
// and addresses.
func DecodeStateChange(body []byte, asnSize int, sc *StateChange) error {
	s := stream{b: body}
	*sc = StateChange{}
	sc.PeerAS = s.asn(asnSize)
	sc.LocalAS = s.asn(asnSize)
	if len(body) == 8 {
		sc.OldState = s.getw()
		sc.NewState = s.getw()
		sc.AFI = AFIIPv4
		return nil
	}
	sc.IfIndex = s.getw()
	sc.AFI = s.getw()
	switch sc.AFI {
	case AFIIPv4:
		if len(body) != 20 && len(body) != 24 {
			return fmt.Errorf("%w: IPv4 state change of %d bytes", ErrMalformed, len(body))
		}
		s.getInto(sc.PeerAddr[:4])
		s.getInto(sc.LocalAddr[:4])
	case AFIIPv6:
		if len(body) != 44 && len(body) != 48 {
			return fmt.Errorf("%w: IPv6 state change of %d bytes", ErrMalformed, len(body))
		}
		sc.PeerAddr = s.get16()
		sc.LocalAddr = s.get16()
	default:
		return fmt.Errorf("%w: state change for AFI %d", ErrMalformed, sc.AFI)
	}
	sc.OldState = s.getw()
	sc.NewState = s.getw()
	return nil
}

// Message is a decoded BGP4MP MESSAGE record: the header and the BGP
// message, with an UPDATE's parts split out.
type Message struct {
	BGP4MPHeader
	Local   bool // a *_LOCAL subtype: sent by the collector
	AS4     bool
	AddPath bool
	// Type is the BGP message type; Size its length field.
	Type uint8
	Size uint16
	// Raw is the whole BGP message, marker included, as far as the record
	// holds it.
	Raw []byte
	// For UPDATE messages: the withdrawn routes, path attributes and NLRI.
	Withdrawn []Prefix
	Attrs     Attrs
	NLRI      []Prefix
}

func bgp4mpMessageKind(sub uint16) (as4, local, addPath, ok bool) {
	switch sub {
	case SubMessage:
		return false, false, false, true
	case SubMessageAS4:
		return true, false, false, true
	case SubMessageLocal:
		return false, true, false, true
	case SubMessageAS4Local:
		return true, true, false, true
	case SubMessageAddPath:
		return false, false, true, true
	case SubMessageAS4AddPath:
		return true, false, true, true
	case SubMessageLocalAddPath:
		return false, true, true, true
	case SubMessageAS4LocalAddPath:
		return true, true, true, true
	}
	return false, false, false, false
}

var bgpMarker = [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// DecodeMessage decodes a BGP4MP or BGP4MP_ET MESSAGE-family record (any of
// the AS4, LOCAL and ADD-PATH subtypes) into m, reusing m's storage. MP next
// hops are read at their declared length and over-long prefixes end an NLRI
// list with a warning in m.Attrs.Warnings.
func DecodeMessage(body []byte, sub uint16, m *Message) error {
	return decodeMessage(body, sub, m, true)
}

// decodeMessage is DecodeMessage with a choice: fix false reproduces
// bgpdump's reading of MP next hops and over-long prefixes.
func decodeMessage(body []byte, sub uint16, m *Message, fix bool) error {
	as4, local, addPath, ok := bgp4mpMessageKind(sub)
	if !ok {
		return fmt.Errorf("%w: BGP4MP subtype %d", ErrUnsupported, sub)
	}
	m.AS4, m.Local, m.AddPath = as4, local, addPath
	size := 2
	if as4 {
		size = 4
	}
	s := stream{b: body}
	m.PeerAS = s.asn(size)
	m.LocalAS = s.asn(size)
	m.IfIndex = s.getw()
	m.AFI = s.getw()
	m.PeerAddr, m.LocalAddr = [16]byte{}, [16]byte{}
	switch m.AFI {
	case AFIIPv4:
		s.getInto(m.PeerAddr[:4])
		s.getInto(m.LocalAddr[:4])
	case AFIIPv6:
		m.PeerAddr = s.get16()
		m.LocalAddr = s.get16()
	case 0xffff:
		// Zebra wrote OPEN messages without interface, family and
		// addresses; what was read as those is the marker's start.
		if m.IfIndex != 0xffff {
			return fmt.Errorf("%w: BGP4MP message for AFI %d", ErrMalformed, m.AFI)
		}
		m.IfIndex, m.AFI = 0, AFIIPv4
		s.pos -= 4
	default:
		return fmt.Errorf("%w: BGP4MP message for AFI %d", ErrMalformed, m.AFI)
	}
	return decodeBGP(&s, body, m, size, addPath, fix)
}

// decodeBGP decodes the BGP message at s's position in body (marker
// included) into m's type, size, raw bytes and UPDATE parts.
func decodeBGP(s *stream, body []byte, m *Message, asnSize int, addPath, fix bool) error {
	var marker [16]byte
	msgStart := s.pos
	s.getInto(marker[:])
	if marker != bgpMarker {
		return fmt.Errorf("%w: BGP message marker is not all ones", ErrMalformed)
	}
	m.Size = s.getw()
	expected := int(m.Size) - 18
	if expected < 0 {
		expected = s.left()
	}
	msg := s.sub(expected)
	m.Raw = body[msgStart:s.pos]
	m.Type = msg.getc()
	m.Withdrawn, m.NLRI = m.Withdrawn[:0], m.NLRI[:0]
	if m.Type != MsgUpdate {
		m.Attrs.reset()
		return nil
	}
	parseUpdate(&msg, m, asnSize, addPath, fix)
	return nil
}

// DecodeBGPMessage decodes a bare BGP message, marker included, as a
// collector receives it: as4 tells whether the session uses 4-byte AS
// numbers, addPath whether its NLRI carry path identifiers. The header
// fields of m (peer, local side) are cleared. Decoding is RFC-correct, as
// with DecodeMessage.
func DecodeBGPMessage(msg []byte, as4, addPath bool, m *Message) error {
	m.BGP4MPHeader = BGP4MPHeader{}
	m.AS4, m.Local, m.AddPath = as4, false, addPath
	size := 2
	if as4 {
		size = 4
	}
	if len(msg) < 19 {
		return fmt.Errorf("%w: BGP message of %d bytes", ErrMalformed, len(msg))
	}
	s := stream{b: msg}
	return decodeBGP(&s, msg, m, size, addPath, true)
}

// parseUpdate splits an UPDATE body (after the type byte) into withdrawn
// routes, attributes and NLRI.
func parseUpdate(s *stream, m *Message, asnSize int, addPath, fix bool) {
	w := s.sub(int(s.getw()))
	var ok1, ok2 bool
	m.Withdrawn, ok1 = readPrefixes(&w, m.Withdrawn[:0], false, addPath, fix)
	a := s.sub(int(s.getw()))
	m.Attrs.parse(a.b, asnSize, addPath, fix)
	m.NLRI, ok2 = readPrefixes(s, m.NLRI[:0], false, addPath, fix)
	if !ok1 || !ok2 {
		m.Attrs.warn("prefix longer than 32 bits in IPv4 NLRI")
	}
}

// DecodeBGP5 decodes a deprecated type-5 UPDATE: 2-byte source AS, source
// IPv4, 2-byte destination AS, destination IPv4, then an UPDATE body without
// BGP header.
func DecodeBGP5(body []byte, m *Message) { decodeBGP5(body, m, true) }

func decodeBGP5(body []byte, m *Message, fix bool) {
	s := stream{b: body}
	*m = Message{Withdrawn: m.Withdrawn[:0], NLRI: m.NLRI[:0], Attrs: m.Attrs}
	m.AFI = AFIIPv4
	m.PeerAS = uint32(s.getw())
	s.getInto(m.PeerAddr[:4])
	m.LocalAS = uint32(s.getw())
	s.getInto(m.LocalAddr[:4])
	m.Type = MsgUpdate
	parseUpdate(&s, m, 2, false, fix)
}
