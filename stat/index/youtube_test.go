package index

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/sharedtest"
)

// TestYouTube2008 ingests route-views2's updates of 2008-02-24 and asks
// what the data calls ask about the Pakistan Telecom hijack of YouTube's
// 208.65.153.0/24.
//
// The shared files cover 18:24-18:39 and 19:54-21:26 UTC (PROVENANCE.md):
// the hijack's start at 18:47:57 falls in the gap, and without a RIB of
// that day a route announced then and never re-announced is not in the
// data. What the data shows: AS17557's route first at 20:51:36 (via
// 1221 4637 3491), the last announcement at 21:00:49 and its withdrawal by
// AS13237 at 21:01:21; AS5413 kept its route via 3491 until it replaced
// it at 21:01:34, which ends AS17557's interval at this collector.
func TestYouTube2008(t *testing.T) {
	var files []string
	for _, f := range []string{"1824", "1954", "2009", "2026", "2041", "2056", "2111"} {
		files = append(files, sharedtest.MRT(t, "incident-youtube-2008/updates.20080224."+f+".bz2"))
	}
	ix := openTest(t, Options{SnapshotEvery: 8, FullFeedV4: 800}) // tables learned from 1.5 h of updates only
	ingest(t, ix, "route-views2", 20000, files...)

	hijacked := netip.MustParsePrefix("208.65.153.0/24")
	day := func(h, m, s int) time.Time { return time.Date(2008, 2, 24, h, m, s, 0, time.UTC) }
	withdrawn := day(21, 1, 21)
	lastSeen := day(21, 1, 34)

	// announced-prefixes / routing-history: AS17557's interval
	tl, err := ix.OriginPrefixes(17557, day(18, 0, 0), day(22, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(tl, func(p PrefixTimeline) bool { return p.Prefix == hijacked })
	if i < 0 {
		t.Fatalf("AS17557 prefixes %v lack %s", tl, hijacked)
	}
	iv := tl[i].Intervals
	if len(iv) != 1 || !iv[0].Start.Equal(day(20, 51, 36)) || !iv[0].End.Equal(lastSeen) || iv[0].Peers < 2 || iv[0].Collector != "route-views2" {
		t.Errorf("AS17557 intervals of %s: %+v, want one from 20:51:36 to 21:01:34", hijacked, iv)
	}
	// YouTube's own announcement of the /24 is still open at the end.
	tl, err = ix.OriginPrefixes(36561, day(18, 0, 0), day(22, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	i = slices.IndexFunc(tl, func(p PrefixTimeline) bool { return p.Prefix == hijacked })
	if i < 0 || !tl[i].Intervals[0].Start.Equal(day(20, 7, 25)) || !tl[i].Intervals[len(tl[i].Intervals)-1].End.IsZero() {
		t.Errorf("AS36561 timeline of %s: %+v", hijacked, tl)
	}

	// bgp-updates / bgplay: the withdrawal at 21:01:21
	initial, evs, err := ix.Events([]netip.Prefix{hijacked}, false, day(21, 0, 0), day(21, 2, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(evs, func(e Event) bool {
		return e.Kind == Withdraw && e.Time.Equal(withdrawn) && e.PeerAS == 13237 && e.Prefix == hijacked
	}) {
		t.Errorf("no withdrawal by AS13237 at 21:01:21 among %d events", len(evs))
	}
	if len(initial) == 0 {
		t.Error("no routes at 21:00")
	}

	// looking-glass / bgp-state: AS17557 seen just before, not after
	origins := func(at time.Time) map[uint32]int {
		rs, err := ix.Routes(hijacked, at, Exact)
		if err != nil {
			t.Fatal(err)
		}
		m := map[uint32]int{}
		for _, r := range rs {
			m[r.Attrs.OriginAS()]++
		}
		return m
	}
	for _, c := range []struct {
		at    time.Time
		count int
	}{{withdrawn.Add(-time.Second), 2}, {withdrawn, 1}, {lastSeen.Add(-time.Second), 1}, {lastSeen, 0}} {
		if o := origins(c.at); o[17557] != c.count || o[36561] == 0 {
			t.Errorf("origins at %s: %v, want %d routes from AS17557", c.at.Format(time.TimeOnly), o, c.count)
		}
	}

	// less- and more-specifics: YouTube's /22 covers the /24; the /25s
	// are more-specific.
	rs, err := ix.Routes(hijacked, day(21, 20, 0), LessSpecific|MoreSpecific)
	if err != nil {
		t.Fatal(err)
	}
	var ps []netip.Prefix
	for _, r := range rs {
		if len(ps) == 0 || ps[len(ps)-1] != r.Prefix {
			ps = append(ps, r.Prefix)
		}
	}
	for _, want := range []string{"208.65.152.0/22", "208.65.153.0/25", "208.65.153.128/25"} {
		if !slices.Contains(ps, netip.MustParsePrefix(want)) {
			t.Errorf("covering and covered prefixes %v lack %s", ps, want)
		}
	}
	if slices.Contains(ps, hijacked) {
		t.Errorf("%s reported as its own less- or more-specific", hijacked)
	}

	// asn-neighbours: AS3491 was AS17557's upstream
	nb, err := ix.Neighbours(17557, day(20, 0, 0), day(21, 30, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(nb, func(n Neighbour) bool { return n.AS == 3491 && n.Left && n.Peers > 0 }) {
		t.Errorf("neighbours of AS17557: %+v, want AS3491 on the left", nb)
	}

	// ris-first-last-seen
	s, ok := ix.Seen(netip.MustParsePrefix("208.65.153.0/25"))
	if !ok || !s.First.Equal(day(20, 18, 43)) || !s.Visible {
		t.Errorf("first seen of 208.65.153.0/25: %+v %v, want 20:18:43 and visible", s, ok)
	}

	// visibility and ris-peers: route-views2 had 45 peers, some of them
	// with full tables.
	peers, err := ix.Peers("route-views2", day(21, 20, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(peers) != 45 {
		t.Errorf("%d peers, want 45", len(peers))
	}
	v, err := ix.Visibility(hijacked, day(21, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s at 21:00: seen by %d of %d full-feed peers", hijacked, len(v.Seeing), len(v.FullFeed))
	if len(v.Seeing) == 0 {
		t.Error("no full-feed peer sees the prefix")
	}
	for _, p := range v.Seeing {
		if !slices.ContainsFunc(v.FullFeed, func(q Peer) bool { return q == p }) {
			t.Errorf("peer %v sees the prefix but is not a full-feed peer", p)
		}
	}
}
