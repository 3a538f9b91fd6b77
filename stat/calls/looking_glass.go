package calls

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// lookingGlassLimit is how many routes a browser gets before the data
// overload guard empties the list.
const lookingGlassLimit = 5000

// lookingGlassData is looking-glass's data (spec §2.11, v2.1).
type lookingGlassData struct {
	RRCs       []lgRRC        `json:"rrcs"`
	QueryTime  apiTime        `json:"query_time"`
	LatestTime apiTime        `json:"latest_time"`
	Parameters map[string]any `json:"parameters"`
}

// lgRRC is one collector's routes.
type lgRRC struct {
	RRC      string   `json:"rrc"`
	Location string   `json:"location"`
	Peers    []lgPeer `json:"peers"`
}

// lgPeer is one peer's route (several with ADD-PATH).
type lgPeer struct {
	ASNOrigin      string  `json:"asn_origin"`
	ASPath         string  `json:"as_path"`
	Community      string  `json:"community"`
	LargeCommunity string  `json:"largeCommunity"`
	LastUpdated    apiTime `json:"last_updated"`
	LatestTime     apiTime `json:"latest_time"`
	Prefix         string  `json:"prefix"`
	Peer           string  `json:"peer"`
	Origin         string  `json:"origin"`
	NextHop        string  `json:"next_hop"`
}

// lookingGlassCall is looking-glass: every collector peer's current
// route to a prefix, or for an address each peer's most specific route
// covering it.
func lookingGlassCall(d *Deps) api.Call {
	return api.Call{
		Name:    "looking-glass",
		Version: "2.1",
		Doc:     "The routes every collector peer has now to a prefix (exact match), or to the most specific prefix covering an address, with their attributes.",
		Methodology: "Answered from the route index's current routes (the latest data ingested): each peer's route with its AS path, " +
			"communities, origin and next hop; last_updated is when the route got these attributes (the UPDATE, or the RIB dump " +
			"where the index first saw it). Routes are removed by withdrawals and session downs, not by age.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindPrefix, Required: true,
				Doc: "Prefix (matched exactly) or address (each peer's most specific covering route)."},
			{Name: "look_back_limit", Kind: api.KindInt, Default: "86400",
				Doc: "Accepted and echoed for compatibility; routes leave the index when withdrawn, so none are dropped by age."},
		},
		Handle: d.lookingGlass,
	}
}

// lookingGlass answers looking-glass.
func (d *Deps) lookingGlass(ctx context.Context, q *api.Query) (any, error) {
	at := d.Index.Latest()
	r := q.Resource("resource")
	var rs []index.Route
	var err error
	switch r.Kind {
	case api.ResPrefix:
		rs, err = d.Index.Routes(r.Prefix, at, index.Exact)
	case api.ResAddr:
		rs, err = d.Index.Routes(hostPrefix(r.Addr), at, index.Exact|index.LessSpecific)
		rs = longestPerPeer(rs)
	default:
		return nil, api.BadParam("resource", r.String(), "a prefix or an address is expected")
	}
	if err != nil {
		return nil, fmt.Errorf("looking-glass %s: %w", r, err)
	}
	slices.SortFunc(rs, func(a, b index.Route) int {
		return cmp.Or(cmp.Compare(a.Collector, b.Collector), a.PeerAddr.Compare(b.PeerAddr),
			cmp.Compare(a.PathID, b.PathID), a.Prefix.Addr().Compare(b.Prefix.Addr()), cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()))
	})
	out := lookingGlassData{RRCs: []lgRRC{}, QueryTime: apiTime(at), LatestTime: apiTime(at), Parameters: q.Parameters()}
	if len(rs) == 0 {
		q.Info("No route to " + r.String() + " at " + api.FormatTime(at) + ".")
	}
	if q.Overloaded(len(rs), lookingGlassLimit) {
		return out, nil
	}
	for _, rt := range rs {
		if n := len(out.RRCs); n == 0 || out.RRCs[n-1].RRC != rrcName(rt.Collector) {
			out.RRCs = append(out.RRCs, lgRRC{RRC: rrcName(rt.Collector), Location: location(rt.Collector)})
		}
		a := rt.Attrs
		p := lgPeer{ASPath: asPathString(a.ASPath), Community: communitiesString(a.Communities),
			LargeCommunity: largeCommunitiesString(a.LargeCommunities), LastUpdated: apiTime(rt.Since), LatestTime: apiTime(at),
			Prefix: rt.Prefix.String(), Peer: rt.PeerAddr.String(), Origin: originName(a.Origin)}
		if o := a.OriginAS(); o != 0 {
			p.ASNOrigin = strconv.FormatUint(uint64(o), 10)
		}
		if a.NextHop.IsValid() {
			p.NextHop = a.NextHop.String()
		}
		last := &out.RRCs[len(out.RRCs)-1]
		last.Peers = append(last.Peers, p)
	}
	return out, nil
}

// longestPerPeer keeps, of each peer's routes, those to its most specific
// prefix: what a looking glass shows for an address.
func longestPerPeer(rs []index.Route) []index.Route {
	best := map[peerID]int{}
	for _, r := range rs {
		k := peerID{r.Collector, r.PeerAddr}
		if b, ok := best[k]; !ok || r.Prefix.Bits() > b {
			best[k] = r.Prefix.Bits()
		}
	}
	return slices.DeleteFunc(rs, func(r index.Route) bool { return r.Prefix.Bits() != best[peerID{r.Collector, r.PeerAddr}] })
}
