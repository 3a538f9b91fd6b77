package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// volatileRE matches the envelope fields that change between runs.
var volatileRE = regexp.MustCompile(`"query_id":"[^"]*"`)

// TestEnvelopeGolden compares whole responses with golden files: the
// envelope's keys, order and types, the data and parameters echo, the
// error envelopes. Only query_id is masked (the clock is fake).
func TestEnvelopeGolden(t *testing.T) {
	tests := []struct {
		name, method, target string
		code                 int
	}{
		{"ok_asn", "GET", "/data/test-echo/data.json?resource=AS3333&starttime=2025-12-01&endtime=2026-01-01T12:00", 200},
		{"ok_prefix_defaults", "GET", "/data/test-echo/data.json?resource=193/23", 200},
		{"ok_hostname", "GET", "/data/test-echo/data.json?resource=www.example.net&starttime=1767000000&endtime=1767225600", 200},
		{"ok_plugin_semicolons", "GET", "/plugin/test-echo/data.json?resource=2001:db8::/32;rrcs=0,4,12;sort_by=COUNT;unix_timestamps=TRUE", 200},
		{"ok_snap", "GET", "/data/test-snap/data.json?resource=as3333&timestamp=2026-01-09T13:14:15", 200},
		{"ok_snap_latest", "GET", "/data/test-snap/data.json?resource=3333", 200},
		{"ok_upcoming_version", "GET", "/data/test-echo/data.json?resource=3333&preferred_version=2.7", 200},
		{"jsonp", "GET", "/data/test-snap/data.json?resource=3333&timestamp=2026-01-01&callback=jQuery3600_17.cb", 200},
		{"missing_resource", "GET", "/data/test-echo/data.json", 400},
		{"bad_resource", "GET", "/data/test-echo/data.json?resource=AS4294967296", 400},
		{"reversed_times", "GET", "/data/test-echo/data.json?resource=3333&starttime=2026-01-02&endtime=2026-01-01", 400},
		{"unknown_call", "GET", "/data/no-such-call/data.json?resource=3333", 404},
		{"method", "POST", "/data/test-echo/data.json?resource=3333", 405},
		{"panic", "GET", "/data/test-echo/data.json?resource=3333&note=panic", 500},
		{"maintenance", "GET", "/data/test-echo/data.json?resource=3333&note=maint", 503},
		{"meta_availability", "GET", "/data/test-echo/meta/availability", 200},
	}
	env := newTestEnv(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := env.do(t, tt.method, tt.target, nil)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.code, body)
			}
			plain := body
			if strings.Contains(tt.target, "callback=") {
				plain = bytes.TrimSuffix(bytes.TrimPrefix(body, []byte("jQuery3600_17.cb(")), []byte(");\n"))
			}
			checkEnvelope(t, resp.StatusCode, plain)
			got := volatileRE.ReplaceAll(body, []byte(`"query_id":"QUERY_ID"`))
			path := filepath.Join("testdata", "golden", tt.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("response differs from %s (run with -update to accept)\n got %s\nwant %s", path, got, want)
			}
		})
	}
}

// TestHostileInput sends inputs meant to break the server: every answer
// must be a JSON envelope with the expected status, never a 500.
func TestHostileInput(t *testing.T) {
	long := strings.Repeat("A", 10<<10)
	tests := []struct {
		name, query string
		code        int
		mention     string // the error message must contain it
	}{
		{"slash zero v4", "resource=0.0.0.0/0", 200, ""},
		{"slash zero v6", "resource=::/0", 200, ""},
		{"asn too big", "resource=AS4294967296", 400, "'resource'"},
		{"asn huge", "resource=AS99999999999999999999999", 400, "out of range"},
		{"asdot too big", "resource=AS65536.1", 400, "asdot"},
		{"garbage utf8", "resource=%ff%fe%80", 400, "'resource'"},
		{"garbage utf8 string", "resource=3333&note=%ff%fe", 400, "'note'"},
		{"nul in resource", "resource=AS33%0033", 400, "'resource'"},
		{"nul in string", "resource=3333&note=a%00b", 400, "control"},
		{"10 kB resource", "resource=" + long, 400, "'resource'"},
		{"10 kB string", "resource=3333&note=" + long, 400, "'note'"},
		{"10 kB unknown param ignored", "resource=3333&x=" + long, 200, ""},
		{"query over 16 kB", "resource=3333&x=" + strings.Repeat("A", 17<<10), 414, "longer than"},
		{"reversed times", "resource=3333&starttime=2026-01-02&endtime=2026-01-01", 400, "'starttime'"},
		{"huge range", "resource=3333&starttime=0&endtime=253402300799", 400, "longer than"},
		{"time past 9999", "resource=3333&endtime=253402300800", 400, "'endtime'"},
		{"time 20 digits", "resource=3333&endtime=99999999999999999999", 400, "'endtime'"},
		{"negative time", "resource=3333&endtime=-1", 400, "'endtime'"},
		{"time before 1970", "resource=3333&starttime=1969-12-31&endtime=1970-01-02", 400, "before 1970"},
		{"bad date", "resource=3333&endtime=2026-02-30", 400, "'endtime'"},
		{"int overflow", "resource=3333&min_peers_seeing=99999999999999999999", 400, "'min_peers_seeing'"},
		{"int negative", "resource=3333&min_peers_seeing=-1", 400, "'min_peers_seeing'"},
		{"int list too long", "resource=3333&rrcs=" + strings.Repeat("1,", 100) + "1", 400, "'rrcs'"},
		{"bool garbage", "resource=3333&unix_timestamps=maybe", 400, "'unix_timestamps'"},
		{"enum garbage", "resource=3333&sort_by=%3Cscript%3E", 400, "'sort_by'"},
		{"bad escape value", "resource=%zz", 400, "'resource'"},
		{"bad escape name", "%zz=1&resource=3333", 400, "malformed"},
		{"callback injection", "resource=3333&callback=alert(1)//", 400, "'callback'"},
		{"callback too long", "resource=3333&callback=" + strings.Repeat("a", 200), 400, "'callback'"},
		{"sourceapp with NUL", "resource=3333&sourceapp=a%00b", 400, "'sourceapp'"},
		{"preferred_version garbage", "resource=3333&preferred_version=latest!", 400, "'preferred_version'"},
		{"empty pairs and separators", "&&;;=;resource=3333;;&", 200, ""},
		{"repeated parameter, last wins", "resource=nonsense&resource=3333", 200, ""},
		{"resource list where one is wanted", "resource=3333,3334", 400, "'resource'"},
		{"zone in address", "resource=fe80::1%25eth0", 400, "zone"},
		{"prefix length 33", "resource=1.2.3.0/33", 400, "'resource'"},
		{"prefix length garbage", "resource=1.2.3.0/2x", 400, "'resource'"},
		{"unresolvable host", "resource=nxdomain.example.net", 400, "does not resolve"},
		{"handler says bad", "resource=3333&note=bad", 400, "narrower"},
		{"data not an object", "resource=3333&note=array", 500, "Internal"},
		{"wrong accessor is a bug", "resource=3333&note=wrongparam", 500, "Internal"},
	}
	env := newTestEnv(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := env.get(t, "/data/test-echo/data.json?"+tt.query)
			if resp.StatusCode != tt.code {
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tt.code, body)
			}
			e := readEnvelope(t, resp)
			if msg := firstMessage(e); !strings.Contains(msg, tt.mention) {
				t.Errorf("message %q does not mention %q", msg, tt.mention)
			}
			if len(firstMessage(e)) > 400 {
				t.Errorf("message of %d bytes: the input should be shortened", len(firstMessage(e)))
			}
		})
	}
}

// TestInternalErrorsHidden checks that a backend error's text is logged
// with the query id and not shown to the client.
func TestInternalErrorsHidden(t *testing.T) {
	env := newTestEnv(t, nil)
	resp := env.get(t, "/data/test-echo/data.json?resource=3333&note=fail")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	e := checkEnvelope(t, 500, body)
	if bytes.Contains(body, []byte("secret")) {
		t.Errorf("internal error text reached the client: %s", body)
	}
	log := env.log.String()
	if !strings.Contains(log, "backend exploded") || !strings.Contains(log, e["query_id"].(string)) {
		t.Errorf("log lacks the error or the query id:\n%s", log)
	}
}

// TestPanicRecovery checks that a panicking handler answers a 500
// envelope, logs the stack, and leaves the server working.
func TestPanicRecovery(t *testing.T) {
	env := newTestEnv(t, func(o *Options) { o.MaxPerClient = 1 })
	for range 3 { // the slot must be released after each panic
		resp := env.get(t, "/data/test-echo/data.json?resource=3333&note=panic")
		if resp.StatusCode != 500 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		readEnvelope(t, resp)
	}
	if !strings.Contains(env.log.String(), "assignment to entry in nil map") || !strings.Contains(env.log.String(), "goroutine") {
		t.Errorf("panic and stack not logged:\n%.2000s", env.log.String())
	}
	if resp := env.get(t, "/data/test-echo/data.json?resource=3333"); resp.StatusCode != 200 {
		t.Fatalf("after panics: status %d", resp.StatusCode)
	}
}

// TestRoutes checks the URL forms and what is refused.
func TestRoutes(t *testing.T) {
	env := newTestEnv(t, nil)
	tests := []struct {
		method, target string
		code           int
		call           string // data_call_name expected
	}{
		{"GET", "/data/test-snap/data.json?resource=3333", 200, "test-snap"},
		{"GET", "/data/test-snap/?resource=3333", 200, "test-snap"},
		{"GET", "/data/test-snap?resource=3333", 200, "test-snap"},
		{"GET", "/plugin/test-snap/data.json?resource=3333", 200, "test-snap"},
		{"HEAD", "/data/test-snap/data.json?resource=3333", 200, ""},
		{"GET", "/data/test-snap/data.yaml?resource=3333", 400, "test-snap"},
		{"GET", "/data/test-snap/other.txt", 404, "test-snap"},
		{"GET", "/data/nosuch/data.json", 404, "nosuch"},
		{"GET", "/plugin/nosuch/data.json", 404, "nosuch"},
		{"GET", "/data/", 404, ""},
		{"GET", "/elsewhere", 404, ""},
		{"GET", "/data/test-snap/meta/nosuch", 404, "test-snap"},
		{"POST", "/data/test-snap/data.json", 405, ""},
		{"PUT", "/plugin/test-snap/data.json", 405, ""},
		{"DELETE", "/data/test-snap/meta/availability", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			resp := env.do(t, tt.method, tt.target, nil)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.code)
			}
			if tt.method == "HEAD" {
				return
			}
			e := readEnvelope(t, resp)
			if tt.call != "" && e["data_call_name"] != tt.call {
				t.Errorf("data_call_name %q, want %q", e["data_call_name"], tt.call)
			}
			if tt.code == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

// TestJSONP checks the callback form and its content type.
func TestJSONP(t *testing.T) {
	env := newTestEnv(t, nil)
	resp := env.get(t, "/data/test-snap/data.json?resource=3333&callback=$cb_1")
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/javascript; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !bytes.HasPrefix(body, []byte("$cb_1({")) || !bytes.HasSuffix(body, []byte("});\n")) {
		t.Fatalf("not a JSON-P call: %s", body)
	}
	checkEnvelope(t, 200, body[len("$cb_1("):len(body)-len(");\n")])

	// Errors are wrapped too, so a script-tag client sees them...
	resp = env.get(t, "/data/test-snap/data.json?callback=cb")
	body, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !bytes.HasPrefix(body, []byte("cb({")) {
		t.Fatalf("error not wrapped: %d %s", resp.StatusCode, body)
	}
	// ...except a bad callback, which is refused as plain JSON.
	for _, cb := range []string{"a-b", "1a", "a..b", "a.", "x%3Balert(1)", "a%20b", "%E2%80%A8"} {
		resp = env.get(t, "/data/test-snap/data.json?resource=3333&callback="+cb)
		if resp.StatusCode != 400 {
			t.Errorf("callback %q: status %d", cb, resp.StatusCode)
			continue
		}
		if !strings.Contains(firstMessage(readEnvelope(t, resp)), "'callback'") {
			t.Errorf("callback %q: message does not name the parameter", cb)
		}
	}
}

// TestHistoricalCaching checks ETag, Cache-Control, If-None-Match and the
// response cache for a query about the past, and their absence for one
// about now.
func TestHistoricalCaching(t *testing.T) {
	env := newTestEnv(t, nil)
	const past = "/data/test-echo/data.json?resource=AS3333&starttime=2025-12-01&endtime=2026-01-01"
	first := env.get(t, past)
	etag := first.Header.Get("ETag")
	if !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("ETag %q", etag)
	}
	if cc := first.Header.Get("Cache-Control"); cc != "public, max-age=604800" {
		t.Errorf("Cache-Control %q", cc)
	}
	e1 := readEnvelope(t, first)
	if e1["cached"] != false {
		t.Error("first answer marked cached")
	}
	// The same query spelled differently is the same answer, from cache.
	second := env.get(t, "/data/test-echo/data.json?endtime=1767225600&resource=3333&starttime=2025-12-01T00:00:00Z&sourceapp=test")
	if second.Header.Get("ETag") != etag {
		t.Errorf("ETag %q, want %q", second.Header.Get("ETag"), etag)
	}
	e2 := readEnvelope(t, second)
	if e2["cached"] != true {
		t.Error("second answer not cached")
	}
	if env.handled() != 1 {
		t.Errorf("handler ran %d times, want 1", env.handled())
	}
	if e2["query_id"] == e1["query_id"] {
		t.Error("cached answer reuses the query id")
	}
	// If-None-Match answers 304 without running the handler.
	for _, inm := range []string{etag, strings.TrimPrefix(etag, "W/"), `"other", ` + etag, "*"} {
		resp := env.do(t, "GET", past, http.Header{"If-None-Match": {inm}})
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %s: status %d", inm, resp.StatusCode)
		}
		if resp.Header.Get("ETag") != etag {
			t.Errorf("304 without the ETag")
		}
	}
	if resp := env.do(t, "GET", past, http.Header{"If-None-Match": {`W/"different"`}}); resp.StatusCode != 200 {
		t.Errorf("stale If-None-Match: status %d", resp.StatusCode)
	}
	// JSON-P has its own ETag.
	if resp := env.get(t, past+"&callback=cb"); resp.Header.Get("ETag") == etag || resp.Header.Get("ETag") == "" {
		t.Errorf("JSON-P ETag %q", resp.Header.Get("ETag"))
	}
	// A query reaching into the last hour is not historical.
	calls := env.handled()
	for range 2 {
		resp := env.get(t, "/data/test-echo/data.json?resource=3333&endtime=2026-01-10T09:00:00")
		if resp.Header.Get("ETag") != "" {
			t.Error("current query has an ETag")
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=60" {
			t.Errorf("Cache-Control %q", cc)
		}
		if e := readEnvelope(t, resp); e["cached"] != false {
			t.Error("current query cached")
		}
	}
	if env.handled() != calls+2 {
		t.Errorf("current queries ran the handler %d times, want 2", env.handled()-calls)
	}
	// Errors are never cached.
	resp := env.get(t, "/data/test-echo/data.json?resource=3333&starttime=2025-12-01&endtime=2026-01-01&note=fail")
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("ETag") != "" {
		t.Errorf("error headers: %v", resp.Header)
	}
}

// TestGzip checks compression of large answers only.
func TestGzip(t *testing.T) {
	env := newTestEnv(t, nil)
	resp := env.do(t, "GET", "/data/test-echo/data.json?resource=3333&note=big", http.Header{"Accept-Encoding": {"gzip"}})
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("large answer not compressed: %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	e := checkEnvelope(t, 200, body)
	if n := e["data"].(map[string]any)["count"]; n != json.Number("5000") {
		t.Errorf("count %v", n)
	}
	small := env.do(t, "GET", "/data/test-snap/data.json", http.Header{"Accept-Encoding": {"gzip"}})
	if small.Header.Get("Content-Encoding") != "" {
		t.Error("small error answer compressed")
	}
	readEnvelope(t, small)
}

// TestCORS checks that every answer may be read cross-origin.
func TestCORS(t *testing.T) {
	env := newTestEnv(t, nil)
	for _, target := range []string{"/data/test-snap/data.json?resource=3333", "/data/test-snap/data.json", "/data/nosuch/data.json"} {
		resp := env.do(t, "GET", target, http.Header{"Origin": {"https://noc.example"}})
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", target, got)
		}
	}
	pre := env.do(t, "OPTIONS", "/data/test-snap/data.json", http.Header{"Origin": {"https://noc.example"}, "Access-Control-Request-Method": {"GET"}})
	if pre.StatusCode != http.StatusNoContent || pre.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", pre.StatusCode, pre.Header)
	}
}

// TestConcurrencyLimit holds a client's requests in the handler and
// checks that one more is refused with 429 while another client is
// served, and that the slots come back.
func TestConcurrencyLimit(t *testing.T) {
	env := newTestEnv(t, func(o *Options) { o.MaxPerClient = 2 })
	const blocked = "/data/test-echo/data.json?resource=3333&note=block"
	results := make(chan int, 2)
	for range 2 {
		go func() {
			resp := env.get(t, blocked)
			results <- resp.StatusCode
		}()
	}
	<-env.gate.entered
	<-env.gate.entered
	resp := env.get(t, "/data/test-echo/data.json?resource=3333")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third request: status %d, want 429", resp.StatusCode)
	}
	if msg := firstMessage(readEnvelope(t, resp)); !strings.Contains(msg, "at most 2") {
		t.Errorf("message %q", msg)
	}
	other := env.do(t, "GET", "/data/test-echo/data.json?resource=3333", http.Header{"X-Test-Client": {"198.51.100.7"}})
	if other.StatusCode != 200 {
		t.Errorf("other client: status %d", other.StatusCode)
	}
	close(env.gate.release)
	for range 2 {
		if code := <-results; code != 200 {
			t.Errorf("blocked request: status %d", code)
		}
	}
	if resp := env.get(t, "/data/test-echo/data.json?resource=3333"); resp.StatusCode != 200 {
		t.Errorf("after release: status %d", resp.StatusCode)
	}
}

// TestTimeout checks that a handler that ignores its context is answered
// with 504 at the timeout and keeps the client's slot until it returns.
func TestTimeout(t *testing.T) {
	env := newTestEnv(t, func(o *Options) { o.MaxPerClient = 1; o.Timeout = 20 * time.Millisecond })
	// A handler that honours its context returns at the timeout.
	resp := env.get(t, "/data/test-echo/data.json?resource=3333&note=block")
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("blocking handler: status %d", resp.StatusCode)
	}
	readEnvelope(t, resp)
	env.waitOK(t, "/data/test-echo/data.json?resource=3333") // its slot is released as it returns
	// One that does not still gets its 504 at the timeout.
	resp = env.get(t, "/data/test-echo/data.json?resource=3333&note=slow")
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("status %d, want 504", resp.StatusCode)
	}
	readEnvelope(t, resp)
	if resp := env.get(t, "/data/test-echo/data.json?resource=3333"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("while the slow handler runs: status %d, want 429", resp.StatusCode)
	}
	close(env.gate.release)
	env.waitOK(t, "/data/test-echo/data.json?resource=3333")
}

// waitOK repeats a request until it succeeds (a slot held by a handler
// that outlived its timeout comes back when the handler returns).
func (e *testEnv) waitOK(t *testing.T, target string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := e.get(t, target)
		if resp.StatusCode == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still status %d", target, resp.StatusCode)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestOverloadGuard checks Query.Overloaded: browser requests get the
// trimmed answer and a warning unless they ask for the full one.
func TestOverloadGuard(t *testing.T) {
	env := newTestEnv(t, nil)
	const target = "/data/test-echo/data.json?resource=3333&note=overload"
	browser := http.Header{"Referer": {"https://noc.example/"}}
	tests := []struct {
		name    string
		target  string
		hdr     http.Header
		trimmed bool
	}{
		{"script", target, nil, false},
		{"browser", target, browser, true},
		{"browser ignore", target + "&data_overload_limit=ignore", browser, false},
		{"browser soft_limit ignore", target + "&soft_limit=IGNORE", browser, false},
		{"browser other value", target + "&data_overload_limit=yes", browser, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := env.do(t, "GET", tt.target, tt.hdr)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			e := readEnvelope(t, resp)
			count := e["data"].(map[string]any)["count"]
			msgs := e["messages"].([]any)
			if tt.trimmed {
				if count != json.Number("0") || len(msgs) != 1 || msgs[0].([]any)[0] != "warning" || !strings.Contains(firstMessage(e), "data_overload_limit=ignore") {
					t.Errorf("not trimmed with a warning: count %v, messages %v", count, msgs)
				}
			} else if count != json.Number("100") || len(msgs) != 0 {
				t.Errorf("trimmed: count %v, messages %v", count, msgs)
			}
		})
	}
}
