package index

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/kentik/patricia"
)

// PrefixOrigins is a prefix's routes at a point in time, summarised by
// origin AS.
type PrefixOrigins struct {
	Prefix netip.Prefix
	// Origins are the origin ASes of the routes (0 for a path without a
	// single origin) with the number of peers whose route has each, by
	// decreasing peers then AS.
	Origins []OriginPeers
	// Peers counts the peers (over all collectors) with a route to Prefix.
	Peers int
}

// OriginPeers is an origin AS and how many peers route to it.
type OriginPeers struct {
	AS    uint32
	Peers int
}

// Origins returns the prefixes related to p by m that at time at are
// routed by at least max(minPeers, 1) peers, with their origins: the
// less-specifics from the shortest, then p, then the more-specifics in
// address order. It stops after limit prefixes (no limit when limit <= 0)
// and then reports truncated; the more-specifics are read one by one, so
// a short prefix with a small limit is cheap.
func (ix *Index) Origins(p netip.Prefix, at time.Time, m Match, minPeers, limit int) (out []PrefixOrigins, truncated bool, err error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, false, ix.broken
	}
	p = p.Masked()
	txn := ix.db.NewTransaction(false)
	defer txn.Discard()
	t := micros(at)
	minPeers = max(minPeers, 1)
	// add reports false when the limit is reached.
	add := func(id uint32) (bool, error) {
		ps := ix.prefixes[id]
		if ps.first == 0 || ps.first > t {
			return true, nil
		}
		po, err := ix.originsAt(txn, ps, t)
		if err != nil {
			return false, fmt.Errorf("origins of %s at %s: %w", ps.pfx, at.UTC().Format(time.RFC3339), err)
		}
		if po.Peers < minPeers {
			return true, nil
		}
		if limit > 0 && len(out) == limit {
			truncated = true
			return false, nil
		}
		out = append(out, po)
		return true, nil
	}
	var ids []uint32
	if m&LessSpecific != 0 {
		if p.Addr().Is4() {
			b := p.Addr().As4()
			ids = ix.tree4.FindTags(patricia.NewIPv4AddressFromBytes(b[:], uint(p.Bits())))
		} else {
			b := p.Addr().As16()
			ids = ix.tree6.FindTags(patricia.NewIPv6Address(b[:], uint(p.Bits())))
		}
		ids = slices.DeleteFunc(ids, func(id uint32) bool { return ix.prefixes[id].pfx == p })
		slices.SortFunc(ids, func(a, b uint32) int { return cmp.Compare(ix.prefixes[a].pfx.Bits(), ix.prefixes[b].pfx.Bits()) })
	}
	if id, ok := ix.prefixID[p]; ok && m&Exact != 0 {
		ids = append(ids, id)
	}
	for _, id := range ids {
		if more, err := add(id); err != nil || !more {
			return out, truncated, err
		}
	}
	if m&MoreSpecific == 0 {
		return out, truncated, nil
	}
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	start := append([]byte{tagSeen}, appendPrefix(nil, p)...)
	opts.Prefix = start[:2]
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Seek(start); it.Valid(); it.Next() {
		q, ok := parsePrefix(it.Item().Key()[1:])
		if !ok {
			return nil, false, fmt.Errorf("seen key %x: malformed", it.Item().Key())
		}
		if !p.Contains(q.Addr()) {
			break
		}
		id, known := ix.prefixID[q]
		if q.Bits() <= p.Bits() || !known {
			continue
		}
		if more, err := add(id); err != nil || !more {
			return out, truncated, err
		}
	}
	return out, truncated, nil
}

// originsAt summarises the routes of ps at t.
func (ix *Index) originsAt(txn *badger.Txn, ps *prefixState, t int64) (PrefixOrigins, error) {
	po := PrefixOrigins{Prefix: ps.pfx}
	peers := map[uint32]bool{}
	byOrigin := map[uint32]map[uint32]bool{}
	for _, cs := range ps.colls {
		rs, err := ix.routesAt(txn, ps, cs, t)
		if err != nil {
			return po, err
		}
		for _, r := range rs {
			if ix.peers[r.peer].coll != cs.coll || int(r.attr) >= len(ix.attrs) {
				continue
			}
			peers[r.peer] = true
			o := ix.attrs[r.attr].origin
			if byOrigin[o] == nil {
				byOrigin[o] = map[uint32]bool{}
			}
			byOrigin[o][r.peer] = true
		}
	}
	po.Peers = len(peers)
	for as, ps := range byOrigin {
		po.Origins = append(po.Origins, OriginPeers{as, len(ps)})
	}
	slices.SortFunc(po.Origins, func(a, b OriginPeers) int { return cmp.Or(cmp.Compare(b.Peers, a.Peers), cmp.Compare(a.AS, b.AS)) })
	return po, nil
}

// Earliest returns when the first prefix was first seen (zero for an
// empty index).
func (ix *Index) Earliest() time.Time {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var first int64
	for _, ps := range ix.prefixes {
		if ps.first != 0 && (first == 0 || ps.first < first) {
			first = ps.first
		}
	}
	return fromMicros(first)
}
