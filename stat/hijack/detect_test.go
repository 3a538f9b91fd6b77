package hijack

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/stat/index"
)

// The detector tests feed hand-built route events to an Engine and assert
// the exact incidents it publishes: their fields, their lifecycle events
// and that nothing else was raised.

// t0 is the seed exercise's moment: AS64666 starts announcing a more
// specific of AS4725's 202.33.0.0/16.
var t0 = time.Date(2019, 9, 23, 8, 30, 0, 0, time.UTC)

// wall is the engine's wall clock (Detected) in these tests.
var wall = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func sec(n int) time.Duration { return time.Duration(n) * time.Second }

// ann announces prefix from the session (coll, peerIP) of peerAS with the
// AS path given (collector peer first, origin last).
func ann(t time.Time, coll, peerIP string, peerAS uint32, prefix string, path ...uint32) index.Event {
	return annAttrs(t, coll, peerIP, peerAS, prefix, &index.Attrs{Origin: 0, ASPath: []index.Segment{{ASNs: slices.Clone(path)}}})
}

// annSet announces prefix with the AS path seq followed by the AS_SET set
// (an aggregate whose origin is one of set).
func annSet(t time.Time, coll, peerIP string, peerAS uint32, prefix string, seq []uint32, set ...uint32) index.Event {
	return annAttrs(t, coll, peerIP, peerAS, prefix, &index.Attrs{Origin: 0, AtomicAggregate: true,
		ASPath: []index.Segment{{ASNs: slices.Clone(seq)}, {Set: true, ASNs: slices.Clone(set)}}})
}

func annAttrs(t time.Time, coll, peerIP string, peerAS uint32, prefix string, a *index.Attrs) index.Event {
	return index.Event{Kind: index.Announce, Time: t, Collector: coll, PeerAddr: netip.MustParseAddr(peerIP),
		PeerAS: peerAS, Prefix: netip.MustParsePrefix(prefix), Attrs: a}
}

// wd withdraws prefix from the session (coll, peerIP).
func wd(t time.Time, coll, peerIP string, peerAS uint32, prefix string) index.Event {
	return index.Event{Kind: index.Withdraw, Time: t, Collector: coll, PeerAddr: netip.MustParseAddr(peerIP),
		PeerAS: peerAS, Prefix: netip.MustParsePrefix(prefix)}
}

// down is the session (coll, peerIP) going down.
func down(t time.Time, coll, peerIP string, peerAS uint32) index.Event {
	return index.Event{Kind: index.PeerDown, Time: t, Collector: coll, PeerAddr: netip.MustParseAddr(peerIP), PeerAS: peerAS}
}

// peer is a collector session.
type peer struct {
	coll, addr string
	as         uint32
}

// ann announces prefix with path after the peer's own AS.
func (p peer) ann(t time.Time, prefix string, path ...uint32) index.Event {
	return ann(t, p.coll, p.addr, p.as, prefix, append([]uint32{p.as}, path...)...)
}

// annSet announces prefix with path seq after the peer's own AS, then the
// AS_SET set.
func (p peer) annSet(t time.Time, prefix string, seq []uint32, set ...uint32) index.Event {
	return annSet(t, p.coll, p.addr, p.as, prefix, append([]uint32{p.as}, seq...), set...)
}

func (p peer) wd(t time.Time, prefix string) index.Event { return wd(t, p.coll, p.addr, p.as, prefix) }
func (p peer) down(t time.Time) index.Event              { return down(t, p.coll, p.addr, p.as) }

const (
	rrc00 = "rrc00"
	rv2   = "route-views2"
)

// dozen are twelve collector peers, each of its own AS: six at rrc00, six
// at route-views2.
var dozen = []peer{
	{rrc00, "10.0.0.1", 3356}, {rrc00, "10.0.0.2", 1299}, {rrc00, "10.0.0.3", 174},
	{rrc00, "10.0.0.4", 6939}, {rrc00, "10.0.0.5", 2914}, {rrc00, "10.0.0.6", 3257},
	{rv2, "10.0.1.1", 6453}, {rv2, "10.0.1.2", 6762}, {rv2, "10.0.1.3", 3491},
	{rv2, "10.0.1.4", 7018}, {rv2, "10.0.1.5", 6461}, {rv2, "10.0.1.6", 701},
}

// bed is an engine under test with a recording sink.
type bed struct {
	t   *testing.T
	cfg *Config
	eng *Engine
	rec *recorder
}

func mustConfig(t *testing.T, yml string) *Config {
	t.Helper()
	cfg, err := ParseConfig([]byte(yml))
	if err != nil {
		t.Fatalf("ParseConfig: %v\n%s", err, yml)
	}
	return cfg
}

func newBed(t *testing.T, yml string, opt Options) *bed {
	t.Helper()
	return newBedConfig(t, mustConfig(t, yml), opt)
}

func newBedConfig(t *testing.T, cfg *Config, opt Options) *bed {
	rec := &recorder{}
	opt.Sink = rec
	opt.Clock = func() time.Time { return wall }
	return &bed{t: t, cfg: cfg, eng: NewEngine(cfg, opt), rec: rec}
}

func (b *bed) feed(evs ...index.Event) {
	for i := range evs {
		ev := evs[i]
		b.eng.Process(&ev)
	}
}

// legit has every peer of ps announce prefix from origin (directly), at t.
func (b *bed) legit(t time.Time, ps []peer, prefix string, origin uint32) {
	for _, p := range ps {
		b.feed(p.ann(t, prefix, origin))
	}
}

// lifecycle returns the events published for incident id, in order.
func (b *bed) lifecycle(id string) []string {
	var out []string
	for _, c := range b.rec.changes {
		if c.Incident.ID == id {
			out = append(out, c.Event)
		}
	}
	return out
}

// none asserts that no incident was published.
func (b *bed) none() {
	b.t.Helper()
	if len(b.rec.changes) > 0 {
		b.t.Errorf("%d changes published, want none:\n%s", len(b.rec.changes), describeAll(b.rec.final()))
	}
}

// expect asserts that exactly the incidents ws were published (in opening
// order) and returns them.
func (b *bed) expect(ws ...want) []Incident {
	b.t.Helper()
	got := b.rec.final()
	if len(got) != len(ws) {
		b.t.Fatalf("%d incidents, want %d:\n%s", len(got), len(ws), describeAll(got))
	}
	for i := range ws {
		checkIncident(b.t, got[i], b.lifecycle(got[i].ID), ws[i])
	}
	return got
}

func describeAll(incs []Incident) string {
	var s strings.Builder
	for _, inc := range incs {
		fmt.Fprintf(&s, "  %s %s %s %s prefixes=%v offender=AS%d origin=AS%d peers=%v colls=%v\n    why: %s\n",
			inc.ID, inc.Key, inc.Status, inc.Severity, inc.Prefixes, inc.OffendingAS, inc.OffendingOrigin, inc.PeerASes, inc.Collectors, inc.Why)
	}
	return s.String()
}

// want is an expected incident. Every field is compared: zero values
// included (a zero resolved means still open).
type want struct {
	typ, code, severity string
	hijack              bool
	prefixes            []string
	monitored           string
	monitoredAS         uint32
	offender, origin    uint32
	peerASes            []uint32
	colls               []string
	firstSeen, opened   time.Time
	resolved            time.Time
	// group defaults to "default".
	group    string
	reopened int
	// why lists phrases the explanation must contain.
	why []string
	// events is the incident's lifecycle as published.
	events []string
}

func checkIncident(t *testing.T, got Incident, events []string, w want) {
	t.Helper()
	var errs []string
	eq := func(name string, g, w any) {
		if fmt.Sprint(g) != fmt.Sprint(w) {
			errs = append(errs, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	eq("Type", got.Type, w.typ)
	eq("Code", got.Code, w.code)
	eq("Severity", got.Severity, w.severity)
	eq("Hijack", got.Hijack, w.hijack)
	eq("Prefixes", got.Prefixes, w.prefixes)
	eq("MonitoredPrefix", got.MonitoredPrefix, w.monitored)
	eq("MonitoredAS", got.MonitoredAS, w.monitoredAS)
	eq("OffendingAS", got.OffendingAS, w.offender)
	eq("OffendingOrigin", got.OffendingOrigin, w.origin)
	if !slices.Equal(got.PeerASes, w.peerASes) {
		errs = append(errs, fmt.Sprintf("PeerASes = %v, want %v", got.PeerASes, w.peerASes))
	}
	if !slices.Equal(got.Collectors, w.colls) {
		errs = append(errs, fmt.Sprintf("Collectors = %v, want %v", got.Collectors, w.colls))
	}
	group := w.group
	if group == "" {
		group = "default"
	}
	eq("Group", got.Group, group)
	eq("Reopened", got.Reopened, w.reopened)
	if !got.FirstSeen.Equal(w.firstSeen) {
		errs = append(errs, fmt.Sprintf("FirstSeen = %v, want %v", got.FirstSeen, w.firstSeen))
	}
	if !got.Opened.Equal(w.opened) {
		errs = append(errs, fmt.Sprintf("Opened = %v, want %v", got.Opened, w.opened))
	}
	if w.resolved.IsZero() {
		eq("Status", got.Status, StatusOpen)
		if got.Resolved != nil {
			errs = append(errs, fmt.Sprintf("Resolved = %v, want still open", *got.Resolved))
		}
	} else {
		eq("Status", got.Status, StatusResolved)
		if got.Resolved == nil || !got.Resolved.Equal(w.resolved) {
			errs = append(errs, fmt.Sprintf("Resolved = %v, want %v", got.Resolved, w.resolved))
		}
	}
	if !got.Detected.Equal(wall) {
		errs = append(errs, fmt.Sprintf("Detected = %v, want the engine clock's %v", got.Detected, wall))
	}
	for _, p := range w.why {
		if !strings.Contains(got.Why, p) {
			errs = append(errs, fmt.Sprintf("Why lacks %q", p))
		}
	}
	if w.events != nil && !slices.Equal(events, w.events) {
		errs = append(errs, fmt.Sprintf("events = %v, want %v", events, w.events))
	}
	if len(errs) > 0 {
		t.Errorf("incident %s (%s):\n  %s\n  why: %s", got.ID, got.Key, strings.Join(errs, "\n  "), got.Why)
	}
}

// lastTimeline returns the detail of the incident's last timeline entry.
func lastTimeline(inc Incident) string {
	if len(inc.Timeline) == 0 {
		return ""
	}
	return inc.Timeline[len(inc.Timeline)-1].Detail
}

const seedConfig = `
prefixes:
  202.33.0.0/16:
    description: Example network
    asn: 4725
`

// TestSeedSubPrefixHijack is the seed exercise: AS4725 announces
// 202.33.0.0/16, seen by a dozen peers on two collectors; AS64666 starts
// announcing 202.33.14.0/24 at 08:30:00, seen by five peers within 40 s,
// which later withdraw it.
func TestSeedSubPrefixHijack(t *testing.T) {
	b := newBed(t, seedConfig, Options{})
	b.legit(t0.Add(-time.Hour), dozen, "202.33.0.0/16", 4725)
	b.none()

	// 3356@rrc00, 6453@route-views2, 1299@rrc00 (third peer AS: opens),
	// 6762@route-views2, 174@rrc00.
	seeing := []peer{dozen[0], dozen[6], dozen[1], dozen[7], dozen[2]}
	for i, p := range seeing {
		b.feed(p.ann(t0.Add(sec(10*i)), "202.33.14.0/24", 64666))
		if i == 1 {
			b.none() // two peer ASes: pending
		}
	}
	opened := b.rec.changes[0]
	if opened.Event != EventOpened || len(opened.Incident.PeerASes) != 3 || opened.Incident.PeakPeerASes != 3 || !opened.Incident.Opened.Equal(t0.Add(sec(20))) {
		t.Errorf("first change %s with peer ASes %v opened %v, want opened by 3 peer ASes at 08:30:20", opened.Event, opened.Incident.PeerASes, opened.Incident.Opened)
	}
	// The owner's route, announced again (a path change), raises nothing.
	for _, p := range dozen {
		b.feed(p.ann(t0.Add(time.Minute), "202.33.0.0/16", 2914, 4725))
	}
	withdrawn := t0.Add(5 * time.Minute)
	for i, p := range seeing {
		b.feed(p.wd(withdrawn.Add(sec(10*i)), "202.33.14.0/24"))
	}
	incs := b.expect(want{
		typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
		prefixes: []string{"202.33.14.0/24"}, monitored: "202.33.0.0/16",
		offender: 64666, origin: 64666,
		peerASes:  []uint32{174, 1299, 3356, 6453, 6762},
		colls:     []string{rv2, rrc00},
		firstSeen: t0, opened: t0.Add(sec(20)), resolved: withdrawn.Add(sec(40)),
		why: []string{
			"AS64666 began originating 202.33.14.0/24, a more specific of 202.33.0.0/16 (Example network) registered to AS4725",
			"seen by 5 of 12 peer ASes on 2 collectors within 20s",
			"RPKI: unknown (no RPKI data loaded)",
			"Resolved at 2019-09-23 08:35:40 UTC, 5m20s after it opened",
		},
		events: []string{EventOpened, EventUpdated, EventUpdated, EventResolved},
	})
	inc := incs[0]
	if inc.PeakPeerASes != 5 || inc.TotalPeerASes != 12 || inc.PeerASesNow != 0 || inc.Sessions != 0 {
		t.Errorf("peak %d total %d now %d sessions %d, want 5 12 0 0", inc.PeakPeerASes, inc.TotalPeerASes, inc.PeerASesNow, inc.Sessions)
	}
	if !slices.Equal(inc.LegitOrigins, []uint32{4725}) || inc.Description != "Example network" {
		t.Errorf("legitimate origins %v description %q", inc.LegitOrigins, inc.Description)
	}
	if !slices.Contains(inc.ExamplePaths, "3356 64666") {
		t.Errorf("example paths %v lack 3356 64666", inc.ExamplePaths)
	}
	if d := lastTimeline(inc); !strings.Contains(d, "the last peer seeing it (AS174 at rrc00) withdrew it") {
		t.Errorf("resolution detail %q", d)
	}
	if st := b.eng.Stats(); st.Opened != 1 || st.Resolved != 1 || st.Reopened != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestDetectExactOrigin: another AS originating the monitored prefix
// itself (E|0), also hidden in an AS_SET; listed origins raise nothing.
func TestDetectExactOrigin(t *testing.T) {
	const moas = `
prefixes:
  202.33.0.0/16:
    description: Example network
    asn: [4725, 2516]
`
	hijackers := []peer{dozen[0], dozen[6], dozen[1]} // 3356@rrc00, 6453@rv2, 1299@rrc00
	for _, tc := range []struct {
		name   string
		config string
		feed   func(b *bed)
		want   []want
	}{{
		name:   "another origin",
		config: seedConfig,
		feed: func(b *bed) {
			// Three of the dozen switch to AS64666's route: 25% of the
			// owner's peers lost it, not a visibility loss.
			for i, p := range hijackers {
				b.feed(p.ann(t0.Add(sec(5*i)), "202.33.0.0/16", 3491, 64666))
			}
		},
		want: []want{{
			typ: MonitorExact, code: "E|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.0.0/16"}, monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
			firstSeen: t0, opened: t0.Add(sec(10)),
			why:    []string{"AS64666 began originating 202.33.0.0/16 (Example network), which is registered to AS4725", "seen by 3 of 12 peer ASes on 2 collectors within 10s", "RPKI: unknown"},
			events: []string{EventOpened},
		}},
	}, {
		name:   "AS_SET origin with an unlisted member",
		config: seedConfig,
		feed: func(b *bed) {
			for i, p := range hijackers {
				b.feed(p.annSet(t0.Add(sec(5*i)), "202.33.0.0/16", []uint32{3491}, 4725, 64666))
			}
		},
		want: []want{{
			typ: MonitorExact, code: "E|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.0.0/16"}, monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
			firstSeen: t0, opened: t0.Add(sec(10)),
			why:    []string{"AS64666 began originating 202.33.0.0/16 (Example network), which is registered to AS4725"},
			events: []string{EventOpened},
		}},
	}, {
		name:   "AS_SET of listed origins",
		config: seedConfig,
		feed: func(b *bed) {
			for i, p := range hijackers {
				b.feed(p.annSet(t0.Add(sec(5*i)), "202.33.0.0/16", []uint32{2914}, 4725))
			}
		},
	}, {
		name:   "MOAS: every listed origin",
		config: moas,
		feed: func(b *bed) {
			for i, p := range dozen {
				origin := uint32(4725)
				if i%2 == 1 {
					origin = 2516
				}
				b.feed(p.ann(t0.Add(sec(i)), "202.33.0.0/16", origin))
			}
			for i, p := range hijackers {
				b.feed(p.annSet(t0.Add(time.Minute+sec(i)), "202.33.0.0/16", []uint32{2914}, 2516, 4725))
			}
		},
	}, {
		name:   "MOAS: an unlisted origin still is a hijack",
		config: moas,
		feed: func(b *bed) {
			for i, p := range hijackers {
				b.feed(p.ann(t0.Add(sec(5*i)), "202.33.0.0/16", 64666))
			}
		},
		want: []want{{
			typ: MonitorExact, code: "E|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.0.0/16"}, monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
			firstSeen: t0, opened: t0.Add(sec(10)),
			why:    []string{"which is registered to AS2516 and AS4725"},
			events: []string{EventOpened},
		}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBed(t, tc.config, Options{})
			if tc.config == seedConfig {
				b.legit(t0.Add(-time.Hour), dozen, "202.33.0.0/16", 4725)
			}
			tc.feed(b)
			b.expect(tc.want...)
		})
	}
}

// TestDetectThresholds: distinct peer ASes and collectors are counted,
// not sessions; per-prefix thresholds override the defaults.
func TestDetectThresholds(t *testing.T) {
	same := func(coll, addr string) peer { return peer{coll, addr, 3356} }
	subPrefix := func(offender uint32, ases []uint32, colls []string, first, opened time.Time) want {
		return want{typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.14.0/24"}, monitored: "202.33.0.0/16", offender: offender, origin: offender,
			peerASes: ases, colls: colls, firstSeen: first, opened: opened, events: []string{EventOpened}}
	}
	for _, tc := range []struct {
		name   string
		config string
		peers  []peer
		want   []want
	}{{
		name:   "two peer ASes",
		config: seedConfig,
		peers:  []peer{dozen[0], dozen[6]},
	}, {
		name:   "five sessions of one AS and another AS",
		config: seedConfig,
		peers: []peer{same(rrc00, "10.0.0.101"), same(rrc00, "10.0.0.102"), same(rrc00, "10.0.0.103"),
			same(rv2, "10.0.1.101"), same(rv2, "10.0.1.102"), dozen[1]},
	}, {
		name:   "one AS on two collectors and another AS",
		config: seedConfig,
		peers:  []peer{same(rrc00, "10.0.0.101"), same(rv2, "10.0.1.101"), dozen[6]},
	}, {
		name:   "three peer ASes",
		config: seedConfig,
		peers:  []peer{same(rrc00, "10.0.0.101"), same(rv2, "10.0.1.101"), dozen[1], dozen[6]},
		want:   []want{subPrefix(64666, []uint32{1299, 3356, 6453}, []string{rv2, rrc00}, t0, t0.Add(sec(30)))},
	}, {
		name: "min_collectors 2: three peer ASes on one collector",
		config: `
defaults: {min_collectors: 2}
prefixes:
  202.33.0.0/16: {asn: 4725}
`,
		peers: []peer{dozen[0], dozen[1], dozen[2], dozen[3]},
	}, {
		name: "min_collectors 2: the second collector opens it",
		config: `
defaults: {min_collectors: 2}
prefixes:
  202.33.0.0/16: {asn: 4725}
`,
		peers: []peer{dozen[0], dozen[1], dozen[2], dozen[3], dozen[6]},
		want:  []want{subPrefix(64666, []uint32{174, 1299, 3356, 6453, 6939}, []string{rv2, rrc00}, t0, t0.Add(sec(40)))},
	}, {
		name: "per-prefix thresholds override the defaults",
		config: `
defaults: {min_peer_ases: 5}
prefixes:
  202.33.0.0/16:
    asn: 4725
    thresholds: {min_peer_ases: 1}
  198.51.100.0/24: {asn: 64496}
`,
		peers: []peer{dozen[0]},
		want:  []want{subPrefix(64666, []uint32{3356}, []string{rrc00}, t0, t0)},
	}, {
		name: "the defaults apply where no override",
		config: `
defaults: {min_peer_ases: 5}
prefixes:
  202.33.0.0/24:
    asn: 4725
    thresholds: {min_peer_ases: 1}
  202.33.0.0/16: {asn: 4725}
`,
		peers: []peer{dozen[0], dozen[1], dozen[2], dozen[6]},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBed(t, tc.config, Options{})
			for i, p := range tc.peers {
				b.feed(p.ann(t0.Add(sec(10*i)), "202.33.14.0/24", 64666))
			}
			b.expect(tc.want...)
		})
	}
}

// TestDetectSquatting: a prefix monitored without origins must not be
// announced at all.
func TestDetectSquatting(t *testing.T) {
	b := newBed(t, `
prefixes:
  198.18.0.0/15:
    description: benchmarking space, never routed
  202.33.0.0/16: {asn: 4725}
`, Options{})
	squatters := []peer{dozen[0], dozen[1], dozen[6]}
	for i, p := range squatters {
		b.feed(p.ann(t0.Add(sec(i)), "198.18.5.0/24", 3491, 64666))
	}
	for i, p := range squatters {
		b.feed(p.ann(t0.Add(time.Minute+sec(i)), "198.18.0.0/15", 64666))
	}
	b.expect(want{
		typ: MonitorSquat, code: "Q|0|-|-", severity: SeverityHigh, hijack: true,
		prefixes: []string{"198.18.0.0/15", "198.18.5.0/24"}, monitored: "198.18.0.0/15",
		offender: 64666, origin: 64666, peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
		firstSeen: t0, opened: t0.Add(sec(2)),
		why: []string{
			"AS64666 began originating 198.18.0.0/15, 198.18.5.0/24 inside 198.18.0.0/15 (benchmarking space, never routed), space that should not be announced at all",
		},
		events: []string{EventOpened, EventUpdated},
	})
}

// TestDetectFakeFirstHop: the legitimate origin behind an unexpected
// neighbour (Type-1 hijack).
func TestDetectFakeFirstHop(t *testing.T) {
	const ruleUpstreams = `
prefixes:
  202.33.0.0/16:
    description: Example network
    asn: 4725
    upstreams: [64500, 64501]
`
	const asUpstreams = `
prefixes:
  202.33.0.0/16:
    description: Example network
    asn: 4725
asns:
  4725:
    upstreams: [64500]
`
	three := []peer{dozen[0], dozen[6], dozen[1]}
	firstHop := func(code string, prefixes []string, detail string) want {
		return want{typ: MonitorFirstHop, code: code, severity: SeverityHigh, hijack: true,
			prefixes: prefixes, monitored: "202.33.0.0/16", offender: 64999, origin: 4725,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
			firstSeen: t0, opened: t0.Add(sec(20)),
			why: []string{
				strings.Join(prefixes, ", ") + " is announced with its legitimate origin AS4725 but through AS64999, which is not an expected upstream (" + detail + "): the origin may be forged (Type-1 hijack)",
				"RPKI: unknown",
			},
			events: []string{EventOpened}}
	}
	for _, tc := range []struct {
		name   string
		config string
		prefix string
		path   []uint32
		want   []want
	}{{
		name: "exact prefix through an unexpected neighbour", config: ruleUpstreams,
		prefix: "202.33.0.0/16", path: []uint32{64999, 4725},
		want: []want{firstHop("E|1|-|-", []string{"202.33.0.0/16"}, "expected upstreams of AS4725: AS64500 and AS64501")},
	}, {
		name: "more specific through an unexpected neighbour", config: ruleUpstreams,
		prefix: "202.33.128.0/17", path: []uint32{64999, 4725, 4725},
		want: []want{{
			// The owner's more specific is reported too (info).
			typ: MonitorMoreSpecific, severity: SeverityInfo,
			prefixes: []string{"202.33.128.0/17"}, monitored: "202.33.0.0/16", offender: 4725, origin: 4725,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
			firstSeen: t0, opened: t0.Add(sec(20)),
			why:    []string{"AS4725, a legitimate origin of 202.33.0.0/16 (Example network), began announcing the more specific 202.33.128.0/17. This is not a hijack"},
			events: []string{EventOpened},
		}, firstHop("S|1|-|-", []string{"202.33.128.0/17"}, "expected upstreams of AS4725: AS64500 and AS64501")},
	}, {
		name: "expected upstream", config: ruleUpstreams,
		prefix: "202.33.0.0/16", path: []uint32{2914, 64501, 4725},
	}, {
		name: "prepending is not a new neighbour", config: ruleUpstreams,
		prefix: "202.33.0.0/16", path: []uint32{64500, 4725, 4725, 4725},
	}, {
		name: "prepended upstream", config: ruleUpstreams,
		prefix: "202.33.0.0/16", path: []uint32{64500, 64500, 4725},
	}, {
		name: "upstreams of the origin's AS entry", config: asUpstreams,
		prefix: "202.33.0.0/16", path: []uint32{2914, 64999, 4725},
		want: []want{firstHop("E|1|-|-", []string{"202.33.0.0/16"}, "expected upstreams of AS4725: AS64500")},
	}, {
		name: "the origin's AS entry: expected upstream", config: asUpstreams,
		prefix: "202.33.0.0/16", path: []uint32{2914, 64500, 4725},
	}, {
		name: "no upstreams configured", config: seedConfig,
		prefix: "202.33.0.0/16", path: []uint32{64999, 4725},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBed(t, tc.config, Options{})
			for i, p := range three {
				b.feed(p.ann(t0.Add(sec(10*i)), tc.prefix, tc.path...))
			}
			b.expect(tc.want...)
		})
	}
}

// valleyFree is a map-based valley-free checker: a route may climb from
// customers to providers, cross at most one peering, then only descend.
type valleyFree struct {
	providers map[uint32][]uint32 // AS → its providers
	peers     map[[2]uint32]bool  // both orders
}

// rel returns what b is to a: "provider", "customer", "peer" or "".
func (v valleyFree) rel(a, b uint32) string {
	switch {
	case slices.Contains(v.providers[a], b):
		return "provider"
	case slices.Contains(v.providers[b], a):
		return "customer"
	case v.peers[[2]uint32{a, b}] || v.peers[[2]uint32{b, a}]:
		return "peer"
	}
	return ""
}

func (v valleyFree) Leak(path []uint32) (uint32, string, bool) {
	descending := false
	// Walk from the origin towards the collector peer: path[i] sends the
	// route to path[i-1].
	for i := len(path) - 1; i > 0; i-- {
		from, to := path[i], path[i-1]
		switch v.rel(from, to) {
		case "provider", "peer":
			if descending {
				return from, fmt.Sprintf("AS%d passed the route it learned from its %s AS%d to its %s AS%d",
					from, v.rel(from, path[i+1]), path[i+1], v.rel(from, to), to), true
			}
			if v.rel(from, to) == "peer" {
				descending = true
			}
		case "customer":
			descending = true
		}
	}
	return 0, "", false
}

// TestDetectRouteLeak: a multihomed customer passing its provider's route
// to its other provider.
func TestDetectRouteLeak(t *testing.T) {
	rels := valleyFree{
		providers: map[uint32][]uint32{4725: {2914}, 64501: {2914, 3356}},
		peers:     map[[2]uint32]bool{{3356, 1299}: true, {3356, 174}: true, {2914, 1299}: true, {2914, 174}: true, {2914, 3356}: true},
	}
	feed := func(b *bed) {
		// The owner's route, valley-free everywhere.
		b.feed(dozen[0].ann(t0.Add(-time.Hour), "202.33.0.0/16", 2914, 4725))
		b.feed(dozen[1].ann(t0.Add(-time.Hour), "202.33.0.0/16", 2914, 4725))
		b.feed(dozen[2].ann(t0.Add(-time.Hour), "202.33.0.0/16", 2914, 4725))
		b.feed(dozen[4].ann(t0.Add(-time.Hour), "202.33.0.0/16", 4725))
		// AS64501 leaks it from AS2914 to AS3356; 3356's peers prefer it.
		b.feed(dozen[0].ann(t0, "202.33.0.0/16", 64501, 2914, 4725))
		b.feed(dozen[1].ann(t0.Add(sec(3)), "202.33.0.0/16", 3356, 64501, 2914, 4725))
		b.feed(dozen[2].ann(t0.Add(sec(9)), "202.33.0.0/16", 3356, 64501, 2914, 4725))
	}
	t.Run("with relationships", func(t *testing.T) {
		b := newBed(t, seedConfig, Options{Relations: rels})
		feed(b)
		b.feed(dozen[0].ann(t0.Add(10*time.Minute), "202.33.0.0/16", 2914, 4725))
		b.expect(want{
			typ: MonitorLeak, code: "-|-|-|L", severity: SeverityHigh,
			prefixes: []string{"202.33.0.0/16"}, monitored: "202.33.0.0/16", offender: 64501, origin: 4725,
			peerASes: []uint32{174, 1299, 3356}, colls: []string{rrc00},
			firstSeen: t0, opened: t0.Add(sec(9)),
			why: []string{
				"202.33.0.0/16 (inside 202.33.0.0/16 (Example network)) is propagated against the AS relationships: AS64501 passed the route it learned from its provider AS2914 to its provider AS3356",
				"seen by 3 of 4 peer ASes on 1 collector within 9s",
			},
			events: []string{EventOpened},
		})
	})
	t.Run("without relationships", func(t *testing.T) {
		b := newBed(t, seedConfig, Options{})
		feed(b)
		b.none()
	})
}

// roas is an in-test RPKI: "prefix ASn" → state and detail; anything else
// is not-found.
type roas map[string][2]string

func (r roas) Validate(p netip.Prefix, origin uint32) (string, string) {
	if v, ok := r[fmt.Sprintf("%s AS%d", p, origin)]; ok {
		return v[0], v[1]
	}
	return "not-found", "no ROA covers it"
}

// TestDetectRPKI: RPKI is evidence: a valid hijacker is demoted, never
// suppressed; the owner's invalid route is reported; an invalid hijack
// stays critical.
func TestDetectRPKI(t *testing.T) {
	rpki := roas{
		"202.33.0.0/16 AS4725":   {"valid", "ROA 202.33.0.0/16-16 AS4725"},
		"202.33.14.0/24 AS64666": {"valid", "ROA 202.33.14.0/24-24 AS64666"},
		"202.33.128.0/17 AS4725": {"invalid", "ROA 202.33.0.0/16-16 AS4725: longer than its maxLength 16"},
		"202.33.15.0/24 AS64667": {"invalid", "ROA 202.33.0.0/16-16 AS4725: origin AS64667 not authorised"},
	}
	three := []peer{dozen[0], dozen[6], dozen[1]}
	for _, tc := range []struct {
		name   string
		prefix string
		origin uint32
		want   []want
	}{{
		name: "RPKI-valid hijacker: demoted to a warning", prefix: "202.33.14.0/24", origin: 64666,
		want: []want{{
			typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityWarning, hijack: true,
			prefixes: []string{"202.33.14.0/24"}, monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
			why: []string{
				"AS64666 began originating 202.33.14.0/24",
				"RPKI: valid (ROA 202.33.14.0/24-24 AS64666)",
				"demoted to a warning, not suppressed",
			},
			events: []string{EventOpened},
		}},
	}, {
		name: "owner's route RPKI-invalid (maxLength)", prefix: "202.33.128.0/17", origin: 4725,
		want: []want{{
			typ: MonitorMoreSpecific, severity: SeverityInfo,
			prefixes: []string{"202.33.128.0/17"}, monitored: "202.33.0.0/16", offender: 4725, origin: 4725,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
			why:    []string{"began announcing the more specific 202.33.128.0/17"},
			events: []string{EventOpened},
		}, {
			typ: MonitorRPKI, severity: SeverityHigh,
			prefixes: []string{"202.33.128.0/17"}, monitored: "202.33.0.0/16", offender: 4725, origin: 4725,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
			why: []string{
				"AS4725 announces 202.33.128.0/17 (Example network), which RPKI marks invalid (ROA 202.33.0.0/16-16 AS4725: longer than its maxLength 16); networks that drop invalid routes cannot reach it; seen by",
			},
			events: []string{EventOpened},
		}},
	}, {
		name: "RPKI-invalid hijack stays critical", prefix: "202.33.15.0/24", origin: 64667,
		want: []want{{
			typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.15.0/24"}, monitored: "202.33.0.0/16", offender: 64667, origin: 64667,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
			why: []string{
				"AS64667 began originating 202.33.15.0/24",
				"RPKI: invalid (ROA 202.33.0.0/16-16 AS4725: origin AS64667 not authorised)",
			},
			events: []string{EventOpened},
		}},
	}, {
		name: "RPKI-not-found hijack stays critical", prefix: "202.33.16.0/24", origin: 64668,
		want: []want{{
			typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.16.0/24"}, monitored: "202.33.0.0/16", offender: 64668, origin: 64668,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
			why:    []string{"RPKI: not-found (no ROA covers it)"},
			events: []string{EventOpened},
		}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBed(t, seedConfig, Options{RPKI: rpki})
			b.legit(t0.Add(-time.Hour), dozen, "202.33.0.0/16", 4725)
			for i, p := range three {
				b.feed(p.ann(t0.Add(sec(10*i)), tc.prefix, tc.origin))
			}
			incs := b.expect(tc.want...)
			for _, inc := range incs {
				if inc.RPKI != rpkiState(rpki, tc.prefix, tc.origin) {
					t.Errorf("%s: RPKI %q", inc.Type, inc.RPKI)
				}
			}
		})
	}
}

func rpkiState(r roas, prefix string, origin uint32) string {
	s, _ := r.Validate(netip.MustParsePrefix(prefix), origin)
	return s
}

const visibilityConfig = `
prefixes:
  202.33.0.0/16:
    description: Example network
    asn: 4725
`

// visibilityBed returns an engine where the first ten of the dozen carry
// AS4725's route, with visibility_hold hold.
func visibilityBed(t *testing.T, hold time.Duration) *bed {
	cfg := mustConfig(t, visibilityConfig)
	// A zero in the YAML inherits the default (60s): set the resolved
	// threshold directly.
	cfg.Prefixes[0].th.VisibilityHold = Duration(hold)
	b := newBedConfig(t, cfg, Options{})
	b.legit(t0.Add(-time.Hour), dozen[:10], "202.33.0.0/16", 4725)
	return b
}

// losers are the six of the ten carrying peers that withdraw: four at
// rrc00, two at route-views2.
var losers = []peer{dozen[0], dozen[1], dozen[2], dozen[6], dozen[7], dozen[3]}

// TestVisibilityLossAndRestoration: six of ten peers withdraw the owner's
// route, then four announce it again.
func TestVisibilityLossAndRestoration(t *testing.T) {
	t.Run("hold 0", func(t *testing.T) {
		b := visibilityBed(t, 0)
		for i, p := range losers {
			b.feed(p.wd(t0.Add(sec(10*i)), "202.33.0.0/16"))
			if i == 3 {
				b.none() // 4 of 10
			}
		}
		// The fifth withdrawal (50%) opens it, the sixth updates it.
		inc := b.expect(want{
			typ: MonitorVisibility, severity: SeverityHigh,
			prefixes: []string{"202.33.0.0/16"}, monitored: "202.33.0.0/16", origin: 4725,
			peerASes: []uint32{174, 1299, 3356, 6453, 6762, 6939}, colls: []string{rv2, rrc00},
			firstSeen: t0.Add(sec(40)), opened: t0.Add(sec(40)),
			why: []string{
				"202.33.0.0/16 (Example network), originated by AS4725, was lost by 6 of the 10 peers that carried it (60%); it is now visible at 4",
				"lost at 6 peer ASes on 2 collectors",
			},
			events: []string{EventOpened, EventUpdated},
		})[0]
		if inc.Sessions != 6 {
			t.Errorf("sessions %d, want 6 without the route", inc.Sessions)
		}
		// Four come back: 2 of 10 still without it.
		back := t0.Add(10 * time.Minute)
		for i, p := range losers[:4] {
			b.feed(p.ann(back.Add(sec(10*i)), "202.33.0.0/16", 4725))
		}
		b.expect(want{
			typ: MonitorVisibility, severity: SeverityHigh,
			prefixes: []string{"202.33.0.0/16"}, monitored: "202.33.0.0/16", origin: 4725,
			peerASes: []uint32{6762, 6939}, colls: []string{rv2, rrc00},
			firstSeen: t0.Add(sec(40)), opened: t0.Add(sec(40)), resolved: back.Add(sec(30)),
			why:    []string{"202.33.0.0/16 (Example network), originated by AS4725, lost visibility and was restored: it is visible again at 8 of the 10 peers that carried it (2 still without it)", "Resolved at 2019-09-23 08:40:30 UTC, 9m50s after it opened"},
			events: []string{EventOpened, EventUpdated, EventUpdated, EventResolved},
		})
		if d := lastTimeline(b.rec.final()[0]); d != "restored: visible again at 8 of 10 peers" {
			t.Errorf("resolution detail %q", d)
		}
	})
	t.Run("hold 60s", func(t *testing.T) {
		b := visibilityBed(t, time.Minute)
		for i, p := range losers {
			b.feed(p.wd(t0.Add(sec(10*i)), "202.33.0.0/16"))
		}
		// Losing since the fifth withdrawal (08:30:40).
		b.eng.Tick(t0.Add(sec(99)))
		b.none()
		b.eng.Tick(t0.Add(sec(100)))
		b.expect(want{
			typ: MonitorVisibility, severity: SeverityHigh,
			prefixes: []string{"202.33.0.0/16"}, monitored: "202.33.0.0/16", origin: 4725,
			peerASes: []uint32{174, 1299, 3356, 6453, 6762, 6939}, colls: []string{rv2, rrc00},
			firstSeen: t0.Add(sec(40)), opened: t0.Add(sec(100)),
			why:    []string{"was lost by 6 of the 10 peers that carried it (60%); it is now visible at 4", "for at least 1m0s"},
			events: []string{EventOpened},
		})
	})
	t.Run("hold 60s: back before the hold", func(t *testing.T) {
		b := visibilityBed(t, time.Minute)
		for i, p := range losers {
			b.feed(p.wd(t0.Add(sec(10*i)), "202.33.0.0/16"))
		}
		for i, p := range losers {
			b.feed(p.ann(t0.Add(sec(60+i)), "202.33.0.0/16", 4725))
		}
		b.eng.Tick(t0.Add(5 * time.Minute))
		b.none()
	})
	t.Run("hold 60s: partly back before the hold, below the threshold", func(t *testing.T) {
		b := visibilityBed(t, time.Minute)
		for i, p := range losers {
			b.feed(p.wd(t0.Add(sec(10*i)), "202.33.0.0/16"))
		}
		// Two come back: 4 of 10 (40%) lack it, under the 50% threshold.
		b.feed(losers[0].ann(t0.Add(sec(60)), "202.33.0.0/16", 4725))
		b.feed(losers[1].ann(t0.Add(sec(61)), "202.33.0.0/16", 4725))
		b.eng.Tick(t0.Add(5 * time.Minute))
		b.none()
	})
	t.Run("a path change is not a loss", func(t *testing.T) {
		b := visibilityBed(t, 0)
		// Even at a 10% loss threshold.
		b.cfg.Prefixes[0].th.VisibilityLossPercent = 10
		for i, p := range dozen[:10] {
			b.feed(p.ann(t0.Add(sec(i)), "202.33.0.0/16", 2914, 4725))
		}
		b.none()
	})
}

// TestVisibilityPeerDown: a session going down is the collector losing a
// view: the peer leaves the baseline, it is no loss.
func TestVisibilityPeerDown(t *testing.T) {
	for _, tc := range []struct {
		name     string
		hold     time.Duration
		feed     func(b *bed)
		baseline int
	}{{
		name:     "six sessions down",
		baseline: 4,
		feed: func(b *bed) {
			for i, p := range losers {
				b.feed(p.down(t0.Add(sec(10 * i))))
			}
		},
	}, {
		name:     "four withdraw, a fifth session goes down",
		baseline: 9,
		feed: func(b *bed) {
			for i, p := range losers[:4] {
				b.feed(p.wd(t0.Add(sec(10*i)), "202.33.0.0/16"))
			}
			b.feed(losers[4].down(t0.Add(time.Minute)))
		},
	}, {
		name:     "four withdraw, a fifth session goes down (hold 60s)",
		hold:     time.Minute,
		baseline: 9,
		feed: func(b *bed) {
			for i, p := range losers[:4] {
				b.feed(p.wd(t0.Add(sec(10*i)), "202.33.0.0/16"))
			}
			b.feed(losers[4].down(t0.Add(time.Minute)))
			b.eng.Tick(t0.Add(10 * time.Minute))
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := visibilityBed(t, tc.hold)
			tc.feed(b)
			b.none()
			if rs := b.eng.rules[0]; len(rs.baseline) != tc.baseline {
				t.Errorf("baseline %d peers, want %d", len(rs.baseline), tc.baseline)
			}
		})
	}
}

// TestDetectMoreSpecificAndCarveOut: the owner's more specifics are
// reported, not called hijacks; ignoreMorespecifics and carve-outs
// silence the space they cover.
func TestDetectMoreSpecificAndCarveOut(t *testing.T) {
	three := []peer{dozen[0], dozen[6], dozen[1]}
	t.Run("own more specific", func(t *testing.T) {
		b := newBed(t, seedConfig, Options{})
		for i, p := range three {
			b.feed(p.ann(t0.Add(sec(10*i)), "202.33.128.0/17", 2914, 4725))
		}
		b.expect(want{
			typ: MonitorMoreSpecific, severity: SeverityInfo,
			prefixes: []string{"202.33.128.0/17"}, monitored: "202.33.0.0/16", offender: 4725, origin: 4725,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
			why: []string{
				"AS4725, a legitimate origin of 202.33.0.0/16 (Example network), began announcing the more specific 202.33.128.0/17. This is not a hijack",
			},
			events: []string{EventOpened},
		})
	})
	t.Run("ignoreMorespecifics", func(t *testing.T) {
		b := newBed(t, `
prefixes:
  202.33.0.0/16:
    asn: 4725
    ignoreMorespecifics: true
`, Options{})
		for i, p := range three {
			b.feed(p.ann(t0.Add(sec(10*i)), "202.33.128.0/17", 4725))
			b.feed(p.ann(t0.Add(sec(10*i)), "202.33.14.0/24", 64666))
		}
		b.none()
		// The prefix itself is still monitored.
		for i, p := range three {
			b.feed(p.ann(t0.Add(time.Minute+sec(i)), "202.33.0.0/16", 64666))
		}
		b.expect(want{
			typ: MonitorExact, code: "E|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.0.0/16"}, monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
			firstSeen: t0.Add(time.Minute), opened: t0.Add(time.Minute + sec(2)),
			events: []string{EventOpened},
		})
	})
	t.Run("carve-out", func(t *testing.T) {
		b := newBed(t, `
prefixes:
  202.33.0.0/16:
    asn: 4725
  202.33.64.0/18:
    description: delegated to a customer
    ignore: true
`, Options{})
		for i, p := range three {
			b.feed(p.ann(t0.Add(sec(10*i)), "202.33.64.0/18", 64777))
			b.feed(p.ann(t0.Add(sec(10*i)), "202.33.70.0/24", 64666))
			b.feed(p.ann(t0.Add(sec(10*i)), "202.33.96.0/19", 4725))
		}
		b.none()
		// Outside the carve-out, the rest of the /16 is still monitored.
		for i, p := range three {
			b.feed(p.ann(t0.Add(time.Minute+sec(i)), "202.33.128.0/24", 64666))
		}
		b.expect(want{
			typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.128.0/24"}, monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
			firstSeen: t0.Add(time.Minute), opened: t0.Add(time.Minute + sec(2)),
			events: []string{EventOpened},
		})
	})
}

// TestDetectMonitoredAS: prefixes and neighbours of a monitored AS.
func TestDetectMonitoredAS(t *testing.T) {
	const config = `
prefixes:
  202.33.0.0/16: {asn: 4725}
asns:
  4725:
    group: noc
    upstreams: [64500]
    downstreams: []
`
	three := []peer{dozen[0], dozen[6], dozen[1]}
	newPrefix := want{
		typ: MonitorNewPrefix, severity: SeverityWarning,
		prefixes: []string{"203.0.113.0/24"}, monitoredAS: 4725, offender: 4725, origin: 4725,
		peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
		group:  "noc",
		why:    []string{"AS4725 began originating 203.0.113.0/24, which is not among its monitored prefixes"},
		events: []string{EventOpened},
	}
	newUpstream := want{
		typ: MonitorNeighbour, severity: SeverityWarning,
		prefixes: []string{"203.0.113.0/24"}, monitoredAS: 4725, offender: 64999, origin: 4725,
		peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
		group:  "noc",
		why:    []string{"AS4725 has a new upstream neighbour AS64999 in the paths of 203.0.113.0/24, not among the expected ones"},
		events: []string{EventOpened},
	}
	for _, tc := range []struct {
		name   string
		config string
		prefix string
		path   []uint32
		want   []want
	}{{
		name: "new prefix", config: config,
		prefix: "203.0.113.0/24", path: []uint32{2914, 64500, 4725},
		want: []want{newPrefix},
	}, {
		name: "new prefix through a new upstream", config: config,
		prefix: "203.0.113.0/24", path: []uint32{2914, 64999, 4725},
		want: []want{newPrefix, newUpstream},
	}, {
		name: "new upstream only (path-neighbors)",
		config: `
asns:
  4725:
    group: noc
    upstreams: [64500]
    includeMonitors: [path-neighbors]
`,
		prefix: "203.0.113.0/24", path: []uint32{2914, 64999, 4725},
		want: []want{newUpstream},
	}, {
		name: "a monitored prefix is not new, its first hop is judged by the prefix rule", config: config,
		prefix: "202.33.0.0/16", path: []uint32{2914, 64500, 4725},
	}, {
		name: "any downstream is new with downstreams: []", config: config,
		prefix: "198.51.100.0/24", path: []uint32{64500, 4725, 64777},
		want: []want{{
			typ: MonitorNeighbour, severity: SeverityWarning,
			prefixes: []string{"198.51.100.0/24"}, monitoredAS: 4725, offender: 64777, origin: 64777,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
			group:  "noc",
			why:    []string{"AS4725 has a new downstream neighbour AS64777 in the paths of 198.51.100.0/24, not among the expected ones"},
			events: []string{EventOpened},
		}},
	}, {
		name: "listed downstream",
		config: `
asns:
  4725: {upstreams: [64500], downstreams: [64777]}
`,
		prefix: "198.51.100.0/24", path: []uint32{64500, 4725, 64777},
	}, {
		name: "downstreams unset: not checked",
		config: `
asns:
  4725: {upstreams: [64500]}
`,
		prefix: "198.51.100.0/24", path: []uint32{64500, 4725, 64777},
	}, {
		name: "transit upstreams are not judged",
		config: `
asns:
  4725: {upstreams: [64500]}
`,
		prefix: "198.51.100.0/24", path: []uint32{64999, 4725, 64777},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBed(t, tc.config, Options{})
			for i, p := range three {
				b.feed(p.ann(t0.Add(sec(10*i)), tc.prefix, tc.path...))
			}
			b.expect(tc.want...)
		})
	}
}

// TestDetectPathRules: BGPalerter's path rules.
func TestDetectPathRules(t *testing.T) {
	const config = `
prefixes:
  202.33.0.0/16:
    description: Example network
    asn: 4725
    path:
      - match: ".*,666,.*"
        matchDescription: through a bad AS
      - match: "^174,"
        maxLength: 4
        matchDescription: long path through AS174
`
	three := []peer{dozen[0], dozen[6], dozen[1]}
	pathMatch := func(detail string) want {
		return want{typ: MonitorPath, severity: SeverityWarning,
			prefixes: []string{"202.33.0.0/16"}, monitored: "202.33.0.0/16", offender: 4725, origin: 4725,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
			why:    []string{"202.33.0.0/16 (inside 202.33.0.0/16 (Example network)) is announced with an AS path matching a path rule: " + detail},
			events: []string{EventOpened}}
	}
	for _, tc := range []struct {
		name  string
		peers []peer
		path  []uint32
		// minPeerASes overrides the threshold (only AS174's sessions
		// start with 174).
		minPeerASes int
		want        []want
	}{{
		name: "through AS666", peers: three, path: []uint32{666, 2914, 4725},
		want: []want{pathMatch(`through a bad AS (the path matches ".*,666,.*")`)},
	}, {
		name: "AS6666 is not AS666", peers: three, path: []uint32{6666, 2914, 4725},
	}, {
		name: "AS666 as the collector peer does not match ,666,", peers: []peer{{rrc00, "10.0.0.66", 666}, {rrc00, "10.0.0.67", 666}}, path: []uint32{2914, 4725},
	}, {
		name:  "long path through AS174",
		peers: []peer{{rrc00, "10.0.0.3", 174}, {rrc00, "10.0.0.13", 174}, {rv2, "10.0.1.3", 174}},
		path:  []uint32{3356, 2914, 64500, 4725}, minPeerASes: 1,
		want: []want{{typ: MonitorPath, severity: SeverityWarning,
			prefixes: []string{"202.33.0.0/16"}, monitored: "202.33.0.0/16", offender: 4725, origin: 4725,
			peerASes: []uint32{174}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0,
			why:    []string{`long path through AS174 (the path matches "^174,", is 5 ASes long, longer than allowed (max 4))`},
			events: []string{EventOpened, EventUpdated}}},
	}, {
		name:  "short path through AS174 is within the rule's length",
		peers: []peer{{rrc00, "10.0.0.3", 174}, {rrc00, "10.0.0.13", 174}, {rv2, "10.0.1.3", 174}},
		path:  []uint32{2914, 4725}, minPeerASes: 1,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustConfig(t, config)
			if tc.minPeerASes > 0 {
				cfg.Prefixes[0].th.MinPeerASes = tc.minPeerASes
			}
			b := newBedConfig(t, cfg, Options{})
			for i, p := range tc.peers {
				b.feed(p.ann(t0.Add(sec(10*i)), "202.33.0.0/16", tc.path...))
			}
			b.expect(tc.want...)
		})
	}
}

// TestIncidentGrouping: one hijacker on several more specifics of one
// monitored prefix is one incident.
func TestIncidentGrouping(t *testing.T) {
	b := newBed(t, seedConfig, Options{})
	b.legit(t0.Add(-time.Hour), dozen, "202.33.0.0/16", 4725)
	for i, p := range []peer{dozen[0], dozen[1], dozen[6]} {
		for _, pfx := range []string{"202.33.14.0/24", "202.33.15.0/24", "202.33.200.0/24"} {
			b.feed(p.ann(t0.Add(sec(5*i)), pfx, 3491, 64666))
		}
	}
	inc := b.expect(want{
		typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
		prefixes:  []string{"202.33.14.0/24", "202.33.15.0/24", "202.33.200.0/24"},
		monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
		peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(10)),
		why:    []string{"AS64666 began originating 202.33.14.0/24, 202.33.15.0/24, 202.33.200.0/24, a more specific of 202.33.0.0/16"},
		events: []string{EventOpened},
	})[0]
	// As published when it opened, at the third peer's first route.
	if inc.Sessions != 7 || inc.PeerASesNow != 3 {
		t.Errorf("sessions %d peer ASes now %d, want 7 and 3", inc.Sessions, inc.PeerASesNow)
	}
	// A fourth prefix updates the same incident.
	b.feed(dozen[0].ann(t0.Add(time.Minute), "202.33.201.0/24", 3491, 64666))
	b.expect(want{
		typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
		prefixes:  []string{"202.33.14.0/24", "202.33.15.0/24", "202.33.200.0/24", "202.33.201.0/24"},
		monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
		peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(10)),
		why:    []string{"AS64666 began originating 202.33.14.0/24, 202.33.15.0/24, 202.33.200.0/24 and 1 more"},
		events: []string{EventOpened, EventUpdated},
	})
	if d := lastTimeline(b.rec.final()[0]); d != "202.33.201.0/24 announced (AS3356 at rrc00)" {
		t.Errorf("update detail %q", d)
	}
	// Another hijacker is another incident.
	for i, p := range []peer{dozen[2], dozen[3], dozen[7]} {
		b.feed(p.ann(t0.Add(2*time.Minute+sec(i)), "202.33.14.0/24", 64667))
	}
	if incs := b.rec.final(); len(incs) != 2 || incs[1].OffendingAS != 64667 || incs[1].ID == incs[0].ID {
		t.Errorf("second hijacker: %s", describeAll(incs))
	}
}

// TestIncidentReopen: an anomaly back within reopen_window reopens its
// incident; later, it is a new one.
func TestIncidentReopen(t *testing.T) {
	b := newBed(t, seedConfig, Options{})
	three := []peer{dozen[0], dozen[1], dozen[6]}
	hijack := func(at time.Time) {
		for i, p := range three {
			b.feed(p.ann(at.Add(sec(10*i)), "202.33.14.0/24", 64666))
		}
	}
	withdraw := func(at time.Time) {
		for i, p := range three {
			b.feed(p.wd(at.Add(sec(i)), "202.33.14.0/24"))
		}
	}
	sub := func(first, opened, resolved time.Time, reopened int, events ...string) want {
		return want{typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.14.0/24"}, monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
			firstSeen: first, opened: opened, resolved: resolved, reopened: reopened, events: events}
	}
	hijack(t0)
	withdraw(t0.Add(5 * time.Minute))
	first := b.expect(sub(t0, t0.Add(sec(20)), t0.Add(5*time.Minute+sec(2)), 0, EventOpened, EventResolved))[0]

	// Back 55 minutes later (window 1h): one peer is not enough…
	back := t0.Add(time.Hour)
	b.feed(three[0].ann(back, "202.33.14.0/24", 64666))
	if len(b.rec.changes) != 2 {
		t.Fatalf("one peer reopened it: %s", describeAll(b.rec.final()))
	}
	// …three reopen the same incident.
	hijack(back)
	inc := b.expect(sub(t0, t0.Add(sec(20)), time.Time{}, 1, EventOpened, EventResolved, EventReopened))[0]
	if inc.ID != first.ID {
		t.Errorf("reopened as %s, want %s", inc.ID, first.ID)
	}
	if !inc.LastSeen.Equal(back.Add(sec(20))) {
		t.Errorf("last seen %v", inc.LastSeen)
	}
	withdraw(back.Add(5 * time.Minute))
	b.expect(sub(t0, t0.Add(sec(20)), back.Add(5*time.Minute+sec(2)), 1, EventOpened, EventResolved, EventReopened, EventResolved))

	// Back after the window: a new incident.
	later := back.Add(5*time.Minute + 2*time.Hour)
	hijack(later)
	incs := b.expect(
		sub(t0, t0.Add(sec(20)), back.Add(5*time.Minute+sec(2)), 1, EventOpened, EventResolved, EventReopened, EventResolved),
		sub(later, later.Add(sec(20)), time.Time{}, 0, EventOpened),
	)
	if incs[1].ID == incs[0].ID || !strings.HasPrefix(incs[1].ID, "20190923T113520Z-") {
		t.Errorf("new incident ID %s (first %s)", incs[1].ID, incs[0].ID)
	}
	if st := b.eng.Stats(); st.Opened != 2 || st.Reopened != 1 || st.Resolved != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestIncidentImplicitWithdrawal: a peer replacing its route (a new path,
// the same route again) is not news; the last peer replacing it keeps the
// incident open, and resolves it when the replacement no longer supports
// it.
func TestIncidentImplicitWithdrawal(t *testing.T) {
	b := newBed(t, seedConfig, Options{})
	three := []peer{dozen[0], dozen[1], dozen[6]}
	for i, p := range three {
		b.feed(p.ann(t0.Add(sec(10*i)), "202.33.14.0/24", 3491, 64666))
	}
	b.feed(three[0].ann(t0.Add(time.Minute), "202.33.14.0/24", 6939, 64666))
	b.feed(three[0].ann(t0.Add(time.Minute+sec(1)), "202.33.14.0/24", 6939, 64666))
	b.feed(three[1].ann(t0.Add(time.Minute+sec(2)), "202.33.14.0/24", 3491, 64666, 64666))
	// Two withdraw; the last one changes paths twice.
	b.feed(three[0].wd(t0.Add(2*time.Minute), "202.33.14.0/24"))
	b.feed(three[1].wd(t0.Add(2*time.Minute+sec(1)), "202.33.14.0/24"))
	b.feed(three[2].ann(t0.Add(3*time.Minute), "202.33.14.0/24", 6762, 64666))
	b.feed(three[2].ann(t0.Add(3*time.Minute+sec(5)), "202.33.14.0/24", 3491, 64666))
	want := want{typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
		prefixes: []string{"202.33.14.0/24"}, monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
		peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
		events: []string{EventOpened}}
	b.expect(want)
	// The last one replaces it with the owner's route: resolved then.
	b.feed(three[2].ann(t0.Add(4*time.Minute), "202.33.14.0/24", 3491, 4725))
	want.resolved = t0.Add(4 * time.Minute)
	want.events = []string{EventOpened, EventResolved}
	inc := b.expect(want)[0]
	if d := lastTimeline(inc); d != "the last peer seeing it (AS6453 at route-views2) replaced its route" {
		t.Errorf("resolution detail %q", d)
	}
}

// TestRestoreSettle: a restarted engine continues the incidents it had,
// and resolves those nothing supports any more.
func TestRestoreSettle(t *testing.T) {
	three := []peer{dozen[0], dozen[1], dozen[6]}
	before := func(t *testing.T) []Incident {
		b := newBed(t, seedConfig, Options{})
		b.legit(t0.Add(-time.Hour), dozen, "202.33.0.0/16", 4725)
		for i, p := range three {
			b.feed(p.ann(t0.Add(sec(10*i)), "202.33.14.0/24", 64666))
		}
		return b.rec.final()
	}
	restart := t0.Add(time.Hour)
	sub := func(resolved time.Time, peers []uint32, colls []string, events ...string) want {
		return want{typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.14.0/24"}, monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
			peerASes: peers, colls: colls, firstSeen: t0, opened: t0.Add(sec(20)), resolved: resolved, events: events}
	}
	t.Run("still announced", func(t *testing.T) {
		incs := before(t)
		b := newBed(t, seedConfig, Options{})
		b.eng.Restore(incs)
		// The warm start feeds the index's routes at the restart time.
		for _, p := range dozen {
			ev := p.ann(restart, "202.33.0.0/16", 4725)
			ev.FromRIB = true
			b.feed(ev)
		}
		for _, p := range three {
			ev := p.ann(restart, "202.33.14.0/24", 64666)
			ev.FromRIB = true
			b.feed(ev)
		}
		b.eng.Settle(restart)
		b.none()
		// It continues: a new peer AS updates it, withdrawals resolve it.
		b.feed(dozen[2].ann(restart.Add(time.Minute), "202.33.14.0/24", 64666))
		for i, p := range append(three, dozen[2]) {
			b.feed(p.wd(restart.Add(2*time.Minute+sec(i)), "202.33.14.0/24"))
		}
		inc := b.expect(sub(restart.Add(2*time.Minute+sec(3)), []uint32{174, 1299, 3356, 6453}, []string{rv2, rrc00}, EventUpdated, EventResolved))[0]
		if inc.ID != incs[0].ID {
			t.Errorf("ID %s after the restart, want %s", inc.ID, incs[0].ID)
		}
		if inc.Reopened != 0 || inc.PeakPeerASes != 4 {
			t.Errorf("reopened %d peak %d", inc.Reopened, inc.PeakPeerASes)
		}
	})
	t.Run("gone while down", func(t *testing.T) {
		incs := before(t)
		b := newBed(t, seedConfig, Options{})
		b.eng.Restore(incs)
		b.legit(restart, dozen, "202.33.0.0/16", 4725)
		b.eng.Settle(restart)
		inc := b.expect(sub(restart, []uint32{1299, 3356, 6453}, []string{rv2, rrc00}, EventResolved))[0]
		if inc.ID != incs[0].ID {
			t.Errorf("ID %s after the restart, want %s", inc.ID, incs[0].ID)
		}
		if d := lastTimeline(inc); d != "no longer seen after the detector restarted" {
			t.Errorf("resolution detail %q", d)
		}
	})
	t.Run("resolved before, back within the window", func(t *testing.T) {
		incs := before(t)
		b0 := newBed(t, seedConfig, Options{})
		b0.eng.Restore(incs)
		b0.eng.Settle(restart)
		resolved := b0.rec.final()

		b := newBed(t, seedConfig, Options{})
		b.eng.Restore(resolved)
		b.eng.Settle(restart.Add(time.Minute))
		b.none()
		for i, p := range three {
			b.feed(p.ann(restart.Add(10*time.Minute+sec(i)), "202.33.14.0/24", 64666))
		}
		inc := b.expect(want{typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
			prefixes: []string{"202.33.14.0/24"}, monitored: "202.33.0.0/16", offender: 64666, origin: 64666,
			peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00}, firstSeen: t0, opened: t0.Add(sec(20)),
			reopened: 1, events: []string{EventReopened}})[0]
		if inc.ID != incs[0].ID {
			t.Errorf("ID %s, want %s", inc.ID, incs[0].ID)
		}
	})
	t.Run("monitor removed", func(t *testing.T) {
		incs := before(t)
		b := newBed(t, `
prefixes:
  198.51.100.0/24: {asn: 64496}
`, Options{})
		b.eng.Restore(incs)
		b.eng.Settle(restart)
		inc := b.expect(sub(restart, []uint32{1299, 3356, 6453}, []string{rv2, rrc00}, EventResolved))[0]
		if d := lastTimeline(inc); d != "its monitor was removed from the configuration" {
			t.Errorf("resolution detail %q", d)
		}
	})
}

// TestDetectIPv6: IPv6 space is monitored the same way.
func TestDetectIPv6(t *testing.T) {
	b := newBed(t, `
prefixes:
  2001:200::/32:
    description: WIDE
    asn: 2500
`, Options{})
	v6 := []peer{{rrc00, "2001:7f8::d24:0:1", 3356}, {rrc00, "2001:7f8::d24:0:2", 1299}, {rv2, "2001:db8:ffff::1", 6453}, {rv2, "2001:db8:ffff::2", 6762}}
	for i, p := range v6 {
		b.feed(p.ann(t0.Add(-time.Hour+sec(i)), "2001:200::/32", 2914, 2500))
	}
	for i, p := range v6[:3] {
		b.feed(p.ann(t0.Add(sec(10*i)), "2001:200:900::/40", 64666))
		b.feed(p.ann(t0.Add(sec(10*i)), "2001:200:e00::/40", 2914, 2500))
	}
	// A covering /31 and another family's space are outside the rule.
	for i, p := range v6[:3] {
		b.feed(p.ann(t0.Add(time.Minute+sec(i)), "2001:200::/31", 64666))
		b.feed(p.ann(t0.Add(time.Minute+sec(i)), "32.1.2.0/24", 64666))
	}
	for i, p := range v6[:3] {
		b.feed(p.wd(t0.Add(2*time.Minute+sec(i)), "2001:200:900::/40"))
	}
	b.expect(want{
		typ: MonitorSubPrefix, code: "S|0|-|-", severity: SeverityCritical, hijack: true,
		prefixes: []string{"2001:200:900::/40"}, monitored: "2001:200::/32", offender: 64666, origin: 64666,
		peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
		firstSeen: t0, opened: t0.Add(sec(20)), resolved: t0.Add(2*time.Minute + sec(2)),
		why:    []string{"AS64666 began originating 2001:200:900::/40, a more specific of 2001:200::/32 (WIDE) registered to AS2500"},
		events: []string{EventOpened, EventResolved},
	}, want{
		typ: MonitorMoreSpecific, severity: SeverityInfo,
		prefixes: []string{"2001:200:e00::/40"}, monitored: "2001:200::/32", offender: 2500, origin: 2500,
		peerASes: []uint32{1299, 3356, 6453}, colls: []string{rv2, rrc00},
		firstSeen: t0, opened: t0.Add(sec(20)),
		events: []string{EventOpened},
	})
}
