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

// FramingError is returned by Reader.Next when the stream cannot be framed:
// a short header, a body cut short by the end of the input, an implausible
// header, or a read error from the underlying (decompressing) reader.
// Without Resync the Reader stops after it. With Resync, a FramingError with
// Resumed set reports bytes skipped to reach the next plausible record, and
// reading goes on.
type FramingError struct {
	Offset int64 // where the broken record starts
	Header *Header
	Err    error
	// Resumed is set when the Reader found a plausible record further on;
	// Skipped bytes were passed over to reach it.
	Resumed bool
	Skipped int64
}

func (e *FramingError) Error() string {
	var msg string
	if e.Header != nil {
		msg = fmt.Sprintf("record at byte offset %d (%s/%d, length %d): %v", e.Offset, e.Header.Type, e.Header.Subtype, e.Header.Length, e.Err)
	} else {
		msg = fmt.Sprintf("record at byte offset %d: %v", e.Offset, e.Err)
	}
	if e.Resumed {
		msg += fmt.Sprintf("; skipped %d bytes to the next plausible record at offset %d", e.Skipped, e.Offset+e.Skipped)
	}
	return msg
}

func (e *FramingError) Unwrap() error { return e.Err }

// ErrImplausible reports a header that cannot start a real record: an
// unknown type or subtype, or a length no producer writes.
var ErrImplausible = errors.New("implausible record header")

// Reader frames MRT records from a byte stream. It reads through a large
// buffer and returns bodies that alias it, so reading allocates only for
// records larger than the buffer.
type Reader struct {
	// Resync makes the Reader recover from damaged framing: a header that
	// cannot be real (see ErrImplausible) is reported and the Reader scans
	// forward for the next plausible record instead of stopping. It also
	// repairs the early RIS TABLE_DUMP files whose records declare a length
	// 4 bytes short. A real file never needs it; bgpdump does not do it.
	Resync bool

	br       *bufio.Reader
	off      int64
	rec      Record
	big      []byte
	done     bool
	lastTime uint32
}

const readerBufSize = 1 << 20

// NewReader returns a Reader over r, which must yield uncompressed MRT bytes
// (see Open and NewDecompressingReader for compressed input).
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, readerBufSize)}
}

// Offset returns the byte offset of the next record.
func (r *Reader) Offset() int64 { return r.off }

// parseHeader decodes a 12-byte common header.
func parseHeader(b []byte, off int64) Header {
	return Header{
		Offset:  off,
		Time:    binary.BigEndian.Uint32(b[0:]),
		Type:    Type(binary.BigEndian.Uint16(b[4:])),
		Subtype: binary.BigEndian.Uint16(b[6:]),
		Length:  binary.BigEndian.Uint32(b[8:]),
	}
}

// maxResyncLength bounds the length of a record the Reader resumes at.
const maxResyncLength = 16 << 20

// plausible reports whether h could start a real record: a known type and
// subtype and a sane length. With near, its time must also lie within a
// month of the last record read: a candidate found by scanning damaged
// bytes needs that extra evidence.
func (r *Reader) plausible(h Header, near bool) bool {
	if h.Length > maxResyncLength {
		return false
	}
	if near && r.lastTime != 0 {
		d := int64(h.Time) - int64(r.lastTime)
		if d < -31*86400 || d > 31*86400 {
			return false
		}
	}
	switch h.Type {
	case TypeBGP:
		return h.Subtype <= 7 || h.Subtype == 133
	case TypeTableDump:
		return h.Subtype >= 1 && h.Subtype <= 4
	case TypeTableDumpV2:
		return h.Subtype >= 1 && h.Subtype <= 12 && h.Subtype != 7
	case TypeBGP4MP, TypeBGP4MPET:
		return h.Subtype <= 11 && (h.Type == TypeBGP4MP || h.Length >= 4)
	}
	return false
}

// Next returns the next record. It returns io.EOF at a clean end of input and
// a *FramingError when the input ends inside a record or cannot be framed;
// after that it keeps returning io.EOF unless the error says Resumed.
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
	h := parseHeader(hdr, start)
	if r.Resync && !r.plausible(h, false) {
		return nil, r.resync(h)
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
	n := int(h.Length)
	if r.Resync && h.Type == TypeTableDump {
		n += r.shortTableDump(hlen + n)
	}
	if _, err := r.br.Discard(hlen); err != nil {
		r.done = true
		return nil, &FramingError{Offset: start, Header: h.ptr(), Err: err}
	}
	r.off += int64(hlen)
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
	r.lastTime = h.Time
	r.rec = Record{Header: h, Body: body}
	return &r.rec, nil
}

// shortTableDump detects a TABLE_DUMP record from RIS's first producer,
// which declared each record 4 bytes shorter than it wrote: when the header
// after the declared end is implausible but one 4 bytes later is not, it
// returns 4, the bytes to add to the body.
func (r *Reader) shortTableDump(end int) int {
	b, _ := r.br.Peek(end + 4 + 12)
	switch {
	case len(b) == end+4:
		return 4 // the input ends 4 bytes after the declared end
	case len(b) < end+16:
		return 0
	case r.plausible(parseHeader(b[end:], 0), true):
		return 0
	case r.plausible(parseHeader(b[end+4:], 0), true):
		return 4
	}
	return 0
}

// resync scans forward from a header that cannot be real to the next offset
// where a plausible header is followed by another plausible header (or the
// end of the input), and reports what it skipped.
func (r *Reader) resync(bad Header) error {
	start := r.off
	skipped := int64(0)
	const limit = 256 << 20
	for skipped < limit {
		// Step one byte, then look at every offset of the buffered window.
		if _, err := r.br.Discard(1); err != nil {
			break
		}
		skipped++
		win, _ := r.br.Peek(r.br.Size())
		for i := 0; i+12 <= len(win); i++ {
			h := parseHeader(win[i:], 0)
			if !r.plausible(h, true) {
				continue
			}
			next := i + 12 + int(h.Length) // an ET field is counted in Length
			switch {
			case next == len(win) && len(win) < r.br.Size():
				// the record ends exactly at the end of the input
			case next+12 <= len(win) && r.plausible(parseHeader(win[next:], 0), true):
			default:
				continue
			}
			_, _ = r.br.Discard(i)
			skipped += int64(i)
			r.off = start + skipped
			return &FramingError{Offset: start, Header: bad.ptr(), Err: ErrImplausible, Resumed: true, Skipped: skipped}
		}
		if len(win) < 12 {
			break
		}
		_, _ = r.br.Discard(len(win) - 11)
		skipped += int64(len(win) - 11)
	}
	r.done = true
	r.off = start + skipped
	return &FramingError{Offset: start, Header: bad.ptr(), Err: fmt.Errorf("%w; no plausible record in the %d bytes after it", ErrImplausible, skipped)}
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
