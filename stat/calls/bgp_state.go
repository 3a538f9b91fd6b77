package calls

import (
	"context"
	"time"

	"github.com/routestat/routestat/stat/api"
)

// bgpStateBrowserLimit is the most routes a browser gets without
// data_overload_limit=ignore (a variable so that tests can lower it).
var bgpStateBrowserLimit = 50000

// bgpStateData is bgp-state's data (spec §2.10). It carries the time as
// query_time (observed) and as timestamp (the newer documentation's
// name).
type bgpStateData struct {
	Resource   any            `json:"resource"`
	QueryTime  stamp          `json:"query_time"`
	Timestamp  stamp          `json:"timestamp"`
	NrRoutes   int            `json:"nr_routes"`
	BGPState   []bgpRoute     `json:"bgp_state"`
	Parameters map[string]any `json:"parameters"`
}

// bgpStateCall is bgp-state: the routes of the resource's prefixes at an
// instant.
func bgpStateCall(d *Deps) api.Call {
	return api.Call{
		Name:    "bgp-state",
		Version: "2.0",
		Doc:     "The routes every collector peer had for a resource at one instant.",
		Methodology: "Reconstructed by the route index: the latest per-prefix snapshot at or before the time plus the logged updates and " +
			"session downs up to and including it (not only at the 8-hourly RIB dumps).",
		Params: []api.Param{
			resourceParam,
			{Name: "timestamp", Kind: api.KindTime, Doc: "The instant (default: the latest data)."},
			rrcsParam,
			unixParam,
		},
		Handle: d.bgpState,
	}
}

// bgpState answers bgp-state.
func (d *Deps) bgpState(ctx context.Context, q *api.Query) (any, error) {
	at := q.Time("timestamp")
	if !q.Given("timestamp") {
		at = d.latest(q)
	}
	colls, err := d.collectors(q)
	if err != nil {
		return nil, err
	}
	rs := q.Resources("resource")
	prefixes, _, err := d.historyPrefixes(rs, at, at)
	if err != nil {
		return nil, err
	}
	// the state after every event at or before at
	after := at.Add(time.Microsecond)
	routes, _, err := d.events(ctx, prefixes, after, after)
	if err != nil {
		return nil, err
	}
	sortRoutes(routes)
	unix := q.Bool("unix_timestamps")
	out := &bgpStateData{Resource: echoResources(rs), QueryTime: stamp{at, unix}, Timestamp: stamp{at, unix}, BGPState: []bgpRoute{}, Parameters: q.Parameters()}
	for _, r := range routes {
		if colls.keeps(r.Collector) {
			out.BGPState = append(out.BGPState, routeOf(r))
		}
	}
	out.NrRoutes = len(out.BGPState)
	if q.Overloaded(out.NrRoutes, bgpStateBrowserLimit) {
		out.BGPState = []bgpRoute{}
	}
	return out, nil
}
