package calls

import (
	"context"
	"fmt"

	"github.com/routestat/routestat/stat/api"
)

// asOverviewData is as-overview's data (spec §2.5, v1.3).
type asOverviewData struct {
	Type           string        `json:"type"`
	Resource       string        `json:"resource"`
	Block          overviewBlock `json:"block"`
	Holder         *string       `json:"holder"`
	Announced      bool          `json:"announced"`
	QueryStarttime string        `json:"query_starttime"`
	QueryEndtime   string        `json:"query_endtime"`
}

// asOverviewCall declares as-overview.
func asOverviewCall(d *Deps) api.Call {
	return api.Call{
		Name:    "as-overview",
		Version: "1.3",
		Doc:     "An AS's holder name, IANA block, and whether it originates a prefix that enough peers route.",
		Methodology: "The holder comes from the AS-names file (null when unknown). The AS is announced when, at the latest data, at least min_peers_seeing (10) " +
			"peers (any peer, not only full-feed ones) route some prefix with the AS as its origin; a transit-only AS is not announced. " +
			"The block comes from the IANA special-purpose AS number ranges built into routestat.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindASN, Required: true, Doc: "The AS number."},
			statusMinPeersParam("10", "Least number of peers that must route a prefix the AS originates for it to count as announced (routestat's addition; RIPEstat fixes 10)."),
		},
		Handle: d.asOverview,
	}
}

// asOverview answers as-overview.
func (d *Deps) asOverview(_ context.Context, q *api.Query) (any, error) {
	r := q.Resource("resource")
	at := d.statusLatest(q.Now())
	out := asOverviewData{
		Type: "as", Resource: r.String(), Block: asBlock(r.ASN),
		QueryStarttime: api.FormatTime(at), QueryEndtime: api.FormatTime(at),
	}
	if name := d.name(r.ASN); name != "" {
		out.Holder = &name
	}
	found, err := d.Index.ASPrefixes(r.ASN, at, false)
	if err != nil {
		return nil, fmt.Errorf("as-overview: %w", err)
	}
	for _, e := range found {
		if len(e.OriginPeers) >= max(int(q.Int("min_peers_seeing")), 1) {
			out.Announced = true
			break
		}
	}
	return out, nil
}

// asRanges are the IANA AS number ranges routestat knows without the
// registry files (RFC 6996, RFC 5398, RFC 6793, RFC 7300), with the
// unlisted stretches between them.
var asRanges = []struct {
	lo, hi uint32
	desc   string
}{
	{0, 0, "Reserved"},
	{1, 23455, ""},
	{23456, 23456, "AS_TRANS"},
	{23457, 64495, ""},
	{64496, 64511, "Reserved for use in documentation and sample code"},
	{64512, 65534, "Reserved for Private Use"},
	{65535, 65535, "Reserved"},
	{65536, 65551, "Reserved for use in documentation and sample code"},
	{65552, 131071, "Reserved"},
	{131072, 4199999999, ""},
	{4200000000, 4294967294, "Reserved for Private Use"},
	{4294967295, 4294967295, "Reserved"},
}

// asBlock returns the IANA block of as: the 16-bit or 32-bit registry and
// the range of it routestat knows as holds, with its description
// (empty for the ranges IANA delegates to the RIRs, whose allocations
// routestat does not hold).
func asBlock(as uint32) overviewBlock {
	name := "IANA 16-bit Autonomous System (AS) Numbers Registry"
	if as > 65535 {
		name = "IANA 32-bit Autonomous System (AS) Numbers Registry"
	}
	for _, r := range asRanges {
		if as >= r.lo && as <= r.hi {
			res := fmt.Sprint(r.lo)
			if r.hi != r.lo {
				res = fmt.Sprintf("%d-%d", r.lo, r.hi)
			}
			return overviewBlock{Resource: res, Name: name, Desc: r.desc}
		}
	}
	return overviewBlock{Name: name}
}
