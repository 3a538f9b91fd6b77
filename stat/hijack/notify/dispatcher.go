package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Dispatcher tuning.
const (
	// DefaultQueueSize is the per-channel queue length of a Dispatcher
	// whose Options set none.
	DefaultQueueSize = 1024
	// DedupWindow is how long a channel remembers what it was sent: the
	// same incident, event and digest is not sent twice within it.
	DedupWindow = time.Hour
	// maxIncidents caps the incidents a channel remembers; beyond it the
	// least recently notified are forgotten.
	maxIncidents = 10000
	// sweepEvery is how often a channel forgets stale incidents.
	sweepEvery = time.Minute
	// deliveryTimeout bounds one Send, whatever the channel's own
	// timeouts.
	deliveryTimeout = 5 * time.Minute
	// warnEvery is the least time between two warnings of one kind about
	// one channel.
	warnEvery = 10 * time.Second
)

// Options configure a Dispatcher.
type Options struct {
	// Logger receives warnings about dropped and failed notifications
	// (default slog.Default()).
	Logger *slog.Logger
	// Registerer registers the metrics (nil: not registered).
	Registerer prometheus.Registerer
	// QueueSize is each channel's queue length (default
	// DefaultQueueSize).
	QueueSize int
	// Channels are channels made by other code, by name. Each must have a
	// config entry of that name without a type, which sets its routing.
	Channels map[string]Channel
}

// Dispatcher routes notifications to channels. Dispatch never blocks:
// every channel has a bounded queue and one worker, so a slow or dead
// channel delays nothing but itself. It is safe for concurrent use.
type Dispatcher struct {
	log  *slog.Logger
	m    *metrics
	outs []*output
	now  func() time.Time // the clock of suppression decisions

	mu     sync.RWMutex // guards closed against Dispatch sending on closed queues
	closed bool

	stop context.CancelCauseFunc // aborts deliveries when Close gives up
	done chan struct{}           // closed when every worker has returned
}

// output is one channel with its routing, queue and memory of what it
// was sent.
type output struct {
	name    string
	ch      Channel
	route   route
	queue   chan Notification
	limiter *rate.Limiter

	dropWarn, failWarn, closedWarn quietLog

	mu        sync.Mutex
	incidents map[string]*incidentState
	lastSweep time.Time
}

// incidentState is what a channel remembers of one incident.
type incidentState struct {
	lastUpdate time.Time             // when the last "updated" was queued
	sent       map[sentKey]time.Time // when each (event, digest) was queued
	touched    time.Time             // when anything was last queued
}

// sentKey identifies a notification's content for deduplication.
type sentKey struct{ event, digest string }

// quietLog logs one warning per warnEvery at most, saying how many
// occurrences it stands for.
type quietLog struct {
	s    rate.Sometimes
	held atomic.Int64
}

func (q *quietLog) warn(log *slog.Logger, msg string, args ...any) {
	q.held.Add(1)
	q.s.Do(func() { log.Warn(msg, append(args, "occurrences", q.held.Swap(0))...) })
}

// New checks the channel configs, makes the channels and starts one
// worker per channel.
func New(cfgs []ChannelConfig, opt Options) (*Dispatcher, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.QueueSize < 0 {
		return nil, fmt.Errorf("notify: Options.QueueSize %d is negative", opt.QueueSize)
	}
	if opt.QueueSize == 0 {
		opt.QueueSize = DefaultQueueSize
	}
	d := &Dispatcher{log: opt.Logger, now: time.Now, done: make(chan struct{})}
	names := map[string]int{}
	for i, c := range cfgs {
		o, err := newOutput(c, opt)
		if err != nil {
			return nil, fmt.Errorf("notify: channels[%d] %q: %w", i, c.Name, err)
		}
		if j, dup := names[c.Name]; dup {
			return nil, fmt.Errorf("notify: channels[%d] %q: name: already used by channels[%d]", i, c.Name, j)
		}
		names[c.Name] = i
		d.outs = append(d.outs, o)
	}
	for _, name := range slices.Sorted(maps.Keys(opt.Channels)) {
		if _, ok := names[name]; !ok {
			return nil, fmt.Errorf("notify: Options.Channels[%q]: no channel config of that name", name)
		}
	}
	m, err := newMetrics(opt.Registerer)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	d.m = m
	var ctx context.Context
	ctx, d.stop = context.WithCancelCause(context.Background())
	var wg sync.WaitGroup
	for _, o := range d.outs {
		wg.Go(func() { d.run(ctx, o) })
	}
	go func() {
		wg.Wait()
		close(d.done)
	}()
	return d, nil
}

// newOutput checks one channel config and makes its channel.
func newOutput(c ChannelConfig, opt Options) (*output, error) {
	if err := validName(c.Name); err != nil {
		return nil, err
	}
	r, err := c.route()
	if err != nil {
		return nil, err
	}
	ch, err := c.channel(opt.Channels[c.Name])
	if err != nil {
		return nil, err
	}
	o := &output{
		name: c.Name, ch: ch, route: r,
		queue:     make(chan Notification, opt.QueueSize),
		limiter:   rate.NewLimiter(r.limit, r.burst),
		incidents: map[string]*incidentState{},
	}
	for _, q := range []*quietLog{&o.dropWarn, &o.failWarn, &o.closedWarn} {
		q.s.Interval = warnEvery
	}
	return o, nil
}

// Dispatch queues n for every channel that takes it. It never blocks: a
// channel whose queue is full loses n (counted and logged).
func (d *Dispatcher) Dispatch(n Notification) {
	if n.Detected.IsZero() {
		n.Detected = time.Now()
	}
	if n.Time.IsZero() {
		n.Time = n.Detected
	}
	n.Group = n.group()
	n.Digest = n.digest()
	now := d.now()
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, o := range d.outs {
		if !o.takes(&n) {
			continue
		}
		if d.closed {
			d.m.dropped.WithLabelValues(o.name).Inc()
			o.closedWarn.warn(d.log, "notify: dispatcher closed, dropping notification",
				"channel", o.name, "incident", n.IncidentID, "event", n.Event)
			continue
		}
		d.offer(o, n, now)
	}
}

// takes reports whether n's group, event and severity are the channel's.
func (o *output) takes(n *Notification) bool {
	r := &o.route
	if len(r.groups) > 0 && !slices.Contains(r.groups, n.Group) {
		return false
	}
	if len(r.events) > 0 && !slices.Contains(r.events, n.Event) {
		return false
	}
	// An unknown severity passes: better an odd alert than a missed one.
	rank, known := severityRank[n.Severity]
	return !known || rank >= r.minRank
}

// offer queues n on o unless o already had it or an update too recently.
func (d *Dispatcher) offer(o *output, n Notification, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := o.state(n.IncidentID, now)
	key := sentKey{n.Event, n.Digest}
	reason := ""
	if t, ok := st.sent[key]; ok && now.Sub(t) < DedupWindow {
		reason = reasonDedup
	} else if n.Event == EventUpdated && !st.lastUpdate.IsZero() && now.Sub(st.lastUpdate) < o.route.interval {
		reason = reasonInterval
	}
	if reason != "" {
		d.m.suppressed.WithLabelValues(o.name, reason).Inc()
		d.log.Debug("notify: suppressed", "channel", o.name, "incident", n.IncidentID, "event", n.Event, "reason", reason)
		return
	}
	select {
	case o.queue <- n:
	default:
		d.m.dropped.WithLabelValues(o.name).Inc()
		o.dropWarn.warn(d.log, "notify: channel queue full, dropping notification",
			"channel", o.name, "incident", n.IncidentID, "event", n.Event, "queue", cap(o.queue))
		return
	}
	if n.Event == EventUpdated {
		st.lastUpdate = now
	} else {
		// A lifecycle change: what was sent before it may be sent again
		// (resolved, reopened, resolved again within the hour).
		maps.DeleteFunc(st.sent, func(k sentKey, _ time.Time) bool { return k.event != n.Event })
	}
	st.sent[key] = now
	st.touched = now
}

// state is what o remembers of an incident, new if nothing. It forgets
// stale incidents first, now and then or when there are too many.
func (o *output) state(id string, now time.Time) *incidentState {
	if now.Sub(o.lastSweep) >= sweepEvery || len(o.incidents) >= maxIncidents {
		o.sweep(now)
	}
	st := o.incidents[id]
	if st == nil {
		st = &incidentState{sent: map[sentKey]time.Time{}}
		o.incidents[id] = st
	}
	return st
}

// sweep forgets the incidents whose memory no longer matters: nothing
// sent within the dedup window or the update interval, which also covers
// incidents resolved long ago. If still too many remain, the least
// recently notified tenth goes.
func (o *output) sweep(now time.Time) {
	o.lastSweep = now
	stale := max(DedupWindow, o.route.interval)
	maps.DeleteFunc(o.incidents, func(_ string, st *incidentState) bool {
		return now.Sub(st.touched) >= stale
	})
	if len(o.incidents) < maxIncidents {
		return
	}
	ids := slices.Collect(maps.Keys(o.incidents))
	slices.SortFunc(ids, func(a, b string) int {
		return o.incidents[a].touched.Compare(o.incidents[b].touched)
	})
	for _, id := range ids[:len(ids)-maxIncidents*9/10] {
		delete(o.incidents, id)
	}
}

// run is o's worker: it delivers what o's queue holds until the queue is
// closed.
func (d *Dispatcher) run(ctx context.Context, o *output) {
	for n := range o.queue {
		d.deliver(ctx, o, n)
	}
}

// deliver sends n on o's channel once o's rate allows. Over the rate an
// update is suppressed (a later update or the resolution supersedes it);
// any other event waits for its turn.
func (d *Dispatcher) deliver(ctx context.Context, o *output, n Notification) {
	if ctx.Err() != nil {
		d.m.dropped.WithLabelValues(o.name).Inc()
		return
	}
	if !o.limiter.Allow() {
		if n.Event == EventUpdated {
			d.m.suppressed.WithLabelValues(o.name, reasonRate).Inc()
			d.log.Debug("notify: suppressed", "channel", o.name, "incident", n.IncidentID, "event", n.Event, "reason", reasonRate)
			return
		}
		if err := o.limiter.Wait(ctx); err != nil {
			d.m.dropped.WithLabelValues(o.name).Inc()
			return
		}
	}
	sctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	err := o.ch.Send(sctx, n)
	cancel()
	if err != nil {
		d.m.failed.WithLabelValues(o.name).Inc()
		o.failWarn.warn(d.log, "notify: delivery failed", "channel", o.name, "incident", n.IncidentID, "event", n.Event, "err", err)
		return
	}
	d.m.sent.WithLabelValues(o.name).Inc()
	d.m.delivery.WithLabelValues(o.name).Observe(time.Since(n.Detected).Seconds())
	d.log.Debug("notify: delivered", "channel", o.name, "incident", n.IncidentID, "event", n.Event)
}

// Close stops accepting notifications and waits until the queued ones
// are delivered or ctx is done; then it aborts the deliveries in flight,
// drops what is left and returns an error saying how much was lost.
// Channels that are io.Closers are closed once drained.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		for _, o := range d.outs {
			close(o.queue)
		}
	}
	d.mu.Unlock()
	select {
	case <-d.done:
		var errs []error
		for _, o := range d.outs {
			if c, ok := o.ch.(io.Closer); ok {
				if err := c.Close(); err != nil {
					errs = append(errs, fmt.Errorf("notify: closing channel %q: %w", o.name, err))
				}
			}
		}
		return errors.Join(errs...)
	case <-ctx.Done():
		left := 0
		for _, o := range d.outs {
			left += len(o.queue)
		}
		d.stop(fmt.Errorf("notify: dispatcher closed: %w", context.Cause(ctx)))
		return fmt.Errorf("notify: closing with %d notifications queued and deliveries in flight: %w", left, context.Cause(ctx))
	}
}

// Test sends a notification labelled as a test to every channel that
// receives group ("" is DefaultGroup), whatever their event and severity
// filters, rate and queue, and returns the joined errors of the channels
// that failed.
func (d *Dispatcher) Test(ctx context.Context, group string) error {
	if group == "" {
		group = DefaultGroup
	}
	var targets []*output
	for _, o := range d.outs {
		if len(o.route.groups) == 0 || slices.Contains(o.route.groups, group) {
			targets = append(targets, o)
		}
	}
	if len(targets) == 0 {
		return fmt.Errorf("notify: test: no channel receives group %q", group)
	}
	now := time.Now()
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, o := range targets {
		wg.Go(func() {
			n := Notification{
				Event: EventTest, IncidentID: "test-" + now.UTC().Format("20060102T150405Z"),
				Group: group, Severity: SeverityInfo,
				Title: fmt.Sprintf("TEST notification for group %s (channel %s)", group, o.name),
				Why: fmt.Sprintf("This is a test, not an incident: an operator asked routestat to check that channel %q "+
					"delivers the notifications of group %q. No action is needed.", o.name, group),
				Time: now, Detected: now, Digest: "test",
			}
			if err := o.ch.Send(ctx, n); err != nil {
				d.m.failed.WithLabelValues(o.name).Inc()
				errs[i] = fmt.Errorf("notify: test of channel %q: %w", o.name, err)
				return
			}
			d.m.sent.WithLabelValues(o.name).Inc()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
