package api

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

func FuzzParseResource(f *testing.F) {
	for _, s := range []string{"AS3333", "as0.3333", "3333", "193/23", "1.2.3/24", "193.0.6.139/21", "2001:db8::/32", "::ffff:1.2.3.4", "fe80::1%eth0", "nl", "www.ripe.net.", "AS4294967296", "0.0.0.0/0", "1.2.3.0/08", "\xff"} {
		f.Add(s, uint8(ResNetwork|ResHostname|ResCountry))
	}
	f.Fuzz(func(t *testing.T, s string, accept uint8) {
		k := ResourceKind(accept) & (ResNetwork | ResHostname | ResCountry)
		r, err := ParseResource(s, k)
		if err != nil {
			return
		}
		if r.Kind&k == 0 || r.Kind&(r.Kind-1) != 0 {
			t.Fatalf("ParseResource(%q, %v): kind %v", s, k, r.Kind)
		}
		// The echoed form parses back to the same resource.
		back, err := ParseResource(r.String(), r.Kind)
		if err != nil {
			t.Fatalf("ParseResource(%q) = %q, which does not parse: %v", s, r.String(), err)
		}
		back.HostBitsCleared = r.HostBitsCleared
		if back.String() != r.String() || back.Kind != r.Kind {
			t.Fatalf("ParseResource(%q) = %q, which parses as %q", s, r.String(), back.String())
		}
		if r.Kind == ResPrefix && r.Prefix != r.Prefix.Masked() {
			t.Fatalf("prefix %v not masked", r.Prefix)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"1442124000", "2011-12-12T12:00", "2020-12-21T12:00:00", "2020-12-21 12:00:00.5", "2020-12-21T12:00:00+02:00", "2020-12-21", "253402300799", "1969-12-31T23:59:59Z", "9999-12-31T23:00:00-02:00"} {
		f.Add(s)
	}
	min, max := time.Unix(0, 0), time.Unix(maxUnix, 0)
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			return
		}
		if tm.Location() != time.UTC || tm.Before(min) || tm.After(max.Add(time.Second)) {
			t.Fatalf("ParseTime(%q) = %v: outside 1970..9999 or not UTC", s, tm)
		}
		back, err := ParseTime(FormatTime(tm))
		if err != nil || !back.Equal(tm.Truncate(time.Second)) {
			t.Fatalf("ParseTime(%q) = %v; its formatted form %q parses as %v, %v", s, tm, FormatTime(tm), back, err)
		}
	})
}

// intended500 are the test-echo notes whose 500 is the point.
var intended500 = map[string]bool{"panic": true, "fail": true, "array": true, "wrongparam": true}

// FuzzHandler sends arbitrary call names and query strings: the answer is
// always a JSON (or JSON-P) envelope, never a 500 unless the test call was
// asked for one, and never a panic.
func FuzzHandler(f *testing.F) {
	for _, s := range []struct{ call, query string }{
		{"test-echo", "resource=AS3333&starttime=2025-12-01&endtime=2026-01-01"},
		{"test-echo", "resource=www.example.net;rrcs=0,4;callback=cb.x"},
		{"test-echo", "resource=0.0.0.0/0&meta=availability&preferred_version=2.9"},
		{"test-echo", "resource=%ff%00&note=a%00b&sort_by=COUNT"},
		{"test-snap", "resource=as0.3333&timestamp=2026-01-09T13:14:15Z"},
		{"test-snap", "resource=3333&callback=a..b"},
		{"nosuch", "resource=3333"},
		{"test-echo", "starttime=2026-01-02&endtime=2026-01-01&resource=1"},
	} {
		f.Add(s.call, s.query)
	}
	env := newTestEnv(f, func(o *Options) {
		o.Timeout = 100 * time.Millisecond
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) // millions of requests
	})
	close(env.gate.release) // "block" and "slow" return at once
	f.Fuzz(func(t *testing.T, call, query string) {
		req := &http.Request{
			Method:     http.MethodGet,
			URL:        &url.URL{Path: "/data/" + call + "/data.json", RawQuery: query},
			Header:     http.Header{"Referer": {"https://noc.example/"}},
			RemoteAddr: "192.0.2.1:1",
			Host:       "stat.example",
		}
		req = req.WithContext(t.Context())
		rec := httptest.NewRecorder()
		env.srv.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Result().Body)
		raw, _ := splitQuery(query)
		if rec.Code == http.StatusInternalServerError && !intended500[raw["note"]] {
			t.Fatalf("500 for %q %q: %s", call, query, body)
		}
		if rec.Header().Get("Content-Type") == "application/javascript; charset=utf-8" {
			cb := raw["callback"]
			if checkCallback(cb) != nil || !bytes.HasPrefix(body, []byte(cb+"(")) || !bytes.HasSuffix(body, []byte(");\n")) {
				t.Fatalf("bad JSON-P for callback %q: %s", cb, body)
			}
			body = body[len(cb)+1 : len(body)-3]
		}
		checkEnvelope(t, rec.Code, body)
	})
}
