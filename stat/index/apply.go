package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// maxChunkEvents bounds the events of one transaction.
const maxChunkEvents = 100000

type blockKeyT struct {
	pfx  uint32
	coll uint16
}

type blockBuf struct {
	first int64
	v     []byte
}

// chunk is one Badger transaction of an Apply in progress.
type chunk struct {
	txn         *badger.Txn
	keys, bytes int64
	blocks      map[blockKeyT]*blockBuf
	touched     map[blockKeyT]struct{}
	peers       map[uint32]bool // touched peers; true: forced sample
	origins     map[[3]uint64]struct{}
	seen        map[uint32]struct{} // prefixes whose first/last seen changed
	adj         map[adjKeyT]struct{}
	err         error
}

// del deletes k in the chunk's transaction.
func (c *chunk) del(k []byte) {
	if c.err != nil {
		return
	}
	c.keys++
	c.bytes += int64(len(k) + 16)
	if err := c.txn.Delete(k); err != nil {
		c.err = err
	}
}

func (c *chunk) set(k, v []byte) {
	if c.err != nil {
		return
	}
	c.keys++
	c.bytes += int64(len(k) + len(v) + 16)
	if err := c.txn.Set(k, v); err != nil {
		c.err = err
	}
}

// validate checks an event before anything is applied.
func validate(i int, e *Event) error {
	switch {
	case e.Kind != Announce && e.Kind != Withdraw && e.Kind != PeerDown:
		return fmt.Errorf("event %d: unknown kind %d", i, e.Kind)
	case !e.PeerAddr.IsValid():
		return fmt.Errorf("event %d: no peer address", i)
	case e.Kind == PeerDown:
		return nil
	case !e.Prefix.IsValid():
		return fmt.Errorf("event %d: invalid prefix", i)
	case e.Kind == Announce && e.Attrs == nil:
		return fmt.Errorf("event %d: announcement of %s without attributes", i, e.Prefix)
	}
	return nil
}

// Apply applies events (in time order per collector) and stores cp
// atomically with them. A batch that the stored checkpoint of cp.Source
// already covers is not applied again. A batch too large for one Badger
// transaction is committed in several, each with an intermediate
// checkpoint that records how many of the batch's events are applied, so
// that a crash between them neither loses nor doubles anything when the
// ingest resumes from the stored offset. On a write error the in-memory
// state is reloaded from the store, which holds the last committed
// transaction.
func (ix *Index) Apply(ctx context.Context, events []Event, cp Checkpoint) error {
	if cp.Source == "" {
		return errors.New("apply: checkpoint without a source")
	}
	for i := range events {
		if err := validate(i, &events[i]); err != nil {
			return fmt.Errorf("apply %s up to offset %d: %w", cp.Source, cp.Offset, err)
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.broken != nil {
		return ix.broken
	}
	st, have := ix.cps[cp.Source]
	var skip int64
	baseOffset := int64(0)
	if have {
		if st.Offset > cp.Offset || st.Offset == cp.Offset && st.skip == 0 && (st.Done || !cp.Done) {
			return nil // already applied
		}
		baseOffset, skip = st.Offset, st.skip
		if st.Offset == cp.Offset {
			skip = 0 // an empty batch that marks the source done
		}
	}
	if err := ix.checkSpace(); err != nil {
		return err
	}
	carry := int64(0)
	if skip > int64(len(events)) {
		carry = skip - int64(len(events))
		skip = int64(len(events))
	}
	rest := events[skip:]
	applied := skip
	for first := true; first || len(rest) > 0; first = false {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := ix.newChunk()
		n := 0
		for n < len(rest) && n < ix.chunkEvents && !ix.full(c) {
			ix.applyEvent(c, &rest[n])
			n++
		}
		rest = rest[n:]
		applied += int64(n)
		w := storedCP{Checkpoint: cp, skip: carry}
		if len(rest) > 0 {
			w = storedCP{Checkpoint: Checkpoint{Source: cp.Source, Offset: baseOffset}, skip: applied}
		} else if carry > 0 {
			w.Done = false
		}
		if err := ix.commit(c, w); err != nil {
			c.txn.Discard()
			werr := fmt.Errorf("apply %s up to offset %d: %w", cp.Source, cp.Offset, err)
			if lerr := ix.load(); lerr != nil {
				ix.broken = fmt.Errorf("%w; reloading the index failed too (reopen it): %v", werr, lerr)
				return ix.broken
			}
			return werr
		}
		ix.cps[cp.Source] = w
	}
	return nil
}

// Checkpoint returns the stored checkpoint of a source (ok false if none).
func (ix *Index) Checkpoint(source string) (cp Checkpoint, ok bool, err error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.broken != nil {
		return Checkpoint{}, false, ix.broken
	}
	st, ok := ix.cps[source]
	return st.Checkpoint, ok, nil
}

func (ix *Index) newChunk() *chunk {
	return &chunk{
		txn:     ix.db.NewTransaction(true),
		blocks:  map[blockKeyT]*blockBuf{},
		touched: map[blockKeyT]struct{}{},
		peers:   map[uint32]bool{},
		origins: map[[3]uint64]struct{}{},
		adj:     map[adjKeyT]struct{}{},
		seen:    map[uint32]struct{}{},
	}
}

// full reports whether the chunk uses half of a Badger transaction: the
// blocks and snapshots written at its end need room too.
func (ix *Index) full(c *chunk) bool {
	keys := c.keys + 2*int64(len(c.blocks))
	bytes := c.bytes + int64(len(c.blocks))*200
	return c.err != nil || keys*2 >= ix.db.MaxBatchCount() || bytes*2 >= ix.db.MaxBatchSize()
}

// commit writes the chunk's blocks, snapshots, samples, sequence number
// and checkpoint, and commits.
func (ix *Index) commit(c *chunk, cp storedCP) error {
	ix.flushBlocks(c)
	for bk := range c.touched {
		ps := ix.prefixes[bk.pfx]
		cs := ps.coll(bk.coll)
		if cs == nil || int(cs.since) < ix.opt.SnapshotEvery {
			continue
		}
		var rs []route
		for _, r := range ps.routes {
			if ix.peers[r.peer].coll == bk.coll {
				rs = append(rs, r)
			}
		}
		slices.SortFunc(rs, cmpRoute)
		// the state includes the collector's session downs so far, which
		// may be later than the prefix's last event
		at := max(cs.last, ix.lastDown(bk.coll))
		c.set(logKey(nil, ps.pfx, bk.coll, at, ix.seq, logSnapshot), appendSnapshot(nil, rs))
		cs.since = 0
	}
	for pid := range c.seen {
		ix.writeSeen(c, ix.prefixes[pid])
	}
	for k := range c.origins {
		ps := ix.prefixes[k[0]]
		if sp := ps.span(originKeyT{uint32(k[1]), uint16(k[2])}); sp != nil {
			c.set(originKey(uint32(k[1]), ps.pfx, uint16(k[2]), sp.start), spanValue(openEnd, sp.max))
		}
	}
	for k := range c.adj {
		if sp := ix.adj[k]; sp != nil {
			ix.writeAdj(c, k, sp.start, openEnd, sp.max)
		}
	}
	for id, forced := range c.peers {
		p := &ix.peers[id]
		if p.sampled && p.v4 == p.sampleV4 && p.v6 == p.sampleV6 {
			continue
		}
		// Time is cut into buckets of TableSizeEvery: a bucket keeps its
		// latest sample (a new one replaces the previous sample of its
		// bucket), and every empty-table sample of a session down. The
		// table size at the end of every batch is so stored, with at most
		// a few keys per bucket, and the rule depends only on what the
		// store holds (an interrupted ingest ends as a clean one).
		every := max(ix.opt.TableSizeEvery.Microseconds(), 1)
		prev := p.sampled && p.sampleT != p.last && p.sampleT/every == p.last/every && (p.sampleV4 != 0 || p.sampleV6 != 0)
		if prev && !forced {
			c.del(tableKey(id, p.sampleT))
		}
		v := []byte{valueVersion}
		v = binary.BigEndian.AppendUint32(v, uint32(p.v4))
		v = binary.BigEndian.AppendUint32(v, uint32(p.v6))
		c.set(tableKey(id, p.last), v)
		p.sampled, p.sampleT, p.sampleV4, p.sampleV6 = true, p.last, p.v4, p.v6
	}
	ix.seq++
	c.set(keySeq, binary.BigEndian.AppendUint64(nil, ix.seq))
	v := []byte{valueVersion}
	v = binary.BigEndian.AppendUint64(v, uint64(cp.Offset))
	done := byte(0)
	if cp.Done {
		done = 1
	}
	v = append(v, done)
	v = binary.BigEndian.AppendUint64(v, uint64(cp.skip))
	c.set(append([]byte{tagCheckpoint}, cp.Source...), v)
	if c.err != nil {
		return c.err
	}
	return c.txn.Commit()
}

func cmpRoute(a, b route) int {
	if a.peer != b.peer {
		return int(a.peer) - int(b.peer)
	}
	if a.pathID < b.pathID {
		return -1
	}
	if a.pathID > b.pathID {
		return 1
	}
	return 0
}

// flushBlocks writes the pending event blocks with the current sequence
// number.
func (ix *Index) flushBlocks(c *chunk) {
	for bk, b := range c.blocks {
		c.set(logKey(nil, ix.prefixes[bk.pfx].pfx, bk.coll, b.first, ix.seq, logEvents), b.v)
	}
	clear(c.blocks)
}

func (ps *prefixState) coll(coll uint16) *collState {
	for i := range ps.colls {
		if ps.colls[i].coll == coll {
			return &ps.colls[i]
		}
	}
	return nil
}

func (ix *Index) collector(c *chunk, name string) uint16 {
	if id, ok := ix.collID[name]; ok {
		return id
	}
	id := ix.addCollector(name)
	c.set(binary.BigEndian.AppendUint16([]byte{tagCollector}, id), []byte(name))
	return id
}

func (ix *Index) peer(c *chunk, coll uint16, addr netip.Addr, as uint32) uint32 {
	addr = addr.Unmap()
	id, ok := ix.peerID[peerKey{coll, addr}]
	if !ok {
		id = uint32(len(ix.peers))
		ix.peers = append(ix.peers, peerInfo{coll: coll, addr: addr, as: as})
		ix.peerID[peerKey{coll, addr}] = id
	} else if ix.peers[id].as == as {
		return id
	}
	ix.peers[id].as = as
	v := []byte{valueVersion}
	v = binary.BigEndian.AppendUint16(v, coll)
	v = binary.BigEndian.AppendUint32(v, as)
	v = append(v, addr.AsSlice()...)
	c.set(binary.BigEndian.AppendUint32([]byte{tagPeer}, id), v)
	return id
}

func (ix *Index) intern(c *chunk, a *Attrs, buf []byte) (uint32, error) {
	enc := appendAttrs(buf, a)
	if id, ok := ix.attrID[string(enc)]; ok {
		return id, nil
	}
	id, err := ix.addAttrs(string(enc))
	if err != nil {
		return 0, err
	}
	c.set(binary.BigEndian.AppendUint32([]byte{tagAttrs}, id), enc)
	return id, nil
}

func (ix *Index) writeSeen(c *chunk, ps *prefixState) {
	v := make([]byte, 0, 17)
	v = append(v, valueVersion)
	v = appendTime(v, ps.first)
	v = appendTime(v, ps.last)
	c.set(append([]byte{tagSeen}, appendPrefix(nil, ps.pfx)...), v)
}

// applyEvent applies one validated event to memory and to the chunk.
func (ix *Index) applyEvent(c *chunk, e *Event) {
	t := e.Time.UnixMicro()
	coll := ix.collector(c, e.Collector)
	peer := ix.peer(c, coll, e.PeerAddr, e.PeerAS)
	p := &ix.peers[peer]
	p.last = max(p.last, t)
	ix.latest = max(ix.latest, t)
	if e.Kind == PeerDown {
		ix.peerDown(c, coll, peer, t)
		return
	}
	pfx := e.Prefix.Masked()
	pid, ok := ix.prefixID[pfx]
	if !ok {
		pid = ix.addPrefix(pfx, 0, 0)
		c.seen[pid] = struct{}{}
	}
	ps := ix.prefixes[pid]
	r := route{peer: peer, pathID: e.PathID, since: t}
	if e.Kind == Announce {
		id, err := ix.intern(c, e.Attrs, ix.encBuf[:0])
		if err != nil {
			c.err = fmt.Errorf("intern attributes of %s: %w", pfx, err)
			return
		}
		r.attr = id
	}
	i := findRoute(ps.routes, peer, e.PathID)
	if e.Kind == Announce && e.FromRIB && i >= 0 && ps.routes[i].attr == r.attr {
		return // a RIB entry that changes nothing is not an event
	}
	// log the event
	cs := ps.coll(coll)
	if cs == nil {
		ps.colls = append(ps.colls, collState{coll: coll})
		cs = &ps.colls[len(ps.colls)-1]
	}
	cs.since++
	cs.last = max(cs.last, t)
	bk := blockKeyT{pid, coll}
	b := c.blocks[bk]
	if b == nil {
		b = &blockBuf{first: t, v: []byte{valueVersion}}
		c.blocks[bk] = b
	}
	c.touched[bk] = struct{}{}
	dt := max(t-b.first, 0)
	n := len(b.v)
	b.v = appendLogEvent(b.v, e.Kind, e.FromRIB, dt, r)
	c.bytes += int64(len(b.v) - n)
	c.peers[peer] = c.peers[peer] || false

	wasVisible := len(ps.routes) > 0
	switch {
	case e.Kind == Announce && i >= 0:
		old := ps.routes[i]
		ps.routes[i] = r
		if old.attr != r.attr {
			ix.refAttr(c, old.attr, peer, -1, t)
			ix.refAttr(c, r.attr, peer, 1, t)
			ix.updateOrigins(c, pid, coll, t)
		}
	case e.Kind == Announce:
		ps.routes = append(ps.routes, r)
		ix.count(p, pfx, 1)
		ix.refAttr(c, r.attr, peer, 1, t)
		ix.updateOrigins(c, pid, coll, t)
	case i >= 0:
		old := ps.routes[i]
		ps.routes = slices.Delete(ps.routes, i, i+1)
		ix.count(p, pfx, -1)
		ix.refAttr(c, old.attr, peer, -1, t)
		ix.updateOrigins(c, pid, coll, t)
	}
	ix.seen(c, pid, wasVisible, t)
}

func (ix *Index) count(p *peerInfo, pfx netip.Prefix, d int64) {
	if pfx.Addr().Is4() {
		p.v4 += d
	} else {
		p.v6 += d
	}
}

// seen updates the first and last seen times of a prefix.
func (ix *Index) seen(c *chunk, pid uint32, wasVisible bool, t int64) {
	ps := ix.prefixes[pid]
	visible := len(ps.routes) > 0
	switch {
	case visible && ps.first == 0:
		ps.first = t
		c.seen[pid] = struct{}{}
	case wasVisible && !visible:
		ps.last = max(ps.last, t)
		c.seen[pid] = struct{}{}
	}
}

// peerDown withdraws every route of a peer.
func (ix *Index) peerDown(c *chunk, coll uint16, peer uint32, t int64) {
	ix.flushBlocks(c)
	ix.seq++
	d := down{t: t, seq: ix.seq, peer: peer}
	c.set(downKey(coll, t, ix.seq, peer), []byte{valueVersion})
	ix.seq++
	ds := ix.downs[coll]
	i, _ := slices.BinarySearchFunc(ds, d, func(a, b down) int {
		if (logPos{a.t, a.seq}).less(logPos{b.t, b.seq}) {
			return -1
		}
		return 1
	})
	ix.downs[coll] = slices.Insert(ds, i, d)
	c.peers[peer] = true
	p := &ix.peers[peer]
	if p.v4+p.v6 == 0 {
		return
	}
	for pid := range ix.prefixes {
		ps := ix.prefixes[pid]
		j := 0
		for j < len(ps.routes) && ps.routes[j].peer != peer {
			j++
		}
		if j == len(ps.routes) {
			continue
		}
		wasVisible := len(ps.routes) > 0
		ps.routes = slices.DeleteFunc(ps.routes, func(r route) bool {
			if r.peer != peer {
				return false
			}
			ix.count(p, ps.pfx, -1)
			ix.refAttr(c, r.attr, peer, -1, t)
			return true
		})
		ix.updateOrigins(c, uint32(pid), coll, t)
		ix.seen(c, uint32(pid), wasVisible, t)
	}
}

type originCount struct {
	origin uint32
	peers  uint32
}

// originPeers counts, per origin AS, the peers of a collector that have a
// route to the prefix.
func (ix *Index) originPeers(ps *prefixState, coll uint16) []originCount {
	type op struct{ origin, peer uint32 }
	var buf [16]op
	ops := buf[:0]
	for _, r := range ps.routes {
		if ix.peers[r.peer].coll != coll {
			continue
		}
		if o := ix.attrs[r.attr].origin; o != 0 {
			ops = append(ops, op{o, r.peer})
		}
	}
	slices.SortFunc(ops, func(a, b op) int {
		if a.origin != b.origin {
			return cmpU32(a.origin, b.origin)
		}
		return cmpU32(a.peer, b.peer)
	})
	var out []originCount
	for i, x := range ops {
		if i > 0 && ops[i-1] == x {
			continue
		}
		if n := len(out); n > 0 && out[n-1].origin == x.origin {
			out[n-1].peers++
		} else {
			out = append(out, originCount{x.origin, 1})
		}
	}
	return out
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// updateOrigins opens, updates and closes the origin intervals of a
// prefix at a collector after its routes changed.
func (ix *Index) updateOrigins(c *chunk, pid uint32, coll uint16, t int64) {
	ps := ix.prefixes[pid]
	counts := ix.originPeers(ps, coll)
	ps.spans = slices.DeleteFunc(ps.spans, func(sp originSpan) bool {
		if sp.coll != coll || slices.ContainsFunc(counts, func(o originCount) bool { return o.origin == sp.origin }) {
			return false
		}
		c.set(originKey(sp.origin, ps.pfx, coll, sp.start), spanValue(t, sp.max))
		delete(c.origins, [3]uint64{uint64(pid), uint64(sp.origin), uint64(coll)})
		return true
	})
	for _, o := range counts {
		k := originKeyT{o.origin, coll}
		sp := ps.span(k)
		if sp == nil {
			ps.spans = append(ps.spans, originSpan{k, span{start: t, peers: o.peers, max: o.peers}})
			c.set(originKey(o.origin, ps.pfx, coll, t), spanValue(openEnd, o.peers))
			continue
		}
		sp.peers = o.peers
		if o.peers > sp.max {
			sp.max = o.peers
			c.origins[[3]uint64{uint64(pid), uint64(o.origin), uint64(coll)}] = struct{}{}
		}
	}
}

// refAttr counts the routes of a peer with an attribute set; when the
// first appears or the last goes, the adjacencies of its path gain or lose
// the peer. c is nil while the state is rebuilt at Open.
func (ix *Index) refAttr(c *chunk, attr, peer uint32, d int, t int64) {
	key := uint64(attr)<<32 | uint64(peer)
	n := ix.attrPeer[key]
	if d > 0 {
		ix.attrPeer[key] = n + 1
		if n > 0 {
			return
		}
	} else {
		if n == 0 {
			return
		}
		if n > 1 {
			ix.attrPeer[key] = n - 1
			return
		}
		delete(ix.attrPeer, key)
	}
	coll := ix.peers[peer].coll
	for _, pair := range ix.attrs[attr].adj {
		pk := [2]uint64{pair, uint64(peer)}
		m := ix.pairPeer[pk]
		if d > 0 {
			ix.pairPeer[pk] = m + 1
			if m == 0 {
				ix.adjPeer(c, pair, coll, 1, t)
			}
			continue
		}
		if m > 1 {
			ix.pairPeer[pk] = m - 1
			continue
		}
		delete(ix.pairPeer, pk)
		ix.adjPeer(c, pair, coll, -1, t)
	}
}

func (ix *Index) adjPeer(c *chunk, pair uint64, coll uint16, d int, t int64) {
	k := adjKeyT{pair, coll}
	sp := ix.adj[k]
	if d > 0 {
		if sp == nil {
			ix.adj[k] = &span{start: t, peers: 1, max: 1}
			if c != nil {
				ix.writeAdj(c, k, t, openEnd, 1)
			}
			return
		}
		sp.peers++
		if sp.peers > sp.max {
			sp.max = sp.peers
			if c != nil {
				c.adj[k] = struct{}{}
			}
		}
		return
	}
	if sp == nil {
		return
	}
	sp.peers--
	if sp.peers == 0 {
		delete(ix.adj, k)
		if c != nil {
			ix.writeAdj(c, k, sp.start, t, sp.max)
			delete(c.adj, k)
		}
	}
}

func (ix *Index) writeAdj(c *chunk, k adjKeyT, start, end int64, max uint32) {
	a, b := uint32(k.pair>>32), uint32(k.pair)
	v := spanValue(end, max)
	c.set(adjKey(a, sideRight, b, k.coll, start), v)
	c.set(adjKey(b, sideLeft, a, k.coll, start), v)
}
