package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// Resolver resolves host names given as resources. *net.Resolver
// implements it; tests inject a fake.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure a Server. Zero values select the defaults.
type Options struct {
	// BuildVersion is the envelope's build_version (the binary's version).
	BuildVersion string
	// ServerID is the envelope's server_id (default: the host name).
	ServerID string
	// Logger receives the request log and internal errors (default
	// slog.Default()).
	Logger *slog.Logger
	// Registerer, when not nil, receives the data API's metrics; one
	// Server per Registerer.
	Registerer prometheus.Registerer
	// Resolver resolves host-name resources (default net.DefaultResolver).
	Resolver Resolver
	// ResolveTimeout bounds the resolution of one host name (default 5s).
	ResolveTimeout time.Duration
	// Timeout bounds a call's handler (default 30s); past it the client
	// gets a 504 and the handler's context is cancelled.
	Timeout time.Duration
	// MaxPerClient is how many requests one client address may have in
	// progress (default 8, RIPEstat's documented limit); more get 429. A
	// handler still running after its timeout keeps its slot until it
	// returns.
	MaxPerClient int
	// ClientIP returns the client address requests are limited by
	// (default: the host part of Request.RemoteAddr). Behind a reverse
	// proxy, return the address the proxy reports.
	ClientIP func(*http.Request) string
	// CacheBytes bounds the cache of answers to historical queries
	// (default 64 MiB; negative disables the cache).
	CacheBytes int64
	// Settle is how far in the past all of a query's times must be for
	// the query to count as historical: answered from the cache, with an
	// ETag and a long max-age (default 1h, time for late data to be
	// indexed).
	Settle time.Duration
	// MaxAgeHistorical and MaxAgeCurrent are the Cache-Control max-age
	// of answers to historical and to other queries (defaults 7 days and
	// 60s).
	MaxAgeHistorical, MaxAgeCurrent time.Duration
	// Availability answers /data/<call>/meta/availability and
	// meta=availability. When nil, availability is reported as unknown
	// (no timelines, and a message).
	Availability func(ctx context.Context, call string) (Availability, error)
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.ServerID == "" {
		o.ServerID, _ = os.Hostname()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.ResolveTimeout <= 0 {
		o.ResolveTimeout = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxPerClient <= 0 {
		o.MaxPerClient = 8
	}
	if o.ClientIP == nil {
		o.ClientIP = remoteHost
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = 64 << 20
	}
	if o.Settle <= 0 {
		o.Settle = time.Hour
	}
	if o.MaxAgeHistorical <= 0 {
		o.MaxAgeHistorical = 7 * 24 * time.Hour
	}
	if o.MaxAgeCurrent <= 0 {
		o.MaxAgeCurrent = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// remoteHost returns the host part of r.RemoteAddr.
func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// Server is the RIPEstat-compatible data API: an http.Handler serving
// registered calls at /data/<call>/data.json (and the legacy
// /plugin/<call>/data.json), their meta sub-calls, and the call list at
// /docs/data_api (HTML) and /docs/data_api/openapi.json. Register calls
// before or while serving; a Server is safe for concurrent use.
type Server struct {
	opt     Options
	echo    *echo.Echo
	cache   *responseCache
	limit   *limiter
	metrics *metrics

	mu    sync.RWMutex
	calls map[string][]*Call // by name, versions in registration order
}

// New returns a Server with no calls registered.
func New(opt Options) (*Server, error) {
	opt = opt.withDefaults()
	m, err := newMetrics(opt.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opt:     opt,
		echo:    echo.New(),
		cache:   newResponseCache(opt.CacheBytes),
		limit:   &limiter{max: opt.MaxPerClient, n: map[string]int{}},
		metrics: m,
		calls:   map[string][]*Call{},
	}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.echoError
	e.Use(s.observe, middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  []string{"*"},
		AllowMethods:  []string{http.MethodGet, http.MethodHead},
		ExposeHeaders: []string{"ETag"},
	}), middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024}))
	get := []string{http.MethodGet, http.MethodHead}
	for _, root := range []string{"/data", "/plugin"} {
		e.Match(get, root+"/:call/data.json", s.serveData)
		e.Match(get, root+"/:call/", s.serveData)
		e.Match(get, root+"/:call", s.serveData)
		e.Match(get, root+"/:call/:file", s.serveOtherFile)
		e.Match(get, root+"/:call/meta", s.serveMeta)
		e.Match(get, root+"/:call/meta/:sub", s.serveMeta)
	}
	e.Match(get, "/docs/data_api", s.serveDocsHTML)
	e.Match(get, "/docs/data_api/", s.serveDocsHTML)
	e.Match(get, "/docs/data_api/openapi.json", s.serveOpenAPI)
	return s, nil
}

// ServeHTTP serves the data API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Mount registers the Server on mux for every path it serves: /data/,
// /plugin/ and /docs/data_api.
func (s *Server) Mount(mux *http.ServeMux) {
	for _, p := range []string{"/data/", "/plugin/", "/docs/data_api", "/docs/data_api/"} {
		mux.Handle(p, s)
	}
}

// Register adds a call. Several versions of one call may be registered;
// see Call.Default and preferred_version. Registering a name and version
// twice, or an invalid declaration, is an error naming the call and
// parameter.
func (s *Server) Register(c Call) error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("register data call: %w", err)
	}
	c.Params = slices.Clone(c.Params)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.calls[c.Name] {
		if v.Version == c.Version {
			return fmt.Errorf("register data call: %s version %s registered twice", c.Name, c.Version)
		}
	}
	s.calls[c.Name] = append(s.calls[c.Name], &c)
	return nil
}

// versions returns the registered versions of a call.
func (s *Server) versions(name string) []*Call {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.calls[name]
}

// pickVersion chooses among a call's versions (spec §1.7): without a
// preference the Default one, else the first supported, else the first;
// "<major>.<minor>" exactly, else the newest with that major, else the
// default; "supported", "deprecated" or "upcoming" (a development
// version) the first with that status.
func pickVersion(vs []*Call, preferred string) (*Call, error) {
	def := vs[0]
	if i := slices.IndexFunc(vs, func(c *Call) bool { return c.Default }); i >= 0 {
		def = vs[i]
	} else if i := slices.IndexFunc(vs, func(c *Call) bool { return strings.HasPrefix(c.Status, "supported") }); i >= 0 {
		def = vs[i]
	}
	preferred = strings.TrimSpace(preferred)
	switch preferred {
	case "":
		return def, nil
	case "supported", "deprecated", "upcoming":
		want := map[string]string{"upcoming": "development"}[preferred]
		if want == "" {
			want = preferred
		}
		if i := slices.IndexFunc(vs, func(c *Call) bool { return strings.HasPrefix(c.Status, want) }); i >= 0 {
			return vs[i], nil
		}
		return def, nil
	}
	if !versionRE.MatchString(preferred) {
		return nil, &ParamError{Param: "preferred_version", Value: preferred, Reason: "want <major>.<minor>, supported, upcoming or deprecated"}
	}
	major, _, _ := strings.Cut(preferred, ".")
	var best *Call
	for _, c := range vs {
		if c.Version == preferred {
			return c, nil
		}
		if m, _, _ := strings.Cut(c.Version, "."); m == major && (best == nil || minor(c.Version) > minor(best.Version)) {
			best = c
		}
	}
	if best != nil {
		return best, nil
	}
	return def, nil
}

// minor returns the minor number of a validated version.
func minor(v string) int {
	_, m, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(m)
	return n
}

// exchange is the state of one data API request.
type exchange struct {
	arrival  time.Time
	queryID  string
	name     string // call slug as requested (echoed even when unknown)
	call     *Call  // nil until known
	callback string
	client   string
}

// begin starts an exchange for the call slug in the path.
func (s *Server) begin(c echo.Context) *exchange {
	now := s.opt.Now()
	x := &exchange{arrival: now, queryID: newQueryID(now), name: c.Param("call"), client: s.opt.ClientIP(c.Request())}
	if len(x.name) > 64 {
		x.name = x.name[:64]
	}
	c.Set(ctxQueryID, x.queryID)
	return x
}

// Context keys of values observe reads.
const (
	ctxQueryID = "routestat.query_id"
	ctxCall    = "routestat.call"
	ctxReason  = "routestat.reason"
	ctxError   = "routestat.error"
)

// prepare does what every request for a call's data or meta does before
// its own work: refuses over-long queries, splits the query, validates
// the callback, finds the call and version, and takes one of the client's
// slots. On success the caller must call release when done.
func (s *Server) prepare(c echo.Context, x *exchange) (raw map[string]string, release func(), err error) {
	rq := c.Request()
	if len(rq.URL.RawQuery) > maxQueryBytes {
		return nil, nil, &httpError{code: http.StatusRequestURITooLong, msg: fmt.Sprintf("The query string is longer than %d bytes.", maxQueryBytes)}
	}
	raw, err = splitQuery(rq.URL.RawQuery)
	if err != nil {
		return nil, nil, err
	}
	if cb := raw["callback"]; cb != "" {
		if err := checkCallback(cb); err != nil {
			return nil, nil, err
		}
		x.callback = cb
	}
	vs := s.versions(x.name)
	if len(vs) == 0 {
		return nil, nil, &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("There is no data call named %s.", quote(x.name))}
	}
	c.Set(ctxCall, x.name)
	if x.call, err = pickVersion(vs, raw["preferred_version"]); err != nil {
		x.call = vs[0]
		return nil, nil, err
	}
	if app, ok := raw["sourceapp"]; ok {
		if err := checkText(app, 128); err != nil {
			return nil, nil, &ParamError{Param: "sourceapp", Value: app, Err: err}
		}
	}
	if !s.limit.acquire(x.client) {
		return nil, nil, &httpError{code: http.StatusTooManyRequests, msg: fmt.Sprintf("Too many concurrent requests from %s (at most %d); retry when one has finished.", x.client, s.opt.MaxPerClient)}
	}
	return raw, func() { s.limit.release(x.client) }, nil
}

// serveData answers /data/<call>/data.json.
func (s *Server) serveData(c echo.Context) error {
	x := s.begin(c)
	raw, release, err := s.prepare(c, x)
	if err != nil {
		return s.fail(c, x, err)
	}
	handedOff := false
	defer func() {
		if !handedOff {
			release()
		}
	}()
	rq := c.Request()
	q := &Query{call: x.call, values: map[string]any{}, given: map[string]bool{}, now: x.arrival.UTC()}
	q.guard = rq.Header.Get("Referer") != "" && !strings.EqualFold(raw["data_overload_limit"], "ignore") && !strings.EqualFold(raw["soft_limit"], "ignore")
	if err := parseParams(q, raw); err != nil {
		return s.fail(c, x, err)
	}
	if err := s.resolveHosts(rq.Context(), q); err != nil {
		return s.fail(c, x, err)
	}
	withAvailability := strings.EqualFold(raw["meta"], "availability")

	historical := !withAvailability && s.historical(q)
	key := cacheKey(q)
	h := c.Response().Header()
	if historical {
		etag := s.etag(key, x.callback)
		h.Set("ETag", etag)
		h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(s.opt.MaxAgeHistorical.Seconds())))
		if etagMatch(rq.Header.Get("If-None-Match"), etag) {
			return c.NoContent(http.StatusNotModified)
		}
		if e, ok := s.cache.get(key); ok {
			s.metrics.cacheHit.WithLabelValues(x.call.Name).Inc()
			return s.respond(c, x, &envelope{Messages: e.messages, Cached: true, Data: e.data, Status: "ok", StatusCode: http.StatusOK}, e.filled)
		}
	} else {
		h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(s.opt.MaxAgeCurrent.Seconds())))
	}

	data, err, timedOut := s.run(rq.Context(), x.call, q, release)
	handedOff = timedOut
	if err != nil {
		return s.fail(c, x, err)
	}
	if withAvailability {
		if data, err = s.embedAvailability(rq.Context(), q, data); err != nil {
			return s.fail(c, x, err)
		}
	}
	now := s.opt.Now()
	if historical {
		s.cache.put(&cached{key: key, data: data, messages: q.messages, filled: now})
	}
	return s.respond(c, x, &envelope{Messages: q.messages, Data: data, Status: "ok", StatusCode: http.StatusOK}, now)
}

// serveOtherFile answers /data/<call>/<file> for a file other than
// data.json: the old data.<format> URLs get a 400 (only JSON is served),
// anything else a 404.
func (s *Server) serveOtherFile(c echo.Context) error {
	x := s.begin(c)
	file := c.Param("file")
	if strings.HasPrefix(file, "data.") {
		if vs := s.versions(x.name); len(vs) > 0 {
			x.call = vs[0]
			c.Set(ctxCall, x.name)
			return s.fail(c, x, fmt.Errorf("format %s is not served, only data.json: %w", quote(strings.TrimPrefix(file, "data.")), ErrBadRequest))
		}
	}
	return s.fail(c, x, &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("Nothing is served at %s.", quote(c.Request().URL.Path))})
}

// resolveHosts resolves every host-name resource of q, each within
// ResolveTimeout. A name that does not resolve is a 400 for its
// parameter.
func (s *Server) resolveHosts(ctx context.Context, q *Query) error {
	resolve := func(name string, r *Resource) error {
		if r.Kind != ResHostname {
			return nil
		}
		rctx, cancel := context.WithTimeout(ctx, s.opt.ResolveTimeout)
		defer cancel()
		addrs, err := s.opt.Resolver.LookupNetIP(rctx, "ip", r.Host)
		if err != nil || len(addrs) == 0 {
			reason := "the host name does not resolve"
			if err != nil {
				reason += ": " + err.Error()
			}
			return &ParamError{Param: name, Value: r.Host, Reason: reason}
		}
		r.Addrs = addrs
		return nil
	}
	for name, v := range q.values {
		switch v := v.(type) {
		case Resource:
			if err := resolve(name, &v); err != nil {
				return err
			}
			q.values[name] = v
		case []Resource:
			for i := range v {
				if err := resolve(name, &v[i]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// historical reports whether q asks about the past only: it has time
// parameters and all of them are at least Settle before the request.
func (s *Server) historical(q *Query) bool {
	if q.call.Mutable {
		return false
	}
	any := false
	for i := range q.call.Params {
		if q.call.Params[i].Kind != KindTime {
			continue
		}
		t, ok := q.values[q.call.Params[i].Name].(time.Time)
		if !ok || t.After(q.now.Add(-s.opt.Settle)) {
			return false
		}
		any = true
	}
	return any
}

// cacheKey identifies an answer: call, version, whether the overload
// guard applies, and every declared parameter's normalised value (so
// AS3333 and 3333 share an entry). callback, sourceapp and the other
// common parameters do not change the data and are left out.
func cacheKey(q *Query) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%t", q.call.Name, q.call.Version, q.guard)
	for i := range q.call.Params {
		p := &q.call.Params[i]
		fmt.Fprintf(&b, "\x00%s=%v", p.Name, echoValue(q.values[p.Name]))
	}
	return b.String()
}

// etag is the weak entity tag of a historical answer: it depends on the
// build (a new build may fix a call), the cache key and the callback
// (JSON-P wraps the body). Weak, because the envelope's query_id,
// process_time and time change from response to response.
func (s *Server) etag(key, callback string) string {
	sum := sha256.Sum256([]byte(s.opt.BuildVersion + "\x00" + key + "\x00" + callback))
	return `W/"` + hex.EncodeToString(sum[:16]) + `"`
}

// etagMatch reports whether an If-None-Match header lists etag (weak
// comparison, RFC 9110 §13.1.2).
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// panicError is a panic in a handler, with its stack.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// run calls the handler with the call's timeout and marshals its data.
// When the timeout passes first, run returns context.DeadlineExceeded
// and timedOut: the handler goes on in the background, and release is
// called when it returns, so the client's slot stays taken meanwhile.
func (s *Server) run(ctx context.Context, call *Call, q *Query, release func()) (data []byte, err error, timedOut bool) {
	type outcome struct {
		data []byte
		err  error
	}
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{err: &panicError{value: p, stack: stack()}}
			}
		}()
		d, err := call.Handle(ctx, q)
		if err != nil {
			// Not wrapped: the text of a 4xx or 503 is the client's
			// message, and the log names the call.
			done <- outcome{err: err}
			return
		}
		b, err := marshalData(d)
		done <- outcome{data: b, err: err}
	}()
	select {
	case o := <-done:
		cancel()
		return o.data, o.err, false
	case <-ctx.Done():
		go func() {
			<-done
			cancel()
			release()
		}()
		return nil, ctx.Err(), true
	}
}

// respond writes a successful (or cached) envelope.
func (s *Server) respond(c echo.Context, x *exchange, env *envelope, produced time.Time) error {
	env.Version = x.call.Version
	env.DataCallName = x.call.Name
	env.DataCallStatus = x.call.Status
	return s.write(c, x, env, produced)
}

// fail writes the error envelope for err. Internal errors are logged with
// the query id and shown without their text.
func (s *Server) fail(c echo.Context, x *exchange, err error) error {
	code, status, msg, internal := statusOf(err)
	c.Set(ctxReason, reason(code, err))
	if internal {
		c.Set(ctxError, err)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	env := &envelope{Messages: [][2]string{{"error", msg}}, Data: emptyData, Status: status, StatusCode: code, DataCallName: x.name}
	if x.call != nil {
		env.Version, env.DataCallStatus = x.call.Version, x.call.Status
	}
	return s.write(c, x, env, s.opt.Now())
}

// reason is the errors metric's reason for a failure.
func reason(code int, err error) string {
	var pe *panicError
	if errors.As(err, &pe) {
		return "panic"
	}
	switch code {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method"
	case http.StatusRequestURITooLong:
		return "too_long"
	case http.StatusTooManyRequests:
		return "too_many"
	case http.StatusGatewayTimeout:
		return "timeout"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	return "internal"
}

// write fills the envelope's per-response fields and sends it, as JSON-P
// when the exchange has a callback.
func (s *Server) write(c echo.Context, x *exchange, env *envelope, produced time.Time) error {
	env.QueryID = x.queryID
	env.ProcessTime = s.opt.Now().Sub(x.arrival).Milliseconds()
	env.ServerID = s.opt.ServerID
	env.BuildVersion = s.opt.BuildVersion
	env.Time = produced.UTC().Format(envelopeTimeLayout)
	body, err := env.encode(x.callback)
	if err != nil {
		// Only the data can fail to encode, and it was marshalled
		// already; this is a bug.
		c.Set(ctxError, err)
		env.Data, env.Messages = emptyData, [][2]string{{"error", "Internal server error; the query id identifies it in the server log."}}
		env.Status, env.StatusCode = "error", http.StatusInternalServerError
		body, _ = env.encode("")
		x.callback = ""
	}
	ctype := echo.MIMEApplicationJSON + "; charset=utf-8"
	if x.callback != "" {
		ctype = "application/javascript; charset=utf-8"
	}
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(env.StatusCode, ctype, body)
}

// echoError answers what echo's router refuses (no route: 404; a route
// without this method: 405) and any error a handler returns unanswered,
// always with the JSON envelope.
func (s *Server) echoError(err error, c echo.Context) {
	if c.Response().Committed {
		c.Set(ctxError, fmt.Errorf("after the response was sent: %w", err))
		return
	}
	x := &exchange{arrival: s.opt.Now(), name: slugFromPath(c.Request().URL.Path)}
	if vs := s.versions(x.name); len(vs) > 0 {
		x.call, _ = pickVersion(vs, "")
	}
	if id, ok := c.Get(ctxQueryID).(string); ok {
		x.queryID = id
	} else {
		x.queryID = newQueryID(x.arrival)
		c.Set(ctxQueryID, x.queryID)
	}
	if he, ok := err.(*echo.HTTPError); ok {
		msg := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			msg = fmt.Sprintf("Nothing is served at %s.", quote(c.Request().URL.Path))
		case http.StatusMethodNotAllowed:
			msg = fmt.Sprintf("Method %s is not allowed; the data API answers GET.", quote(c.Request().Method))
		}
		err = &httpError{code: he.Code, msg: msg}
	}
	if werr := s.fail(c, x, err); werr != nil {
		s.opt.Logger.Error("data api: write error response", "err", werr)
	}
}

// slugFromPath returns the call slug of a /data/<call>/... or
// /plugin/<call>/... path, for errors the router raises before a handler
// has the parameter.
func slugFromPath(path string) string {
	for _, root := range []string{"/data/", "/plugin/"} {
		if rest, ok := strings.CutPrefix(path, root); ok {
			slug, _, _ := strings.Cut(rest, "/")
			if len(slug) > 64 {
				slug = slug[:64]
			}
			return slug
		}
	}
	return ""
}
