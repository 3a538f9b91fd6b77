package index

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestTableSizeAfterBurst: a table loaded in several batches within one
// sampling interval (a RIB dump, a session's initial table) has its final
// size stored, so Peers at any time after the burst sees all of it, also
// after a reopen; a session down in the same interval keeps its empty
// table.
func TestTableSizeAfterBurst(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(dir, Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2014, 5, 30, 22, 0, 0, 0, time.UTC)
	peer := netip.MustParseAddr("192.0.2.1")
	attrs := &Attrs{ASPath: []Segment{{ASNs: []uint32{64500}}}, NextHop: peer}
	n := 0
	for batch := range 5 {
		var evs []Event
		for i := range 1000 {
			p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(batch), byte(i >> 8), byte(i)}), 32)
			evs = append(evs, Event{Kind: Announce, Time: t0.Add(time.Duration(batch) * time.Second), Collector: "rrc00",
				PeerAddr: peer, PeerAS: 64500, Prefix: p, Attrs: attrs})
			n++
		}
		if err := ix.Apply(context.Background(), evs, Checkpoint{Source: "burst", Offset: int64(n)}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string, at time.Time, want int) {
		t.Helper()
		peers, err := ix.Peers("rrc00", at)
		if err != nil {
			t.Fatal(err)
		}
		got := -1
		for _, p := range peers {
			if p.Addr == peer {
				got = p.V4
			}
		}
		if got != want && !(want == 0 && got == -1) {
			t.Errorf("%s: table size %d, want %d", when, got, want)
		}
	}
	check("a minute after the burst", t0.Add(time.Minute), 5000)
	if err := ix.Apply(context.Background(), []Event{{Kind: PeerDown, Time: t0.Add(90 * time.Second), Collector: "rrc00", PeerAddr: peer, PeerAS: 64500}},
		Checkpoint{Source: "burst", Offset: int64(n + 1)}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if ix, err = Open(dir, Options{GCInterval: -1}); err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, tc := range []struct {
		at   time.Duration
		want int
	}{{10 * time.Second, 5000}, {80 * time.Second, 5000}, {2 * time.Minute, 0}} {
		check(fmt.Sprintf("after reopen, at +%s", tc.at), t0.Add(tc.at), tc.want)
	}
}

// TestSetFullFeed: which peers count as full-feed follows the table sizes
// given at Open, then those SetFullFeed sets (0 keeps one), for v4 and v6
// separately; Visibility counts the same peers.
func TestSetFullFeed(t *testing.T) {
	ix, err := Open(t.TempDir(), Options{GCInterval: -1, FullFeedV4: 3, FullFeedV6: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	t0 := time.Date(2019, 9, 23, 8, 0, 0, 0, time.UTC)
	big, small := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	var evs []Event
	add := func(peer netip.Addr, as uint32, p string) {
		evs = append(evs, Event{Kind: Announce, Time: t0, Collector: "rrc00", PeerAddr: peer, PeerAS: as, Prefix: netip.MustParsePrefix(p),
			Attrs: &Attrs{ASPath: []Segment{{ASNs: []uint32{as, 4725}}}, NextHop: peer}})
	}
	for _, p := range []string{"202.33.0.0/16", "61.204.0.0/16", "210.131.0.0/16", "2001:db8::/32"} {
		add(big, 64496, p)
	}
	add(small, 64497, "202.33.0.0/16")
	if err := ix.Apply(context.Background(), evs, Checkpoint{Source: "t", Done: true}); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Minute)
	check := func(step string, wantV4, wantV6 []netip.Addr, wantVisible int) {
		t.Helper()
		peers, err := ix.Peers("rrc00", at)
		if err != nil {
			t.Fatal(err)
		}
		var v4, v6 []netip.Addr
		for _, p := range peers {
			if p.FullFeedV4 {
				v4 = append(v4, p.Addr)
			}
			if p.FullFeedV6 {
				v6 = append(v6, p.Addr)
			}
		}
		if fmt.Sprint(v4) != fmt.Sprint(wantV4) || fmt.Sprint(v6) != fmt.Sprint(wantV6) {
			t.Errorf("%s: full-feed v4 %v v6 %v, want %v %v", step, v4, v6, wantV4, wantV6)
		}
		vis, err := ix.Visibility(netip.MustParsePrefix("202.33.0.0/16"), at)
		if err != nil {
			t.Fatal(err)
		}
		if len(vis.FullFeed) != wantVisible {
			t.Errorf("%s: visibility counts %d full-feed peers, want %d", step, len(vis.FullFeed), wantVisible)
		}
	}
	check("as opened", []netip.Addr{big}, []netip.Addr{big}, 1)
	ix.SetFullFeed(1, 0)
	check("v4 lowered", []netip.Addr{big, small}, []netip.Addr{big}, 2)
	ix.SetFullFeed(10, 2)
	check("both raised", nil, nil, 0)
}
