package demo

import (
	"sync"
	"time"
)

// DefaultSpeed is how many times faster than real time the scenario
// plays by default: its hour (08:00 to 09:00) takes a minute, the hijack
// comes half a minute after the first update.
const DefaultSpeed = 60

// Clock is the scenario's clock, which the collector stamps events with
// and the hijack detector runs on. It reads Start until it is started
// (Play starts it when the first update is played), then runs at speed
// times real time until End and at real time after, never going back.
// It is safe for concurrent use.
type Clock struct {
	speed float64
	mu    sync.Mutex
	// from is the scenario time the clock read when it was started, at
	// wall-clock time since (zero until then).
	from  time.Time
	since time.Time
}

// NewClock returns a clock reading Start, running at speed (default
// DefaultSpeed when speed ≤ 0) once started.
func NewClock(speed float64) *Clock {
	if speed <= 0 {
		speed = DefaultSpeed
	}
	return &Clock{speed: speed, from: Start}
}

// Speed returns how many times faster than real time the clock runs
// until End.
func (c *Clock) Speed() float64 { return c.speed }

// Now returns the scenario time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now()
}

func (c *Clock) now() time.Time {
	if c.since.IsZero() {
		return c.from
	}
	elapsed := time.Since(c.since)
	fast := time.Duration(float64(End.Sub(c.from)) / c.speed) // wall time until End
	if fast < 0 {
		fast = 0
	}
	if elapsed <= fast {
		return c.from.Add(time.Duration(float64(elapsed) * c.speed))
	}
	return c.from.Add(time.Duration(float64(fast)*c.speed) + elapsed - fast)
}

// StartAt starts the clock reading t (or its current reading, if later);
// it is a no-op once the clock runs.
func (c *Clock) StartAt(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.since.IsZero() {
		return
	}
	if t.After(c.from) {
		c.from = t
	}
	c.since = time.Now()
}
