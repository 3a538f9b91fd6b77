package index

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestASPrefixes checks origin and transit counts on a small synthetic
// timeline: announcements, a change of path, a withdrawal and a session
// down, asked before, between and after them.
func TestASPrefixes(t *testing.T) {
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
	evs := []Event{
		ann(0, peerA, 1, p1, path(1, 64500)),
		ann(0, peerB, 2, p1, path(2, 64500, 64500)),
		ann(0, peerA, 1, p2, path(1, 64500, 64501)),
		ann(0, peerA, 1, p3, path(1, 64501)),
		ann(10, peerB, 2, p3, path(2, 64500, 64501)),
		ann(20, peerA, 1, p1, path(1, 64502)),
		{Kind: Withdraw, Time: at(30), Collector: "rrc00", PeerAddr: peerA, PeerAS: 1, Prefix: p2},
		{Kind: PeerDown, Time: at(40), Collector: "rrc00", PeerAddr: peerB, PeerAS: 2},
	}
	if err := ix.Apply(context.Background(), evs, Checkpoint{Source: "test", Done: true}); err != nil {
		t.Fatal(err)
	}
	type counts struct {
		p               netip.Prefix
		origin, transit int
	}
	tests := []struct {
		min     int
		transit bool
		want    []counts
	}{
		{-1, true, nil},
		{5, false, []counts{{p1, 2, 0}}},
		{5, true, []counts{{p1, 2, 0}, {p2, 0, 1}}},
		{15, true, []counts{{p1, 2, 0}, {p2, 0, 1}, {p3, 0, 1}}},
		{25, false, []counts{{p1, 1, 0}}},
		{35, true, []counts{{p1, 1, 0}, {p3, 0, 1}}},
		{45, true, nil},
	}
	for _, tc := range tests {
		got, err := ix.ASPrefixes(64500, at(tc.min), tc.transit)
		if err != nil {
			t.Fatal(err)
		}
		var sum []counts
		for _, e := range got {
			sum = append(sum, counts{e.Prefix, len(e.OriginPeers), e.TransitPeers})
		}
		if !slices.Equal(sum, tc.want) {
			t.Errorf("at +%dm transit %v: got %v, want %v", tc.min, tc.transit, sum, tc.want)
		}
	}
}
