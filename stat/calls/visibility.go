package calls

import (
	"context"
	"fmt"

	"github.com/routestat/routestat/stat/api"
)

// visibilityPrefixLimit bounds how many prefixes of an AS a browser's
// query reads before the data overload guard answers without them.
const visibilityPrefixLimit = 5000

// visibilityData is visibility's data (spec §2.15).
type visibilityData struct {
	Resource        string         `json:"resource"`
	QueryTime       apiTime        `json:"query_time"`
	LatestTime      apiTime        `json:"latest_time"`
	Include         []string       `json:"include"`
	RelatedPrefixes []string       `json:"related_prefixes"`
	Visibilities    []visCollector `json:"visibilities"`
}

// visCollector is one collector's full-feed peers and which of them see
// the resource.
type visCollector struct {
	Probe            probe     `json:"probe"`
	V4FullTableCount int       `json:"ipv4_full_table_peer_count"`
	V6FullTableCount int       `json:"ipv6_full_table_peer_count"`
	V4NotSeeing      []visPeer `json:"ipv4_full_table_peers_not_seeing"`
	V6NotSeeing      []visPeer `json:"ipv6_full_table_peers_not_seeing"`
	V4Seeing         []visPeer `json:"ipv4_full_table_peers_seeing,omitzero"`
	V6Seeing         []visPeer `json:"ipv6_full_table_peers_seeing,omitzero"`
}

// visPeer is a full-feed peer with its table size of the family.
type visPeer struct {
	ASN         uint32 `json:"asn"`
	IP          string `json:"ip"`
	PrefixCount int    `json:"prefix_count"`
}

// visibilityCall is visibility: per collector, the full-feed peers that
// see and do not see a prefix (an address's covering prefix, an AS's
// prefixes).
func visibilityCall(d *Deps) api.Call {
	return api.Call{
		Name:    "visibility",
		Version: "1.0",
		Doc: "Per collector, how many full-table peers there are and which of them do not see (with include=peers_seeing, also " +
			"which see) a prefix, the most specific routed prefix covering an address, or any prefix an AS originates.",
		Methodology: "Answered from the route index at query_time: a peer is a full-table peer of a family when its table of " +
			"that family has at least the index's full-feed threshold of routes (index options full_feed_v4 and full_feed_v6, " +
			"defaults 800,000 and 150,000); it sees the resource when it has a route to the prefix (for an AS: to at least one " +
			"prefix of that family the AS originates). Not-seeing lists are given for the resource's families only.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindResource, Required: true, Doc: "Prefix, address or AS number."},
			queryTimeParam,
			{Name: "include", Kind: api.KindEnum, Values: []string{"peers_seeing"},
				Doc: "peers_seeing adds the lists of full-table peers that see the resource."},
		},
		Handle: d.visibility,
	}
}

// visibility answers visibility.
func (d *Deps) visibility(ctx context.Context, q *api.Query) (any, error) {
	at := d.queryTime(q)
	r := q.Resource("resource")
	out := visibilityData{Resource: r.String(), QueryTime: apiTime(at), LatestTime: apiTime(d.Index.Latest()),
		Include: []string{}, RelatedPrefixes: []string{}, Visibilities: []visCollector{}}
	withSeeing := q.String("include") == "peers_seeing"
	if withSeeing {
		out.Include = append(out.Include, "peers_seeing")
	}
	prefixes, related, overloaded, err := d.resourcePrefixes(q, r, at, visibilityPrefixLimit)
	if err != nil {
		return nil, err
	}
	if related {
		for _, p := range prefixes {
			out.RelatedPrefixes = append(out.RelatedPrefixes, p.String())
		}
	}
	fams := map[bool]bool{} // families looked at: true for IPv4
	switch r.Kind {
	case api.ResPrefix:
		fams[r.Prefix.Addr().Is4()] = true
	case api.ResAddr:
		fams[r.Addr.Is4()] = true
	}
	for _, p := range prefixes {
		fams[p.Addr().Is4()] = true
	}
	routes, err := d.routesOf(ctx, prefixes, at)
	if err != nil {
		return nil, fmt.Errorf("visibility of %s: %w", r, err)
	}
	type seeKey struct {
		peer peerID
		v4   bool
	}
	sees := map[seeKey]bool{}
	for _, rt := range routes {
		sees[seeKey{peerID{rt.Collector, rt.PeerAddr}, rt.Prefix.Addr().Is4()}] = true
	}
	colls, err := d.activePeers(at)
	if err != nil {
		return nil, err
	}
	for _, c := range colls {
		vc := visCollector{Probe: c.probe(), V4NotSeeing: []visPeer{}, V6NotSeeing: []visPeer{}}
		if withSeeing {
			vc.V4Seeing, vc.V6Seeing = []visPeer{}, []visPeer{}
		}
		for _, pe := range c.peers {
			id := peerID{pe.Collector, pe.Addr}
			if pe.FullFeedV4 {
				vc.V4FullTableCount++
				if fams[true] && !overloaded {
					vp := visPeer{ASN: pe.AS, IP: pe.Addr.String(), PrefixCount: pe.V4}
					switch {
					case !sees[seeKey{id, true}]:
						vc.V4NotSeeing = append(vc.V4NotSeeing, vp)
					case withSeeing:
						vc.V4Seeing = append(vc.V4Seeing, vp)
					}
				}
			}
			if pe.FullFeedV6 {
				vc.V6FullTableCount++
				if fams[false] && !overloaded {
					vp := visPeer{ASN: pe.AS, IP: pe.Addr.String(), PrefixCount: pe.V6}
					switch {
					case !sees[seeKey{id, false}]:
						vc.V6NotSeeing = append(vc.V6NotSeeing, vp)
					case withSeeing:
						vc.V6Seeing = append(vc.V6Seeing, vp)
					}
				}
			}
		}
		out.Visibilities = append(out.Visibilities, vc)
	}
	return out, nil
}
