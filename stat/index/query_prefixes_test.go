package index

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestPrefixes checks the exact, covering and covered prefixes of a few
// queries against a small set of announced prefixes, with and without a
// limit.
func TestPrefixes(t *testing.T) {
	ix, err := Open(t.TempDir(), Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	peer := netip.MustParseAddr("10.0.0.1")
	var evs []Event
	for _, s := range []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.2.0.0/16", "11.0.0.0/8", "2001:db8::/32", "2001:db8:1::/48"} {
		evs = append(evs, Event{Kind: Announce, Time: t0, Collector: "rrc00", PeerAddr: peer, PeerAS: 1,
			Prefix: netip.MustParsePrefix(s), Attrs: &Attrs{ASPath: []Segment{{ASNs: []uint32{1, 2}}}, NextHop: peer}})
	}
	if err := ix.Apply(context.Background(), evs, Checkpoint{Source: "test", Done: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		m    Match
		want []string
	}{
		{"10.1.0.0/16", Exact, []string{"10.1.0.0/16"}},
		{"10.1.0.0/16", Exact | MoreSpecific, []string{"10.1.0.0/16", "10.1.2.0/24"}},
		{"10.1.2.3/32", Exact | LessSpecific, []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"}},
		{"10.0.0.0/8", MoreSpecific, []string{"10.1.0.0/16", "10.2.0.0/16", "10.1.2.0/24"}},
		{"0.0.0.0/0", Exact | MoreSpecific, []string{"10.0.0.0/8", "11.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "10.1.2.0/24"}},
		{"2001:db8::/32", Exact | MoreSpecific, []string{"2001:db8::/32", "2001:db8:1::/48"}},
		{"12.0.0.0/8", Exact | LessSpecific | MoreSpecific, nil},
	}
	for _, tc := range tests {
		got, more, err := ix.Prefixes(netip.MustParsePrefix(tc.q), tc.m, 0)
		if err != nil || more {
			t.Fatal(err, more)
		}
		var want []netip.Prefix
		for _, s := range tc.want {
			want = append(want, netip.MustParsePrefix(s))
		}
		slices.SortFunc(want, netip.Prefix.Compare)
		if !slices.Equal(got, want) {
			t.Errorf("Prefixes(%s, %d) = %v, want %v", tc.q, tc.m, got, want)
		}
		// with a limit: as many, and more when some were left out
		if len(want) > 1 {
			got, more, err := ix.Prefixes(netip.MustParsePrefix(tc.q), tc.m, len(want)-1)
			if err != nil || !more || len(got) != len(want)-1 {
				t.Errorf("Prefixes(%s, %d, %d) = %v, %v, %v", tc.q, tc.m, len(want)-1, got, more, err)
			}
			if got, more, _ := ix.Prefixes(netip.MustParsePrefix(tc.q), tc.m, len(want)); more || len(got) != len(want) {
				t.Errorf("Prefixes(%s, %d, %d) = %v, %v", tc.q, tc.m, len(want), got, more)
			}
		}
	}
}
