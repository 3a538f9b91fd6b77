package index

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestSeenPrefixes checks first and last seen of a prefix and of its
// more-specifics over announcements, a withdrawal and a session down.
func TestSeenPrefixes(t *testing.T) {
	ix, err := Open(t.TempDir(), Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	p16, p24a, p24b := netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("10.0.1.0/24"), netip.MustParsePrefix("10.0.2.0/24")
	other := netip.MustParsePrefix("10.1.0.0/24")
	peerA, peerB := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	attrs := &Attrs{ASPath: []Segment{{ASNs: []uint32{1, 64500}}}, NextHop: peerA}
	ann := func(m int, peer netip.Addr, p netip.Prefix) Event {
		return Event{Kind: Announce, Time: at(m), Collector: "rrc00", PeerAddr: peer, PeerAS: 1, Prefix: p, Attrs: attrs}
	}
	evs := []Event{
		ann(0, peerA, p16),
		ann(5, peerA, p24a),
		ann(6, peerB, p24a),
		ann(7, peerB, p24b),
		ann(8, peerB, other),
		{Kind: Withdraw, Time: at(10), Collector: "rrc00", PeerAddr: peerA, PeerAS: 1, Prefix: p24a},
		{Kind: PeerDown, Time: at(20), Collector: "rrc00", PeerAddr: peerB, PeerAS: 1},
	}
	if err := ix.Apply(context.Background(), evs, Checkpoint{Source: "test", Done: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p    netip.Prefix
		more bool
		want []PrefixSeen
	}{
		{p16, false, []PrefixSeen{{p16, Seen{First: at(0), Visible: true}}}},
		{p16, true, []PrefixSeen{
			{p16, Seen{First: at(0), Visible: true}},
			{p24a, Seen{First: at(5), Last: at(20)}},
			{p24b, Seen{First: at(7), Last: at(20)}},
		}},
		{p24a, true, []PrefixSeen{{p24a, Seen{First: at(5), Last: at(20)}}}},
		{netip.MustParsePrefix("10.0.3.0/24"), true, nil},
	}
	for _, tc := range tests {
		got, err := ix.SeenPrefixes(tc.p, tc.more)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s more %v: got %v, want %v", tc.p, tc.more, got, tc.want)
		}
	}
}
