package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

func TestResponseCacheEviction(t *testing.T) {
	entry := func(key string, n int) *cached {
		return &cached{key: key, data: make([]byte, n)}
	}
	c := newResponseCache(8 * 1000)
	for i := range 20 {
		c.put(entry(fmt.Sprint(i), 500))
	}
	if c.size > c.max {
		t.Errorf("size %d over max %d", c.size, c.max)
	}
	if _, ok := c.get("0"); ok {
		t.Error("oldest entry kept")
	}
	if _, ok := c.get("19"); !ok {
		t.Error("newest entry evicted")
	}
	// Using an entry protects it from eviction.
	n := c.order.Len()
	first := fmt.Sprint(20 - n)
	c.get(first)
	c.put(entry("new", 500))
	if _, ok := c.get(first); !ok {
		t.Error("recently used entry evicted")
	}
	// Too large for the cache: not stored.
	c.put(entry("huge", 2000))
	if _, ok := c.get("huge"); ok {
		t.Error("entry over an eighth of the cache stored")
	}
	// Replacing keeps the size right.
	before := c.size
	c.put(entry("new", 500))
	if c.size != before {
		t.Errorf("replacing changed the size %d -> %d", before, c.size)
	}
	var none *responseCache
	none.put(entry("x", 1))
	if _, ok := none.get("x"); ok || newResponseCache(-1) != nil {
		t.Error("disabled cache stores")
	}
}

func TestMeta(t *testing.T) {
	start := time.Date(2000, 8, 1, 0, 0, 0, 0, time.UTC)
	env := newTestEnv(t, func(o *Options) {
		o.Availability = func(_ context.Context, call string) (Availability, error) {
			switch call {
			case "test-echo":
				return Availability{{ID: "v4", Timelines: []Timeline{{Start: start, End: testNow, Description: "RIS"}}}, {ID: "v6"}}, nil
			case "test-snap":
				return Availability{{Timelines: []Timeline{{Start: start, End: testNow}}}}, nil
			}
			return nil, errors.New("archive unreadable")
		}
	})
	data := func(target string, code int) (map[string]any, map[string]any) {
		t.Helper()
		resp := env.get(t, target)
		if resp.StatusCode != code {
			t.Fatalf("%s: status %d", target, resp.StatusCode)
		}
		e := readEnvelope(t, resp)
		return e, e["data"].(map[string]any)
	}
	mustJSON := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	_, d := data("/data/test-echo/meta/availability", 200)
	if got := mustJSON(d); got != `{"availability":[{"available_timelines":[{"description":"RIS","endtime":"2026-01-10T09:30:15","starttime":"2000-08-01T00:00:00"}],"id":"v4"},{"available_timelines":[],"id":"v6"}]}` {
		t.Errorf("families: %s", got)
	}
	_, d = data("/plugin/test-snap/meta/availability?resource=3333", 200)
	if got := mustJSON(d); got != `{"availability":{"available_timelines":[{"endtime":"2026-01-10T09:30:15","starttime":"2000-08-01T00:00:00"}]}}` {
		t.Errorf("single: %s", got)
	}
	_, d = data("/data/test-snap/data.json?resource=3333&meta=availability", 200)
	if got := mustJSON(d["availability"]); got != `{"available_timelines":[{"endtime":"2026-01-10T09:30:15","starttime":"2000-08-01T00:00:00"}]}` {
		t.Errorf("embedded: %s", got)
	}
	if d["query_time"] != "2026-01-10T08:00:00" {
		t.Errorf("embedding lost the data: %v", d)
	}
	_, d = data("/data/test-echo/meta/versions", 200)
	if got := mustJSON(d); got != `{"versions":[{"status":"supported","version":"1.2"},{"status":"development","version":"2.0"}]}` {
		t.Errorf("versions: %s", got)
	}
	_, d = data("/data/test-echo/meta/methodology", 200)
	if d["methodology"] != "None: it is a test." {
		t.Errorf("methodology: %v", d)
	}
	_, d = data("/data/test-echo/meta", 200)
	if got := mustJSON(d); got != `{"meta":["availability","methodology","versions"]}` {
		t.Errorf("meta: %s", got)
	}
	e, _ := data("/data/nosuch/meta/availability", 404)
	if e["data_call_name"] != "nosuch" {
		t.Errorf("data_call_name %v", e["data_call_name"])
	}

	// A failing availability source is a logged 500.
	env2 := newTestEnv(t, func(o *Options) {
		o.Availability = func(context.Context, string) (Availability, error) { return nil, errors.New("archive unreadable") }
	})
	resp := env2.get(t, "/data/test-echo/meta/availability")
	if resp.StatusCode != 500 || !strings.Contains(env2.log.String(), "archive unreadable") {
		t.Errorf("status %d, log %s", resp.StatusCode, env2.log.String())
	}
	readEnvelope(t, resp)
}

func TestWithKey(t *testing.T) {
	tests := map[string]string{
		`{}`:            `{"k":[1]}`,
		`{"a":1}`:       `{"a":1,"k":[1]}`,
		` { "a" : 1 } `: `{ "a" : 1 ,"k":[1]}`,
	}
	for in, want := range tests {
		got, err := withKey(json.RawMessage(in), "k", []int{1})
		if err != nil || string(got) != want {
			t.Errorf("withKey(%s) = %s, %v; want %s", in, got, err, want)
		}
		if !json.Valid(got) {
			t.Errorf("invalid JSON %s", got)
		}
	}
}

func TestDocs(t *testing.T) {
	env := newTestEnv(t, nil)
	resp := env.get(t, "/docs/data_api")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	html := string(body)
	for _, want := range []string{"test-echo", "test-snap", "version 1.2", "min_peers_seeing", "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;bold&lt;/b&gt;", "versions 1.2, 2.0", "RIB dump", "data_overload_limit"} {
		if !strings.Contains(html, want) {
			t.Errorf("docs lack %q", want)
		}
	}
	if strings.Contains(html, "<script>alert") || strings.Contains(html, "<b>bold") {
		t.Error("docs not escaped")
	}

	resp = env.get(t, "/docs/data_api/openapi.json")
	body, _ = io.ReadAll(resp.Body)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]struct {
			Get struct {
				OperationID string `json:"operationId"`
				Parameters  []struct {
					Name     string         `json:"name"`
					Required bool           `json:"required"`
					Schema   map[string]any `json:"schema"`
				} `json:"parameters"`
				Responses map[string]any `json:"responses"`
			} `json:"get"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.0.3" || strings.Join(doc.Components.Schemas["Envelope"].Required, ",") != strings.Join(envelopeKeys, ",") {
		t.Errorf("openapi header or envelope schema wrong: %s", body)
	}
	op := doc.Paths["/data/test-echo/data.json"].Get
	if op.OperationID != "test-echo" || op.Responses["400"] == nil {
		t.Fatalf("test-echo operation: %+v", op)
	}
	params := map[string]int{}
	for i, p := range op.Parameters {
		params[p.Name] = i
	}
	for _, name := range []string{"resource", "starttime", "min_peers_seeing", "sort_by", "callback", "sourceapp"} {
		if _, ok := params[name]; !ok {
			t.Errorf("parameter %s missing", name)
		}
	}
	if p := op.Parameters[params["resource"]]; !p.Required {
		t.Error("resource not required")
	}
	if s := op.Parameters[params["min_peers_seeing"]].Schema; s["type"] != "integer" || s["default"] != "10" {
		t.Errorf("min_peers_seeing schema %v", s)
	}
	if s := op.Parameters[params["sort_by"]].Schema; fmt.Sprint(s["enum"]) != "[number count]" {
		t.Errorf("sort_by schema %v", s)
	}
}

// TestMount serves the API from a ServeMux next to other handlers.
func TestMount(t *testing.T) {
	env := newTestEnv(t, nil)
	mux := http.NewServeMux()
	mux.Handle("/metrics", http.NotFoundHandler())
	env.srv.Mount(mux)
	for target, code := range map[string]int{
		"/data/test-snap/data.json?resource=3333":   200,
		"/plugin/test-snap/data.json?resource=3333": 200,
		"/docs/data_api":                200,
		"/docs/data_api/openapi.json":   200,
		"/data/test-snap/meta/versions": 200,
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		if rec.Code != code {
			t.Errorf("%s: status %d", target, rec.Code)
		}
	}
}

func TestMetrics(t *testing.T) {
	env := newTestEnv(t, nil)
	env.get(t, "/data/test-snap/data.json?resource=3333")
	env.get(t, "/data/test-snap/data.json")
	env.get(t, "/data/test-echo/data.json?resource=3333&starttime=2025-01-01&endtime=2025-01-02")
	env.get(t, "/data/test-echo/data.json?resource=3333&starttime=2025-01-01&endtime=2025-01-02")
	env.get(t, "/data/test-echo/data.json?resource=3333&note=panic")
	env.get(t, "/data/evil-"+strings.Repeat("x", 50)+"/data.json")
	env.get(t, "/docs/data_api")
	families, err := env.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName() + labels(m)
			switch {
			case m.Counter != nil:
				got[key] = m.Counter.GetValue()
			case m.Histogram != nil:
				got[key] = float64(m.Histogram.GetSampleCount())
			case m.Gauge != nil:
				got[key] = m.Gauge.GetValue()
			}
		}
	}
	want := map[string]float64{
		`routestat_api_requests_total{call="test-snap",code="200"}`:         1,
		`routestat_api_requests_total{call="test-snap",code="400"}`:         1,
		`routestat_api_requests_total{call="test-echo",code="200"}`:         2,
		`routestat_api_requests_total{call="test-echo",code="500"}`:         1,
		`routestat_api_requests_total{call="unknown",code="404"}`:           1,
		`routestat_api_requests_total{call="docs",code="200"}`:              1,
		`routestat_api_errors_total{call="test-snap",reason="bad_request"}`: 1,
		`routestat_api_errors_total{call="test-echo",reason="panic"}`:       1,
		`routestat_api_errors_total{call="unknown",reason="not_found"}`:     1,
		`routestat_api_cache_hits_total{call="test-echo"}`:                  1,
		`routestat_api_request_duration_seconds{call="test-echo"}`:          3,
		`routestat_api_in_flight_requests`:                                  0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, err := New(Options{Registerer: env.reg}); err == nil {
		t.Error("second Server on one Registerer accepted")
	}
}

// labels formats a metric's labels as {a="b",...}.
func labels(m *dto.Metric) string {
	if len(m.GetLabel()) == 0 {
		return ""
	}
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	return "{" + strings.Join(parts, ",") + "}"
}
