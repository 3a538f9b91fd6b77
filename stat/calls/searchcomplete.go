package calls

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/asnames"
	"github.com/routestat/routestat/stat/index"
)

// nameSearcher is an AS-names source that can also search names
// (*asnames.Names); searchcomplete checks Deps.Names for it.
type nameSearcher interface {
	Search(q string, limit int) []asnames.Entry
}

// searchcompleteData is searchcomplete's data (spec §2.30).
type searchcompleteData struct {
	QueryTerm  string                   `json:"query_term"`
	Limit      int                      `json:"limit"`
	QueryTime  string                   `json:"query_time"`
	Categories []searchcompleteCategory `json:"categories"`
}

// searchcompleteCategory is one kind of suggestion.
type searchcompleteCategory struct {
	Category    string                     `json:"category"`
	Suggestions []searchcompleteSuggestion `json:"suggestions"`
}

// searchcompleteSuggestion is one suggestion.
type searchcompleteSuggestion struct {
	Label       string `json:"label"`
	Value       string `json:"value"`
	Description string `json:"description"`
}

// searchcompleteCall declares searchcomplete.
func searchcompleteCall(d *Deps) api.Call {
	return api.Call{
		Name:    "searchcomplete",
		Version: "2.0",
		Doc:     "Suggestions for a search box: AS numbers and names matching free text, and prefixes matching an address or prefix.",
		Methodology: "ASNs: an AS number given (AS3333, 3333) is suggested when it has a name or originates prefixes; other text is looked up in " +
			"the AS-names file, names starting with it first, then names containing it. Prefixes: for an address or prefix, the routed prefixes " +
			"covering it (most specific first) and the prefix itself when it is routed. Hostnames: a host name is resolved (2 s at most) and " +
			"each address suggested with the routed prefix covering it.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindString, Required: true, MaxLen: 100, Doc: "The text typed so far."},
			{Name: "limit", Kind: api.KindInt, Default: "6", Min: 1, Max: 100, Doc: "Most suggestions per category."},
		},
		Handle: d.searchcomplete,
	}
}

// searchcomplete answers searchcomplete.
func (d *Deps) searchcomplete(ctx context.Context, q *api.Query) (any, error) {
	term := strings.TrimSpace(q.String("resource"))
	limit := int(q.Int("limit"))
	at := d.statusLatest(q.Now())
	out := searchcompleteData{QueryTerm: term, Limit: limit, QueryTime: api.FormatTime(at), Categories: []searchcompleteCategory{}}
	asns, err := d.searchcompleteASNs(term, limit, at)
	if err != nil {
		return nil, fmt.Errorf("searchcomplete: %w", err)
	}
	if len(asns) > 0 {
		out.Categories = append(out.Categories, searchcompleteCategory{Category: "ASNs", Suggestions: asns})
	}
	pfxs, err := d.searchcompletePrefixes(term, limit, at)
	if err != nil {
		return nil, fmt.Errorf("searchcomplete: %w", err)
	}
	if len(pfxs) > 0 {
		out.Categories = append(out.Categories, searchcompleteCategory{Category: "Prefixes", Suggestions: pfxs})
	}
	hosts, err := d.searchcompleteHosts(ctx, term, limit, at)
	if err != nil {
		return nil, fmt.Errorf("searchcomplete: %w", err)
	}
	if len(hosts) > 0 {
		out.Categories = append(out.Categories, searchcompleteCategory{Category: "Hostnames", Suggestions: hosts})
	}
	return out, nil
}

// hostName matches what is looked up as a host name: dot-separated
// labels of letters, digits and dashes with a letter in the last label
// (so that no address or AS number is), or localhost.
var hostName = regexp.MustCompile(`^(?i:localhost|(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?\.?)$`)

// hostLookupTimeout bounds a host name lookup.
const hostLookupTimeout = 2 * time.Second

// searchcompleteHosts suggests the addresses a host name resolves to,
// each described by the routed prefix covering it and its origin. A name
// that does not resolve suggests nothing.
func (d *Deps) searchcompleteHosts(ctx context.Context, term string, limit int, at time.Time) ([]searchcompleteSuggestion, error) {
	if len(term) > 253 || !hostName.MatchString(term) {
		return nil, nil
	}
	var r HostResolver = net.DefaultResolver
	if d.Resolver != nil {
		r = d.Resolver
	}
	lctx, cancel := context.WithTimeout(ctx, hostLookupTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(lctx, "ip", strings.TrimSuffix(term, "."))
	if err != nil {
		return nil, nil // unknown or unreachable name: no suggestion
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	slices.SortFunc(addrs, func(a, b netip.Addr) int { return a.Compare(b) })
	addrs = slices.Compact(addrs)
	var out []searchcompleteSuggestion
	for _, a := range addrs {
		if len(out) == limit {
			break
		}
		desc := "not routed"
		found, _, err := d.Index.Origins(netip.PrefixFrom(a, a.BitLen()), at, index.Exact|index.LessSpecific, 1, 0)
		if err != nil {
			return nil, err
		}
		if n := len(found); n > 0 {
			po := found[n-1]
			desc = po.Prefix.String()
			if len(po.Origins) > 0 && po.Origins[0].AS != 0 {
				desc += " AS" + strconv.FormatUint(uint64(po.Origins[0].AS), 10)
				if nm := d.name(po.Origins[0].AS); nm != "" {
					desc += " " + nm
				}
			}
		}
		out = append(out, searchcompleteSuggestion{Label: term + " → " + a.String(), Value: a.String(), Description: desc})
	}
	return out, nil
}

// searchcompleteAS is the suggestion of one AS.
func (d *Deps) searchcompleteAS(as uint32) searchcompleteSuggestion {
	label := "AS" + strconv.FormatUint(uint64(as), 10)
	return searchcompleteSuggestion{Label: label, Value: label, Description: d.name(as)}
}

// searchcompleteASNs suggests ASes: the AS number typed, if known, then
// ASes whose name matches.
func (d *Deps) searchcompleteASNs(term string, limit int, at time.Time) ([]searchcompleteSuggestion, error) {
	var out []searchcompleteSuggestion
	if r, err := api.ParseResource(term, api.ResASN); err == nil {
		known := d.name(r.ASN) != ""
		if !known {
			found, err := d.Index.ASPrefixes(r.ASN, at, false)
			if err != nil {
				return nil, err
			}
			known = len(found) > 0
		}
		if known {
			out = append(out, d.searchcompleteAS(r.ASN))
		}
	}
	ns, ok := d.Names.(nameSearcher)
	if !ok || len(term) < 2 {
		return out, nil
	}
	for _, e := range ns.Search(term, limit) {
		if len(out) == limit {
			break
		}
		if len(out) > 0 && out[0].Value == "AS"+strconv.FormatUint(uint64(e.AS), 10) {
			continue
		}
		out = append(out, d.searchcompleteAS(e.AS))
	}
	return out, nil
}

// searchcompletePrefixes suggests the routed prefixes covering an address
// or prefix typed, most specific first.
func (d *Deps) searchcompletePrefixes(term string, limit int, at time.Time) ([]searchcompleteSuggestion, error) {
	r, err := api.ParseResource(term, api.ResPrefix|api.ResAddr)
	if err != nil {
		return nil, nil
	}
	p := r.Prefix
	if r.Kind == api.ResAddr {
		p = netip.PrefixFrom(r.Addr, r.Addr.BitLen())
	}
	found, _, err := d.Index.Origins(p, at, index.Exact|index.LessSpecific, 1, 0)
	if err != nil {
		return nil, err
	}
	var out []searchcompleteSuggestion
	for i := len(found) - 1; i >= 0 && len(out) < limit; i-- {
		po := found[i]
		desc := ""
		if len(po.Origins) > 0 && po.Origins[0].AS != 0 {
			desc = "AS" + strconv.FormatUint(uint64(po.Origins[0].AS), 10)
			if n := d.name(po.Origins[0].AS); n != "" {
				desc += " " + n
			}
		}
		out = append(out, searchcompleteSuggestion{Label: po.Prefix.String(), Value: po.Prefix.String(), Description: desc})
	}
	return out, nil
}
