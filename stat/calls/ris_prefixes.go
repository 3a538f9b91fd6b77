package calls

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/routestat/routestat/stat/api"
)

// risPrefixesOverload is how many listed prefixes a browser gets before
// the data overload guard leaves the lists out.
const risPrefixesOverload = 10000

// risPrefixesData is ris-prefixes' data (spec §2.13).
type risPrefixesData struct {
	Resource     string                       `json:"resource"`
	QueryTime    string                       `json:"query_time"`
	Counts       map[string]risPrefixesCounts `json:"counts"`
	Prefixes     map[string]risPrefixesLists  `json:"prefixes,omitempty"`
	ListPrefixes bool                         `json:"list_prefixes"`
	Types        []string                     `json:"types"`
	AF           []string                     `json:"af"`
	Noise        []string                     `json:"noise"`
}

// risPrefixesCounts counts a family's prefixes by the AS's role.
type risPrefixesCounts struct {
	Originating int `json:"originating"`
	Transiting  int `json:"transiting"`
}

// risPrefixesLists lists a family's prefixes by the AS's role (only the
// roles asked for).
type risPrefixesLists struct {
	Originating []string `json:"originating,omitempty"`
	Transiting  []string `json:"transiting,omitempty"`
}

// risPrefixesCall declares ris-prefixes.
func risPrefixesCall(d *Deps) api.Call {
	return api.Call{
		Name:    "ris-prefixes",
		Version: "0.1",
		SnapRIB: true,
		Doc:     "Prefixes an AS originates or transits at a time, as the collectors' peers see them: counts, and with list_prefixes the prefixes.",
		Methodology: "From the routes of every prefix at the query time: a prefix is originating when some peer's route has the AS as its origin, " +
			"transiting when some peer's route has the AS in its AS path followed by another AS (AS_SETs break the path). A prefix can be both.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindASN, Required: true, Doc: "The AS number."},
			{Name: "query_time", Kind: api.KindTime, Doc: "Time of the answer, moved to the RIB dump time at or before it (default: the latest data)."},
			{Name: "list_prefixes", Kind: api.KindBool, Default: "false", Doc: "List the prefixes, not only count them."},
			{Name: "types", Kind: api.KindString, Default: "o,t", MaxLen: 16, Doc: "Roles to list: o (originating), t (transiting), comma separated."},
			{Name: "af", Kind: api.KindString, Default: "v4,v6", MaxLen: 16, Doc: "Address families to list: v4, v6, comma separated."},
			{Name: "noise", Kind: api.KindEnum, Default: "keep", Values: []string{"keep", "filter"}, Doc: "filter leaves out private and special-purpose space, host routes and /0."},
		},
		Handle: d.risPrefixes,
	}
}

// risPrefixesChoices parses a comma list of choices of allowed into
// their canonical order, refusing anything else as a bad param.
func risPrefixesChoices(param, raw string, allowed []string) ([]string, error) {
	var got []string
	for _, f := range strings.Split(raw, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if !slices.Contains(allowed, f) {
			return nil, api.BadParam(param, raw, "want a comma-separated list of "+strings.Join(allowed, ", "))
		}
		if !slices.Contains(got, f) {
			got = append(got, f)
		}
	}
	slices.SortFunc(got, func(a, b string) int { return slices.Index(allowed, a) - slices.Index(allowed, b) })
	return got, nil
}

// risPrefixes answers ris-prefixes.
func (d *Deps) risPrefixes(_ context.Context, q *api.Query) (any, error) {
	types, err := risPrefixesChoices("types", q.String("types"), []string{"o", "t"})
	if err != nil {
		return nil, err
	}
	afs, err := risPrefixesChoices("af", q.String("af"), []string{"v4", "v6"})
	if err != nil {
		return nil, err
	}
	at := d.statusTime(q, "query_time")
	as := q.Resource("resource").ASN
	noise := q.String("noise")
	list := q.Bool("list_prefixes")
	found, err := d.Index.ASPrefixes(as, at, true)
	if err != nil {
		return nil, fmt.Errorf("ris-prefixes: %w", err)
	}
	out := risPrefixesData{
		Resource:     q.Resource("resource").String(),
		QueryTime:    api.FormatTime(at),
		Counts:       map[string]risPrefixesCounts{"v4": {}, "v6": {}},
		ListPrefixes: list,
		Types:        types,
		AF:           afs,
		Noise:        []string{noise},
	}
	lists := map[string]risPrefixesLists{}
	listed := 0
	for _, e := range found {
		if noise == "filter" && risPrefixesNoise(e.Prefix) {
			continue
		}
		af := statusFamily(e.Prefix)
		c, l := out.Counts[af], lists[af]
		if len(e.OriginPeers) > 0 {
			c.Originating++
			if slices.Contains(types, "o") {
				l.Originating = append(l.Originating, e.Prefix.String())
				listed++
			}
		}
		if e.TransitPeers > 0 {
			c.Transiting++
			if slices.Contains(types, "t") {
				l.Transiting = append(l.Transiting, e.Prefix.String())
				listed++
			}
		}
		out.Counts[af], lists[af] = c, l
	}
	if list && !q.Overloaded(listed, risPrefixesOverload) {
		out.Prefixes = map[string]risPrefixesLists{}
		for _, af := range afs {
			out.Prefixes[af] = lists[af]
		}
	}
	return out, nil
}

// risPrefixesSpecial are the private and special-purpose blocks that
// noise=filter leaves out (RFC 6890 and its updates, the commonly leaked
// ones).
var risPrefixesSpecial = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("224.0.0.0/3"),
	netip.MustParsePrefix("::/8"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

// risPrefixesNoise tells whether noise=filter leaves p out: /0, host
// routes, and prefixes inside private or special-purpose space.
func risPrefixesNoise(p netip.Prefix) bool {
	if p.Bits() == 0 || p.Bits() == p.Addr().BitLen() {
		return true
	}
	for _, s := range risPrefixesSpecial {
		if s.Contains(p.Addr()) && s.Bits() <= p.Bits() {
			return true
		}
	}
	return false
}
