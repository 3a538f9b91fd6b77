package calls

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// Bounds of related-prefixes: the most related prefixes read for any
// request, and the most a browser gets (spec §1.7).
const (
	relatedPrefixesCap = 100000
	relatedPrefixesMax = 5000
)

// The relationships related-prefixes reports.
const (
	relLess  = "Overlap - Less Specific"
	relMore  = "Overlap - More Specific"
	relLeft  = "Adjacency - Left"
	relRight = "Adjacency - Right"
)

// relatedPrefixesData is related-prefixes' data (spec §2.19, v0.2).
type relatedPrefixesData struct {
	Resource   string          `json:"resource"`
	QueryTime  string          `json:"query_time"`
	Prefixes   []relatedPrefix `json:"prefixes"`
	Parameters map[string]any  `json:"parameters"`
}

// relatedPrefix is a routed prefix that overlaps or adjoins the resource,
// once per origin AS.
type relatedPrefix struct {
	Prefix       string `json:"prefix"`
	OriginASN    string `json:"origin_asn"`
	ASNName      string `json:"asn_name"`
	Relationship string `json:"relationship"`
}

// relatedPrefixesCall declares related-prefixes.
func relatedPrefixesCall(d *Deps) api.Call {
	return api.Call{
		Name:    "related-prefixes",
		Version: "0.2",
		Doc:     "Routed prefixes that overlap (less or more specific) or adjoin (left, right) a prefix, with their origin ASes.",
		Methodology: "From the routes at the query time (any peer of any collector): the prefixes covering the resource " +
			"(\"Overlap - Less Specific\", shortest first), those it covers (\"Overlap - More Specific\", in address order), the " +
			"prefixes ending just before it (\"Adjacency - Left\") and starting just after it (\"Adjacency - Right\"), one entry per " +
			"origin AS (most peers first; \"\" for a path ending in an AS_SET). routestat has no registry (whois) data: asn_name is the " +
			"AS name routestat knows, or \"\".",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindPrefix, Required: true, Doc: "A prefix, or an address (taken as its host prefix)."},
			{Name: "query_time", Kind: api.KindTime, Doc: "Time of the answer (default: the latest data)."},
		},
		Handle: d.relatedPrefixes,
	}
}

// relatedPrefixes answers related-prefixes.
func (d *Deps) relatedPrefixes(_ context.Context, q *api.Query) (any, error) {
	r := q.Resource("resource")
	p := r.Prefix
	if r.Kind == api.ResAddr {
		p = netip.PrefixFrom(r.Addr, r.Addr.BitLen())
	}
	at := d.topoTime(q, "query_time")
	qt := api.FormatTime(at)
	params := q.Parameters()
	params["query_time"] = qt
	out := relatedPrefixesData{Resource: r.String(), QueryTime: qt, Prefixes: []relatedPrefix{}, Parameters: params}
	overlap, truncated, err := d.Index.Origins(p, at, index.LessSpecific|index.MoreSpecific, 1, relatedPrefixesCap)
	if err != nil {
		return nil, fmt.Errorf("related-prefixes: %w", err)
	}
	if truncated {
		q.Warning(fmt.Sprintf("Only the first %d related prefixes are shown.", relatedPrefixesCap))
	}
	var rows []relatedPrefix
	for _, po := range overlap {
		rel := relMore
		if po.Prefix.Bits() < p.Bits() {
			rel = relLess
		}
		rows = d.appendRelated(rows, po, rel)
	}
	first, last := p.Masked().Addr(), lastAddr(p)
	for _, side := range []struct {
		rel string
		a   netip.Addr
	}{{relLeft, first.Prev()}, {relRight, last.Next()}} {
		if !side.a.IsValid() {
			continue
		}
		near, _, err := d.Index.Origins(netip.PrefixFrom(side.a, side.a.BitLen()), at, index.Exact|index.LessSpecific, 1, 0)
		if err != nil {
			return nil, fmt.Errorf("related-prefixes: %w", err)
		}
		for _, po := range near {
			if !po.Prefix.Overlaps(p) {
				rows = d.appendRelated(rows, po, side.rel)
			}
		}
	}
	if q.Overloaded(len(rows), relatedPrefixesMax) {
		return out, nil
	}
	out.Prefixes = append(out.Prefixes, rows...)
	return out, nil
}

// appendRelated appends a prefix's rows, one per origin.
func (d *Deps) appendRelated(rows []relatedPrefix, po index.PrefixOrigins, rel string) []relatedPrefix {
	for _, o := range po.Origins {
		row := relatedPrefix{Prefix: po.Prefix.String(), Relationship: rel}
		if o.AS != 0 {
			row.OriginASN, row.ASNName = strconv.FormatUint(uint64(o.AS), 10), d.name(o.AS)
		}
		rows = append(rows, row)
	}
	return rows
}

// lastAddr returns the last address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	b := a.As16()
	off := 0
	if a.Is4() {
		off = 12
	}
	for i := off*8 + p.Bits(); i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	if a.Is4() {
		return netip.AddrFrom4([4]byte(b[12:]))
	}
	return netip.AddrFrom16(b)
}
