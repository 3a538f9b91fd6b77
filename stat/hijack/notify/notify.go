package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// Lifecycle events of an incident, as found in Notification.Event.
const (
	EventOpened        = "opened"
	EventUpdated       = "updated"
	EventResolved      = "resolved"
	EventReopened      = "reopened"
	EventAcknowledged  = "acknowledged"
	EventFalsePositive = "false_positive"
	// EventTest marks the notifications sent by Dispatcher.Test; it is
	// not an incident event and cannot be selected in a channel's events.
	EventTest = "test"
)

// events are the incident events a channel's "events" may list.
var events = []string{EventOpened, EventUpdated, EventResolved, EventReopened, EventAcknowledged, EventFalsePositive}

// Severities of an incident, most severe first.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

// severityRank orders the severities; a higher rank is more severe.
var severityRank = map[string]int{SeverityInfo: 1, SeverityWarning: 2, SeverityHigh: 3, SeverityCritical: 4}

// DefaultGroup is the group of a notification whose Group is empty.
const DefaultGroup = "default"

// Notification is one incident lifecycle event to deliver.
type Notification struct {
	// Event is one of the Event constants.
	Event string
	// IncidentID identifies the incident; suppression is per incident.
	IncidentID string
	// Group is the monitored resource's group; it selects the channels
	// ("" means DefaultGroup).
	Group string
	// Severity is one of the Severity constants.
	Severity string
	// Title is one line, e.g. "Sub-prefix hijack of 208.65.152.0/22 by
	// AS17557".
	Title string
	// Why is one plain-language paragraph.
	Why string
	// Link is the URL of the incident's page or API ("" if unknown).
	Link string
	// Time is when the event happened (detector time).
	Time time.Time
	// Detected is the wall-clock time the detector emitted the
	// notification; delivery latency is measured from it.
	Detected time.Time
	// Incident is the whole incident; the webhook marshals it to JSON
	// under "incident", in its worker, after Dispatch has returned: it
	// must be a snapshot that nothing modifies afterwards.
	Incident any
	// Digest identifies the content for deduplication; "" means one
	// computed from Event, Title and Why.
	Digest string
}

// Channel delivers notifications to one destination. Send must be safe
// for concurrent use (Dispatcher.Test may run beside the channel's
// worker) and should return when ctx is done.
type Channel interface {
	// Name is the channel's configured name.
	Name() string
	// Send delivers n, retrying as the channel sees fit, and returns an
	// error when it could not.
	Send(ctx context.Context, n Notification) error
}

// group is n's group, DefaultGroup when it has none.
func (n *Notification) group() string {
	if n.Group == "" {
		return DefaultGroup
	}
	return n.Group
}

// digest is n's Digest or, without one, a hash of its event, title and
// reason.
func (n *Notification) digest() string {
	if n.Digest != "" {
		return n.Digest
	}
	h := sha256.New()
	for _, s := range []string{n.Event, n.Title, n.Why} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// oneLine replaces every control character (CR and LF included) with a
// space, so that s cannot start a new header or log line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// truncate cuts s to at most max bytes without splitting a UTF-8
// sequence, marking the cut with "…".
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ellipsis = "…"
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
