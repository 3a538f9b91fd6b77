package rawspeaker

import (
	"encoding/binary"
	"testing"

	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
)

// TestLoadRIB encodes the jinx RIB and decodes every UPDATE back: each is
// a well-formed 4-byte-AS UPDATE of at most 4096 bytes, and together they
// announce every route of the dump (per peer) and every prefix once (the
// full feed).
func TestLoadRIB(t *testing.T) {
	path := sharedtest.MRT(t, "libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2")
	tab, err := LoadRIB(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, f *Feed) map[mrtdump.Prefix]bool {
		seen := map[mrtdump.Prefix]bool{}
		var m mrtdump.Message
		updates := 0
		for b := f.Updates; len(b) > 0; updates++ {
			n := int(binary.BigEndian.Uint16(b[16:]))
			if n > MaxMessage || n > len(b) {
				t.Fatalf("%s: message of %d bytes", name, n)
			}
			if err := mrtdump.DecodeBGPMessage(b[:n], true, false, &m); err != nil {
				t.Fatalf("%s: UPDATE %d: %v", name, updates, err)
			}
			if len(m.Attrs.Warnings) > 0 {
				t.Fatalf("%s: UPDATE %d: %v", name, updates, m.Attrs.Warnings)
			}
			ps := append([]mrtdump.Prefix(nil), m.NLRI...)
			if r := m.Attrs.ReachFor(mrtdump.AFIIPv6, 1); r != nil {
				if r.NextHopLen != 16 && r.NextHopLen != 32 {
					t.Fatalf("%s: IPv6 next hop of %d bytes", name, r.NextHopLen)
				}
				ps = append(ps, r.Prefixes...)
			}
			if len(ps) == 0 {
				t.Fatalf("%s: UPDATE %d announces nothing", name, updates)
			}
			for _, p := range ps {
				if seen[p] {
					t.Fatalf("%s: %s announced twice", name, p)
				}
				seen[p] = true
			}
			b = b[n:]
		}
		if updates != f.NumUpdates || len(seen) != f.NumPrefixes {
			t.Fatalf("%s: decoded %d UPDATEs, %d prefixes; feed says %d, %d", name, updates, len(seen), f.NumUpdates, f.NumPrefixes)
		}
		return seen
	}
	total, v6 := 0, 0
	all := map[mrtdump.Prefix]bool{}
	for _, f := range tab.Peers {
		for p := range check(f.Peer.String(), f) {
			all[p] = true
		}
		total += f.NumPrefixes
		v6 += f.NumV6
		t.Logf("peer %s AS%d: %d prefixes (%d IPv6) in %d UPDATEs, %d bytes", f.Peer, f.AS, f.NumPrefixes, f.NumV6, f.NumUpdates, len(f.Updates))
	}
	full := check("full", tab.Full)
	t.Logf("full feed (AS%d): %d prefixes (%d IPv6) in %d UPDATEs, %d bytes", tab.Full.AS, tab.Full.NumPrefixes, tab.Full.NumV6, tab.Full.NumUpdates, len(tab.Full.Updates))
	if len(full) != len(all) {
		t.Errorf("full feed has %d prefixes, the dump %d", len(full), len(all))
	}
	if total != 503590 || v6 == 0 {
		t.Errorf("%d routes (%d IPv6), want 503590 as routestat replay counts", total, v6)
	}
}
