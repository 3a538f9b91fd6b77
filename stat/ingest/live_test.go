package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/stat/index"
)

// lowSpaceStore refuses the first `refuse` Apply calls with
// index.ErrLowSpace, then keeps what it is given.
type lowSpaceStore struct {
	mu      sync.Mutex
	refuse  int
	refused int
	events  []index.Event
}

func (s *lowSpaceStore) Apply(_ context.Context, evs []index.Event, cp index.Checkpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refused < s.refuse {
		s.refused++
		return fmt.Errorf("index test: %w", index.ErrLowSpace)
	}
	s.events = append(s.events, evs...)
	return nil
}

func (s *lowSpaceStore) Checkpoint(string) (index.Checkpoint, bool, error) {
	return index.Checkpoint{}, false, nil
}

// TestLiveLowSpace: while the store refuses batches for lack of disk
// space, the live indexer holds the events and applies them, in order and
// none lost, once it accepts them again.
func TestLiveLowSpace(t *testing.T) {
	b := bus.New()
	sub := b.Subscribe("index", 1<<12)
	store := &lowSpaceStore{refuse: 3}
	lost := uint64(0)
	done := make(chan error, 1)
	go func() {
		done <- Live(context.Background(), store, sub, "rrc00", LiveOptions{BatchSize: 10, FlushInterval: 20 * time.Millisecond,
			Log: slog.New(slog.DiscardHandler), Lost: func(n uint64) { lost += n }})
	}()
	const n = 100
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		b.Publish(&bus.Event{Kind: bus.KindState, Seq: uint64(i + 1), Time: t0.Add(time.Duration(i) * time.Second), Collector: "rrc00",
			PeerAddr: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), PeerAS: 64500, OldState: 6, NewState: 1})
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	sub.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if store.refused != 3 || lost != 0 || len(store.events) != n {
		t.Fatalf("refused %d batches, lost %d, applied %d events; want 3, 0, %d", store.refused, lost, len(store.events), n)
	}
	for i, e := range store.events {
		if e.Kind != index.PeerDown || e.PeerAddr != netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}) {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
}
