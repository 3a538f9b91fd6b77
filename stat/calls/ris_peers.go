package calls

import (
	"context"
	"strconv"

	"github.com/routestat/routestat/stat/api"
)

// risPeersData is ris-peers's data (spec §2.12, v1.0).
type risPeersData struct {
	// Peers are keyed by collector name in lower case.
	Peers        map[string][]risPeer `json:"peers"`
	LatestTime   apiTime              `json:"latest_time"`
	EarliestTime apiTime              `json:"earliest_time"`
	QueryTime    apiTime              `json:"query_time"`
	Parameters   timeParams           `json:"parameters"`
}

// risPeer is one peering session with its table sizes.
type risPeer struct {
	ASN           string `json:"asn"`
	IP            string `json:"ip"`
	V4PrefixCount int    `json:"v4_prefix_count"`
	V6PrefixCount int    `json:"v6_prefix_count"`
}

// risPeersCall is ris-peers: every collector's peers and their table
// sizes at a time.
func risPeersCall(d *Deps) api.Call {
	return api.Call{
		Name:    "ris-peers",
		Version: "1.0",
		Doc:     "The peers of every collector (one entry per session) with their IPv4 and IPv6 table sizes at a time.",
		Methodology: "Answered from the route index's peer table sizes: exact at the latest data, otherwise the latest stored " +
			"sample at or before query_time (sampled at most every few minutes per peer, and at every session down). " +
			"Peers without a route at that time are left out. Counts are routes, so an ADD-PATH peer counts each path.",
		Params: []api.Param{queryTimeParam},
		Handle: d.risPeers,
	}
}

// risPeers answers ris-peers.
func (d *Deps) risPeers(_ context.Context, q *api.Query) (any, error) {
	at := d.queryTime(q)
	colls, err := d.activePeers(at)
	if err != nil {
		return nil, err
	}
	out := risPeersData{Peers: map[string][]risPeer{}, LatestTime: apiTime(d.Index.Latest()),
		EarliestTime: apiTime(d.Index.Earliest()), QueryTime: apiTime(at), Parameters: timeParams{QueryTime: apiTime(at)}}
	for _, c := range colls {
		ps := make([]risPeer, len(c.peers))
		for i, pe := range c.peers {
			ps[i] = risPeer{ASN: strconv.FormatUint(uint64(pe.AS), 10), IP: pe.Addr.String(), V4PrefixCount: pe.V4, V6PrefixCount: pe.V6}
		}
		out.Peers[c.name] = ps
	}
	if len(colls) == 0 {
		q.Info("No peer has routes at " + api.FormatTime(at) + ".")
	}
	return out, nil
}
