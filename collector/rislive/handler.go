package rislive

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/collector/bus"
)

// Options configure a Handler. Zero values select the defaults.
type Options struct {
	// Hosts are the collector names this server streams: the answer to
	// request_rrc_list, and the values a subscription's "host" may take
	// (any value when empty).
	Hosts []string
	// Buffer is how many bus events each client may fall behind before
	// events are dropped for it (default 4096).
	Buffer int
	// MaxSubscriptions limits the subscriptions of one socket (default
	// 256); a prefix array counts one per prefix.
	MaxSubscriptions int
	// PingInterval is how often a WebSocket ping is sent (default 30s).
	// Pings keep proxies and NAT from closing idle sockets; a client is
	// never dropped for being idle, only when a write (a ping included)
	// fails or takes longer than WriteTimeout.
	PingInterval time.Duration
	// WriteTimeout bounds the sending of one message (default 30s); a
	// client that takes longer is disconnected.
	WriteTimeout time.Duration
	// SlowGrace is how long after being told that messages were dropped
	// a client has to catch up: a client that has messages dropped again
	// within it is disconnected (default 1m).
	SlowGrace time.Duration
	// Logger receives connection and error logs (default slog.Default()).
	Logger *slog.Logger
	// Registerer, when not nil, receives the stream's metrics.
	Registerer prometheus.Registerer
}

func (o Options) withDefaults() Options {
	if o.Buffer <= 0 {
		o.Buffer = 4096
	}
	if o.MaxSubscriptions <= 0 {
		o.MaxSubscriptions = 256
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.SlowGrace <= 0 {
		o.SlowGrace = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Handler serves the RIS Live endpoints from a bus:
//
//	/v1/ws/?client=NAME                     WebSocket, filtered by ris_subscribe
//	/v1/stream/?format=json&client=NAME     NDJSON firehose, filtered by the
//	                                        X-RIS-Subscribe header
//
// Both are also served without the trailing slash.
type Handler struct {
	bus      *bus.Bus
	opt      Options
	mux      *http.ServeMux
	upgrader websocket.Upgrader
	metrics  *metrics
	rrcList  []byte // the ris_rrc_list message

	mu      sync.Mutex
	clients map[*client]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// NewHandler returns a Handler streaming the events of b.
func NewHandler(b *bus.Bus, opt Options) *Handler {
	opt = opt.withDefaults()
	h := &Handler{
		bus: b, opt: opt, mux: http.NewServeMux(),
		metrics: newMetrics(opt.Registerer),
		clients: map[*client]struct{}{},
		upgrader: websocket.Upgrader{
			EnableCompression: true,
			// RIS Live is public and used from browsers on any origin.
			CheckOrigin: func(*http.Request) bool { return true },
		},
	}
	hosts := opt.Hosts
	if hosts == nil {
		hosts = []string{}
	}
	h.rrcList = envelope("ris_rrc_list", mustJSON(hosts))
	for _, p := range []string{"/v1/ws/{$}", "/v1/ws"} {
		h.mux.HandleFunc(p, h.serveWS)
	}
	for _, p := range []string{"/v1/stream/{$}", "/v1/stream"} {
		h.mux.HandleFunc(p, h.serveStream)
	}
	return h
}

// ServeHTTP serves the RIS Live endpoints; other paths are not found.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Close disconnects every client and waits for their connections to end.
// Requests arriving afterwards are refused.
func (h *Handler) Close() {
	h.mu.Lock()
	h.closed = true
	for c := range h.clients {
		c.stop()
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// add registers a client; it returns false once the Handler is closed.
func (h *Handler) add(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = struct{}{}
	h.wg.Add(1)
	h.metrics.subscribers.WithLabelValues(c.endpoint).Inc()
	return true
}

// remove unregisters a client added with add.
func (h *Handler) remove(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	h.metrics.subscribers.WithLabelValues(c.endpoint).Dec()
	h.wg.Done()
}

// envelope returns the message {"type": typ, "data": data}.
func envelope(typ string, data []byte) []byte {
	b := make([]byte, 0, len(typ)+len(data)+20)
	return appendEnvelope(b, typ, data)
}

func appendEnvelope(b []byte, typ string, data []byte) []byte {
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","data":`...)
	b = append(b, data...)
	return append(b, '}')
}

// errorMessage returns a ris_error message.
func errorMessage(msg string) []byte {
	return envelope("ris_error", mustJSON(map[string]string{"message": msg}))
}

// mustJSON marshals values that always marshal (strings, maps and slices
// of them, our own structs).
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("rislive: marshal " + err.Error())
	}
	return b
}
