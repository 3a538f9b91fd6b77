package collector

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/bus"
)

// fakeClock is a clock set by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// TestClock runs the collector on a clock of the test's: the state
// changes of a session and the UPDATEs received are stamped with the
// clock's time when they arrived, not the wall clock's.
func TestClock(t *testing.T) {
	session := time.Date(2019, 9, 23, 8, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: session}
	c, events, _, port := startCollector(t, Config{Clock: clock.now})
	if got := c.Now(); !got.Equal(session) {
		t.Fatalf("Now() = %v, want the configured clock's %v", got, session)
	}
	s := dial(t, "127.0.0.6", port, 64500)
	events.waitFor(t, "Established", 5*time.Second, func(evs []*bus.Event) bool {
		return slices.ContainsFunc(evs, func(e *bus.Event) bool { return e.NewState == bus.StateEstablished })
	})

	// Each UPDATE is sent once the clock was set to its time, and
	// received before the clock moves on.
	sent := []time.Time{
		time.Date(2019, 9, 23, 8, 30, 0, 0, time.UTC),
		time.Date(2019, 9, 23, 8, 30, 4, 250_000_000, time.UTC),
		time.Date(2019, 9, 23, 8, 47, 0, 0, time.UTC),
	}
	for i, at := range sent {
		clock.set(at)
		s.send(s.update(0, [3]byte{202, 33, byte(14 + i)}))
		events.waitFor(t, "the UPDATE", 5*time.Second, func(evs []*bus.Event) bool {
			n := 0
			for _, e := range evs {
				if e.MessageType() == 2 {
					n++
				}
			}
			return n == i+1
		})
	}

	var updates []time.Time
	for _, e := range events.snapshot() {
		switch {
		case e.Kind == bus.KindState && !e.Time.Equal(session):
			t.Errorf("state change %d>%d stamped %v, want the clock's %v", e.OldState, e.NewState, e.Time, session)
		case e.MessageType() == 2:
			updates = append(updates, e.Time)
		}
	}
	if !slices.EqualFunc(updates, sent, time.Time.Equal) {
		t.Errorf("UPDATEs stamped %v, want %v", updates, sent)
	}
}
