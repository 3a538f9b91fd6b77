package index

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestOrigins checks Origins on a small synthetic table: matches, the
// peers threshold, the limit, a MOAS prefix and times before and after
// a withdrawal; and Earliest.
func TestOrigins(t *testing.T) {
	ix, err := Open(t.TempDir(), Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if !ix.Earliest().IsZero() {
		t.Errorf("empty index: Earliest %v", ix.Earliest())
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	pfx := netip.MustParsePrefix
	peerA, peerB := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	ann := func(m int, peer netip.Addr, p string, as ...uint32) Event {
		return Event{Kind: Announce, Time: at(m), Collector: "rrc00", PeerAddr: peer, PeerAS: as[0], Prefix: pfx(p),
			Attrs: &Attrs{ASPath: []Segment{{ASNs: as}}, NextHop: peer}}
	}
	evs := []Event{
		ann(0, peerA, "10.0.0.0/8", 1, 100),
		ann(0, peerA, "10.1.0.0/16", 1, 200),
		ann(0, peerB, "10.1.0.0/16", 2, 300),
		ann(0, peerA, "10.1.1.0/24", 1, 200),
		ann(0, peerB, "10.1.1.0/24", 2, 200),
		ann(0, peerA, "10.1.2.0/24", 1, 200),
		ann(0, peerA, "10.2.0.0/16", 1, 100),
		{Kind: Withdraw, Time: at(10), Collector: "rrc00", PeerAddr: peerA, PeerAS: 1, Prefix: pfx("10.1.2.0/24")},
	}
	if err := ix.Apply(context.Background(), evs, Checkpoint{Source: "test", Done: true}); err != nil {
		t.Fatal(err)
	}
	if got := ix.Earliest(); !got.Equal(t0) {
		t.Errorf("Earliest %v, want %v", got, t0)
	}
	show := func(out []PrefixOrigins, trunc bool) string {
		s := ""
		for _, po := range out {
			s += fmt.Sprintf("%s %d %v; ", po.Prefix, po.Peers, po.Origins)
		}
		return fmt.Sprintf("%s%v", s, trunc)
	}
	tests := []struct {
		p        string
		min      int
		m        Match
		minPeers int
		limit    int
		want     string
	}{
		{"10.1.0.0/16", 5, Exact, 0, 0, "10.1.0.0/16 2 [{200 1} {300 1}]; false"},
		{"10.1.0.0/16", 5, LessSpecific | Exact | MoreSpecific, 0, 0,
			"10.0.0.0/8 1 [{100 1}]; 10.1.0.0/16 2 [{200 1} {300 1}]; 10.1.1.0/24 2 [{200 2}]; 10.1.2.0/24 1 [{200 1}]; false"},
		{"10.1.0.0/16", 15, MoreSpecific, 0, 0, "10.1.1.0/24 2 [{200 2}]; false"},
		{"10.1.0.0/16", 5, MoreSpecific, 2, 0, "10.1.1.0/24 2 [{200 2}]; false"},
		{"10.0.0.0/8", 5, MoreSpecific, 0, 2, "10.1.0.0/16 2 [{200 1} {300 1}]; 10.1.1.0/24 2 [{200 2}]; true"},
		{"10.1.1.7/32", 5, LessSpecific, 0, 0, "10.0.0.0/8 1 [{100 1}]; 10.1.0.0/16 2 [{200 1} {300 1}]; 10.1.1.0/24 2 [{200 2}]; false"},
		{"0.0.0.0/0", 5, Exact | MoreSpecific, 0, 1, "10.0.0.0/8 1 [{100 1}]; true"},
		{"10.1.0.0/16", -5, Exact | MoreSpecific, 0, 0, "false"},
		{"2001:db8::/32", 5, LessSpecific | Exact | MoreSpecific, 0, 0, "false"},
	}
	for _, tc := range tests {
		out, trunc, err := ix.Origins(pfx(tc.p), at(tc.min), tc.m, tc.minPeers, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got := show(out, trunc); got != tc.want {
			t.Errorf("%s at +%dm match %d min %d limit %d:\n got %s\nwant %s", tc.p, tc.min, tc.m, tc.minPeers, tc.limit, got, tc.want)
		}
	}
}
