package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/net/http/httpguts"
)

// DefaultTimeout bounds one HTTP request, one SMTP session or one syslog
// connection attempt and write when a channel's config sets no timeout.
const DefaultTimeout = 10 * time.Second

// retryPolicy says how an HTTP channel retries.
type retryPolicy struct {
	attempts int           // attempts in all, the first included
	backoff  time.Duration // wait before the second attempt, doubled after each
	maxAfter time.Duration // cap on a server's Retry-After
}

// defaultRetry is the retry policy of the HTTP channels.
var defaultRetry = retryPolicy{attempts: 3, backoff: 500 * time.Millisecond, maxAfter: 30 * time.Second}

// httpClient is the HTTP channels' client. It does not follow redirects:
// following one would turn a POST into a GET that "succeeds", so a
// moved hook is reported as an error instead.
var httpClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// errBodyLimit is how much of a failed answer's body an error quotes.
const errBodyLimit = 200

// poster sends JSON bodies to one URL, retrying on network errors, 429
// and 5xx answers.
type poster struct {
	client  *http.Client
	method  string
	url     string
	target  string // scheme://host of url, for errors: the path may be a secret
	headers http.Header
	timeout time.Duration
	retry   retryPolicy
}

// newPoster checks the URL, method and headers of an HTTP channel.
func newPoster(rawURL, method string, headers map[string]string, timeout time.Duration) (*poster, error) {
	if rawURL == "" {
		return nil, errors.New("url: required")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("url: %q is not an absolute http or https URL", u.Redacted())
	}
	switch method {
	case "":
		method = http.MethodPost
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil, fmt.Errorf("method: %q is not POST, PUT or PATCH", method)
	}
	h := http.Header{}
	for k, v := range headers {
		if !httpguts.ValidHeaderFieldName(k) {
			return nil, fmt.Errorf("headers: %q is not a valid header name", k)
		}
		if !httpguts.ValidHeaderFieldValue(v) {
			return nil, fmt.Errorf("headers: the value of %q is not a valid header value", k)
		}
		h.Set(k, v)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", "routestat-hijack-notify")
	}
	if timeout < 0 {
		return nil, fmt.Errorf("timeout: %v is negative", timeout)
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	return &poster{
		client: httpClient, method: method, url: u.String(),
		target: u.Scheme + "://" + u.Host, headers: h, timeout: timeout, retry: defaultRetry,
	}, nil
}

// post sends body, retrying as the policy says, and returns the last
// error.
func (p *poster) post(ctx context.Context, body []byte) error {
	wait := p.retry.backoff
	for attempt := 1; ; attempt++ {
		after, err := p.once(ctx, body)
		if err == nil {
			return nil
		}
		if after < 0 || attempt >= p.retry.attempts {
			return err
		}
		if after == 0 {
			after = wait
		}
		wait *= 2
		t := time.NewTimer(after)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up waiting to retry: %w)", err, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// once makes one attempt. On failure it says whether to retry: after < 0
// means never, 0 after the policy's backoff, > 0 after that long (the
// server's Retry-After, capped).
func (p *poster) once(parent context.Context, body []byte) (after time.Duration, err error) {
	ctx, cancel := context.WithTimeout(parent, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, bytes.NewReader(body))
	if err != nil {
		return -1, fmt.Errorf("%s %s: %w", p.method, p.target, err)
	}
	req.Header = p.headers.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		// The URL is in err, and its path may be a secret (Slack's is).
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		err = fmt.Errorf("%s %s: %w", p.method, p.target, err)
		if parent.Err() != nil {
			return -1, err // the caller gave up: do not retry
		}
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Read a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return 0, nil
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, errBodyLimit))
	err = fmt.Errorf("%s %s: %s: %q", p.method, p.target, resp.Status, msg)
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
		return -1, err
	}
	return p.retryAfter(resp.Header.Get("Retry-After")), err
}

// retryAfter parses a Retry-After header (seconds or an HTTP date) and
// caps it; 0 means none.
func (p *poster) retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	if d <= 0 {
		return 0
	}
	return min(d, p.retry.maxAfter)
}

// WebhookConfig configures a Webhook.
type WebhookConfig struct {
	// Name names the channel in logs, errors and metrics.
	Name string
	// URL receives the notifications (http or https).
	URL string
	// Method is POST (default), PUT or PATCH.
	Method string
	// Headers are added to every request, e.g. Authorization.
	Headers map[string]string
	// Timeout bounds each attempt (default DefaultTimeout).
	Timeout time.Duration
}

// Webhook sends each notification as a JSON object over HTTP. It is safe
// for concurrent use.
type Webhook struct {
	name string
	p    *poster
}

// NewWebhook checks cfg and makes the channel.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	w, err := newWebhook(cfg)
	if err != nil {
		return nil, fmt.Errorf("webhook %q: %w", cfg.Name, err)
	}
	return w, nil
}

func newWebhook(cfg WebhookConfig) (*Webhook, error) {
	p, err := newPoster(cfg.URL, cfg.Method, cfg.Headers, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	return &Webhook{name: cfg.Name, p: p}, nil
}

// Name implements Channel.
func (w *Webhook) Name() string { return w.name }

// webhookBody is the JSON a Webhook sends.
type webhookBody struct {
	Event      string `json:"event"`
	IncidentID string `json:"incident_id"`
	Group      string `json:"group"`
	Severity   string `json:"severity"`
	Title      string `json:"title"`
	Why        string `json:"why"`
	Link       string `json:"link"`
	Time       string `json:"time"`
	Incident   any    `json:"incident"`
}

// Send implements Channel: it posts n, retrying up to three times in all
// on network errors, 429 and 5xx answers.
func (w *Webhook) Send(ctx context.Context, n Notification) error {
	body, err := json.Marshal(webhookBody{
		Event: n.Event, IncidentID: n.IncidentID, Group: n.group(), Severity: n.Severity,
		Title: n.Title, Why: n.Why, Link: n.Link, Time: n.Time.UTC().Format(time.RFC3339),
		Incident: n.Incident,
	})
	if err != nil {
		return fmt.Errorf("webhook %q: encoding incident %s: %w", w.name, n.IncidentID, err)
	}
	if err := w.p.post(ctx, body); err != nil {
		return fmt.Errorf("webhook %q: %w", w.name, err)
	}
	return nil
}
