package rislive

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
)

// sample is a bus event made from a real MRT record, with the data object
// mrtdump's JSONEncoder writes for that record.
type sample struct {
	ev   *bus.Event
	data map[string]any // JSONEncoder's object, "id" removed
}

var (
	samplesOnce sync.Once
	samplesAll  []sample
	samplesErr  error
)

// loadSamples returns the BGP4MP messages and state changes of a real RIS
// updates file as bus events for collector rrc00.
func loadSamples(t *testing.T) []sample {
	t.Helper()
	path := sharedtest.MRT(t, "ripe-bgpdump-testdata/updates.20160811.1600.gz")
	samplesOnce.Do(func() { samplesAll, samplesErr = readSamples(path) })
	if samplesErr != nil {
		t.Fatal(samplesErr)
	}
	return samplesAll
}

func readSamples(path string) ([]sample, error) {
	f, err := mrtdump.Open(path, nil)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []sample
	var buf bytes.Buffer
	je := mrtdump.NewJSONEncoder(&buf, mrtdump.JSONOptions{Host: "rrc00"})
	var m mrtdump.Message
	var sc mrtdump.StateChange
	for {
		rec, err := f.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if rec.Type != mrtdump.TypeBGP4MP && rec.Type != mrtdump.TypeBGP4MPET {
			continue
		}
		buf.Reset()
		if je.Record(rec) != nil || je.Flush() != nil || buf.Len() == 0 {
			continue
		}
		var data map[string]any
		if err := json.Unmarshal(buf.Bytes(), &data); err != nil {
			return nil, err
		}
		delete(data, "id")
		ev := &bus.Event{Time: time.Unix(int64(rec.Time), int64(rec.Microseconds)*1000), Collector: "rrc00"}
		switch rec.Subtype {
		case mrtdump.SubStateChange, mrtdump.SubStateChangeAS4:
			size := 2
			if rec.Subtype == mrtdump.SubStateChangeAS4 {
				size = 4
			}
			if err := mrtdump.DecodeStateChange(rec.Body, size, &sc); err != nil {
				return nil, err
			}
			ev.Kind = bus.KindState
			ev.PeerAddr, ev.LocalAddr = mrtAddr(sc.PeerAddr, sc.AFI), mrtAddr(sc.LocalAddr, sc.AFI)
			ev.PeerAS, ev.LocalAS = sc.PeerAS, sc.LocalAS
			ev.OldState, ev.NewState = sc.OldState, sc.NewState
		default:
			if err := mrtdump.DecodeMessage(rec.Body, rec.Subtype, &m); err != nil {
				return nil, err
			}
			ev.Kind = bus.KindMessage
			ev.PeerAddr, ev.LocalAddr = mrtAddr(m.PeerAddr, m.AFI), mrtAddr(m.LocalAddr, m.AFI)
			ev.PeerAS, ev.LocalAS = m.PeerAS, m.LocalAS
			ev.AS4, ev.AddPath, ev.Local = m.AS4, m.AddPath, m.Local
			ev.Message = bytes.Clone(m.Raw)
		}
		out = append(out, sample{ev: ev, data: data})
	}
}

func mrtAddr(a [16]byte, afi uint16) netip.Addr {
	if afi == mrtdump.AFIIPv6 {
		return netip.AddrFrom16(a)
	}
	return netip.AddrFrom4([4]byte(a[:4]))
}

// publishSamples publishes fresh copies of the samples' events (the bus
// numbers them) and returns them.
func publishSamples(b *bus.Bus, samples []sample) []*bus.Event {
	evs := make([]*bus.Event, len(samples))
	for i, s := range samples {
		ev := *s.ev
		evs[i] = &ev
		b.Publish(&ev)
	}
	return evs
}

// testServer is a Handler on a bus behind an httptest server.
type testServer struct {
	bus *bus.Bus
	h   *Handler
	srv *httptest.Server
	reg *prometheus.Registry
	log *bytes.Buffer
}

// lockedBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func newTestServer(t *testing.T, b *bus.Bus, opt Options) *testServer {
	t.Helper()
	if b == nil {
		b = bus.New()
	}
	ts := &testServer{bus: b, reg: prometheus.NewRegistry(), log: &bytes.Buffer{}}
	if opt.Hosts == nil {
		opt.Hosts = []string{"rrc00"}
	}
	opt.Registerer = ts.reg
	w := io.Writer(&lockedBuffer{b: ts.log})
	if testing.Verbose() {
		w = os.Stderr
	}
	opt.Logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts.h = NewHandler(b, opt)
	ts.srv = httptest.NewServer(ts.h)
	t.Cleanup(func() {
		ts.h.Close()
		ts.srv.Close()
	})
	return ts
}

// wsURL returns the WebSocket URL of the server's /v1/ws/.
func (ts *testServer) wsURL(client string) string {
	return "ws" + strings.TrimPrefix(ts.srv.URL, "http") + "/v1/ws/?client=" + client
}

func (ts *testServer) metric(name, endpoint string) float64 {
	var c prometheus.Metric
	switch name {
	case "subscribers":
		c = ts.h.metrics.subscribers.WithLabelValues(endpoint)
	case "sent":
		c = ts.h.metrics.sent.WithLabelValues(endpoint)
	case "drops":
		c = ts.h.metrics.drops.WithLabelValues(endpoint)
	}
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	if m.Gauge != nil {
		return m.Gauge.GetValue()
	}
	return m.Counter.GetValue()
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wsClient is a test WebSocket client.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dial(t *testing.T, ts *testServer, name string) *wsClient {
	t.Helper()
	d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial(ts.wsURL(name), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if ext := resp.Header.Get("Sec-Websocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Errorf("permessage-deflate not negotiated: %q", ext)
	}
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t: t, conn: conn}
}

func (c *wsClient) send(typ string, data any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(map[string]any{"type": typ, "data": data}); err != nil {
		c.t.Fatalf("send %s: %v", typ, err)
	}
}

func (c *wsClient) sendRaw(s string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// envelopeIn is a server message as a client reads it.
type envelopeIn struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// read returns the next message, failing the test after timeout.
func (c *wsClient) read(timeout time.Duration) envelopeIn {
	c.t.Helper()
	m, err := c.tryRead(timeout)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

func (c *wsClient) tryRead(timeout time.Duration) (envelopeIn, error) {
	c.conn.SetReadDeadline(time.Now().Add(timeout))
	var m envelopeIn
	typ, b, err := c.conn.ReadMessage()
	if err != nil {
		return m, err
	}
	if typ != websocket.TextMessage {
		c.t.Fatalf("frame type %d, want text", typ)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("message is not a JSON envelope: %v\n%s", err, b)
	}
	return m, nil
}

// expect reads the next message and checks its type.
func (c *wsClient) expect(typ string) json.RawMessage {
	c.t.Helper()
	m := c.read(5 * time.Second)
	if m.Type != typ {
		c.t.Fatalf("got %s %s, want %s", m.Type, m.Data, typ)
	}
	return m.Data
}

// quiet checks that no message arrives for a while.
func (c *wsClient) quiet(d time.Duration) {
	c.t.Helper()
	if m, err := c.tryRead(d); err == nil {
		c.t.Fatalf("unexpected %s %s", m.Type, m.Data)
	}
}

// expectError reads a ris_error and checks that its message contains
// want.
func (c *wsClient) expectError(want string) string {
	c.t.Helper()
	var e struct{ Message string }
	if err := json.Unmarshal(c.expect("ris_error"), &e); err != nil {
		c.t.Fatal(err)
	}
	if !strings.Contains(e.Message, want) {
		c.t.Fatalf("ris_error %q does not mention %q", e.Message, want)
	}
	return e.Message
}
