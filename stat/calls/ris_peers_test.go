package calls

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
	"github.com/routestat/routestat/stat/ingest"
)

// updatePeerGolden rewrites the golden files of the peer and visibility
// calls: go test ./stat/calls/ -run Golden -update-peer.
var updatePeerGolden = flag.Bool("update-peer", false, "rewrite testdata/golden of the peer and visibility calls")

// Full-feed thresholds of the store that feedStore builds: jinx's peers
// have IPv4 tables of 1, 3, 4, 5, 664, 1375, 1783, 2262 and ~497k routes
// and IPv6 tables of 1 to 70, far below the index's RIS-style defaults
// (800,000 and 150,000), under which no jinx peer is a full-feed peer.
const (
	testFullFeedV4 = 1000
	testFullFeedV6 = 15
)

// feedStore returns an index of the jinx data set built with the test
// full-feed thresholds (testFullFeedV4, testFullFeedV6), once per test
// binary; TestMain closes and removes it with the other stores.
func feedStore(t testing.TB) *index.Index {
	t.Helper()
	key := "full-feed thresholds\n" + strings.Join(jinx, "\n")
	stores.Lock()
	defer stores.Unlock()
	if ix := stores.by[key]; ix != nil {
		return ix
	}
	var paths []string
	for _, f := range jinx {
		paths = append(paths, sharedtest.MRT(t, f))
	}
	dir, err := os.MkdirTemp("", "routestat-calls-feed-")
	if err != nil {
		t.Fatal(err)
	}
	stores.dirs = append(stores.dirs, dir)
	ix, err := index.Open(filepath.Join(dir, "data"), index.Options{GCInterval: -1, FullFeedV4: testFullFeedV4, FullFeedV6: testFullFeedV6})
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := (&ingest.Finder{}).Find(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(context.Background(), ix, srcs, ingest.Options{Log: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	if stores.by == nil {
		stores.by = map[string]*index.Index{}
	}
	stores.by[key] = ix
	return ix
}

// peerRef is what the bgpdump -m lines of a data set say, replayed up to
// a time: the routes left, when each got its attributes, the peers' table
// sizes, and when each prefix was first and last seen. It is computed
// from the reference lines only.
type peerRef struct {
	// latest is the time of the last line that changes routes.
	latest time.Time
	// routes are the routes left, by prefix, sorted by peer and path id.
	routes map[netip.Prefix][]bgpdumpref.Line
	// since is when each route got its attributes.
	since map[bgpdumpref.Key]time.Time
	// peers are the peers with routes, by address.
	peers map[netip.Addr]*refPeer
	// first is when each prefix first had a route; gone, for a prefix
	// that had and lost all its routes, when it last lost them.
	first, gone map[netip.Prefix]time.Time
	// originFirst and originGone are the same for origin ASes: when some
	// route first had the AS as its origin, when the last such route went.
	originFirst, originGone map[uint32]time.Time
	// changed is when the latest of each prefix's routes got its
	// attributes; byOrigin the prefixes of each origin AS at the end.
	changed  map[netip.Prefix]time.Time
	byOrigin map[uint32][]netip.Prefix
}

// refPeer is a peer's table at the end of a peerRef.
type refPeer struct {
	as     uint32
	v4, v6 int
}

var peerRefs struct {
	sync.Mutex
	by map[string]*peerRef
}

// peerRefOf replays the reference lines of files up to until (all of them
// when zero), once per test binary.
func peerRefOf(t testing.TB, until time.Time, files ...string) *peerRef {
	t.Helper()
	key := until.String() + "\n" + strings.Join(files, "\n")
	peerRefs.Lock()
	defer peerRefs.Unlock()
	if r := peerRefs.by[key]; r != nil {
		return r
	}
	r := &peerRef{routes: map[netip.Prefix][]bgpdumpref.Line{}, since: map[bgpdumpref.Key]time.Time{},
		peers: map[netip.Addr]*refPeer{}, first: map[netip.Prefix]time.Time{}, gone: map[netip.Prefix]time.Time{},
		originFirst: map[uint32]time.Time{}, originGone: map[uint32]time.Time{},
		changed: map[netip.Prefix]time.Time{}, byOrigin: map[uint32][]netip.Prefix{}}
	cur := map[bgpdumpref.Key]bgpdumpref.Line{}
	perPrefix := map[netip.Prefix]int{}
	perOrigin := map[uint32]int{}
	add := func(l bgpdumpref.Line) {
		if perPrefix[l.Prefix]++; perPrefix[l.Prefix] == 1 {
			if _, ok := r.first[l.Prefix]; !ok {
				r.first[l.Prefix] = l.Time
			}
		}
		if o := refOriginAS(l); o != 0 {
			if perOrigin[o]++; perOrigin[o] == 1 {
				if _, ok := r.originFirst[o]; !ok {
					r.originFirst[o] = l.Time
				}
			}
		}
	}
	remove := func(k bgpdumpref.Key, at time.Time) {
		old, ok := cur[k]
		if !ok {
			return
		}
		delete(cur, k)
		delete(r.since, k)
		if perPrefix[k.Prefix]--; perPrefix[k.Prefix] == 0 {
			r.gone[k.Prefix] = at
		}
		if o := refOriginAS(old); o != 0 {
			if perOrigin[o]--; perOrigin[o] == 0 {
				r.originGone[o] = at
			}
		}
	}
	for _, l := range refOf(t, files...) {
		if !until.IsZero() && l.Time.After(until) {
			break
		}
		k := bgpdumpref.Key{Peer: l.Peer, Prefix: l.Prefix, PathID: l.PathID}
		switch l.Kind {
		case "B", "A":
			old, had := cur[k]
			if had && l.Kind == "B" && sameAttrs(old, l) {
				continue // a RIB entry that changes nothing
			}
			r.since[k] = l.Time
			if had {
				remove(k, l.Time)
			}
			cur[k] = l
			r.since[k] = l.Time
			add(l)
		case "W":
			remove(k, l.Time)
		case "STATE":
			if l.OldState != 6 || l.NewState == 6 {
				continue
			}
			for k := range cur {
				if k.Peer == l.Peer {
					remove(k, l.Time)
				}
			}
		}
		r.latest = l.Time
	}
	for k, l := range cur {
		r.routes[k.Prefix] = append(r.routes[k.Prefix], l)
		p := r.peers[k.Peer]
		if p == nil {
			p = &refPeer{as: l.PeerAS}
			r.peers[k.Peer] = p
		}
		if k.Prefix.Addr().Is4() {
			p.v4++
		} else {
			p.v6++
		}
	}
	for p, ls := range r.routes {
		slices.SortFunc(ls, func(a, b bgpdumpref.Line) int {
			if c := a.Peer.Compare(b.Peer); c != 0 {
				return c
			}
			return int(a.PathID) - int(b.PathID)
		})
		origins := map[uint32]bool{}
		for _, l := range ls {
			if s := r.since[bgpdumpref.Key{Peer: l.Peer, Prefix: l.Prefix, PathID: l.PathID}]; s.After(r.changed[p]) {
				r.changed[p] = s
			}
			if o := refOriginAS(l); o != 0 && !origins[o] {
				origins[o] = true
				r.byOrigin[o] = append(r.byOrigin[o], p)
			}
		}
	}
	for _, ps := range r.byOrigin {
		slices.SortFunc(ps, netip.Prefix.Compare)
	}
	if peerRefs.by == nil {
		peerRefs.by = map[string]*peerRef{}
	}
	peerRefs.by[key] = r
	return r
}

// sameAttrs reports whether two reference lines carry the same
// attributes as bgpdump prints them.
func sameAttrs(a, b bgpdumpref.Line) bool {
	return a.ASPath == b.ASPath && a.Origin == b.Origin && a.NextHop == b.NextHop && a.LocalPref == b.LocalPref &&
		a.MED == b.MED && a.Community == b.Community && a.AtomicAggregate == b.AtomicAggregate && a.Aggregator == b.Aggregator
}

// refOriginAS is the origin AS of a reference route as routestat defines
// it: the last AS of the path when it ends in a sequence or in a set of
// one AS, else 0.
func refOriginAS(l bgpdumpref.Line) uint32 {
	f := strings.Fields(l.ASPath)
	if len(f) == 0 {
		return 0
	}
	last := f[len(f)-1]
	if strings.HasPrefix(last, "{") {
		last = strings.Trim(last, "{}")
		if strings.Contains(last, ",") {
			return 0
		}
	}
	as, err := strconv.ParseUint(last, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(as)
}

// busiestPrefixes returns up to n prefixes of the reference, of the
// family asked, that have routes at the end, the most routed first (ties
// by prefix), and then up to n of those that changed most.
func (r *peerRef) busiestPrefixes(v4 bool, n int) []netip.Prefix {
	var ps []netip.Prefix
	for p := range r.routes {
		if p.Addr().Is4() == v4 {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := len(r.routes[b]) - len(r.routes[a]); c != 0 {
			return c
		}
		return a.Compare(b) // netip.Prefix.Compare: family, address, length
	})
	out := ps[:min(n, len(ps))]
	// the prefixes whose routes changed latest: not from the RIB
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		ta, tb := r.changed[a], r.changed[b]
		if c := tb.Compare(ta); c != 0 {
			return c
		}
		return a.Compare(b)
	})
	for _, p := range ps[:min(n, len(ps))] {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// risPeersTest is ris-peers's data as a client decodes it.
type risPeersTest struct {
	Peers map[string][]struct {
		ASN           string `json:"asn"`
		IP            string `json:"ip"`
		V4PrefixCount int    `json:"v4_prefix_count"`
		V6PrefixCount int    `json:"v6_prefix_count"`
	} `json:"peers"`
	LatestTime   string         `json:"latest_time"`
	EarliestTime string         `json:"earliest_time"`
	QueryTime    string         `json:"query_time"`
	Parameters   map[string]any `json:"parameters"`
}

// TestRISPeers compares every collector's peers and table sizes with the
// reference replayed to the end: jinx (RIB and updates), rrc06 (session
// state changes) and the ADD-PATH RIBs (each path counts), by default and
// with a query_time after the data. Past times are not compared: the
// index keeps table sizes as samples (see docs/calls/ris-peers.md).
func TestRISPeers(t *testing.T) {
	after := time.Date(2014, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		ix    func(testing.TB) *index.Index
		files []string
		coll  string
		at    time.Time // zero: latest
	}{
		{"jinx latest", feedStore, jinx, "route-views.jinx", time.Time{}},
		{"jinx after", feedStore, jinx, "route-views.jinx", after},
		{"rrc06 latest", func(t testing.TB) *index.Index { return storeOf(t, rrc06...) }, rrc06, "rrc06", time.Time{}},
		{"addPath latest", func(t testing.TB) *index.Index { return storeOf(t, addPath...) }, addPath, "rrc00", time.Time{}},
		{"addPath after", func(t testing.TB) *index.Index { return storeOf(t, addPath...) }, addPath, "rrc00", time.Now().UTC()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := tc.ix(t)
			ref := peerRefOf(t, time.Time{}, tc.files...)
			ts := testServer(t, ix, nil)
			query := ""
			wantAt := ref.latest
			if !tc.at.IsZero() {
				query = "query_time=" + strconv.FormatInt(tc.at.Unix(), 10)
				wantAt = tc.at
			}
			var got risPeersTest
			env := get(t, ts, "ris-peers", query, &got)
			if env.StatusCode != 200 || env.Version != "1.0" {
				t.Fatalf("status %d version %q: %v", env.StatusCode, env.Version, env.Messages)
			}
			if got.QueryTime != api.FormatTime(wantAt) || got.Parameters["query_time"] != got.QueryTime {
				t.Errorf("query_time %q, parameters %v, want %s", got.QueryTime, got.Parameters, api.FormatTime(wantAt))
			}
			if got.LatestTime != api.FormatTime(ref.latest) {
				t.Errorf("latest_time %q, want %s", got.LatestTime, api.FormatTime(ref.latest))
			}
			if len(got.Peers) != 1 {
				t.Fatalf("collectors %v, want only %s", slices.Collect(func(yield func(string) bool) {
					for k := range got.Peers {
						if !yield(k) {
							return
						}
					}
				}), tc.coll)
			}
			type row struct {
				asn, ip string
				v4, v6  int
			}
			var want, have []row
			for a, p := range ref.peers {
				want = append(want, row{strconv.FormatUint(uint64(p.as), 10), a.String(), p.v4, p.v6})
			}
			for _, p := range got.Peers[tc.coll] {
				have = append(have, row{p.ASN, p.IP, p.V4PrefixCount, p.V6PrefixCount})
			}
			byIP := func(a, b row) int {
				return netip.MustParseAddr(a.ip).Compare(netip.MustParseAddr(b.ip))
			}
			slices.SortFunc(want, byIP)
			if !slices.IsSortedFunc(have, byIP) {
				t.Errorf("peers not sorted by address: %v", have)
			}
			if !reflect.DeepEqual(have, want) {
				t.Errorf("peers:\n got %v\nwant %v", have, want)
			}
		})
	}
}

// TestRISPeersBadInput checks that hostile parameters are 400s naming the
// parameter, and that times outside the data answer empty.
func TestRISPeersBadInput(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	peerBadParams(t, ts, "ris-peers", []peerBadCase{
		{"query_time=yesterday", "query_time"},
		{"query_time=" + strings.Repeat("9", 10000), "query_time"},
		{"query_time=%ff%fe", "query_time"},
		{"query_time=1800-01-01", "query_time"},
	})
	var got risPeersTest
	if env := get(t, ts, "ris-peers", "query_time=2000-01-01", &got); env.StatusCode != 200 || len(got.Peers) != 0 {
		t.Errorf("before the data: status %d, peers %v", env.StatusCode, got.Peers)
	}
}

// peerBadCase is a hostile query and the parameter its 400 must name.
type peerBadCase struct {
	query, param string
}

// peerBadParams asks call each query and expects a 400 whose error message
// names the parameter.
func peerBadParams(t *testing.T, ts *httptest.Server, call string, cases []peerBadCase) {
	t.Helper()
	for _, c := range cases {
		env := get(t, ts, call, c.query, nil)
		if env.StatusCode != http.StatusBadRequest || env.Status != "error" {
			t.Errorf("%s?%.80s: status %d %q, want 400", call, c.query, env.StatusCode, env.Status)
			continue
		}
		named := false
		for _, m := range env.Messages {
			if len(m) == 2 && m[0] == "error" && strings.Contains(m[1], c.param) {
				named = true
			}
		}
		if !named {
			t.Errorf("%s?%.80s: messages %v do not name %s", call, c.query, env.Messages, c.param)
		}
	}
}

// peerGoldenVolatile matches the envelope fields that change between runs;
// checkPeerGolden writes strings as "-" and numbers as 0.
var peerGoldenVolatile = regexp.MustCompile(`(?m)^  "(time|query_id|process_time|server_id|build_version)": ("[^"]*"|\d+)`)

// checkPeerGolden compares the whole response of call?query (envelope
// and data, volatile fields normalised, indented) with
// testdata/golden/<name>.json, or rewrites it with -update-peer.
func checkPeerGolden(t *testing.T, ts *httptest.Server, name, call, query string) {
	t.Helper()
	resp, err := http.Get(ts.URL + "/data/" + call + "/data.json?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	got := peerGoldenVolatile.ReplaceAllFunc(buf.Bytes(), func(m []byte) []byte {
		if m[len(m)-1] == '"' {
			return append(bytes.TrimRight(m[:bytes.IndexByte(m, ':')+1], ":"), `: "-"`...)
		}
		return append(bytes.TrimRight(m[:bytes.IndexByte(m, ':')+1], ":"), `: 0`...)
	})
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *updatePeerGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-peer)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s?%s differs from %s:\n%s", call, query, path, got)
	}
}

// TestRISPeersGolden checks the envelope and field types on rrc06.
func TestRISPeersGolden(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	checkPeerGolden(t, ts, "ris-peers", "ris-peers", "")
}
