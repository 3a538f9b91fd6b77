package hijack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/routestat/routestat/stat/hijack/notify"
)

// docNamespace is where incidents live in the index's store.
const docNamespace = "hijack.incident"

// Store keeps incidents beside the routes (stat/index's documents).
type Store interface {
	PutDoc(ns, key string, value []byte) error
	Docs(ns string, fn func(key string, value []byte) error) error
}

// Notifier delivers lifecycle notifications (notify.Dispatcher).
type Notifier interface {
	Dispatch(n notify.Notification)
}

// ErrNotFound is returned for an unknown incident ID.
var ErrNotFound = errors.New("no such incident")

// ManagerOptions configure a Manager.
type ManagerOptions struct {
	// Notifier is optional: without it nothing is sent.
	Notifier Notifier
	// LinkBase prefixes incident links in notifications, e.g.
	// "https://routestat.example.net" (default: no link).
	LinkBase string
	Log      *slog.Logger
}

// Manager is the Sink of a live Engine: it keeps every incident, stores
// them (asynchronously, coalescing bursts), sends notifications, streams
// changes to subscribers and records what people say about incidents.
// It is safe for concurrent use.
type Manager struct {
	store Store
	opt   ManagerOptions

	mu        sync.RWMutex
	incidents map[string]*Incident
	dirty     map[string]struct{}
	subs      map[chan Change]struct{}
	wake      chan struct{}
}

// NewManager loads the stored incidents.
func NewManager(store Store, opt ManagerOptions) (*Manager, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{store: store, opt: opt, incidents: make(map[string]*Incident),
		dirty: make(map[string]struct{}), subs: make(map[chan Change]struct{}), wake: make(chan struct{}, 1)}
	if store != nil {
		err := store.Docs(docNamespace, func(key string, v []byte) error {
			var inc Incident
			if err := json.Unmarshal(v, &inc); err != nil {
				return fmt.Errorf("incident %s: %w", key, err)
			}
			m.incidents[inc.ID] = &inc
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load incidents: %w", err)
		}
	}
	return m, nil
}

// All returns every incident (for Engine.Restore).
func (m *Manager) All() []Incident {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Incident, 0, len(m.incidents))
	for _, inc := range m.incidents {
		out = append(out, inc.clone())
	}
	return out
}

// Publish takes an engine change: what people recorded (acknowledged,
// false positive) is kept, the change is stored, notified and streamed.
func (m *Manager) Publish(c Change) {
	m.mu.Lock()
	if old := m.incidents[c.Incident.ID]; old != nil {
		c.Incident.Acknowledged, c.Incident.FalsePositive = old.Acknowledged, old.FalsePositive
		c.Incident.AckBy, c.Incident.AckComment = old.AckBy, old.AckComment
	}
	inc := c.Incident.clone()
	m.incidents[inc.ID] = &inc
	m.dirty[inc.ID] = struct{}{}
	m.broadcast(c)
	// The notification's copy is taken under the lock: once it is
	// released, Annotate may change the stored incident.
	snap := inc.clone()
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
	if m.opt.Notifier != nil && !snap.FalsePositive {
		m.opt.Notifier.Dispatch(m.notification(c.Event, &snap))
	}
}

// broadcast offers c to every subscriber without blocking (a subscriber
// that falls behind loses changes). m.mu must be held.
func (m *Manager) broadcast(c Change) {
	for ch := range m.subs {
		select {
		case ch <- c:
		default:
		}
	}
}

// Subscribe returns a channel of changes (buffered) and a function that
// ends the subscription.
func (m *Manager) Subscribe(buffer int) (<-chan Change, func()) {
	ch := make(chan Change, max(buffer, 1))
	m.mu.Lock()
	m.subs[ch] = struct{}{}
	m.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			m.mu.Lock()
			delete(m.subs, ch)
			m.mu.Unlock()
		})
	}
}

// Title is an incident's one-line summary.
func Title(inc *Incident) string {
	scope := inc.MonitoredPrefix
	if scope == "" {
		scope = fmt.Sprintf("AS%d", inc.MonitoredAS)
	}
	switch inc.Type {
	case MonitorExact:
		return fmt.Sprintf("Exact-prefix hijack of %s by AS%d", scope, inc.OffendingAS)
	case MonitorSubPrefix:
		return fmt.Sprintf("Sub-prefix hijack of %s by AS%d (%s)", scope, inc.OffendingAS, strings.Join(inc.Prefixes, ", "))
	case MonitorSquat:
		return fmt.Sprintf("Squatting in %s by AS%d", scope, inc.OffendingAS)
	case MonitorFirstHop:
		return fmt.Sprintf("Unexpected first hop AS%d before AS%d for %s", inc.OffendingAS, inc.OffendingOrigin, scope)
	case MonitorLeak:
		return fmt.Sprintf("Route leak of %s by AS%d", scope, inc.OffendingAS)
	case MonitorRPKI:
		return fmt.Sprintf("RPKI-invalid announcement of %s by AS%d", scope, inc.OffendingOrigin)
	case MonitorVisibility:
		return fmt.Sprintf("Visibility loss of %s", scope)
	case MonitorMoreSpecific:
		return fmt.Sprintf("New more-specific of %s by its origin AS%d", scope, inc.OffendingOrigin)
	case MonitorNewPrefix:
		return fmt.Sprintf("AS%d originates a prefix outside its list", inc.MonitoredAS)
	case MonitorDelegated:
		return fmt.Sprintf("More-specific of %s by AS%d through its owner", scope, inc.OffendingAS)
	case MonitorNeighbour:
		return fmt.Sprintf("New neighbour AS%d of AS%d", inc.OffendingAS, inc.MonitoredAS)
	case MonitorPath:
		return fmt.Sprintf("AS path rule matched for %s", scope)
	}
	return inc.Type + " " + scope
}

func (m *Manager) notification(event string, inc *Incident) notify.Notification {
	link := ""
	if m.opt.LinkBase != "" {
		link = strings.TrimRight(m.opt.LinkBase, "/") + "/api/v1/hijack/incidents/" + inc.ID
	}
	t := inc.LastSeen
	if n := len(inc.Timeline); n > 0 {
		t = inc.Timeline[n-1].Time
	}
	return notify.Notification{Event: event, IncidentID: inc.ID, Group: inc.Group, Severity: inc.Severity,
		Title: Title(inc), Why: inc.Why, Link: link, Time: t, Detected: time.Now(), Incident: inc}
}

// Get returns one incident.
func (m *Manager) Get(id string) (Incident, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	inc := m.incidents[id]
	if inc == nil {
		return Incident{}, fmt.Errorf("incident %q: %w", id, ErrNotFound)
	}
	return inc.clone(), nil
}

// Filter selects incidents; zero fields match everything.
type Filter struct {
	// Prefix selects incidents overlapping it; AS those involving it.
	Prefix netip.Prefix
	AS     uint32
	// From and To select incidents active at some time in [From, To).
	From, To time.Time
	Status   string
	Group    string
	Type     string
	// HijacksOnly leaves out the watch types (more-specific, new prefix…).
	HijacksOnly bool
}

// Match tells whether inc is one of the incidents f selects.
func (f *Filter) Match(inc *Incident) bool {
	switch {
	case f.Prefix.IsValid() && !inc.Covers(f.Prefix):
	case f.AS != 0 && !inc.Involves(f.AS):
	case !f.To.IsZero() && !inc.FirstSeen.Before(f.To):
	case !f.From.IsZero() && inc.Resolved != nil && inc.Resolved.Before(f.From):
	case f.Status != "" && inc.Status != f.Status:
	case f.Group != "" && inc.Group != f.Group:
	case f.Type != "" && inc.Type != f.Type:
	case f.HijacksOnly && !inc.Hijack:
	default:
		return true
	}
	return false
}

// List returns the incidents that match f, newest first.
func (m *Manager) List(f Filter) []Incident {
	m.mu.RLock()
	var out []Incident
	for _, inc := range m.incidents {
		if f.Match(inc) {
			out = append(out, inc.clone())
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b Incident) int {
		if c := b.Opened.Compare(a.Opened); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Annotate records a person's verdict on an incident: acknowledged, or
// a false positive (which also stops its notifications).
func (m *Manager) Annotate(id, by, comment string, falsePositive bool) (Incident, error) {
	m.mu.Lock()
	inc := m.incidents[id]
	if inc == nil {
		m.mu.Unlock()
		return Incident{}, fmt.Errorf("incident %q: %w", id, ErrNotFound)
	}
	event := EventAcknowledged
	inc.Acknowledged = true
	if falsePositive {
		inc.FalsePositive = true
		event = EventFalsePositive
	}
	inc.AckBy, inc.AckComment = by, comment
	detail := "by " + by
	if comment != "" {
		detail += ": " + comment
	}
	inc.addTimeline(time.Now(), event, detail)
	c := Change{Event: event, Incident: inc.clone()}
	m.dirty[id] = struct{}{}
	m.broadcast(c)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
	if m.opt.Notifier != nil {
		snap := c.Incident.clone()
		m.opt.Notifier.Dispatch(m.notification(event, &snap))
	}
	return c.Incident, nil
}

// Flush stores the incidents changed since the last flush.
func (m *Manager) Flush() error {
	if m.store == nil {
		return nil
	}
	m.mu.Lock()
	batch := make([][]byte, 0, len(m.dirty))
	ids := make([]string, 0, len(m.dirty))
	for id := range m.dirty {
		b, err := json.Marshal(m.incidents[id])
		if err != nil {
			m.mu.Unlock()
			return fmt.Errorf("encode incident %s: %w", id, err)
		}
		batch = append(batch, b)
		ids = append(ids, id)
	}
	clear(m.dirty)
	m.mu.Unlock()
	for i, id := range ids {
		if err := m.store.PutDoc(docNamespace, id, batch[i]); err != nil {
			m.mu.Lock()
			m.dirty[id] = struct{}{}
			m.mu.Unlock()
			return fmt.Errorf("store incident %s: %w", id, err)
		}
	}
	return nil
}

// Run stores changes as they come (at most every 200 ms) until ctx is
// done, then flushes once more.
func (m *Manager) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			if err := m.Flush(); err != nil {
				m.opt.Log.Error("hijack: store incidents", "err", err)
			}
			return
		case <-m.wake:
			if err := m.Flush(); err != nil {
				m.opt.Log.Error("hijack: store incidents", "err", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}
