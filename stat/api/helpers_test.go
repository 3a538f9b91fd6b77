package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// testNow is the fake clock of every test server.
var testNow = time.Date(2026, 1, 10, 9, 30, 15, 123456000, time.UTC)

// fakeResolver resolves the names in its map and fails for the others;
// tests never touch the network.
type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("lookup %s: no such host", host)
}

// gate lets a test hold handlers inside the "block" behaviour of the test
// call: each blocked handler signals entered, then waits for release.
type gate struct {
	entered chan struct{}
	release chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}, 64), release: make(chan struct{})} }

// syncBuffer is a goroutine-safe log sink.
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

// testEnv is a Server with the test calls registered.
type testEnv struct {
	srv  *Server
	reg  *prometheus.Registry
	log  *syncBuffer
	gate *gate
	// calls counts handler invocations, to tell cache hits from misses.
	mu    sync.Mutex
	calls int
}

func (e *testEnv) handled() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls
}

// newTestEnv returns a Server on the fake clock and resolver with the
// test calls "test-echo" (1.2, and 2.0 in development) and "test-snap"
// (SnapRIB) registered. mod may adjust the options.
func newTestEnv(t testing.TB, mod func(*Options)) *testEnv {
	t.Helper()
	env := &testEnv{reg: prometheus.NewRegistry(), log: &syncBuffer{}, gate: newGate()}
	opt := Options{
		BuildVersion: "routestat-test",
		ServerID:     "rs-test",
		Logger:       slog.New(slog.NewTextHandler(env.log, nil)),
		Registerer:   env.reg,
		Resolver:     fakeResolver{"www.example.net": {netip.MustParseAddr("192.0.2.80"), netip.MustParseAddr("2001:db8::80")}},
		Now:          func() time.Time { return testNow },
		Timeout:      5 * time.Second,
	}
	if mod != nil {
		mod(&opt)
	}
	srv, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	env.srv = srv
	for _, c := range testCalls(env) {
		if err := srv.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	return env
}

// echoData is the data of the test-echo call.
type echoData struct {
	Resource   string         `json:"resource"`
	Kind       string         `json:"kind"`
	Addrs      []string       `json:"addrs,omitempty"`
	Items      []int          `json:"items"`
	Count      int            `json:"count"`
	Parameters map[string]any `json:"parameters"`
}

// testCalls are the calls the tests exercise the framework with.
// test-echo's "note" parameter picks a behaviour: panic, fail, bad,
// maint, block (wait on the gate), slow (ignore the context, sleep),
// overload, big (a large answer), array (data that is not an object).
func testCalls(env *testEnv) []Call {
	echoParams := []Param{
		{Name: "resource", Kind: KindResource, Required: true, Accept: ResNetwork | ResHostname, Doc: "What to ask about. <b>bold</b>"},
		{Name: "starttime", Kind: KindTime, Default: "endtime-14d", Doc: "Window start."},
		{Name: "endtime", Kind: KindTime, Default: "now", Doc: "Window end."},
		{Name: "min_peers_seeing", Kind: KindInt, Default: "10", Max: 10000, Doc: "Peers that must see a route."},
		{Name: "unix_timestamps", Kind: KindBool, Default: "false"},
		{Name: "sort_by", Kind: KindEnum, Values: []string{"number", "count"}, Default: "number"},
		{Name: "rrcs", Kind: KindInt, List: true, Max: 99},
		{Name: "note", Kind: KindString, MaxLen: 64},
	}
	handle := func(ctx context.Context, q *Query) (any, error) {
		env.mu.Lock()
		env.calls++
		env.mu.Unlock()
		r := q.Resource("resource")
		d := echoData{Resource: r.String(), Kind: r.Kind.String(), Items: []int{1, 2, 3}, Parameters: q.Parameters()}
		for _, a := range r.Addrs {
			d.Addrs = append(d.Addrs, a.String())
		}
		switch q.String("note") {
		case "panic":
			var m map[string]int
			m["boom"]++ // a nil map write: a genuine bug
		case "fail":
			return nil, errors.New("backend exploded at /var/lib/secret")
		case "bad":
			return nil, BadParam("resource", r.String(), "this call wants something narrower")
		case "maint":
			return nil, fmt.Errorf("index reloading: %w", ErrMaintenance)
		case "block":
			env.gate.entered <- struct{}{}
			select {
			case <-env.gate.release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		case "slow":
			<-env.gate.release // ignores ctx on purpose
		case "overload":
			d.Items = make([]int, 100)
			if q.Overloaded(len(d.Items), 10) {
				d.Items = []int{}
			}
		case "big":
			d.Items = make([]int, 5000)
		case "array":
			return []int{1}, nil
		case "wrongparam":
			_ = q.Time("resource")
		}
		d.Count = len(d.Items)
		return d, nil
	}
	snap := func(_ context.Context, q *Query) (any, error) {
		return map[string]any{"resource": q.Resource("resource").String(), "query_time": FormatTime(q.Time("timestamp")), "parameters": q.Parameters()}, nil
	}
	return []Call{
		{Name: "test-echo", Version: "1.2", Doc: "Echoes its query <script>alert(1)</script>.", Methodology: "None: it is a test.", Params: echoParams, MaxWindow: 400 * 24 * time.Hour, Handle: handle},
		{Name: "test-echo", Version: "2.0", Status: "development", Params: echoParams, Handle: handle},
		{Name: "test-snap", Version: "3.3", SnapRIB: true, Params: []Param{
			{Name: "resource", Kind: KindASN, Required: true},
			{Name: "timestamp", Kind: KindTime, Default: "now"},
		}, Handle: snap},
	}
}

// get performs a GET of target (path and query) from client address
// 192.0.2.1 unless a header X-Test-Client says otherwise.
func (e *testEnv) do(t testing.TB, method, target string, hdr http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, "http://stat.example"+target, nil)
	req.RemoteAddr = "192.0.2.1:40000"
	for k, v := range hdr {
		req.Header[k] = v
	}
	if c := req.Header.Get("X-Test-Client"); c != "" {
		req.RemoteAddr = c + ":40000"
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec.Result()
}

func (e *testEnv) get(t testing.TB, target string) *http.Response {
	t.Helper()
	return e.do(t, http.MethodGet, target, nil)
}

// envelopeKeys are the top-level keys of spec §1.2, in order.
var envelopeKeys = []string{"messages", "see_also", "version", "data_call_name", "data_call_status", "cached", "data", "query_id", "process_time", "server_id", "build_version", "status", "status_code", "time"}

var (
	queryIDRE = regexp.MustCompile(`^\d{14}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	timeRE    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$`)
)

// checkEnvelope verifies that body is exactly one envelope: the keys of
// spec §1.2 in order, each of the right JSON type, status_code equal to
// the HTTP status. It returns the decoded envelope.
func checkEnvelope(t testing.TB, code int, body []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("body is not a JSON object: %v %q", err, body)
	}
	var keys []string
	m := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("bad JSON: %v in %q", err, body)
		}
		k := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("bad JSON value of %s: %v", k, err)
		}
		keys = append(keys, k)
		m[k] = v
	}
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("trailing data after the envelope: %q", body)
	}
	if strings.Join(keys, ",") != strings.Join(envelopeKeys, ",") {
		t.Fatalf("envelope keys\n got %v\nwant %v", keys, envelopeKeys)
	}
	msgs, ok := m["messages"].([]any)
	if !ok {
		t.Fatalf("messages is %T", m["messages"])
	}
	for _, msg := range msgs {
		pair, ok := msg.([]any)
		if !ok || len(pair) != 2 {
			t.Fatalf("message %v is not a pair", msg)
		}
		for _, s := range pair {
			if _, ok := s.(string); !ok {
				t.Fatalf("message %v has a non-string", msg)
			}
		}
	}
	if s, ok := m["see_also"].([]any); !ok || len(s) != 0 {
		t.Fatalf("see_also = %v", m["see_also"])
	}
	for _, k := range []string{"version", "data_call_name", "data_call_status", "query_id", "server_id", "build_version", "status", "time"} {
		if _, ok := m[k].(string); !ok {
			t.Fatalf("%s is %T, want string", k, m[k])
		}
	}
	if _, ok := m["cached"].(bool); !ok {
		t.Fatalf("cached is %T", m["cached"])
	}
	if _, ok := m["data"].(map[string]any); !ok {
		t.Fatalf("data is %T", m["data"])
	}
	for _, k := range []string{"process_time", "status_code"} {
		n, ok := m[k].(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			t.Fatalf("%s = %v, want an integer", k, m[k])
		}
	}
	if sc, _ := m["status_code"].(json.Number).Int64(); int(sc) != code {
		t.Fatalf("status_code %d, HTTP status %d", sc, code)
	}
	if !queryIDRE.MatchString(m["query_id"].(string)) {
		t.Fatalf("query_id %q", m["query_id"])
	}
	if !timeRE.MatchString(m["time"].(string)) {
		t.Fatalf("time %q", m["time"])
	}
	wantStatus := "ok"
	switch {
	case code == http.StatusServiceUnavailable && m["status"] == "maintenance":
		wantStatus = "maintenance"
	case code != http.StatusOK:
		wantStatus = "error"
	}
	if m["status"] != wantStatus {
		t.Fatalf("status %q for HTTP %d", m["status"], code)
	}
	if code != http.StatusOK {
		if len(msgs) == 0 || msgs[0].([]any)[0] != "error" {
			t.Fatalf("error response without an error message: %v", msgs)
		}
		if d := m["data"].(map[string]any); len(d) != 0 {
			t.Fatalf("error response with data %v", d)
		}
	}
	return m
}

// readEnvelope reads and checks the envelope of a JSON response.
func readEnvelope(t testing.TB, resp *http.Response) map[string]any {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q, body %q", ct, body)
	}
	return checkEnvelope(t, resp.StatusCode, body)
}

// firstMessage returns the text of the envelope's first message.
func firstMessage(env map[string]any) string {
	msgs := env["messages"].([]any)
	if len(msgs) == 0 {
		return ""
	}
	return msgs[0].([]any)[1].(string)
}
