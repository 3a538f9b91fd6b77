package incidentapi

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/routestat/routestat/stat/hijack"
)

// EventSnapshot is the event of the messages a stream starts with: one
// per incident open when the client connected.
const EventSnapshot = "snapshot"

// streamReadLimit bounds a client message (clients have nothing to say;
// what they send is read and ignored).
const streamReadLimit = 4 << 10

// message is one stream message.
type message struct {
	Event    string           `json:"event"`
	Incident *hijack.Incident `json:"incident"`
}

// acquireStream takes a stream slot; false when MaxStreams are open or
// the server is shutting down.
func (h *handler) acquireStream() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.streams >= h.opt.MaxStreams || h.shuttingDown() {
		return false
	}
	h.streams++
	return true
}

// releaseStream gives a slot back.
func (h *handler) releaseStream() {
	h.mu.Lock()
	h.streams--
	h.mu.Unlock()
}

// shuttingDown reports whether Options.Done is closed.
func (h *handler) shuttingDown() bool {
	select {
	case <-h.opt.Done:
		return true
	default:
		return false
	}
}

// serveStream answers GET /stream: checks the filters before the
// handshake (so that a bad one is a JSON 400), subscribes before taking
// the snapshot (so that no change falls between them; a change made
// while the snapshot is taken may come again after it), then sends.
func (h *handler) serveStream(w http.ResponseWriter, r *http.Request) {
	vals, aerr := splitQuery(r.URL.RawQuery)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var f hijack.Filter
	if aerr := parseFilter(vals, &f); aerr != nil {
		writeError(w, aerr)
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "websocket")
		writeError(w, &apiError{status: http.StatusUpgradeRequired, msg: "this is a WebSocket endpoint: connect with a WebSocket client (ws:// or wss://)"})
		return
	}
	if !h.acquireStream() {
		w.Header().Set("Retry-After", "30")
		writeError(w, &apiError{status: http.StatusServiceUnavailable, msg: "too many streams are open or the server is shutting down; retry later"})
		return
	}
	defer h.releaseStream()
	changes, unsubscribe := h.inc.Subscribe(h.opt.StreamBuffer)
	defer unsubscribe()
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.log.Debug("hijack api: websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return // the upgrader has answered
	}
	defer conn.Close()

	snap := f
	snap.Status = hijack.StatusOpen
	s := &stream{h: h, conn: conn, filter: f, started: time.Now(), log: h.log.With("remote", r.RemoteAddr)}
	s.log.Info("hijack api: stream connected", "filter", fmt.Sprintf("%+v", f))
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		s.read()
	}()
	reason := s.write(h.inc.List(snap), changes, readDone)
	conn.Close() // ends read
	<-readDone
	s.log.Info("hijack api: stream ended", "reason", reason, "sent", s.sent, "duration", time.Since(s.started).Round(time.Millisecond))
}

// stream is one WebSocket client of /stream.
type stream struct {
	h       *handler
	conn    *websocket.Conn
	filter  hijack.Filter
	started time.Time
	log     *slog.Logger
	sent    int
}

// read reads (and ignores) client messages until the connection fails or
// the client stops answering pings: each pong, or anything else the
// client sends, extends the read deadline by two ping intervals.
func (s *stream) read() {
	wait := 2 * s.h.opt.PingInterval
	s.conn.SetReadLimit(streamReadLimit)
	extend := func() error { return s.conn.SetReadDeadline(time.Now().Add(wait)) }
	if err := extend(); err != nil {
		return
	}
	s.conn.SetPongHandler(func(string) error { return extend() })
	for {
		if _, _, err := s.conn.NextReader(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
				s.log.Debug("hijack api: stream read", "err", err)
			}
			return
		}
		if err := extend(); err != nil {
			return
		}
	}
}

// write sends the snapshot, then the changes that pass the filter and
// pings, until the connection fails, the client leaves or falls behind,
// or the server shuts down; it returns why it stopped.
func (s *stream) write(snapshot []hijack.Incident, changes <-chan hijack.Change, readDone <-chan struct{}) string {
	opt := s.h.opt
	ping := time.NewTicker(opt.PingInterval)
	defer ping.Stop()
	closeWith := func(code int, text string) {
		_ = s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	}
	for i := range snapshot {
		select {
		case <-readDone:
			return "client left"
		case <-opt.Done:
			closeWith(websocket.CloseGoingAway, "server shutting down")
			return "shutdown"
		default:
		}
		if err := s.send(EventSnapshot, &snapshot[i]); err != nil {
			return "write: " + err.Error()
		}
	}
	for {
		select {
		case <-readDone:
			return "client left"
		case <-opt.Done:
			closeWith(websocket.CloseGoingAway, "server shutting down")
			return "shutdown"
		case <-ping.C:
			if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(opt.WriteTimeout)); err != nil {
				return "ping: " + err.Error()
			}
		case c, ok := <-changes:
			if !ok {
				closeWith(websocket.CloseGoingAway, "incidents closed")
				return "subscription closed"
			}
			// The publisher drops what does not fit the buffer: a
			// client whose buffer was full may have missed changes, so
			// it is told to reconnect (and get a fresh snapshot).
			if len(changes) >= cap(changes)-1 {
				closeWith(websocket.CloseTryAgainLater, "too slow: reconnect for a fresh snapshot")
				return "too slow"
			}
			if !s.filter.Match(&c.Incident) {
				continue
			}
			if err := s.send(c.Event, &c.Incident); err != nil {
				return "write: " + err.Error()
			}
		}
	}
}

// send writes one message within WriteTimeout.
func (s *stream) send(event string, inc *hijack.Incident) error {
	b, err := json.Marshal(message{Event: event, Incident: inc})
	if err != nil {
		return fmt.Errorf("encode %s of incident %s: %w", event, inc.ID, err)
	}
	if err := s.conn.SetWriteDeadline(time.Now().Add(s.h.opt.WriteTimeout)); err != nil {
		return fmt.Errorf("set write deadline: %w", err)
	}
	if err := s.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		return fmt.Errorf("send %s of incident %s: %w", event, inc.ID, err)
	}
	s.sent++
	return nil
}
