package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/kentik/patricia"
	"github.com/kentik/patricia/uint32_tree"
)

// DefaultDir is where the store lives unless configured otherwise.
const DefaultDir = "./var/data"

// Options configure an Index. Zero values select the defaults.
type Options struct {
	// SnapshotEvery is how many events of one prefix at one collector may
	// follow its latest snapshot before the indexer writes a new one, which
	// bounds the work of reconstructing any point in time (default 64).
	SnapshotEvery int
	// TableSizeEvery is the least time between two stored table-size
	// samples of a peer; a session going down is always stored (default
	// 5 minutes).
	TableSizeEvery time.Duration
	// FullFeedV4 and FullFeedV6 are the table sizes from which a peer is
	// a full-feed peer for that family, as RIS counts them (defaults
	// 800,000 and 150,000 routes).
	FullFeedV4, FullFeedV6 int
	// GCInterval is how often Badger's value-log GC runs in the background
	// (default 10 minutes; negative disables it).
	GCInterval time.Duration
	// MemTableSize is Badger's memtable size, which bounds one
	// transaction (default 128 MiB).
	MemTableSize int64
	// MinFree is the free space, in bytes, that the store's file system
	// must keep: Apply refuses a batch below it with ErrLowSpace (default
	// 1 GiB or 8 memtables, whichever is more; negative disables the
	// check).
	MinFree int64
	// Log receives background errors (default slog.Default()).
	Log *slog.Logger
}

func (o *Options) fill() {
	if o.SnapshotEvery <= 0 {
		o.SnapshotEvery = 64
	}
	if o.TableSizeEvery <= 0 {
		o.TableSizeEvery = 5 * time.Minute
	}
	if o.FullFeedV4 <= 0 {
		o.FullFeedV4 = 800000
	}
	if o.FullFeedV6 <= 0 {
		o.FullFeedV6 = 150000
	}
	if o.GCInterval == 0 {
		o.GCInterval = 10 * time.Minute
	}
	if o.MemTableSize <= 0 {
		o.MemTableSize = 128 << 20
	}
	if o.MinFree == 0 {
		o.MinFree = max(1<<30, 8*o.MemTableSize)
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

// route is one current route of a prefix.
type route struct {
	peer, pathID, attr uint32
	since              int64 // time of the event that set it, µs
}

// collState is what the index keeps per prefix and collector.
type collState struct {
	coll  uint16
	since uint32 // events logged since the latest snapshot
	last  int64  // time of the latest logged event, µs
}

// span is an open interval of an origin AS (of a prefix) or of an
// adjacency, at one collector.
type span struct {
	start      int64
	peers, max uint32
}

type originKeyT struct {
	origin uint32
	coll   uint16
}

// originSpan is an open interval of an origin AS of a prefix at a
// collector.
type originSpan struct {
	originKeyT
	span
}

// span returns the open interval of an origin at a collector, or nil.
func (ps *prefixState) span(k originKeyT) *span {
	for i := range ps.spans {
		if ps.spans[i].originKeyT == k {
			return &ps.spans[i].span
		}
	}
	return nil
}

type prefixState struct {
	pfx    netip.Prefix
	routes []route
	colls  []collState
	spans  []originSpan // open origin intervals
	first  int64
	last   int64 // when it last stopped being visible, µs; 0 while never
}

type peerInfo struct {
	coll uint16
	addr netip.Addr
	as   uint32
	v4   int64
	v6   int64
	last int64 // latest event time of the peer
	// the latest stored table-size sample
	sampled            bool
	sampleT            int64
	sampleV4, sampleV6 int64
}

type peerKey struct {
	coll uint16
	addr netip.Addr
}

type attrInfo struct {
	enc    string
	origin uint32
	adj    []uint64
}

type down struct {
	t    int64
	seq  uint64
	peer uint32
}

type adjKeyT struct {
	pair uint64
	coll uint16
}

type storedCP struct {
	Checkpoint
	skip int64 // events after Offset already applied
}

// SetFullFeed changes the table sizes from which a peer counts as a
// full-feed peer (Options.FullFeedV4 and FullFeedV6) for the queries that
// follow; values of 0 or less keep the current ones.
func (ix *Index) SetFullFeed(v4, v6 int) {
	cur := *ix.fullFeed.Load()
	if v4 > 0 {
		cur[0] = v4
	}
	if v6 > 0 {
		cur[1] = v6
	}
	ix.fullFeed.Store(&cur)
}

// Index is the route index: current state in memory (tries and maps),
// history in Badger. Apply is serialised; queries run concurrently with
// each other and wait for an Apply in progress.
type Index struct {
	db  *badger.DB
	dir string
	opt Options

	mu     sync.RWMutex
	broken error // set when memory and store could not be reconciled

	collectors []string
	collID     map[string]uint16
	peers      []peerInfo
	peerID     map[peerKey]uint32
	attrs      []attrInfo
	attrID     map[string]uint32
	prefixes   []*prefixState
	prefixID   map[netip.Prefix]uint32
	tree4      *uint32_tree.TreeV4
	tree6      *uint32_tree.TreeV6
	downs      [][]down // per collector, in (time, seq) order
	attrPeer   map[uint64]uint32
	pairPeer   map[[2]uint64]uint32
	adj        map[adjKeyT]*span
	cps        map[string]storedCP
	seq        uint64
	latest     int64
	encBuf     []byte
	// chunkEvents bounds the events of one transaction.
	chunkEvents int

	// fullFeed holds the full-feed table sizes (v4, v6), Options' at
	// first; SetFullFeed changes them.
	fullFeed atomic.Pointer[[2]int]

	stop chan struct{}
	done chan struct{}
}

// Open opens (creating if needed) the store in dir (Badger) and loads the
// current state into memory.
func Open(dir string, opt Options) (*Index, error) {
	opt.fill()
	bo := badger.DefaultOptions(dir).
		WithLogger(nil).
		WithMemTableSize(opt.MemTableSize).
		WithNumMemtables(3).
		WithNumCompactors(2).
		WithDetectConflicts(false).
		WithValueThreshold(1 << 10).
		WithCompression(options.None).
		WithNumLevelZeroTables(8).
		WithNumLevelZeroTablesStall(16)
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	ix := &Index{db: db, dir: dir, opt: opt, chunkEvents: maxChunkEvents}
	ix.fullFeed.Store(&[2]int{opt.FullFeedV4, opt.FullFeedV6})
	if err := ix.checkVersion(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	if err := ix.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	ix.stop, ix.done = make(chan struct{}), make(chan struct{})
	go ix.gcLoop()
	return ix, nil
}

// Close stops the background GC and closes the store.
func (ix *Index) Close() error {
	close(ix.stop)
	<-ix.done
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.db.Close(); err != nil {
		return fmt.Errorf("close index: %w", err)
	}
	return nil
}

func (ix *Index) gcLoop() {
	defer close(ix.done)
	if ix.opt.GCInterval < 0 {
		<-ix.stop
		return
	}
	t := time.NewTicker(ix.opt.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-ix.stop:
			return
		case <-t.C:
			for {
				err := ix.db.RunValueLogGC(0.5)
				if err != nil {
					if !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) {
						ix.opt.Log.Warn("index value-log GC", "err", err)
					}
					break
				}
			}
		}
	}
}

// checkVersion writes the format version into a new store and refuses a
// store of another version.
func (ix *Index) checkVersion() error {
	return ix.db.Update(func(txn *badger.Txn) error {
		it, err := txn.Get(keyVersion)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return txn.Set(keyVersion, []byte{formatVersion})
		}
		if err != nil {
			return err
		}
		v, err := it.ValueCopy(nil)
		if err != nil {
			return err
		}
		if len(v) != 1 || v[0] != formatVersion {
			return fmt.Errorf("store format version %x, this build reads %d", v, formatVersion)
		}
		return nil
	})
}

// reset empties the in-memory state.
func (ix *Index) reset() {
	ix.collectors, ix.collID = nil, map[string]uint16{}
	ix.peers, ix.peerID = nil, map[peerKey]uint32{}
	ix.attrs, ix.attrID = nil, map[string]uint32{}
	ix.prefixes, ix.prefixID = nil, map[netip.Prefix]uint32{}
	ix.tree4, ix.tree6 = uint32_tree.NewTreeV4(), uint32_tree.NewTreeV6()
	ix.downs = nil
	ix.attrPeer = map[uint64]uint32{}
	ix.pairPeer = map[[2]uint64]uint32{}
	ix.adj = map[adjKeyT]*span{}
	ix.cps = map[string]storedCP{}
	ix.seq, ix.latest = 0, 0
}

// addPrefix registers a prefix seen first at t and returns its id.
func (ix *Index) addPrefix(p netip.Prefix, first, last int64) uint32 {
	id := uint32(len(ix.prefixes))
	ix.prefixes = append(ix.prefixes, &prefixState{pfx: p, first: first, last: last})
	ix.prefixID[p] = id
	if p.Addr().Is4() {
		b := p.Addr().As4()
		ix.tree4.Set(patricia.NewIPv4AddressFromBytes(b[:], uint(p.Bits())), id)
	} else {
		b := p.Addr().As16()
		ix.tree6.Set(patricia.NewIPv6Address(b[:], uint(p.Bits())), id)
	}
	return id
}

func (ix *Index) addCollector(name string) uint16 {
	id := uint16(len(ix.collectors))
	ix.collectors = append(ix.collectors, name)
	ix.collID[name] = id
	ix.downs = append(ix.downs, nil)
	return id
}

func (ix *Index) addAttrs(enc string) (uint32, error) {
	a, err := decodeAttrs([]byte(enc))
	if err != nil {
		return 0, err
	}
	id := uint32(len(ix.attrs))
	ix.attrs = append(ix.attrs, attrInfo{enc: enc, origin: a.OriginAS(), adj: a.adjacencies(nil)})
	ix.attrID[enc] = id
	return id, nil
}

// load reads the store into memory.
func (ix *Index) load() error {
	ix.reset()
	return ix.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		it := txn.NewIterator(opts)
		defer it.Close()
		var err error
		scan := func(tag byte, fn func(k, v []byte) error) {
			if err != nil {
				return
			}
			for it.Seek([]byte{tag}); it.ValidForPrefix([]byte{tag}); it.Next() {
				item := it.Item()
				var v []byte
				v, err = item.ValueCopy(nil)
				if err == nil {
					err = fn(item.Key(), v)
				}
				if err != nil {
					err = fmt.Errorf("key %x: %w", item.KeyCopy(nil), err)
					return
				}
			}
		}
		bad := errors.New("malformed entry")
		scan(tagMeta, func(k, v []byte) error {
			if string(k) == string(keySeq) {
				if len(v) != 8 {
					return bad
				}
				ix.seq = binary.BigEndian.Uint64(v)
			}
			return nil
		})
		scan(tagCollector, func(k, v []byte) error {
			if len(k) != 3 || int(binary.BigEndian.Uint16(k[1:])) != len(ix.collectors) {
				return bad
			}
			ix.addCollector(string(v))
			return nil
		})
		scan(tagPeer, func(k, v []byte) error {
			if len(k) != 5 || int(binary.BigEndian.Uint32(k[1:])) != len(ix.peers) || len(v) < 8 || v[0] != valueVersion {
				return bad
			}
			coll := binary.BigEndian.Uint16(v[1:])
			addr, ok := netip.AddrFromSlice(v[7:])
			if !ok || int(coll) >= len(ix.collectors) {
				return bad
			}
			ix.peerID[peerKey{coll, addr}] = uint32(len(ix.peers))
			ix.peers = append(ix.peers, peerInfo{coll: coll, addr: addr, as: binary.BigEndian.Uint32(v[3:])})
			return nil
		})
		scan(tagAttrs, func(k, v []byte) error {
			if len(k) != 5 || int(binary.BigEndian.Uint32(k[1:])) != len(ix.attrs) {
				return bad
			}
			_, err := ix.addAttrs(string(v))
			return err
		})
		scan(tagCheckpoint, func(k, v []byte) error {
			if len(v) != 18 || v[0] != valueVersion {
				return bad
			}
			src := string(k[1:])
			ix.cps[src] = storedCP{
				Checkpoint: Checkpoint{Source: src, Offset: int64(binary.BigEndian.Uint64(v[1:])), Done: v[9] == 1},
				skip:       int64(binary.BigEndian.Uint64(v[10:])),
			}
			return nil
		})
		scan(tagSeen, func(k, v []byte) error {
			p, ok := parsePrefix(k[1:])
			if !ok || len(v) != 17 || v[0] != valueVersion {
				return bad
			}
			ix.addPrefix(p, readTime(v[1:]), readTime(v[9:]))
			return nil
		})
		scan(tagDown, func(k, v []byte) error {
			if len(k) != 23 {
				return bad
			}
			coll := binary.BigEndian.Uint16(k[1:])
			peer := binary.BigEndian.Uint32(k[19:])
			if int(coll) >= len(ix.downs) || int(peer) >= len(ix.peers) {
				return bad
			}
			d := down{t: readTime(k[3:]), seq: binary.BigEndian.Uint64(k[11:]), peer: peer}
			ix.downs[coll] = append(ix.downs[coll], d)
			ix.latest = max(ix.latest, d.t)
			return nil
		})
		if err != nil {
			return err
		}
		if err := ix.loadLog(it); err != nil {
			return err
		}
		openOrigins := map[[3]uint64]span{}
		scan(tagOrigin, func(k, v []byte) error {
			end, mx, ok := parseSpanValue(v)
			if !ok || len(k) != originKeyLen {
				return bad
			}
			if end != openEnd {
				return nil
			}
			p, ok := parsePrefix(k[5:])
			if !ok {
				return bad
			}
			id, ok := ix.prefixID[p]
			if !ok {
				return bad
			}
			key := [3]uint64{uint64(id), uint64(binary.BigEndian.Uint32(k[1:])), uint64(binary.BigEndian.Uint16(k[23:]))}
			openOrigins[key] = span{start: readTime(k[25:]), max: mx}
			return nil
		})
		openAdj := map[adjKeyT]span{}
		scan(tagAdjacency, func(k, v []byte) error {
			end, mx, ok := parseSpanValue(v)
			if !ok || len(k) != adjKeyLen {
				return bad
			}
			if end != openEnd || k[5] != sideRight {
				return nil
			}
			pair := uint64(binary.BigEndian.Uint32(k[1:]))<<32 | uint64(binary.BigEndian.Uint32(k[6:]))
			openAdj[adjKeyT{pair, binary.BigEndian.Uint16(k[10:])}] = span{start: readTime(k[12:]), max: mx}
			return nil
		})
		scan(tagTable, func(k, v []byte) error {
			if len(k) != 13 || len(v) != 9 || v[0] != valueVersion {
				return bad
			}
			id := binary.BigEndian.Uint32(k[1:])
			if int(id) >= len(ix.peers) {
				return bad
			}
			p := &ix.peers[id]
			p.sampled, p.sampleT = true, readTime(k[5:])
			p.sampleV4, p.sampleV6 = int64(binary.BigEndian.Uint32(v[1:])), int64(binary.BigEndian.Uint32(v[5:]))
			return nil
		})
		if err != nil {
			return err
		}
		return ix.rebuildDerived(openOrigins, openAdj)
	})
}

// loadLog replays the per-prefix log into the current routes: per prefix
// and collector, the latest snapshot and the events after it, with the
// collector's session downs.
func (ix *Index) loadLog(it *badger.Iterator) error {
	var (
		cur      []byte // prefix+collector of the group
		ps       *prefixState
		coll     uint16
		base     []route
		baseAt   logPos
		blocks   []logBlock
		since    uint32
		lastTime int64
	)
	finish := func() error {
		if ps == nil {
			return nil
		}
		routes, err := ix.replay(base, baseAt, blocks, coll, logPos{t: 1<<63 - 1, seq: 1<<64 - 1}, nil)
		if err != nil {
			return fmt.Errorf("prefix %s: %w", ps.pfx, err)
		}
		ps.routes = append(ps.routes, routes...)
		ps.colls = append(ps.colls, collState{coll: coll, since: since, last: lastTime})
		ix.latest = max(ix.latest, lastTime)
		return nil
	}
	for it.Seek([]byte{tagLog}); it.ValidForPrefix([]byte{tagLog}); it.Next() {
		item := it.Item()
		k := item.Key()
		if len(k) != logKeyLen {
			return fmt.Errorf("log key %x: bad length", k)
		}
		if cur == nil || string(k[1:1+pfxLen+2]) != string(cur) {
			if err := finish(); err != nil {
				return err
			}
			cur = append(cur[:0], k[1:1+pfxLen+2]...)
			p, ok := parsePrefix(k[1:])
			id, known := ix.prefixID[p]
			coll = binary.BigEndian.Uint16(k[1+pfxLen:])
			if !ok || !known || int(coll) >= len(ix.collectors) {
				return fmt.Errorf("log key %x: unknown prefix or collector", k)
			}
			ps = ix.prefixes[id]
			base, baseAt, blocks, since, lastTime = nil, logPos{t: -1 << 63}, blocks[:0], 0, 0
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		pos := logPos{t: readTime(k[1+pfxLen+2:]), seq: binary.BigEndian.Uint64(k[1+pfxLen+10:])}
		if k[len(k)-1] == logSnapshot {
			base, err = decodeSnapshot(v)
			if err != nil {
				return fmt.Errorf("snapshot %x: %w", k, err)
			}
			baseAt, blocks, since = pos, blocks[:0], 0
			lastTime = max(lastTime, pos.t)
			continue
		}
		b := logBlock{at: pos, v: v}
		n, last, err := b.stats()
		if err != nil {
			return fmt.Errorf("log block %x: %w", k, err)
		}
		blocks = append(blocks, b)
		since += uint32(n)
		lastTime = max(lastTime, last)
	}
	return finish()
}

// rebuildDerived recomputes peer table sizes, adjacency and origin
// counts from the current routes, taking the start times of open
// intervals from the store.
func (ix *Index) rebuildDerived(openOrigins map[[3]uint64]span, openAdj map[adjKeyT]span) error {
	for i := range ix.prefixes {
		ps := ix.prefixes[i]
		for _, r := range ps.routes {
			if int(r.peer) >= len(ix.peers) || int(r.attr) >= len(ix.attrs) {
				return fmt.Errorf("prefix %s: route names unknown peer %d or attributes %d", ps.pfx, r.peer, r.attr)
			}
			p := &ix.peers[r.peer]
			if ps.pfx.Addr().Is4() {
				p.v4++
			} else {
				p.v6++
			}
			ix.refAttr(nil, r.attr, r.peer, 1, 0)
		}
		for _, c := range ps.colls {
			for _, o := range ix.originPeers(ps, c.coll) {
				sp := openOrigins[[3]uint64{uint64(i), uint64(o.origin), uint64(c.coll)}]
				ps.spans = append(ps.spans, originSpan{originKeyT{o.origin, c.coll}, span{start: sp.start, peers: o.peers, max: max(sp.max, o.peers)}})
			}
		}
	}
	for k, s := range ix.adj {
		if o, ok := openAdj[k]; ok {
			s.start, s.max = o.start, max(o.max, s.peers)
		}
	}
	for i := range ix.peers {
		p := &ix.peers[i]
		p.last = max(p.last, p.sampleT)
	}
	return nil
}
