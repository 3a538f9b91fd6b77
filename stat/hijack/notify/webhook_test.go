package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// reply is one scripted answer of a hookServer.
type reply struct {
	status     int
	retryAfter string
	location   string
	body       string
	hangUp     bool          // close the connection without answering
	delay      time.Duration // answer only after this long (or the client gave up)
}

// request is what a hookServer received.
type request struct {
	method string
	path   string
	header http.Header
	body   []byte
	at     time.Time
}

// hookServer answers with its script in order, then 200 OK, and records
// the requests.
type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	script []reply
	reqs   []request
}

func newHookServer(t *testing.T, script ...reply) *hookServer {
	h := &hookServer{script: script}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.reqs = append(h.reqs, request{r.Method, r.URL.Path, r.Header.Clone(), body, time.Now()})
		rp := reply{status: http.StatusOK}
		if len(h.script) > 0 {
			rp, h.script = h.script[0], h.script[1:]
		}
		h.mu.Unlock()
		if rp.delay > 0 {
			select {
			case <-time.After(rp.delay):
			case <-r.Context().Done():
				return
			}
		}
		if rp.hangUp {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
			return
		}
		if rp.retryAfter != "" {
			w.Header().Set("Retry-After", rp.retryAfter)
		}
		if rp.location != "" {
			w.Header().Set("Location", rp.location)
		}
		w.WriteHeader(rp.status)
		io.WriteString(w, rp.body)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) requests() []request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]request(nil), h.reqs...)
}

// fastRetry is a retry policy for tests: same attempts, short waits.
var fastRetry = retryPolicy{attempts: 3, backoff: time.Millisecond, maxAfter: 30 * time.Second}

func TestWebhookPayload(t *testing.T) {
	h := newHookServer(t)
	w, err := NewWebhook(WebhookConfig{
		Name: "noc-hook", URL: h.URL + "/hooks/routestat",
		Headers: map[string]string{"Authorization": "Bearer s3cret", "X-Team": "noc"},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := youtube()
	if err := w.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	reqs := h.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/hooks/routestat" {
		t.Errorf("request %s %s, want POST /hooks/routestat", r.method, r.path)
	}
	for k, want := range map[string]string{"Authorization": "Bearer s3cret", "X-Team": "noc", "Content-Type": "application/json"} {
		if got := r.header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	var got map[string]any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	want := map[string]any{
		"event": "opened", "incident_id": "inc-2008-02-24-1", "group": "noc", "severity": "critical",
		"title": n.Title, "why": n.Why, "link": n.Link, "time": "2008-02-24T18:47:45Z",
		"incident": map[string]any{
			"id": "inc-2008-02-24-1", "prefix": "208.65.153.0/24", "offending_as": 17557.0,
			"peers": []any{3356.0, 1299.0},
		},
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("body\n got %s\nwant %s", g, w)
	}
}

// mustJSON renders v canonically (maps sorted by key).
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWebhookDefaultGroupAndMethod(t *testing.T) {
	h := newHookServer(t)
	w, err := NewWebhook(WebhookConfig{Name: "put", URL: h.URL, Method: http.MethodPut})
	if err != nil {
		t.Fatal(err)
	}
	n := youtube()
	n.Group = ""
	n.Time = time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	if err := w.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	r := h.requests()[0]
	var got struct{ Group, Time string }
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if r.method != http.MethodPut || got.Group != "default" || got.Time != "2024-05-01T10:00:00Z" {
		t.Errorf("method %s group %q time %q, want PUT default 2024-05-01T10:00:00Z", r.method, got.Group, got.Time)
	}
}

func TestWebhookRetries(t *testing.T) {
	long := strings.Repeat("x", 150) + strings.Repeat("y", 150)
	tests := []struct {
		name      string
		script    []reply
		maxAfter  time.Duration
		wantReqs  int
		wantErr   []string // substrings of the error; none: success
		minGap    time.Duration
		maxGap    time.Duration // between the first and last request
		notInErrs []string
	}{
		{name: "500 then success", script: []reply{{status: 500}}, wantReqs: 2},
		{name: "503 twice then success", script: []reply{{status: 503}, {status: 502}}, wantReqs: 3},
		{name: "network error then success", script: []reply{{hangUp: true}}, wantReqs: 2},
		{name: "attempt timeout then success", script: []reply{{delay: 5 * time.Second}}, wantReqs: 2, maxGap: 3 * time.Second},
		{name: "429 honours Retry-After", script: []reply{{status: 429, retryAfter: "1"}}, wantReqs: 2, minGap: time.Second},
		{
			name: "Retry-After is capped", script: []reply{{status: 503, retryAfter: "3600"}},
			maxAfter: 10 * time.Millisecond, wantReqs: 2, maxGap: 3 * time.Second,
		},
		{
			name: "Retry-After as a date", script: []reply{{status: 503, retryAfter: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}},
			maxAfter: 10 * time.Millisecond, wantReqs: 2, maxGap: 3 * time.Second,
		},
		{
			name:     "final failure quotes status and 200 bytes of body",
			script:   []reply{{status: 500, body: long}, {status: 500, body: long}, {status: 500, body: long}},
			wantReqs: 3,
			wantErr: []string{`webhook "hook"`, "POST http://127.0.0.1", "500 Internal Server Error",
				`"` + long[:200] + `"`},
			notInErrs: []string{long[:201], "/hooks/s3cret"},
		},
		{
			name: "a redirect is an error, not followed", script: []reply{{status: 301, location: "/moved"}}, wantReqs: 1,
			wantErr: []string{"301 Moved Permanently"},
		},
		{
			name: "4xx is not retried", script: []reply{{status: 404, body: "no such hook"}}, wantReqs: 1,
			wantErr: []string{"404 Not Found", `"no such hook"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHookServer(t, tc.script...)
			w, err := NewWebhook(WebhookConfig{Name: "hook", URL: h.URL + "/hooks/s3cret", Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			w.p.retry = fastRetry
			if tc.maxAfter > 0 {
				w.p.retry.maxAfter = tc.maxAfter
			}
			err = w.Send(context.Background(), youtube())
			reqs := h.requests()
			if len(reqs) != tc.wantReqs {
				t.Errorf("got %d requests, want %d", len(reqs), tc.wantReqs)
			}
			switch {
			case len(tc.wantErr) == 0 && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case len(tc.wantErr) > 0 && err == nil:
				t.Fatalf("no error, want one containing %q", tc.wantErr)
			}
			for _, s := range tc.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			for _, s := range tc.notInErrs {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains %q", err, s)
				}
			}
			if len(reqs) < 2 {
				return
			}
			gap := reqs[len(reqs)-1].at.Sub(reqs[0].at)
			if gap < tc.minGap {
				t.Errorf("retried after %v, want at least %v", gap, tc.minGap)
			}
			if tc.maxGap > 0 && gap > tc.maxGap {
				t.Errorf("retried after %v, want at most %v", gap, tc.maxGap)
			}
		})
	}
}

func TestWebhookContextEndsRetries(t *testing.T) {
	h := newHookServer(t, reply{status: 503, retryAfter: "30"})
	w, err := NewWebhook(WebhookConfig{Name: "hook", URL: h.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for deadline := time.Now().Add(waitTimeout); len(h.requests()) == 0 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	err = w.Send(ctx, youtube())
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("error %v, want the 503 and the cancellation", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send returned after %v, want promptly after cancellation", d)
	}
}

func TestWebhookIncidentNotEncodable(t *testing.T) {
	h := newHookServer(t)
	w, err := NewWebhook(WebhookConfig{Name: "hook", URL: h.URL})
	if err != nil {
		t.Fatal(err)
	}
	n := youtube()
	n.Incident = map[string]any{"bad": make(chan int)}
	if err := w.Send(context.Background(), n); err == nil || !strings.Contains(err.Error(), "encoding incident") {
		t.Errorf("error %v, want one about encoding the incident", err)
	}
	if len(h.requests()) != 0 {
		t.Error("sent a request for an unencodable incident")
	}
}
