package mrtdump

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"sync"
)

// This file turns what older record types hold into what Writer writes:
// path attributes of 2-byte-ASN sessions into the 4-byte form TABLE_DUMP_V2
// requires, TABLE_DUMP (v1) entries into TABLE_DUMP_V2 RIB entries, and
// deprecated type-5 records into BGP4MP ones.

// attrsPool recycles the Attrs that AttrsTo4 merges AS paths in, so that
// steady-state conversion does not allocate.
var attrsPool = sync.Pool{New: func() any { return new(Attrs) }}

// AttrsTo4 appends to dst the path attribute block attrs (without its
// length field) of a session whose AS numbers are asnSize (2 or 4) bytes
// long, encoded with 4-byte AS numbers as TABLE_DUMP_V2 RIB entries require
// (RFC 6396 section 4.3.4).
//
// With asnSize 4 the block is copied unchanged. With asnSize 2:
//   - AS_PATH is widened to 4-byte ASNs, merged with AS4_PATH as RFC 6793
//     section 4.2.3 (and Attrs.Parse, and bgpdump) do: the leading ASNs of
//     AS_PATH that AS4_PATH does not cover, then AS4_PATH; when AGGREGATOR
//     holds a real ASN next to an AS4_AGGREGATOR, AS4_PATH is ignored.
//   - AGGREGATOR is widened; when it holds AS_TRANS, the AS4_AGGREGATOR AS
//     and address replace it. An 8-byte AGGREGATOR (OpenBGPD writes those
//     into 2-byte TABLE_DUMP records) is already 4-byte and kept.
//   - AS4_PATH and AS4_AGGREGATOR are dropped; a malformed one is ignored
//     (RFC 6793 section 6).
//   - every other attribute is copied byte for byte, flags included.
//
// Widened attributes keep their flags, with extended length set when the
// value no longer fits 255 bytes. With asnSize 2 it returns an error
// wrapping ErrMalformed for a truncated attribute, a malformed AS_PATH or
// AGGREGATOR, a repeated AS_PATH, AGGREGATOR, AS4_PATH or AS4_AGGREGATOR,
// or an AS_PATH too long to widen, and one wrapping ErrEncode for an
// asnSize other than 2 or 4; dst is then returned unchanged. Steady-state
// use (dst reused) does not allocate.
func AttrsTo4(dst, attrs []byte, asnSize int) ([]byte, error) {
	switch asnSize {
	case 4:
		return append(dst, attrs...), nil
	case 2:
	default:
		return dst, fmt.Errorf("%w: AttrsTo4: ASN size %d, want 2 or 4", ErrEncode, asnSize)
	}
	a := attrsPool.Get().(*Attrs)
	defer func() {
		a.ASPath, a.AS4Path = nil, nil // do not keep the caller's bytes
		attrsPool.Put(a)
	}()
	if err := collectAS4(a, attrs); err != nil {
		return dst, err
	}
	a.mergeAS4()
	start := len(dst)
	for b := attrs; len(b) > 0; {
		flags, typ, hl, n := attrHeader(b)
		switch typ {
		case AttrASPath:
			path, size := a.ASPath, a.ASNSize
			wide := len(path)
			if size == 2 {
				wide = widePathLen(path)
			}
			if wide > math.MaxUint16 {
				return dst[:start], fmt.Errorf("%w: AS_PATH of %d bytes once widened to 4-byte ASNs", ErrMalformed, wide)
			}
			dst = appendAttrHeader(dst, flags, typ, wide)
			if size == 2 {
				dst = appendWidePath(dst, path)
			} else {
				dst = append(dst, path...)
			}
		case AttrAggregator:
			dst = appendAttrHeader(dst, flags, typ, 8)
			dst = binary.BigEndian.AppendUint32(dst, a.AggregatorAS)
			dst = append(dst, a.AggregatorAddr[:]...)
		case AttrAS4Path, AttrAS4Aggregator:
		default:
			dst = append(dst, b[:hl+n]...)
		}
		b = b[hl+n:]
	}
	return dst, nil
}

// attrHeader splits the header of the attribute b starts with: flags, type,
// header length and value length. The caller has checked it fits.
func attrHeader(b []byte) (flags, typ uint8, hl, n int) {
	flags, typ = b[0], b[1]
	if flags&0x10 != 0 {
		return flags, typ, 4, int(binary.BigEndian.Uint16(b[2:]))
	}
	return flags, typ, 3, int(b[2])
}

// appendAttrHeader appends an attribute header for an n-byte value, setting
// the extended length flag when n needs it.
func appendAttrHeader(dst []byte, flags, typ uint8, n int) []byte {
	if n > 255 {
		flags |= 0x10
	}
	if flags&0x10 != 0 {
		dst = append(dst, flags, typ)
		return binary.BigEndian.AppendUint16(dst, uint16(n))
	}
	return append(dst, flags, typ, byte(n))
}

// collectAS4 checks the framing of a 2-byte session's attribute block and
// loads into a what mergeAS4 needs: AS_PATH, AS4_PATH and both aggregators.
func collectAS4(a *Attrs, attrs []byte) error {
	a.Flags = 0
	a.ASPath, a.AS4Path, a.ASNSize = nil, nil, 2
	a.AggregatorAS, a.AggregatorAddr = 0, [4]byte{255, 255, 255, 255}
	a.AS4AggregatorAS, a.AS4AggregatorAddr = 0, [4]byte{255, 255, 255, 255}
	var seen uint64
	for b := attrs; len(b) > 0; {
		if len(b) < 3 || (b[0]&0x10 != 0 && len(b) < 4) {
			return fmt.Errorf("%w: attribute header truncated: %d bytes left", ErrMalformed, len(b))
		}
		_, typ, hl, n := attrHeader(b)
		if len(b) < hl+n {
			return fmt.Errorf("%w: attribute type %d truncated: declared %d bytes, %d left", ErrMalformed, typ, n, len(b)-hl)
		}
		v := b[hl : hl+n]
		b = b[hl+n:]
		switch typ {
		case AttrASPath, AttrAggregator, AttrAS4Path, AttrAS4Aggregator:
			if seen&(1<<typ) != 0 {
				return fmt.Errorf("%w: attribute type %d appears twice", ErrMalformed, typ)
			}
			seen |= 1 << typ
		}
		switch typ {
		case AttrASPath:
			if !validPath(v, 2) {
				return fmt.Errorf("%w: malformed 2-byte AS_PATH", ErrMalformed)
			}
			a.ASPath = v
		case AttrAS4Path:
			if !validPath(v, 4) {
				continue
			}
			a.AS4Path = v
		case AttrAggregator:
			switch n {
			case 6:
				a.AggregatorAS = uint32(binary.BigEndian.Uint16(v))
				a.AggregatorAddr = [4]byte(v[2:])
			case 8:
				a.AggregatorAS = binary.BigEndian.Uint32(v)
				a.AggregatorAddr = [4]byte(v[4:])
			default:
				return fmt.Errorf("%w: AGGREGATOR of %d bytes", ErrMalformed, n)
			}
		case AttrAS4Aggregator:
			if n != 8 {
				continue
			}
			a.AS4AggregatorAS = binary.BigEndian.Uint32(v)
			a.AS4AggregatorAddr = [4]byte(v[4:])
		default:
			continue
		}
		a.Flags |= 1 << typ
	}
	return nil
}

// validPath reports whether p is a well-formed AS path of size-byte ASNs.
func validPath(p []byte, size int) bool {
	for len(p) > 0 {
		if len(p) < 2 {
			return false
		}
		typ, n := p[0], int(p[1])
		if typ < SegSet || typ > SegConfedSet || len(p) < 2+size*n {
			return false
		}
		p = p[2+size*n:]
	}
	return true
}

// widePathLen is the length of the well-formed 2-byte path p once widened:
// two more bytes per ASN.
func widePathLen(p []byte) int {
	n := len(p)
	for len(p) >= 2 {
		c := int(p[1])
		n += 2 * c
		p = p[2+2*c:]
	}
	return n
}

// appendWidePath appends the well-formed 2-byte path p with 4-byte ASNs.
func appendWidePath(dst, p []byte) []byte {
	for len(p) >= 2 {
		typ, c := p[0], int(p[1])
		dst = append(dst, typ, byte(c))
		for i := range c {
			dst = append(dst, 0, 0, p[2+2*i], p[3+2*i])
		}
		p = p[2+2*c:]
	}
	return dst
}

// tableDumpPeer returns the PEER_INDEX_TABLE entry for the peer of a
// TABLE_DUMP (v1) entry. TABLE_DUMP does not record the peer's BGP ID, so
// it is 0.0.0.0.
func tableDumpPeer(td *TableDumpV1) Peer {
	return Peer{Addr: td.PeerAddr, IPv6: td.PeerIPv6, AS: td.PeerAS}
}

// tableDumpEntry returns the TABLE_DUMP_V2 RIB entry for the current entry
// of td, whose peer is peers' entry peerIndex. Its attributes are
// re-encoded with 4-byte ASNs and appended to buf, which is returned.
// TABLE_DUMP's view number and status byte have no place in TABLE_DUMP_V2
// and are dropped.
func tableDumpEntry(buf []byte, td *TableDumpV1, peerIndex uint16) (RIBEntry, []byte, error) {
	start := len(buf)
	buf, err := AttrsTo4(buf, td.Attrs, td.ASNSize)
	if err != nil {
		return RIBEntry{}, buf, err
	}
	return RIBEntry{PeerIndex: peerIndex, OriginatedTime: td.OriginatedTime, Attrs: buf[start:len(buf):len(buf)]}, buf, nil
}

// bgp5Header reads the peer (source) and local (destination) AS and IPv4
// address that start a type-5 UPDATE body.
func bgp5Header(t uint32, body []byte) BGP4MPInfo {
	return BGP4MPInfo{
		Time:      t,
		PeerAS:    uint32(binary.BigEndian.Uint16(body[0:])),
		PeerAddr:  netip.AddrFrom4([4]byte(body[2:6])),
		LocalAS:   uint32(binary.BigEndian.Uint16(body[6:])),
		LocalAddr: netip.AddrFrom4([4]byte(body[8:12])),
	}
}

// bgp5Update converts the body of a deprecated type-5 UPDATE record (MRTd:
// source AS and IPv4 address, destination AS and address, then an UPDATE
// without BGP header) recorded at time t to what WriteMessage takes: the
// BGP4MP header of a 2-byte session and, appended to dst, the UPDATE with a
// synthesized BGP header (marker, length, type 2).
func bgp5Update(dst []byte, t uint32, body []byte) (BGP4MPInfo, []byte, error) {
	if len(body) < 12+4 {
		return BGP4MPInfo{}, dst, fmt.Errorf("%w: type-5 UPDATE of %d bytes", ErrMalformed, len(body))
	}
	upd := body[12:]
	wl := int(binary.BigEndian.Uint16(upd))
	if 2+wl+2 > len(upd) {
		return BGP4MPInfo{}, dst, fmt.Errorf("%w: type-5 UPDATE: %d withdrawn route bytes declared, %d left", ErrMalformed, wl, len(upd)-2)
	}
	if al := int(binary.BigEndian.Uint16(upd[2+wl:])); 2+wl+2+al > len(upd) {
		return BGP4MPInfo{}, dst, fmt.Errorf("%w: type-5 UPDATE: %d attribute bytes declared, %d left", ErrMalformed, al, len(upd)-wl-4)
	}
	n := 19 + len(upd)
	if n > math.MaxUint16 {
		return BGP4MPInfo{}, dst, fmt.Errorf("%w: type-5 UPDATE of %d bytes does not fit a BGP message", ErrMalformed, len(upd))
	}
	dst = append(dst, bgpMarker[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	dst = append(dst, MsgUpdate)
	dst = append(dst, upd...)
	return bgp5Header(t, body), dst, nil
}

// bgp5StateChange converts the body of a deprecated type-5 STATE_CHANGE
// record (peer AS, peer IPv4 address, old and new state) recorded at time t
// to what WriteStateChange takes. The record does not name the local side:
// LocalAS is 0 and LocalAddr 0.0.0.0.
func bgp5StateChange(t uint32, body []byte) (h BGP4MPInfo, oldState, newState uint16, err error) {
	if len(body) != 10 {
		return h, 0, 0, fmt.Errorf("%w: type-5 STATE_CHANGE of %d bytes, want 10", ErrMalformed, len(body))
	}
	h = BGP4MPInfo{
		Time:      t,
		PeerAS:    uint32(binary.BigEndian.Uint16(body)),
		PeerAddr:  netip.AddrFrom4([4]byte(body[2:6])),
		LocalAddr: netip.IPv4Unspecified(),
	}
	return h, binary.BigEndian.Uint16(body[6:]), binary.BigEndian.Uint16(body[8:]), nil
}
