package incidentapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/routestat/routestat/stat/hijack"
)

// Fixture incident ids.
const (
	idYouTube   = "20080224T184700Z-aaaa0001" // resolved sub-prefix hijack, group video
	idExact     = "20260105T100000Z-aaaa0002" // open exact-origin hijack of 202.33.0.0/16 (AS4725) by AS64500
	idMoreSpec  = "20260106T100000Z-aaaa0003" // open more-specific of 2001:db8::/32, watch type
	idNeighbour = "20251201T100000Z-aaaa0004" // resolved new neighbour AS65010 of AS4725
)

// scriptDescription is a description with markup, which must come back
// escaped.
const scriptDescription = "YouTube <script>alert(1)</script> & friends"

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func tsp(s string) *time.Time {
	t := ts(s)
	return &t
}

// fixtures are the incidents every test starts with.
func fixtures() []hijack.Incident {
	return []hijack.Incident{
		{
			ID: idYouTube, Key: "sub-prefix|208.65.152.0/22|17557", Type: hijack.MonitorSubPrefix, Code: "S|0|-|-",
			Severity: hijack.SeverityCritical, Status: hijack.StatusResolved, Hijack: true, Group: "video",
			MonitoredPrefix: "208.65.152.0/22", Description: scriptDescription, Prefixes: []string{"208.65.153.0/24"},
			LegitOrigins: []uint32{36561}, OffendingAS: 17557, OffendingOrigin: 17557,
			FirstSeen: ts("2008-02-24T18:47:00Z"), LastSeen: ts("2008-02-24T20:07:00Z"), Opened: ts("2008-02-24T18:47:49Z"),
			Resolved: tsp("2008-02-24T21:01:34Z"), Why: "AS17557 began originating 208.65.153.0/24.",
		},
		{
			ID: idExact, Key: "exact-origin|202.33.0.0/16|64500", Type: hijack.MonitorExact, Severity: hijack.SeverityCritical,
			Status: hijack.StatusOpen, Hijack: true, Group: "noc", MonitoredPrefix: "202.33.0.0/16", Prefixes: []string{"202.33.0.0/16"},
			LegitOrigins: []uint32{4725}, OffendingAS: 64500, OffendingOrigin: 64500,
			FirstSeen: ts("2026-01-05T09:59:00Z"), LastSeen: ts("2026-01-05T10:30:00Z"), Opened: ts("2026-01-05T10:00:00Z"),
		},
		{
			ID: idMoreSpec, Key: "more-specific|2001:db8::/32|65001", Type: hijack.MonitorMoreSpecific, Severity: hijack.SeverityInfo,
			Status: hijack.StatusOpen, Group: "noc", MonitoredPrefix: "2001:db8::/32", Prefixes: []string{"2001:db8:1::/48"},
			LegitOrigins: []uint32{65001}, OffendingOrigin: 65001,
			FirstSeen: ts("2026-01-06T09:59:00Z"), LastSeen: ts("2026-01-06T10:30:00Z"), Opened: ts("2026-01-06T10:00:00Z"),
		},
		{
			ID: idNeighbour, Key: "new-neighbour|AS4725|65010", Type: hijack.MonitorNeighbour, Severity: hijack.SeverityWarning,
			Status: hijack.StatusResolved, Group: "noc", MonitoredAS: 4725, OffendingAS: 65010,
			FirstSeen: ts("2025-12-01T09:59:00Z"), LastSeen: ts("2025-12-02T09:00:00Z"), Opened: ts("2025-12-01T10:00:00Z"),
			Resolved: tsp("2025-12-02T10:00:00Z"),
		},
	}
}

// newManager returns a real Manager holding the fixtures.
func newManager(t *testing.T) *hijack.Manager {
	t.Helper()
	m, err := hijack.NewManager(nil, hijack.ManagerOptions{Log: discard()})
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range fixtures() {
		m.Publish(hijack.Change{Event: hijack.EventOpened, Incident: inc})
	}
	return m
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// countingIncidents is a real Manager whose subscriptions are counted.
type countingIncidents struct {
	*hijack.Manager
	subs atomic.Int64
}

func (c *countingIncidents) Subscribe(buffer int) (<-chan hijack.Change, func()) {
	ch, cancel := c.Manager.Subscribe(buffer)
	c.subs.Add(1)
	var done atomic.Bool
	return ch, func() {
		if done.CompareAndSwap(false, true) {
			c.subs.Add(-1)
		}
		cancel()
	}
}

// serve starts the incident API on inc, mounted as routestat serve
// mounts it, and returns its base URL.
func serve(t *testing.T, inc Incidents, opt Options) string {
	t.Helper()
	if opt.Log == nil {
		opt.Log = discard()
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix, Handler(inc, opt))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// response is what a test request got.
type response struct {
	code   int
	header http.Header
	body   []byte
}

// do sends a request and reads the whole answer.
func do(t *testing.T, method, url string, header map[string]string, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{code: res.StatusCode, header: res.Header, body: b}
}

// decode unmarshals a JSON body.
func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// checkError checks an error answer: status, JSON {"error",
// "parameter"} naming param.
func checkError(t *testing.T, r response, code int, param string) {
	t.Helper()
	if r.code != code {
		t.Errorf("HTTP %d, want %d: %s", r.code, code, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var e struct {
		Error     *string `json:"error"`
		Parameter string  `json:"parameter"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error == nil || *e.Error == "" {
		t.Errorf("error body %s (%v)", r.body, err)
	}
	if e.Parameter != param {
		t.Errorf("parameter %q, want %q: %s", e.Parameter, param, r.body)
	}
}

// ids returns the ids of incidents, in order.
func ids(incs []hijack.Incident) []string {
	out := []string{}
	for _, inc := range incs {
		out = append(out, inc.ID)
	}
	return out
}

// eventually polls cond until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
