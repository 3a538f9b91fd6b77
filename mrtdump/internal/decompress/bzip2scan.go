package decompress

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A bzip2 stream is "BZh" and a level digit, then blocks, each starting
// with a 48-bit block magic, then a 48-bit end-of-stream magic, the 32-bit
// stream checksum and zero bits up to the next byte boundary. Blocks are
// not byte-aligned: each starts wherever the previous one's Huffman-coded
// data ended.
const (
	bzBlockMagic = 0x314159265359 // BCD of pi
	bzEndMagic   = 0x177245385090 // BCD of sqrt(pi)
	bzMagicBits  = 48
	bzMask48     = 1<<48 - 1
	// bzTrailerBits is the end-of-stream magic and the stream checksum.
	bzTrailerBits = bzMagicBits + 32
	// bzHeader starts the one-block stream a segment is wrapped in. Level 9
	// admits blocks of every level; the block's checksum still vouches for
	// its content.
	bzHeader = "BZh9"
)

// maxSegmentBits bounds how far the scanner looks for the next magic. A
// block from an ordinary encoder is at most about 2.3 MB: 900,000 symbols
// of at most 20 bits, plus its tables. Anything longer is damage (or a
// crafted input) and ends decoding with errNoBoundary.
const maxSegmentBits = 3 << 20 * 8

// scanChunk is how much compressed input the scanner reads at a time.
const scanChunk = 256 << 10

var errNoBoundary = errors.New("no bzip2 block boundary within 3 MiB")

// bzFilter maps the byte that follows a magic's first (possibly partial)
// byte to the bit shifts at which that magic would put it there: bit s
// for the block magic starting s bits into a byte, bit 8+s for the
// end-of-stream magic. Only bytes with a non-zero entry can start a magic
// one byte earlier.
var bzFilter = func() (t [256]uint16) {
	block, end := uint64(bzBlockMagic), uint64(bzEndMagic)
	for s := range 8 {
		t[byte(block>>(32+s))] |= 1 << s
		t[byte(end>>(32+s))] |= 1 << (8 + s)
	}
	return t
}()

// segKind tells what a segment starts with.
type segKind uint8

const (
	segHeader segKind = iota // the input's first bytes ("BZh9")
	segBlock                 // a block magic
	segEnd                   // an end-of-stream magic
)

// A segment is the compressed bits from one magic-number match (or the
// start of the input) to the next match (or the end of the input).
// Normally a block segment is exactly one block; a magic pattern that
// occurs by chance inside a block's data splits it into several segments,
// which the reader merges again.
type segment struct {
	kind  segKind
	start int64 // offset of the first bit in the compressed input
	nbits int64
	// stream is bzHeader, the segment's bits shifted to start at a byte
	// boundary, then (block segments) the end-of-stream magic and the
	// block's checksum: a one-block bzip2 stream, ready to decode.
	stream []byte
	crc    uint32 // block segments: the checksum stored after the magic
	last   bool   // the input ends with this segment
	err    error  // read error that ended the input, or errNoBoundary

	// Set by a worker before it closes done (block segments only).
	done   chan struct{}
	out    []byte
	decErr error
}

// bits returns the segment's bits, starting at a byte boundary. The bits
// past nbits in the last byte belong to the trailer, if any.
func (s *segment) bits() []byte { return s.stream[len(bzHeader) : len(bzHeader)+int((s.nbits+7)/8)] }

// byteOffset is the compressed byte in which the segment starts.
func (s *segment) byteOffset() int64 { return s.start / 8 }

// newSegment builds a segment from nbits bits of src, starting shift bits
// into src[0].
func newSegment(kind segKind, start int64, src []byte, shift uint, nbits int64) *segment {
	n := int((nbits + 7) / 8)
	seg := &segment{kind: kind, start: start, nbits: nbits}
	seg.stream = make([]byte, len(bzHeader)+n, len(bzHeader)+n+(bzTrailerBits+7)/8+1)
	copy(seg.stream, bzHeader)
	copyBits(seg.stream[len(bzHeader):], src, shift, nbits)
	if kind == segBlock {
		if nbits >= bzMagicBits+32 {
			seg.crc = uint32(getBits(seg.bits(), bzMagicBits, 32))
		}
		seg.stream = appendTrailer(seg.stream, int64(len(bzHeader))*8+nbits, seg.crc)
	}
	return seg
}

// appendTrailer writes the end-of-stream magic and crc at bit pos of b,
// whose bits from pos on are zero, and returns b cut after the last byte.
func appendTrailer(b []byte, pos int64, crc uint32) []byte {
	end := int((pos + bzTrailerBits + 7) / 8)
	for len(b) < end {
		b = append(b, 0)
	}
	putBits(b, pos, bzEndMagic, bzMagicBits)
	putBits(b, pos+bzMagicBits, uint64(crc), 32)
	return b[:end]
}

// copyBits copies nbits bits, starting shift (< 8) bits into src[0], to
// dst, which must hold (nbits+7)/8 bytes. Bits past nbits in dst's last
// byte are cleared.
func copyBits(dst, src []byte, shift uint, nbits int64) {
	n := int((nbits + 7) / 8)
	dst = dst[:n]
	if shift == 0 {
		copy(dst, src)
	} else {
		i := 0
		// Eight bytes at a time while nine source bytes are at hand.
		for ; i+9 <= len(src) && i+8 <= n; i += 8 {
			hi := binary.BigEndian.Uint64(src[i:])
			binary.BigEndian.PutUint64(dst[i:], hi<<shift|uint64(src[i+8])>>(8-shift))
		}
		for ; i < n; i++ {
			v := src[i] << shift
			if i+1 < len(src) {
				v |= src[i+1] >> (8 - shift)
			}
			dst[i] = v
		}
	}
	if r := nbits % 8; r != 0 {
		dst[n-1] &= 0xff << (8 - r)
	}
}

// getBits reads n (<= 57) bits at bit offset pos of b, most significant
// first; bits past the end of b read as zero.
func getBits(b []byte, pos int64, n uint) uint64 {
	var v uint64
	i := int(pos / 8)
	for k := 0; k < 8; k++ {
		v <<= 8
		if i+k < len(b) {
			v |= uint64(b[i+k])
		}
	}
	return v << (pos % 8) >> (64 - n)
}

// putBits ORs the n low bits of v into b at bit offset pos, most
// significant first.
func putBits(b []byte, pos int64, v uint64, n uint) {
	for i := range int64(n) {
		if v>>(int64(n)-1-i)&1 != 0 {
			b[(pos+i)/8] |= 0x80 >> ((pos + i) % 8)
		}
	}
}

// appendBits appends nbits bits of src (byte-aligned) to the bit string
// dst of dbits bits. Bits past the end of either are ignored, and cleared
// in the result.
func appendBits(dst []byte, dbits int64, src []byte, nbits int64) ([]byte, int64) {
	total := dbits + nbits
	shift := uint(dbits % 8)
	if shift == 0 {
		out := append(dst[:dbits/8], src[:(nbits+7)/8]...)
		if r := total % 8; r != 0 {
			out[len(out)-1] &= 0xff << (8 - r)
		}
		return out, total
	}
	out := dst[:dbits/8+1]
	last := out[len(out)-1] & (0xff << (8 - shift))
	for _, v := range src[:(nbits+7)/8] {
		out[len(out)-1] = last | v>>shift
		last = v << (8 - shift)
		out = append(out, last)
	}
	out = out[:(total+7)/8]
	if r := total % 8; r != 0 {
		out[len(out)-1] &= 0xff << (8 - r)
	}
	return out, total
}

// bzScanner cuts a bzip2 input into segments at every bit position where a
// block magic or an end-of-stream magic occurs.
type bzScanner struct {
	r    io.Reader
	buf  []byte // compressed input; buf[0] is input byte base
	base int64
	next int  // next index into buf at which a magic may start
	eof  bool // r is exhausted (or failed: err)
	err  error
	idle int // Reads in a row that returned nothing

	start int64   // bit offset of the open segment
	kind  segKind // what the open segment starts with
}

// run cuts the whole input into segments and passes them to emit in input
// order; the last one has last set. It stops early when emit returns
// false.
func (sc *bzScanner) run(emit func(*segment) bool) {
	sc.kind = segHeader
	for {
		if !sc.scan(emit) {
			return
		}
		if sc.eof {
			end := (sc.base + int64(len(sc.buf))) * 8
			seg := sc.cut(end)
			seg.last, seg.err = true, sc.err
			emit(seg)
			return
		}
		if (sc.base+int64(len(sc.buf)))*8-sc.start > maxSegmentBits {
			seg := sc.cut(sc.start + maxSegmentBits)
			seg.last, seg.err = true, fmt.Errorf("bzip2: after compressed byte %d: %w", sc.start/8, errNoBoundary)
			emit(seg)
			return
		}
		sc.fill()
	}
}

// scan looks for magics in the bytes read so far, cutting a segment at
// each.
func (sc *bzScanner) scan(emit func(*segment) bool) bool {
	buf := sc.buf
	b := sc.next
	for ; b+8 <= len(buf) || sc.eof && b+6 <= len(buf); b++ {
		m := bzFilter[buf[b+1]]
		if m == 0 {
			continue
		}
		var x uint64
		if b+8 <= len(buf) {
			x = binary.BigEndian.Uint64(buf[b:])
		} else {
			x = getBits(buf[b:], 0, 57) << 7
		}
		for s := range 8 {
			if m&(0x101<<s) == 0 {
				continue
			}
			pos := (sc.base+int64(b))*8 + int64(s)
			if pos+bzMagicBits > (sc.base+int64(len(buf)))*8 {
				break
			}
			kind := segBlock
			switch x >> (16 - s) & bzMask48 {
			case bzBlockMagic:
			case bzEndMagic:
				kind = segEnd
			default:
				continue
			}
			seg := sc.cut(pos)
			sc.kind = kind
			if !emit(seg) {
				return false
			}
		}
	}
	sc.next = b
	return true
}

// cut ends the open segment at bit end and opens the next one there.
func (sc *bzScanner) cut(end int64) *segment {
	i := sc.start/8 - sc.base
	seg := newSegment(sc.kind, sc.start, sc.buf[i:], uint(sc.start%8), end-sc.start)
	sc.start = end
	return seg
}

// fill reads more input, first dropping the bytes before the open
// segment.
func (sc *bzScanner) fill() {
	if drop := int(sc.start/8 - sc.base); drop > 0 {
		n := copy(sc.buf, sc.buf[drop:])
		sc.buf = sc.buf[:n]
		sc.base += int64(drop)
		sc.next -= drop
	}
	if cap(sc.buf)-len(sc.buf) < scanChunk {
		grown := make([]byte, len(sc.buf), 2*cap(sc.buf)+scanChunk)
		copy(grown, sc.buf)
		sc.buf = grown
	}
	n, err := sc.r.Read(sc.buf[len(sc.buf) : len(sc.buf)+scanChunk])
	sc.buf = sc.buf[:len(sc.buf)+n]
	if n > 0 {
		sc.idle = 0
	} else if sc.idle++; sc.idle == 100 && err == nil {
		err = io.ErrNoProgress
	}
	switch {
	case err == io.EOF:
		sc.eof = true
	case err != nil:
		sc.eof, sc.err = true, fmt.Errorf("bzip2: reading compressed input at byte %d: %w", sc.base+int64(len(sc.buf)), err)
	}
}
