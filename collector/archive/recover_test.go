package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/mrtdump"
)

// stateEvents returns n state-change events one millisecond apart from at.
func stateEvents(at time.Time, n int) []*bus.Event {
	evs := make([]*bus.Event, n)
	for i := range evs {
		evs[i] = &bus.Event{Kind: bus.KindState, Time: at.Add(time.Duration(i) * time.Millisecond), PeerAddr: netip.MustParseAddr("192.0.2.1"),
			LocalAddr: netip.MustParseAddr("192.0.2.254"), PeerAS: 64500, LocalAS: 64496, OldState: uint16(1 + i%5), NewState: uint16(2 + i%5)}
	}
	return evs
}

// decompressed returns the MRT bytes of a complete gzip file, failing the
// test if the file is not one.
func decompressed(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s is not a complete gzip file: %v", path, err)
	}
	return b
}

// TestRecoverCut recovers temporary files cut at many points, as a crash
// leaves them: the published file is a complete gzip file holding a prefix
// of whole records, at least every record flushed before the cut, and
// bgpdump reads it; a file without a whole record is removed, and no
// temporary file stays.
func TestRecoverCut(t *testing.T) {
	needBgpdump(t)
	for _, et := range []bool{false, true} {
		// A temporary file as Run writes it: a sync flush after each record.
		at := time.Date(2026, 11, 23, 12, 7, 31, 0, time.UTC)
		var gz, raw bytes.Buffer
		zw := gzip.NewWriter(&gz)
		w := mrtdump.NewWriter(io.MultiWriter(zw, &raw))
		var flushedAt []int // compressed size after each record's flush
		for _, ev := range stateEvents(at, 50) {
			h := mrtdump.BGP4MPInfo{Time: uint32(ev.Time.Unix()), Microseconds: uint32(ev.Time.Nanosecond() / 1000), ET: et, PeerAS: ev.PeerAS, LocalAS: ev.LocalAS, PeerAddr: ev.PeerAddr, LocalAddr: ev.LocalAddr, AS4: true}
			if err := w.WriteStateChange(&h, ev.OldState, ev.NewState); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := zw.Flush(); err != nil {
				t.Fatal(err)
			}
			flushedAt = append(flushedAt, gz.Len())
		}
		recLen := raw.Len() / 50
		full := gz.Bytes() // no gzip trailer: the file was never closed
		cuts := []int{0, 5, 10, flushedAt[0] - 1, flushedAt[0], flushedAt[0] + 3, flushedAt[24] + 1, len(full) - 1, len(full)}
		for cut := 11; cut < len(full); cut += 97 {
			cuts = append(cuts, cut)
		}
		for _, cut := range cuts {
			t.Run(fmt.Sprintf("ET=%v/%d", et, cut), func(t *testing.T) {
				dir := t.TempDir()
				month := filepath.Join(dir, "rrc99", "2026.11")
				if err := os.MkdirAll(month, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(month, ".updates.20261123.1205.gz.tmp"), full[:cut], 0o644); err != nil {
					t.Fatal(err)
				}
				reg := prometheus.NewRegistry()
				if _, err := New(Config{Dir: dir, Collector: "rrc99"}, nil, reg); err != nil {
					t.Fatal(err)
				}
				flushed := 0
				for _, n := range flushedAt {
					if n <= cut {
						flushed++
					}
				}
				files := listFiles(t, dir)
				if len(files) == 0 && flushed == 0 {
					return // nothing whole to recover: the file was removed
				}
				if want := []string{"rrc99/2026.11/updates.20261123.1205.gz"}; !slices.Equal(files, want) {
					t.Fatalf("files %v, want %v", files, want)
				}
				path := filepath.Join(dir, files[0])
				got := decompressed(t, path)
				if len(got)%recLen != 0 || len(got) < flushed*recLen || !bytes.HasPrefix(raw.Bytes(), got) {
					t.Fatalf("recovered %d bytes, want a prefix of whole %d-byte records, at least %d", len(got), recLen, flushed)
				}
				if n := len(bgpdumpLines(t, path)); n != len(got)/recLen {
					t.Fatalf("bgpdump prints %d lines for %d records", n, len(got)/recLen)
				}
				if n := metricSum(t, reg, "routestat_archive_files_total"); n != 1 {
					t.Fatalf("files metric %v", n)
				}
			})
		}
	}
}

// TestRecoverRepeat: a crash after a temporary file was linked to its
// final name but before it was removed leaves both; the next start only
// removes the temporary file instead of publishing the records twice. A
// stale ".recovered" file from a crash during recovery is replaced, not
// truncated through.
func TestRecoverRepeat(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 7, 31, 0, time.UTC)
	dir := t.TempDir()
	if _, _, err := runArchive(t, Config{Dir: dir, Collector: "rrc99", Now: func() time.Time { return at }}, stateEvents(at, 3)); err != nil {
		t.Fatal(err)
	}
	month := filepath.Join(dir, "rrc99", "2026.11")
	final := filepath.Join(month, "updates.20261123.1205.gz")
	before := decompressed(t, final)
	if err := os.Link(final, filepath.Join(month, ".updates.20261123.1205.gz.tmp")); err != nil {
		t.Fatal(err)
	}
	// A half-written recovery of another interval's file, hard-linked to
	// a published file as a crash in publish would leave it.
	other := filepath.Join(month, "updates.20261123.1210.gz")
	if err := os.WriteFile(other, []byte("earlier run"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(other, filepath.Join(month, ".updates.20261123.1215.gz.tmp.recovered")); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(final)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(month, ".updates.20261123.1215.gz.tmp"), full[:len(full)-8], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Dir: dir, Collector: "rrc99"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"rrc99/2026.11/updates.20261123.1205.gz", "rrc99/2026.11/updates.20261123.1210.gz", "rrc99/2026.11/updates.20261123.1215.gz"}
	if files := listFiles(t, dir); !slices.Equal(files, want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	if !bytes.Equal(decompressed(t, final), before) {
		t.Fatal("published file changed")
	}
	if b, _ := os.ReadFile(other); string(b) != "earlier run" {
		t.Fatalf("published file overwritten through a stale link: %q", b)
	}
	if !bytes.Equal(decompressed(t, filepath.Join(dir, want[2])), before) {
		t.Fatal("recovered file differs")
	}
}

// failAfter is a writer that fails with ENOSPC once n bytes were written.
type failAfter struct {
	w io.Writer
	n int
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n, _ := f.w.Write(p[:f.n])
		f.n = 0
		return n, &os.PathError{Op: "write", Path: "archive file", Err: syscall.ENOSPC}
	}
	f.n -= len(p)
	return f.w.Write(p)
}

// TestWriteFailure: a full disk in the middle of a file stops Run with an
// error naming the file and the cause, counts it, and publishes nothing;
// the next start recovers the records that reached the disk.
func TestWriteFailure(t *testing.T) {
	needBgpdump(t)
	at := time.Date(2026, 11, 23, 12, 7, 31, 0, time.UTC)
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	a, err := New(Config{Dir: dir, Collector: "rrc99", FlushInterval: time.Millisecond, Now: func() time.Time { return at }}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	a.wrapFile = func(w io.Writer) io.Writer { return &failAfter{w: w, n: 3000} }
	b := bus.New()
	sub := b.Subscribe("archive", 100000)
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background(), sub) }()
	const n = 20000
	for i, ev := range stateEvents(at, n) {
		b.Publish(ev)
		if i%1000 == 0 {
			time.Sleep(2 * time.Millisecond) // let some flushes happen
		}
	}
	var runErr error
	select {
	case runErr = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop on a full disk")
	}
	tmp := filepath.Join(dir, "rrc99", "2026.11", ".updates.20261123.1205.gz.tmp")
	if runErr == nil || !errors.Is(runErr, syscall.ENOSPC) || !strings.Contains(runErr.Error(), tmp) {
		t.Fatalf("Run: %v; want ENOSPC naming %s", runErr, tmp)
	}
	if got := metricSum(t, reg, "routestat_archive_errors_total"); got != 1 {
		t.Fatalf("errors metric %v, want 1", got)
	}
	if files := listFiles(t, dir); !slices.Equal(files, []string{"rrc99/2026.11/.updates.20261123.1205.gz.tmp"}) {
		t.Fatalf("files after the failure: %v", files)
	}
	if _, err := New(Config{Dir: dir, Collector: "rrc99"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rrc99", "2026.11", "updates.20261123.1205.gz")
	got := readRecords(t, path)
	if got == 0 || got >= n || len(bgpdumpLines(t, path)) != got {
		t.Fatalf("recovered %d of %d records; bgpdump must read them all", got, n)
	}
	t.Logf("%d records recovered from the 3000 bytes written before the disk filled", got)
}

// TestConfig: configurations the archive cannot follow, an unusable
// directory and metrics registered twice are errors from New, with the
// cause.
func TestConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plainfile")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no dir", Config{Collector: "rrc99"}, "no directory"},
		{"no collector", Config{Dir: dir}, "collector name"},
		{"collector path", Config{Dir: dir, Collector: "../rrc99"}, "collector name"},
		{"seconds", Config{Dir: dir, Collector: "rrc99", UpdatesInterval: 90 * time.Second}, "updates interval"},
		{"not dividing a day", Config{Dir: dir, Collector: "rrc99", UpdatesInterval: 7 * time.Minute}, "updates interval"},
		{"dir is a file", Config{Dir: file, Collector: "rrc99"}, file + "/rrc99: mkdir"},
		{"dir under a file", Config{Dir: filepath.Join(file, "x"), Collector: "rrc99"}, "not a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v; want an error containing %q", err, tc.want)
			}
		})
	}
	reg := prometheus.NewRegistry()
	if _, err := New(Config{Dir: dir, Collector: "rrc99"}, nil, reg); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Dir: dir, Collector: "rrc98"}, nil, reg); err != nil {
		t.Fatalf("second collector in one registry: %v", err)
	}
	if _, err := New(Config{Dir: dir, Collector: "rrc99"}, nil, reg); err == nil || !strings.Contains(err.Error(), "rrc99") {
		t.Fatalf("same collector registered twice: %v", err)
	}
}
