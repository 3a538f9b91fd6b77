package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
)

// storeDump reads every key and value of the store.
func storeDump(t testing.TB, ix *Index) map[string][]byte {
	t.Helper()
	kv := map[string][]byte{}
	err := ix.db.View(func(txn *badger.Txn) error {
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

func sameDump(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	n := 0
	for k, v := range want {
		if g, ok := got[k]; !ok || !bytes.Equal(g, v) {
			if n++; n <= 5 {
				t.Errorf("%s: key %x: %x, want %x", what, k, g, v)
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			if n++; n <= 5 {
				t.Errorf("%s: extra key %x", what, k)
			}
		}
	}
	if n > 0 {
		t.Errorf("%s: %d differences in %d keys (want %d)", what, n, len(got), len(want))
	}
}

// interrupting is a context whose Err reports cancellation at every
// every-th call: Apply checks it before each transaction, so an Apply
// stops between two committed transactions, as a crash would.
type interrupting struct {
	context.Context
	calls *int
	every int
}

func (c interrupting) Err() error {
	if *c.calls++; *c.calls%c.every == 0 {
		return context.Canceled
	}
	return nil
}

// resumableIngest ingests files like the ingest layer: from each file's
// stored checkpoint, batch events, Apply. ctx gives the context of each
// Apply; an Apply stopped by it ends the run (false).
func resumableIngest(t *testing.T, ix *Index, files []string, batch int, ctx func() context.Context) bool {
	t.Helper()
	for _, name := range files {
		cp, ok, err := ix.Checkpoint(name)
		if err != nil {
			t.Fatal(err)
		}
		if ok && cp.Done {
			continue
		}
		f, err := mrtdump.Open(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		conv := NewConverter("rv")
		var evs []Event
		flush := func(done bool) bool {
			err := ix.Apply(ctx(), evs, Checkpoint{Source: name, Offset: f.Offset(), Done: done})
			if errors.Is(err, context.Canceled) {
				return false
			}
			if err != nil {
				t.Fatal(err)
			}
			evs = evs[:0]
			return true
		}
		for {
			rec, err := f.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Offset < cp.Offset {
				_ = conv.Record(rec, func(Event) {})
				continue
			}
			_ = conv.Record(rec, func(e Event) { evs = append(evs, e) })
			if len(evs) >= batch && !flush(false) {
				f.Close()
				return false
			}
		}
		ok = flush(true)
		f.Close()
		if !ok {
			return false
		}
	}
	return true
}

// TestApplyInterruptedAndRepeated stops ingests between the transactions
// of a batch (as a crash would), reopens and resumes them: the store ends
// byte for byte as after one uninterrupted run. Ingesting everything again
// changes nothing.
func TestApplyInterruptedAndRepeated(t *testing.T) {
	files := []string{
		sharedtest.MRT(t, "libbgpstream-testdumps/ris.rrc06.updates.1401488100.gz"),
		sharedtest.MRT(t, "ripe-bgpdump-testdata/updates.20020722.2238.gz"),
	}
	opt := Options{SnapshotEvery: 4}
	background := func() context.Context { return context.Background() }
	clean := openTest(t, opt)
	clean.chunkEvents = 300
	resumableIngest(t, clean, files, 1000, background)
	want := storeDump(t, clean)

	for _, stopAfter := range []int{1, 2, 7, 23} {
		t.Run(fmt.Sprint(stopAfter), func(t *testing.T) {
			dir := t.TempDir()
			calls, stops := 0, 0
			ctx := interrupting{Context: context.Background(), calls: &calls, every: stopAfter + 1}
			for run := 0; ; run++ {
				ix, err := Open(dir, opt)
				if err != nil {
					t.Fatal(err)
				}
				ix.chunkEvents = 300
				// after every stopAfter transactions, the ingest stops
				done := resumableIngest(t, ix, files, 1000, func() context.Context { return ctx })
				if err := ix.Close(); err != nil {
					t.Fatal(err)
				}
				if done {
					break
				}
				stops++
				if run > 1000 {
					t.Fatal("the ingest makes no progress")
				}
			}
			ix, err := Open(dir, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			if stops == 0 {
				t.Fatal("the ingest was never interrupted")
			}
			sameDump(t, fmt.Sprintf("stopped %d times", stops), storeDump(t, ix), want)
			// and again: every batch is already applied
			resumableIngest(t, ix, files, 1000, background)
			for _, f := range files {
				if err := ix.Apply(context.Background(), []Event{{Kind: Withdraw, Time: time.Unix(1, 0), Collector: "rv",
					PeerAddr: netip.MustParseAddr("192.0.2.1"), Prefix: netip.MustParsePrefix("10.0.0.0/8")}},
					Checkpoint{Source: f, Offset: 100}); err != nil {
					t.Fatal(err)
				}
			}
			sameDump(t, "after applying again", storeDump(t, ix), want)
		})
	}
}

// TestApplyWriteError breaks the store under an open index: Apply and
// the queries return errors, nothing panics.
func TestApplyWriteError(t *testing.T) {
	ix, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := Event{Kind: Announce, Time: time.Unix(1700000000, 0), Collector: "c", PeerAddr: netip.MustParseAddr("192.0.2.1"),
		PeerAS: 64500, Prefix: netip.MustParsePrefix("10.0.0.0/8"), Attrs: &Attrs{ASPath: []Segment{{ASNs: []uint32{64500}}}}}
	if err := ix.Apply(context.Background(), []Event{ev}, Checkpoint{Source: "s", Offset: 1}); err != nil {
		t.Fatal(err)
	}
	close(ix.stop)
	<-ix.done
	if err := ix.db.Close(); err != nil {
		t.Fatal(err)
	}
	ev.Time = ev.Time.Add(time.Second)
	err = ix.Apply(context.Background(), []Event{ev}, Checkpoint{Source: "s", Offset: 2})
	if err == nil {
		t.Fatal("Apply on a closed store succeeded")
	}
	t.Log(err)
	if err := ix.Apply(context.Background(), []Event{ev}, Checkpoint{Source: "s", Offset: 3}); err == nil {
		t.Error("Apply after a failed reload succeeded")
	}
	if _, _, err := ix.Checkpoint("s"); err == nil {
		t.Error("Checkpoint after a failed reload succeeded")
	}
}

// TestApplyRejectsBadEvents: invalid events are errors before anything
// is applied.
func TestApplyRejectsBadEvents(t *testing.T) {
	ix := openTest(t, Options{})
	good := Event{Kind: Withdraw, Time: time.Unix(1, 0), Collector: "c", PeerAddr: netip.MustParseAddr("192.0.2.1"), Prefix: netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		name string
		mod  func(e *Event)
	}{
		{"kind", func(e *Event) { e.Kind = 0 }},
		{"peer", func(e *Event) { e.PeerAddr = netip.Addr{} }},
		{"prefix", func(e *Event) { e.Prefix = netip.Prefix{} }},
		{"attributes", func(e *Event) { e.Kind = Announce }},
	} {
		bad := good
		tc.mod(&bad)
		if err := ix.Apply(context.Background(), []Event{good, bad}, Checkpoint{Source: "s", Offset: 1}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, ok, _ := ix.Checkpoint("s"); ok {
		t.Error("a rejected batch stored its checkpoint")
	}
	if err := ix.Apply(context.Background(), nil, Checkpoint{}); err == nil {
		t.Error("a checkpoint without a source was accepted")
	}
}
