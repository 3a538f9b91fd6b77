package calls

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// routingHistoryData is routing-history's data (spec §2.3).
type routingHistoryData struct {
	Resource         string         `json:"resource"`
	QueryStarttime   string         `json:"query_starttime"`
	QueryEndtime     string         `json:"query_endtime"`
	TimeGranularity  int64          `json:"time_granularity"`
	LatestMaxFFPeers ffPeers        `json:"latest_max_ff_peers"`
	ByOrigin         []originRows   `json:"by_origin"`
	Parameters       map[string]any `json:"parameters"`
}

// ffPeers counts full-feed peers per family.
type ffPeers struct {
	V4 int `json:"v4"`
	V6 int `json:"v6"`
}

// originRows is one origin (or first hop and origin) with its prefixes.
type originRows struct {
	Origin   string          `json:"origin"`
	Prefixes []prefixHistory `json:"prefixes"`
}

// prefixHistory is one prefix's timelines under an origin.
type prefixHistory struct {
	Prefix    string     `json:"prefix"`
	Timelines []timeline `json:"timelines"`
}

// timeline is a time the route was seen by at least min_peers peers.
type timeline struct {
	Starttime       string   `json:"starttime"`
	Endtime         string   `json:"endtime"`
	FullPeersSeeing float64  `json:"full_peers_seeing"`
	Visibility      *float64 `json:"visibility,omitempty"`
}

// routingHistoryCall is routing-history: which origins announced the
// resource's prefixes when, seen by how many peers.
func routingHistoryCall(d *Deps) api.Call {
	return api.Call{
		Name:    "routing-history",
		Version: "2.3",
		Doc:     "The history of the origins of a resource's prefixes: for each origin AS and prefix, the times it was seen and by how many peers.",
		Methodology: "Computed from every update in the route index, not from 8-hourly RIB dumps: for each (origin, prefix) the number of collector " +
			"peers whose route has that origin is followed event by event. A timeline is a stretch during which at least min_peers peers " +
			"saw it, cut where the count changes; stretches shorter than time_granularity are joined and full_peers_seeing is the " +
			"time-weighted mean over the timeline. time_granularity is 1 second for windows up to 2 days, so short events such as " +
			"the 2008 YouTube hijack show to the second.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindResource, Required: true, Accept: api.ResNetwork,
				Doc: "A prefix (with its more-specifics), an address (the most specific prefix seen covering it) or an AS number (its prefixes)."},
			{Name: "starttime", Kind: api.KindTime, Doc: "Start of the window (default: the whole history)."},
			{Name: "endtime", Kind: api.KindTime, Doc: "End of the window (default: the latest data)."},
			{Name: "min_peers", Kind: api.KindInt, Default: "10", Min: 0, Max: 1 << 20,
				Doc: "Least number of peers that must see a route for the time to count (0 and 1 both mean one peer)."},
			{Name: "max_rows", Kind: api.KindInt, Default: "3000", Min: 1, Max: 1 << 20,
				Doc: "Soft limit on (origin, prefix) rows: origins are kept whole, no origin is added once it is reached."},
			{Name: "include_first_hop", Kind: api.KindBool, Default: "false", Doc: "Rows by first hop and origin (\"3491 17557\") instead of origin."},
			{Name: "normalise_visibility", Kind: api.KindBool, Default: "false",
				Doc: "Add visibility: full_peers_seeing divided by the full-feed peers of the family at endtime (-1 when there are none)."},
		},
		Handle: d.routingHistory,
	}
}

// rowKey is one row: first hop (0 unless include_first_hop), origin and
// prefix.
type rowKey struct {
	first, origin uint32
	prefix        netip.Prefix
}

// routeID names one route of a peer.
type routeID struct {
	collector string
	peer      netip.Addr
	prefix    netip.Prefix
	pathID    uint32
}

// change is the number of peers seeing a row from a time on.
type change struct {
	t time.Time
	n int
}

// routingHistory answers routing-history.
func (d *Deps) routingHistory(ctx context.Context, q *api.Query) (any, error) {
	from, to, err := d.window(q, 0, 0)
	if err != nil {
		return nil, err
	}
	r := q.Resource("resource")
	prefixes, origins, err := d.historyPrefixes([]api.Resource{r}, from, to)
	if err != nil {
		return nil, err
	}
	initial, evs, err := d.events(ctx, prefixes, from, to)
	if err != nil {
		return nil, err
	}
	firstHop := q.Bool("include_first_hop")
	rowOf := func(p netip.Prefix, a *index.Attrs) (rowKey, bool) {
		o := a.OriginAS()
		if o == 0 || len(origins) > 0 && !slices.Contains(origins, o) {
			return rowKey{}, false
		}
		k := rowKey{origin: o, prefix: p}
		if path := asPath(a); firstHop && len(path) > 0 {
			k.first = path[0]
		}
		return k, true
	}
	counts := map[rowKey]int{}
	changes := map[rowKey][]change{}
	// set records a change of a row's count; changes at one time collapse
	// into the last, and a count equal to the one before is no change.
	set := func(t time.Time, k rowKey, delta int) {
		counts[k] += delta
		ch := changes[k]
		n := len(ch)
		switch {
		case n > 0 && ch[n-1].t.Equal(t):
			ch[n-1].n = counts[k]
			if n > 1 && ch[n-2].n == counts[k] {
				ch = ch[:n-1]
			}
		case n == 0 || ch[n-1].n != counts[k]:
			ch = append(ch, change{t, counts[k]})
		}
		changes[k] = ch
	}
	live := map[routeID]rowKey{}
	for _, rt := range initial {
		if k, ok := rowOf(rt.Prefix, rt.Attrs); ok {
			live[routeID{rt.Collector, rt.PeerAddr, rt.Prefix, rt.PathID}] = k
			set(from, k, 1)
		}
	}
	for _, e := range evs {
		id := routeID{e.Collector, e.PeerAddr, e.Prefix, e.PathID}
		if k, ok := live[id]; ok {
			delete(live, id)
			set(e.Time, k, -1)
		}
		if e.Kind == index.Announce {
			if k, ok := rowOf(e.Prefix, e.Attrs); ok {
				live[id] = k
				set(e.Time, k, 1)
			}
		}
	}
	start := from
	if !q.Given("starttime") {
		start = to
		for _, ch := range changes {
			if ch[0].t.Before(start) {
				start = ch[0].t
			}
		}
	}
	gran := historyGranularity(to.Sub(start))
	ff, err := d.fullFeed(to)
	if err != nil {
		return nil, err
	}
	minPeers := max(int(q.Int("min_peers")), 1)
	normalise := q.Bool("normalise_visibility")
	rows := map[rowKey][]timeline{}
	for k, ch := range changes {
		tls := timelines(ch, to, minPeers, gran)
		if len(tls) == 0 {
			continue
		}
		if normalise {
			total := ff.V6
			if k.prefix.Addr().Is4() {
				total = ff.V4
			}
			for i := range tls {
				v := -1.0
				if total > 0 {
					v = round2(tls[i].FullPeersSeeing / float64(total))
				}
				tls[i].Visibility = &v
			}
		}
		rows[k] = tls
	}
	out := &routingHistoryData{Resource: r.String(), QueryStarttime: api.FormatTime(start), QueryEndtime: api.FormatTime(to),
		TimeGranularity: int64(gran / time.Second), LatestMaxFFPeers: ff, ByOrigin: byOrigin(rows, firstHop, int(q.Int("max_rows")), q),
		Parameters: q.Parameters()}
	return out, nil
}

// byOrigin groups rows by origin (and first hop), sorted by origin, first
// hop and prefix; once maxRows rows are listed no origin is added.
func byOrigin(rows map[rowKey][]timeline, firstHop bool, maxRows int, q *api.Query) []originRows {
	keys := make([]rowKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rowKey) int {
		return cmp.Or(cmp.Compare(a.origin, b.origin), cmp.Compare(a.first, b.first), a.prefix.Compare(b.prefix))
	})
	out := []originRows{}
	n := 0
	for i, k := range keys {
		if i == 0 || k.origin != keys[i-1].origin || k.first != keys[i-1].first {
			if n >= maxRows {
				q.Info(fmt.Sprintf("The result was cut at max_rows (%d rows); origins after AS%d are left out.", maxRows, keys[i-1].origin))
				break
			}
			name := strconv.FormatUint(uint64(k.origin), 10)
			if firstHop {
				name = strconv.FormatUint(uint64(k.first), 10) + " " + name
			}
			out = append(out, originRows{Origin: name})
		}
		o := &out[len(out)-1]
		o.Prefixes = append(o.Prefixes, prefixHistory{Prefix: k.prefix.String(), Timelines: rows[k]})
		n++
	}
	return out
}

// historyGranularity is the time_granularity of a window: 1 second up to
// 2 days, then coarser steps, RIPEstat's 8 hours for windows of months
// and its 12 days beyond 3 years.
func historyGranularity(w time.Duration) time.Duration {
	day := 24 * time.Hour
	switch {
	case w <= 2*day:
		return time.Second
	case w <= 14*day:
		return 5 * time.Minute
	case w <= 90*day:
		return time.Hour
	case w <= 3*365*day:
		return 8 * time.Hour
	}
	return 12 * day
}

// timelines turns a row's changes (the count of peers from each time
// on, until end) into its timelines: the stretches with at least
// minPeers peers, cut where the count changes, a timeline being closed
// once it lasts gran; full_peers_seeing is the time-weighted mean.
func timelines(ch []change, end time.Time, minPeers int, gran time.Duration) []timeline {
	var out []timeline
	var cur struct {
		open       bool
		start, end time.Time
		sum        float64 // peer-seconds
		first      int
	}
	closeCur := func() {
		if !cur.open {
			return
		}
		mean := float64(cur.first)
		if d := cur.end.Sub(cur.start).Seconds(); d > 0 {
			mean = cur.sum / d
		}
		out = append(out, timeline{Starttime: api.FormatTime(cur.start), Endtime: api.FormatTime(cur.end), FullPeersSeeing: round2(mean)})
		cur.open = false
	}
	for i, c := range ch {
		pieceEnd := end
		if i+1 < len(ch) {
			pieceEnd = ch[i+1].t
		}
		if c.n < minPeers || c.t.After(end) {
			closeCur()
			continue
		}
		if !cur.open {
			cur.open, cur.start, cur.sum, cur.first = true, c.t, 0, c.n
		}
		cur.end = pieceEnd
		cur.sum += float64(c.n) * pieceEnd.Sub(c.t).Seconds()
		if cur.end.Sub(cur.start) >= gran {
			closeCur()
		}
	}
	closeCur()
	return out
}

// round2 rounds to two decimals.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// fullFeed counts the full-feed peers of each family at t.
func (d *Deps) fullFeed(t time.Time) (ffPeers, error) {
	peers, err := d.Index.Peers("", t)
	if err != nil {
		return ffPeers{}, fmt.Errorf("full-feed peers: %w", err)
	}
	var ff ffPeers
	for _, p := range peers {
		if p.FullFeedV4 {
			ff.V4++
		}
		if p.FullFeedV6 {
			ff.V6++
		}
	}
	return ff, nil
}
