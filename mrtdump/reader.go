package mrtdump

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
)

// MaxRecordLength bounds the body length a record header may declare. Real
// records stay far below it (the largest in public archives are a few hundred
// KiB); a larger value means the framing is lost.
const MaxRecordLength = 256 << 20

// Header is an MRT common header, with the byte offset at which it starts.
type Header struct {
	// Offset is the record's byte offset in the decompressed stream.
	Offset int64
	// Time is the header timestamp in Unix seconds.
	Time uint32
	// Microseconds is the extended timestamp of BGP4MP_ET records, else 0.
	Microseconds uint32
	Type         Type
	Subtype      uint16
	// Length is the body length in bytes, excluding an ET microsecond field.
	Length uint32
}

// Record is one framed MRT record. Body aliases the Reader's buffer and is
// valid only until the next call to Next.
type Record struct {
	Header
	Body []byte
}

// ErrTruncated reports a record cut short by the end of the input.
var ErrTruncated = errors.New("truncated record")

// ErrLength reports a record whose declared length cannot be right.
var ErrLength = errors.New("implausible record length")

// FramingError is returned by Reader.Next when the stream cannot be framed any
// further: a short header, a body cut short by the end of the input, an
// implausible length, or a read error from the underlying (decompressing)
// reader. The Reader stops after it.
type FramingError struct {
	Offset int64 // where the broken record starts
	Header *Header
	Err    error
}

func (e *FramingError) Error() string {
	if e.Header != nil {
		return fmt.Sprintf("record at byte offset %d (%s/%d, length %d): %v", e.Offset, e.Header.Type, e.Header.Subtype, e.Header.Length, e.Err)
	}
	return fmt.Sprintf("record at byte offset %d: %v", e.Offset, e.Err)
}

func (e *FramingError) Unwrap() error { return e.Err }

// Reader frames MRT records from a byte stream. It reads through a large
// buffer and returns bodies that alias it, so reading allocates only for
// records larger than the buffer.
type Reader struct {
	br   *bufio.Reader
	off  int64
	rec  Record
	big  []byte
	done bool
}

const readerBufSize = 1 << 20

// NewReader returns a Reader over r, which must yield uncompressed MRT bytes
// (see Open and NewDecompressingReader for compressed input).
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, readerBufSize)}
}

// Offset returns the byte offset of the next record.
func (r *Reader) Offset() int64 { return r.off }

// Next returns the next record. It returns io.EOF at a clean end of input and
// a *FramingError when the input ends inside a record or cannot be framed;
// after either, it keeps returning io.EOF.
func (r *Reader) Next() (*Record, error) {
	if r.done {
		return nil, io.EOF
	}
	start := r.off
	hdr, err := r.br.Peek(12)
	if len(hdr) < 12 {
		r.done = true
		if len(hdr) == 0 && (err == io.EOF || err == nil) {
			return nil, io.EOF
		}
		if err == io.EOF {
			err = fmt.Errorf("%w: %d-byte header, need 12", ErrTruncated, len(hdr))
		}
		return nil, &FramingError{Offset: start, Err: err}
	}
	h := Header{
		Offset:  start,
		Time:    binary.BigEndian.Uint32(hdr[0:]),
		Type:    Type(binary.BigEndian.Uint16(hdr[4:])),
		Subtype: binary.BigEndian.Uint16(hdr[6:]),
		Length:  binary.BigEndian.Uint32(hdr[8:]),
	}
	hlen := 12
	if h.Type == TypeBGP4MPET {
		ext, err := r.br.Peek(16)
		if len(ext) < 16 {
			r.done = true
			if err == io.EOF {
				err = fmt.Errorf("%w: %d-byte extended header, need 16", ErrTruncated, len(ext))
			}
			return nil, &FramingError{Offset: start, Header: h.ptr(), Err: err}
		}
		h.Microseconds = binary.BigEndian.Uint32(ext[12:])
		hlen = 16
		if h.Length < 4 {
			r.done = true
			return nil, &FramingError{Offset: start, Header: h.ptr(), Err: fmt.Errorf("%w: BGP4MP_ET length %d is shorter than its microsecond field", ErrLength, h.Length)}
		}
		h.Length -= 4
	}
	if h.Length > MaxRecordLength {
		r.done = true
		return nil, &FramingError{Offset: start, Header: h.ptr(), Err: fmt.Errorf("%w: %d bytes exceeds %d", ErrLength, h.Length, MaxRecordLength)}
	}
	if _, err := r.br.Discard(hlen); err != nil {
		r.done = true
		return nil, &FramingError{Offset: start, Header: h.ptr(), Err: err}
	}
	r.off += int64(hlen)
	n := int(h.Length)
	var body []byte
	if n <= r.br.Size() {
		b, err := r.br.Peek(n)
		if len(b) < n {
			r.done = true
			r.off += int64(len(b))
			if err == io.EOF {
				err = fmt.Errorf("%w: %d of %d body bytes before end of input", ErrTruncated, len(b), n)
			}
			return nil, &FramingError{Offset: start, Header: h.ptr(), Err: err}
		}
		// Discard leaves the peeked bytes in place until the next read.
		_, _ = r.br.Discard(n)
		body = b
	} else {
		body, err = r.readLarge(n)
		if err != nil {
			r.done = true
			return nil, &FramingError{Offset: start, Header: h.ptr(), Err: err}
		}
	}
	r.off += int64(n)
	r.rec = Record{Header: h, Body: body}
	return &r.rec, nil
}

// readLarge reads a body larger than the buffer, growing its own buffer only
// as bytes arrive so that a lying length cannot force a huge allocation.
func (r *Reader) readLarge(n int) ([]byte, error) {
	r.big = r.big[:0]
	for len(r.big) < n {
		chunk := min(n-len(r.big), 4<<20)
		l := len(r.big)
		r.big = append(r.big, make([]byte, chunk)...)
		m, err := io.ReadFull(r.br, r.big[l:l+chunk])
		r.off += int64(m)
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, fmt.Errorf("%w: %d of %d body bytes before end of input", ErrTruncated, l+m, n)
			}
			return nil, err
		}
	}
	r.off -= int64(n) // Next adds the body length once
	return r.big[:n], nil
}

// All returns an iterator over the remaining records. It stops after the
// first error, which it yields with a nil record; a clean end yields no error.
func (r *Reader) All() iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		for {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
}

// ptr returns a copy of h on the heap, so that only error paths allocate.
func (h Header) ptr() *Header { return &h }
