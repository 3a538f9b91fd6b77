package calls

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// prefixOverviewData is prefix-overview's data (spec §2.4, v1.3).
type prefixOverviewData struct {
	Resource         string              `json:"resource"`
	Type             string              `json:"type"`
	Announced        bool                `json:"announced"`
	IsLessSpecific   bool                `json:"is_less_specific"`
	ASNs             []prefixOverviewASN `json:"asns"`
	Block            overviewBlock       `json:"block"`
	RelatedPrefixes  []string            `json:"related_prefixes"`
	ActualNumRelated int                 `json:"actual_num_related"`
	NumFilteredOut   int                 `json:"num_filtered_out"`
	QueryTime        string              `json:"query_time"`
}

// prefixOverviewASN is an origin AS with its name.
type prefixOverviewASN struct {
	ASN    uint32 `json:"asn"`
	Holder string `json:"holder"`
}

// overviewBlock is the IANA registry block of a resource.
type overviewBlock struct {
	Resource string `json:"resource"`
	Name     string `json:"name"`
	Desc     string `json:"desc"`
}

// prefixOverviewCall declares prefix-overview.
func prefixOverviewCall(d *Deps) api.Call {
	return api.Call{
		Name:    "prefix-overview",
		Version: "1.3",
		Doc:     "Whether a prefix or address is announced, by which origin ASes, in which IANA block, and its announced less- and more-specific prefixes.",
		Methodology: "From the route index at the query time: the prefix (for an address, or a prefix nobody routes, the most specific routed prefix " +
			"covering it, then is_less_specific is true) and its origin ASes routed by at least min_peers_seeing peers; related prefixes are the " +
			"routed less- and more-specific prefixes, at most max_related of them. The block comes from the built-in IANA special-purpose registries only.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindPrefix, Required: true, Doc: "A prefix or an address."},
			{Name: "query_time", Kind: api.KindTime, Doc: "Time of the answer (default: the latest data)."},
			statusMinPeersParam("3", "Least number of peers routing a prefix or an origin for it to count."),
			{Name: "max_related", Kind: api.KindInt, Default: "100", Max: 10000, Doc: "Most related prefixes listed."},
		},
		Handle: d.prefixOverview,
	}
}

// prefixOverview answers prefix-overview.
func (d *Deps) prefixOverview(_ context.Context, q *api.Query) (any, error) {
	r := q.Resource("resource")
	at := d.statusTime(q, "query_time")
	minPeers := int(q.Int("min_peers_seeing"))
	maxRelated := int(q.Int("max_related"))
	p := r.Prefix
	if r.Kind == api.ResAddr {
		p = netip.PrefixFrom(r.Addr, r.Addr.BitLen())
	}
	out := prefixOverviewData{
		Resource: r.String(), Type: "prefix", ASNs: []prefixOverviewASN{}, Block: ianaBlock(p),
		RelatedPrefixes: []string{}, QueryTime: api.FormatTime(at),
	}
	// the prefix itself and what covers it, the most specific last
	cover, _, err := d.Index.Origins(p, at, index.Exact|index.LessSpecific, 1, 0)
	if err != nil {
		return nil, fmt.Errorf("prefix-overview: %w", err)
	}
	var subject *index.PrefixOrigins
	for i := len(cover) - 1; i >= 0; i-- {
		if cover[i].Peers >= minPeers {
			subject = &cover[i]
			break
		}
	}
	if subject != nil {
		out.Announced = true
		out.IsLessSpecific = subject.Prefix != p
		if out.IsLessSpecific {
			out.Resource = subject.Prefix.String()
		}
		for _, o := range subject.Origins {
			if o.Peers < minPeers {
				out.NumFilteredOut++
				continue
			}
			out.ASNs = append(out.ASNs, prefixOverviewASN{ASN: o.AS, Holder: d.name(o.AS)})
		}
	}
	related, truncated, err := d.Index.Origins(p, at, index.LessSpecific|index.MoreSpecific, 1, maxRelated+1)
	if err != nil {
		return nil, fmt.Errorf("prefix-overview: %w", err)
	}
	for _, po := range related {
		if po.Peers < minPeers {
			out.NumFilteredOut++
			continue
		}
		if subject != nil && po.Prefix == subject.Prefix {
			continue
		}
		out.ActualNumRelated++
		if len(out.RelatedPrefixes) < maxRelated {
			out.RelatedPrefixes = append(out.RelatedPrefixes, po.Prefix.String())
		}
	}
	if truncated || out.ActualNumRelated > maxRelated {
		q.Info(fmt.Sprintf("Only the first %d related prefixes are listed.", maxRelated))
	}
	if out.NumFilteredOut > 0 {
		q.Info(fmt.Sprintf("Results exclude origins and prefixes seen by fewer than %d peers.", minPeers))
	}
	return out, nil
}

// ianaSpecial are IANA registry blocks routestat knows without the
// registry files: the special-purpose IPv4 /8s and the IPv6 Address Space
// registry's main entries, with their registry descriptions.
var ianaSpecial = []struct {
	p    netip.Prefix
	desc string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "IANA - Local Identification"},
	{netip.MustParsePrefix("10.0.0.0/8"), "IANA - Private Use"},
	{netip.MustParsePrefix("127.0.0.0/8"), "IANA - Loopback"},
	{netip.MustParsePrefix("224.0.0.0/4"), "Multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "Future use"},
	{netip.MustParsePrefix("2000::/3"), "Global Unicast"},
	{netip.MustParsePrefix("fc00::/7"), "Unique Local Unicast"},
	{netip.MustParsePrefix("fe80::/10"), "Link-Scoped Unicast"},
	{netip.MustParsePrefix("ff00::/8"), "Multicast"},
}

// ianaBlock returns the IANA block of p: for IPv4 its /8 in the IANA
// IPv4 Address Space Registry, for IPv6 its entry in the IANA IPv6
// Address Space registry (its /3, "Reserved by IETF", when it is in none
// of the entries above). Descriptions are known for these entries only:
// routestat has no copy of the registries' allocations.
func ianaBlock(p netip.Prefix) overviewBlock {
	if p.Addr().Is4() {
		b, _ := p.Addr().Prefix(8)
		if p.Bits() < 8 {
			b = p
		}
		blk := overviewBlock{Resource: b.String(), Name: "IANA IPv4 Address Space Registry"}
		for _, s := range ianaSpecial {
			if s.p.Contains(b.Addr()) && s.p.Bits() <= b.Bits() {
				blk.Desc = s.desc
			}
		}
		return blk
	}
	b, _ := p.Addr().Prefix(min(3, p.Bits()))
	blk := overviewBlock{Resource: b.String(), Name: "IANA IPv6 Address Space Registry", Desc: "Reserved by IETF"}
	for _, s := range ianaSpecial {
		if s.p.Contains(p.Addr()) && s.p.Bits() <= p.Bits() {
			blk.Resource, blk.Desc = s.p.String(), s.desc
		}
	}
	return blk
}
