package decompress

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// maxMerge is how many following segments the reader joins to a block
// segment that does not decode on its own. A block magic pattern turns up
// by chance inside a real encoder's block about once in 2^48 bit
// positions, so one merge is almost always enough; more than a few means
// damage.
const maxMerge = 4

// bzip2Reader decodes a bzip2 input block-parallel. A scanner goroutine
// cuts the compressed bits into segments at every magic-number match;
// worker goroutines decode each block segment as a one-block stream; Read
// walks the segments in input order, checks the stream structure and
// checksums, and hands out each block's bytes. At most a window of
// segments is in flight, so memory stays bounded however long the input.
type bzip2Reader struct {
	segs chan *segment // every segment, in input order, from the scanner
	jobs chan *segment // block segments, for the workers
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	ahead     []*segment // segments taken from segs for a merge
	streamCRC uint32     // combined checksum of the stream's blocks so far
	blocks    int        // blocks delivered
	out       []byte     // decoded bytes not yet handed out
	err       error      // returned once out is empty
}

func newBzip2Reader(src io.Reader) *bzip2Reader {
	return startBzip2(func(emit func(*segment) bool) {
		(&bzScanner{r: src}).run(emit)
	})
}

// startBzip2 starts a reader of the segments that cut passes to emit.
func startBzip2(cut func(emit func(*segment) bool)) *bzip2Reader {
	workers := runtime.GOMAXPROCS(0)
	z := &bzip2Reader{
		segs: make(chan *segment, 2*workers+2),
		jobs: make(chan *segment, workers),
		stop: make(chan struct{}),
	}
	z.wg.Add(1 + workers)
	go z.feed(cut)
	for range workers {
		go z.work()
	}
	return z
}

// feed runs cut, queueing every segment for Read and every block segment
// for the workers.
func (z *bzip2Reader) feed(cut func(emit func(*segment) bool)) {
	defer z.wg.Done()
	defer close(z.jobs)
	defer close(z.segs)
	cut(func(seg *segment) bool {
		decode := seg.kind == segBlock
		if decode {
			seg.done = make(chan struct{})
		}
		select {
		case z.segs <- seg:
		case <-z.stop:
			return false
		}
		if decode {
			select {
			case z.jobs <- seg:
			case <-z.stop:
				return false
			}
		}
		return true
	})
}

// work decodes block segments until the scanner is done or the reader is
// closed.
func (z *bzip2Reader) work() {
	defer z.wg.Done()
	d := newBlockDecoder()
	defer d.close()
	for seg := range z.jobs {
		select {
		case <-z.stop:
			return
		default:
		}
		seg.out, seg.decErr = d.decode(seg.stream)
		close(seg.done)
	}
}

// Read hands out the decoded blocks in order, then the error that ended
// decoding (io.EOF after the last stream's end).
func (z *bzip2Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(z.out) == 0 {
		if z.err != nil {
			return 0, z.err
		}
		z.out, z.err = z.step()
	}
	n := copy(p, z.out)
	z.out = z.out[n:]
	return n, nil
}

// Close stops the goroutines and waits for them.
func (z *bzip2Reader) Close() error {
	z.once.Do(func() {
		close(z.stop)
		z.wg.Wait()
	})
	return nil
}

// take returns the next segment.
func (z *bzip2Reader) take() (*segment, error) {
	if len(z.ahead) > 0 {
		seg := z.ahead[0]
		z.ahead = z.ahead[1:]
		return seg, nil
	}
	select {
	case seg, ok := <-z.segs:
		if ok {
			return seg, nil
		}
	case <-z.stop:
	}
	return nil, errClosed
}

// peek returns the k-th segment after the current one without taking it,
// or nil when the input ends before it.
func (z *bzip2Reader) peek(k int) *segment {
	for len(z.ahead) <= k {
		if n := len(z.ahead); n > 0 && z.ahead[n-1].last {
			return nil
		}
		select {
		case seg, ok := <-z.segs:
			if !ok {
				return nil
			}
			z.ahead = append(z.ahead, seg)
		case <-z.stop:
			return nil
		}
	}
	return z.ahead[k]
}

// step consumes the next segment. It returns a block's bytes, or nothing
// (a stream header or end), and the error, if any, to report once those
// bytes are handed out.
func (z *bzip2Reader) step() ([]byte, error) {
	seg, err := z.take()
	if err != nil {
		return nil, err
	}
	if seg.err != nil {
		// The input failed inside this segment. If it holds a whole block,
		// that block still comes out.
		if seg.kind == segBlock {
			if err := z.wait(seg); err != nil {
				return nil, err
			}
			if seg.decErr == nil || complete(seg) {
				return z.accept(seg.crc, seg.out), seg.err
			}
		}
		return nil, seg.err
	}
	switch seg.kind {
	case segHeader:
		return nil, z.header(seg)
	case segEnd:
		return nil, z.end(seg)
	}
	return z.block(seg)
}

// wait waits for a worker to decode seg.
func (z *bzip2Reader) wait(seg *segment) error {
	select {
	case <-seg.done:
		return nil
	case <-z.stop:
		return errClosed
	}
}

// header checks the segment that starts the input, which must be a stream
// header and nothing else.
func (z *bzip2Reader) header(seg *segment) error {
	const hdrBits = int64(len(bzHeader)) * 8
	switch {
	case seg.nbits == hdrBits && !seg.last:
		z.streamCRC = 0
		return nil
	case seg.last && seg.nbits < hdrBits+bzMagicBits:
		return fmt.Errorf("bzip2: input ends after %d bytes, inside the first block header: %w", (seg.nbits+7)/8, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("bzip2: no block header after the stream header at compressed byte %d", len(bzHeader))
}

// block returns the bytes of the block that starts with seg.
func (z *bzip2Reader) block(seg *segment) ([]byte, error) {
	if err := z.wait(seg); err != nil {
		return nil, err
	}
	if seg.decErr == nil {
		return z.accept(seg.crc, seg.out), nil
	}
	// A block that decoded in full (its checksum matches) but whose stream
	// then went wrong is followed by damage: hand it out, then fail.
	if complete(seg) {
		return z.accept(seg.crc, seg.out), z.damagedAfterBlock(seg, seg)
	}
	out, last, err := z.merge(seg)
	switch {
	case out != nil:
		return out, err
	case last.last:
		return nil, fmt.Errorf("bzip2: input ends inside block %d (starting at compressed byte %d): %w", z.blocks+1, seg.byteOffset(), io.ErrUnexpectedEOF)
	}
	return nil, fmt.Errorf("bzip2: block %d at compressed byte %d: %w", z.blocks+1, seg.byteOffset(), seg.decErr)
}

// merge joins seg with the segments after it, one more at a time, until
// they decode as one block, and returns its bytes (nil if none did) and
// the last segment it looked at.
func (z *bzip2Reader) merge(seg *segment) ([]byte, *segment, error) {
	last := seg
	bits := append([]byte(nil), seg.bits()...)
	nbits := seg.nbits
	var d *blockDecoder
	defer func() {
		if d != nil {
			d.close()
		}
	}()
	for k := range maxMerge {
		next := z.peek(k)
		if next == nil || next.err != nil || nbits+next.nbits > maxSegmentBits {
			break
		}
		last = next
		bits, nbits = appendBits(bits, nbits, next.bits(), next.nbits)
		if d == nil {
			d = newBlockDecoder()
		}
		joined := &segment{kind: segBlock, start: seg.start, nbits: nbits, crc: seg.crc, last: next.last}
		joined.stream = appendTrailer(append([]byte(bzHeader), bits...), int64(len(bzHeader))*8+nbits, seg.crc)
		joined.out, joined.decErr = d.decode(joined.stream)
		if joined.decErr == nil || complete(joined) {
			z.ahead = z.ahead[k+1:]
			out := z.accept(seg.crc, joined.out)
			if joined.decErr != nil {
				return out, last, z.damagedAfterBlock(joined, last)
			}
			return out, last, nil
		}
	}
	return nil, last, nil
}

// complete reports whether a segment that failed to decode still gave a
// whole block: output whose checksum is the one stored in the block.
func complete(seg *segment) bool {
	return len(seg.out) > 0 && blockCRC(seg.out) == seg.crc
}

// damagedAfterBlock describes a stream that went wrong right after a
// complete block; last is the last segment the block was joined from.
func (z *bzip2Reader) damagedAfterBlock(seg, last *segment) error {
	if last.last {
		return fmt.Errorf("bzip2: input ends after block %d (starting at compressed byte %d): %w", z.blocks, seg.byteOffset(), io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("bzip2: damaged data after block %d (starting at compressed byte %d): %w", z.blocks, seg.byteOffset(), seg.decErr)
}

// accept counts a decoded block into the stream checksum.
func (z *bzip2Reader) accept(crc uint32, out []byte) []byte {
	z.streamCRC = (z.streamCRC<<1 | z.streamCRC>>31) ^ crc
	z.blocks++
	return out
}

// end checks an end-of-stream segment: the stream checksum, then either
// the end of the input or the header of the next stream.
func (z *bzip2Reader) end(seg *segment) error {
	pad := (8 - (seg.start+bzTrailerBits)%8) % 8
	trailer := bzTrailerBits + pad
	if seg.nbits < trailer {
		if seg.last {
			return fmt.Errorf("bzip2: input ends inside the end-of-stream marker at compressed byte %d: %w", seg.byteOffset(), io.ErrUnexpectedEOF)
		}
		return fmt.Errorf("bzip2: damaged end-of-stream marker at compressed byte %d", seg.byteOffset())
	}
	bits := seg.bits()
	if stored := uint32(getBits(bits, bzMagicBits, 32)); stored != z.streamCRC {
		return fmt.Errorf("bzip2: stream checksum mismatch at compressed byte %d: stored %08x, blocks give %08x", seg.byteOffset(), stored, z.streamCRC)
	}
	next := (seg.start + trailer) / 8 // where the next stream, if any, starts
	switch rest := seg.nbits - trailer; {
	case rest == 0 && seg.last:
		return io.EOF
	case rest == int64(len(bzHeader))*8 && !seg.last && isStreamHeader(getBits(bits, trailer, 32)):
		z.streamCRC = 0
		return nil
	case seg.last && rest < int64(len(bzHeader))*8+bzMagicBits && streamStartPrefix(bits, trailer, rest):
		return fmt.Errorf("bzip2: input ends inside the header of the stream at compressed byte %d: %w", next, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("bzip2: data after the end of a stream at compressed byte %d is not a bzip2 stream", next)
}

// isStreamHeader reports whether the 32 bits v are "BZh" and a level
// digit.
func isStreamHeader(v uint64) bool {
	level := byte(v)
	return v>>8 == 'B'<<16|'Z'<<8|'h' && level >= '1' && level <= '9'
}

// streamStartPrefix reports whether the n (< 80) bits of b at bit pos can
// start a bzip2 stream: "BZh", a level digit, then a block or an
// end-of-stream magic.
func streamStartPrefix(b []byte, pos, n int64) bool {
	hn := min(n, 32)
	mn := n - hn
	magic := getBits(b, pos+32, uint(mn))
	for level := uint64('1'); level <= '9'; level++ {
		header := uint64('B')<<24 | 'Z'<<16 | 'h'<<8 | level
		if getBits(b, pos, uint(hn)) == header>>(32-hn) &&
			(mn == 0 || magic == bzBlockMagic>>(48-mn) || magic == bzEndMagic>>(48-mn)) {
			return true
		}
	}
	return false
}

// blockCRC is bzip2's CRC-32 of a block's bytes: polynomial 0x04c11db7,
// most significant bit first. Only damaged input needs it.
func blockCRC(b []byte) uint32 {
	c := ^uint32(0)
	for _, v := range b {
		c = c<<8 ^ bzCRCTable[byte(c>>24)^v]
	}
	return ^c
}

var bzCRCTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&(1<<31) != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// errBlockTooLarge guards the block decoders against runaway output; no
// valid block decodes to more than about 46 MB.
var errBlockTooLarge = errors.New("bzip2: block decodes to more than 64 MiB")

// maxBlockOutput is the most bytes a block decoder produces.
const maxBlockOutput = 64 << 20
