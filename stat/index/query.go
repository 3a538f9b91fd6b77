package index

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/kentik/patricia"
)

// Route is one route at a point in time.
type Route struct {
	Collector string
	PeerAddr  netip.Addr
	PeerAS    uint32
	Prefix    netip.Prefix
	PathID    uint32
	Attrs     *Attrs
	// Since is when the route got these attributes: the time of the
	// UPDATE, or of the RIB dump where the index first saw it.
	Since time.Time
}

// Match selects the prefixes that Routes reports, relative to the
// queried prefix; values combine with |.
type Match uint8

// Matches.
const (
	// Exact is the prefix itself.
	Exact Match = 1 << iota
	// LessSpecific are the prefixes that cover it.
	LessSpecific
	// MoreSpecific are the prefixes it covers.
	MoreSpecific
)

// Interval is a time during which something was seen at one collector.
type Interval struct {
	Collector string
	Start     time.Time
	// End is zero while the interval is still open.
	End time.Time
	// Peers is the largest number of the collector's peers that saw it at
	// once during the interval.
	Peers int
}

// PrefixTimeline is a prefix with the intervals it was announced (by one
// origin AS).
type PrefixTimeline struct {
	Prefix    netip.Prefix
	Intervals []Interval
}

// Neighbour is an AS adjacent to the queried one in AS paths.
type Neighbour struct {
	AS uint32
	// Left neighbours are nearer the collector in AS paths (upstreams);
	// the others are right (nearer the origin).
	Left bool
	// Peers is the sum over collectors of the largest number of peers that
	// saw the adjacency at once in the window.
	Peers int
	// First and Last bound when the adjacency was seen in the window;
	// Last is zero while it is still seen.
	First, Last time.Time
}

// Peer is a collector's BGP neighbour with its table size at a time.
type Peer struct {
	Collector string
	Addr      netip.Addr
	AS        uint32
	// V4 and V6 count the peer's IPv4 and IPv6 routes.
	V4, V6 int
	// FullFeedV4 and FullFeedV6 tell whether the table reaches
	// Options.FullFeedV4 / FullFeedV6 (or the sizes SetFullFeed set).
	FullFeedV4, FullFeedV6 bool
}

// Visibility is how many full-feed peers see a prefix.
type Visibility struct {
	// FullFeed are the peers with a full table of the prefix's family at
	// the time asked; Seeing are those of them with a route to it.
	FullFeed, Seeing []Peer
}

// Seen is when a prefix was first and last seen.
type Seen struct {
	First time.Time
	// Last is when the prefix last stopped being announced; zero when it
	// never did. Visible tells whether some peer has a route to it now.
	Last    time.Time
	Visible bool
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(t int64) time.Time {
	if t == 0 || t == openEnd {
		return time.Time{}
	}
	return time.UnixMicro(t).UTC()
}

// Latest returns the time of the latest event applied.
func (ix *Index) Latest() time.Time {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return fromMicros(ix.latest)
}

// matching returns the ids of the known prefixes related to p by m.
func (ix *Index) matching(txn *badger.Txn, p netip.Prefix, m Match) ([]uint32, error) {
	p = p.Masked()
	var ids []uint32
	if m&LessSpecific != 0 {
		if p.Addr().Is4() {
			b := p.Addr().As4()
			ids = append(ids, ix.tree4.FindTags(patricia.NewIPv4AddressFromBytes(b[:], uint(p.Bits())))...)
		} else {
			b := p.Addr().As16()
			ids = append(ids, ix.tree6.FindTags(patricia.NewIPv6Address(b[:], uint(p.Bits())))...)
		}
		ids = slices.DeleteFunc(ids, func(id uint32) bool { return ix.prefixes[id].pfx == p })
	}
	if id, ok := ix.prefixID[p]; ok && m&Exact != 0 {
		ids = append(ids, id)
	}
	if m&MoreSpecific != 0 {
		// the seen keys of a family sort by address, then length
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		start := append([]byte{tagSeen}, appendPrefix(nil, p)...)
		opts.Prefix = start[:2]
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(start); it.Valid(); it.Next() {
			q, ok := parsePrefix(it.Item().Key()[1:])
			if !ok {
				return nil, fmt.Errorf("seen key %x: malformed", it.Item().Key())
			}
			if !p.Contains(q.Addr()) {
				break
			}
			if q.Bits() > p.Bits() {
				if id, ok := ix.prefixID[q]; ok {
					ids = append(ids, id)
				}
			}
		}
	}
	slices.SortFunc(ids, func(a, b uint32) int { return ix.prefixes[a].pfx.Compare(ix.prefixes[b].pfx) })
	return ids, nil
}

// Routes returns the routes, at time at, of the prefixes related to p by
// m, sorted by prefix, collector, peer and path id.
func (ix *Index) Routes(p netip.Prefix, at time.Time, m Match) ([]Route, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, ix.broken
	}
	txn := ix.db.NewTransaction(false)
	defer txn.Discard()
	ids, err := ix.matching(txn, p, m)
	if err != nil {
		return nil, fmt.Errorf("routes of %s: %w", p, err)
	}
	t := micros(at)
	var out []Route
	for _, id := range ids {
		ps := ix.prefixes[id]
		for _, cs := range ps.colls {
			rs, err := ix.routesAt(txn, ps, cs, t)
			if err != nil {
				return nil, fmt.Errorf("routes of %s at %s: %w", ps.pfx, at.UTC().Format(time.RFC3339), err)
			}
			if out, err = ix.appendRoutes(out, ps.pfx, cs.coll, rs); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (ix *Index) appendRoutes(out []Route, p netip.Prefix, coll uint16, rs []route) ([]Route, error) {
	slices.SortFunc(rs, cmpRoute)
	for _, r := range rs {
		if ix.peers[r.peer].coll != coll {
			continue
		}
		a, err := decodeAttrs([]byte(ix.attrs[r.attr].enc))
		if err != nil {
			return nil, fmt.Errorf("attribute set %d: %w", r.attr, err)
		}
		pi := &ix.peers[r.peer]
		out = append(out, Route{Collector: ix.collectors[coll], PeerAddr: pi.addr, PeerAS: pi.as,
			Prefix: p, PathID: r.pathID, Attrs: a, Since: fromMicros(r.since)})
	}
	return out, nil
}

// lastDown is the time of the collector's latest session down.
func (ix *Index) lastDown(coll uint16) int64 {
	if ds := ix.downs[coll]; len(ds) > 0 {
		return ds[len(ds)-1].t
	}
	return 0
}

// routesAt returns the routes of a prefix at a collector at t: from
// memory when nothing later is logged, else from the latest snapshot and
// the log after it.
func (ix *Index) routesAt(txn *badger.Txn, ps *prefixState, cs collState, t int64) ([]route, error) {
	if t >= cs.last && t >= ix.lastDown(cs.coll) {
		var rs []route
		for _, r := range ps.routes {
			if ix.peers[r.peer].coll == cs.coll {
				rs = append(rs, r)
			}
		}
		return rs, nil
	}
	base, baseAt, blocks, err := ix.readLog(txn, ps.pfx, cs.coll, t, t)
	if err != nil {
		return nil, err
	}
	return ix.replay(base, baseAt, blocks, cs.coll, logPos{t, 1<<64 - 1}, nil)
}

// readLog reads, for a prefix at a collector, the latest snapshot before
// from (or at from when from == to) and the event blocks after it up to
// to, in order.
func (ix *Index) readLog(txn *badger.Txn, p netip.Prefix, coll uint16, from, to int64) (base []route, baseAt logPos, blocks []logBlock, err error) {
	opts := badger.DefaultIteratorOptions
	opts.Reverse = true
	opts.PrefetchValues = false
	opts.Prefix = logKey(nil, p, coll, 0, 0, 0)[:1+pfxLen+2]
	it := txn.NewIterator(opts)
	defer it.Close()
	baseAt = logPos{t: -1 << 63}
	for it.Seek(logKey(nil, p, coll, to, 1<<64-1, 0xff)); it.Valid(); it.Next() {
		k := it.Item().Key()
		if len(k) != logKeyLen {
			return nil, baseAt, nil, fmt.Errorf("log key %x: bad length", k)
		}
		pos := logPos{t: readTime(k[1+pfxLen+2:]), seq: binary.BigEndian.Uint64(k[1+pfxLen+10:])}
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, baseAt, nil, err
		}
		if k[len(k)-1] == logSnapshot {
			if pos.t < from || from == to {
				base, err = decodeSnapshot(v)
				if err != nil {
					return nil, baseAt, nil, fmt.Errorf("%x: %w", k, err)
				}
				baseAt = pos
				break
			}
			continue
		}
		blocks = append(blocks, logBlock{at: pos, v: v})
	}
	slices.Reverse(blocks)
	return base, baseAt, blocks, nil
}

// Events returns the routes of the prefixes (with their more-specifics
// when moreSpecific is set) at from, and the events of those prefixes in
// [from, to], in time order. A route withdrawn because its session went
// down is reported as a PeerDown event with Prefix and PathID set.
func (ix *Index) Events(prefixes []netip.Prefix, moreSpecific bool, from, to time.Time) (initial []Route, events []Event, err error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, nil, ix.broken
	}
	txn := ix.db.NewTransaction(false)
	defer txn.Discard()
	m := Exact
	if moreSpecific {
		m |= MoreSpecific
	}
	seen := map[uint32]bool{}
	var ids []uint32
	for _, p := range prefixes {
		got, err := ix.matching(txn, p, m)
		if err != nil {
			return nil, nil, fmt.Errorf("events of %s: %w", p, err)
		}
		for _, id := range got {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	f, t := micros(from), micros(to)
	attrs := map[uint32]*Attrs{}
	for _, id := range ids {
		ps := ix.prefixes[id]
		for _, cs := range ps.colls {
			base, baseAt, blocks, err := ix.readLog(txn, ps.pfx, cs.coll, f, t)
			if err != nil {
				return nil, nil, fmt.Errorf("events of %s: %w", ps.pfx, err)
			}
			var emitErr error
			start, err := ix.replayFrom(base, baseAt, blocks, cs.coll, logPos{t, 1<<64 - 1}, f, func(e logEvent) {
				ev := Event{Kind: e.kind, Time: fromMicros(e.t), Collector: ix.collectors[cs.coll],
					PeerAddr: ix.peers[e.r.peer].addr, PeerAS: ix.peers[e.r.peer].as,
					Prefix: ps.pfx, PathID: e.r.pathID, FromRIB: e.rib}
				if e.kind == Announce {
					a := attrs[e.r.attr]
					if a == nil {
						var err error
						if a, err = decodeAttrs([]byte(ix.attrs[e.r.attr].enc)); err != nil {
							emitErr = err
							return
						}
						attrs[e.r.attr] = a
					}
					ev.Attrs = a
				}
				events = append(events, ev)
			})
			if err == nil {
				err = emitErr
			}
			if err != nil {
				return nil, nil, fmt.Errorf("events of %s: %w", ps.pfx, err)
			}
			if initial, err = ix.appendRoutes(initial, ps.pfx, cs.coll, start); err != nil {
				return nil, nil, err
			}
		}
	}
	slices.SortStableFunc(events, func(a, b Event) int { return a.Time.Compare(b.Time) })
	return initial, events, nil
}

// replayFrom is replay that returns the state just before the first
// event at or after from, and passes only the events from then on to
// emit.
func (ix *Index) replayFrom(base []route, baseAt logPos, blocks []logBlock, coll uint16, until logPos, from int64, emit func(e logEvent)) ([]route, error) {
	var start []route
	started := false
	final, err := ix.replay(base, baseAt, blocks, coll, until, func(e logEvent, before []route) {
		if e.t < from {
			return
		}
		if !started {
			started = true
			start = slices.Clone(before)
		}
		emit(e)
	})
	if err != nil {
		return nil, err
	}
	if !started {
		start = final
	}
	return start, nil
}

// OriginPrefixes returns the prefixes that as originated in [from, to],
// each with its announcement intervals per collector.
func (ix *Index) OriginPrefixes(as uint32, from, to time.Time) ([]PrefixTimeline, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, ix.broken
	}
	f, t := micros(from), micros(to)
	var out []PrefixTimeline
	err := ix.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = binary.BigEndian.AppendUint32([]byte{tagOrigin}, as)
		opts.PrefetchValues = false // the values are small and inline: prefetching costs more than it saves
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			var end int64
			var mx uint32
			var ok bool
			err := it.Item().Value(func(v []byte) error {
				end, mx, ok = parseSpanValue(v)
				return nil
			})
			if err != nil {
				return err
			}
			p, pok := parsePrefix(k[5:])
			if !ok || !pok || len(k) != originKeyLen {
				return fmt.Errorf("origin key %x: malformed", k)
			}
			coll := binary.BigEndian.Uint16(k[5+pfxLen:])
			start := readTime(k[7+pfxLen:])
			if start > t || end < f || int(coll) >= len(ix.collectors) {
				continue
			}
			if end == openEnd {
				if id, ok := ix.prefixID[p]; ok {
					if sp := ix.prefixes[id].span(originKeyT{as, coll}); sp != nil && sp.start == start {
						mx = sp.max
					}
				}
			}
			iv := Interval{Collector: ix.collectors[coll], Start: fromMicros(start), End: fromMicros(end), Peers: int(mx)}
			if n := len(out); n > 0 && out[n-1].Prefix == p {
				out[n-1].Intervals = append(out[n-1].Intervals, iv)
			} else {
				out = append(out, PrefixTimeline{Prefix: p, Intervals: []Interval{iv}})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("prefixes of AS%d: %w", as, err)
	}
	for i := range out {
		slices.SortFunc(out[i].Intervals, func(a, b Interval) int {
			return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Collector, b.Collector))
		})
	}
	return out, nil
}

// Neighbours returns the ASes adjacent to as in AS paths in [from, to].
func (ix *Index) Neighbours(as uint32, from, to time.Time) ([]Neighbour, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, ix.broken
	}
	f, t := micros(from), micros(to)
	type nkey struct {
		as   uint32
		left bool
	}
	type agg struct {
		n         Neighbour
		first     int64
		last      int64
		collPeers map[uint16]uint32
	}
	found := map[nkey]*agg{}
	var order []nkey
	err := ix.scanAdjacency(as, f, t, func(nb uint32, left bool, coll uint16, start, end int64, mx uint32) {
		if end == openEnd {
			pair := uint64(as)<<32 | uint64(nb)
			if left {
				pair = uint64(nb)<<32 | uint64(as)
			}
			if sp := ix.adj[adjKeyT{pair, coll}]; sp != nil && sp.start == start {
				mx = sp.max
			}
		}
		key := nkey{nb, left}
		a := found[key]
		if a == nil {
			a = &agg{n: Neighbour{AS: nb, Left: left}, first: start, collPeers: map[uint16]uint32{}}
			found[key] = a
			order = append(order, key)
		}
		a.first = min(a.first, start)
		a.last = max(a.last, end)
		a.collPeers[coll] = max(a.collPeers[coll], mx)
	})
	if err != nil {
		return nil, fmt.Errorf("neighbours of AS%d: %w", as, err)
	}
	out := make([]Neighbour, 0, len(order))
	for _, k := range order {
		a := found[k]
		a.n.First, a.n.Last = fromMicros(max(a.first, f)), fromMicros(a.last)
		if a.last != openEnd && a.last > t {
			a.n.Last = fromMicros(t)
		}
		for _, n := range a.collPeers {
			a.n.Peers += int(n)
		}
		out = append(out, a.n)
	}
	slices.SortFunc(out, func(a, b Neighbour) int {
		if a.Left != b.Left {
			if a.Left {
				return -1
			}
			return 1
		}
		return cmpU32(a.AS, b.AS)
	})
	return out, nil
}

// scanAdjacency calls fn for every adjacency interval of as (one key
// range of the adjacency index) that overlaps [f, t] µs: the neighbour,
// its side, the collector, the interval and its stored peer count.
// The caller holds ix.mu.
func (ix *Index) scanAdjacency(as uint32, f, t int64, fn func(nb uint32, left bool, coll uint16, start, end int64, peers uint32)) error {
	return ix.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = binary.BigEndian.AppendUint32([]byte{tagAdjacency}, as)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			var end int64
			var mx uint32
			var ok bool
			if err := it.Item().Value(func(v []byte) error {
				end, mx, ok = parseSpanValue(v)
				return nil
			}); err != nil {
				return err
			}
			if !ok || len(k) != adjKeyLen {
				return fmt.Errorf("adjacency key %x: malformed", k)
			}
			coll := binary.BigEndian.Uint16(k[10:])
			start := readTime(k[12:])
			if start > t || end < f || int(coll) >= len(ix.collectors) {
				continue
			}
			fn(binary.BigEndian.Uint32(k[6:]), k[5] == sideLeft, coll, start, end, mx)
		}
		return nil
	})
}

// peerAt returns a peer with its table size at t.
func (ix *Index) peerAt(txn *badger.Txn, id uint32, t int64) (Peer, error) {
	pi := &ix.peers[id]
	p := Peer{Collector: ix.collectors[pi.coll], Addr: pi.addr, AS: pi.as}
	if t >= pi.last {
		p.V4, p.V6 = int(pi.v4), int(pi.v6)
	} else {
		opts := badger.DefaultIteratorOptions
		opts.Reverse = true
		opts.Prefix = binary.BigEndian.AppendUint32([]byte{tagTable}, id)
		it := txn.NewIterator(opts)
		defer it.Close()
		it.Seek(tableKey(id, t))
		if it.Valid() {
			err := it.Item().Value(func(v []byte) error {
				if len(v) != 9 || v[0] != valueVersion {
					return fmt.Errorf("table size of peer %d: malformed", id)
				}
				p.V4, p.V6 = int(binary.BigEndian.Uint32(v[1:])), int(binary.BigEndian.Uint32(v[5:]))
				return nil
			})
			if err != nil {
				return p, err
			}
		}
	}
	ff := ix.fullFeed.Load()
	p.FullFeedV4, p.FullFeedV6 = p.V4 >= ff[0], p.V6 >= ff[1]
	return p, nil
}

// Peers returns the peers of a collector (all collectors when empty) with
// their table sizes at time at.
func (ix *Index) Peers(collector string, at time.Time) ([]Peer, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return nil, ix.broken
	}
	txn := ix.db.NewTransaction(false)
	defer txn.Discard()
	var out []Peer
	for id := range ix.peers {
		if collector != "" && ix.collectors[ix.peers[id].coll] != collector {
			continue
		}
		p, err := ix.peerAt(txn, uint32(id), micros(at))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Peer) int {
		return cmp.Or(cmp.Compare(a.Collector, b.Collector), a.Addr.Compare(b.Addr))
	})
	return out, nil
}

// Visibility returns the full-feed peers of p's family at time at and
// those of them that have a route to p.
func (ix *Index) Visibility(p netip.Prefix, at time.Time) (Visibility, error) {
	routes, err := ix.Routes(p, at, Exact)
	if err != nil {
		return Visibility{}, err
	}
	peers, err := ix.Peers("", at)
	if err != nil {
		return Visibility{}, err
	}
	var v Visibility
	for _, pe := range peers {
		if p.Addr().Is4() && !pe.FullFeedV4 || p.Addr().Is6() && !pe.FullFeedV6 {
			continue
		}
		v.FullFeed = append(v.FullFeed, pe)
		if slices.ContainsFunc(routes, func(r Route) bool { return r.Collector == pe.Collector && r.PeerAddr == pe.Addr }) {
			v.Seeing = append(v.Seeing, pe)
		}
	}
	return v, nil
}

// Seen returns when p was first and last seen; ok is false for a prefix
// never announced.
func (ix *Index) Seen(p netip.Prefix) (s Seen, ok bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	id, known := ix.prefixID[p.Masked()]
	if !known || ix.prefixes[id].first == 0 {
		return Seen{}, false
	}
	ps := ix.prefixes[id]
	return Seen{First: fromMicros(ps.first), Last: fromMicros(ps.last), Visible: len(ps.routes) > 0}, true
}
