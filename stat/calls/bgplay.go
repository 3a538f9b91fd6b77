package calls

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// bgplayMaxWindow bounds a bgplay window.
const bgplayMaxWindow = 31 * 24 * time.Hour

// bgplayBrowserLimit is the most initial routes plus events a browser
// gets without data_overload_limit=ignore: BGPlay's client asks its user
// to confirm above 20,000. A variable so that tests can lower it.
var bgplayBrowserLimit = 20000

// bgplayData is bgplay's data (spec §2.9, §3.4).
type bgplayData struct {
	Resource       any            `json:"resource"`
	QueryStarttime stamp          `json:"query_starttime"`
	QueryEndtime   stamp          `json:"query_endtime"`
	Targets        []bgplayTarget `json:"targets"`
	Sources        []bgplaySource `json:"sources"`
	Nodes          []bgplayNode   `json:"nodes"`
	InitialState   []bgpRoute     `json:"initial_state"`
	Events         []bgplayEvent  `json:"events"`
	NrEvents       int            `json:"nr_events"`
	NrRoutes       int            `json:"nr_routes"`
	Parameters     map[string]any `json:"parameters"`
}

// bgplayTarget is a prefix of the answer.
type bgplayTarget struct {
	Prefix string `json:"prefix"`
}

// bgplaySource is a collector peer of the answer.
type bgplaySource struct {
	ID       string `json:"id"`
	RRC      string `json:"rrc"`
	IP       string `json:"ip"`
	ASNumber uint32 `json:"as_number"`
}

// bgplayNode is an AS of the answer; owner (what the client reads) and
// as_holder both carry its name.
type bgplayNode struct {
	ASNumber uint32 `json:"as_number"`
	Owner    string `json:"owner"`
	ASHolder string `json:"as_holder"`
}

// bgplayEvent is one event, in bgp-updates' format.
type bgplayEvent struct {
	Timestamp stamp       `json:"timestamp"`
	Type      string      `json:"type"`
	Seq       int64       `json:"seq"`
	Attrs     updateAttrs `json:"attrs"`
}

// bgplayCall is bgplay: the routes of the resource at starttime, every
// change until endtime, and the tables BGPlay's client draws them with.
func bgplayCall(d *Deps) api.Call {
	return api.Call{
		Name:    "bgplay",
		Version: "1.3",
		Doc:     "The routes of a resource at the start of a window, every change of them until its end, and the ASes, peers and prefixes involved: the input of BGPlay.",
		Methodology: "Read from the route index: the state at starttime (every event at or before it applied) and the events after it up to endtime, " +
			"for a prefix and its more-specifics, the prefix covering an address or the prefixes an AS originated. Routes a RIB dump changed " +
			"are announcements; a session going down withdraws each of its routes. nodes, sources and targets cover every AS, peer and prefix " +
			"that initial_state and events name, as the client requires.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindString, Required: true, MaxLen: 4096,
				Doc: "Prefixes (with their more-specifics), addresses or AS numbers, comma-separated, optionally in brackets as BGPlay's client sends them ([192.0.2.0/24])."},
			{Name: "starttime", Kind: api.KindTime, Doc: "Start of the window (default: endtime - 8h)."},
			{Name: "endtime", Kind: api.KindTime, Doc: "End of the window (default: the latest data)."},
			rrcsParam,
			unixParam,
		},
		MaxWindow: bgplayMaxWindow,
		Handle:    d.bgplay,
	}
}

// bgplay answers bgplay.
func (d *Deps) bgplay(ctx context.Context, q *api.Query) (any, error) {
	raw := q.String("resource")
	list := strings.TrimSpace(raw)
	if strings.HasPrefix(list, "[") && strings.HasSuffix(list, "]") {
		list = list[1 : len(list)-1]
	}
	rs, err := api.ParseResources(list, api.ResNetwork)
	if err != nil {
		return nil, api.BadParam("resource", raw, err.Error())
	}
	from, to, err := d.window(q, 8*time.Hour, bgplayMaxWindow)
	if err != nil {
		return nil, err
	}
	colls, err := d.collectors(q)
	if err != nil {
		return nil, err
	}
	prefixes, _, err := d.historyPrefixes(rs, from, to)
	if err != nil {
		return nil, err
	}
	// the state after every event at or before from, the events after it
	initial, evs, err := d.events(ctx, prefixes, from.Add(time.Microsecond), to)
	if err != nil {
		return nil, err
	}
	unix := q.Bool("unix_timestamps")
	out := &bgplayData{Resource: echoResources(rs), QueryStarttime: stamp{from, unix}, QueryEndtime: stamp{to, unix},
		InitialState: []bgpRoute{}, Events: []bgplayEvent{}, Parameters: q.Parameters()}
	tables := newBGPlayTables()
	sortRoutes(initial)
	for _, r := range initial {
		if !colls.keeps(r.Collector) {
			continue
		}
		br := routeOf(r)
		tables.add(r.Collector, r.PeerAddr.String(), br.SourceID, r.PeerAS, r.Prefix.String(), br.Path)
		out.InitialState = append(out.InitialState, br)
	}
	for _, e := range evs {
		if !colls.keeps(e.Collector) {
			continue
		}
		ev := bgplayEvent{Timestamp: stamp{e.Time, unix}, Type: "W", Seq: int64(len(out.Events) + 1), Attrs: attrsOf(e, e.Kind == index.Announce)}
		if e.Kind == index.Announce {
			ev.Type = "A"
		}
		tables.add(e.Collector, e.PeerAddr.String(), ev.Attrs.SourceID, e.PeerAS, ev.Attrs.TargetPrefix, ev.Attrs.Path)
		out.Events = append(out.Events, ev)
	}
	out.NrRoutes, out.NrEvents = len(out.InitialState), len(out.Events)
	if q.Overloaded(out.NrRoutes+out.NrEvents, bgplayBrowserLimit) {
		out.InitialState, out.Events = []bgpRoute{}, []bgplayEvent{}
		tables = newBGPlayTables()
	}
	out.Targets, out.Sources, out.Nodes = tables.lists(d)
	return out, nil
}

// bgplayTables collects the prefixes, peers and ASes an answer names.
type bgplayTables struct {
	targets map[string]bool
	sources map[string]bgplaySource
	nodes   map[uint32]bool
}

// newBGPlayTables returns empty tables.
func newBGPlayTables() *bgplayTables {
	return &bgplayTables{targets: map[string]bool{}, sources: map[string]bgplaySource{}, nodes: map[uint32]bool{}}
}

// add records one route or event: its prefix, its peer (whose AS is a
// node too) and every AS of its path.
func (t *bgplayTables) add(collector, ip, id string, peerAS uint32, prefix string, path []uint32) {
	t.targets[prefix] = true
	if _, ok := t.sources[id]; !ok {
		t.sources[id] = bgplaySource{ID: id, RRC: rrcLabel(collector), IP: ip, ASNumber: peerAS}
	}
	t.nodes[peerAS] = true
	for _, as := range path {
		t.nodes[as] = true
	}
}

// lists returns the tables sorted: targets by prefix, sources by id,
// nodes by AS number with their names.
func (t *bgplayTables) lists(d *Deps) ([]bgplayTarget, []bgplaySource, []bgplayNode) {
	targets := make([]bgplayTarget, 0, len(t.targets))
	for p := range t.targets {
		targets = append(targets, bgplayTarget{p})
	}
	slices.SortFunc(targets, func(a, b bgplayTarget) int { return cmp.Compare(a.Prefix, b.Prefix) })
	sources := make([]bgplaySource, 0, len(t.sources))
	for _, s := range t.sources {
		sources = append(sources, s)
	}
	slices.SortFunc(sources, func(a, b bgplaySource) int { return cmp.Compare(a.ID, b.ID) })
	nodes := make([]bgplayNode, 0, len(t.nodes))
	for as := range t.nodes {
		name := d.name(as)
		nodes = append(nodes, bgplayNode{ASNumber: as, Owner: name, ASHolder: name})
	}
	slices.SortFunc(nodes, func(a, b bgplayNode) int { return cmp.Compare(a.ASNumber, b.ASNumber) })
	return targets, sources, nodes
}
