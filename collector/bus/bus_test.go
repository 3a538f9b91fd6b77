package bus

import (
	"sync"
	"testing"
)

func TestPublishOrderAndDrops(t *testing.T) {
	b := New()
	fast := b.Subscribe("fast", 100)
	slow := b.Subscribe("slow", 3)
	for range 10 {
		b.Publish(&Event{Kind: KindState})
	}
	var got []uint64
	for range 10 {
		got = append(got, (<-fast.C()).Seq)
	}
	for i, s := range got {
		if s != uint64(i+1) {
			t.Fatalf("fast subscriber got seq %v, want 1..10 in order", got)
		}
	}
	if fast.Dropped() != 0 || slow.Dropped() != 7 || len(slow.C()) != 3 {
		t.Fatalf("dropped fast %d slow %d, slow holds %d; want 0, 7, 3", fast.Dropped(), slow.Dropped(), len(slow.C()))
	}
	if b.Subscribers() != 2 {
		t.Fatalf("%d subscribers", b.Subscribers())
	}
	slow.Close()
	slow.Close()
	if b.Subscribers() != 1 {
		t.Fatalf("%d subscribers after Close", b.Subscribers())
	}
	n := 0
	for range slow.C() {
		n++
	}
	if n != 3 {
		t.Fatalf("closed subscription drained %d events, want 3", n)
	}
}

func TestPublishConcurrentWithSubscribe(t *testing.T) {
	b := New()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 1000 {
			b.Publish(&Event{Kind: KindMessage})
		}
	}()
	for range 50 {
		s := b.Subscribe("x", 1)
		s.Close()
	}
	wg.Wait()
	if b.seq.Load() != 1000 {
		t.Fatalf("seq %d", b.seq.Load())
	}
}
