package incidentapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// fileMonitored is a Monitored kept in memory, as serve keeps it on disk.
type fileMonitored struct {
	mu   sync.Mutex
	text []byte
	fail error
	sets int
}

func (f *fileMonitored) Monitored() ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]byte(nil), f.text...), nil
}

func (f *fileMonitored) SetMonitored(_ context.Context, b []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.text = append([]byte(nil), b...)
	f.sets++
	return nil
}

// TestMonitored reads and replaces the monitored resources: reads are
// public, changes need a key and a file that parses, and a refused
// change leaves the file alone.
func TestMonitored(t *testing.T) {
	const start = "prefixes:\n  202.33.0.0/16:\n    asn: 4725\n"
	const next = "prefixes:\n  202.33.0.0/16:\n    description: ODN\n    asn: [4725]\n    upstreams: [2914]\n"
	tests := []struct {
		name     string
		method   string
		header   map[string]string
		body     string
		fail     error
		code     int
		contains string // in the answer
		want     string // the file afterwards
	}{
		{name: "read without a key", method: http.MethodGet, code: http.StatusOK, contains: "202.33.0.0/16", want: start},
		{name: "replace", method: http.MethodPut, header: map[string]string{"X-API-Key": testKey}, body: next, code: http.StatusOK, contains: "upstreams", want: next},
		{name: "BGPalerter format", method: http.MethodPut, header: map[string]string{"Authorization": "Bearer " + testKey},
			body: "202.33.0.0/16:\n  description: ODN\n  asn: 4725\n  ignoreMorespecifics: false\n", code: http.StatusOK, contains: "ignoreMorespecifics"},
		{name: "no key", method: http.MethodPut, body: next, code: http.StatusUnauthorized, contains: "API key", want: start},
		{name: "wrong key", method: http.MethodPut, header: map[string]string{"X-API-Key": "nope"}, body: next, code: http.StatusUnauthorized, want: start},
		{name: "unknown key in the file", method: http.MethodPut, header: map[string]string{"X-API-Key": testKey},
			body: "prefixes:\n  202.33.0.0/16:\n    asn: 4725\n    ignoremorespecific: true\n", code: http.StatusBadRequest, contains: "line 4", want: start},
		{name: "not YAML", method: http.MethodPut, header: map[string]string{"X-API-Key": testKey}, body: "prefixes: [\n", code: http.StatusBadRequest, contains: "monitored resources", want: start},
		{name: "bad prefix", method: http.MethodPut, header: map[string]string{"X-API-Key": testKey}, body: "prefixes:\n  202.33.0.0/33:\n    asn: 4725\n", code: http.StatusBadRequest, contains: "202.33.0.0/33", want: start},
		{name: "apply fails", method: http.MethodPut, header: map[string]string{"X-API-Key": testKey}, body: next, fail: errors.New("disk full"), code: http.StatusInternalServerError, contains: "disk full", want: start},
		{name: "POST is not allowed", method: http.MethodPost, header: map[string]string{"X-API-Key": testKey}, body: next, code: http.StatusMethodNotAllowed, want: start},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fileMonitored{text: []byte(start), fail: tt.fail}
			base := serve(t, newManager(t), Options{APIKeys: []string{testKey}, Monitored: f})
			r := do(t, tt.method, base+"/api/v1/hijack/monitored", tt.header, tt.body)
			if r.code != tt.code {
				t.Fatalf("HTTP %d, want %d: %s", r.code, tt.code, r.body)
			}
			if !strings.Contains(string(r.body), tt.contains) {
				t.Errorf("answer %q does not contain %q", r.body, tt.contains)
			}
			if tt.code == http.StatusOK && !strings.HasPrefix(r.header.Get("Content-Type"), "application/yaml") {
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
			if tt.code >= 400 && !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Errorf("error Content-Type %q", r.header.Get("Content-Type"))
			}
			if got, _ := f.Monitored(); tt.want != "" && string(got) != tt.want {
				t.Errorf("file afterwards:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestMonitoredOff checks the 404 when the server does not expose them.
func TestMonitoredOff(t *testing.T) {
	base := serve(t, newManager(t), Options{APIKeys: []string{testKey}})
	r := do(t, http.MethodGet, base+"/api/v1/hijack/monitored", nil, "")
	checkError(t, r, http.StatusNotFound, "")
}
