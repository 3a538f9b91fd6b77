package decompress

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// Format is a compression format, as told by an input's magic bytes.
type Format int

// The formats Detect recognises. None means the input is passed through
// unchanged.
const (
	None Format = iota
	Gzip
	Bzip2
	Xz
)

// String returns the format's usual lower-case name ("none", "gzip",
// "bzip2", "xz").
func (f Format) String() string {
	switch f {
	case None:
		return "none"
	case Gzip:
		return "gzip"
	case Bzip2:
		return "bzip2"
	case Xz:
		return "xz"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// magicLen is how many leading bytes Detect looks at.
const magicLen = 10

var (
	// gzip: ID1, ID2 and CM = 8 (deflate, the only method defined).
	gzipMagic = []byte{0x1f, 0x8b, 0x08}
	xzMagic   = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	// bzip2: "BZh" and a level digit, then the first block's magic (or,
	// for an empty stream, the end-of-stream magic).
	bzBlockMagicBytes = []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}
	bzEndMagicBytes   = []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90}
)

// Detect names the compression format of an input that starts with
// prefix. It looks at up to the first 10 bytes. A shorter prefix is
// judged on the bytes it has, so that a file cut short inside its header
// is still recognised (and then reported as truncated) rather than passed
// through as plain data.
func Detect(prefix []byte) Format {
	if len(prefix) > magicLen {
		prefix = prefix[:magicLen]
	}
	switch {
	case len(prefix) >= 2 && hasPartialPrefix(prefix, gzipMagic):
		return Gzip
	case len(prefix) >= 4 && hasPartialPrefix(prefix, xzMagic):
		return Xz
	case len(prefix) >= 4 && prefix[0] == 'B' && prefix[1] == 'Z' && prefix[2] == 'h' &&
		prefix[3] >= '1' && prefix[3] <= '9' &&
		(hasPartialPrefix(prefix[4:], bzBlockMagicBytes) || hasPartialPrefix(prefix[4:], bzEndMagicBytes)):
		return Bzip2
	}
	return None
}

// hasPartialPrefix reports whether b and magic agree on their common
// length.
func hasPartialPrefix(b, magic []byte) bool {
	n := min(len(b), len(magic))
	return bytes.Equal(b[:n], magic[:n])
}

// NewReader returns a reader of r's decompressed bytes and the format it
// detected from r's first bytes; anything that is not gzip, bzip2 or xz is
// passed through unchanged. gzip and xz are decoded on a goroutine a few
// hundred KiB ahead of the caller; bzip2 is decoded block-parallel on
// GOMAXPROCS goroutines.
//
// When the input is damaged or cut short, Read first returns every byte
// that decoded before the damage (for bzip2: every complete block whose
// checksum matched) and then an error that says what was wrong and, when
// known, at which compressed byte. A stream that ends early gives an error
// that wraps io.ErrUnexpectedEOF. Concatenated streams (cat a.gz b.gz) are
// decoded one after another.
//
// Close must be called: it stops the goroutines, even when the caller
// stopped reading early, and waits for any Read in progress on r to return.
// It does not close r.
func NewReader(r io.Reader) (io.ReadCloser, Format, error) {
	var hdr [magicLen]byte
	n, err := io.ReadFull(r, hdr[:])
	switch err {
	case nil, io.EOF, io.ErrUnexpectedEOF: // a short input is still an input
	default:
		return nil, None, fmt.Errorf("reading magic bytes: %w", err)
	}
	head := hdr[:n]
	f := Detect(head)
	src := io.MultiReader(bytes.NewReader(head), r)
	switch f {
	case Gzip:
		rc, err := newGzipReader(src)
		return rc, f, err
	case Xz:
		rc, err := newXzReader(src)
		return rc, f, err
	case Bzip2:
		return newBzip2Reader(src), f, nil
	}
	return io.NopCloser(src), f, nil
}

// Open opens the named file and returns NewReader over it. Closing the
// returned reader also closes the file.
func Open(name string) (io.ReadCloser, Format, error) {
	file, err := os.Open(name)
	if err != nil {
		return nil, None, err
	}
	rc, f, err := NewReader(file)
	if err != nil {
		file.Close()
		return nil, f, fmt.Errorf("%s: %w", name, err)
	}
	return &fileReader{ReadCloser: rc, file: file}, f, nil
}

// fileReader closes the file after the decoder.
type fileReader struct {
	io.ReadCloser
	file *os.File
}

func (fr *fileReader) Close() error {
	err := fr.ReadCloser.Close()
	if ferr := fr.file.Close(); err == nil {
		err = ferr
	}
	return err
}
