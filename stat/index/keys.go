package index

import (
	"encoding/binary"
	"math"
	"net/netip"
)

// formatVersion is the store format (docs/format/store.md), kept under
// keyVersion; valueVersion is the first byte of every value written by
// this format.
const (
	formatVersion = 1
	valueVersion  = 1
)

// Key tags: the first byte of every key.
const (
	tagMeta       = 'm'
	tagCollector  = 'c'
	tagPeer       = 'e'
	tagAttrs      = 'a'
	tagCheckpoint = 'k'
	tagLog        = 'p'
	tagDown       = 'd'
	tagOrigin     = 'o'
	tagAdjacency  = 'n'
	tagTable      = 't'
	tagSeen       = 'f'
	tagDoc        = 'x'
)

// Log entry types: the last byte of a 'p' key.
const (
	logEvents   = 0
	logSnapshot = 1
)

var (
	keyVersion = []byte("mversion")
	keySeq     = []byte("mseq")
)

// openEnd marks an interval that is still open.
const openEnd = math.MaxInt64

// pfxLen is the length of an encoded prefix: family, 16 address bytes,
// length.
const pfxLen = 18

// appendPrefix appends the fixed 18-byte key form of p: 4 or 6, the
// address (IPv4 in the first 4 bytes, zero padded), the length. Keys of
// one family sort by address then length, so the more-specifics of p are
// one key range.
func appendPrefix(dst []byte, p netip.Prefix) []byte {
	var a [16]byte
	fam := byte(6)
	if p.Addr().Is4() {
		fam = 4
		b := p.Addr().As4()
		copy(a[:], b[:])
	} else {
		a = p.Addr().As16()
	}
	dst = append(dst, fam)
	dst = append(dst, a[:]...)
	return append(dst, byte(p.Bits()))
}

// parsePrefix decodes an 18-byte key prefix.
func parsePrefix(b []byte) (netip.Prefix, bool) {
	if len(b) < pfxLen {
		return netip.Prefix{}, false
	}
	var a netip.Addr
	switch b[0] {
	case 4:
		a = netip.AddrFrom4([4]byte(b[1:5]))
	case 6:
		a = netip.AddrFrom16([16]byte(b[1:17]))
	default:
		return netip.Prefix{}, false
	}
	p, err := a.Prefix(int(b[17]))
	if err != nil || p.Addr() != a {
		return netip.Prefix{}, false
	}
	return p, true
}

// appendTime appends a time in microseconds so that keys sort by time.
func appendTime(dst []byte, t int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(t)^1<<63)
}

func readTime(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ 1<<63) }

// logKey is p | prefix | collector | time | seq | type.
func logKey(dst []byte, p netip.Prefix, coll uint16, t int64, seq uint64, typ byte) []byte {
	dst = append(dst, tagLog)
	dst = appendPrefix(dst, p)
	dst = binary.BigEndian.AppendUint16(dst, coll)
	dst = appendTime(dst, t)
	dst = binary.BigEndian.AppendUint64(dst, seq)
	return append(dst, typ)
}

const logKeyLen = 1 + pfxLen + 2 + 8 + 8 + 1

// downKey is d | collector | time | seq | peer.
func downKey(coll uint16, t int64, seq uint64, peer uint32) []byte {
	k := []byte{tagDown}
	k = binary.BigEndian.AppendUint16(k, coll)
	k = appendTime(k, t)
	k = binary.BigEndian.AppendUint64(k, seq)
	return binary.BigEndian.AppendUint32(k, peer)
}

// originKey is o | origin AS | prefix | collector | start.
func originKey(origin uint32, p netip.Prefix, coll uint16, start int64) []byte {
	k := binary.BigEndian.AppendUint32([]byte{tagOrigin}, origin)
	k = appendPrefix(k, p)
	k = binary.BigEndian.AppendUint16(k, coll)
	return appendTime(k, start)
}

const originKeyLen = 1 + 4 + pfxLen + 2 + 8

// Sides of an adjacency key.
const (
	sideLeft  = 'L'
	sideRight = 'R'
)

// adjKey is n | AS | side | neighbour | collector | start.
func adjKey(as uint32, side byte, nb uint32, coll uint16, start int64) []byte {
	k := binary.BigEndian.AppendUint32([]byte{tagAdjacency}, as)
	k = append(k, side)
	k = binary.BigEndian.AppendUint32(k, nb)
	k = binary.BigEndian.AppendUint16(k, coll)
	return appendTime(k, start)
}

const adjKeyLen = 1 + 4 + 1 + 4 + 2 + 8

// tableKey is t | peer | time.
func tableKey(peer uint32, t int64) []byte {
	k := binary.BigEndian.AppendUint32([]byte{tagTable}, peer)
	return appendTime(k, t)
}

// spanValue is version | end | max peers.
func spanValue(end int64, max uint32) []byte {
	v := []byte{valueVersion}
	v = binary.BigEndian.AppendUint64(v, uint64(end))
	return binary.BigEndian.AppendUint32(v, max)
}

func parseSpanValue(v []byte) (end int64, max uint32, ok bool) {
	if len(v) != 13 || v[0] != valueVersion {
		return 0, 0, false
	}
	return int64(binary.BigEndian.Uint64(v[1:])), binary.BigEndian.Uint32(v[9:]), true
}
