package bus

import (
	"sync"
	"sync/atomic"
)

// Bus fans events out to subscribers. The zero Bus is not usable; call New.
type Bus struct {
	mu   sync.RWMutex
	subs map[*Subscription]struct{}
	seq  atomic.Uint64
}

// New returns an empty Bus.
func New() *Bus { return &Bus{subs: make(map[*Subscription]struct{})} }

// Subscription receives the events published after it was made, in order,
// until it is closed or falls more than its buffer behind; events that do
// not fit are dropped for this subscriber only and counted.
type Subscription struct {
	// Name identifies the subscriber in metrics and logs.
	Name    string
	c       chan *Event
	dropped atomic.Uint64
	bus     *Bus
	once    sync.Once
}

// Subscribe adds a subscriber with room for buffer events (at least 1).
func (b *Bus) Subscribe(name string, buffer int) *Subscription {
	s := &Subscription{Name: name, c: make(chan *Event, max(buffer, 1)), bus: b}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Publish numbers ev (Seq) and offers it to every subscriber without
// blocking. It must not be called concurrently with itself when the order
// of Seq matters; the collector publishes from one goroutine.
func (b *Bus) Publish(ev *Event) {
	ev.Seq = b.seq.Add(1)
	b.mu.RLock()
	for s := range b.subs {
		select {
		case s.c <- ev:
		default:
			s.dropped.Add(1)
		}
	}
	b.mu.RUnlock()
}

// Subscribers returns the number of current subscribers.
func (b *Bus) Subscribers() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs)
}

// C returns the channel the subscription's events arrive on. It is closed
// by Close.
func (s *Subscription) C() <-chan *Event { return s.c }

// Dropped returns how many events did not fit the subscriber's buffer.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close removes the subscription and closes its channel. It is safe to
// call more than once.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.subs, s)
		s.bus.mu.Unlock()
		close(s.c)
	})
}
