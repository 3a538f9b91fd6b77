package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestSlackMessage(t *testing.T) {
	h := newHookServer(t)
	s, err := NewSlack(SlackConfig{Name: "chat", URL: h.URL + "/services/T000/B000/XXXX"})
	if err != nil {
		t.Fatal(err)
	}
	n := youtube()
	n.Title = "Sub-prefix hijack of 208.65.152.0/22 by AS17557 <@channel> & co"
	n.Why = "AS17557 <!everyone> originates 208.65.153.0/24 > 208.65.152.0/22 & more"
	n.Group = "noc<>"
	if err := s.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(h.requests()[0].body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"text": "[routestat] opened: Sub-prefix hijack of 208.65.152.0/22 by AS17557 &lt;@channel&gt; &amp; co",
		"attachments": []any{map[string]any{
			"color":      colorRed,
			"title":      "Sub-prefix hijack of 208.65.152.0/22 by AS17557 &lt;@channel&gt; &amp; co",
			"title_link": n.Link,
			"text":       "AS17557 &lt;!everyone&gt; originates 208.65.153.0/24 &gt; 208.65.152.0/22 &amp; more",
			"fields": []any{
				map[string]any{"title": "Event", "value": "opened", "short": true},
				map[string]any{"title": "Severity", "value": "critical", "short": true},
				map[string]any{"title": "Group", "value": "noc&lt;&gt;", "short": true},
			},
			"ts": float64(n.Time.Unix()),
		}},
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("message\n got %s\nwant %s", g, w)
	}
}

func TestSlackColors(t *testing.T) {
	tests := []struct {
		event, severity, want string
	}{
		{EventOpened, SeverityCritical, colorRed},
		{EventOpened, SeverityHigh, colorRed},
		{EventReopened, SeverityHigh, colorRed},
		{EventUpdated, SeverityCritical, colorRed},
		{EventOpened, SeverityWarning, colorOrange},
		{EventOpened, SeverityInfo, colorGrey},
		{EventResolved, SeverityCritical, colorGreen},
		{EventAcknowledged, SeverityCritical, colorGrey},
		{EventFalsePositive, SeverityHigh, colorGrey},
		{EventTest, SeverityInfo, colorGrey},
	}
	for _, tc := range tests {
		n := Notification{Event: tc.event, Severity: tc.severity}
		if got := slackColor(&n); got != tc.want {
			t.Errorf("%s/%s: colour %s, want %s", tc.event, tc.severity, got, tc.want)
		}
	}
}

func TestSlackNoLinkRetriesAndErrors(t *testing.T) {
	h := newHookServer(t, reply{status: 500}, reply{status: 500}, reply{status: 500, body: "invalid_token"})
	s, err := NewSlack(SlackConfig{Name: "chat", URL: h.URL + "/services/T000/B000/s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	s.p.retry = fastRetry
	n := youtube()
	n.Link = ""
	err = s.Send(context.Background(), n)
	if err == nil || !strings.Contains(err.Error(), `slack "chat"`) || !strings.Contains(err.Error(), `"invalid_token"`) ||
		strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %v: want the channel, the body, and not the secret path", err)
	}
	reqs := h.requests()
	if len(reqs) != 3 {
		t.Fatalf("got %d requests, want 3", len(reqs))
	}
	if strings.Contains(string(reqs[0].body), "title_link") {
		t.Errorf("title_link sent without a link: %s", reqs[0].body)
	}

	// Then the hook recovers: 500 once, then success.
	h.mu.Lock()
	h.script = []reply{{status: 500}}
	h.mu.Unlock()
	if err := s.Send(context.Background(), n); err != nil {
		t.Errorf("after a 500 and a success: %v", err)
	}
	if got := len(h.requests()); got != 5 {
		t.Errorf("got %d requests in all, want 5", got)
	}
}
