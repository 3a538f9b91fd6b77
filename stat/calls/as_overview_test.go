package calls

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/routestat/routestat/internal/bgpdumpref"
	"github.com/routestat/routestat/stat/asnames"
)

// psNames writes a small AS-names file naming ases and loads it.
func psNames(t *testing.T, ases ...uint32) *asnames.Names {
	t.Helper()
	text := "# test names\n"
	for _, as := range ases {
		text += fmt.Sprintf("AS%d TEST-%d Test Network %d, NL\r\n", as, as, as)
	}
	path := filepath.Join(t.TempDir(), "asnames.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := asnames.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestASOverviewJinx compares as-overview on jinx with the reference: an
// AS is announced when at least min_peers_seeing (10) peers route one of
// its prefixes with it as origin (jinx has at most 5, so the test also
// asks with lower thresholds); the holder comes from the names file.
func TestASOverviewJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	ref := psRefOf(t, jinx...)
	top := ref.topOrigins(false)
	ases := []uint32{top[0], top[len(top)-1], ref.topOrigins(true)[0], 3333, 64496, 4200000000}
	// a transit-only AS: an upstream that originates nothing
	origins := map[uint32]bool{}
	for _, rs := range ref.routes {
		for _, r := range rs {
			origins[psOrigin(r)] = true
		}
	}
	for _, rs := range ref.routes {
		if ps := psPairs(rs[0]); len(ps) > 0 && !origins[ps[0][0]] {
			ases = append(ases, ps[0][0])
			break
		}
	}
	// the AS whose best prefix most peers route: announced
	best, bestPeers := uint32(0), 0
	for _, rs := range ref.routes {
		for _, o := range psMainOrigins(rs) {
			if n := ref.originPeersOf(o, rs); n > bestPeers || n == bestPeers && o < best {
				best, bestPeers = o, n
			}
		}
	}
	ases = append(ases, best)
	names := psNames(t, top[0], 3333)
	ts := testServer(t, ix, names)
	latest := psFormat(ix.Latest())
	for i := range len(ases) * 3 {
		as, minPeers := ases[i/3], []int{10, bestPeers, 1}[i%3]
		announced := false
		for _, n := range ref.originPeers(as) {
			announced = announced || n >= minPeers
		}
		var holder *string
		if h := names.Name(as); h != "" {
			holder = &h
		}
		want := asOverviewData{Type: "as", Resource: fmt.Sprint(as), Block: asBlock(as), Holder: holder, Announced: announced,
			QueryStarttime: latest, QueryEndtime: latest}
		var got asOverviewData
		query := fmt.Sprintf("resource=AS%d", as)
		if minPeers != 10 {
			query += fmt.Sprintf("&min_peers_seeing=%d", minPeers)
		}
		if env := get(t, ts, "as-overview", query, &got); env.StatusCode != http.StatusOK {
			t.Fatalf("AS%d: %d %v", as, env.StatusCode, env.Messages)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s:\n got %s\nwant %s", query, g, w)
		}
	}
}

// TestASBlock checks the IANA ranges.
func TestASBlock(t *testing.T) {
	tests := []struct {
		as                   uint32
		resource, name, desc string
	}{
		{0, "0", "16", "Reserved"},
		{3333, "1-23455", "16", ""},
		{23456, "23456", "16", "AS_TRANS"},
		{64500, "64496-64511", "16", "Reserved for use in documentation and sample code"},
		{65000, "64512-65534", "16", "Reserved for Private Use"},
		{65535, "65535", "16", "Reserved"},
		{65536, "65536-65551", "32", "Reserved for use in documentation and sample code"},
		{196608, "131072-4199999999", "32", ""},
		{4200000000, "4200000000-4294967294", "32", "Reserved for Private Use"},
		{4294967295, "4294967295", "32", "Reserved"},
	}
	for _, tc := range tests {
		b := asBlock(tc.as)
		name := "IANA " + tc.name + "-bit Autonomous System (AS) Numbers Registry"
		if b.Resource != tc.resource || b.Name != name || b.Desc != tc.desc {
			t.Errorf("AS%d: %+v", tc.as, b)
		}
	}
}

// originPeersOf counts the peers whose route among rs has origin as.
func (s *psRef) originPeersOf(as uint32, rs []bgpdumpref.Line) int {
	peers := map[netip.Addr]bool{}
	for _, r := range rs {
		if psOrigin(r) == as {
			peers[r.Peer] = true
		}
	}
	return len(peers)
}
