package index

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// ASPrefix is a prefix in whose routes an AS appears at a point in time.
type ASPrefix struct {
	Prefix netip.Prefix
	// OriginPeers are the peers (over all collectors, sorted) whose route
	// to Prefix has the AS as its origin; TransitPeers counts those whose
	// route has it elsewhere in the AS path.
	OriginPeers  []PeerRef
	TransitPeers int
}

// PeerRef names a collector's peer.
type PeerRef struct {
	Collector string
	Addr      netip.Addr
}

// ASPrefixes returns, sorted by prefix, the prefixes whose routes at time
// at have as as their origin (OriginPeers not empty) or, when transit is set,
// anywhere else in their AS path (TransitPeers > 0), with the number of
// peers whose route does. Without transit only the prefixes as originated
// around at are read (its origin intervals), so the work follows the AS's
// size; with transit every prefix's routes at at are looked at (from
// memory for the prefixes that did not change after at).
func (ix *Index) ASPrefixes(as uint32, at time.Time, transit bool) ([]ASPrefix, error) {
	var candidates map[netip.Prefix]bool
	if !transit {
		tls, err := ix.OriginPrefixes(as, at, at)
		if err != nil {
			return nil, err
		}
		candidates = make(map[netip.Prefix]bool, len(tls))
		for _, tl := range tls {
			candidates[tl.Prefix] = true
		}
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, ix.broken
	}
	// roles of the interned attribute sets: 1 origin, 2 transit
	roles := make([]uint8, len(ix.attrs))
	for i := range ix.attrs {
		a := &ix.attrs[i]
		if a.origin == as {
			roles[i] |= 1
		}
		for _, pair := range a.adj {
			if uint32(pair>>32) == as {
				roles[i] |= 2
				break
			}
		}
	}
	txn := ix.db.NewTransaction(false)
	defer txn.Discard()
	t := micros(at)
	var out []ASPrefix
	var ids []uint32
	if transit {
		ids = make([]uint32, 0, len(ix.prefixes))
		for id := range ix.prefixes {
			ids = append(ids, uint32(id))
		}
	} else {
		for p := range candidates {
			if id, ok := ix.prefixID[p]; ok {
				ids = append(ids, id)
			}
		}
	}
	for _, id := range ids {
		ps := ix.prefixes[id]
		if ps.first == 0 || ps.first > t {
			continue
		}
		e, err := ix.asPrefixAt(txn, ps, t, roles)
		if err != nil {
			return nil, fmt.Errorf("prefixes of AS%d at %s: %w", as, at.UTC().Format(time.RFC3339), err)
		}
		if len(e.OriginPeers) > 0 || e.TransitPeers > 0 {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b ASPrefix) int { return a.Prefix.Compare(b.Prefix) })
	return out, nil
}

// asPrefixAt counts the peers whose routes to ps at t have the roles
// marked in roles (by attribute set id).
func (ix *Index) asPrefixAt(txn *badger.Txn, ps *prefixState, t int64, roles []uint8) (ASPrefix, error) {
	e := ASPrefix{Prefix: ps.pfx}
	var origin, transit map[uint32]bool
	for _, cs := range ps.colls {
		rs, err := ix.routesAt(txn, ps, cs, t)
		if err != nil {
			return e, err
		}
		for _, r := range rs {
			if ix.peers[r.peer].coll != cs.coll || int(r.attr) >= len(roles) {
				continue
			}
			role := roles[r.attr]
			if role&1 != 0 {
				if origin == nil {
					origin = map[uint32]bool{}
				}
				origin[r.peer] = true
			}
			if role&2 != 0 {
				if transit == nil {
					transit = map[uint32]bool{}
				}
				transit[r.peer] = true
			}
		}
	}
	for id := range origin {
		pi := &ix.peers[id]
		e.OriginPeers = append(e.OriginPeers, PeerRef{ix.collectors[pi.coll], pi.addr})
	}
	slices.SortFunc(e.OriginPeers, func(a, b PeerRef) int {
		return cmp.Or(cmp.Compare(a.Collector, b.Collector), a.Addr.Compare(b.Addr))
	})
	e.TransitPeers = len(transit)
	return e, nil
}
