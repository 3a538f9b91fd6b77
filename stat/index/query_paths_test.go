package index

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestASPathsAndSpans checks ASPaths' route counts and NeighbourSpans'
// intervals on a small synthetic timeline: announcements over both
// families, prepending, an AS_SET, a change of path, a withdrawal and a
// session down, asked before, between and after them.
func TestASPathsAndSpans(t *testing.T) {
	ix, err := Open(t.TempDir(), Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	p1, p2, p3 := netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8::/32")
	peerA, peerB := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	path := func(as ...uint32) *Attrs { return &Attrs{ASPath: []Segment{{ASNs: as}}, NextHop: peerA} }
	ann := func(m int, peer netip.Addr, peerAS uint32, p netip.Prefix, a *Attrs) Event {
		return Event{Kind: Announce, Time: at(m), Collector: "rrc00", PeerAddr: peer, PeerAS: peerAS, Prefix: p, Attrs: a}
	}
	withSet := &Attrs{ASPath: []Segment{{ASNs: []uint32{2, 7}}, {Set: true, ASNs: []uint32{64500, 8}}}, NextHop: peerA}
	evs := []Event{
		ann(0, peerA, 1, p1, path(1, 64500)),
		ann(0, peerB, 2, p1, path(2, 64500, 64500)),
		ann(0, peerA, 1, p2, path(1, 64500, 64501)),
		ann(0, peerA, 1, p3, path(1, 64500, 64501)),
		ann(0, peerB, 2, p2, withSet),
		ann(10, peerB, 2, p3, path(2, 3, 64500)),
		ann(20, peerA, 1, p1, path(1, 64502)),
		{Kind: Withdraw, Time: at(30), Collector: "rrc00", PeerAddr: peerA, PeerAS: 1, Prefix: p2},
		{Kind: PeerDown, Time: at(40), Collector: "rrc00", PeerAddr: peerB, PeerAS: 2},
	}
	if err := ix.Apply(context.Background(), evs, Checkpoint{Source: "test", Done: true}); err != nil {
		t.Fatal(err)
	}
	show := func(rs []PathRoutes) []string {
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%s %v %d/%d", r.PeerAddr, r.Attrs.ASPath[0].ASNs, r.V4, r.V6))
		}
		slices.Sort(out) // the order is the store's, not meaningful
		return out
	}
	paths := []struct {
		min  int
		want []string
	}{
		{-1, nil},
		{5, []string{"10.0.0.1 [1 64500 64501] 1/1", "10.0.0.1 [1 64500] 1/0", "10.0.0.2 [2 64500 64500] 1/0"}},
		{15, []string{"10.0.0.1 [1 64500 64501] 1/1", "10.0.0.1 [1 64500] 1/0", "10.0.0.2 [2 3 64500] 0/1", "10.0.0.2 [2 64500 64500] 1/0"}},
		{25, []string{"10.0.0.1 [1 64500 64501] 1/1", "10.0.0.2 [2 3 64500] 0/1", "10.0.0.2 [2 64500 64500] 1/0"}},
		{35, []string{"10.0.0.1 [1 64500 64501] 0/1", "10.0.0.2 [2 3 64500] 0/1", "10.0.0.2 [2 64500 64500] 1/0"}},
		{45, []string{"10.0.0.1 [1 64500 64501] 0/1"}},
	}
	for _, tc := range paths {
		got, err := ix.ASPaths(64500, at(tc.min))
		if err != nil {
			t.Fatal(err)
		}
		if g := show(got); !slices.Equal(g, tc.want) {
			t.Errorf("ASPaths at +%dm: got %q, want %q", tc.min, g, tc.want)
		}
	}
	if got, err := ix.ASPaths(99, at(5)); err != nil || got != nil {
		t.Errorf("ASPaths of an unseen AS: %v, %v", got, err)
	}
	spans, err := ix.NeighbourSpans(64500, at(0), at(50))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range spans {
		end := "open"
		if !s.End.IsZero() {
			end = fmt.Sprint(s.End.Sub(t0).Minutes())
		}
		got = append(got, fmt.Sprintf("%d %v %v-%s", s.AS, s.Left, s.Start.Sub(t0).Minutes(), end))
	}
	// 1-64500 stays open through peer A's p3; the AS_SET path gives
	// 64500 no neighbour.
	want := []string{"1 true 0-open", "2 true 0-40", "3 true 10-40", "64501 false 0-open"}
	if !slices.Equal(got, want) {
		t.Errorf("NeighbourSpans: got %q, want %q", got, want)
	}
	if spans, err := ix.NeighbourSpans(64500, at(45), at(50)); err != nil || len(spans) != 2 {
		t.Errorf("NeighbourSpans after the session down: %v, %v", spans, err)
	}
}
