package calls

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// historyCalls returns the time-window calls: routing-history,
// bgp-updates, bgplay and bgp-state. They share how a resource becomes a
// set of prefixes (historyPrefixes), how the window is defaulted and
// bounded (window), how events are read (events) and how routes and
// peers are written (source ids, paths, communities, timestamps).
func historyCalls(d *Deps) []api.Call {
	return []api.Call{routingHistoryCall(d), bgpUpdatesCall(d), bgplayCall(d), bgpStateCall(d)}
}

// maxHistoryPrefixes bounds the prefixes one query of these calls may
// touch: a resource covering more (0.0.0.0/0 with its more-specifics, the
// prefixes of a very large AS) is refused with a 400 naming resource.
const maxHistoryPrefixes = 10000

// eventChunk is how many prefixes one index read covers; the request's
// context is checked between reads.
const eventChunk = 256

// resourceParam is the resource of bgp-updates and bgp-state: a
// comma-separated list of prefixes, addresses and AS numbers.
var resourceParam = api.Param{Name: "resource", Kind: api.KindResource, Required: true, List: true, Accept: api.ResNetwork,
	Doc: "Prefixes (with their more-specifics), addresses (the most specific prefix seen covering them) or AS numbers (the prefixes the AS originated), comma-separated; results are merged."}

// rrcsParam selects collectors.
var rrcsParam = api.Param{Name: "rrcs", Kind: api.KindString, MaxLen: 1024,
	Doc: "Collectors, comma-separated: RIS numbers (0 or 00 is rrc00) or collector names (route-views.jinx). Default all."}

// unixParam switches timestamps to Unix seconds.
var unixParam = api.Param{Name: "unix_timestamps", Kind: api.KindBool, Default: "false",
	Doc: "When true, timestamps are Unix seconds (integers)."}

// stamp is a time written as the data API writes it: a string, or Unix
// seconds with unix_timestamps=TRUE.
type stamp struct {
	t    time.Time
	unix bool
}

// MarshalJSON writes the time as "2006-01-02T15:04:05" or as an integer.
func (s stamp) MarshalJSON() ([]byte, error) {
	if s.unix {
		return strconv.AppendInt(nil, s.t.Unix(), 10), nil
	}
	return []byte(`"` + api.FormatTime(s.t) + `"`), nil
}

// rrcLabel is how a collector appears in source ids and BGPlay's sources:
// the two digits of a RIS collector (rrc06 is "06"), the name of any other
// (route-views.jinx).
func rrcLabel(collector string) string {
	if n, ok := risNumber(collector); ok {
		return fmt.Sprintf("%02d", n)
	}
	return collector
}

// risNumber returns NN for a collector named rrcNN.
func risNumber(collector string) (int, bool) {
	digits, ok := strings.CutPrefix(collector, "rrc")
	if !ok || len(digits) < 2 || len(digits) > 3 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil && n >= 0
}

// sourceID is RIPEstat's "<rrc>-<peer ip>".
func sourceID(collector string, peer netip.Addr) string {
	return rrcLabel(collector) + "-" + peer.String()
}

// collectorSet is the collectors a query keeps; nil keeps all.
type collectorSet map[string]bool

// keeps reports whether the collector is selected.
func (s collectorSet) keeps(collector string) bool { return s == nil || s[collector] }

// collectors parses rrcs: numbers name RIS collectors (rrcNN), other
// items name collectors of this server (case-insensitive). On a server
// without any RIS collector a list of numbers only cannot mean anything,
// so it selects everything (with an info message): BGPlay's client sends
// its default RIS set when none is given, and must still show the data of
// a server fed by other collectors.
func (d *Deps) collectors(q *api.Query) (collectorSet, error) {
	raw := q.String("rrcs")
	if raw == "" {
		return nil, nil
	}
	peers, err := d.Index.Peers("", d.Index.Latest())
	if err != nil {
		return nil, fmt.Errorf("collectors: %w", err)
	}
	known := map[string]string{} // lower case → name
	anyRIS := false
	for _, p := range peers {
		known[strings.ToLower(p.Collector)] = p.Collector
		if _, ok := risNumber(p.Collector); ok {
			anyRIS = true
		}
	}
	set := collectorSet{}
	numbersOnly := true
	for item := range strings.SplitSeq(raw, ",") {
		item = strings.TrimSpace(item)
		if n, err := strconv.Atoi(item); err == nil {
			if n < 0 || n > 999 {
				return nil, api.BadParam("rrcs", raw, fmt.Sprintf("collector number %d out of range (0 to 999)", n))
			}
			set[fmt.Sprintf("rrc%02d", n)] = true
			continue
		}
		numbersOnly = false
		name, ok := known[strings.ToLower(item)]
		if !ok {
			return nil, api.BadParam("rrcs", raw, fmt.Sprintf("no collector %q on this server", item))
		}
		set[name] = true
	}
	if numbersOnly && !anyRIS {
		q.Info("rrcs names RIS collectors, which this server does not have: the data of every collector is shown.")
		return nil, nil
	}
	return set, nil
}

// window returns the query's starttime and endtime: endtime defaults to
// the time of the latest data, starttime to endtime minus def (or, when
// def is 0, to the zero time: the whole history). It refuses a reversed
// window and one longer than limit (when limit > 0), naming starttime.
func (d *Deps) window(q *api.Query, def, limit time.Duration) (start, end time.Time, err error) {
	end = q.Time("endtime")
	if !q.Given("endtime") {
		end = d.latest(q)
	}
	start = q.Time("starttime")
	if !q.Given("starttime") {
		start = time.Time{}
		if def > 0 {
			start = end.Add(-def)
		}
	}
	if start.After(end) {
		return start, end, api.BadParam("starttime", api.FormatTime(start), "starttime is after endtime "+api.FormatTime(end))
	}
	if limit > 0 && end.Sub(start) > limit {
		return start, end, api.BadParam("starttime", api.FormatTime(start), fmt.Sprintf("the window to endtime %s is longer than the %v this call allows", api.FormatTime(end), limit))
	}
	return start, end, nil
}

// latest is the time of the latest data (the request's time for an empty
// index), rounded up to a whole second so that it covers the latest event.
func (d *Deps) latest(q *api.Query) time.Time {
	t := d.Index.Latest()
	if t.IsZero() {
		t = q.Now()
	}
	return t.UTC().Add(time.Second - time.Nanosecond).Truncate(time.Second)
}

// historyPrefixes turns resources into the prefixes to read: a prefix
// with its more-specifics, for an address the most specific prefix ever
// seen covering it, for an AS the prefixes it originated in [from, to].
// origins returns, for AS resources, the AS numbers asked for. More than
// maxHistoryPrefixes prefixes is a 400 naming resource.
func (d *Deps) historyPrefixes(rs []api.Resource, from, to time.Time) (prefixes []netip.Prefix, origins []uint32, err error) {
	seen := map[netip.Prefix]bool{}
	add := func(ps ...netip.Prefix) {
		for _, p := range ps {
			if !seen[p] {
				seen[p] = true
				prefixes = append(prefixes, p)
			}
		}
	}
	var names []string
	for _, r := range rs {
		names = append(names, r.String())
		switch r.Kind {
		case api.ResASN:
			tls, err := d.Index.OriginPrefixes(r.ASN, from, to)
			if err != nil {
				return nil, nil, fmt.Errorf("resource AS%d: %w", r.ASN, err)
			}
			for _, tl := range tls {
				add(tl.Prefix)
			}
			origins = append(origins, r.ASN)
		case api.ResPrefix:
			ps, more, err := d.Index.Prefixes(r.Prefix, index.Exact|index.MoreSpecific, maxHistoryPrefixes)
			if err != nil {
				return nil, nil, fmt.Errorf("resource %s: %w", r.Prefix, err)
			}
			if more {
				return nil, nil, api.BadParam("resource", r.String(), fmt.Sprintf("it covers more than the %d prefixes one query may read; ask for a more specific prefix", maxHistoryPrefixes))
			}
			add(ps...)
		case api.ResAddr:
			ps, _, err := d.Index.Prefixes(netip.PrefixFrom(r.Addr, r.Addr.BitLen()), index.Exact|index.LessSpecific, 0)
			if err != nil {
				return nil, nil, fmt.Errorf("resource %s: %w", r.Addr, err)
			}
			if len(ps) > 0 {
				add(ps[len(ps)-1])
			}
		default:
			return nil, nil, api.BadParam("resource", r.String(), "expected a prefix, an address or an AS number")
		}
		if len(prefixes) > maxHistoryPrefixes {
			return nil, nil, api.BadParam("resource", strings.Join(names, ","), fmt.Sprintf("it covers more than the %d prefixes one query may read", maxHistoryPrefixes))
		}
	}
	return prefixes, origins, nil
}

// events reads the routes of prefixes at from and their events in
// [from, to] from the index, a chunk of prefixes at a time, checking ctx
// between chunks; events come out in time order (stable: the order of one
// route's events is kept).
func (d *Deps) events(ctx context.Context, prefixes []netip.Prefix, from, to time.Time) (initial []index.Route, events []index.Event, err error) {
	for chunk := range slices.Chunk(prefixes, eventChunk) {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		in, evs, err := d.Index.Events(chunk, false, from, to)
		if err != nil {
			return nil, nil, fmt.Errorf("events: %w", err)
		}
		initial = append(initial, in...)
		events = append(events, evs...)
	}
	slices.SortStableFunc(events, func(a, b index.Event) int { return a.Time.Compare(b.Time) })
	return initial, events, nil
}

// asPath returns the AS path as numbers, neighbour first, origin last;
// AS_SET segments are left out (RIPEstat's lists hold numbers only, and
// BGPlay looks every element up as a node).
func asPath(a *index.Attrs) []uint32 {
	out := []uint32{}
	if a == nil {
		return out
	}
	for _, s := range a.ASPath {
		if !s.Set {
			out = append(out, s.ASNs...)
		}
	}
	return out
}

// communities returns the standard communities as "asn:value" and the
// large ones as "global:local1:local2".
func communities(a *index.Attrs) []string {
	out := []string{}
	if a == nil {
		return out
	}
	for _, c := range a.Communities {
		out = append(out, fmt.Sprintf("%d:%d", c>>16, c&0xffff))
	}
	for _, c := range a.LargeCommunities {
		out = append(out, fmt.Sprintf("%d:%d:%d", c[0], c[1], c[2]))
	}
	return out
}

// echoResources is the resource as these calls echo it: a string for one
// resource, a list for several.
func echoResources(rs []api.Resource) any {
	if len(rs) == 1 {
		return rs[0].String()
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// bgpRoute is one route in bgp-state's bgp_state and bgplay's
// initial_state.
type bgpRoute struct {
	SourceID     string   `json:"source_id"`
	TargetPrefix string   `json:"target_prefix"`
	Path         []uint32 `json:"path"`
	Community    []string `json:"community"`
}

// routeOf converts an index route.
func routeOf(r index.Route) bgpRoute {
	return bgpRoute{SourceID: sourceID(r.Collector, r.PeerAddr), TargetPrefix: r.Prefix.String(), Path: asPath(r.Attrs), Community: communities(r.Attrs)}
}

// sortRoutes orders index routes by prefix, then source id.
func sortRoutes(rs []index.Route) {
	slices.SortFunc(rs, func(a, b index.Route) int {
		if c := a.Prefix.Compare(b.Prefix); c != 0 {
			return c
		}
		return strings.Compare(sourceID(a.Collector, a.PeerAddr), sourceID(b.Collector, b.PeerAddr))
	})
}

// updateAttrs are the attributes of one update (bgp-updates, bgplay
// events): path and community for announcements only.
type updateAttrs struct {
	SourceID     string   `json:"source_id"`
	TargetPrefix string   `json:"target_prefix"`
	Path         []uint32 `json:"path,omitzero"`
	Community    []string `json:"community,omitzero"`
}

// attrsOf converts an event; announce adds path and communities.
func attrsOf(e index.Event, announce bool) updateAttrs {
	u := updateAttrs{SourceID: sourceID(e.Collector, e.PeerAddr), TargetPrefix: e.Prefix.String()}
	if announce {
		u.Path, u.Community = asPath(e.Attrs), communities(e.Attrs)
	}
	return u
}
