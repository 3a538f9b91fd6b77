package rislive

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/mrtdump"
)

// client is one connection to an endpoint: its subscriptions and its
// queue of bus events.
type client struct {
	h        *Handler
	endpoint string // "ws" or "stream", the metrics label
	name     string // the client parameter
	log      *slog.Logger
	started  time.Time

	// state is replaced, never modified, by the goroutine that reads the
	// client's messages, and read by the one that sends.
	state atomic.Pointer[clientState]

	done     chan struct{} // closed by stop
	stopOnce sync.Once

	// Owned by the sending goroutine.
	sub      *bus.Subscription
	encoders map[string]*mrtdump.MessageEncoder // by collector name
	view     view
	out      []byte
	sent     uint64
	reported uint64    // drops already reported to the client
	warnedAt time.Time // when the client was last told of drops
}

// clientState is a client's subscriptions and socket options.
type clientState struct {
	filters []*filter
	opts    socketOptions
}

func (h *Handler) newClient(endpoint string, r *http.Request) *client {
	name := r.URL.Query().Get("client")
	c := &client{
		h: h, endpoint: endpoint, name: name, started: time.Now(),
		log:      h.opt.Logger.With("endpoint", endpoint, "client", name, "remote", r.RemoteAddr),
		done:     make(chan struct{}),
		encoders: map[string]*mrtdump.MessageEncoder{},
	}
	c.state.Store(&clientState{})
	return c
}

// stop asks the client's goroutines to end the connection.
func (c *client) stop() { c.stopOnce.Do(func() { close(c.done) }) }

// subscribeBus starts the client's queue of bus events.
func (c *client) subscribeBus() {
	name := c.endpoint
	if c.name != "" {
		name += ":" + c.name
	}
	c.sub = c.h.bus.Subscribe("rislive "+name, c.h.opt.Buffer)
}

// message returns the ris_message for ev when it matches one of the
// client's subscriptions (once, however many match), or nil. The result
// is valid until the next call.
func (c *client) message(ev *bus.Event) []byte {
	st := c.state.Load()
	if len(st.filters) == 0 {
		return nil
	}
	enc := c.encoders[ev.Collector]
	if enc == nil {
		enc = mrtdump.NewMessageEncoder(ev.Collector)
		c.encoders[ev.Collector] = enc
	}
	c.view.reset(ev, enc)
	if !slices.ContainsFunc(st.filters, func(f *filter) bool { return f.match(&c.view) }) {
		return nil
	}
	data, err := c.view.encode(st.opts.IncludeRaw)
	if err != nil {
		c.log.Debug("rislive: message not sent", "peer", ev.PeerAddr, "seq", ev.Seq, "err", err)
		return nil
	}
	c.out = appendEnvelope(c.out[:0], "ris_message", data)
	c.sent++
	c.h.metrics.sent.WithLabelValues(c.endpoint).Inc()
	return c.out
}

// checkDrops tells whether bus events were dropped for the client since
// the last call: it returns the ris_error to send, and whether the client
// must be disconnected after it because it was already told within
// SlowGrace.
func (c *client) checkDrops(now time.Time) (msg []byte, disconnect bool) {
	total := c.sub.Dropped()
	if total == c.reported {
		return nil, false
	}
	n := total - c.reported
	c.reported = total
	c.h.metrics.drops.WithLabelValues(c.endpoint).Add(float64(n))
	if !c.warnedAt.IsZero() && now.Sub(c.warnedAt) < c.h.opt.SlowGrace {
		c.log.Warn("rislive: disconnecting a client that cannot keep up", "dropped", total)
		return errorMessage(fmt.Sprintf("%d messages dropped (%d in total): the client reads too slowly; disconnecting", n, total)), true
	}
	c.warnedAt = now
	c.log.Info("rislive: client fell behind", "dropped", n)
	return errorMessage(fmt.Sprintf("%d messages dropped: the client reads too slowly and will be disconnected if it stays behind", n)), false
}

// clientMessage is a message from a client.
type clientMessage struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

var pong = envelope("pong", []byte("null"))

// handle acts on one message from the client and returns the messages to
// send back.
func (c *client) handle(b []byte) [][]byte {
	var m clientMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return [][]byte{errorMessage("invalid message: " + err.Error())}
	}
	switch m.Type {
	case "ris_subscribe":
		return c.subscribe(m.Data)
	case "ris_unsubscribe":
		return c.unsubscribe(m.Data)
	case "ping":
		return [][]byte{pong}
	case "request_rrc_list":
		return [][]byte{c.h.rrcList}
	case "":
		return [][]byte{errorMessage("type: missing; one of ris_subscribe, ris_unsubscribe, ping, request_rrc_list")}
	}
	return [][]byte{errorMessage(fmt.Sprintf("type: unknown message type %q; one of ris_subscribe, ris_unsubscribe, ping, request_rrc_list", m.Type))}
}

// subscribe applies a ris_subscribe: every filter is added (once) or
// none, and its socketOptions replace the earlier ones.
func (c *client) subscribe(data json.RawMessage) [][]byte {
	p, err := parseSubscribe(data, c.h.opt.Hosts)
	if err != nil {
		return [][]byte{errorMessage("ris_subscribe: " + err.Error())}
	}
	st := c.state.Load()
	next := &clientState{filters: slices.Clone(st.filters), opts: st.opts}
	if p.options != nil {
		next.opts = *p.options
	}
	for _, f := range p.filters {
		if !slices.ContainsFunc(next.filters, func(g *filter) bool { return g.key == f.key }) {
			next.filters = append(next.filters, f)
		}
	}
	if max := c.h.opt.MaxSubscriptions; len(next.filters) > max {
		return [][]byte{errorMessage(fmt.Sprintf("ris_subscribe: %d subscriptions would exceed the limit of %d per connection; nothing subscribed", len(next.filters), max))}
	}
	c.state.Store(next)
	c.log.Debug("rislive: subscribed", "subscriptions", len(next.filters), "filter", string(data))
	if !next.opts.Acknowledge {
		return nil
	}
	out := make([][]byte, 0, len(p.filters))
	for _, f := range p.filters {
		ok := struct {
			Subscription  json.RawMessage `json:"subscription"`
			SocketOptions socketOptions   `json:"socketOptions"`
		}{json.RawMessage(f.key), next.opts}
		out = append(out, envelope("ris_subscribe_ok", mustJSON(ok)))
	}
	return out
}

// unsubscribe applies a ris_unsubscribe: it removes the subscriptions
// equal to its filters (socketOptions are ignored).
func (c *client) unsubscribe(data json.RawMessage) [][]byte {
	p, err := parseSubscribe(data, nil)
	if err != nil {
		return [][]byte{errorMessage("ris_unsubscribe: " + err.Error())}
	}
	st := c.state.Load()
	next := &clientState{opts: st.opts}
	var missing []string
	for _, f := range p.filters {
		if !slices.ContainsFunc(st.filters, func(g *filter) bool { return g.key == f.key }) {
			missing = append(missing, f.key)
		}
	}
	for _, g := range st.filters {
		if !slices.ContainsFunc(p.filters, func(f *filter) bool { return g.key == f.key }) {
			next.filters = append(next.filters, g)
		}
	}
	c.state.Store(next)
	if len(missing) > 0 {
		return [][]byte{errorMessage(fmt.Sprintf("ris_unsubscribe: %v: %s", errNoSubscription, strings.Join(missing, ", ")))}
	}
	return nil
}

// finish logs the end of a connection.
func (c *client) finish(reason string) {
	c.log.Info("rislive: client disconnected", "reason", reason, "sent", c.sent,
		"dropped", c.sub.Dropped(), "duration", time.Since(c.started).Round(time.Millisecond))
}
