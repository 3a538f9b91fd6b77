package rislive

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/bus"
)

// TestStream checks the NDJSON firehose: the X-RIS-Subscribe filter, one
// envelope per line, and the answers to bad requests.
func TestStream(t *testing.T) {
	samples := loadSamples(t)
	ts := newTestServer(t, nil, Options{Buffer: len(samples) + 10})

	for _, tc := range []struct {
		url, header, want string
	}{
		{"/v1/stream/?format=xml", "", "format:"},
		{"/v1/stream/?format=json", `{"prefix":"1.2.3.0/33"}`, "X-RIS-Subscribe: prefix:"},
		{"/v1/stream/?format=json", `{"path":`, "X-RIS-Subscribe: data:"},
	} {
		req, _ := http.NewRequest("GET", ts.srv.URL+tc.url, nil)
		if tc.header != "" {
			req.Header.Set(subscribeHeader, tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Type string
			Data struct{ Message string }
		}
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || e.Type != "ris_error" || !strings.HasPrefix(e.Data.Message, tc.want) {
			t.Errorf("%s with %q: %d %+v, want 400 and a ris_error starting %q", tc.url, tc.header, resp.StatusCode, e, tc.want)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.srv.URL+"/v1/stream?format=json&client=firehose-test", nil)
	req.Header.Set(subscribeHeader, `{"prefix":["2804::/16","200.0.0.0/8"],"type":"UPDATE","socketOptions":{"includeRaw":true}}`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("%s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	waitFor(t, "the stream client", func() bool { return ts.metric("subscribers", "stream") == 1 })

	evs := publishSamples(ts.bus, samples)
	sentinel := testEvent("rrc00", "192.0.2.1", 64500, buildUpdate(route{wd: []string{"200.1.2.0/24"}}))
	ts.bus.Publish(sentinel)

	var want []*bus.Event
	for i, s := range samples {
		if s.data["type"] != "UPDATE" {
			continue
		}
		for _, p := range prefixes(s.data) {
			if s := p.String(); strings.HasPrefix(s, "2804:") || strings.HasPrefix(s, "200.") {
				want = append(want, evs[i])
				break
			}
		}
	}
	if len(want) < 100 {
		t.Fatalf("only %d samples match", len(want))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for n := 0; ; n++ {
		if !sc.Scan() {
			t.Fatalf("stream ended after %d lines: %v", n, sc.Err())
		}
		var e envelopeIn
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Type != "ris_message" {
			t.Fatalf("line %d: %v %s", n, err, sc.Bytes())
		}
		m := checkTypes(t, e.Data)
		if m.ID == wantID(sentinel) {
			if n != len(want) {
				t.Fatalf("%d lines before the sentinel, want %d", n, len(want))
			}
			break
		}
		if n >= len(want) || m.ID != wantID(want[n]) || m.Raw == "" {
			t.Fatalf("line %d: %s", n, sc.Bytes())
		}
	}
	cancel()
	waitFor(t, "the stream client to go", func() bool { return ts.metric("subscribers", "stream") == 0 })
	if got := ts.metric("sent", "stream"); got != float64(len(want)+1) {
		t.Errorf("sent %v, want %d", got, len(want)+1)
	}
}

// TestClose checks that Close ends open connections and refuses new
// ones.
func TestClose(t *testing.T) {
	ts := newTestServer(t, nil, Options{})
	c := dial(t, ts, "closing")
	c.send("ping", nil)
	c.expect("pong")
	done := make(chan struct{})
	go func() {
		ts.h.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	if _, err := c.tryRead(5 * time.Second); err == nil || !strings.Contains(err.Error(), "1001") {
		t.Fatalf("read after Close: %v, want close 1001", err)
	}
	resp, err := http.Get(ts.srv.URL + "/v1/stream/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("stream after Close: %s", resp.Status)
	}
}
