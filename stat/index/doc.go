// Package index is routestat's route index: it turns MRT records and live
// BGP messages into route events (Converter), applies them (Index.Apply)
// and answers the questions the data API asks (routes of a prefix at a
// time, events in a window, prefixes of an origin AS, AS neighbours,
// visibility, peers, first and last seen).
//
// The index owns two representations of one timeline. In memory: the
// current routes of every prefix (interned attribute sets referenced by
// id), kentik/patricia tries of every prefix ever seen for containment,
// and the counters behind the derived indexes. In Badger: the per-prefix
// event log with periodic per-prefix snapshots, session downs, the
// interned attribute sets, origin and adjacency intervals, peer table
// sizes over time, first/last seen and the ingest checkpoints; the layout
// is specified in docs/format/store.md.
//
// Invariants:
//   - Events are applied in time order per collector; the state of a prefix
//     at a collector at time T is its latest snapshot at or before T plus
//     the logged events and session downs after it, up to T.
//   - Every Apply commits its events, derived writes and checkpoint in one
//     Badger transaction (or, for a batch too large for one, in several,
//     each with a checkpoint that counts the events applied), so that a
//     crash never loses or doubles an event and a re-applied batch changes
//     nothing.
//   - The in-memory state can always be rebuilt from the store; Open does
//     so, and so does a failed Apply.
//   - A RIB entry that matches the current route is not an event: RIB dumps
//     only log what changed.
package index
