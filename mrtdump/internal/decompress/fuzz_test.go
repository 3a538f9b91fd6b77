package decompress

import (
	"bytes"
	stdbzip2 "compress/bzip2"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

// fuzzCap bounds how much output one fuzz input may produce.
const fuzzCap = 16 << 20

// FuzzNewReader feeds arbitrary bytes to NewReader and reads up to 16 MiB:
// no panic, no hang. Where the standard library decodes a bzip2 input
// without error, this package must give the same bytes and no error.
func FuzzNewReader(f *testing.F) {
	data := testData(3000)
	for _, z := range fuzzSeeds(data) {
		f.Add(z)
		f.Add(z[:len(z)/2])
		f.Add(z[:len(z)-1])
		damaged := bytes.Clone(z)
		damaged[len(z)*2/3] ^= 0x40
		f.Add(damaged)
	}
	f.Add([]byte("BZh91AY&SY\x00\x00\x00\x00"))
	f.Add([]byte("BZh9\x17\x72\x45\x38\x50\x90\x00\x00\x00\x00"))
	f.Add(data)
	// Several level-1 blocks.
	cmd := exec.Command("bzip2", "-1c")
	cmd.Stdin = bytes.NewReader(testData(250000))
	if z, err := cmd.Output(); err == nil {
		f.Add(z)
	}
	// The first bytes of a few real files.
	root := sharedDir(f)
	for _, name := range []string{benchBzip2, benchGzip, "incident-youtube-2008/updates.20080224.2056.bz2"} {
		if b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name))); err == nil {
			f.Add(b[:4096])
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		type result struct {
			out []byte
			err error
		}
		done := make(chan result, 1)
		go func() {
			rc, _, err := NewReader(bytes.NewReader(in))
			if err != nil {
				done <- result{err: err}
				return
			}
			var out bytes.Buffer
			_, err = io.Copy(&out, io.LimitReader(rc, fuzzCap))
			rc.Close()
			done <- result{out.Bytes(), err}
		}()
		var got result
		select {
		case got = <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("decoding %d bytes hangs", len(in))
		}
		if Detect(in) != Bzip2 {
			return
		}
		want, err := io.ReadAll(io.LimitReader(stdbzip2.NewReader(bytes.NewReader(in)), fuzzCap))
		if err == nil && (got.err != nil || !bytes.Equal(got.out, want)) {
			t.Fatalf("compress/bzip2 decodes %d bytes; this package %d bytes, error %v", len(want), len(got.out), got.err)
		}
	})
}

// fuzzSeeds compresses data in every format; bzip2 only when the system
// tool is there.
func fuzzSeeds(data []byte) [][]byte {
	var seeds [][]byte
	var buf bytes.Buffer
	gw := gzip.NewWriter(&buf)
	gw.Write(data)
	gw.Close()
	seeds = append(seeds, bytes.Clone(buf.Bytes()))
	buf.Reset()
	// A small dictionary keeps each fuzz run from allocating 8 MiB.
	if xw, err := (xz.WriterConfig{DictCap: 1 << 16}).NewWriter(&buf); err == nil {
		xw.Write(data)
		xw.Close()
		seeds = append(seeds, bytes.Clone(buf.Bytes()))
	}
	for _, level := range []string{"-1", "-9"} {
		cmd := exec.Command("bzip2", level+"c")
		cmd.Stdin = bytes.NewReader(data)
		if out, err := cmd.Output(); err == nil {
			seeds = append(seeds, out, append(bytes.Clone(out), out...))
		}
	}
	return seeds
}
