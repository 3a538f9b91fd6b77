package mrtdump

import "encoding/binary"

// stream is a bounds-checked cursor over a byte slice with the forgiving
// semantics of bgpdump's mstream: reading past the end yields zero bytes and
// leaves the cursor at the end. short records that bgpdump reads this way.
type stream struct {
	b   []byte
	pos int
}

func (s *stream) left() int { return len(s.b) - s.pos }

// get returns up to n bytes and advances past them.
func (s *stream) get(n int) []byte {
	if n > s.left() {
		n = s.left()
	}
	if n < 0 {
		n = 0
	}
	p := s.b[s.pos : s.pos+n]
	s.pos += n
	return p
}

// getInto copies up to len(dst) bytes into dst, zero-filling the rest.
func (s *stream) getInto(dst []byte) {
	p := s.get(len(dst))
	copy(dst, p)
	clear(dst[len(p):])
}

func (s *stream) getc() uint8 {
	if s.pos < len(s.b) {
		c := s.b[s.pos]
		s.pos++
		return c
	}
	return 0
}

func (s *stream) getw() uint16 {
	if s.left() >= 2 {
		v := binary.BigEndian.Uint16(s.b[s.pos:])
		s.pos += 2
		return v
	}
	var b [2]byte
	s.getInto(b[:])
	return binary.BigEndian.Uint16(b[:])
}

func (s *stream) getl() uint32 {
	if s.left() >= 4 {
		v := binary.BigEndian.Uint32(s.b[s.pos:])
		s.pos += 4
		return v
	}
	var b [4]byte
	s.getInto(b[:])
	return binary.BigEndian.Uint32(b[:])
}

func (s *stream) get4() (a [4]byte) {
	s.getInto(a[:])
	return a
}

func (s *stream) get16() (a [16]byte) {
	s.getInto(a[:])
	return a
}

// sub returns a stream over the next n bytes (fewer if the stream is short)
// and advances past them.
func (s *stream) sub(n int) stream {
	return stream{b: s.get(n)}
}

// asn reads a 2- or 4-byte AS number.
func (s *stream) asn(size int) uint32 {
	if size == 4 {
		return s.getl()
	}
	return uint32(s.getw())
}
