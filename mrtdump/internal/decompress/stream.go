package decompress

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

// newGzipReader decodes gzip members (one or more, as cat a.gz b.gz
// gives) with klauspost/compress, on a read-ahead goroutine.
func newGzipReader(src io.Reader) (io.ReadCloser, error) {
	cr := newCountingReader(src)
	zr, err := gzip.NewReader(cr.br)
	if err != nil {
		return nil, fmt.Errorf("gzip header: %w", eofIsUnexpected(err))
	}
	return readAhead(&positionErrors{r: zr, name: "gzip", src: cr}), nil
}

// newXzReader decodes xz streams with ulikunitz/xz, on a read-ahead
// goroutine.
func newXzReader(src io.Reader) (io.ReadCloser, error) {
	cr := newCountingReader(src)
	zr, err := xz.NewReader(cr.br)
	if err != nil {
		return nil, fmt.Errorf("xz header: %w", eofIsUnexpected(err))
	}
	return readAhead(&positionErrors{r: zr, name: "xz", src: cr, atEOF: cr.endsWithXzFooter}), nil
}

// eofIsUnexpected turns io.EOF, which a decoder returns when its input
// ends inside a header, into io.ErrUnexpectedEOF.
func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// countingReader buffers a compressed source and knows how many of its
// bytes the decoder has taken, and the last few.
type countingReader struct {
	br   *bufio.Reader
	n    int64    // bytes read from the source into br
	tail [16]byte // the last min(n, 16) of them, at tail[16-min(n, 16):]
}

func newCountingReader(src io.Reader) *countingReader {
	cr := &countingReader{}
	cr.br = bufio.NewReaderSize(readerFunc(func(p []byte) (int, error) {
		n, err := src.Read(p)
		cr.n += int64(n)
		if n >= len(cr.tail) {
			copy(cr.tail[:], p[n-len(cr.tail):n])
		} else {
			copy(cr.tail[:], cr.tail[n:])
			copy(cr.tail[len(cr.tail)-n:], p[:n])
		}
		return n, err
	}), 64<<10)
	return cr
}

// endsWithXzFooter checks, once the xz decoder reports the end, that the
// input really ended with a stream footer (whose last bytes are "YZ"),
// maybe followed by stream padding (zero bytes). ulikunitz/xz takes an
// input that ends right before a block header for a complete one.
func (cr *countingReader) endsWithXzFooter() error {
	tail := cr.tail[len(cr.tail)-int(min(cr.n, int64(len(cr.tail)))):]
	tail = bytes.TrimRight(tail, "\x00")
	if !bytes.HasSuffix(tail, []byte("YZ")) || cr.br.Buffered() > 0 {
		return fmt.Errorf("xz: input ends without a stream footer at compressed byte %d: %w", cr.n, io.ErrUnexpectedEOF)
	}
	return nil
}

// consumed is the offset of the next compressed byte the decoder will
// take.
func (cr *countingReader) consumed() int64 { return cr.n - int64(cr.br.Buffered()) }

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// positionErrors adds the format and the compressed offset to a decoder's
// errors. io.EOF is passed on as it is.
type positionErrors struct {
	r     io.Reader
	name  string
	src   *countingReader
	atEOF func() error // if set, checks the input when the decoder ends
}

func (pe *positionErrors) Read(p []byte) (int, error) {
	n, err := pe.r.Read(p)
	switch {
	case err == io.EOF && pe.atEOF != nil:
		if cerr := pe.atEOF(); cerr != nil {
			err = cerr
		}
	case err == nil || err == io.EOF:
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("%s: input ends inside a stream at compressed byte %d: %w", pe.name, pe.src.consumed(), err)
	default:
		err = fmt.Errorf("%s: %w (decoding stopped at compressed byte %d)", pe.name, err, pe.src.consumed())
	}
	return n, err
}
