package calls

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// prefixCalls returns the prefix and AS status calls: announced-prefixes,
// ris-prefixes, routing-status, prefix-overview, as-overview and
// searchcomplete.
func prefixCalls(d *Deps) []api.Call {
	return []api.Call{
		announcedPrefixesCall(d),
		risPrefixesCall(d),
		routingStatusCall(d),
		prefixOverviewCall(d),
		asOverviewCall(d),
		searchcompleteCall(d),
	}
}

// statusMinPeersParam is the min_peers_seeing parameter with its default.
func statusMinPeersParam(def, doc string) api.Param {
	return api.Param{Name: "min_peers_seeing", Kind: api.KindInt, Default: def, Max: 100000, Doc: doc}
}

// statusLatest returns the time of the newest data in the index, or now when
// the index is empty.
func (d *Deps) statusLatest(now time.Time) time.Time {
	if t := d.Index.Latest(); !t.IsZero() {
		return t.Truncate(time.Second)
	}
	return now.UTC().Truncate(time.Second)
}

// statusTime returns the time parameter name when the client gave it,
// else the time of the newest data, with RIPEstat's info message.
func (d *Deps) statusTime(q *api.Query, name string) time.Time {
	if q.Given(name) {
		return q.Time(name)
	}
	t := d.statusLatest(q.Now())
	q.Info(fmt.Sprintf("Query time has been set to the latest time (%s UTC) data is available for.", t.Format("2006-01-02 15:04:05")))
	return t
}

// statusRoutedPrefix returns the prefix a prefix or address resource stands
// for at time at: a prefix itself, and for an address the most specific
// prefix covering it that some peer routes (the host prefix when none
// does). covering tells that an address was mapped to a routed prefix.
func (d *Deps) statusRoutedPrefix(r api.Resource, at time.Time) (p netip.Prefix, covering bool, err error) {
	if r.Kind != api.ResAddr {
		return r.Prefix, false, nil
	}
	host := netip.PrefixFrom(r.Addr, r.Addr.BitLen())
	out, _, err := d.Index.Origins(host, at, index.Exact|index.LessSpecific, 1, 0)
	if err != nil {
		return host, false, fmt.Errorf("prefix of %s: %w", r.Addr, err)
	}
	if len(out) == 0 {
		return host, false, nil
	}
	return out[len(out)-1].Prefix, true, nil
}

// statusFamily returns "v4" or "v6".
func statusFamily(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "v4"
	}
	return "v6"
}
