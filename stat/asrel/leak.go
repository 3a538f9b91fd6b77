package asrel

import (
	"strconv"
	"strings"
)

// Leak is the result of checking an AS path for a valley-free violation.
type Leak struct {
	// Found reports whether the path has a violation; the other fields
	// are zero otherwise.
	Found bool
	// Leaker is the AS that propagated the route wrongly: it learned it
	// From a provider or a peer and passed it To a provider or a peer.
	Leaker uint32
	// From is the AS the Leaker learned the route from (towards the
	// origin), To the AS it passed it to (towards the collector).
	From, To uint32
	// FromRel and ToRel are how From and To relate to the Leaker:
	// FromRel is Provider or Peer (From is the Leaker's provider or
	// peer), ToRel likewise.
	FromRel, ToRel Rel
	// Index is the position of the Leaker in the path as given (its
	// first entry if it is prepended).
	Index int
}

// String explains the leak in words, e.g. "AS64501 passed a route
// learned from its provider AS64500 to its peer AS64502", or returns "no
// route leak".
func (l Leak) String() string {
	if !l.Found {
		return "no route leak"
	}
	var b strings.Builder
	b.WriteString("AS")
	b.WriteString(strconv.FormatUint(uint64(l.Leaker), 10))
	b.WriteString(" passed a route learned from its ")
	b.WriteString(l.FromRel.String())
	b.WriteString(" AS")
	b.WriteString(strconv.FormatUint(uint64(l.From), 10))
	b.WriteString(" to its ")
	b.WriteString(l.ToRel.String())
	b.WriteString(" AS")
	b.WriteString(strconv.FormatUint(uint64(l.To), 10))
	return b.String()
}

// hop is an AS of a path without prepending, with the index of its first
// entry in the path.
type hop struct {
	as  uint32
	idx int
}

// Check checks an AS path for a valley-free (Gao-Rexford) violation.
// path is as seen at a collector: path[0] is the collector peer's AS,
// path[len(path)-1] the origin. Repeated consecutive ASes (prepending)
// count once.
//
// Walking from the origin towards the collector, each link is a step
// "up" (to a provider), across a peer link, or "down" (to a customer). A
// valley-free path has zero or more up steps, then at most one peer
// step, then zero or more down steps. The first up or peer step after a
// peer or down step is a leak by the AS taking it.
//
// Check never accuses on missing data: at a link of Unknown relationship
// the walk stops, reporting no leak (a leak found before, nearer the
// origin, stands). A path of fewer than three distinct hops cannot leak.
// Check does not allocate for paths of up to 32 hops.
func (r *Relationships) Check(path []uint32) Leak {
	var buf [32]hop
	hops := buf[:0]
	for i, as := range path {
		if n := len(hops); n > 0 && hops[n-1].as == as {
			continue
		}
		hops = append(hops, hop{as, i})
	}
	if len(hops) < 3 || r == nil {
		return Leak{}
	}
	// descending is set once the route has crossed a peer link or gone
	// down to a customer: from there on it may only go down.
	descending := false
	for j := len(hops) - 1; j > 0; j-- {
		from, to := hops[j].as, hops[j-1].as
		switch rel := r.Rel(from, to); rel { // how the sender relates to the receiver
		case Unknown:
			return Leak{}
		case Customer, Peer: // up, or across
			if descending {
				// hops[j] learned the route from hops[j+1] over a peer or
				// down step (an up step after descending is a leak found
				// already) and passed it up or across.
				leaker, src := hops[j], hops[j+1].as
				return Leak{
					Found:   true,
					Leaker:  leaker.as,
					From:    src,
					To:      to,
					FromRel: r.Rel(src, leaker.as),
					ToRel:   rel.Inverse(),
					Index:   leaker.idx,
				}
			}
			descending = rel == Peer
		case Provider: // down
			descending = true
		}
	}
	return Leak{}
}

// Leak checks path (see Check) and returns the leaking AS and an
// explanation (Leak.String) when there is a leak. It satisfies the
// hijack detector's Relationships interface.
func (r *Relationships) Leak(path []uint32) (leaker uint32, explanation string, found bool) {
	l := r.Check(path)
	if !l.Found {
		return 0, "", false
	}
	return l.Leaker, l.String(), true
}
