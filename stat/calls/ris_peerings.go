package calls

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// risPeeringsLimit bounds what a browser gets: the prefixes of an AS and
// the routes listed, before the data overload guard empties the lists.
const risPeeringsLimit = 20000

// risPeeringsData is ris-peerings's data (spec §2.16, v1.0).
type risPeeringsData struct {
	Resource       string        `json:"resource"`
	QueryStarttime apiTime       `json:"query_starttime"`
	QueryEndtime   apiTime       `json:"query_endtime"`
	Peerings       []rpCollector `json:"peerings"`
}

// rpCollector is one collector's peers.
type rpCollector struct {
	Probe probe    `json:"probe"`
	Peers []rpPeer `json:"peers"`
}

// rpPeer is one peer's table of one family and its routes to the
// resource.
type rpPeer struct {
	ASN          uint32    `json:"asn"`
	IP           string    `json:"ip"`
	IPVersion    string    `json:"ip_version"`
	TableVersion string    `json:"table_version"`
	PrefixCount  int       `json:"prefix_count"`
	Routes       []rpRoute `json:"routes"`
}

// rpRoute is one route's AS path (and, a routestat addition, its
// prefix).
type rpRoute struct {
	ASPath []uint32 `json:"as_path"`
	Prefix string   `json:"prefix"`
}

// risPeeringsCall is ris-peerings: every collector peer's routes to a
// prefix, or to the prefixes an AS originates, at a time.
func risPeeringsCall(d *Deps) api.Call {
	return api.Call{
		Name:    "ris-peerings",
		Version: "1.0",
		Doc: "Every collector peer with a table of the resource's family, with its AS paths to the prefix (an address: its most " +
			"specific routed covering prefix; an AS: the prefixes it originates) at a time.",
		Methodology: "Answered from the route index: the peers with routes at query_time (table sizes as ris-peers) and their " +
			"routes to the prefixes. A peer without a route to the resource is listed with no routes. AS_SET members are left " +
			"out of as_path. For an AS, a peer appears once per family it has a table of.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindResource, Required: true, Doc: "Prefix, address or AS number."},
			queryTimeParam,
		},
		Handle: d.risPeerings,
	}
}

// risPeerings answers ris-peerings.
func (d *Deps) risPeerings(ctx context.Context, q *api.Query) (any, error) {
	at := d.queryTime(q)
	r := q.Resource("resource")
	out := risPeeringsData{Resource: r.String(), QueryStarttime: apiTime(at), QueryEndtime: apiTime(at), Peerings: []rpCollector{}}
	prefixes, _, overloaded, err := d.resourcePrefixes(q, r, at, risPeeringsLimit)
	if err != nil {
		return nil, err
	}
	routes, err := d.routesOf(ctx, prefixes, at)
	if err != nil {
		return nil, fmt.Errorf("ris-peerings %s: %w", r, err)
	}
	if overloaded || q.Overloaded(len(routes), risPeeringsLimit) {
		// the summary only: the collectors, without their peers
		routes, overloaded = nil, true
	}
	fams := map[bool]bool{} // families of the prefixes: true for IPv4
	if r.Kind == api.ResPrefix {
		fams[r.Prefix.Addr().Is4()] = true
	}
	for _, p := range prefixes {
		fams[p.Addr().Is4()] = true
	}
	byPeer := map[peerID][]index.Route{}
	for _, rt := range routes {
		k := peerID{rt.Collector, rt.PeerAddr}
		byPeer[k] = append(byPeer[k], rt)
	}
	colls, err := d.activePeers(at)
	if err != nil {
		return nil, err
	}
	for _, c := range colls {
		rc := rpCollector{Probe: c.probe(), Peers: []rpPeer{}}
		for _, pe := range c.peers {
			for _, v4 := range []bool{true, false} {
				n := pe.V6
				if v4 {
					n = pe.V4
				}
				if !fams[v4] || n == 0 {
					continue
				}
				rp := rpPeer{ASN: pe.AS, IP: pe.Addr.String(), IPVersion: ipVersion(pe.Addr), TableVersion: "6", PrefixCount: n, Routes: []rpRoute{}}
				if v4 {
					rp.TableVersion = "4"
				}
				for _, rt := range byPeer[peerID{pe.Collector, pe.Addr}] {
					if rt.Prefix.Addr().Is4() == v4 {
						rp.Routes = append(rp.Routes, rpRoute{ASPath: asPathInts(rt.Attrs.ASPath), Prefix: rt.Prefix.String()})
					}
				}
				rc.Peers = append(rc.Peers, rp)
			}
		}
		if overloaded {
			rc.Peers = []rpPeer{}
		}
		if len(rc.Peers) > 0 || overloaded {
			out.Peerings = append(out.Peerings, rc)
		}
	}
	if len(prefixes) == 0 && !overloaded {
		q.Info("No routed prefix for " + r.String() + " at " + api.FormatTime(at) + ".")
	}
	return out, nil
}

// ipVersion is "4" or "6": the address family of a.
func ipVersion(a netip.Addr) string {
	if a.Is4() {
		return "4"
	}
	return "6"
}
