package index

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// PathRoutes is the routes one peer has, at a point in time, with one
// attribute set (so one AS path), counted by family.
type PathRoutes struct {
	Attrs     *Attrs
	Collector string
	PeerAddr  netip.Addr
	PeerAS    uint32
	// V4 and V6 count the routes (prefixes and ADD-PATH ids).
	V4, V6 int
}

// ASPaths returns the routes at time at whose AS path has as next to
// another AS in an AS_SEQUENCE (the paths that give as a neighbour),
// grouped by attribute set and peer, in the store's order of peers and
// attribute sets (stable for a store, not meaningful). Every prefix's routes at at are looked at: from memory for the
// prefixes that did not change after at, else from the store; only the
// attribute sets with as are decoded.
func (ix *Index) ASPaths(as uint32, at time.Time) ([]PathRoutes, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, ix.broken
	}
	has := make([]bool, len(ix.attrs))
	found := false
	for i := range ix.attrs {
		for _, pair := range ix.attrs[i].adj {
			if uint32(pair>>32) == as || uint32(pair) == as {
				has[i], found = true, true
				break
			}
		}
	}
	if !found {
		return nil, nil
	}
	txn := ix.db.NewTransaction(false)
	defer txn.Discard()
	t := micros(at)
	type key struct{ attr, peer uint32 }
	counts := map[key]*[2]int{}
	count := func(r route, fam int) {
		if int(r.attr) >= len(has) || !has[r.attr] {
			return
		}
		k := key{r.attr, r.peer}
		c := counts[k]
		if c == nil {
			c = &[2]int{}
			counts[k] = c
		}
		c[fam]++
	}
	for _, ps := range ix.prefixes {
		if ps.first == 0 || ps.first > t {
			continue
		}
		fam := 1
		if ps.pfx.Addr().Is4() {
			fam = 0
		}
		for _, cs := range ps.colls {
			if t >= cs.last && t >= ix.lastDown(cs.coll) {
				for _, r := range ps.routes {
					if ix.peers[r.peer].coll == cs.coll {
						count(r, fam)
					}
				}
				continue
			}
			rs, err := ix.routesAt(txn, ps, cs, t)
			if err != nil {
				return nil, fmt.Errorf("paths of AS%d: %s at %s: %w", as, ps.pfx, at.UTC().Format(time.RFC3339), err)
			}
			for _, r := range rs {
				if ix.peers[r.peer].coll == cs.coll {
					count(r, fam)
				}
			}
		}
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.peer, b.peer), cmp.Compare(a.attr, b.attr)) })
	decoded := map[uint32]*Attrs{}
	out := make([]PathRoutes, 0, len(keys))
	for _, k := range keys {
		a := decoded[k.attr]
		if a == nil {
			var err error
			if a, err = decodeAttrs([]byte(ix.attrs[k.attr].enc)); err != nil {
				return nil, fmt.Errorf("paths of AS%d: attribute set %d: %w", as, k.attr, err)
			}
			decoded[k.attr] = a
		}
		pi := &ix.peers[k.peer]
		c := counts[k]
		out = append(out, PathRoutes{Attrs: a, Collector: ix.collectors[pi.coll], PeerAddr: pi.addr, PeerAS: pi.as, V4: c[0], V6: c[1]})
	}
	return out, nil
}

// NeighbourSpan is one interval during which an AS was adjacent to the
// queried one in AS paths at one collector.
type NeighbourSpan struct {
	AS uint32
	// Left neighbours are nearer the collector in AS paths.
	Left      bool
	Collector string
	Start     time.Time
	// End is zero while the adjacency is still seen.
	End time.Time
}

// NeighbourSpans returns the adjacency intervals of as that overlap
// [from, to], unclipped, sorted by neighbour, side, start and collector:
// one key range of the adjacency index.
func (ix *Index) NeighbourSpans(as uint32, from, to time.Time) ([]NeighbourSpan, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, ix.broken
	}
	f, t := micros(from), micros(to)
	var out []NeighbourSpan
	err := ix.scanAdjacency(as, f, t, func(nb uint32, left bool, coll uint16, start, end int64, _ uint32) {
		out = append(out, NeighbourSpan{AS: nb, Left: left, Collector: ix.collectors[coll], Start: fromMicros(start), End: fromMicros(end)})
	})
	if err != nil {
		return nil, fmt.Errorf("neighbour spans of AS%d: %w", as, err)
	}
	slices.SortFunc(out, func(a, b NeighbourSpan) int {
		if c := cmp.Compare(a.AS, b.AS); c != 0 {
			return c
		}
		if a.Left != b.Left {
			if a.Left {
				return -1
			}
			return 1
		}
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Collector, b.Collector))
	})
	return out, nil
}
