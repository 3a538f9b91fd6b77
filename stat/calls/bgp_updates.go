package calls

import (
	"context"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// bgpUpdatesMaxWindow bounds a bgp-updates window.
const bgpUpdatesMaxWindow = 31 * 24 * time.Hour

// bgpUpdatesBrowserLimit is the most updates a browser gets without
// data_overload_limit=ignore (a variable so that tests can lower it).
var bgpUpdatesBrowserLimit = 50000

// bgpUpdatesData is bgp-updates' data (spec §2.8), keys in RIPEstat's
// order.
type bgpUpdatesData struct {
	Resource       any            `json:"resource"`
	NrUpdates      int            `json:"nr_updates"`
	QueryStarttime stamp          `json:"query_starttime"`
	QueryEndtime   stamp          `json:"query_endtime"`
	Updates        []bgpUpdate    `json:"updates"`
	Parameters     map[string]any `json:"parameters"`
}

// bgpUpdate is one announcement or withdrawal.
type bgpUpdate struct {
	Seq       int64       `json:"seq"`
	Timestamp stamp       `json:"timestamp"`
	Type      string      `json:"type"`
	Attrs     updateAttrs `json:"attrs"`
}

// bgpUpdatesCall is bgp-updates: every announcement and withdrawal that
// the collectors' peers sent for the resource's prefixes in a window.
func bgpUpdatesCall(d *Deps) api.Call {
	return api.Call{
		Name:    "bgp-updates",
		Version: "1.1",
		Doc:     "The BGP updates (announcements and withdrawals) the collectors received for a resource in a time window, in time order.",
		Methodology: "Read from the route index's per-prefix event log: every UPDATE a collector's peer sent for the prefixes of the resource " +
			"(a prefix and its more-specifics, the prefix covering an address, the prefixes an AS originated in the window), " +
			"one item per prefix. Routes of RIB dumps and withdrawals implied by a session going down are not updates and are left out.",
		Params: []api.Param{
			resourceParam,
			{Name: "starttime", Kind: api.KindTime, Doc: "Start of the window (default: endtime - 48h)."},
			{Name: "endtime", Kind: api.KindTime, Doc: "End of the window (default: the latest data)."},
			rrcsParam,
			unixParam,
		},
		MaxWindow: bgpUpdatesMaxWindow,
		Handle:    d.bgpUpdates,
	}
}

// bgpUpdates answers bgp-updates.
func (d *Deps) bgpUpdates(ctx context.Context, q *api.Query) (any, error) {
	from, to, err := d.window(q, 48*time.Hour, bgpUpdatesMaxWindow)
	if err != nil {
		return nil, err
	}
	colls, err := d.collectors(q)
	if err != nil {
		return nil, err
	}
	rs := q.Resources("resource")
	prefixes, _, err := d.historyPrefixes(rs, from, to)
	if err != nil {
		return nil, err
	}
	_, evs, err := d.events(ctx, prefixes, from, to)
	if err != nil {
		return nil, err
	}
	unix := q.Bool("unix_timestamps")
	out := &bgpUpdatesData{Resource: echoResources(rs), QueryStarttime: stamp{from, unix}, QueryEndtime: stamp{to, unix},
		Updates: []bgpUpdate{}, Parameters: q.Parameters()}
	for _, e := range evs {
		if !colls.keeps(e.Collector) || e.FromRIB || e.Kind == index.PeerDown {
			continue
		}
		typ := "A"
		if e.Kind == index.Withdraw {
			typ = "W"
		}
		out.Updates = append(out.Updates, bgpUpdate{Seq: int64(len(out.Updates) + 1), Timestamp: stamp{e.Time, unix}, Type: typ,
			Attrs: attrsOf(e, e.Kind == index.Announce)})
	}
	out.NrUpdates = len(out.Updates)
	if q.Overloaded(out.NrUpdates, bgpUpdatesBrowserLimit) {
		out.Updates = []bgpUpdate{}
	}
	return out, nil
}
