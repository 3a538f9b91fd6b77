package index

import (
	"net/netip"
	"time"
)

// Kind says what a route event does.
type Kind uint8

// The kinds of route events.
const (
	// Announce sets the route (Collector, PeerAddr, Prefix, PathID) to
	// Attrs.
	Announce Kind = iota + 1
	// Withdraw removes the route (Collector, PeerAddr, Prefix, PathID).
	Withdraw
	// PeerDown withdraws every route of (Collector, PeerAddr) at Time: a
	// session left Established. Prefix and Attrs are unset.
	PeerDown
)

// Event is one route event: (time, collector, peer IP, peer AS, prefix,
// path id, attributes | withdrawn), or a peer going down.
type Event struct {
	Kind Kind
	// Time is when the collector received the UPDATE or saw the session
	// change (microseconds kept); for routes of a RIB dump, the dump's
	// time.
	Time      time.Time
	Collector string
	PeerAddr  netip.Addr
	PeerAS    uint32
	// Prefix is masked (host bits cleared); PathID is the ADD-PATH path
	// identifier, 0 without ADD-PATH.
	Prefix netip.Prefix
	PathID uint32
	// Attrs are the route's attributes (Announce only).
	Attrs *Attrs
	// FromRIB marks a route of a RIB dump (TABLE_DUMP, TABLE_DUMP_V2):
	// state, not an UPDATE.
	FromRIB bool
}

// Segment is one AS_PATH segment after RFC 6793 reconstruction.
type Segment struct {
	// Set marks an AS_SET (or AS_CONFED_SET); otherwise an AS_SEQUENCE.
	Set  bool
	ASNs []uint32
}

// Attrs is a route's attribute set as the index keeps and interns it.
type Attrs struct {
	// Origin is 0 IGP, 1 EGP, 2 INCOMPLETE, 255 when absent.
	Origin uint8
	ASPath []Segment
	// NextHop is NEXT_HOP or MP_REACH_NLRI's global next hop.
	NextHop          netip.Addr
	MED              uint32
	HasMED           bool
	LocalPref        uint32
	HasLocalPref     bool
	Communities      []uint32
	LargeCommunities [][3]uint32
	AtomicAggregate  bool
	// AggregatorAS and AggregatorAddr are AGGREGATOR (AS4_AGGREGATOR
	// merged); AggregatorAddr is invalid when absent.
	AggregatorAS   uint32
	AggregatorAddr netip.Addr
}

// Checkpoint is how far a source has been ingested: stored atomically
// with the events applied up to it, so that ingest can resume after a
// crash without losing or doubling anything.
type Checkpoint struct {
	// Source names the input: an MRT file's absolute path or URL, or
	// "live:<collector>" for a collector's bus.
	Source string
	// Offset is the byte offset in the decompressed MRT stream of the
	// first record not yet applied (for live, the next bus sequence
	// number).
	Offset int64
	// Done tells the source was ingested to its end.
	Done bool
}
