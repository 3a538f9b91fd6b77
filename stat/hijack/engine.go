package hijack

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kentik/patricia"
	"github.com/kentik/patricia/generics_tree"

	"github.com/routestat/routestat/stat/index"
)

// RPKI validates a route's origin. State is "valid", "invalid" or
// "not-found"; Detail explains (matching ROAs, or why invalid).
type RPKI interface {
	Validate(p netip.Prefix, origin uint32) (state, detail string)
}

// Relationships checks an AS path (collector peer first, origin last) for
// a valley-free violation, explaining it in words.
type Relationships interface {
	Leak(path []uint32) (leaker uint32, explanation string, found bool)
}

// Options configure an Engine.
type Options struct {
	// RPKI and Relations are optional inputs: without them the RPKI and
	// route-leak detectors are off.
	RPKI      RPKI
	Relations Relationships
	// Sink receives every incident change (required).
	Sink Sink
	// Clock gives the wall-clock time stamped on incidents as Detected
	// (default time.Now).
	Clock func() time.Time
}

// Engine runs every detector over a stream of route events. It is not
// safe for concurrent use: one goroutine feeds it (Live and Backtest do).
type Engine struct {
	cfg      *Config
	opt      Options
	tree4    *generics_tree.TreeV4[*ruleState]
	tree6    *generics_tree.TreeV6[*ruleState]
	rules    []*ruleState
	asRule   map[uint32]*ASRule
	sessions map[sessionKey]*session
	peerASes map[uint32]int
	findings map[findingKey]*finding
	// resolved keeps recently resolved incidents for reopening.
	resolved map[findingKey]*Incident
	// delegated maps a (monitored prefix, origin) seen reached through
	// the prefix's owner to that owner.
	delegated map[findingKey]uint32
	holds     map[*ruleState]struct{}
	now       time.Time
	// quiet defers visibility evaluation while a route is replaced, and
	// the end of the findings it was the last support of (ending): they
	// end only if the replacement does not support them.
	quiet  bool
	ending []ending
	stats  EngineStats
	buf    []uint32
}

// EngineStats count what an Engine did.
type EngineStats struct {
	Events, Announcements, Tracked int64
	Opened, Resolved, Reopened     int64
}

type ending struct {
	f   *finding
	rt  *route
	how string
}

type sessionKey struct {
	coll string
	addr netip.Addr
}

type session struct {
	coll   string
	addr   netip.Addr
	as     uint32
	routes map[routeID]*route
}

type routeID struct {
	prefix netip.Prefix
	pathID uint32
}

type route struct {
	sess     *session
	id       routeID
	path     string
	findings []*finding
	vis      *ruleState
	t        time.Time
}

type ruleState struct {
	r        *PrefixRule
	baseline map[*session]struct{}
	carrying map[*session]int
	pending  bool
	since    time.Time
	vis      *finding
}

type findingKey struct {
	typ      string
	scope    string
	offender uint32
}

func (k findingKey) String() string {
	return k.typ + "|" + k.scope + "|AS" + strconv.FormatUint(uint64(k.offender), 10)
}

type finding struct {
	key      findingKey
	rule     *PrefixRule
	as       *ASRule
	th       Thresholds
	group    string
	routes   map[*route]struct{}
	peerASes map[uint32]int
	colls    map[string]int
	prefixes map[netip.Prefix]int
	// everASes and everColls hold every peer AS and collector that has
	// supported the finding (evidence outlives withdrawals).
	everASes  map[uint32]struct{}
	everColls map[string]struct{}
	origin    uint32
	first     time.Time
	last      time.Time
	paths     []string
	rpki      string
	rpkiText  string
	detail    string
	inc       *Incident
	// reclassified explains why the finding ended when its routes moved
	// to another finding.
	reclassified string
	// visibility: the counts behind a loss.
	lost, base, carrying int
}

// NewEngine returns an engine for cfg.
func NewEngine(cfg *Config, opt Options) *Engine {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	e := &Engine{
		cfg: cfg, opt: opt,
		tree4:     generics_tree.NewTreeV4[*ruleState](),
		tree6:     generics_tree.NewTreeV6[*ruleState](),
		asRule:    make(map[uint32]*ASRule),
		sessions:  make(map[sessionKey]*session),
		peerASes:  make(map[uint32]int),
		findings:  make(map[findingKey]*finding),
		resolved:  make(map[findingKey]*Incident),
		delegated: make(map[findingKey]uint32),
		holds:     make(map[*ruleState]struct{}),
	}
	for _, r := range cfg.Prefixes {
		rs := &ruleState{r: r, baseline: make(map[*session]struct{}), carrying: make(map[*session]int)}
		e.rules = append(e.rules, rs)
		if r.Prefix.Addr().Is4() {
			e.tree4.Set(v4(r.Prefix), rs)
		} else {
			e.tree6.Set(v6(r.Prefix), rs)
		}
	}
	for _, a := range cfg.ASNs {
		e.asRule[a.ASN] = a
	}
	return e
}

func v4(p netip.Prefix) patricia.IPv4Address {
	b := p.Addr().As4()
	return patricia.NewIPv4AddressFromBytes(b[:], uint(p.Bits()))
}

func v6(p netip.Prefix) patricia.IPv6Address {
	b := p.Addr().As16()
	return patricia.NewIPv6Address(b[:], uint(p.Bits()))
}

// Stats returns the engine's counters.
func (e *Engine) Stats() EngineStats { return e.stats }

func (e *Engine) lookup(p netip.Prefix) *ruleState {
	var ok bool
	var rs *ruleState
	if p.Addr().Is4() {
		ok, rs = e.tree4.FindDeepestTag(v4(p))
	} else {
		ok, rs = e.tree6.FindDeepestTag(v6(p))
	}
	if !ok {
		return nil
	}
	return rs
}

// Process runs the detectors over one route event.
func (e *Engine) Process(ev *index.Event) {
	e.stats.Events++
	if ev.Time.After(e.now) {
		e.Tick(ev.Time)
	}
	t := ev.Time
	s := e.session(ev)
	switch ev.Kind {
	case index.PeerDown:
		e.peerDown(s, t)
	case index.Withdraw:
		if rt := s.routes[routeID{ev.Prefix, ev.PathID}]; rt != nil {
			e.drop(rt, t, "")
		}
	case index.Announce:
		e.stats.Announcements++
		var vis *ruleState
		if rt := s.routes[routeID{ev.Prefix, ev.PathID}]; rt != nil {
			// A replaced route is judged once, with its replacement: a
			// peer changing paths is not a moment of lost visibility.
			vis = rt.vis
			e.quiet = true
			e.drop(rt, t, "replaced its route")
			e.quiet = false
		}
		if ev.Attrs != nil {
			e.announce(s, ev)
		}
		for _, x := range e.ending {
			if len(x.f.routes) == 0 && e.findings[x.f.key] == x.f {
				e.end(x.f, x.rt, t, x.how)
			}
		}
		clear(e.ending)
		e.ending = e.ending[:0]
		if vis != nil {
			e.evalVisibility(vis, t)
		}
	}
}

func (e *Engine) session(ev *index.Event) *session {
	k := sessionKey{ev.Collector, ev.PeerAddr}
	s := e.sessions[k]
	if s == nil {
		s = &session{coll: ev.Collector, addr: ev.PeerAddr, as: ev.PeerAS, routes: make(map[routeID]*route)}
		e.sessions[k] = s
		e.peerASes[ev.PeerAS]++
	}
	return s
}

// Tick advances the engine's clock to t: visibility losses held long
// enough open. Live calls it every second; Process calls it with event
// times.
func (e *Engine) Tick(t time.Time) {
	if t.After(e.now) {
		e.now = t
	}
	for rs := range e.holds {
		if e.now.Sub(rs.since) >= time.Duration(rs.r.th.VisibilityHold) {
			delete(e.holds, rs)
			rs.pending = false
			e.openVisibility(rs, e.now)
		}
	}
}

// flatPath returns the AS path with AS_SETs expanded in place, into buf.
func flatPath(a *index.Attrs, buf []uint32) []uint32 {
	buf = buf[:0]
	for _, s := range a.ASPath {
		buf = append(buf, s.ASNs...)
	}
	return buf
}

// origins returns the origin AS (0 when the path ends in an AS_SET) and
// every AS that could be the origin.
func origins(a *index.Attrs) (uint32, []uint32) {
	if len(a.ASPath) == 0 {
		return 0, nil
	}
	last := a.ASPath[len(a.ASPath)-1]
	if len(last.ASNs) == 0 {
		return 0, nil
	}
	if last.Set {
		return 0, last.ASNs
	}
	o := last.ASNs[len(last.ASNs)-1]
	return o, last.ASNs[len(last.ASNs)-1:]
}

// seqPath returns the AS path up to its first AS_SET, prepending
// removed: the part whose order the valley-free check can judge.
func seqPath(a *index.Attrs) []uint32 {
	var p []uint32
	for _, s := range a.ASPath {
		if s.Set {
			break
		}
		p = append(p, s.ASNs...)
	}
	return slices.Compact(p)
}

// dedup removes consecutive repeats (prepending).
func dedup(p []uint32) []uint32 {
	return slices.Compact(slices.Clone(p))
}

func pathString(a *index.Attrs) string {
	var b strings.Builder
	for _, s := range a.ASPath {
		if s.Set {
			b.WriteString("{")
		}
		for i, n := range s.ASNs {
			if b.Len() > 0 && !(s.Set && i == 0) {
				if s.Set {
					b.WriteString(",")
				} else {
					b.WriteString(" ")
				}
			}
			b.WriteString(strconv.FormatUint(uint64(n), 10))
		}
		if s.Set {
			b.WriteString("}")
		}
	}
	return b.String()
}

func (e *Engine) announce(s *session, ev *index.Event) {
	raw := e.lookup(ev.Prefix)
	rs := raw
	if rs != nil && (rs.r.Ignore || (ev.Prefix != rs.r.Prefix && rs.r.IgnoreMoreSpecifics)) {
		rs = nil
	}
	touchesAS := false
	if len(e.asRule) > 0 {
		for _, seg := range ev.Attrs.ASPath {
			for _, a := range seg.ASNs {
				if e.asRule[a] != nil {
					touchesAS = true
				}
			}
		}
	}
	if rs == nil && !touchesAS {
		return
	}
	rt := &route{sess: s, id: routeID{ev.Prefix, ev.PathID}, t: ev.Time, path: pathString(ev.Attrs)}
	origin, origs := origins(ev.Attrs)
	e.buf = flatPath(ev.Attrs, e.buf)
	path := dedup(e.buf)
	if rs != nil {
		e.prefixDetectors(rt, rs, ev, origin, origs, path)
	}
	if touchesAS {
		e.asDetectors(rt, raw, ev, origin, path)
	}
	if len(rt.findings) == 0 && rt.vis == nil {
		return
	}
	e.stats.Tracked++
	s.routes[rt.id] = rt
}

func (e *Engine) prefixDetectors(rt *route, rs *ruleState, ev *index.Event, origin uint32, origs []uint32, path []uint32) {
	r := rs.r
	exact := ev.Prefix == r.Prefix
	legit := len(r.Origins) > 0 && len(origs) > 0
	for _, o := range origs {
		if !slices.Contains(r.Origins, o) {
			legit = false
		}
	}
	offender := origin
	if offender == 0 {
		for _, o := range origs {
			if !slices.Contains(r.Origins, o) {
				offender = o
				break
			}
		}
	}
	// RPKI is evidence of every finding of this route, known before any
	// of them can open an incident.
	var ev0 evidence
	if e.opt.RPKI != nil {
		ev0.rpki, ev0.rpkiText = e.opt.RPKI.Validate(ev.Prefix, origin)
	}
	var hijack *finding
	switch {
	case len(r.Origins) == 0:
		if r.monitors.has(MonitorSquat) {
			hijack = e.support(rt, findingKey{MonitorSquat, r.Prefix.String(), offender}, r, nil, offender, ev0)
		}
	case !legit:
		if exact && r.monitors.has(MonitorExact) {
			hijack = e.support(rt, findingKey{MonitorExact, r.Prefix.String(), offender}, r, nil, offender, ev0)
		} else if !exact {
			// An origin reached through the covering prefix's own origin
			// is a customer using delegated space, not a hijacker (a
			// forged path would look the same, hence still reported); once
			// seen so, its routes under that prefix are all judged so.
			dk := findingKey{MonitorDelegated, r.Prefix.String(), offender}
			if len(path) >= 2 && origin != 0 && slices.Contains(r.Origins, path[len(path)-2]) {
				if _, known := e.delegated[dk]; !known {
					e.delegated[dk] = path[len(path)-2]
					e.reclassify(findingKey{MonitorSubPrefix, r.Prefix.String(), offender}, dk, rt.t)
				}
			}
			if via, ok := e.delegated[dk]; ok {
				if r.monitors.has(MonitorDelegated) {
					e.support(rt, dk, r, nil, offender, evidence{detail: fmt.Sprintf("AS%d", via), rpki: ev0.rpki, rpkiText: ev0.rpkiText})
				}
			} else if r.monitors.has(MonitorSubPrefix) {
				hijack = e.support(rt, findingKey{MonitorSubPrefix, r.Prefix.String(), offender}, r, nil, offender, ev0)
			}
		}
	default:
		if !exact && r.monitors.has(MonitorMoreSpecific) {
			e.support(rt, findingKey{MonitorMoreSpecific, r.Prefix.String(), origin}, r, nil, origin, ev0)
		}
		if exact && r.monitors.has(MonitorVisibility) {
			e.carry(rt, rs)
		}
		if exp, ok := e.expectedUpstreams(r, origin); ok && r.monitors.has(MonitorFirstHop) && len(path) >= 2 {
			nb := path[len(path)-2]
			if !slices.Contains(exp, nb) {
				e.support(rt, findingKey{MonitorFirstHop, r.Prefix.String(), nb}, r, nil, origin,
					evidence{detail: fmt.Sprintf("expected upstreams of AS%d: %s", origin, asList(exp)), rpki: ev0.rpki, rpkiText: ev0.rpkiText})
			}
		}
	}
	if hijack == nil && ev0.rpki == "invalid" && r.monitors.has(MonitorRPKI) {
		e.support(rt, findingKey{MonitorRPKI, r.Prefix.String(), origin}, r, nil, origin, ev0)
	}
	if e.opt.Relations != nil && r.monitors.has(MonitorLeak) {
		if leaker, text, found := e.opt.Relations.Leak(seqPath(ev.Attrs)); found {
			e.support(rt, findingKey{MonitorLeak, r.Prefix.String(), leaker}, r, nil, origin, evidence{detail: text, rpki: ev0.rpki, rpkiText: ev0.rpkiText})
		}
	}
	if len(r.Path) > 0 && r.monitors.has(MonitorPath) {
		raw := strings.Join(strings.Fields(strings.NewReplacer("{", "", "}", "", ",", " ").Replace(rt.path)), ",")
		n := len(e.buf)
		for _, pr := range r.Path {
			if pr.matches(raw, n) {
				e.support(rt, findingKey{MonitorPath, r.Prefix.String(), origin}, r, nil, origin, evidence{detail: pr.describe(n), rpki: ev0.rpki, rpkiText: ev0.rpkiText})
				break
			}
		}
	}
}

func (pr *PathRule) matches(path string, n int) bool {
	if pr.match != nil && !pr.match.MatchString(path) {
		return false
	}
	if pr.notMatch != nil && pr.notMatch.MatchString(path) {
		return false
	}
	// As in BGPalerter, length limits make a rule match paths that
	// violate them.
	if (pr.MaxLength > 0 || pr.MinLength > 0) && !pr.tooLong(n) && !pr.tooShort(n) {
		return false
	}
	return pr.match != nil || pr.notMatch != nil || pr.MaxLength > 0 || pr.MinLength > 0
}

func (pr *PathRule) tooLong(n int) bool  { return pr.MaxLength > 0 && n > pr.MaxLength }
func (pr *PathRule) tooShort(n int) bool { return pr.MinLength > 0 && n < pr.MinLength }

// describe explains why a path of n ASes matched the rule.
func (pr *PathRule) describe(n int) string {
	var parts []string
	if pr.Match != "" {
		parts = append(parts, fmt.Sprintf("the path matches %q", pr.Match))
	}
	if pr.NotMatch != "" {
		parts = append(parts, fmt.Sprintf("does not match %q", pr.NotMatch))
	}
	if pr.tooLong(n) {
		parts = append(parts, fmt.Sprintf("is %d ASes long, longer than allowed (max %d)", n, pr.MaxLength))
	}
	if pr.tooShort(n) {
		parts = append(parts, fmt.Sprintf("is %d ASes long, shorter than allowed (min %d)", n, pr.MinLength))
	}
	s := strings.Join(parts, ", ")
	if pr.MatchDescription != "" {
		s = pr.MatchDescription + " (" + s + ")"
	}
	return s
}

// expectedUpstreams returns the expected first hops before origin for
// rule r: the rule's upstreams, else the origin's AS rule's.
func (e *Engine) expectedUpstreams(r *PrefixRule, origin uint32) ([]uint32, bool) {
	if len(r.Upstreams) > 0 {
		return r.Upstreams, true
	}
	if a := e.asRule[origin]; a != nil && a.Upstreams != nil && len(*a.Upstreams) > 0 {
		return *a.Upstreams, true
	}
	return nil, false
}

// asDetectors runs the monitored-AS detectors; raw is the deepest prefix
// rule covering the route, carve-outs included: a prefix inside any
// monitored prefix is not new.
func (e *Engine) asDetectors(rt *route, raw *ruleState, ev *index.Event, origin uint32, path []uint32) {
	rs := raw
	if a := e.asRule[origin]; a != nil && origin != 0 && raw == nil && a.monitors.has(MonitorNewPrefix) {
		e.support(rt, findingKey{MonitorNewPrefix, "AS" + strconv.FormatUint(uint64(origin), 10), origin}, nil, a, origin, evidence{})
	}
	for i, m := range path {
		a := e.asRule[m]
		if a == nil || !a.monitors.has(MonitorNeighbour) {
			continue
		}
		scope := "AS" + strconv.FormatUint(uint64(m), 10)
		last := i == len(path)-1
		// For the origin of a route in monitored space, the fake-first-hop
		// detector judges the upstream.
		// Upstreams are judged where the AS originates the route: in transit
		// positions its left neighbours are the collector peers' views of
		// its peers and customers, which change too often to page anyone.
		if i > 0 && last && rs == nil && a.Upstreams != nil && !slices.Contains(*a.Upstreams, path[i-1]) {
			e.support(rt, findingKey{MonitorNeighbour, scope + " upstream", path[i-1]}, nil, a, origin, evidence{detail: "upstream"})
		}
		if !last && a.Downstreams != nil && !slices.Contains(*a.Downstreams, path[i+1]) {
			e.support(rt, findingKey{MonitorNeighbour, scope + " downstream", path[i+1]}, nil, a, origin, evidence{detail: "downstream"})
		}
	}
}

// reclassify moves the routes of sub-prefix finding from to the
// delegated finding to (its origin turned out to be reached through the
// owner), resolving the sub-prefix incident if one was open.
func (e *Engine) reclassify(from, to findingKey, t time.Time) {
	f := e.findings[from]
	if f == nil {
		return
	}
	f.reclassified = fmt.Sprintf("reclassified: AS%d is reached through AS%d, the owner of %s, so it uses delegated space", from.offender, e.delegated[to], from.scope)
	for rt := range f.routes {
		rt.findings = slices.DeleteFunc(rt.findings, func(g *finding) bool { return g == f })
		e.unsupport(f, rt, t, "")
		if f.rule.monitors.has(MonitorDelegated) {
			e.support(rt, to, f.rule, nil, from.offender, evidence{detail: fmt.Sprintf("AS%d", e.delegated[to]), rpki: f.rpki, rpkiText: f.rpkiText})
		}
	}
}

// support adds route rt to the finding with key k, creating it.
// evidence is what a detector knows about a route besides the finding's
// key: applied before the finding may open its incident.
type evidence struct {
	detail, rpki, rpkiText string
}

func (e *Engine) support(rt *route, k findingKey, r *PrefixRule, a *ASRule, origin uint32, ev evidence) *finding {
	f := e.findings[k]
	if f == nil {
		f = &finding{key: k, rule: r, as: a, origin: origin, first: rt.t,
			routes: make(map[*route]struct{}), peerASes: make(map[uint32]int),
			colls: make(map[string]int), prefixes: make(map[netip.Prefix]int),
			everASes: make(map[uint32]struct{}), everColls: make(map[string]struct{})}
		if r != nil {
			f.th, f.group = r.th, r.Group
		} else {
			f.th, f.group = a.th, a.Group
		}
		e.findings[k] = f
	}
	if ev.detail != "" {
		f.detail = ev.detail
	}
	if ev.rpki != "" {
		f.rpki, f.rpkiText = ev.rpki, ev.rpkiText
	}
	if _, dup := f.routes[rt]; dup {
		return f
	}
	rt.findings = append(rt.findings, f)
	f.routes[rt] = struct{}{}
	_, seenAS := f.everASes[rt.sess.as]
	_, seenColl := f.everColls[rt.sess.coll]
	newAS, newColl := !seenAS, !seenColl
	newPfx := f.prefixes[rt.id.prefix] == 0 && !slices.Contains(f.incPrefixes(), rt.id.prefix.String())
	f.everASes[rt.sess.as] = struct{}{}
	f.everColls[rt.sess.coll] = struct{}{}
	f.peerASes[rt.sess.as]++
	f.colls[rt.sess.coll]++
	f.prefixes[rt.id.prefix]++
	f.last = rt.t
	if len(f.paths) < 5 {
		p := rt.path
		if !slices.Contains(f.paths, p) {
			f.paths = append(f.paths, p)
		}
	}
	switch {
	case f.inc == nil:
		if len(f.peerASes) >= f.th.MinPeerASes && len(f.colls) >= f.th.MinCollectors {
			e.open(f, rt.t)
		}
	case newAS || newColl || newPfx:
		detail := fmt.Sprintf("seen by AS%d at %s", rt.sess.as, rt.sess.coll)
		if newPfx {
			detail = fmt.Sprintf("%s announced (AS%d at %s)", rt.id.prefix, rt.sess.as, rt.sess.coll)
		}
		e.update(f, rt.t, EventUpdated, detail)
	}
	return f
}

func (f *finding) incPrefixes() []string {
	if f.inc == nil {
		return nil
	}
	return f.inc.Prefixes
}

// carry records that rt carries rule rs's legitimate route.
func (e *Engine) carry(rt *route, rs *ruleState) {
	rt.vis = rs
	rs.baseline[rt.sess] = struct{}{}
	rs.carrying[rt.sess]++
	e.evalVisibility(rs, rt.t)
}

// drop removes a tracked route (withdrawn, replaced, or its peer down:
// then how says so).
func (e *Engine) drop(rt *route, t time.Time, how string) {
	delete(rt.sess.routes, rt.id)
	for _, f := range rt.findings {
		e.unsupport(f, rt, t, how)
	}
	if rs := rt.vis; rs != nil {
		if rs.carrying[rt.sess]--; rs.carrying[rt.sess] <= 0 {
			delete(rs.carrying, rt.sess)
		}
		if !e.quiet {
			e.evalVisibility(rs, t)
		}
	}
}

func (e *Engine) unsupport(f *finding, rt *route, t time.Time, how string) {
	if _, ok := f.routes[rt]; !ok {
		return
	}
	delete(f.routes, rt)
	dec := func(m map[uint32]int, k uint32) {
		if m[k]--; m[k] <= 0 {
			delete(m, k)
		}
	}
	dec(f.peerASes, rt.sess.as)
	if f.colls[rt.sess.coll]--; f.colls[rt.sess.coll] <= 0 {
		delete(f.colls, rt.sess.coll)
	}
	if f.prefixes[rt.id.prefix]--; f.prefixes[rt.id.prefix] <= 0 {
		delete(f.prefixes, rt.id.prefix)
	}
	if len(f.routes) > 0 {
		return
	}
	if e.quiet {
		e.ending = append(e.ending, ending{f, rt, how})
		return
	}
	e.end(f, rt, t, how)
}

// end forgets finding f, whose last supporting route rt is gone,
// resolving its incident.
func (e *Engine) end(f *finding, rt *route, t time.Time, how string) {
	delete(e.findings, f.key)
	if f.inc != nil {
		if how == "" {
			how = "withdrew it"
		}
		detail := fmt.Sprintf("the last peer seeing it (AS%d at %s) %s", rt.sess.as, rt.sess.coll, how)
		if f.reclassified != "" {
			detail = f.reclassified
		}
		e.resolve(f, t, detail)
	}
}

func (e *Engine) peerDown(s *session, t time.Time) {
	// A session going down is the collector losing a view, not the
	// prefix losing visibility: the peer leaves the baselines before its
	// routes are dropped.
	vis := e.visRules(s)
	for _, rs := range vis {
		delete(rs.baseline, s)
		delete(rs.carrying, s)
	}
	for _, rt := range s.routes {
		e.drop(rt, t, "went down")
	}
	for _, rs := range vis {
		e.evalVisibility(rs, t)
	}
	delete(e.sessions, sessionKey{s.coll, s.addr})
	if e.peerASes[s.as]--; e.peerASes[s.as] <= 0 {
		delete(e.peerASes, s.as)
	}
}

// visRules returns the rules whose baseline holds s.
func (e *Engine) visRules(s *session) []*ruleState {
	var out []*ruleState
	for _, rs := range e.rules {
		if _, ok := rs.baseline[s]; ok {
			out = append(out, rs)
		}
	}
	return out
}

func (e *Engine) evalVisibility(rs *ruleState, t time.Time) {
	th := rs.r.th
	base := len(rs.baseline)
	lost := base - len(rs.carrying)
	losing := base >= th.VisibilityMinPeers && lost*100 >= th.VisibilityLossPercent*base
	recovered := base < th.VisibilityMinPeers || lost*100*2 < th.VisibilityLossPercent*base
	switch {
	case losing && rs.vis == nil && !rs.pending:
		rs.pending, rs.since = true, t
		if th.VisibilityHold == 0 {
			rs.pending = false
			e.openVisibility(rs, t)
			return
		}
		e.holds[rs] = struct{}{}
	case losing && rs.vis != nil && rs.vis.inc != nil && lost != rs.vis.lost:
		e.visCounts(rs)
		e.update(rs.vis, t, EventUpdated, fmt.Sprintf("%d of %d peers without the route", lost, base))
	case !losing && rs.pending:
		// The loss must last the hold above the threshold.
		rs.pending = false
		delete(e.holds, rs)
	case recovered && rs.vis != nil:
		f := rs.vis
		e.visCounts(rs)
		rs.vis = nil
		delete(e.findings, f.key)
		e.resolve(f, t, fmt.Sprintf("restored: visible again at %d of %d peers", len(rs.carrying), base))
	}
}

func (e *Engine) visCounts(rs *ruleState) {
	if f := rs.vis; f != nil {
		f.base, f.carrying = len(rs.baseline), len(rs.carrying)
		f.lost = f.base - f.carrying
		clear(f.peerASes)
		clear(f.colls)
		for s := range rs.baseline {
			if rs.carrying[s] == 0 {
				f.peerASes[s.as]++
				f.colls[s.coll]++
			}
		}
	}
}

func (e *Engine) openVisibility(rs *ruleState, t time.Time) {
	r := rs.r
	origin := uint32(0)
	if len(r.Origins) > 0 {
		origin = r.Origins[0]
	}
	k := findingKey{MonitorVisibility, r.Prefix.String(), 0}
	f := &finding{key: k, rule: r, th: r.th, group: r.Group, origin: origin, first: rs.since, last: t,
		routes: map[*route]struct{}{}, peerASes: map[uint32]int{}, colls: map[string]int{},
		prefixes: map[netip.Prefix]int{r.Prefix: 1}}
	rs.vis = f
	e.visCounts(rs)
	e.findings[k] = f
	e.open(f, t)
}

func (e *Engine) open(f *finding, t time.Time) {
	key := f.key.String()
	if old := e.resolved[f.key]; old != nil && old.Resolved != nil && t.Sub(*old.Resolved) <= time.Duration(f.th.ReopenWindow) {
		delete(e.resolved, f.key)
		f.inc = old
		old.Status = StatusOpen
		old.Resolved = nil
		old.Reopened++
		e.stats.Reopened++
		e.fill(f, t)
		old.addTimeline(t, EventReopened, "the anomaly is back")
		e.publish(EventReopened, old)
		return
	}
	inc := &Incident{ID: incidentID(key, t), Key: key, Type: f.key.typ, Status: StatusOpen,
		Group: f.group, Opened: t.UTC(), FirstSeen: f.first.UTC(), Detected: e.opt.Clock()}
	f.inc = inc
	e.stats.Opened++
	e.fill(f, t)
	inc.addTimeline(f.first, "first-seen", "first announcement")
	inc.addTimeline(t, EventOpened, fmt.Sprintf("thresholds reached: %d peer ASes, %d collectors", len(f.peerASes), len(f.colls)))
	e.publish(EventOpened, inc)
}

func (e *Engine) update(f *finding, t time.Time, event, detail string) {
	e.fill(f, t)
	f.inc.addTimeline(t, event, detail)
	e.publish(event, f.inc)
}

func (e *Engine) resolve(f *finding, t time.Time, detail string) {
	inc := f.inc
	e.fill(f, t)
	rt := t.UTC()
	inc.Resolved = &rt
	inc.Status = StatusResolved
	inc.addTimeline(t, EventResolved, detail)
	inc.Why = e.why(f, inc)
	e.stats.Resolved++
	e.resolved[f.key] = inc
	e.publish(EventResolved, inc)
	// Forget long-resolved incidents.
	if len(e.resolved) > 4096 {
		for k, old := range e.resolved {
			if t.Sub(*old.Resolved) > time.Duration(f.th.ReopenWindow) {
				delete(e.resolved, k)
			}
		}
	}
}

func (e *Engine) publish(event string, inc *Incident) {
	if e.opt.Sink != nil {
		e.opt.Sink.Publish(Change{Event: event, Incident: inc.clone()})
	}
}

// fill refreshes an incident's evidence from its finding.
func (e *Engine) fill(f *finding, t time.Time) {
	inc := f.inc
	if f.key.typ != MonitorVisibility {
		inc.LastSeen = f.last.UTC()
	} else {
		inc.LastSeen = t.UTC()
	}
	inc.Severity, inc.Code, inc.Hijack = severity(f)
	if f.rule != nil {
		inc.MonitoredPrefix = f.rule.Prefix.String()
		inc.Description = f.rule.Description
		inc.LegitOrigins = f.rule.Origins
	}
	if f.as != nil {
		inc.MonitoredAS = f.as.ASN
	}
	inc.OffendingAS = f.key.offender
	inc.OffendingOrigin = f.origin
	pfx := make([]netip.Prefix, 0, len(f.prefixes))
	for p := range f.prefixes {
		pfx = append(pfx, p)
	}
	for _, s := range inc.Prefixes {
		if p, err := netip.ParsePrefix(s); err == nil && f.prefixes[p] == 0 {
			pfx = append(pfx, p)
		}
	}
	slices.SortFunc(pfx, comparePrefix)
	pfx = slices.Compact(pfx)
	inc.Prefixes = inc.Prefixes[:0]
	for _, p := range pfx {
		inc.Prefixes = append(inc.Prefixes, p.String())
	}
	ases, colls := f.everASes, f.everColls
	if f.key.typ == MonitorVisibility {
		ases, colls = make(map[uint32]struct{}), make(map[string]struct{})
		for a := range f.peerASes {
			ases[a] = struct{}{}
		}
		for c := range f.colls {
			colls[c] = struct{}{}
		}
	}
	inc.PeerASes = inc.PeerASes[:0]
	for a := range ases {
		inc.PeerASes = append(inc.PeerASes, a)
	}
	slices.Sort(inc.PeerASes)
	inc.Collectors = inc.Collectors[:0]
	for c := range colls {
		inc.Collectors = append(inc.Collectors, c)
	}
	slices.Sort(inc.Collectors)
	inc.PeerASesNow = len(f.peerASes)
	inc.Sessions = len(f.routes)
	if f.key.typ == MonitorVisibility {
		inc.Sessions = f.lost
	}
	inc.PeakPeerASes = max(inc.PeakPeerASes, len(f.peerASes))
	inc.TotalPeerASes = len(e.peerASes)
	inc.ExamplePaths = slices.Clone(f.paths)
	inc.RPKI, inc.RPKIDetail = f.rpki, f.rpkiText
	if inc.RPKI == "" {
		if e.opt.RPKI == nil {
			inc.RPKI = "unknown (no RPKI data loaded)"
		} else {
			inc.RPKI = "not checked"
		}
	}
	inc.Why = e.why(f, inc)
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// severity returns the severity, ARTEMIS code and hijack flag of f.
func severity(f *finding) (string, string, bool) {
	valid := f.rpki == "valid"
	demote := func(s string) string {
		if valid {
			return SeverityWarning
		}
		return s
	}
	switch f.key.typ {
	case MonitorExact:
		return demote(SeverityCritical), "E|0|-|-", true
	case MonitorSubPrefix:
		return demote(SeverityCritical), "S|0|-|-", true
	case MonitorSquat:
		return demote(SeverityHigh), "Q|0|-|-", true
	case MonitorFirstHop:
		code := "E|1|-|-"
		if len(f.prefixes) > 0 && f.rule != nil {
			for p := range f.prefixes {
				if p != f.rule.Prefix {
					code = "S|1|-|-"
				}
			}
		}
		return SeverityHigh, code, true
	case MonitorLeak:
		return SeverityHigh, "-|-|-|L", false
	case MonitorRPKI, MonitorVisibility:
		return SeverityHigh, "", false
	case MonitorMoreSpecific, MonitorDelegated:
		return SeverityInfo, "", false
	default:
		return SeverityWarning, "", false
	}
}

func asList(as []uint32) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = "AS" + strconv.FormatUint(uint64(a), 10)
	}
	switch len(parts) {
	case 0:
		return "none"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// Restore hands the engine the incidents it had when it last stopped:
// open ones continue (their findings are rebuilt by WarmStart and live
// updates; Settle resolves those nothing supports any more), recently
// resolved ones may reopen.
func (e *Engine) Restore(incs []Incident) {
	for i := range incs {
		inc := incs[i].clone()
		k, ok := parseKey(inc.Key)
		if !ok {
			continue
		}
		if inc.Status == StatusResolved {
			if prev := e.resolved[k]; prev == nil || prev.Resolved.Before(*inc.Resolved) {
				e.resolved[k] = &inc
			}
			continue
		}
		f := &finding{key: k, origin: inc.OffendingOrigin, first: inc.FirstSeen, last: inc.LastSeen, inc: &inc,
			routes: make(map[*route]struct{}), peerASes: make(map[uint32]int),
			colls: make(map[string]int), prefixes: make(map[netip.Prefix]int), th: e.cfg.Defaults, group: inc.Group,
			everASes: make(map[uint32]struct{}), everColls: make(map[string]struct{})}
		for _, a := range inc.PeerASes {
			f.everASes[a] = struct{}{}
		}
		for _, c := range inc.Collectors {
			f.everColls[c] = struct{}{}
		}
		f.paths = slices.Clone(inc.ExamplePaths)
		if p, err := netip.ParsePrefix(k.scope); err == nil {
			if rs := e.lookup(p); rs != nil && rs.r.Prefix == p {
				f.rule, f.th = rs.r, rs.r.th
				if k.typ == MonitorVisibility {
					rs.vis = f
				}
			}
		} else if a, err := ParseASN(strings.Fields(k.scope)[0]); err == nil && e.asRule[a] != nil {
			f.as, f.th = e.asRule[a], e.asRule[a].th
			if len(strings.Fields(k.scope)) > 1 {
				f.detail = strings.Fields(k.scope)[1]
			}
		}
		if f.rule == nil && f.as == nil {
			// The monitor is gone from the configuration.
			e.findings[k] = f
			continue
		}
		e.findings[k] = f
	}
}

// Settle resolves restored incidents that nothing supports at t (after a
// warm start): the anomaly ended while the detector was down, or the
// monitor was removed from the configuration.
func (e *Engine) Settle(t time.Time) {
	for k, f := range e.findings {
		if f.inc == nil || len(f.routes) > 0 {
			continue
		}
		switch {
		case f.rule == nil && f.as == nil:
			delete(e.findings, k)
			e.resolve(f, t, "its monitor was removed from the configuration")
		case k.typ == MonitorVisibility:
			rs := e.lookup(f.rule.Prefix)
			rs.vis = nil
			delete(e.findings, k)
			f.base, f.carrying = len(rs.baseline), len(rs.carrying)
			e.resolve(f, t, fmt.Sprintf("after a restart the route is visible at %d peers (the loss baseline was not kept)", len(rs.carrying)))
		default:
			delete(e.findings, k)
			e.resolve(f, t, "no longer seen after the detector restarted")
		}
	}
}

func parseKey(s string) (findingKey, bool) {
	parts := strings.Split(s, "|")
	if len(parts) != 3 || !slices.Contains(monitorNames, parts[0]) {
		return findingKey{}, false
	}
	a, err := strconv.ParseUint(strings.TrimPrefix(parts[2], "AS"), 10, 32)
	if err != nil {
		return findingKey{}, false
	}
	return findingKey{parts[0], parts[1], uint32(a)}, true
}
