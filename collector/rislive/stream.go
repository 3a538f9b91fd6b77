package rislive

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// subscribeHeader is the request header that filters the firehose: the
// data of a ris_subscribe.
const subscribeHeader = "X-RIS-Subscribe"

// serveStream serves /v1/stream/?format=json: every ris_message (or, with
// an X-RIS-Subscribe header, those matching it) as one JSON envelope per
// line. A client that falls behind gets ris_error lines, as on the
// WebSocket, and is disconnected if it stays behind.
func (h *Handler) serveStream(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		return
	}
	if f := r.URL.Query().Get("format"); f != "" && f != "json" {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("format: %q is not supported; use json", f))
		return
	}
	c := h.newClient("stream", r)
	data := json.RawMessage(r.Header.Get(subscribeHeader))
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	p, err := parseSubscribe(data, h.opt.Hosts)
	if err != nil {
		httpError(w, http.StatusBadRequest, subscribeHeader+": "+err.Error())
		return
	}
	if len(p.filters) > h.opt.MaxSubscriptions {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("%s: %d subscriptions exceed the limit of %d", subscribeHeader, len(p.filters), h.opt.MaxSubscriptions))
		return
	}
	st := &clientState{filters: p.filters}
	if p.options != nil {
		st.opts = *p.options
	}
	c.state.Store(st)
	if !h.add(c) {
		httpError(w, http.StatusServiceUnavailable, "server shutting down")
		return
	}
	defer h.remove(c)
	c.subscribeBus()
	defer c.sub.Close()
	c.log.Info("rislive: client connected", "filter", string(data))

	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		c.finish("HEAD")
		return
	}
	c.finish(c.streamLoop(w, r))
}

// streamLoop writes lines until the client goes, is too slow or is
// stopped, and returns why it ended.
func (c *client) streamLoop(w http.ResponseWriter, r *http.Request) string {
	rc := http.NewResponseController(w)
	write := func(b []byte) error {
		rc.SetWriteDeadline(time.Now().Add(c.h.opt.WriteTimeout))
		if _, err := w.Write(b); err != nil {
			return err
		}
		_, err := w.Write([]byte{'\n'})
		return err
	}
	if err := rc.Flush(); err != nil {
		return "flush: " + err.Error()
	}
	for {
		select {
		case <-r.Context().Done():
			return "client gone"
		case <-c.done:
			return "closed"
		case ev, ok := <-c.sub.C():
			if !ok {
				return "bus closed"
			}
			if m := c.message(ev); m != nil {
				if err := write(m); err != nil {
					return "write: " + err.Error()
				}
			}
		}
		msg, disconnect := c.checkDrops(time.Now())
		if msg != nil {
			if err := write(msg); err != nil {
				return "write: " + err.Error()
			}
		}
		if len(c.sub.C()) == 0 || msg != nil {
			if err := rc.Flush(); err != nil {
				return "flush: " + err.Error()
			}
		}
		if disconnect {
			return "too slow"
		}
	}
}

// httpError answers with a ris_error message as the body.
func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(errorMessage(msg), '\n'))
}
