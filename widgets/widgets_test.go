package widgets

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	h, err := Handler(Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, p := range Prefixes {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	assets, err := Assets("")
	if err != nil {
		t.Fatal(err)
	}
	loader, err := fs.ReadFile(assets, "widget_api.js")
	if err != nil {
		t.Fatal(err)
	}
	type check struct {
		method, path string
		code         int
		ctype        string
		body         []byte // nil: not checked
		contains     string
		cors         bool
	}
	tests := []check{
		{method: "POST", path: "/widgets/widget_api.js", code: 405},
		{method: "GET", path: "/widget/routing-status", code: 200, ctype: "text/html", contains: `data-page="routing-status"`},
		{method: "GET", path: "/widget/bgplay", code: 200, ctype: "text/html", contains: `<script src="/widgets/widget_api.js"`},
		{method: "GET", path: "/widget/%3Cscript%3E", code: 404},
		{method: "GET", path: "/widget/Routing", code: 404},
		{method: "GET", path: "/widgets/nothing.js", code: 404},
		{method: "GET", path: "/widget-api/other.js", code: 404},
	}
	for _, p := range LoaderPaths {
		tests = append(tests, check{method: "GET", path: p, code: 200, ctype: "text/javascript", body: loader, cors: true})
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", "https://noc.example.net")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("%s %s: HTTP %d, want %d: %s", tt.method, tt.path, resp.StatusCode, tt.code, body)
			continue
		}
		if tt.ctype != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) {
			t.Errorf("%s %s: Content-Type %q", tt.method, tt.path, resp.Header.Get("Content-Type"))
		}
		if tt.body != nil && !bytes.Equal(body, tt.body) {
			t.Errorf("%s %s: not the built widget_api.js", tt.method, tt.path)
		}
		if !strings.Contains(string(body), tt.contains) {
			t.Errorf("%s %s: body does not contain %q:\n%s", tt.method, tt.path, tt.contains, body)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin") == "*"; tt.code == http.StatusOK && got != tt.cors {
			t.Errorf("%s %s: readable from any origin %v, want %v", tt.method, tt.path, got, tt.cors)
		}
	}
}
