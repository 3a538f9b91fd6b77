package mrtdump

import "strconv"

// digitPairs holds "00" to "99" for two-digits-at-a-time formatting.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendUint appends v in decimal. It is the formatter's hot path, so it
// writes digits in place instead of going through strconv.
func appendUint(dst []byte, v uint64) []byte {
	if v < 10 {
		return append(dst, byte('0'+v))
	}
	if v >= 1e19 {
		return strconv.AppendUint(dst, v, 10)
	}
	n := 2
	for t := uint64(100); n < 19 && v >= t; t *= 10 {
		n++
	}
	l := len(dst)
	if cap(dst)-l < n {
		dst = append(dst, make([]byte, n)...)
	} else {
		dst = dst[:l+n]
	}
	i := l + n
	for v >= 100 {
		q := v / 100
		r := (v - q*100) * 2
		i -= 2
		dst[i], dst[i+1] = digitPairs[r], digitPairs[r+1]
		v = q
	}
	if v >= 10 {
		dst[i-2], dst[i-1] = digitPairs[2*v], digitPairs[2*v+1]
	} else {
		dst[i-1] = byte('0' + v)
	}
	return dst
}

// appendIPv4 formats a dotted quad as inet_ntoa does.
func appendIPv4(dst []byte, a []byte) []byte {
	dst = appendByte(dst, a[0])
	dst = append(dst, '.')
	dst = appendByte(dst, a[1])
	dst = append(dst, '.')
	dst = appendByte(dst, a[2])
	dst = append(dst, '.')
	return appendByte(dst, a[3])
}

func appendByte(dst []byte, b byte) []byte {
	switch {
	case b >= 100:
		r := (b % 100) * 2
		return append(dst, '0'+b/100, digitPairs[r], digitPairs[r+1])
	case b >= 10:
		return append(dst, digitPairs[2*b], digitPairs[2*b+1])
	}
	return append(dst, '0'+b)
}

const hexDigits = "0123456789abcdef"

// appendIPv6 formats an IPv6 address exactly as glibc's inet_ntop does for
// bgpdump: the first longest run of zero groups, even a single one, becomes
// "::", and
// IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses
// end in a dotted quad.
func appendIPv6(dst []byte, a *[16]byte) []byte {
	var w [8]uint16
	for i := range w {
		w[i] = uint16(a[2*i])<<8 | uint16(a[2*i+1])
	}
	bestBase, bestLen := -1, 0
	curBase, curLen := -1, 0
	for i, v := range w {
		if v == 0 {
			if curBase < 0 {
				curBase, curLen = i, 1
			} else {
				curLen++
			}
			continue
		}
		if curBase >= 0 {
			if bestBase < 0 || curLen > bestLen {
				bestBase, bestLen = curBase, curLen
			}
			curBase = -1
		}
	}
	if curBase >= 0 && (bestBase < 0 || curLen > bestLen) {
		bestBase, bestLen = curBase, curLen
	}
	for i := 0; i < 8; i++ {
		if bestBase >= 0 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				dst = append(dst, ':')
			}
			continue
		}
		if i != 0 {
			dst = append(dst, ':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff)) {
			return appendIPv4(dst, a[12:16])
		}
		dst = appendHex16(dst, w[i])
	}
	if bestBase >= 0 && bestBase+bestLen == 8 {
		dst = append(dst, ':')
	}
	return dst
}

func appendHex16(dst []byte, v uint16) []byte {
	started := false
	for shift := 12; shift >= 0; shift -= 4 {
		d := (v >> shift) & 0xf
		if d != 0 || started || shift == 0 {
			dst = append(dst, hexDigits[d])
			started = true
		}
	}
	return dst
}

func appendPrefix(dst []byte, p Prefix) []byte {
	if p.IPv6 {
		dst = appendIPv6(dst, &p.Addr)
	} else {
		dst = appendIPv4(dst, p.Addr[:4])
	}
	dst = append(dst, '/')
	return appendUint(dst, uint64(p.Bits))
}

// maxASPathText is bgpdump's AS path string buffer: past it the path is cut
// and ends in "...".
const maxASPathText = 8000

// appendASPath formats AS path segments as bgpdump does: sequences separated
// by spaces, sets in braces with commas, confederation sequences in
// parentheses, confederation sets in brackets; a malformed path prints as
// "! Error !".
func appendASPath(dst []byte, p []byte, size int) []byte {
	start := len(dst)
	space := false
	prev := SegSequence
	var last uint8
	seen := false
	for len(p) > 0 {
		if len(p) < 2 {
			return append(dst[:start], "! Error !"...)
		}
		typ, n := p[0], int(p[1])
		if typ < SegSet || typ > SegConfedSet || 2+n*size > len(p) {
			return append(dst[:start], "! Error !"...)
		}
		if prev != SegSequence {
			dst = append(dst, segEnd(prev))
		}
		if space {
			dst = append(dst, ' ')
		}
		if typ != SegSequence {
			dst = append(dst, segStart(typ))
		}
		space = false
		for i := range n {
			if space {
				if typ == SegSet || typ == SegConfedSet {
					dst = append(dst, ',')
				} else {
					dst = append(dst, ' ')
				}
			} else {
				space = true
			}
			var asn uint32
			if size == 2 {
				asn = uint32(p[2+2*i])<<8 | uint32(p[3+2*i])
			} else {
				o := 2 + 4*i
				asn = uint32(p[o])<<24 | uint32(p[o+1])<<16 | uint32(p[o+2])<<8 | uint32(p[o+3])
			}
			dst = appendUint(dst, uint64(asn))
			if len(dst)-start > maxASPathText-100 {
				return append(dst, "..."...)
			}
		}
		prev = typ
		last = typ
		seen = true
		p = p[2+n*size:]
	}
	if seen && last != SegSequence {
		dst = append(dst, segEnd(last))
	}
	return dst
}

func segStart(t uint8) byte {
	switch t {
	case SegSet:
		return '{'
	case SegConfedSet:
		return '['
	case SegConfedSequence:
		return '('
	}
	return ' '
}

func segEnd(t uint8) byte {
	switch t {
	case SegSet:
		return '}'
	case SegConfedSet:
		return ']'
	case SegConfedSequence:
		return ')'
	}
	return ' '
}

// communityText is bgpdump's community string buffer size (BUFSIZ).
const communityText = 8192

// appendCommunities formats standard communities as bgpdump does, without
// the leading space: "asn:value" in decimal, and the three well-known values
// by name. Like bgpdump, it builds the text in a BUFSIZ buffer: numbers that
// do not fit are cut, names that do not fit are left out.
func appendCommunities(dst []byte, c []byte) []byte {
	total := 0 // bytes in bgpdump's buffer, counting the leading space
	var piece [24]byte
	for i := 0; i+4 <= len(c); i += 4 {
		v := uint32(c[i])<<24 | uint32(c[i+1])<<16 | uint32(c[i+2])<<8 | uint32(c[i+3])
		p := append(piece[:0], ' ')
		named := true
		switch v {
		case 0xFFFFFF01:
			p = append(p, "no-export"...)
		case 0xFFFFFF02:
			p = append(p, "no-advertise"...)
		case 0xFFFFFF03:
			p = append(p, "local-AS"...)
		default:
			named = false
			p = appendUint(p, uint64(v>>16))
			p = append(p, ':')
			p = appendUint(p, uint64(v&0xffff))
		}
		if named {
			if total+len(p) >= communityText {
				continue
			}
		} else if room := communityText - 1 - total; len(p) > room {
			p = p[:max(room, 0)]
		}
		if total == 0 && len(p) > 0 {
			dst = append(dst, p[1:]...)
		} else {
			dst = append(dst, p...)
		}
		total += len(p)
	}
	return dst
}

// appendLargeCommunities formats large communities (RFC 8092) as
// "global:local1:local2", space-separated.
func appendLargeCommunities(dst []byte, c []byte) []byte {
	for i := 0; i+12 <= len(c); i += 12 {
		if i > 0 {
			dst = append(dst, ' ')
		}
		for j := 0; j < 3; j++ {
			if j > 0 {
				dst = append(dst, ':')
			}
			o := i + 4*j
			dst = appendUint(dst, uint64(uint32(c[o])<<24|uint32(c[o+1])<<16|uint32(c[o+2])<<8|uint32(c[o+3])))
		}
	}
	return dst
}
