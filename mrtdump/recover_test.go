package mrtdump

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/routestat/routestat/internal/sharedtest"
)

// readResync reads a file with Resync on, printing with opt, and returns the
// output and the framing errors it recovered from.
func readResync(t *testing.T, path string, opt DumpOptions) (out []byte, records int, resumed []*FramingError, final error) {
	t.Helper()
	r := testOpenMRT(t, path)
	r.Resync = true
	var buf bytes.Buffer
	d := NewDumper(&buf, opt)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var fe *FramingError
		if errors.As(err, &fe) && fe.Resumed {
			resumed = append(resumed, fe)
			continue
		}
		if err != nil {
			final = err
			break
		}
		records++
		_ = d.Record(rec)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), records, resumed, final
}

// TestRecoverBatchedTableDump reads RIS rrc00's bview of 2000-01-11, whose
// producer batched many TABLE_DUMP entries per record and declared every
// record 4 bytes short. bgpdump prints one line and stops; PROVENANCE gives
// the true content: 2,490 records, 452,018 entries, 82,377 distinct
// prefixes, 7 peers.
func TestRecoverBatchedTableDump(t *testing.T) {
	path := filepath.Join(sharedtest.Dir(t), "testdata", "mrt", "ris-historic-bgpkit", "rrc00", "bview.20000111.0032.gz")
	out, records, resumed, final := readResync(t, path, DumpOptions{Fix: true})
	if final != nil || len(resumed) != 0 {
		t.Fatalf("framing not repaired: final %v, %d resyncs", final, len(resumed))
	}
	if records != 2490 {
		t.Errorf("records = %d, want 2490", records)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	prefixes := map[string]bool{}
	peers := map[string]bool{}
	for _, l := range lines {
		f := strings.Split(l, "|")
		if len(f) != 15 || f[0] != "TABLE_DUMP" || f[2] != "B" {
			t.Fatalf("malformed line %q", l)
		}
		prefixes[f[5]] = true
		peers[f[3]+"|"+f[4]] = true
	}
	if len(lines) != 452018 || len(prefixes) != 82377 || len(peers) != 7 {
		t.Errorf("got %d entries, %d prefixes, %d peers; want 452018, 82377, 7", len(lines), len(prefixes), len(peers))
	}
	// Without -fix, the first entry of each record, as bgpdump would.
	plain, _, _, _ := readResync(t, path, DumpOptions{})
	if n := bytes.Count(plain, []byte("\n")); n != 2490 {
		t.Errorf("default output has %d lines, want one per record (2490)", n)
	}
	want := testReference(t, path)
	if !bytes.HasPrefix(plain, want) {
		t.Errorf("default output does not begin with bgpdump's line")
	}
}

// TestRecoverDamagedUpdates reads RIS rrc00's updates of 2000-03-25, which
// has two damaged record boundaries. bgpdump stops at the first; with Resync
// the Reader skips the damage, reports where, and reads the rest.
func TestRecoverDamagedUpdates(t *testing.T) {
	path := filepath.Join(sharedtest.Dir(t), "testdata", "mrt", "ris-historic-bgpkit", "rrc00", "updates.20000325.0345.gz")
	out, records, resumed, final := readResync(t, path, DumpOptions{})
	if final != nil {
		t.Fatalf("reading stopped: %v", final)
	}
	if len(resumed) == 0 || len(resumed) > 4 {
		t.Fatalf("%d resyncs, want 1 to 4: %v", len(resumed), resumed)
	}
	for _, fe := range resumed {
		if fe.Skipped <= 0 || !strings.Contains(fe.Error(), "byte offset") {
			t.Errorf("resync report %q lacks offset or skipped bytes", fe)
		}
	}
	want := testReference(t, path)
	if !bytes.HasPrefix(out, want) {
		t.Fatalf("output does not begin with bgpdump's lines:\n%s", firstDiff(want, out))
	}
	extra := strings.Split(strings.TrimSuffix(string(out[len(want):]), "\n"), "\n")
	if len(extra) < 1000 {
		t.Fatalf("recovered only %d lines after the damage", len(extra))
	}
	for _, l := range extra {
		f := strings.Split(l, "|")
		if f[0] != "BGP" || len(f) < 6 || !strings.Contains(f[5], "/") && f[2] != "STATE" {
			t.Fatalf("recovered line malformed: %q", l)
		}
	}
	t.Logf("%d records, %d resyncs, %d lines recovered after bgpdump stops", records, len(resumed), len(extra))
}
