package index

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// logPos orders log entries of one prefix and collector: by time, then by
// the store sequence number of the batch (or session down) that wrote
// them.
type logPos struct {
	t   int64
	seq uint64
}

func (a logPos) less(b logPos) bool { return a.t < b.t || a.t == b.t && a.seq < b.seq }

// logBlock is one stored block of events of a prefix at a collector.
type logBlock struct {
	at logPos // key time (first event) and sequence
	v  []byte
}

// kindRIB marks an event of a RIB dump in the stored kind byte.
const kindRIB = 0x80

// appendLogEvent appends one event to a block value (see store.md).
func appendLogEvent(dst []byte, kind Kind, rib bool, dt int64, r route) []byte {
	k := byte(kind)
	if rib {
		k |= kindRIB
	}
	dst = append(dst, k)
	dst = binary.AppendUvarint(dst, uint64(dt))
	dst = binary.AppendUvarint(dst, uint64(r.peer))
	dst = binary.AppendUvarint(dst, uint64(r.pathID))
	if kind == Announce {
		dst = binary.AppendUvarint(dst, uint64(r.attr))
	}
	return dst
}

type logEvent struct {
	kind Kind
	rib  bool
	t    int64
	r    route
}

// each calls fn for each event of the block.
func (b logBlock) each(fn func(e logEvent) error) error {
	if len(b.v) == 0 || b.v[0] != valueVersion {
		return fmt.Errorf("log block: unknown version")
	}
	r := reader{b: b.v[1:]}
	for len(r.b) > 0 {
		k := r.byte1()
		e := logEvent{kind: Kind(k &^ kindRIB), rib: k&kindRIB != 0}
		dt := r.uvarint()
		e.r.peer = uint32(r.uvarint())
		e.r.pathID = uint32(r.uvarint())
		switch e.kind {
		case Announce:
			e.r.attr = uint32(r.uvarint())
		case Withdraw:
		default:
			return fmt.Errorf("log block: event kind %d", k)
		}
		if r.err != nil {
			return fmt.Errorf("log block: %w", r.err)
		}
		e.t = b.at.t + int64(dt)
		e.r.since = e.t
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// stats returns the number of events and the latest time of the block.
func (b logBlock) stats() (n int, last int64, err error) {
	err = b.each(func(e logEvent) error {
		n++
		last = max(last, e.t)
		return nil
	})
	return n, last, err
}

// appendSnapshot appends the snapshot value of routes.
func appendSnapshot(dst []byte, routes []route) []byte {
	dst = append(dst, valueVersion)
	for _, r := range routes {
		dst = binary.AppendUvarint(dst, uint64(r.peer))
		dst = binary.AppendUvarint(dst, uint64(r.pathID))
		dst = binary.AppendUvarint(dst, uint64(r.attr))
		dst = appendTime(dst, r.since)
	}
	return dst
}

func decodeSnapshot(v []byte) ([]route, error) {
	if len(v) == 0 || v[0] != valueVersion {
		return nil, fmt.Errorf("snapshot: unknown version")
	}
	r := reader{b: v[1:]}
	var out []route
	for len(r.b) > 0 {
		var x route
		x.peer = uint32(r.uvarint())
		x.pathID = uint32(r.uvarint())
		x.attr = uint32(r.uvarint())
		if t := r.take(8); t != nil {
			x.since = readTime(t)
		}
		if r.err != nil {
			return nil, fmt.Errorf("snapshot: %w", r.err)
		}
		out = append(out, x)
	}
	return out, nil
}

func findRoute(rs []route, peer, pathID uint32) int {
	for i := range rs {
		if rs[i].peer == peer && rs[i].pathID == pathID {
			return i
		}
	}
	return -1
}

// replay computes the routes of one prefix at one collector at until:
// base (the state at baseAt), then the events of blocks and the
// collector's session downs after baseAt, up to until. emit, when not
// nil, receives every event and the withdrawals a session down causes,
// with the state before it.
func (ix *Index) replay(base []route, baseAt logPos, blocks []logBlock, coll uint16, until logPos, emit func(e logEvent, before []route)) ([]route, error) {
	state := slices.Clone(base)
	var downs []down
	if int(coll) < len(ix.downs) {
		downs = ix.downs[coll]
	}
	// the first down after baseAt
	di, _ := slices.BinarySearchFunc(downs, baseAt, func(d down, p logPos) int {
		if (logPos{d.t, d.seq}).less(p) || (logPos{d.t, d.seq}) == p {
			return -1
		}
		return 1
	})
	applyDowns := func(before logPos) {
		for ; di < len(downs); di++ {
			d := downs[di]
			dp := logPos{d.t, d.seq}
			if !dp.less(before) || until.less(dp) {
				return
			}
			if emit != nil {
				for _, r := range state {
					if r.peer == d.peer {
						emit(logEvent{kind: PeerDown, t: d.t, r: route{peer: r.peer, pathID: r.pathID}}, state)
					}
				}
			}
			state = slices.DeleteFunc(state, func(r route) bool { return r.peer == d.peer })
		}
	}
	for _, b := range blocks {
		err := b.each(func(e logEvent) error {
			p := logPos{e.t, b.at.seq}
			if until.less(p) {
				return errStop
			}
			applyDowns(p)
			if emit != nil {
				emit(e, state)
			}
			i := findRoute(state, e.r.peer, e.r.pathID)
			switch e.kind {
			case Announce:
				if i >= 0 {
					if e.rib && state[i].attr == e.r.attr {
						break
					}
					state[i] = e.r
				} else {
					state = append(state, e.r)
				}
			case Withdraw:
				if i >= 0 {
					state = slices.Delete(state, i, i+1)
				}
			}
			return nil
		})
		if err == errStop {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	applyDowns(logPos{until.t, 1<<64 - 1})
	return state, nil
}

var errStop = fmt.Errorf("stop")
