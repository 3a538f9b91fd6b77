package hijack

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
	"time"
)

// Incident statuses.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
)

// Lifecycle events, as sent to channels and streamed.
const (
	EventOpened        = "opened"
	EventUpdated       = "updated"
	EventResolved      = "resolved"
	EventReopened      = "reopened"
	EventAcknowledged  = "acknowledged"
	EventFalsePositive = "false_positive"
)

// Severities, most severe first.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

// Incident is one anomaly as a NOC sees it: what, where, since when, seen
// by whom, why it was raised, and what people said about it.
type Incident struct {
	// ID is stable: the opening time and a digest of Key.
	ID string `json:"id"`
	// Key identifies the anomaly: type, scope (monitored prefix or AS) and
	// offending AS; findings with the same key belong to one incident.
	Key  string `json:"key"`
	Type string `json:"type"`
	// Code is the ARTEMIS-style class (prefix|path|data plane|policy),
	// e.g. "S|0|-|-"; "" for types outside that taxonomy.
	Code     string `json:"code,omitempty"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	// Hijack tells whether the type is a hijack (someone else's route in
	// monitored space) rather than a change to watch.
	Hijack bool   `json:"hijack"`
	Group  string `json:"group"`
	// MonitoredPrefix and Description come from the matching prefix rule;
	// MonitoredAS from the AS rule (new prefix, new neighbour).
	MonitoredPrefix string   `json:"monitored_prefix,omitempty"`
	MonitoredAS     uint32   `json:"monitored_as,omitempty"`
	Description     string   `json:"description,omitempty"`
	Prefixes        []string `json:"prefixes"`
	LegitOrigins    []uint32 `json:"legitimate_origins,omitempty"`
	// OffendingAS is the hijacking origin, the fake first hop, the leaker
	// or the new neighbour; OffendingOrigin the origin of the offending
	// routes.
	OffendingAS     uint32 `json:"offending_as,omitempty"`
	OffendingOrigin uint32 `json:"offending_origin,omitempty"`
	// FirstSeen and LastSeen bound the supporting announcements; Opened is
	// when the thresholds were crossed, Resolved when the anomaly ended.
	FirstSeen time.Time  `json:"first_seen"`
	LastSeen  time.Time  `json:"last_seen"`
	Opened    time.Time  `json:"opened"`
	Resolved  *time.Time `json:"resolved,omitempty"`
	// Detected is the wall-clock time the detector opened it.
	Detected time.Time `json:"detected"`
	// PeerASes and Collectors have seen the anomaly (for a visibility
	// loss: lack the route now); PeerASesNow and Sessions see it now;
	// PeakPeerASes is the most peer ASes that saw it at once;
	// TotalPeerASes those the detector has heard from.
	PeerASes      []uint32 `json:"peer_ases"`
	Collectors    []string `json:"collectors"`
	PeerASesNow   int      `json:"peer_ases_now"`
	Sessions      int      `json:"sessions"`
	PeakPeerASes  int      `json:"peak_peer_ases"`
	TotalPeerASes int      `json:"total_peer_ases"`
	ExamplePaths  []string `json:"example_paths"`
	RPKI          string   `json:"rpki"`
	RPKIDetail    string   `json:"rpki_detail,omitempty"`
	// Why explains in one paragraph.
	Why      string          `json:"why"`
	Timeline []TimelineEntry `json:"timeline"`
	// Acknowledged and FalsePositive are set by people (API key).
	Acknowledged  bool   `json:"acknowledged"`
	FalsePositive bool   `json:"false_positive"`
	AckBy         string `json:"ack_by,omitempty"`
	AckComment    string `json:"ack_comment,omitempty"`
	// Reopened counts how often the anomaly came back after resolution.
	Reopened int `json:"reopened,omitempty"`
}

// TimelineEntry is one step of an incident.
type TimelineEntry struct {
	Time   time.Time `json:"time"`
	Event  string    `json:"event"`
	Detail string    `json:"detail"`
}

// maxTimeline bounds an incident's timeline (the first entries and the
// latest are kept).
const maxTimeline = 64

func (inc *Incident) addTimeline(t time.Time, event, detail string) {
	if len(inc.Timeline) >= maxTimeline {
		inc.Timeline = slices.Delete(inc.Timeline, maxTimeline/2, maxTimeline/2+1)
	}
	inc.Timeline = append(inc.Timeline, TimelineEntry{Time: t.UTC(), Event: event, Detail: detail})
}

// clone returns a deep copy (the engine keeps mutating its own).
func (inc *Incident) clone() Incident {
	c := *inc
	c.Prefixes = slices.Clone(inc.Prefixes)
	c.LegitOrigins = slices.Clone(inc.LegitOrigins)
	c.PeerASes = slices.Clone(inc.PeerASes)
	c.Collectors = slices.Clone(inc.Collectors)
	c.ExamplePaths = slices.Clone(inc.ExamplePaths)
	c.Timeline = slices.Clone(inc.Timeline)
	if inc.Resolved != nil {
		r := *inc.Resolved
		c.Resolved = &r
	}
	return c
}

// Covers tells whether the incident concerns resource p: one of its
// prefixes or its monitored prefix overlaps p.
func (inc *Incident) Covers(p netip.Prefix) bool {
	for _, s := range append([]string{inc.MonitoredPrefix}, inc.Prefixes...) {
		if q, err := netip.ParsePrefix(s); err == nil && q.Overlaps(p) {
			return true
		}
	}
	return false
}

// Involves tells whether AS a is the incident's monitored, legitimate,
// offending AS or origin.
func (inc *Incident) Involves(a uint32) bool {
	return inc.MonitoredAS == a || inc.OffendingAS == a || inc.OffendingOrigin == a || slices.Contains(inc.LegitOrigins, a)
}

func incidentID(key string, opened time.Time) string {
	h := sha256.Sum256([]byte(key + "|" + opened.UTC().Format(time.RFC3339Nano)))
	return opened.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(h[:4])
}

// Change is an incident lifecycle event: the incident as it is after it.
type Change struct {
	Event    string
	Incident Incident
}

// Sink receives the engine's changes, synchronously and in order; it
// must not block for long (the Manager persists and notifies
// asynchronously).
type Sink interface {
	Publish(Change)
}
