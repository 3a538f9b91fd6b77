package hijack

import (
	"fmt"
	"slices"
	"time"

	"github.com/routestat/routestat/stat/index"
)

// Autoconfig builds a monitored-resources configuration from the routing
// state in ix at time at: for each AS, the prefixes it originates (routed
// by at least minPeers peers) with their origins — the AS, plus any other
// origin of the same prefix seen by at least a quarter of its peers (a
// standing MOAS) — and the AS's upstreams seen during the window before
// at. It is a starting point for review, not a verdict: an ongoing hijack
// at that time would be written down as legitimate.
func Autoconfig(ix *index.Index, asns []uint32, at time.Time, window time.Duration, minPeers int) (*Config, error) {
	c := &Config{Defaults: DefaultThresholds}
	seen := make(map[string]bool)
	for _, as := range asns {
		aps, err := ix.ASPrefixes(as, at, false)
		if err != nil {
			return nil, fmt.Errorf("prefixes of AS%d: %w", as, err)
		}
		for _, ap := range aps {
			if len(ap.OriginPeers) < max(minPeers, 1) || seen[ap.Prefix.String()] {
				continue
			}
			seen[ap.Prefix.String()] = true
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
			c.Prefixes = append(c.Prefixes, &PrefixRule{Prefix: ap.Prefix, Origins: slices.Compact(origins),
				Description: fmt.Sprintf("AS%d (autoconfig %s)", as, at.UTC().Format("2006-01-02"))})
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
