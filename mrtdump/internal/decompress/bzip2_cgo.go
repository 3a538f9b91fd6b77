//go:build cgo && libbz2

package decompress

/*
#cgo LDFLAGS: -lbz2
#include <bzlib.h>
#include <stdlib.h>
#include <string.h>

// rs_bz2 is a libbz2 decoder that keeps the memory of its last stream for
// the next one, so that decoding block after block does not allocate and
// fault in libbz2's 3.6 MB work array each time.
typedef struct {
	bz_stream s;
	void *spare[2];     // freed allocations, each preceded by its size
} rs_bz2;

#define RS_HDR 16

static void *rs_alloc(void *opaque, int items, int size) {
	rs_bz2 *d = opaque;
	size_t n = (size_t)items * (size_t)size;
	for (int i = 0; i < 2; i++) {
		if (d->spare[i] != NULL && *(size_t *)d->spare[i] == n) {
			char *p = d->spare[i];
			d->spare[i] = NULL;
			return p + RS_HDR;
		}
	}
	char *p = malloc(n + RS_HDR);
	if (p == NULL) {
		return NULL;
	}
	*(size_t *)p = n;
	return p + RS_HDR;
}

static void rs_free(void *opaque, void *q) {
	rs_bz2 *d = opaque;
	char *p = (char *)q - RS_HDR;
	for (int i = 0; i < 2; i++) {
		if (d->spare[i] == NULL) {
			d->spare[i] = p;
			return;
		}
	}
	free(p);
}

static rs_bz2 *rs_new(void) { return calloc(1, sizeof(rs_bz2)); }

static void rs_delete(rs_bz2 *d) {
	free(d->spare[0]);
	free(d->spare[1]);
	free(d);
}

static int rs_init(rs_bz2 *d) {
	memset(&d->s, 0, sizeof d->s);
	d->s.bzalloc = rs_alloc;
	d->s.bzfree = rs_free;
	d->s.opaque = d;
	return BZ2_bzDecompressInit(&d->s, 0, 0);
}

static void rs_end(rs_bz2 *d) { BZ2_bzDecompressEnd(&d->s); }

typedef struct {
	int ret;
	unsigned in_left, out_left;
} rs_result;

// rs_run decompresses from in to out. The Go buffers are only used during
// the call: their addresses are not kept.
static rs_result rs_run(rs_bz2 *d, char *in, unsigned in_len, char *out, unsigned out_len) {
	d->s.next_in = in;
	d->s.avail_in = in_len;
	d->s.next_out = out;
	d->s.avail_out = out_len;
	rs_result r = {BZ2_bzDecompress(&d->s), d->s.avail_in, d->s.avail_out};
	d->s.next_in = NULL;
	d->s.next_out = NULL;
	return r;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"unsafe"
)

// blockDecoder decodes one-block bzip2 streams with libbz2. It is not safe
// for concurrent use.
type blockDecoder struct {
	c *C.rs_bz2
}

func newBlockDecoder() *blockDecoder {
	return &blockDecoder{c: C.rs_new()}
}

// close frees the decoder's C memory.
func (d *blockDecoder) close() {
	if d.c != nil {
		C.rs_delete(d.c)
		d.c = nil
	}
}

// decode decodes a complete one-block bzip2 stream. On error it returns
// what it decoded so far.
func (d *blockDecoder) decode(stream []byte) ([]byte, error) {
	if d.c == nil {
		return nil, errClosed
	}
	if rc := C.rs_init(d.c); rc != C.BZ_OK {
		return nil, fmt.Errorf("bzip2: libbz2 init: %w", bzError(rc))
	}
	defer C.rs_end(d.c)
	out := make([]byte, 0, 1<<20)
	in := stream
	for {
		if len(out) == cap(out) {
			if cap(out) >= maxBlockOutput {
				return out, errBlockTooLarge
			}
			out = slices.Grow(out, cap(out))
		}
		free := out[len(out):cap(out)]
		var inPtr *C.char
		if len(in) > 0 {
			inPtr = (*C.char)(unsafe.Pointer(&in[0]))
		}
		r := C.rs_run(d.c, inPtr, C.uint(len(in)), (*C.char)(unsafe.Pointer(&free[0])), C.uint(len(free)))
		used, made := len(in)-int(r.in_left), len(free)-int(r.out_left)
		in, out = in[used:], out[:len(out)+made]
		switch r.ret {
		case C.BZ_STREAM_END:
			return out, nil
		case C.BZ_OK:
			if used == 0 && made == 0 {
				return out, io.ErrUnexpectedEOF
			}
		default:
			return out, bzError(r.ret)
		}
	}
}

// bzError turns a libbz2 return code into an error.
func bzError(rc C.int) error {
	switch rc {
	case C.BZ_DATA_ERROR:
		return errBzData
	case C.BZ_DATA_ERROR_MAGIC:
		return errBzMagic
	case C.BZ_MEM_ERROR:
		return errBzMem
	}
	return fmt.Errorf("libbz2 error %d", int(rc))
}

// Errors from the libbz2 block decoder.
var (
	errBzData  = errors.New("bzip2: data error (damaged block or checksum mismatch)")
	errBzMagic = errors.New("bzip2: bad magic number")
	errBzMem   = errors.New("bzip2: libbz2 out of memory")
)
