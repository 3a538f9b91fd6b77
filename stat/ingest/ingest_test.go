package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
	"github.com/routestat/routestat/stat/index"
)

// ingestFiles ingests files into the index in dir.
func ingestFiles(t *testing.T, dir string, opt Options, files ...string) Stats {
	t.Helper()
	srcs, err := (&Finder{Collector: "rrc00"}).Find(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	st, err := Run(context.Background(), ix, srcs, opt)
	if cerr := ix.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// storeContents reads every key and value of the Badger store in dir.
func storeContents(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithReadOnly(true))
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	defer db.Close()
	kv := map[string][]byte{}
	err = db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			kv[string(it.Item().KeyCopy(nil))] = v
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

// sameStore reports the first differences between two stores.
func sameStore(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d keys, want %d", what, len(got), len(want))
	}
	var diffs []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("missing key %x", k))
		} else if !bytes.Equal(g, v) {
			diffs = append(diffs, fmt.Sprintf("key %x: value %x, want %x", k, g, v))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("extra key %x", k))
		}
	}
	slices.Sort(diffs)
	for i, d := range diffs {
		if i == 5 {
			t.Errorf("%s: ... %d differences in all", what, len(diffs))
			break
		}
		t.Errorf("%s: %s", what, d)
	}
}

// TestIngestIdempotent ingests real RIS files, then the same files again,
// in another order and in smaller batches: nothing changes.
func TestIngestIdempotent(t *testing.T) {
	a := sharedtest.MRT(t, "incident-youtube-2008/updates.20080224.2041.bz2")
	b := sharedtest.MRT(t, "incident-youtube-2008/updates.20080224.2056.bz2")
	dir := t.TempDir()
	st := ingestFiles(t, dir, Options{}, b, a)
	if st.Files != 2 || st.Events == 0 || st.BadRecords != 0 {
		t.Fatalf("first ingest: %+v", st)
	}
	once := storeContents(t, dir)
	st = ingestFiles(t, dir, Options{BatchSize: 1000}, a, b)
	if st.Skipped != 2 || st.Events != 0 {
		t.Errorf("second ingest: %+v, want both files skipped", st)
	}
	sameStore(t, "after ingesting twice", storeContents(t, dir), once)
}

// TestIngestCorrupt damages an MRT file in the middle: the damage is
// reported with the file and offset, and the records after it are
// ingested.
func TestIngestCorrupt(t *testing.T) {
	src := sharedtest.MRT(t, "libbgpstream-testdumps/ris.rrc06.updates.1401488100.gz")
	f, err := mrtdump.Open(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	var offsets []int64
	for rec, err := range f.All() {
		if err != nil {
			t.Fatal(err)
		}
		offsets = append(offsets, int64(raw.Len()))
		var h [12]byte
		binary.BigEndian.PutUint32(h[0:], rec.Time)
		binary.BigEndian.PutUint16(h[4:], uint16(rec.Type))
		binary.BigEndian.PutUint16(h[6:], rec.Subtype)
		binary.BigEndian.PutUint32(h[8:], uint32(len(rec.Body)))
		raw.Write(h[:])
		raw.Write(rec.Body)
	}
	f.Close()
	b := raw.Bytes()
	// Break the header of a record in the middle: an impossible type.
	mid := offsets[len(offsets)/2]
	copy(b[mid+4:], []byte{0xff, 0xee})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(b)
	zw.Close()
	bad := filepath.Join(t.TempDir(), "updates.20140530.2215.gz")
	if err := os.WriteFile(bad, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	st := ingestFiles(t, t.TempDir(), Options{Log: slog.New(slog.NewTextHandler(&logs, nil))}, bad)
	clean := ingestFiles(t, t.TempDir(), Options{}, src)
	if st.BadRecords != 1 {
		t.Errorf("%d bad records, want 1", st.BadRecords)
	}
	if !strings.Contains(logs.String(), fmt.Sprintf("offset=%d", mid)) || !strings.Contains(logs.String(), bad) {
		t.Errorf("the log does not name the file and offset %d:\n%s", mid, logs.String())
	}
	// Only the broken record's events are lost.
	if st.Events >= clean.Events || st.Events < clean.Events-50 || st.Records != clean.Records-1 {
		t.Errorf("damaged file: %d records, %d events; clean: %d records, %d events", st.Records, st.Events, clean.Records, clean.Events)
	}
}

// TestIngestKilled kills an ingest (SIGKILL) in the middle, runs it
// again, and compares the store with a clean run's: nothing lost or
// doubled. The killed ingest is this test binary run again (see
// TestMain); it reports each batch applied, and is killed at a different
// point after a number of them each time.
func TestIngestKilled(t *testing.T) {
	files := []string{
		sharedtest.MRT(t, "incident-youtube-2008/updates.20080224.1824.bz2"),
		sharedtest.MRT(t, "incident-youtube-2008/updates.20080224.1954.bz2"),
		sharedtest.MRT(t, "incident-youtube-2008/updates.20080224.2009.bz2"),
	}
	clean := t.TempDir()
	ingestFiles(t, clean, Options{BatchSize: helperBatch}, files...)
	want := storeContents(t, clean)

	for _, kill := range []struct {
		batches int
		delay   time.Duration
	}{{3, 0}, {30, 7 * time.Millisecond}, {61, 3 * time.Millisecond}} {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir+"\n"+strings.Join(files, "\n"))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		n := 0
		for n < kill.batches && sc.Scan() {
			n++
		}
		time.Sleep(kill.delay)
		cmd.Process.Kill()
		io.Copy(io.Discard, stdout)
		err = cmd.Wait()
		if n < kill.batches || err == nil {
			t.Fatalf("the ingest ended after %d batches (%v) before it was killed:\n%s", n, err, stderr.String())
		}
		st := ingestFiles(t, dir, Options{BatchSize: helperBatch}, files...)
		t.Logf("killed after %d batches + %s; the rerun applied %d events, skipped %d files", n, kill.delay, st.Events, st.Skipped)
		sameStore(t, fmt.Sprintf("killed after %d batches and resumed", n), storeContents(t, dir), want)
	}
}

const (
	helperEnv   = "ROUTESTAT_INGEST_HELPER"
	helperBatch = 2000
)

// TestMain runs the ingest that TestIngestKilled kills when the test
// binary is started with ROUTESTAT_INGEST_HELPER set to the index
// directory and the files, one per line.
func TestMain(m *testing.M) {
	if arg := os.Getenv(helperEnv); arg != "" {
		os.Exit(helperIngest(strings.Split(arg, "\n")))
	}
	os.Exit(m.Run())
}

// reportingStore prints a line after each batch applied.
type reportingStore struct{ *index.Index }

func (s reportingStore) Apply(ctx context.Context, events []index.Event, cp index.Checkpoint) error {
	if err := s.Index.Apply(ctx, events, cp); err != nil {
		return err
	}
	_, err := fmt.Printf("applied %s %d\n", filepath.Base(cp.Source), cp.Offset)
	return err
}

func helperIngest(args []string) int {
	srcs, err := (&Finder{Collector: "rrc00"}).Find(context.Background(), args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ix, err := index.Open(args[0], index.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer ix.Close()
	_, err = Run(context.Background(), reportingStore{ix}, srcs, Options{BatchSize: helperBatch, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
