package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// recorder is a Channel that keeps what it is sent. With gate set, each
// Send waits for a value on it (or for its context).
type recorder struct {
	name    string
	gate    chan struct{}
	fail    error
	mu      sync.Mutex
	got     []Notification
	entered int // Sends begun
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Send(ctx context.Context, n Notification) error {
	r.mu.Lock()
	r.entered++
	r.mu.Unlock()
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	if r.fail != nil {
		return r.fail
	}
	r.mu.Lock()
	r.got = append(r.got, n)
	r.mu.Unlock()
	return nil
}

func (r *recorder) sent() []Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Notification(nil), r.got...)
}

func (r *recorder) begun() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entered
}

// summary is "incident/event" of each notification, in order.
func summary(ns []Notification) []string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = n.IncidentID + "/" + n.Event
	}
	return s
}

// newTestDispatcher makes a dispatcher over recorders named by the
// configs.
func newTestDispatcher(t *testing.T, cfgs []ChannelConfig, opt Options) (*Dispatcher, map[string]*recorder) {
	t.Helper()
	recs := map[string]*recorder{}
	if opt.Channels == nil {
		opt.Channels = map[string]Channel{}
		for _, c := range cfgs {
			r := &recorder{name: c.Name}
			recs[c.Name] = r
			opt.Channels[c.Name] = r
		}
	}
	if opt.Logger == nil {
		opt.Logger = testLogger(t)
	}
	d, err := New(cfgs, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		d.Close(ctx)
	})
	return d, recs
}

// closeNow drains d, failing the test if that takes long.
func closeNow(t *testing.T, d *Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// note is a notification for routing tests.
func note(id, event, group, severity string) Notification {
	return Notification{IncidentID: id, Event: event, Group: group, Severity: severity, Title: "t " + id, Why: "w"}
}

func TestDispatcherRouting(t *testing.T) {
	cfgs := []ChannelConfig{
		{Name: "all"},
		{Name: "noc", Groups: []string{"noc", DefaultGroup}},
		{Name: "lifecycle", Events: []string{EventOpened, EventResolved}},
		{Name: "serious", MinSeverity: SeverityHigh},
		{Name: "noc-critical-opened", Groups: []string{"noc"}, Events: []string{EventOpened}, MinSeverity: SeverityCritical},
	}
	d, recs := newTestDispatcher(t, cfgs, Options{})
	for _, n := range []Notification{
		note("1", EventOpened, "noc", SeverityCritical),
		note("2", EventOpened, "", SeverityWarning),
		note("3", EventUpdated, "peering", SeverityHigh),
		note("4", EventResolved, "peering", SeverityInfo),
		note("5", EventAcknowledged, "noc", "unknown-severity"),
	} {
		d.Dispatch(n)
	}
	closeNow(t, d)
	want := map[string][]string{
		"all":                 {"1/opened", "2/opened", "3/updated", "4/resolved", "5/acknowledged"},
		"noc":                 {"1/opened", "2/opened", "5/acknowledged"},
		"lifecycle":           {"1/opened", "2/opened", "4/resolved"},
		"serious":             {"1/opened", "3/updated", "5/acknowledged"},
		"noc-critical-opened": {"1/opened"},
	}
	for name, w := range want {
		if got := summary(recs[name].sent()); !slices.Equal(got, w) {
			t.Errorf("channel %s got %v, want %v", name, got, w)
		}
	}
	if g := recs["noc"].sent()[1].Group; g != DefaultGroup {
		t.Errorf("group of a notification without one: %q, want %q", g, DefaultGroup)
	}
}

func TestDispatcherSuppression(t *testing.T) {
	type step struct {
		at     time.Duration // since the start
		n      Notification
		digest string
	}
	upd := func(id, why string) Notification {
		n := note(id, EventUpdated, "noc", SeverityHigh)
		n.Why = why
		return n
	}
	ev := func(id, event string) Notification { return note(id, event, "noc", SeverityHigh) }
	tests := []struct {
		name     string
		interval time.Duration
		steps    []step
		want     []string
		wantSupp map[string]float64
	}{
		{
			name: "updates at most once per interval, the next one after it goes out",
			steps: []step{
				{0, ev("a", EventOpened), ""},
				{time.Second, upd("a", "12 peers"), ""},
				{time.Minute, upd("a", "30 peers"), ""},
				{14 * time.Minute, upd("a", "40 peers"), ""},
				{16 * time.Minute, upd("a", "50 peers"), ""},
				{17 * time.Minute, upd("a", "60 peers"), ""},
				{17 * time.Minute, upd("b", "other incident"), ""},
			},
			want:     []string{"a/opened", "a/updated", "a/updated", "b/updated"},
			wantSupp: map[string]float64{reasonInterval: 3},
		},
		{
			name:     "configured interval",
			interval: time.Minute,
			steps: []step{
				{0, upd("a", "1"), ""},
				{30 * time.Second, upd("a", "2"), ""},
				{61 * time.Second, upd("a", "3"), ""},
			},
			want:     []string{"a/updated", "a/updated"},
			wantSupp: map[string]float64{reasonInterval: 1},
		},
		{
			name: "the same content is not sent twice within the hour",
			steps: []step{
				{0, ev("a", EventOpened), ""},
				{time.Minute, ev("a", EventOpened), ""},
				{59 * time.Minute, ev("a", EventOpened), ""},
				{61 * time.Minute, ev("a", EventOpened), ""},
			},
			want:     []string{"a/opened", "a/opened"},
			wantSupp: map[string]float64{reasonDedup: 2},
		},
		{
			name: "an explicit digest decides what is the same",
			steps: []step{
				{0, ev("a", EventAcknowledged), "by alice"},
				{time.Second, ev("a", EventAcknowledged), "by alice"},
				{2 * time.Second, ev("a", EventAcknowledged), "by bob"},
			},
			want:     []string{"a/acknowledged", "a/acknowledged"},
			wantSupp: map[string]float64{reasonDedup: 1},
		},
		{
			name: "a lifecycle change lets an earlier event through again",
			steps: []step{
				{0, ev("a", EventOpened), ""},
				{time.Minute, ev("a", EventResolved), ""},
				{2 * time.Minute, ev("a", EventReopened), ""},
				{3 * time.Minute, ev("a", EventResolved), ""},
				{4 * time.Minute, ev("a", EventResolved), ""},
			},
			want:     []string{"a/opened", "a/resolved", "a/reopened", "a/resolved"},
			wantSupp: map[string]float64{reasonDedup: 1},
		},
		{
			name: "incidents are kept apart",
			steps: []step{
				{0, ev("a", EventOpened), ""},
				{0, ev("b", EventOpened), ""},
				{0, ev("a", EventFalsePositive), ""},
			},
			want: []string{"a/opened", "b/opened", "a/false_positive"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, recs := newTestDispatcher(t, []ChannelConfig{{Name: "c", UpdateInterval: Duration(tc.interval)}}, Options{})
			start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			var now time.Time
			d.now = func() time.Time { return now }
			for _, s := range tc.steps {
				now = start.Add(s.at)
				n := s.n
				n.Digest = s.digest
				d.Dispatch(n)
			}
			closeNow(t, d)
			if got := summary(recs["c"].sent()); !slices.Equal(got, tc.want) {
				t.Errorf("sent %v, want %v", got, tc.want)
			}
			for _, reason := range []string{reasonDedup, reasonInterval, reasonRate} {
				if got, want := counterValue(t, d.m.suppressed, "c", reason), tc.wantSupp[reason]; got != want {
					t.Errorf("suppressed_total{reason=%s} = %v, want %v", reason, got, want)
				}
			}
			if got := counterValue(t, d.m.sent, "c"); got != float64(len(tc.want)) {
				t.Errorf("sent_total = %v, want %d", got, len(tc.want))
			}
		})
	}
}

func TestDispatcherForgetsStaleIncidents(t *testing.T) {
	d, _ := newTestDispatcher(t, []ChannelConfig{{Name: "c"}}, Options{})
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var now time.Time
	d.now = func() time.Time { return now }
	o := d.outs[0]
	for i := range maxIncidents + 5 {
		now = start.Add(time.Duration(i) * time.Millisecond)
		o.mu.Lock()
		o.state(fmt.Sprint(i), now).touched = now
		o.mu.Unlock()
	}
	o.mu.Lock()
	n := len(o.incidents)
	_, oldest := o.incidents["0"]
	_, newest := o.incidents[fmt.Sprint(maxIncidents+4)]
	o.mu.Unlock()
	if n > maxIncidents || oldest || !newest {
		t.Errorf("after %d incidents: %d kept, oldest kept %v, newest kept %v", maxIncidents+5, n, oldest, newest)
	}
	// A day later everything is stale.
	now = now.Add(24 * time.Hour)
	d.Dispatch(note("new", EventOpened, "", SeverityHigh))
	o.mu.Lock()
	n = len(o.incidents)
	o.mu.Unlock()
	if n != 1 {
		t.Errorf("a day later %d incidents are remembered, want 1", n)
	}
}

func TestDispatcherSlowChannelDoesNotDelayOthers(t *testing.T) {
	cfgs := []ChannelConfig{{Name: "slow"}, {Name: "fast"}}
	slow := &recorder{name: "slow", gate: make(chan struct{})}
	fast := &recorder{name: "fast"}
	d, _ := newTestDispatcher(t, cfgs, Options{Channels: map[string]Channel{"slow": slow, "fast": fast}})
	for i := range 5 {
		start := time.Now()
		d.Dispatch(note(fmt.Sprint(i), EventOpened, "noc", SeverityCritical))
		if el := time.Since(start); el > time.Second {
			t.Fatalf("Dispatch blocked for %v", el)
		}
	}
	waitFor(t, "delivery on the fast channel", func() bool { return len(fast.sent()) == 5 })
	if slow.begun() != 1 || len(slow.sent()) != 0 {
		t.Fatalf("slow channel: %d begun, %d sent; want 1 stuck", slow.begun(), len(slow.sent()))
	}
	close(slow.gate)
	closeNow(t, d)
	if got := len(slow.sent()); got != 5 {
		t.Errorf("slow channel delivered %d after unblocking, want 5", got)
	}
}

func TestDispatcherQueueOverflow(t *testing.T) {
	stuck := &recorder{name: "stuck", gate: make(chan struct{})}
	reg := prometheus.NewRegistry()
	d, _ := newTestDispatcher(t, []ChannelConfig{{Name: "stuck"}},
		Options{QueueSize: 2, Registerer: reg, Channels: map[string]Channel{"stuck": stuck}})
	d.Dispatch(note("0", EventOpened, "", SeverityHigh))
	waitFor(t, "the worker to take the first notification", func() bool { return stuck.begun() == 1 })
	for i := 1; i <= 6; i++ { // 2 fit the queue, 4 are dropped
		d.Dispatch(note(fmt.Sprint(i), EventOpened, "", SeverityHigh))
	}
	if got := counterValue(t, d.m.dropped, "stuck"); got != 4 {
		t.Errorf("dropped_total = %v, want 4", got)
	}
	close(stuck.gate)
	closeNow(t, d)
	if got := summary(stuck.sent()); !slices.Equal(got, []string{"0/opened", "1/opened", "2/opened"}) {
		t.Errorf("delivered %v", got)
	}
	// The metrics are registered under their full names.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	for _, want := range []string{"routestat_hijack_notify_sent_total", "routestat_hijack_notify_dropped_total",
		"routestat_hijack_notify_delivery_seconds"} {
		if !slices.Contains(names, want) {
			t.Errorf("metric %s not registered (have %v)", want, names)
		}
	}
	// A second dispatcher cannot register the same metrics.
	if _, err := New([]ChannelConfig{{Name: "x", Type: TypeSyslog, Address: "127.0.0.1:514"}}, Options{Registerer: reg}); err == nil ||
		!strings.Contains(err.Error(), "registering metrics") {
		t.Errorf("second registration: %v", err)
	}
}

func TestDispatcherRateLimit(t *testing.T) {
	t.Run("opened waits for its turn", func(t *testing.T) {
		d, recs := newTestDispatcher(t, []ChannelConfig{{Name: "c", Rate: "20/s"}}, Options{})
		start := time.Now()
		for i := range 30 {
			d.Dispatch(note(fmt.Sprint(i), EventOpened, "", SeverityHigh))
		}
		closeNow(t, d)
		if got := len(recs["c"].sent()); got != 30 {
			t.Errorf("delivered %d opened, want all 30", got)
		}
		// 20 at once, the other 10 at 20/s.
		if el := time.Since(start); el < 400*time.Millisecond {
			t.Errorf("30 notifications at 20/s took %v, want at least 0.4s", el)
		}
		if got := counterValue(t, d.m.suppressed, "c", reasonRate); got != 0 {
			t.Errorf("suppressed for rate: %v", got)
		}
	})
	t.Run("updates over the rate are suppressed", func(t *testing.T) {
		d, recs := newTestDispatcher(t, []ChannelConfig{{Name: "c", Rate: "1/h"}}, Options{})
		d.Dispatch(note("a", EventUpdated, "", SeverityHigh))
		d.Dispatch(note("b", EventUpdated, "", SeverityHigh))
		d.Dispatch(note("c", EventUpdated, "", SeverityHigh))
		closeNow(t, d)
		if got := summary(recs["c"].sent()); !slices.Equal(got, []string{"a/updated"}) {
			t.Errorf("delivered %v", got)
		}
		if got := counterValue(t, d.m.suppressed, "c", reasonRate); got != 2 {
			t.Errorf("suppressed_total{reason=rate} = %v, want 2", got)
		}
	})
}

func TestDispatcherClose(t *testing.T) {
	t.Run("drains the queues", func(t *testing.T) {
		gated := &recorder{name: "c", gate: make(chan struct{})}
		d, _ := newTestDispatcher(t, []ChannelConfig{{Name: "c"}}, Options{Channels: map[string]Channel{"c": gated}})
		for i := range 5 {
			d.Dispatch(note(fmt.Sprint(i), EventOpened, "", SeverityHigh))
		}
		go func() {
			for range 5 {
				gated.gate <- struct{}{}
			}
		}()
		closeNow(t, d)
		if got := len(gated.sent()); got != 5 {
			t.Errorf("delivered %d before Close returned, want 5", got)
		}
		d.Dispatch(note("late", EventOpened, "", SeverityHigh))
		if got := counterValue(t, d.m.dropped, "c"); got != 1 {
			t.Errorf("dropped_total after Close = %v, want 1", got)
		}
		if err := d.Close(context.Background()); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
	t.Run("gives up when ctx ends", func(t *testing.T) {
		stuck := &recorder{name: "c", gate: make(chan struct{})}
		d, _ := newTestDispatcher(t, []ChannelConfig{{Name: "c"}}, Options{Channels: map[string]Channel{"c": stuck}})
		for i := range 3 {
			d.Dispatch(note(fmt.Sprint(i), EventOpened, "", SeverityHigh))
		}
		waitFor(t, "the first delivery to start", func() bool { return stuck.begun() == 1 })
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := d.Close(ctx)
		if err == nil || !strings.Contains(err.Error(), "2 notifications queued") || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close: %v", err)
		}
		waitFor(t, "the rest to be dropped", func() bool {
			return counterValue(t, d.m.dropped, "c") == 2 && counterValue(t, d.m.failed, "c") == 1
		})
		if len(stuck.sent()) != 0 {
			t.Errorf("delivered %d", len(stuck.sent()))
		}
	})
}

func TestDispatcherMetrics(t *testing.T) {
	failing := &recorder{name: "bad", fail: errors.New("connection refused")}
	good := &recorder{name: "good"}
	d, _ := newTestDispatcher(t, []ChannelConfig{{Name: "bad"}, {Name: "good"}},
		Options{Channels: map[string]Channel{"bad": failing, "good": good}})
	n := note("a", EventOpened, "", SeverityHigh)
	n.Detected = time.Now().Add(-2 * time.Second)
	d.Dispatch(n)
	closeNow(t, d)
	if s, f := counterValue(t, d.m.sent, "bad"), counterValue(t, d.m.failed, "bad"); s != 0 || f != 1 {
		t.Errorf("bad: sent %v failed %v", s, f)
	}
	if s, f := counterValue(t, d.m.sent, "good"), counterValue(t, d.m.failed, "good"); s != 1 || f != 0 {
		t.Errorf("good: sent %v failed %v", s, f)
	}
	var h dto.Metric
	if err := d.m.delivery.WithLabelValues("good").(prometheus.Metric).Write(&h); err != nil {
		t.Fatal(err)
	}
	if c, s := h.GetHistogram().GetSampleCount(), h.GetHistogram().GetSampleSum(); c != 1 || s < 2 || s > 2+waitTimeout.Seconds() {
		t.Errorf("delivery_seconds: count %d sum %v, want 1 sample of about 2s", c, s)
	}
	got := good.sent()[0]
	if got.Time.IsZero() || got.Digest == "" || got.Group != DefaultGroup {
		t.Errorf("dispatched notification not completed: %+v", got)
	}
}

func TestDispatcherTest(t *testing.T) {
	cfgs := []ChannelConfig{
		{Name: "noc-hook", Groups: []string{"noc"}, Events: []string{EventOpened}, MinSeverity: SeverityCritical, Rate: "1/h"},
		{Name: "noc-mail", Groups: []string{"noc"}},
		{Name: "everything"},
		{Name: "peering", Groups: []string{"peering"}},
	}
	recs := map[string]*recorder{}
	chans := map[string]Channel{}
	for _, c := range cfgs {
		recs[c.Name] = &recorder{name: c.Name}
		chans[c.Name] = recs[c.Name]
	}
	recs["noc-mail"].fail = errors.New("535 authentication failed")
	d, _ := newTestDispatcher(t, cfgs, Options{Channels: chans})

	err := d.Test(context.Background(), "noc")
	if err == nil || !strings.Contains(err.Error(), `test of channel "noc-mail": 535 authentication failed`) ||
		strings.Contains(err.Error(), "noc-hook") {
		t.Errorf("Test(noc): %v, want only noc-mail's failure", err)
	}
	for name, want := range map[string]int{"noc-hook": 1, "noc-mail": 0, "everything": 1, "peering": 0} {
		got := recs[name].sent()
		if len(got) != want {
			t.Errorf("%s got %d test notifications, want %d", name, len(got), want)
			continue
		}
		if want == 1 {
			n := got[0]
			if n.Event != EventTest || n.Group != "noc" || !strings.Contains(n.Title, "TEST") ||
				!strings.Contains(n.Why, "not an incident") || !strings.Contains(n.Title, name) {
				t.Errorf("%s got %+v", name, n)
			}
		}
	}
	if err := d.Test(context.Background(), ""); err != nil {
		t.Errorf("Test(default): %v", err)
	}
	if got := len(recs["everything"].sent()); got != 2 {
		t.Errorf("everything got %d tests, want 2", got)
	}
	d2, _ := newTestDispatcher(t, []ChannelConfig{{Name: "p", Groups: []string{"peering"}}}, Options{})
	if err := d2.Test(context.Background(), "noc"); err == nil || !strings.Contains(err.Error(), `no channel receives group "noc"`) {
		t.Errorf("Test of a group without channels: %v", err)
	}
}

// TestDispatcherRealChannels runs a Dispatcher over real webhook and
// syslog channels built from YAML-shaped configs.
func TestDispatcherRealChannels(t *testing.T) {
	h := newHookServer(t)
	addr, next := udpSink(t)
	d, err := New([]ChannelConfig{
		{Name: "hook", Type: TypeWebhook, URL: h.URL, Headers: map[string]string{"Authorization": "Bearer x"}, Groups: []string{"noc"}},
		{Name: "log", Type: TypeSyslog, Network: "udp", Address: addr, Events: []string{EventOpened}},
	}, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	d.Dispatch(youtube())
	if m, err := parse5424(next()); err != nil || m.params["incident"] != "inc-2008-02-24-1" {
		t.Errorf("syslog got %+v (%v)", m, err)
	}
	closeNow(t, d)
	if reqs := h.requests(); len(reqs) != 1 || reqs[0].header.Get("Authorization") != "Bearer x" {
		t.Errorf("webhook got %d requests", len(reqs))
	}
}
