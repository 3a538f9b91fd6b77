package incidentapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/hijack"
)

// dataServer returns the data API with the hijacks call on inc.
func dataServer(t *testing.T, inc Incidents) string {
	t.Helper()
	srv, err := api.New(api.Options{Logger: discard(), BuildVersion: "test", ServerID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := Register(srv, inc); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL
}

// envelope is the part of the data API's envelope the tests read.
type envelope struct {
	Messages     [][2]string `json:"messages"`
	DataCallName string      `json:"data_call_name"`
	Version      string      `json:"version"`
	Status       string      `json:"status"`
	StatusCode   int         `json:"status_code"`
	Data         struct {
		Resource       *string           `json:"resource"`
		QueryStarttime string            `json:"query_starttime"`
		QueryEndtime   string            `json:"query_endtime"`
		Incidents      []hijack.Incident `json:"incidents"`
		Count          int               `json:"count"`
		Parameters     map[string]any    `json:"parameters"`
	} `json:"data"`
}

func TestHijacksDataCall(t *testing.T) {
	base := dataServer(t, newManager(t))
	tests := []struct {
		name     string
		query    string
		resource string // "" for null
		start    string // "" not checked
		end      string
		want     []string
	}{
		{name: "YouTube", query: "resource=208.65.152.0/22&starttime=2000-01-01", resource: "208.65.152.0/22", start: "2000-01-01T00:00:00", want: []string{idYouTube}},
		{name: "defaults: the last 7 days", query: "", want: []string{idMoreSpec, idExact}},
		{name: "AS", query: "resource=AS4725&starttime=2025-11-01&endtime=2026-02-01", resource: "4725", start: "2025-11-01T00:00:00", end: "2026-02-01T00:00:00", want: []string{idExact, idNeighbour}},
		{name: "address", query: "resource=202.33.14.1&starttime=2000-01-01", resource: "202.33.14.1", want: []string{idExact}},
		{name: "hijacks only", query: "hijacks_only=true&starttime=2000-01-01", want: []string{idExact, idYouTube}},
		{name: "type", query: "type=new-neighbour&starttime=2000-01-01", want: []string{idNeighbour}},
		{name: "status", query: "status=resolved&starttime=1200000000", want: []string{idNeighbour, idYouTube}},
		{name: "group", query: "group=video&starttime=2000-01-01", want: []string{idYouTube}},
		{name: "relative start", query: "endtime=2008-02-25&starttime=", end: "2008-02-25T00:00:00", start: "2008-02-18T00:00:00", want: []string{idYouTube}},
		{name: "nothing", query: "resource=198.51.100.0/24&starttime=2000-01-01", resource: "198.51.100.0/24", want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, http.MethodGet, base+"/data/hijacks/data.json?"+tt.query, nil, "")
			env := decode[envelope](t, r.body)
			if r.code != http.StatusOK || env.Status != "ok" || env.StatusCode != 200 || env.DataCallName != "hijacks" || env.Version != "1.0" {
				t.Fatalf("HTTP %d: %s", r.code, r.body)
			}
			if got := ids(env.Data.Incidents); !slices.Equal(got, tt.want) || env.Data.Count != len(tt.want) {
				t.Errorf("incidents %v (count %d), want %v", got, env.Data.Count, tt.want)
			}
			if env.Data.Incidents == nil {
				t.Errorf("incidents is null: %s", r.body)
			}
			if got := env.Data.Resource; tt.resource == "" && got != nil || tt.resource != "" && (got == nil || *got != tt.resource) {
				t.Errorf("resource %v, want %q", got, tt.resource)
			}
			if tt.start != "" && env.Data.QueryStarttime != tt.start || tt.end != "" && env.Data.QueryEndtime != tt.end {
				t.Errorf("window %s - %s", env.Data.QueryStarttime, env.Data.QueryEndtime)
			}
			if env.Data.Parameters == nil {
				t.Errorf("no parameters: %s", r.body)
			}
		})
	}

	// Markup in incidents comes back escaped in the envelope too.
	r := do(t, http.MethodGet, base+"/data/hijacks/data.json?group=video&starttime=2000-01-01", nil, "")
	if bytes.Contains(r.body, []byte("<script>")) || !bytes.Contains(r.body, []byte(`\u003cscript\u003e`)) {
		t.Errorf("markup not escaped: %s", r.body)
	}
	// Keys of data in their order.
	var raw struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	last := -1
	for _, k := range []string{`"resource"`, `"query_starttime"`, `"query_endtime"`, `"incidents"`, `"count"`, `"parameters"`} {
		i := bytes.Index(raw.Data, []byte(k))
		if i < last {
			t.Errorf("key %s out of order in %s", k, raw.Data)
		}
		last = i
	}
}

func TestHijacksDataCallErrors(t *testing.T) {
	base := dataServer(t, newManager(t))
	tests := []struct {
		query string
		param string
	}{
		{"resource=AS0", "resource"},
		{"resource=example.com", "resource"},
		{"resource=1.2.3.4/40", "resource"},
		{"type=bogus", "type"},
		{"status=maybe", "status"},
		{"hijacks_only=perhaps", "hijacks_only"},
		{"group=%07", "group"},
		{"starttime=2026-01-01&endtime=2025-01-01", "starttime"},
		{"endtime=tomorrow", "endtime"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, http.MethodGet, base+"/data/hijacks/data.json?"+tt.query, nil, "")
			env := decode[envelope](t, r.body)
			if r.code != http.StatusBadRequest || env.Status != "error" || env.StatusCode != 400 {
				t.Fatalf("HTTP %d: %s", r.code, r.body)
			}
			if len(env.Messages) == 0 || !strings.Contains(env.Messages[0][1], "'"+tt.param+"'") {
				t.Errorf("error does not name %s: %v", tt.param, env.Messages)
			}
		})
	}
}

func TestHijacksDataCallOverload(t *testing.T) {
	old := callOverload
	callOverload = 1
	t.Cleanup(func() { callOverload = old })
	base := dataServer(t, newManager(t))
	r := do(t, http.MethodGet, base+"/data/hijacks/data.json?starttime=2000-01-01", map[string]string{"Referer": "https://example.net/"}, "")
	env := decode[envelope](t, r.body)
	if r.code != http.StatusOK || len(env.Data.Incidents) != 0 || env.Data.Count != 4 || len(env.Messages) == 0 {
		t.Errorf("overloaded browser answer: %s", r.body)
	}
	r = do(t, http.MethodGet, base+"/data/hijacks/data.json?starttime=2000-01-01&data_overload_limit=ignore", map[string]string{"Referer": "https://example.net/"}, "")
	if env := decode[envelope](t, r.body); len(env.Data.Incidents) != 4 {
		t.Errorf("data_overload_limit=ignore: %s", r.body)
	}
}

func TestRegister(t *testing.T) {
	srv, err := api.New(api.Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t)
	if err := Register(srv, m); err != nil {
		t.Fatal(err)
	}
	if err := Register(srv, m); err == nil || !strings.Contains(err.Error(), "hijacks") {
		t.Errorf("second registration: %v", err)
	}
	if err := Register(srv, nil); err == nil {
		t.Error("nil incidents accepted")
	}
	// The call is documented.
	hs := httptest.NewServer(srv)
	defer hs.Close()
	r := do(t, http.MethodGet, hs.URL+"/docs/data_api", nil, "")
	for _, want := range []string{"hijacks", "hijacks_only", "endtime minus 7 days", hijack.MonitorDelegated} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("docs lack %q", want)
		}
	}
	r = do(t, http.MethodGet, hs.URL+"/data/hijacks/meta/methodology", nil, "")
	if r.code != http.StatusOK || !strings.Contains(string(r.body), "resolved before starttime") {
		t.Errorf("methodology: HTTP %d %s", r.code, r.body)
	}
}

// TestHijacksDataCallNotCached: an answer about the past changes when a
// person acknowledges an incident, so it is never served from the cache
// and gets the short max-age.
func TestHijacksDataCallNotCached(t *testing.T) {
	m := newManager(t)
	base := dataServer(t, m)
	url := base + "/data/hijacks/data.json?group=video&starttime=2000-01-01&endtime=2009-01-01"
	first := do(t, http.MethodGet, url, nil, "")
	env := decode[envelope](t, first.body)
	if len(env.Data.Incidents) != 1 || env.Data.Incidents[0].Acknowledged {
		t.Fatalf("before: %s", first.body)
	}
	if _, err := m.Annotate(idYouTube, "alice", "seen", false); err != nil {
		t.Fatal(err)
	}
	second := do(t, http.MethodGet, url, nil, "")
	env = decode[envelope](t, second.body)
	if len(env.Data.Incidents) != 1 || !env.Data.Incidents[0].Acknowledged {
		t.Errorf("after acknowledging: %s", second.body)
	}
	if cc := second.header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("Cache-Control %q", cc)
	}
}
