package mrtdump

import (
	"fmt"
	"io"

	"github.com/routestat/routestat/mrtdump/internal/decompress"
)

// File is an MRT file opened for reading: a Reader over its decompressed
// bytes.
type File struct {
	*Reader
	// Name is the file name as given to Open ("-" for standard input).
	Name string
	// Compression names the compression detected from the magic bytes:
	// "none", "gzip", "bzip2" or "xz".
	Compression string
	rc          io.ReadCloser
}

// Open opens an MRT file, detecting gzip, bzip2 and xz compression from its
// first bytes (never from its name). The name "-" reads standard input
// through stdin. Close releases the file and any decompression goroutines.
func Open(name string, stdin io.Reader) (*File, error) {
	var (
		rc  io.ReadCloser
		f   decompress.Format
		err error
	)
	if name == "-" {
		rc, f, err = decompress.NewReader(stdin)
	} else {
		rc, f, err = decompress.Open(name)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return &File{Reader: NewReader(rc), Name: name, Compression: f.String(), rc: rc}, nil
}

// NewDecompressingReader returns a Reader over r, decompressing gzip, bzip2
// or xz detected from the first bytes. Close the returned closer when done.
func NewDecompressingReader(r io.Reader) (*Reader, io.Closer, error) {
	rc, _, err := decompress.NewReader(r)
	if err != nil {
		return nil, nil, err
	}
	return NewReader(rc), rc, nil
}

// Close closes the file.
func (f *File) Close() error { return f.rc.Close() }
