package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"testing"
	"time"
)

// naiveRoute is a route in the naive model.
type naiveRoute struct {
	coll, peer string
	pathID     uint32
}

// naive is the obviously correct model: every event in a list, state at T
// by replaying the list.
type naive struct{ events []Event }

func (n *naive) state(at time.Time) map[netip.Prefix]map[naiveRoute]*Attrs {
	st := map[netip.Prefix]map[naiveRoute]*Attrs{}
	for _, e := range n.events {
		if e.Time.After(at) {
			continue
		}
		switch e.Kind {
		case Announce:
			if st[e.Prefix] == nil {
				st[e.Prefix] = map[naiveRoute]*Attrs{}
			}
			st[e.Prefix][naiveRoute{e.Collector, e.PeerAddr.String(), e.PathID}] = e.Attrs
		case Withdraw:
			delete(st[e.Prefix], naiveRoute{e.Collector, e.PeerAddr.String(), e.PathID})
		case PeerDown:
			for _, rs := range st {
				for r := range rs {
					if r.coll == e.Collector && r.peer == e.PeerAddr.String() {
						delete(rs, r)
					}
				}
			}
		}
	}
	return st
}

func naiveLines(rs map[naiveRoute]*Attrs, p netip.Prefix) []string {
	var out []string
	for r, a := range rs {
		out = append(out, fmt.Sprintf("%s %s %s %d %s", p, r.coll, r.peer, r.pathID, formatRef(a)))
	}
	return out
}

func indexLines(rs []Route) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s %s %s %d %s", r.Prefix, r.Collector, r.PeerAddr, r.PathID, formatRef(r.Attrs)))
	}
	return out
}

// randomStream makes a random event stream over nested IPv4 and IPv6
// prefixes, two collectors and a few peers, in time order per collector.
func randomStream(rnd *rand.Rand, n int) []Event {
	prefixes := []netip.Prefix{}
	for _, s := range []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.3.0/24", "10.2.0.0/16",
		"192.0.2.0/24", "192.0.2.0/25", "2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64"} {
		prefixes = append(prefixes, netip.MustParsePrefix(s))
	}
	var attrs []*Attrs
	for i := range 6 {
		a := &Attrs{
			Origin:      uint8(i % 3),
			ASPath:      []Segment{{ASNs: []uint32{64500 + uint32(i%2), 64600, 65000 + uint32(i%3)}}},
			NextHop:     netip.MustParseAddr(fmt.Sprintf("192.0.2.%d", i+1)),
			Communities: []uint32{uint32(i)},
		}
		if i%2 == 0 {
			a.MED, a.HasMED = uint32(i), true
		}
		attrs = append(attrs, a)
	}
	colls := []string{"rrc00", "rrc01"}
	peers := []netip.Addr{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2"), netip.MustParseAddr("2001:db8:ffff::3")}
	clock := map[string]time.Time{"rrc00": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "rrc01": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out []Event
	for range n {
		c := colls[rnd.IntN(len(colls))]
		clock[c] = clock[c].Add(time.Duration(rnd.IntN(3)) * time.Second)
		e := Event{Time: clock[c], Collector: c, PeerAddr: peers[rnd.IntN(len(peers))], PeerAS: 64500,
			Prefix: prefixes[rnd.IntN(len(prefixes))], PathID: uint32(rnd.IntN(2))}
		switch r := rnd.IntN(20); {
		case r == 0:
			e.Kind, e.Prefix, e.PathID = PeerDown, netip.Prefix{}, 0
		case r < 7:
			e.Kind = Withdraw
		default:
			e.Kind, e.Attrs = Announce, attrs[rnd.IntN(len(attrs))]
			e.FromRIB = r < 10
		}
		out = append(out, e)
	}
	return out
}

// TestPropertyRandomStreams applies random event streams in random
// batches and compares the index's routes (exact, less- and
// more-specific) at random times with the naive model.
func TestPropertyRandomStreams(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(seed, 99))
			events := randomStream(rnd, 400+rnd.IntN(800))
			model := naive{events: events}
			dir := t.TempDir()
			opt := Options{SnapshotEvery: 1 + rnd.IntN(5)}
			ix, err := Open(dir, opt)
			if err != nil {
				t.Fatal(err)
			}
			ix.chunkEvents = 1 + rnd.IntN(50)
			for i := 0; i < len(events); {
				n := min(1+rnd.IntN(200), len(events)-i)
				if err := ix.Apply(context.Background(), events[i:i+n], Checkpoint{Source: "s", Offset: int64(i + n)}); err != nil {
					t.Fatal(err)
				}
				i += n
			}
			first, last := events[0].Time, events[len(events)-1].Time
			for _, e := range events {
				last = later(last, e.Time)
			}
			for range 60 {
				at := first.Add(time.Duration(rnd.Int64N(int64(last.Sub(first)) + int64(2*time.Second))))
				st := model.state(at)
				q := events[rnd.IntN(len(events))].Prefix
				if !q.IsValid() {
					continue
				}
				m := Match(1 + rnd.IntN(7))
				var want []string
				for p, rs := range st {
					if m&Exact != 0 && p == q || m&LessSpecific != 0 && p.Bits() < q.Bits() && p.Contains(q.Addr()) ||
						m&MoreSpecific != 0 && p.Bits() > q.Bits() && q.Contains(p.Addr()) {
						want = append(want, naiveLines(rs, p)...)
					}
				}
				rs, err := ix.Routes(q, at, m)
				if err != nil {
					t.Fatal(err)
				}
				got := indexLines(rs)
				sort.Strings(got)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Fatalf("%s match %d at %s:\n got %q\nwant %q", q, m, at.Format(time.TimeOnly), got, want)
				}
			}
			checkOrigins(t, ix, events)
			for range 20 {
				checkEvents(t, ix, events, rnd, first, last)
			}
			// reopening rebuilds the same state from the store
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			if ix, err = Open(dir, opt); err != nil {
				t.Fatal(err)
			}
			checkOrigins(t, ix, events)
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// checkOrigins compares the origin intervals with the naive model's: per
// collector, prefix and origin AS, the times when at least one peer had a
// route, with the most peers at once.
func checkOrigins(t *testing.T, ix *Index, events []Event) {
	t.Helper()
	type key struct {
		coll   string
		p      netip.Prefix
		origin uint32
	}
	type rec struct {
		p  netip.Prefix
		iv Interval
	}
	routes := map[naiveRoute]map[netip.Prefix]uint32{} // route → origin
	open := map[key]*Interval{}
	want := map[uint32][]rec{}
	peersOf := func(k key) int {
		peers := map[string]bool{}
		for r, ps := range routes {
			if r.coll == k.coll && ps[k.p] == k.origin {
				peers[r.peer] = true
			}
		}
		return len(peers)
	}
	var touched []key
	set := func(r naiveRoute, p netip.Prefix, origin uint32) {
		if routes[r] == nil {
			routes[r] = map[netip.Prefix]uint32{}
		}
		if old, ok := routes[r][p]; ok {
			touched = append(touched, key{r.coll, p, old})
		}
		if origin == 0 {
			delete(routes[r], p)
		} else {
			routes[r][p] = origin
			touched = append(touched, key{r.coll, p, origin})
		}
	}
	for _, e := range events {
		touched = touched[:0]
		r := naiveRoute{e.Collector, e.PeerAddr.String(), e.PathID}
		switch e.Kind {
		case Announce:
			set(r, e.Prefix, e.Attrs.OriginAS())
		case Withdraw:
			set(r, e.Prefix, 0)
		case PeerDown:
			for rr, ps := range routes {
				if rr.coll == e.Collector && rr.peer == e.PeerAddr.String() {
					for p := range ps {
						set(rr, p, 0)
					}
				}
			}
		}
		for _, k := range touched {
			n := peersOf(k)
			iv := open[k]
			switch {
			case iv == nil && n > 0:
				// the store keys intervals by start: one that opened and
				// closed at this instant is replaced by the new one
				want[k.origin] = slices.DeleteFunc(want[k.origin], func(x rec) bool {
					return x.p == k.p && x.iv.Collector == k.coll && x.iv.Start.Equal(e.Time)
				})
				open[k] = &Interval{Collector: k.coll, Start: e.Time, Peers: n}
			case iv != nil && n == 0:
				iv.End = e.Time
				want[k.origin] = append(want[k.origin], rec{k.p, *iv})
				delete(open, k)
			case iv != nil:
				iv.Peers = max(iv.Peers, n)
			}
		}
	}
	for k, iv := range open {
		want[k.origin] = append(want[k.origin], rec{k.p, *iv})
	}
	for origin, recs := range want {
		tl, err := ix.OriginPrefixes(origin, events[0].Time.Add(-time.Hour), events[len(events)-1].Time.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var got, w []string
		for _, p := range tl {
			for _, iv := range p.Intervals {
				got = append(got, fmt.Sprintf("%s %+v", p.Prefix, iv))
			}
		}
		for _, x := range recs {
			w = append(w, fmt.Sprintf("%s %+v", x.p, x.iv))
		}
		sort.Strings(got)
		sort.Strings(w)
		if !slices.Equal(got, w) {
			extra := slices.DeleteFunc(slices.Clone(got), func(s string) bool { return slices.Contains(w, s) })
			missing := slices.DeleteFunc(slices.Clone(w), func(s string) bool { return slices.Contains(got, s) })
			t.Fatalf("origin AS%d intervals: extra %q, missing %q", origin, extra, missing)
		}
	}
}

// checkEvents compares the events of a random prefix in a random window,
// and the routes at its start, with the naive model. RIB entries that
// change nothing are not events; a session down withdraws the peer's
// routes as PeerDown events.
func checkEvents(t *testing.T, ix *Index, events []Event, rnd *rand.Rand, first, last time.Time) {
	t.Helper()
	p := events[rnd.IntN(len(events))].Prefix
	if !p.IsValid() {
		return
	}
	from := first.Add(time.Duration(rnd.Int64N(int64(last.Sub(first)) + 1)))
	to := from.Add(time.Duration(rnd.Int64N(int64(time.Minute))))
	line := func(kind Kind, e Event, a *Attrs) string {
		s := fmt.Sprintf("%d %s %s %s %d", kind, e.Time.Format(time.TimeOnly), e.Collector, e.PeerAddr, e.PathID)
		if a != nil {
			s += " " + formatRef(a)
		}
		return s
	}
	var want []string
	st := map[naiveRoute]*Attrs{}
	for _, e := range events {
		in := !e.Time.Before(from) && !e.Time.After(to)
		r := naiveRoute{e.Collector, e.PeerAddr.String(), e.PathID}
		switch {
		case e.Kind == PeerDown:
			for rr := range st {
				if rr.coll == e.Collector && rr.peer == e.PeerAddr.String() {
					if in {
						want = append(want, line(PeerDown, Event{Time: e.Time, Collector: rr.coll, PeerAddr: e.PeerAddr, PathID: rr.pathID}, nil))
					}
					delete(st, rr)
				}
			}
		case e.Prefix != p:
		case e.Kind == Withdraw:
			if in {
				want = append(want, line(Withdraw, e, nil))
			}
			delete(st, r)
		default:
			if e.FromRIB && st[r] != nil && formatRef(st[r]) == formatRef(e.Attrs) {
				continue
			}
			if in {
				want = append(want, line(Announce, e, e.Attrs))
			}
			st[r] = e.Attrs
		}
	}
	_, evs, err := ix.Events([]netip.Prefix{p}, false, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		if e.Prefix != p {
			t.Fatalf("event of %s in the events of %s", e.Prefix, p)
		}
		got = append(got, line(e.Kind, e, e.Attrs))
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("events of %s in [%s, %s]:\n got %q\nwant %q", p, from.Format(time.TimeOnly), to.Format(time.TimeOnly), got, want)
	}
	// the routes at the window's start
	initial, _, err := ix.Events([]netip.Prefix{p}, false, from, to)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ix.Routes(p, from.Add(-time.Microsecond), Exact)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := indexLines(initial), indexLines(rs); !slices.Equal(g, w) {
		t.Fatalf("routes of %s at %s: Events says %q, Routes %q", p, from.Format(time.TimeOnly), g, w)
	}
}
