package decompress

import (
	"bytes"
	stdbzip2 "compress/bzip2"
	stdgzip "compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

// sharedDir is the shared folder beside the checkout: $ROUTESTAT_SHARED,
// or ../../../../shared from this package. Without it the tests that need
// its files skip, except under CI=true, where they fail.
func sharedDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("ROUTESTAT_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared")
	}
	return filepath.Join(dir, "testdata", "mrt")
}

// needShared returns sharedDir, skipping (or under CI=true failing) when
// it is missing.
func needShared(t *testing.T) string {
	t.Helper()
	dir := sharedDir(t)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared test data missing (set ROUTESTAT_SHARED): %v", err)
		}
		t.Skipf("shared test data missing: %v", err)
	}
	return dir
}

// needTool returns the path of a system tool, skipping when it is absent.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	return path
}

// readAll decodes with NewReader over src and returns the bytes, the
// format and the error that ended reading (nil at a clean end).
func readAll(t *testing.T, src io.Reader) ([]byte, Format, error) {
	t.Helper()
	rc, f, err := NewReader(src)
	if err != nil {
		return nil, f, err
	}
	out, err := io.ReadAll(rc)
	if cerr := rc.Close(); cerr != nil {
		t.Errorf("Close: %v", cerr)
	}
	return out, f, err
}

// choppy returns reads of random small sizes, to move every buffer
// boundary around.
type choppy struct {
	r   io.Reader
	rnd *rand.Rand
}

func (c *choppy) Read(p []byte) (int, error) {
	n := 1 + c.rnd.IntN(70000)
	return c.r.Read(p[:min(n, len(p))])
}

func TestFormatString(t *testing.T) {
	for f, want := range map[Format]string{None: "none", Gzip: "gzip", Bzip2: "bzip2", Xz: "xz", Format(9): "Format(9)"} {
		if got := f.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(f), got, want)
		}
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want Format
	}{
		{"empty", nil, None},
		{"gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}, Gzip},
		{"gzip magic only", []byte{0x1f, 0x8b}, Gzip},
		{"gzip bad method", []byte{0x1f, 0x8b, 7, 0}, None},
		{"bzip2", []byte("BZh91AY&SY\x00"), Bzip2},
		{"bzip2 empty stream", []byte("BZh9\x17\x72\x45\x38\x50\x90"), Bzip2},
		{"bzip2 cut in header", []byte("BZh31A"), Bzip2},
		{"bzip2 level 0", []byte("BZh01AY&SY"), None},
		{"bzip2 no block magic", []byte("BZh9 route"), None},
		{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0, 0, 4}, Xz},
		{"xz cut", []byte{0xfd, '7', 'z', 'X'}, Xz},
		{"xz wrong", []byte{0xfd, '7', 'z', 'Y', 'Z', 0}, None},
		{"mrt header", []byte{0x4c, 0x0b, 0x2a, 0x40, 0, 13, 0, 1, 0, 0}, None},
		{"one byte", []byte{0x1f}, None},
	} {
		if got := Detect(tc.in); got != tc.want {
			t.Errorf("%s: Detect(%x) = %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
}

// sharedCompressed lists every .gz and .bz2 file in the shared data.
func sharedCompressed(t *testing.T, root string) []string {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".bz2")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d compressed files under %s", len(files), root)
	}
	return files
}

// reference decodes a file with the system tool, or with the standard
// library where the tool is not installed. For a bzip2 file that the tool
// rejects, it decodes what bzip2recover salvages, block by block, up to
// the first block that does not decode: every complete block before the
// damage. (bzip2 -dc itself drops up to 5,000 good bytes before its error,
// the rest of its output buffer.) damaged tells whether the file is
// damaged.
func reference(t *testing.T, path string) (out []byte, damaged bool) {
	t.Helper()
	tool := "gzip"
	if strings.HasSuffix(path, ".bz2") {
		tool = "bzip2"
	}
	if _, err := exec.LookPath(tool); err != nil {
		return stdlibReference(t, path)
	}
	out, err := exec.Command(tool, "-dc", path).Output()
	if err == nil {
		return out, false
	}
	if tool == "gzip" {
		return out, true
	}
	if _, err := exec.LookPath("bzip2recover"); err != nil {
		return stdlibReference(t, path)
	}
	dir := t.TempDir()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "in.bz2")
	if err := os.WriteFile(cp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("bzip2recover", cp).CombinedOutput(); err != nil {
		t.Fatalf("bzip2recover: %v\n%s", err, msg)
	}
	pieces, _ := filepath.Glob(filepath.Join(dir, "rec*in.bz2"))
	slices.Sort(pieces)
	var all []byte
	for _, p := range pieces {
		block, err := exec.Command("bzip2", "-dc", p).Output()
		if err != nil {
			break
		}
		all = append(all, block...)
	}
	// bzip2 -dc writes the good blocks, less at most one 5,000-byte
	// buffer, then perhaps some of a damaged block.
	n := 0
	for n < len(all) && n < len(out) && all[n] == out[n] {
		n++
	}
	if n < min(len(all), len(out))-5000 {
		t.Fatalf("bzip2 -dc and bzip2recover disagree at byte %d", n)
	}
	return all, true
}

// stdlibReference decodes a file with compress/gzip or compress/bzip2.
func stdlibReference(t *testing.T, path string) ([]byte, bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = stdbzip2.NewReader(bytes.NewReader(data))
	if strings.HasSuffix(path, ".gz") {
		if r, err = stdgzip.NewReader(bytes.NewReader(data)); err != nil {
			return nil, true
		}
	}
	out, err := io.ReadAll(r)
	return out, err != nil
}

// TestSharedFiles decodes every compressed shared file and compares the
// SHA-256 of the output with what the system's gzip and bzip2 write. The
// truncated bzip2 sample must give every complete block, then an
// io.ErrUnexpectedEOF.
func TestSharedFiles(t *testing.T) {
	root := needShared(t)
	for _, path := range sharedCompressed(t, root) {
		rel, _ := filepath.Rel(root, path)
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			want, damaged := reference(t, path)
			wantFormat := Gzip
			if strings.HasSuffix(path, ".bz2") {
				wantFormat = Bzip2
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			check := func(how string, got []byte, f Format, err error) {
				t.Helper()
				if f != wantFormat {
					t.Errorf("%s: format %v, want %v", how, f, wantFormat)
				}
				if sha256.Sum256(got) != sha256.Sum256(want) {
					t.Errorf("%s: %d bytes (sha256 %x), want %d (%x); error %v", how, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want), err)
				}
				switch {
				case damaged && !errors.Is(err, io.ErrUnexpectedEOF):
					t.Errorf("%s: damaged input gave error %v, want io.ErrUnexpectedEOF", how, err)
				case !damaged && err != nil:
					t.Errorf("%s: %v", how, err)
				}
			}

			rc, f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			if cerr := rc.Close(); cerr != nil {
				t.Errorf("Close: %v", cerr)
			}
			check("Open", got, f, err)

			got, f, err = readAll(t, &choppy{r: bytes.NewReader(data), rnd: rand.New(rand.NewPCG(uint64(len(data)), 1))})
			check("NewReader, choppy reads", got, f, err)
		})
	}
}

// TestSharedTruncatedBzip2 pins the truncated sample's numbers: 13
// complete blocks, 12,132,997 bytes, then the input ends inside block 14.
func TestSharedTruncatedBzip2(t *testing.T) {
	root := needShared(t)
	rc, f, err := Open(filepath.Join(root, filepath.FromSlash(benchBzip2Trunc)))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if f != Bzip2 || n != 12132997 || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "block 14") {
		t.Fatalf("format %v, %d bytes, error %v; want bzip2, 12132997 bytes, unexpected EOF in block 14", f, n, err)
	}
}

// TestGOMAXPROCS decodes the large bzip2 sample with 1 and 5 workers.
func TestGOMAXPROCS(t *testing.T) {
	root := needShared(t)
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(benchBzip2)))
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(stdbzip2.NewReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, procs := range []int{1, 5} {
		old := runtime.GOMAXPROCS(procs)
		got, _, err := readAll(t, bytes.NewReader(data))
		runtime.GOMAXPROCS(old)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("GOMAXPROCS %d: %d bytes, want %d; error %v", procs, len(got), len(want), err)
		}
	}
}

// testData is n bytes of MRT-like text that compresses about as well as
// real dumps: varied enough for bzip2 blocks of realistic size.
func testData(n int) []byte {
	rnd := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < n {
		fmt.Fprintf(&b, "TABLE_DUMP2|%d|B|10.%d.%d.1|%d|%d.%d.0.0/%d|%d %d|IGP|\n",
			1401487200+rnd.IntN(3600), rnd.IntN(256), rnd.IntN(256), rnd.IntN(70000),
			rnd.IntN(224), rnd.IntN(256), 8+rnd.IntN(17), rnd.IntN(70000), rnd.IntN(70000))
	}
	return b.Bytes()[:n]
}

// compress compresses data in format f; bzip2 with the system tool at the
// given level (1: 100 kB blocks).
func compress(t *testing.T, f Format, data []byte, level int) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch f {
	case Gzip:
		w := gzip.NewWriter(&buf)
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	case Xz:
		w, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	case Bzip2:
		cmd := exec.Command(needTool(t, "bzip2"), fmt.Sprintf("-%dc", level))
		cmd.Stdin = bytes.NewReader(data)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return out
	default:
		return data
	}
	return buf.Bytes()
}

// TestTruncated cuts compressed streams at many points. The output must be
// a prefix of the original, as long as a sequential decoder gets (for
// bzip2: every complete block), and end with io.ErrUnexpectedEOF.
func TestTruncated(t *testing.T) {
	data := testData(1 << 20)
	for _, f := range []Format{Gzip, Bzip2, Xz} {
		t.Run(f.String(), func(t *testing.T) {
			z := compress(t, f, data, 1)
			cuts := []int{1, 3, 4, 9, 10, 11, 20, len(z) / 3, len(z) / 2, len(z) - 9, len(z) - 5, len(z) - 1}
			rnd := rand.New(rand.NewPCG(3, 4))
			for range 20 {
				cuts = append(cuts, 1+rnd.IntN(len(z)-1))
			}
			for _, cut := range cuts {
				got, gotFormat, err := readAll(t, bytes.NewReader(z[:cut]))
				if gotFormat != f && cut >= 4 {
					t.Errorf("cut %d: format %v", cut, gotFormat)
				}
				if gotFormat != f {
					continue
				}
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("cut %d of %d: error %v, want io.ErrUnexpectedEOF", cut, len(z), err)
				}
				if !bytes.HasPrefix(data, got) {
					t.Fatalf("cut %d: %d bytes that are not a prefix of the input", cut, len(got))
				}
				if want := sequential(f, z[:cut]); len(got) < want {
					t.Errorf("cut %d of %d: %d bytes, a sequential decoder gets %d", cut, len(z), len(got), want)
				}
			}
		})
	}
}

// TestTruncatedSecondStream cuts a two-stream input inside the second
// stream's header: the first stream comes out whole, then
// io.ErrUnexpectedEOF.
func TestTruncatedSecondStream(t *testing.T) {
	data := testData(100000)
	for _, f := range []Format{Gzip, Bzip2, Xz} {
		first := compress(t, f, data, 9)
		second := compress(t, f, data, 9)
		for k := 1; k <= 14; k++ {
			z := append(slices.Clone(first), second[:k]...)
			got, _, err := readAll(t, bytes.NewReader(z))
			if !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(got, data) {
				t.Errorf("%v, %d bytes of the second stream: %d bytes, error %v; want %d, then io.ErrUnexpectedEOF", f, k, len(got), err, len(data))
			}
		}
	}
}

// sequential is how many bytes a sequential decoder gets out of z before
// it fails.
func sequential(f Format, z []byte) int {
	var r io.Reader
	var err error
	switch f {
	case Gzip:
		r, err = gzip.NewReader(bytes.NewReader(z))
	case Xz:
		// ulikunitz/xz drops the part of an LZMA2 chunk (up to 2 MiB of
		// output) it decoded before an error; there is nothing to compare.
		return 0
	case Bzip2:
		r = stdbzip2.NewReader(bytes.NewReader(z))
	}
	if err != nil {
		return 0
	}
	n, _ := io.Copy(io.Discard, r)
	return int(n)
}

// TestConcatenated decodes streams joined end to end, as cat a.gz b.gz
// makes them, including an empty stream and different bzip2 levels.
func TestConcatenated(t *testing.T) {
	a, b := testData(300000), testData(150000)[1000:]
	for _, f := range []Format{None, Gzip, Bzip2, Xz} {
		t.Run(f.String(), func(t *testing.T) {
			var z []byte
			z = append(z, compress(t, f, a, 1)...)
			z = append(z, compress(t, f, nil, 9)...)
			z = append(z, compress(t, f, b, 9)...)
			got, gotFormat, err := readAll(t, bytes.NewReader(z))
			want := append(append([]byte(nil), a...), b...)
			if err != nil || gotFormat != f || !bytes.Equal(got, want) {
				t.Errorf("format %v, %d bytes, want %d; error %v", gotFormat, len(got), len(want), err)
			}
		})
	}
}

// TestEmpty decodes empty streams and empty input.
func TestEmpty(t *testing.T) {
	for _, f := range []Format{None, Gzip, Bzip2, Xz} {
		got, gotFormat, err := readAll(t, bytes.NewReader(compress(t, f, nil, 9)))
		if err != nil || gotFormat != f || len(got) != 0 {
			t.Errorf("%v: format %v, %d bytes, error %v", f, gotFormat, len(got), err)
		}
	}
}

// TestDamagedBzip2 flips a byte inside a block: the output must be every
// block before it, as bzip2recover and bzip2 -dc salvage them, then an
// error that names the block.
func TestDamagedBzip2(t *testing.T) {
	data := testData(1 << 20)
	z := compress(t, Bzip2, data, 1)
	path := filepath.Join(t.TempDir(), "damaged.bz2")
	for _, at := range []int{len(z) / 4, len(z) / 2, len(z) - 100} {
		bad := slices.Clone(z)
		bad[at] ^= 0x10
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		want, damaged := reference(t, path)
		if !damaged {
			t.Fatalf("flipping byte %d did not damage the stream", at)
		}
		got, _, err := readAll(t, bytes.NewReader(bad))
		if err == nil || !strings.Contains(err.Error(), "block") {
			t.Errorf("byte %d: error %v, want one naming the block", at, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("byte %d: %d bytes, want the %d bytes of the blocks before", at, len(got), len(want))
		}
	}
}

// TestTrailingData checks that data after a complete stream is reported
// after all the decoded bytes, not ignored.
func TestTrailingData(t *testing.T) {
	data := testData(200000)
	for _, f := range []Format{Gzip, Bzip2, Xz} {
		z := append(compress(t, f, data, 9), "trailing garbage"...)
		got, _, err := readAll(t, bytes.NewReader(z))
		if err == nil || !bytes.Equal(got, data) {
			t.Errorf("%v: %d bytes of %d, error %v; want all bytes, then an error", f, len(got), len(data), err)
		}
	}
}

// errReader fails after n bytes.
type errReader struct {
	r io.Reader
	n int
}

var errDisk = errors.New("disk on fire")

func (e *errReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, errDisk
	}
	n, err := e.r.Read(p[:min(len(p), e.n)])
	e.n -= n
	return n, err
}

// TestReadError passes the source's error through, wrapped.
func TestReadError(t *testing.T) {
	data := testData(1 << 20)
	for _, f := range []Format{None, Gzip, Bzip2, Xz} {
		z := compress(t, f, data, 1)
		got, _, err := readAll(t, &errReader{r: bytes.NewReader(z), n: len(z) / 2})
		if !errors.Is(err, errDisk) || !bytes.HasPrefix(data, got) {
			t.Errorf("%v: %d bytes, error %v; want a prefix, then the read error", f, len(got), err)
		}
	}
	if _, _, err := NewReader(&errReader{n: 0}); !errors.Is(err, errDisk) {
		t.Errorf("error reading the magic: %v", err)
	}
}

// TestFalseMagic splits real block segments where no magic is, as a magic
// pattern inside a block's data would, and checks that the reader joins
// them again; an end-of-stream pattern as well.
func TestFalseMagic(t *testing.T) {
	data := testData(1 << 20)
	z := compress(t, Bzip2, data, 1)
	var segs []*segment
	(&bzScanner{r: bytes.NewReader(z)}).run(func(s *segment) bool {
		segs = append(segs, s)
		return true
	})
	if len(segs) < 10 {
		t.Fatalf("%d segments", len(segs))
	}
	for _, tc := range []struct {
		name  string
		split map[int]int // segment index -> number of pieces
		kind  segKind     // of the pieces after the first
	}{
		{"one false block magic", map[int]int{3: 2}, segBlock},
		{"false end-of-stream magic", map[int]int{5: 2}, segEnd},
		{"three in one block", map[int]int{2: 4}, segBlock},
		{"in the last block", map[int]int{len(segs) - 2: 2}, segBlock},
		{"in two blocks", map[int]int{1: 2, 6: 3}, segBlock},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fake []*segment
			for i, s := range segs {
				if pieces := tc.split[i]; pieces > 1 {
					fake = append(fake, splitSegment(s, pieces, tc.kind)...)
				} else {
					fake = append(fake, newSegment(s.kind, s.start, s.bits(), 0, s.nbits))
				}
			}
			fake[len(fake)-1].last = true
			z := startBzip2(func(emit func(*segment) bool) {
				for _, s := range fake {
					if !emit(s) {
						return
					}
				}
			})
			got, err := io.ReadAll(z)
			z.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%d bytes, want %d; error %v", len(got), len(data), err)
			}
		})
	}
}

// splitSegment cuts a block segment into pieces at arbitrary bit
// positions.
func splitSegment(s *segment, pieces int, kind segKind) []*segment {
	var out []*segment
	bits := s.bits()
	from := int64(0)
	for i := 1; i <= pieces; i++ {
		to := s.nbits * int64(i) / int64(pieces)
		if i < pieces {
			to -= int64(i * 13) // not on a byte boundary
		}
		k := kind
		if i == 1 {
			k = s.kind
		}
		out = append(out, newSegment(k, s.start+from, bits[from/8:], uint(from%8), to-from))
		from = to
	}
	return out
}

// TestEarlyClose stops reading after a few bytes, or before reading at
// all: Close must stop every goroutine, and Read after Close must fail,
// not hang.
func TestEarlyClose(t *testing.T) {
	data := testData(4 << 20)
	var inputs [][]byte
	for _, f := range []Format{None, Gzip, Bzip2, Xz} {
		inputs = append(inputs, compress(t, f, data, 1))
	}
	before := runtime.NumGoroutine()
	for range 3 {
		for _, z := range inputs {
			for _, n := range []int{0, 1, 200000} {
				rc, _, err := NewReader(bytes.NewReader(z))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(rc, make([]byte, n)); err != nil {
					t.Fatal(err)
				}
				if err := rc.Close(); err != nil {
					t.Fatal(err)
				}
				if err := rc.Close(); err != nil {
					t.Errorf("second Close: %v", err)
				}
			}
		}
	}
	// Close has waited for the goroutines; give the runtime a moment to
	// retire them.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	for _, z := range inputs[1:] {
		rc, f, err := NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		done := make(chan error)
		go func() {
			_, err := io.ReadAll(rc)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, errClosed) {
				t.Errorf("%v: Read after Close: %v", f, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%v: Read after Close hangs", f)
		}
	}
}

func TestOpen(t *testing.T) {
	if _, _, err := Open(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	data := testData(100000)
	dir := t.TempDir()
	for _, f := range []Format{None, Gzip, Bzip2, Xz} {
		// The name says nothing: detection is by content.
		path := filepath.Join(dir, "dump.gz")
		if err := os.WriteFile(path, compress(t, f, data, 9), 0o644); err != nil {
			t.Fatal(err)
		}
		rc, got, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(rc)
		if cerr := rc.Close(); cerr != nil {
			t.Errorf("Close: %v", cerr)
		}
		if got != f || err != nil || !bytes.Equal(out, data) {
			t.Errorf("%v: format %v, %d bytes, error %v", f, got, len(out), err)
		}
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte{0x1f, 0x8b, 8, 0xff}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, f, err := Open(bad); err == nil || f != Gzip || !strings.Contains(err.Error(), "gzip") || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad gzip header: format %v, error %v", f, err)
	}
}

// TestStdlibAgrees cross-checks the gzip path against compress/gzip on a
// multi-member stream, in case klauspost and the system tool share a bug.
func TestStdlibAgrees(t *testing.T) {
	data := testData(500000)
	z := append(compress(t, Gzip, data[:1000], 9), compress(t, Gzip, data[1000:], 9)...)
	zr, err := stdgzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := readAll(t, bytes.NewReader(z))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%d bytes, compress/gzip %d; error %v", len(got), len(want), err)
	}
}

// TestBitHelpers checks the bit-string helpers against a bit-by-bit model.
func TestBitHelpers(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	src := make([]byte, 64)
	for i := range src {
		src[i] = byte(rnd.Uint32())
	}
	bit := func(b []byte, i int64) byte { return b[i/8] >> (7 - i%8) & 1 }
	for shift := range uint(8) {
		for _, nbits := range []int64{0, 1, 7, 8, 9, 63, 64, 65, 200, 400} {
			dst := make([]byte, (nbits+7)/8)
			copyBits(dst, src, shift, nbits)
			for i := range int64(len(dst)) * 8 {
				want := byte(0)
				if i < nbits {
					want = bit(src, int64(shift)+i)
				}
				if bit(dst, i) != want {
					t.Fatalf("copyBits shift %d nbits %d: bit %d wrong", shift, nbits, i)
				}
			}
			for _, dbits := range []int64{0, 3, 8, 13} {
				head := make([]byte, (dbits+7)/8)
				copyBits(head, src[10:], 0, dbits)
				if r := dbits % 8; r != 0 {
					head[len(head)-1] |= 0xff >> r // junk past dbits
				}
				joined, total := appendBits(head, dbits, dst, nbits)
				if total != dbits+nbits || int64(len(joined)) != (total+7)/8 {
					t.Fatalf("appendBits: %d bits in %d bytes", total, len(joined))
				}
				for i := range int64(len(joined)) * 8 {
					want := byte(0)
					switch {
					case i < dbits:
						want = bit(src[10:], i)
					case i < total:
						want = bit(dst, i-dbits)
					}
					if bit(joined, i) != want {
						t.Fatalf("appendBits %d+%d: bit %d wrong", dbits, nbits, i)
					}
				}
			}
		}
	}
	if got := getBits([]byte{0x12, 0x34, 0x56}, 4, 12); got != 0x234 {
		t.Errorf("getBits = %#x", got)
	}
	if got := blockCRC([]byte("123456789")); got != 0xfc891918 {
		t.Errorf("blockCRC(123456789) = %08x, want fc891918 (CRC-32/BZIP2)", got)
	}
}
