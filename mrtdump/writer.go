package mrtdump

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
)

// ErrEncode reports input the Writer refuses to encode. Errors wrapping it
// leave the Writer usable: nothing of the rejected record is written.
var ErrEncode = errors.New("cannot encode MRT record")

// Writer encodes MRT records (RFC 6396, RFC 8050) to an io.Writer:
// TABLE_DUMP_V2 peer index tables and RIB records, and BGP4MP / BGP4MP_ET
// messages and state changes. Records are assembled in one reusable buffer,
// so encoding does not allocate in steady state; call Flush to write out
// what is buffered. A write error of the underlying writer is sticky: every
// later call returns it.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	w     io.Writer
	buf   []byte
	err   error
	peers int // peers in the last PEER_INDEX_TABLE written, -1 before one
}

// writerFlushAt is the buffered size past which a record's end writes the
// buffer out.
const writerFlushAt = 64 << 10

// NewWriter returns a Writer that encodes to w. Output is buffered: call
// Flush when done.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, writerFlushAt+4<<10), peers: -1}
}

// Flush writes out the buffered records. It returns the first write error
// the Writer met, now or before.
func (w *Writer) Flush() error {
	if w.err == nil && len(w.buf) > 0 {
		n, err := w.w.Write(w.buf)
		if err == nil && n < len(w.buf) {
			err = io.ErrShortWrite
		}
		w.err = err
	}
	w.buf = w.buf[:0]
	return w.err
}

// begin appends an MRT common header with a zero length field (and, for
// BGP4MP_ET, the microsecond field) and returns the record's offset.
func (w *Writer) begin(t uint32, typ Type, sub uint16, micro uint32) int {
	start := len(w.buf)
	b := binary.BigEndian.AppendUint32(w.buf, t)
	b = binary.BigEndian.AppendUint16(b, uint16(typ))
	b = binary.BigEndian.AppendUint16(b, sub)
	b = append(b, 0, 0, 0, 0)
	if typ == TypeBGP4MPET {
		b = binary.BigEndian.AppendUint32(b, micro)
	}
	w.buf = b
	return start
}

// end fills in the length of the record begun at start (for BGP4MP_ET it
// counts the microsecond field, as RFC 6396 section 3 says) and writes the
// buffer out once it is large.
func (w *Writer) end(start int) error {
	n := len(w.buf) - start - 12
	binary.BigEndian.PutUint32(w.buf[start+8:], uint32(n))
	if len(w.buf) >= writerFlushAt {
		return w.Flush()
	}
	return nil
}

// checkBodyLength rejects a record body the MRT length field cannot hold or
// that Reader would refuse (MaxRecordLength).
func checkBodyLength(n uint64) error {
	if n > math.MaxUint32 {
		return fmt.Errorf("%w: record body of %d bytes does not fit the 32-bit MRT length field", ErrEncode, n)
	}
	if n > MaxRecordLength {
		return fmt.Errorf("%w: record body of %d bytes exceeds MaxRecordLength (%d bytes)", ErrEncode, n, MaxRecordLength)
	}
	return nil
}

// WritePeerIndexTable writes a TABLE_DUMP_V2 PEER_INDEX_TABLE with header
// time t. Every peer is written with a 4-byte AS number (peer type bit 0x02)
// and, when Peer.IPv6 is set, a 16-byte address (bit 0x01); an IPv4 peer's
// address is the first 4 bytes of Peer.Addr. The table becomes the one
// WriteRIB checks peer indexes against.
func (w *Writer) WritePeerIndexTable(t uint32, pit *PeerIndexTable) error {
	if w.err != nil {
		return w.err
	}
	if pit == nil {
		return fmt.Errorf("%w: nil PEER_INDEX_TABLE", ErrEncode)
	}
	if len(pit.ViewName) > math.MaxUint16 {
		return fmt.Errorf("%w: PEER_INDEX_TABLE view name of %d bytes exceeds 65535", ErrEncode, len(pit.ViewName))
	}
	if len(pit.Peers) > math.MaxUint16 {
		return fmt.Errorf("%w: PEER_INDEX_TABLE with %d peers exceeds 65535", ErrEncode, len(pit.Peers))
	}
	start := w.begin(t, TypeTableDumpV2, SubPeerIndexTable, 0)
	b := append(w.buf, pit.CollectorID[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(pit.ViewName)))
	b = append(b, pit.ViewName...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(pit.Peers)))
	for i := range pit.Peers {
		p := &pit.Peers[i]
		if p.IPv6 {
			b = append(b, 0x03)
			b = append(b, p.BGPID[:]...)
			b = append(b, p.Addr[:]...)
		} else {
			b = append(b, 0x02)
			b = append(b, p.BGPID[:]...)
			b = append(b, p.Addr[:4]...)
		}
		b = binary.BigEndian.AppendUint32(b, p.AS)
	}
	w.buf = b
	w.peers = len(pit.Peers)
	return w.end(start)
}

// ribSubtype returns the TABLE_DUMP_V2 RIB subtype for a family.
func ribSubtype(v6 bool, safi uint8, addPath bool) uint16 {
	sub := SubRIBIPv4Unicast
	if v6 {
		sub = SubRIBIPv6Unicast
	}
	if safi == 2 {
		sub++ // the multicast subtype follows the unicast one
	}
	if addPath {
		sub += SubRIBIPv4UnicastAddPath - SubRIBIPv4Unicast
	}
	return sub
}

// WriteRIB writes a TABLE_DUMP_V2 RIB record with header time t. The
// subtype follows from rib.Prefix.IPv6, rib.SAFI (1 unicast, 2 multicast)
// and rib.AddPath; path identifiers are written only with AddPath. The
// prefix is written as given: (Bits+7)/8 bytes of Prefix.Addr, host bits
// included. Sequence is written as given too. Entries' Attrs are copied as
// they are: RFC 6396 wants them encoded with 4-byte AS numbers (see
// AttrsTo4). Every entry's PeerIndex must name a peer of the last
// PEER_INDEX_TABLE written.
func (w *Writer) WriteRIB(t uint32, rib *RIB) error {
	if w.err != nil {
		return w.err
	}
	if rib == nil {
		return fmt.Errorf("%w: nil RIB", ErrEncode)
	}
	if w.peers < 0 {
		return fmt.Errorf("%w: RIB record before any PEER_INDEX_TABLE", ErrEncode)
	}
	if rib.SAFI != 1 && rib.SAFI != 2 {
		return fmt.Errorf("%w: RIB SAFI %d: only 1 (unicast) and 2 (multicast) have a RIB subtype", ErrEncode, rib.SAFI)
	}
	if !rib.Prefix.Valid() {
		return fmt.Errorf("%w: RIB prefix length %d is too long for its address family", ErrEncode, rib.Prefix.Bits)
	}
	if len(rib.Entries) > math.MaxUint16 {
		return fmt.Errorf("%w: RIB record with %d entries exceeds 65535", ErrEncode, len(rib.Entries))
	}
	nb := (int(rib.Prefix.Bits) + 7) / 8
	size := uint64(4 + 1 + nb + 2)
	fixed := uint64(8)
	if rib.AddPath {
		fixed += 4
	}
	for i := range rib.Entries {
		e := &rib.Entries[i]
		if int(e.PeerIndex) >= w.peers {
			return fmt.Errorf("%w: RIB entry %d: peer index %d is out of range: the last PEER_INDEX_TABLE has %d peers", ErrEncode, i, e.PeerIndex, w.peers)
		}
		if len(e.Attrs) > math.MaxUint16 {
			return fmt.Errorf("%w: RIB entry %d: %d attribute bytes exceed 65535", ErrEncode, i, len(e.Attrs))
		}
		size += fixed + uint64(len(e.Attrs))
	}
	if err := checkBodyLength(size); err != nil {
		return err
	}
	start := w.begin(t, TypeTableDumpV2, ribSubtype(rib.Prefix.IPv6, rib.SAFI, rib.AddPath), 0)
	b := binary.BigEndian.AppendUint32(w.buf, rib.Sequence)
	b = append(b, rib.Prefix.Bits)
	b = append(b, rib.Prefix.Addr[:nb]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rib.Entries)))
	for i := range rib.Entries {
		e := &rib.Entries[i]
		b = binary.BigEndian.AppendUint16(b, e.PeerIndex)
		b = binary.BigEndian.AppendUint32(b, e.OriginatedTime)
		if rib.AddPath {
			b = binary.BigEndian.AppendUint32(b, e.PathID)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(e.Attrs)))
		b = append(b, e.Attrs...)
	}
	w.buf = b
	return w.end(start)
}

// BGP4MPInfo is what a BGP4MP or BGP4MP_ET record says besides its BGP
// message or state change.
type BGP4MPInfo struct {
	// Time is the header time in Unix seconds. Microseconds is written
	// only with ET, which selects type BGP4MP_ET (17); it must be below
	// 1,000,000.
	Time, Microseconds uint32
	ET                 bool
	// PeerAS and LocalAS are the AS numbers of the peer and the
	// collector; without AS4 both must fit 2 bytes (use AS_TRANS).
	PeerAS, LocalAS uint32
	IfIndex         uint16
	// PeerAddr and LocalAddr must be of the same family: IPv4 or IPv6
	// (an IPv4-mapped IPv6 address counts as IPv6). Zones are dropped.
	PeerAddr, LocalAddr netip.Addr
	// AS4 selects the _AS4 subtypes (4-byte AS numbers in the record
	// header; for messages it also says the session uses 4-byte ASNs).
	AS4 bool
	// AddPath selects the _ADDPATH message subtypes (RFC 8050) and Local
	// the _LOCAL ones (a message the collector sent). State changes
	// ignore both.
	AddPath, Local bool
}

// bgp4mpHeader appends the record header and the AS numbers, interface and
// addresses of h, and returns the record's offset.
func (w *Writer) bgp4mpHeader(h *BGP4MPInfo, sub uint16) int {
	typ := TypeBGP4MP
	if h.ET {
		typ = TypeBGP4MPET
	}
	start := w.begin(h.Time, typ, sub, h.Microseconds)
	b := w.buf
	if h.AS4 {
		b = binary.BigEndian.AppendUint32(b, h.PeerAS)
		b = binary.BigEndian.AppendUint32(b, h.LocalAS)
	} else {
		b = binary.BigEndian.AppendUint16(b, uint16(h.PeerAS))
		b = binary.BigEndian.AppendUint16(b, uint16(h.LocalAS))
	}
	b = binary.BigEndian.AppendUint16(b, h.IfIndex)
	if h.PeerAddr.Is4() {
		b = binary.BigEndian.AppendUint16(b, AFIIPv4)
		p, l := h.PeerAddr.As4(), h.LocalAddr.As4()
		b = append(b, p[:]...)
		b = append(b, l[:]...)
	} else {
		b = binary.BigEndian.AppendUint16(b, AFIIPv6)
		p, l := h.PeerAddr.As16(), h.LocalAddr.As16()
		b = append(b, p[:]...)
		b = append(b, l[:]...)
	}
	w.buf = b
	return start
}

// checkInfo validates the parts of h every BGP4MP record uses.
func checkInfo(h *BGP4MPInfo) error {
	switch {
	case h == nil:
		return fmt.Errorf("%w: nil BGP4MPInfo", ErrEncode)
	case !h.PeerAddr.IsValid():
		return fmt.Errorf("%w: BGP4MP record without PeerAddr", ErrEncode)
	case !h.LocalAddr.IsValid():
		return fmt.Errorf("%w: BGP4MP record without LocalAddr", ErrEncode)
	case h.PeerAddr.Is4() != h.LocalAddr.Is4():
		return fmt.Errorf("%w: BGP4MP PeerAddr %s and LocalAddr %s are of different address families", ErrEncode, h.PeerAddr, h.LocalAddr)
	case !h.AS4 && (h.PeerAS > math.MaxUint16 || h.LocalAS > math.MaxUint16):
		return fmt.Errorf("%w: BGP4MP PeerAS %d / LocalAS %d do not fit the 2-byte subtype: set AS4 or use AS_TRANS", ErrEncode, h.PeerAS, h.LocalAS)
	case h.ET && h.Microseconds >= 1_000_000:
		return fmt.Errorf("%w: BGP4MP_ET microseconds %d are not below 1000000", ErrEncode, h.Microseconds)
	}
	return nil
}

// messageSubtype returns the BGP4MP message subtype for the flags.
func messageSubtype(as4, local, addPath bool) uint16 {
	switch {
	case addPath:
		sub := SubMessageAddPath
		if local {
			sub += 2
		}
		if as4 {
			sub++
		}
		return sub
	case local && as4:
		return SubMessageAS4Local
	case local:
		return SubMessageLocal
	case as4:
		return SubMessageAS4
	}
	return SubMessage
}

// WriteMessage writes a BGP4MP (or, with h.ET, BGP4MP_ET) MESSAGE record.
// msg is the whole BGP message exactly as received: 16-byte all-ones
// marker, length (which must equal len(msg)), type and body. The subtype is
// MESSAGE, MESSAGE_AS4, a _LOCAL or an _ADDPATH one according to h.AS4,
// h.Local and h.AddPath.
func (w *Writer) WriteMessage(h *BGP4MPInfo, msg []byte) error {
	if w.err != nil {
		return w.err
	}
	if err := checkInfo(h); err != nil {
		return err
	}
	if len(msg) < 19 {
		return fmt.Errorf("%w: BGP message of %d bytes is shorter than the 19-byte header", ErrEncode, len(msg))
	}
	if [16]byte(msg[:16]) != bgpMarker {
		return fmt.Errorf("%w: BGP message marker is not all ones", ErrEncode)
	}
	if n := binary.BigEndian.Uint16(msg[16:]); int(n) != len(msg) {
		return fmt.Errorf("%w: BGP message length field says %d bytes, message has %d", ErrEncode, n, len(msg))
	}
	start := w.bgp4mpHeader(h, messageSubtype(h.AS4, h.Local, h.AddPath))
	w.buf = append(w.buf, msg...)
	return w.end(start)
}

// WriteStateChange writes a BGP4MP (or, with h.ET, BGP4MP_ET) STATE_CHANGE
// record, or STATE_CHANGE_AS4 with h.AS4. The states are BGP FSM numbers
// (1 Idle ... 6 Established).
func (w *Writer) WriteStateChange(h *BGP4MPInfo, oldState, newState uint16) error {
	if w.err != nil {
		return w.err
	}
	if err := checkInfo(h); err != nil {
		return err
	}
	sub := SubStateChange
	if h.AS4 {
		sub = SubStateChangeAS4
	}
	start := w.bgp4mpHeader(h, sub)
	b := binary.BigEndian.AppendUint16(w.buf, oldState)
	w.buf = binary.BigEndian.AppendUint16(b, newState)
	return w.end(start)
}

// AppendAttr appends a BGP path attribute (RFC 4271 §4.3) to b: flags and
// type, then the value's length in one byte, or in two with the
// Extended Length flag set when the value is longer than 255 bytes (the
// flag is cleared otherwise).
func AppendAttr(b []byte, flags, typ byte, v []byte) []byte {
	if len(v) > 255 {
		b = append(b, flags|0x10, typ)
		b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	} else {
		b = append(b, flags&^0x10, typ, byte(len(v)))
	}
	return append(b, v...)
}
