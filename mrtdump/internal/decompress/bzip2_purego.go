//go:build !cgo || !libbz2

package decompress

import (
	"bytes"
	"compress/bzip2"
	"io"
	"slices"
)

// blockDecoder decodes one-block bzip2 streams with the standard library
// (builds without cgo, so without libbz2).
type blockDecoder struct{}

func newBlockDecoder() *blockDecoder { return &blockDecoder{} }

func (*blockDecoder) close() {}

// decode decodes a complete one-block bzip2 stream. On error it returns
// what it decoded so far.
func (*blockDecoder) decode(stream []byte) ([]byte, error) {
	zr := bzip2.NewReader(bytes.NewReader(stream))
	out := make([]byte, 0, 1<<20)
	for {
		if len(out) == cap(out) {
			if cap(out) >= maxBlockOutput {
				return out, errBlockTooLarge
			}
			out = slices.Grow(out, cap(out))
		}
		n, err := zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		switch err {
		case nil:
		case io.EOF:
			return out, nil
		default:
			return out, err
		}
	}
}
