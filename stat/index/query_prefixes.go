package index

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/dgraph-io/badger/v4"
	"github.com/kentik/patricia"
)

// Prefixes returns the prefixes the index has ever seen that are related
// to p by m, sorted by netip.Prefix.Compare (covering prefixes from the
// shortest). No route is read, so that callers can bound a query by the
// number of prefixes it would touch before asking for their routes or
// events: with limit > 0, at most limit prefixes are returned and more
// reports whether there were more (the more-specifics are then not all
// read, so refusing 0.0.0.0/0 costs little).
func (ix *Index) Prefixes(p netip.Prefix, m Match, limit int) (out []netip.Prefix, more bool, err error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, false, ix.broken
	}
	p = p.Masked()
	full := func() bool { return limit > 0 && len(out) >= limit }
	add := func(q netip.Prefix) bool {
		if full() {
			more = true
			return false
		}
		out = append(out, q)
		return true
	}
	if m&LessSpecific != 0 {
		var ids []uint32
		if p.Addr().Is4() {
			b := p.Addr().As4()
			ids = ix.tree4.FindTags(patricia.NewIPv4AddressFromBytes(b[:], uint(p.Bits())))
		} else {
			b := p.Addr().As16()
			ids = ix.tree6.FindTags(patricia.NewIPv6Address(b[:], uint(p.Bits())))
		}
		for _, id := range ids {
			if q := ix.prefixes[id].pfx; q != p && !add(q) {
				break
			}
		}
	}
	if _, ok := ix.prefixID[p]; ok && m&Exact != 0 {
		add(p)
	}
	if m&MoreSpecific != 0 && !more {
		if err := ix.moreSpecific(p, add); err != nil {
			return nil, false, fmt.Errorf("prefixes of %s: %w", p, err)
		}
	}
	slices.SortFunc(out, netip.Prefix.Compare)
	return out, more, nil
}

// moreSpecific passes the known prefixes p covers (p excluded) to add
// until it returns false; the seen keys of a family sort by address, then
// length, so they are one key range.
func (ix *Index) moreSpecific(p netip.Prefix, add func(netip.Prefix) bool) error {
	return ix.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		start := append([]byte{tagSeen}, appendPrefix(nil, p)...)
		opts.Prefix = start[:2]
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(start); it.Valid(); it.Next() {
			q, ok := parsePrefix(it.Item().Key()[1:])
			if !ok {
				return fmt.Errorf("seen key %x: malformed", it.Item().Key())
			}
			if !p.Contains(q.Addr()) {
				return nil
			}
			if _, known := ix.prefixID[q]; known && q.Bits() > p.Bits() && !add(q) {
				return nil
			}
		}
		return nil
	})
}
