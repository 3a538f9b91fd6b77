package incidentapi

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/routestat/routestat/stat/hijack"
)

func TestList(t *testing.T) {
	base := serve(t, newManager(t), Options{})
	all := []string{idMoreSpec, idExact, idNeighbour, idYouTube} // newest opened first
	tests := []struct {
		name      string
		query     string
		want      []string
		total     int // 0: len(want)
		truncated bool
	}{
		{name: "all", query: "", want: all},
		{name: "unknown parameters are ignored", query: "foo=bar&_=1", want: all},
		{name: "trailing slash", query: "", want: all},
		{name: "AS with prefix", query: "resource=AS4725", want: []string{idExact, idNeighbour}},
		{name: "bare AS", query: "resource=4725", want: []string{idExact, idNeighbour}},
		{name: "offending AS", query: "resource=as17557", want: []string{idYouTube}},
		{name: "exact prefix", query: "resource=202.33.0.0/16", want: []string{idExact}},
		{name: "address", query: "resource=202.33.14.1", want: []string{idExact}},
		{name: "covering prefix", query: "resource=208.65.0.0/16", want: []string{idYouTube}},
		{name: "more specific overlaps", query: "resource=208.65.153.128/25", want: []string{idYouTube}},
		{name: "host bits masked", query: "resource=208.65.153.7/24", want: []string{idYouTube}},
		{name: "IPv6 prefix", query: "resource=2001:db8:1:2::/64", want: []string{idMoreSpec}},
		{name: "no overlap", query: "resource=198.51.100.0/24", want: []string{}},
		{name: "status open", query: "status=open", want: []string{idMoreSpec, idExact}},
		{name: "status any case", query: "status=RESOLVED", want: []string{idNeighbour, idYouTube}},
		{name: "group", query: "group=video", want: []string{idYouTube}},
		{name: "unknown group", query: "group=nobody", want: []string{}},
		{name: "type", query: "type=more-specific", want: []string{idMoreSpec}},
		{name: "hijacks only", query: "hijacks_only=true", want: []string{idExact, idYouTube}},
		{name: "hijacks only false", query: "hijacks_only=0", want: all},
		{name: "window around YouTube", query: "starttime=2008-02-24T21:00:00Z&endtime=2008-02-25", want: []string{idYouTube}},
		{name: "window after resolution", query: "starttime=2008-02-24T21:02:00Z&endtime=2008-12-31T00:00:00Z", want: []string{}},
		{name: "unix endtime", query: "endtime=1230000000", want: []string{idYouTube}},
		{name: "open ones stay in later windows", query: "starttime=2026-01-05T12:00:00%2B01:00", want: []string{idMoreSpec, idExact}},
		{name: "combined", query: "status=open&type=exact-origin&resource=AS64500&group=noc&hijacks_only=yes", want: []string{idExact}},
		{name: "limit", query: "limit=1", want: []string{idMoreSpec}, total: 4, truncated: true},
		{name: "limit above count", query: "limit=1000", want: all},
		{name: "semicolons", query: "status=open;hijacks_only=true", want: []string{idExact}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/api/v1/hijack/incidents"
			if tt.name == "trailing slash" {
				path += "/"
			}
			r := do(t, http.MethodGet, base+path+"?"+tt.query, nil, "")
			if r.code != http.StatusOK {
				t.Fatalf("HTTP %d: %s", r.code, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			got := decode[struct {
				Incidents []hijack.Incident `json:"incidents"`
				Count     *int              `json:"count"`
				Total     int               `json:"total"`
				Truncated *bool             `json:"truncated"`
			}](t, r.body)
			if !slices.Equal(ids(got.Incidents), tt.want) {
				t.Errorf("incidents %v, want %v", ids(got.Incidents), tt.want)
			}
			if got.Incidents == nil {
				t.Errorf("incidents is null, want []: %s", r.body)
			}
			total := tt.total
			if total == 0 {
				total = len(tt.want)
			}
			if got.Count == nil || *got.Count != len(tt.want) || got.Total != total || got.Truncated == nil || *got.Truncated != tt.truncated {
				t.Errorf("count/total/truncated wrong: %s", r.body)
			}
		})
	}
}

func TestIncidentDetail(t *testing.T) {
	base := serve(t, newManager(t), Options{})
	r := do(t, http.MethodGet, base+"/api/v1/hijack/incidents/"+idExact, nil, "")
	if r.code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", r.code, r.body)
	}
	inc := decode[hijack.Incident](t, r.body)
	if inc.ID != idExact || inc.OffendingAS != 64500 || inc.Status != hijack.StatusOpen || !slices.Equal(inc.LegitOrigins, []uint32{4725}) {
		t.Errorf("incident %+v", inc)
	}
	if h := do(t, http.MethodHead, base+"/api/v1/hijack/incidents/"+idExact, nil, ""); h.code != http.StatusOK || len(h.body) != 0 {
		t.Errorf("HEAD: HTTP %d %q", h.code, h.body)
	}

	tests := []struct {
		name  string
		path  string
		code  int
		param string
	}{
		{"unknown id", "/api/v1/hijack/incidents/20260105T100000Z-ffffffff", http.StatusNotFound, "id"},
		{"control character", "/api/v1/hijack/incidents/bad%00id", http.StatusBadRequest, "id"},
		{"markup", "/api/v1/hijack/incidents/%3Cscript%3E", http.StatusBadRequest, "id"},
		{"long id", "/api/v1/hijack/incidents/" + strings.Repeat("a", 200), http.StatusBadRequest, "id"},
		{"unknown path", "/api/v1/hijack/nothing", http.StatusNotFound, ""},
		{"too deep", "/api/v1/hijack/incidents/" + idExact + "/acknowledge/more", http.StatusNotFound, ""},
		{"unknown action", "/api/v1/hijack/incidents/" + idExact + "/delete", http.StatusNotFound, ""},
		{"prefix itself", "/api/v1/hijack/", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, do(t, http.MethodGet, base+tt.path, nil, ""), tt.code, tt.param)
		})
	}
}

// TestMarkupEscaped checks that text in incidents comes back escaped
// (\u003c, not <) in every answer that carries it.
func TestMarkupEscaped(t *testing.T) {
	base := serve(t, newManager(t), Options{})
	for _, path := range []string{
		"/api/v1/hijack/incidents/" + idYouTube,
		"/api/v1/hijack/incidents?group=video",
	} {
		r := do(t, http.MethodGet, base+path, nil, "")
		if r.code != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", path, r.code, r.body)
		}
		if bytes.Contains(r.body, []byte("<script>")) || !bytes.Contains(r.body, []byte(`\u003cscript\u003e`)) || !bytes.Contains(r.body, []byte(`\u0026 friends`)) {
			t.Errorf("%s: markup not escaped: %s", path, r.body)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		if got := decode[hijack.Incident](t, r.body).Description; path == "/api/v1/hijack/incidents/"+idYouTube && got != scriptDescription {
			t.Errorf("description decodes to %q", got)
		}
	}
}

// TestHostileInput checks that bad parameters are a 400 (414 for an
// over-long query) naming the parameter, never a 500.
func TestHostileInput(t *testing.T) {
	base := serve(t, newManager(t), Options{})
	tests := []struct {
		query string
		code  int
		param string
	}{
		{"resource=AS", 400, "resource"},
		{"resource=AS99999999999", 400, "resource"},
		{"resource=AS0", 400, "resource"},
		{"resource=0", 400, "resource"},
		{"resource=example.com", 400, "resource"},
		{"resource=nl", 400, "resource"},
		{"resource=1.2.3.4/33", 400, "resource"},
		{"resource=1.2.3.4/-1", 400, "resource"},
		{"resource=2001:db8::/129", 400, "resource"},
		{"resource=fe80::1%25eth0", 400, "resource"},
		{"resource=%3Cscript%3Ealert(1)%3C/script%3E", 400, "resource"},
		{"resource=" + strings.Repeat("9", 3000), 400, "resource"},
		{"resource=%zz", 400, "resource"},
		{"resource=1.2.3.4,5.6.7.8", 400, "resource"},
		{"limit=1000000", 400, "limit"},
		{"limit=1001", 400, "limit"},
		{"limit=0", 400, "limit"},
		{"limit=-1", 400, "limit"},
		{"limit=abc", 400, "limit"},
		{"limit=99999999999999999999999", 400, "limit"},
		{"limit=1e3", 400, "limit"},
		{"starttime=yesterday", 400, "starttime"},
		{"starttime=-1", 400, "starttime"},
		{"starttime=1969-12-31", 400, "starttime"},
		{"endtime=99999999999999", 400, "endtime"},
		{"endtime=2026-13-01", 400, "endtime"},
		{"starttime=2026-01-02&endtime=2026-01-01", 400, "starttime"},
		{"status=closed", 400, "status"},
		{"type=nope", 400, "type"},
		{"type=exact-origin%00", 400, "type"},
		{"group=%00", 400, "group"},
		{"group=a%0Ab", 400, "group"},
		{"group=" + strings.Repeat("g", 300), 400, "group"},
		{"group=%FF%FE", 400, "group"},
		{"hijacks_only=maybe", 400, "hijacks_only"},
		{"%zz=1", 400, ""},
		{"status=" + strings.Repeat("x", 9000), 414, ""},
	}
	for _, tt := range tests {
		name := tt.query
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			checkError(t, do(t, http.MethodGet, base+"/api/v1/hijack/incidents?"+tt.query, nil, ""), tt.code, tt.param)
		})
	}
}

func TestMethods(t *testing.T) {
	base := serve(t, newManager(t), Options{APIKeys: []string{"k"}})
	tests := []struct {
		method, path string
		allow        string
	}{
		{http.MethodDelete, "/api/v1/hijack/incidents", "GET, HEAD, OPTIONS"},
		{http.MethodPost, "/api/v1/hijack/incidents", "GET, HEAD, OPTIONS"},
		{http.MethodPut, "/api/v1/hijack/incidents/" + idExact, "GET, HEAD, OPTIONS"},
		{http.MethodGet, "/api/v1/hijack/incidents/" + idExact + "/acknowledge", "POST, OPTIONS"},
		{http.MethodDelete, "/api/v1/hijack/incidents/" + idExact + "/false-positive", "POST, OPTIONS"},
		{http.MethodPost, "/api/v1/hijack/stream", "GET, OPTIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := do(t, tt.method, base+tt.path, map[string]string{"X-API-Key": "k"}, "")
			checkError(t, r, http.StatusMethodNotAllowed, "")
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
		})
	}
	// A CORS preflight for a read gets the CORS headers; one for a
	// change does not.
	r := do(t, http.MethodOptions, base+"/api/v1/hijack/incidents", map[string]string{"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"}, "")
	if r.code != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight of a read: HTTP %d %v", r.code, r.header)
	}
	r = do(t, http.MethodOptions, base+"/api/v1/hijack/incidents/"+idExact+"/acknowledge", map[string]string{"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}, "")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight of a change allowed: %v", r.header)
	}
}

func TestCORS(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		origin  string
		want    string
	}{
		{"any origin by default", nil, "https://elsewhere.example", "*"},
		{"star", []string{"*"}, "https://elsewhere.example", "*"},
		{"listed", []string{"https://NOC.example.net/"}, "https://noc.example.net", "https://noc.example.net"},
		{"not listed", []string{"https://noc.example.net"}, "https://evil.example", ""},
	}
	m := newManager(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := serve(t, m, Options{AllowedOrigins: tt.allowed})
			r := do(t, http.MethodGet, base+"/api/v1/hijack/incidents", map[string]string{"Origin": tt.origin}, "")
			if r.code != http.StatusOK {
				t.Fatalf("HTTP %d %s", r.code, r.body)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.want {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNilIncidents(t *testing.T) {
	base := serve(t, nil, Options{})
	checkError(t, do(t, http.MethodGet, base+"/api/v1/hijack/incidents", nil, ""), http.StatusServiceUnavailable, "")
}

func TestStreamNeedsWebSocket(t *testing.T) {
	base := serve(t, newManager(t), Options{})
	r := do(t, http.MethodGet, base+"/api/v1/hijack/stream", nil, "")
	checkError(t, r, http.StatusUpgradeRequired, "")
	if r.header.Get("Upgrade") != "websocket" {
		t.Errorf("no Upgrade header: %v", r.header)
	}
	// A bad filter is refused before the handshake, naming it.
	checkError(t, do(t, http.MethodGet, base+"/api/v1/hijack/stream?hijacks_only="+url.QueryEscape("<b>"), nil, ""), http.StatusBadRequest, "hijacks_only")
}
