package decompress

import (
	"bufio"
	"bytes"
	stdbzip2 "compress/bzip2"
	stdgzip "compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cosnicolaou/pbzip2"
	dsnetbzip2 "github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/pgzip"
)

// The benchmarks decode shared MRT files held in memory, so that they
// measure decoding, not the disk. Each reports MB/s of decompressed output
// and cpu-ms/op, the process CPU time (all threads) per decode: wall time
// alone hides what the parallel decoders cost.

const (
	benchBzip2      = "libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2"
	benchBzip2Trunc = "pyasn-samples/rib6.20151101.0600_firstMB.bz2"
	benchGzip       = "ripe-bgpdump-testdata/bview.20020722.2337.gz"
)

// BenchmarkBzip2 is this package's reader (block-parallel; libbz2 per block
// when built with cgo, compress/bzip2 otherwise).
func BenchmarkBzip2(b *testing.B) { benchDecode(b, benchBzip2, ours) }

// BenchmarkBzip2Truncated is this package's reader on a stream cut short.
func BenchmarkBzip2Truncated(b *testing.B) { benchDecode(b, benchBzip2Trunc, ours) }

// BenchmarkBzip2Stdlib is the standard library's sequential decoder.
func BenchmarkBzip2Stdlib(b *testing.B) {
	benchDecode(b, benchBzip2, func(r io.Reader) (io.Reader, func(), error) {
		return stdbzip2.NewReader(r), func() {}, nil
	})
}

// BenchmarkBzip2Dsnet is github.com/dsnet/compress/bzip2, sequential.
func BenchmarkBzip2Dsnet(b *testing.B) {
	benchDecode(b, benchBzip2, func(r io.Reader) (io.Reader, func(), error) {
		zr, err := dsnetbzip2.NewReader(r, nil)
		return zr, func() {}, err
	})
}

// BenchmarkBzip2Pbzip2 is github.com/cosnicolaou/pbzip2, block-parallel.
func BenchmarkBzip2Pbzip2(b *testing.B) {
	benchDecode(b, benchBzip2, func(r io.Reader) (io.Reader, func(), error) {
		ctx, cancel := context.WithCancel(context.Background())
		return pbzip2.NewReader(ctx, r), cancel, nil
	})
}

// BenchmarkGzip is this package's reader (klauspost/compress on a
// read-ahead goroutine).
func BenchmarkGzip(b *testing.B) { benchDecode(b, benchGzip, ours) }

// BenchmarkGzipStdlib is compress/gzip, in the caller's goroutine.
func BenchmarkGzipStdlib(b *testing.B) {
	benchDecode(b, benchGzip, func(r io.Reader) (io.Reader, func(), error) {
		zr, err := stdgzip.NewReader(r)
		return zr, func() {}, err
	})
}

// BenchmarkGzipKlauspost is klauspost/compress/gzip, in the caller's
// goroutine.
func BenchmarkGzipKlauspost(b *testing.B) {
	benchDecode(b, benchGzip, func(r io.Reader) (io.Reader, func(), error) {
		zr, err := gzip.NewReader(r)
		return zr, func() {}, err
	})
}

// BenchmarkGzipPgzip is github.com/klauspost/pgzip, which decodes ahead on
// a goroutine of its own.
func BenchmarkGzipPgzip(b *testing.B) {
	benchDecode(b, benchGzip, func(r io.Reader) (io.Reader, func(), error) {
		zr, err := pgzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() { zr.Close() }, nil
	})
}

// BenchmarkGzipParse and BenchmarkGzipKlauspostParse read through a
// consumer that costs about 1 ns per byte, like a parser would: with the
// read-ahead goroutine, decoding overlaps the consumer's work.
func BenchmarkGzipParse(b *testing.B) { benchConsume(b, benchGzip, ours, parseLike) }

// BenchmarkGzipKlauspostParse: see BenchmarkGzipParse.
func BenchmarkGzipKlauspostParse(b *testing.B) {
	benchConsume(b, benchGzip, func(r io.Reader) (io.Reader, func(), error) {
		zr, err := gzip.NewReader(r)
		return zr, func() {}, err
	}, parseLike)
}

// BenchmarkBzip2Parse is this package's bzip2 reader with a consumer that
// costs about 1 ns per byte.
func BenchmarkBzip2Parse(b *testing.B) { benchConsume(b, benchBzip2, ours, parseLike) }

// parseSink keeps parseLike's work from being optimised away.
var parseSink uint32

// parseLike reads r in 64 KiB pieces and hashes every byte (FNV-1a,
// about 1 ns per byte), standing in for a parser.
func parseLike(r io.Reader) (int64, error) {
	buf := make([]byte, 64<<10)
	var n int64
	h := uint32(2166136261)
	for {
		m, err := r.Read(buf)
		for _, c := range buf[:m] {
			h = (h ^ uint32(c)) * 16777619
		}
		n += int64(m)
		if err == io.EOF {
			parseSink = h
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func ours(r io.Reader) (io.Reader, func(), error) {
	rc, _, err := NewReader(r)
	if err != nil {
		return nil, nil, err
	}
	return rc, func() { rc.Close() }, nil
}

// benchDecode decodes a shared file with open, b.N times.
func benchDecode(b *testing.B, name string, open func(io.Reader) (io.Reader, func(), error)) {
	benchConsume(b, name, open, func(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) })
}

// benchConsume decodes a shared file with open and reads it with consume,
// b.N times.
func benchConsume(b *testing.B, name string, open func(io.Reader) (io.Reader, func(), error), consume func(io.Reader) (int64, error)) {
	data, err := os.ReadFile(filepath.Join(sharedDir(b), filepath.FromSlash(name)))
	if err != nil {
		b.Skipf("shared test data not available: %v", err)
	}
	var n int64
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		zr, done, err := open(bufio.NewReaderSize(bytes.NewReader(data), 1<<20))
		if err != nil {
			b.Fatal(err)
		}
		n, err = consume(zr)
		done()
		if err != nil && name != benchBzip2Trunc {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.SetBytes(n)
}

// cpuTime is the CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
