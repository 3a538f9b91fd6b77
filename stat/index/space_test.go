package index

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// TestApplyLowSpace: below the free-space reserve Apply refuses a batch
// with ErrLowSpace and writes nothing of it; once there is space (here: a
// smaller reserve), applying again resumes and the store ends as a clean
// run's.
func TestApplyLowSpace(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	peer := netip.MustParseAddr("192.0.2.1")
	attrs := &Attrs{ASPath: []Segment{{ASNs: []uint32{64500, 64501}}}, NextHop: peer}
	batch := func(n int) []Event {
		var evs []Event
		for i := range 100 {
			evs = append(evs, Event{Kind: Announce, Time: t0.Add(time.Duration(n) * time.Minute), Collector: "rrc00",
				PeerAddr: peer, PeerAS: 64500, Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(n), byte(i), 0}), 24), Attrs: attrs})
		}
		return evs
	}
	apply := func(ix *Index, n int) error {
		return ix.Apply(context.Background(), batch(n), Checkpoint{Source: "updates", Offset: int64(100 * (n + 1)), Done: n == 2})
	}
	open := func(dir string, minFree int64) *Index {
		ix, err := Open(dir, Options{GCInterval: -1, MinFree: minFree})
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}

	clean := open(t.TempDir(), -1)
	for n := range 3 {
		if err := apply(clean, n); err != nil {
			t.Fatal(err)
		}
	}
	want := storeDump(t, clean)
	clean.Close()

	dir := t.TempDir()
	ix := open(dir, -1)
	if err := apply(ix, 0); err != nil {
		t.Fatal(err)
	}
	before := storeDump(t, ix)
	ix.Close()
	free, err := freeBytes(dir)
	if err != nil {
		t.Fatal(err)
	}
	ix = open(dir, int64(free)+1<<30) // the disk is "full"
	err = apply(ix, 1)
	if !errors.Is(err, ErrLowSpace) {
		t.Fatalf("Apply below the reserve: %v, want ErrLowSpace", err)
	}
	t.Log(err)
	sameDump(t, "after the refused batch", storeDump(t, ix), before)
	ix.Close()

	ix = open(dir, -1) // space is back
	defer ix.Close()
	for n := range 3 {
		if err := apply(ix, n); err != nil {
			t.Fatal(err)
		}
	}
	sameDump(t, "resumed", storeDump(t, ix), want)
}
