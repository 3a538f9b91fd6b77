package hijack

import (
	"fmt"
	"slices"
	"time"

	"github.com/routestat/routestat/stat/index"
)

// maxCarveOuts is how many foreign more specifics of one prefix
// Autoconfig lists as carve-outs before it sets ignoreMorespecifics.
const maxCarveOuts = 256

// Autoconfig builds a monitored-resources configuration from the routing
// state in ix at time at: for each AS, the prefixes it originates (routed
// by at least minPeers peers) with their origins — the AS, plus any other
// origin of the same prefix seen by at least a quarter of its peers (a
// standing MOAS) — and the AS's upstreams seen during the window before
// at. More specifics of those prefixes that other ASes originate at that
// time (customers' delegated space) become carve-outs (ignore: true), or
// the prefix gets ignoreMorespecifics when there are more than 256. It is
// a starting point for review, not a verdict: an ongoing hijack
// at that time would be written down as legitimate.
func Autoconfig(ix *index.Index, asns []uint32, at time.Time, window time.Duration, minPeers int) (*Config, error) {
	c := &Config{Defaults: DefaultThresholds}
	seen := make(map[string]*PrefixRule)
	for _, as := range asns {
		aps, err := ix.ASPrefixes(as, at, false)
		if err != nil {
			return nil, fmt.Errorf("prefixes of AS%d: %w", as, err)
		}
		for _, ap := range aps {
			if len(ap.OriginPeers) < max(minPeers, 1) {
				continue
			}
			if old := seen[ap.Prefix.String()]; old != nil && !old.Ignore {
				continue
			}
			origins := []uint32{as}
			pos, _, err := ix.Origins(ap.Prefix, at, index.Exact, 1, 1)
			if err != nil {
				return nil, fmt.Errorf("origins of %s: %w", ap.Prefix, err)
			}
			for _, po := range pos {
				for _, o := range po.Origins {
					if o.AS != 0 && o.AS != as && o.Peers*4 >= po.Peers {
						origins = append(origins, o.AS)
					}
				}
			}
			slices.Sort(origins)
			rule := &PrefixRule{Prefix: ap.Prefix, Origins: slices.Compact(origins),
				Description: fmt.Sprintf("AS%d (autoconfig %s)", as, at.UTC().Format("2006-01-02"))}
			if old := seen[ap.Prefix.String()]; old != nil {
				*old = *rule // a carve-out of another AS's prefix is this AS's own
				rule = old
			} else {
				c.Prefixes = append(c.Prefixes, rule)
				seen[ap.Prefix.String()] = rule
			}
			// More specifics other ASes originate now are space delegated
			// to customers: carve-outs, or, when there are too many to
			// list, the more specifics are not monitored at all.
			subs, more, err := ix.Origins(ap.Prefix, at, index.MoreSpecific, max(minPeers, 1), maxCarveOuts+1)
			if err != nil {
				return nil, fmt.Errorf("more specifics of %s: %w", ap.Prefix, err)
			}
			var carve []*PrefixRule
			for _, sp := range subs {
				if sp.Prefix == ap.Prefix || slices.ContainsFunc(sp.Origins, func(o index.OriginPeers) bool { return slices.Contains(origins, o.AS) }) {
					continue
				}
				carve = append(carve, &PrefixRule{Prefix: sp.Prefix, Ignore: true,
					Description: fmt.Sprintf("delegated: originated by AS%d (autoconfig)", sp.Origins[0].AS)})
			}
			if more || len(carve) > maxCarveOuts {
				rule.IgnoreMoreSpecifics = true
				continue
			}
			for _, cr := range carve {
				if seen[cr.Prefix.String()] == nil {
					seen[cr.Prefix.String()] = cr
					c.Prefixes = append(c.Prefixes, cr)
				}
			}
		}
		nbs, err := ix.Neighbours(as, at.Add(-window), at)
		if err != nil {
			return nil, fmt.Errorf("neighbours of AS%d: %w", as, err)
		}
		ups := []uint32{}
		for _, nb := range nbs {
			if nb.Left {
				ups = append(ups, nb.AS)
			}
		}
		slices.Sort(ups)
		ups = slices.Compact(ups)
		c.ASNs = append(c.ASNs, &ASRule{ASN: as, Upstreams: &ups})
	}
	slices.SortFunc(c.Prefixes, func(a, b *PrefixRule) int { return comparePrefix(a.Prefix, b.Prefix) })
	if err := c.prepare(); err != nil {
		return nil, err
	}
	return c, nil
}
