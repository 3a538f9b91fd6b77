package index

import (
	"fmt"
	"net/netip"
)

// PrefixSeen is a prefix with when it was first and last seen.
type PrefixSeen struct {
	Prefix netip.Prefix
	Seen
}

// SeenPrefixes returns when p (and, with moreSpecific, every prefix it
// covers that was ever announced) was first and last seen, sorted by
// prefix; prefixes never announced are left out.
func (ix *Index) SeenPrefixes(p netip.Prefix, moreSpecific bool) ([]PrefixSeen, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, ix.broken
	}
	txn := ix.db.NewTransaction(false)
	defer txn.Discard()
	m := Exact
	if moreSpecific {
		m |= MoreSpecific
	}
	ids, err := ix.matching(txn, p, m)
	if err != nil {
		return nil, fmt.Errorf("first and last seen of %s: %w", p, err)
	}
	var out []PrefixSeen
	for _, id := range ids {
		ps := ix.prefixes[id]
		if ps.first == 0 {
			continue
		}
		out = append(out, PrefixSeen{Prefix: ps.pfx,
			Seen: Seen{First: fromMicros(ps.first), Last: fromMicros(ps.last), Visible: len(ps.routes) > 0}})
	}
	return out, nil
}
