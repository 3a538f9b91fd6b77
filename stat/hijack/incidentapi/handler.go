package incidentapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/hijack"
)

// Prefix is the path the incident API is served under; mount Handler
// there (mux.Handle(incidentapi.Prefix, h)). Paths are matched in full,
// not stripped.
const Prefix = "/api/v1/hijack/"

// List limits.
const (
	// DefaultLimit is how many incidents a list returns without limit.
	DefaultLimit = 100
	// MaxLimit is the largest limit accepted.
	MaxLimit = 1000
)

// Options configure Handler. Zero values select the defaults.
type Options struct {
	// APIKeys authorise acknowledging incidents and marking them false
	// positives. Empty keys are ignored; without any key those actions
	// are refused with 403.
	APIKeys []string
	// Log receives the actions people take, refused keys and stream
	// connections (default slog.Default()).
	Log *slog.Logger
	// AllowedOrigins are the browser origins ("https://noc.example.net")
	// that may read the API from scripts and open the stream. Empty
	// allows any origin, as the incidents are public like RIPEstat's
	// data; "*" in the list does too. Requests without an Origin header
	// and same-origin requests are always allowed. Changes need an API
	// key whatever the origin.
	AllowedOrigins []string
	// Monitored, when set, serves and replaces the monitored-resources
	// file at /monitored (replacing needs an API key).
	Monitored Monitored
	// PingInterval is how often the stream pings its client (default
	// 30s); a client that has not answered within two intervals is
	// disconnected.
	PingInterval time.Duration
	// WriteTimeout bounds the sending of one stream message (default
	// 10s); a client that takes longer is disconnected.
	WriteTimeout time.Duration
	// StreamBuffer is how many changes a stream client may fall behind
	// (default 1024, at least 16); one that falls further is
	// disconnected, to reconnect and get a fresh snapshot, rather than
	// silently miss changes.
	StreamBuffer int
	// MaxStreams bounds the streams open at once (default 256); more are
	// refused with 503.
	MaxStreams int
	// Done, when closed, ends every stream (close code 1001) and refuses
	// new ones: close it when the server shuts down, as
	// http.Server.Shutdown does not wait for WebSockets.
	Done <-chan struct{}
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.StreamBuffer <= 0 {
		o.StreamBuffer = 1024
	}
	o.StreamBuffer = max(o.StreamBuffer, 16)
	if o.MaxStreams <= 0 {
		o.MaxStreams = 256
	}
	return o
}

// handler serves the incident API.
type handler struct {
	inc      Incidents
	opt      Options
	log      *slog.Logger
	keys     [][sha256.Size]byte // digests of the API keys
	origins  map[string]bool     // lower-case allowed origins; nil: any
	upgrader websocket.Upgrader

	mu      sync.Mutex
	streams int
}

// Handler returns the incident API on inc, serving the paths under
// Prefix:
//
//	GET  /api/v1/hijack/incidents?status=&group=&type=&resource=&starttime=&endtime=&hijacks_only=&limit=
//	GET  /api/v1/hijack/incidents/{id}
//	POST /api/v1/hijack/incidents/{id}/acknowledge     {"by": "alice", "comment": "..."}, API key
//	POST /api/v1/hijack/incidents/{id}/false-positive  same
//	GET  /api/v1/hijack/stream?resource=&group=&type=&hijacks_only=   WebSocket
//
// Every answer is JSON; errors are {"error": "...", "parameter": "..."}.
// A nil inc answers 503 everywhere.
func Handler(inc Incidents, opt Options) http.Handler {
	opt = opt.withDefaults()
	h := &handler{inc: inc, opt: opt, log: opt.Log}
	for _, k := range opt.APIKeys {
		if k != "" {
			h.keys = append(h.keys, sha256.Sum256([]byte(k)))
		}
	}
	if len(opt.AllowedOrigins) > 0 {
		h.origins = map[string]bool{}
		for _, o := range opt.AllowedOrigins {
			o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
			if o == "*" {
				h.origins = nil
				break
			}
			h.origins[o] = true
		}
	}
	h.upgrader = websocket.Upgrader{
		HandshakeTimeout:  10 * time.Second,
		EnableCompression: true,
		CheckOrigin:       h.originAllowed,
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			writeError(w, &apiError{status: status, msg: "WebSocket handshake refused: " + reason.Error()})
		},
	}
	return h
}

// apiError is an answer other than 2xx: its status, message and the
// parameter (query parameter, path element or body field) it is about.
type apiError struct {
	status int
	param  string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

// errorBody is how errors are written.
type errorBody struct {
	Error     string `json:"error"`
	Parameter string `json:"parameter,omitempty"`
}

// badParam is a 400 about a parameter.
func badParam(param, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, param: param, msg: fmt.Sprintf(format, args...)}
}

// ServeHTTP routes a request under Prefix.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("hijack api: panic", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			writeError(w, &apiError{status: http.StatusInternalServerError, msg: "internal server error"})
		}
	}()
	h.cors(w, r)
	if h.inc == nil {
		writeError(w, &apiError{status: http.StatusServiceUnavailable, msg: "hijack detection is not running"})
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		writeError(w, notFound(r))
		return
	}
	parts := strings.Split(rest, "/")
	switch {
	case rest == "stream" || rest == "stream/":
		if allow(w, r, http.MethodGet) {
			h.serveStream(w, r)
		}
	case rest == "incidents" || rest == "incidents/":
		if allow(w, r, http.MethodGet, http.MethodHead) {
			h.serveList(w, r)
		}
	case rest == "monitored":
		if allow(w, r, http.MethodGet, http.MethodHead, http.MethodPut) {
			h.serveMonitored(w, r)
		}
	case len(parts) == 2 && parts[0] == "incidents":
		if allow(w, r, http.MethodGet, http.MethodHead) {
			h.serveIncident(w, r, parts[1])
		}
	case len(parts) == 3 && parts[0] == "incidents" && (parts[2] == "acknowledge" || parts[2] == "false-positive"):
		if allow(w, r, http.MethodPost) {
			h.serveAnnotate(w, r, parts[1], parts[2] == "false-positive")
		}
	default:
		writeError(w, notFound(r))
	}
}

// notFound is the 404 of a path the API does not serve.
func notFound(r *http.Request) *apiError {
	return &apiError{status: http.StatusNotFound, msg: fmt.Sprintf("nothing is served at %s; see %sincidents and %sstream", quote(r.URL.Path), Prefix, Prefix)}
}

// allow answers 405 (204 for OPTIONS) unless r's method is one of
// methods, and reports whether the request goes on.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(append(methods, http.MethodOptions), ", "))
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	writeError(w, &apiError{status: http.StatusMethodNotAllowed, msg: fmt.Sprintf("method %s is not allowed here; use %s", quote(r.Method), strings.Join(methods, " or "))})
	return false
}

// originAllowed reports whether a browser on r's Origin may read the API
// and open the stream.
func (h *handler) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || h.origins == nil {
		return true
	}
	if h.origins[strings.ToLower(origin)] {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// cors lets allowed origins read the answers of GET requests. Changes
// are not opened to other origins: their preflight gets no CORS headers.
func (h *handler) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || r.Method == http.MethodPost || !h.originAllowed(r) {
		return
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != http.MethodGet {
		return
	}
	if h.origins == nil {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	} else {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
	}
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD")
		w.Header().Set("Access-Control-Max-Age", "86400")
	}
}

// writeJSON writes v with status code. encoding/json escapes <, > and &
// (and U+2028, U+2029), so incident text is inert in HTML contexts.
func writeJSON(w http.ResponseWriter, code int, v any) {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		code = http.StatusInternalServerError
		b.Reset()
		b.WriteString(`{"error":"internal server error: the answer cannot be encoded"}` + "\n")
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes()) // the client may have gone; nothing to do
}

// writeError writes e as {"error", "parameter"}.
func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorBody{Error: e.msg, Parameter: e.param})
}

// listAnswer is the answer of GET /incidents.
type listAnswer struct {
	Incidents []hijack.Incident `json:"incidents"`
	// Count is len(Incidents); Total the matching incidents, of which
	// the first Count are returned; Truncated is Total > Count.
	Count     int  `json:"count"`
	Total     int  `json:"total"`
	Truncated bool `json:"truncated"`
}

// serveList answers GET /incidents.
func (h *handler) serveList(w http.ResponseWriter, r *http.Request) {
	q, err := parseListQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, err)
		return
	}
	all := h.inc.List(q.filter)
	out := listAnswer{Incidents: all, Total: len(all)}
	if len(all) > q.limit {
		out.Incidents, out.Truncated = all[:q.limit], true
	}
	if out.Incidents == nil {
		out.Incidents = []hijack.Incident{}
	}
	out.Count = len(out.Incidents)
	writeJSON(w, http.StatusOK, out)
}

// maxIDLen bounds an incident id in a path.
const maxIDLen = 128

// checkID refuses ids no incident can have (incident ids are
// "20080224T204115Z-3f2a9c01": letters, digits, '-', '_', '.', ':').
func checkID(id string) *apiError {
	if id == "" {
		return badParam("id", "the incident id is missing from the path")
	}
	if len(id) > maxIDLen {
		return badParam("id", "the incident id is longer than %d bytes", maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return badParam("id", "invalid incident id %s: ids are letters, digits, '-', '_', '.' and ':'", quote(id))
		}
	}
	return nil
}

// serveIncident answers GET /incidents/{id}.
func (h *handler) serveIncident(w http.ResponseWriter, r *http.Request, id string) {
	if err := checkID(id); err != nil {
		writeError(w, err)
		return
	}
	inc, err := h.inc.Get(id)
	if err != nil {
		writeError(w, h.incidentError(r, id, err))
		return
	}
	writeJSON(w, http.StatusOK, inc)
}

// incidentError maps an error of Get or Annotate to the answer: 404 for
// an unknown id, else a logged 500.
func (h *handler) incidentError(r *http.Request, id string, err error) *apiError {
	if errors.Is(err, hijack.ErrNotFound) {
		return &apiError{status: http.StatusNotFound, param: "id", msg: fmt.Sprintf("there is no incident %s", quote(id))}
	}
	h.log.Error("hijack api: incident", "method", r.Method, "path", r.URL.Path, "err", err)
	return &apiError{status: http.StatusInternalServerError, msg: "internal server error"}
}

// listQuery is a parsed GET /incidents query.
type listQuery struct {
	filter hijack.Filter
	limit  int
}

// maxQueryBytes bounds a raw query string.
const maxQueryBytes = 8 << 10

// splitQuery splits a raw query string at '&' and ';' and unescapes it.
// A repeated parameter takes its last value; unknown parameters are kept
// and ignored by the callers, as the data API ignores them.
func splitQuery(raw string) (map[string]string, *apiError) {
	if len(raw) > maxQueryBytes {
		return nil, &apiError{status: http.StatusRequestURITooLong, msg: fmt.Sprintf("the query string is longer than %d bytes", maxQueryBytes)}
	}
	out := map[string]string{}
	for pair := range strings.FieldsFuncSeq(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		k, v, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return nil, badParam("", "the query string is malformed near %s", quote(pair))
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, badParam(name, "bad %%-escape in %s", quote(v))
		}
		if name != "" {
			out[name] = value
		}
	}
	return out, nil
}

// parseFilter parses the filters the list and the stream share:
// resource, group, type and hijacks_only. Empty values are absent.
func parseFilter(vals map[string]string, f *hijack.Filter) *apiError {
	if v := strings.TrimSpace(vals["resource"]); v != "" {
		r, err := api.ParseResource(v, api.ResNetwork)
		if err == nil {
			err = setResource(f, r)
		}
		if err != nil {
			return badParam("resource", "invalid resource %s: %v", quote(v), err)
		}
	}
	if v := vals["group"]; v != "" {
		if len(v) > maxGroupLen {
			return badParam("group", "the group is longer than %d bytes", maxGroupLen)
		}
		if err := checkText(v, maxGroupLen); err != nil {
			return badParam("group", "invalid group %s: %v", quote(v), err)
		}
		f.Group = v
	}
	if v := strings.TrimSpace(vals["type"]); v != "" {
		t, ok := oneOf(incidentTypes, v)
		if !ok {
			return badParam("type", "invalid type %s: want one of %s", quote(v), strings.Join(incidentTypes, ", "))
		}
		f.Type = t
	}
	if v := strings.TrimSpace(vals["hijacks_only"]); v != "" {
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			f.HijacksOnly = true
		case "false", "0", "no":
		default:
			return badParam("hijacks_only", "invalid hijacks_only %s: want true or false", quote(v))
		}
	}
	return nil
}

// parseListQuery parses the query of GET /incidents.
func parseListQuery(raw string) (listQuery, *apiError) {
	q := listQuery{limit: DefaultLimit}
	vals, err := splitQuery(raw)
	if err != nil {
		return q, err
	}
	if err := parseFilter(vals, &q.filter); err != nil {
		return q, err
	}
	if v := strings.TrimSpace(vals["status"]); v != "" {
		s, ok := oneOf(statuses, v)
		if !ok {
			return q, badParam("status", "invalid status %s: want open or resolved", quote(v))
		}
		q.filter.Status = s
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"starttime", &q.filter.From}, {"endtime", &q.filter.To}} {
		v := strings.TrimSpace(vals[p.name])
		if v == "" {
			continue
		}
		t, err := api.ParseTime(v)
		if err != nil {
			return q, badParam(p.name, "invalid %s %s: %v", p.name, quote(v), err)
		}
		*p.t = t
	}
	if f := q.filter; !f.From.IsZero() && !f.To.IsZero() && f.From.After(f.To) {
		return q, badParam("starttime", "starttime %s is after endtime %s", api.FormatTime(f.From), api.FormatTime(f.To))
	}
	if v := strings.TrimSpace(vals["limit"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return q, badParam("limit", "invalid limit %s: want a whole number from 1 to %d", quote(v), MaxLimit)
		}
		q.limit = n
	}
	return q, nil
}
