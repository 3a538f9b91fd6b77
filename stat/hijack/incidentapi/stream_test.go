package incidentapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/routestat/routestat/stat/hijack"
)

// streamMsg is a stream message as a client decodes it.
type streamMsg struct {
	Event    string          `json:"event"`
	Incident hijack.Incident `json:"incident"`
	raw      []byte
}

// dial opens the stream with query and header.
func dial(t *testing.T, base, query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/hijack/stream"
	if query != "" {
		u += "?" + query
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, res, err := d.Dial(u, header)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, res, err
}

// mustDial opens the stream or fails the test.
func mustDial(t *testing.T, base, query string) *websocket.Conn {
	t.Helper()
	c, _, err := dial(t, base, query, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", query, err)
	}
	return c
}

// next reads one message within 5s.
func next(t *testing.T, c *websocket.Conn) streamMsg {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	typ, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.TextMessage {
		t.Fatalf("message type %d", typ)
	}
	var m streamMsg
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	m.raw = b
	return m
}

// snapshot reads n snapshot messages and returns their incident ids.
func snapshot(t *testing.T, c *websocket.Conn, n int) []string {
	t.Helper()
	var got []string
	for range n {
		m := next(t, c)
		if m.Event != EventSnapshot {
			t.Fatalf("event %q before the snapshot was complete, want snapshot: %s", m.Event, m.raw)
		}
		got = append(got, m.Incident.ID)
	}
	return got
}

// newIncident is an incident opened during a test.
func newIncident(id, typ, prefix string, origin, offender uint32, hijacked bool, group string) hijack.Incident {
	return hijack.Incident{
		ID: id, Key: typ + "|" + prefix, Type: typ, Severity: hijack.SeverityHigh, Status: hijack.StatusOpen,
		Hijack: hijacked, Group: group, MonitoredPrefix: prefix, Prefixes: []string{prefix}, LegitOrigins: []uint32{origin},
		OffendingAS: offender, FirstSeen: time.Now().UTC(), LastSeen: time.Now().UTC(), Opened: time.Now().UTC(),
	}
}

func TestStreamSnapshotThenLive(t *testing.T) {
	m := newManager(t)
	base := serve(t, m, Options{APIKeys: []string{testKey}})
	c := mustDial(t, base, "")
	if got, want := snapshot(t, c, 2), []string{idMoreSpec, idExact}; !slices.Equal(got, want) {
		t.Fatalf("snapshot %v, want the open incidents %v", got, want)
	}

	// A change published after connecting comes live, escaped.
	inc := newIncident("20260110T000000Z-bbbb0001", hijack.MonitorExact, "192.0.2.0/24", 64496, 64666, true, "noc")
	inc.Description = scriptDescription
	m.Publish(hijack.Change{Event: hijack.EventOpened, Incident: inc})
	msg := next(t, c)
	if msg.Event != hijack.EventOpened || msg.Incident.ID != inc.ID || msg.Incident.Description != scriptDescription {
		t.Errorf("live message %s", msg.raw)
	}
	if bytes.Contains(msg.raw, []byte("<script>")) || !bytes.Contains(msg.raw, []byte(`\u003cscript\u003e`)) {
		t.Errorf("markup not escaped: %s", msg.raw)
	}

	// So does an acknowledgement made through the API.
	r := do(t, http.MethodPost, base+"/api/v1/hijack/incidents/"+inc.ID+"/acknowledge", map[string]string{"X-API-Key": testKey}, `{"by": "alice"}`)
	if r.code != http.StatusOK {
		t.Fatalf("acknowledge: HTTP %d %s", r.code, r.body)
	}
	if msg := next(t, c); msg.Event != hijack.EventAcknowledged || msg.Incident.ID != inc.ID || msg.Incident.AckBy != "alice" {
		t.Errorf("after acknowledging: %s", msg.raw)
	}

	// And the resolution.
	inc.Status = hijack.StatusResolved
	inc.Resolved = new(time.Now().UTC())
	m.Publish(hijack.Change{Event: hijack.EventResolved, Incident: inc})
	if msg := next(t, c); msg.Event != hijack.EventResolved || msg.Incident.Status != hijack.StatusResolved || !msg.Incident.Acknowledged {
		t.Errorf("after resolving: %s", msg.raw)
	}

	// A new client's snapshot no longer has it.
	c2 := mustDial(t, base, "")
	if got := snapshot(t, c2, 2); slices.Contains(got, inc.ID) {
		t.Errorf("resolved incident in the snapshot: %v", got)
	}
}

// TestStreamFilter checks that filters apply to the snapshot and to the
// live changes: a change that does not match is not sent, so the first
// live message is the matching one published after it.
func TestStreamFilter(t *testing.T) {
	skip := newIncident("20260110T000000Z-cccc0001", hijack.MonitorMoreSpecific, "198.51.100.0/24", 64497, 0, false, "lab")
	tests := []struct {
		name     string
		query    string
		snapshot []string
		match    hijack.Incident
	}{
		{"AS", "resource=AS4725", []string{idExact},
			newIncident("20260110T000000Z-dddd0001", hijack.MonitorSubPrefix, "202.33.64.0/18", 4725, 64501, true, "noc")},
		{"prefix", "resource=2001:db8::/32", []string{idMoreSpec},
			newIncident("20260110T000000Z-dddd0002", hijack.MonitorSquat, "2001:db8:ff00::/40", 65001, 64502, true, "noc")},
		{"address", "resource=202.33.14.1", []string{idExact},
			newIncident("20260110T000000Z-dddd0003", hijack.MonitorExact, "202.33.14.0/24", 4725, 64503, true, "noc")},
		{"hijacks only", "hijacks_only=true", []string{idExact},
			newIncident("20260110T000000Z-dddd0004", hijack.MonitorFirstHop, "203.0.113.0/24", 64510, 64504, true, "lab")},
		{"type", "type=MORE-SPECIFIC&group=noc", []string{idMoreSpec},
			newIncident("20260110T000000Z-dddd0005", hijack.MonitorMoreSpecific, "203.0.113.0/24", 64510, 0, false, "noc")},
		{"group", "group=video", []string{},
			newIncident("20260110T000000Z-dddd0006", hijack.MonitorRPKI, "203.0.113.0/24", 64510, 64505, true, "video")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t)
			base := serve(t, m, Options{})
			c := mustDial(t, base, tt.query)
			if got := snapshot(t, c, len(tt.snapshot)); !slices.Equal(got, tt.snapshot) {
				t.Fatalf("snapshot %v, want %v", got, tt.snapshot)
			}
			m.Publish(hijack.Change{Event: hijack.EventOpened, Incident: skip})
			m.Publish(hijack.Change{Event: hijack.EventOpened, Incident: tt.match})
			msg := next(t, c)
			if len(tt.snapshot) == 0 && msg.Event == EventSnapshot && msg.Incident.ID == tt.match.ID {
				// Without a snapshot to wait for, the publications may
				// precede the snapshot, which then has the incident too.
				msg = next(t, c)
			}
			if msg.Event != hijack.EventOpened || msg.Incident.ID != tt.match.ID {
				t.Errorf("first live message %s, want the opening of %s", msg.raw, tt.match.ID)
			}
		})
	}
}

func TestStreamRefused(t *testing.T) {
	m := newManager(t)
	tests := []struct {
		name   string
		opt    Options
		query  string
		header http.Header
		code   int
		param  string
	}{
		{"bad type", Options{}, "type=nope", nil, http.StatusBadRequest, "type"},
		{"bad resource", Options{}, "resource=AS0", nil, http.StatusBadRequest, "resource"},
		{"origin not allowed", Options{AllowedOrigins: []string{"https://noc.example.net"}}, "", http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := serve(t, m, tt.opt)
			_, res, err := dial(t, base, tt.query, tt.header)
			if !errors.Is(err, websocket.ErrBadHandshake) || res == nil {
				t.Fatalf("dial: %v", err)
			}
			defer res.Body.Close()
			var body bytes.Buffer
			if _, err := body.ReadFrom(res.Body); err != nil {
				t.Fatal(err)
			}
			checkError(t, response{code: res.StatusCode, header: res.Header, body: body.Bytes()}, tt.code, tt.param)
		})
	}
	// Allowed origins, and any origin by default.
	for _, opt := range []Options{{AllowedOrigins: []string{"https://noc.example.net"}}, {}} {
		base := serve(t, m, opt)
		c, _, err := dial(t, base, "", http.Header{"Origin": {"https://noc.example.net"}})
		if err != nil {
			t.Fatalf("allowed origin %v: %v", opt.AllowedOrigins, err)
		}
		snapshot(t, c, 2)
	}
}

// TestStreamKeepalive checks that the server pings and that a client
// which stops reading (and so stops answering pings) is let go.
func TestStreamKeepalive(t *testing.T) {
	inc := &countingIncidents{Manager: newManager(t)}
	base := serve(t, inc, Options{PingInterval: 50 * time.Millisecond})
	c := mustDial(t, base, "")
	pinged := make(chan struct{}, 1)
	c.SetPingHandler(func(string) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return nil // no pong: the server must give up
	})
	go func() {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case <-pinged:
	case <-time.After(5 * time.Second):
		t.Fatal("no ping")
	}
	eventually(t, 5*time.Second, "client that does not answer pings is disconnected", func() bool { return inc.subs.Load() == 0 })
}

// TestStreamSlowClient checks that a client that does not read is
// disconnected, whether it falls a buffer behind or a write times out,
// and that publishing never waits for it.
func TestStreamSlowClient(t *testing.T) {
	tests := []struct {
		name   string
		buffer int
		reason string // in the log
	}{
		{"buffer full", 16, `reason="too slow"`},
		{"write timeout", 4096, `reason="write: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := &countingIncidents{Manager: newManager(t)}
			var log syncBuffer
			base := serve(t, inc, Options{StreamBuffer: tt.buffer, WriteTimeout: 200 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&log, nil))})
			c := mustDial(t, base, "")
			eventually(t, 5*time.Second, "subscribed", func() bool { return inc.subs.Load() == 1 })
			// Big messages fill the socket buffers quickly; the client
			// reads nothing.
			big := newIncident("20260110T000000Z-eeee0001", hijack.MonitorExact, "192.0.2.0/24", 64496, 64666, true, "noc")
			big.Why = strings.Repeat("x", 256<<10)
			start := time.Now()
			for i := 0; i < 400 && inc.subs.Load() > 0; i++ {
				big.Sessions = i
				inc.Publish(hijack.Change{Event: hijack.EventUpdated, Incident: big})
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("publishing took %v", d)
			}
			eventually(t, 10*time.Second, "slow client disconnected", func() bool { return inc.subs.Load() == 0 })
			eventually(t, 5*time.Second, "stream end logged", func() bool { return strings.Contains(log.String(), "stream ended") })
			if !strings.Contains(log.String(), tt.reason) {
				t.Errorf("log lacks %s:\n%s", tt.reason, log.String())
			}
			// The client finds the connection ended, not merely idle.
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			for {
				_, _, err := c.ReadMessage()
				if err == nil {
					continue
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("connection still open: %v", err)
				}
				break
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStreamShutdown checks Options.Done and MaxStreams.
func TestStreamShutdown(t *testing.T) {
	done := make(chan struct{})
	base := serve(t, newManager(t), Options{Done: done, MaxStreams: 1})
	c := mustDial(t, base, "")
	snapshot(t, c, 2)
	_, res, err := dial(t, base, "", nil)
	if !errors.Is(err, websocket.ErrBadHandshake) || res == nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second stream over MaxStreams: %v %v", err, res)
	}
	res.Body.Close()
	close(done)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("after shutdown: %v, want close 1001", err)
	}
	if _, res, err := dial(t, base, "", nil); err == nil || res == nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("stream after shutdown: %v", err)
	}
}
