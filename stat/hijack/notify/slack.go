package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Attachment colours of the Slack channel.
const (
	colorRed    = "#d32f2f"
	colorOrange = "#f57c00"
	colorGreen  = "#2e7d32"
	colorGrey   = "#9e9e9e"
)

// SlackConfig configures a Slack channel.
type SlackConfig struct {
	// Name names the channel in logs, errors and metrics.
	Name string
	// URL is the incoming webhook's URL (Slack or Mattermost).
	URL string
	// Timeout bounds each attempt (default DefaultTimeout).
	Timeout time.Duration
}

// Slack posts each notification to a Slack (or Mattermost) incoming
// webhook as a message with one coloured attachment. It is safe for
// concurrent use.
type Slack struct {
	name string
	p    *poster
}

// NewSlack checks cfg and makes the channel.
func NewSlack(cfg SlackConfig) (*Slack, error) {
	s, err := newSlack(cfg)
	if err != nil {
		return nil, fmt.Errorf("slack %q: %w", cfg.Name, err)
	}
	return s, nil
}

func newSlack(cfg SlackConfig) (*Slack, error) {
	p, err := newPoster(cfg.URL, "", nil, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	return &Slack{name: cfg.Name, p: p}, nil
}

// Name implements Channel.
func (s *Slack) Name() string { return s.name }

// slackMessage is the JSON of an incoming-webhook message.
type slackMessage struct {
	Text        string            `json:"text"`
	Attachments []slackAttachment `json:"attachments"`
}

// slackAttachment is the coloured block under a message.
type slackAttachment struct {
	Color     string       `json:"color"`
	Title     string       `json:"title"`
	TitleLink string       `json:"title_link,omitempty"`
	Text      string       `json:"text"`
	Fields    []slackField `json:"fields"`
	TS        int64        `json:"ts,omitempty"`
}

// slackField is one short "title: value" of an attachment.
type slackField struct {
	Title string `json:"title"`
	Value string `json:"value"`
	Short bool   `json:"short"`
}

// slackEscaper escapes the characters Slack's mrkdwn gives a meaning.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// slackColor is the attachment colour of n: green once resolved, grey
// for a person's verdict, otherwise by severity.
func slackColor(n *Notification) string {
	switch n.Event {
	case EventResolved:
		return colorGreen
	case EventAcknowledged, EventFalsePositive:
		return colorGrey
	}
	switch n.Severity {
	case SeverityCritical, SeverityHigh:
		return colorRed
	case SeverityWarning:
		return colorOrange
	}
	return colorGrey
}

// Send implements Channel, retrying like a Webhook.
func (s *Slack) Send(ctx context.Context, n Notification) error {
	e := slackEscaper.Replace
	msg := slackMessage{
		Text: fmt.Sprintf("[routestat] %s: %s", e(n.Event), e(n.Title)),
		Attachments: []slackAttachment{{
			Color: slackColor(&n), Title: e(n.Title), TitleLink: n.Link, Text: e(n.Why),
			Fields: []slackField{
				{Title: "Event", Value: e(n.Event), Short: true},
				{Title: "Severity", Value: e(n.Severity), Short: true},
				{Title: "Group", Value: e(n.group()), Short: true},
			},
		}},
	}
	if !n.Time.IsZero() {
		msg.Attachments[0].TS = n.Time.Unix()
	}
	body, _ := json.Marshal(msg) // cannot fail: strings, bools and an int
	if err := s.p.post(ctx, body); err != nil {
		return fmt.Errorf("slack %q: %w", s.name, err)
	}
	return nil
}
