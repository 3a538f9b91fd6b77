package decompress

import (
	"errors"
	"io"
	"sync"
)

// errClosed is returned by Read after Close.
var errClosed = errors.New("decompress: read after Close")

// Read-ahead geometry: the decoding goroutine fills chunks of chunkSize
// bytes and may run up to aheadChunks chunks ahead of the caller.
const (
	chunkSize   = 256 << 10
	aheadChunks = 4
)

// readAhead runs r.Read on a goroutine of its own, up to aheadChunks
// chunks ahead of the caller, so that decompression overlaps the caller's
// parsing. Close stops the goroutine and waits for it.
func readAhead(r io.Reader) io.ReadCloser {
	ra := &readAheader{
		full: make(chan chunk, aheadChunks),
		free: make(chan []byte, aheadChunks+1),
		stop: make(chan struct{}),
	}
	for range aheadChunks + 1 {
		ra.free <- make([]byte, chunkSize)
	}
	ra.wg.Add(1)
	go ra.fill(r)
	return ra
}

// chunk is a run of decoded bytes and the error that ended it, if any.
type chunk struct {
	b   []byte
	err error
}

type readAheader struct {
	full chan chunk  // decoded chunks, in order
	free chan []byte // empty buffers
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	cur chunk // chunk being handed out by Read
	off int   // bytes of cur.b already handed out
}

// fill decodes chunks until r fails or the reader is closed. A chunk is
// sent as soon as it is full or r returns an error, so every byte decoded
// before an error reaches the caller before the error does.
func (ra *readAheader) fill(r io.Reader) {
	defer ra.wg.Done()
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.stop:
			return
		}
		n, err := fillChunk(r, buf)
		select {
		case ra.full <- chunk{b: buf[:n], err: err}:
		case <-ra.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// fillChunk reads from r until buf is full or r returns an error. Unlike
// io.ReadFull it passes r's own io.ErrUnexpectedEOF through untouched.
func fillChunk(r io.Reader, buf []byte) (int, error) {
	n, empty := 0, 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
		if m == 0 {
			if empty++; empty == 100 {
				return n, io.ErrNoProgress
			}
		}
	}
	return n, nil
}

// Read hands out the decoded bytes in order, then the decoder's error
// (io.EOF at a clean end).
func (ra *readAheader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for ra.off == len(ra.cur.b) {
		if ra.cur.err != nil {
			return 0, ra.cur.err
		}
		if ra.cur.b != nil {
			ra.free <- ra.cur.b[:cap(ra.cur.b)]
		}
		select {
		case ra.cur = <-ra.full:
			ra.off = 0
		case <-ra.stop:
			return 0, errClosed
		}
	}
	n := copy(p, ra.cur.b[ra.off:])
	ra.off += n
	return n, nil
}

// Close stops the decoding goroutine and waits for it to return.
func (ra *readAheader) Close() error {
	ra.once.Do(func() {
		close(ra.stop)
		ra.wg.Wait()
	})
	return nil
}
