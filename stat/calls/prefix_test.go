package calls

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
)

// updatePrefixGolden rewrites the golden files of the prefix and AS status
// calls: go test ./stat/calls/ -run Golden -update-prefix.
var updatePrefixGolden = flag.Bool("update-prefix", false, "rewrite testdata/golden for the prefix and AS status calls")

// psRef is the reference state of a data set after all its bgpdump -m
// lines: the routes of every prefix, and what the lines say about each
// prefix's history. It is computed from the reference lines only.
type psRef struct {
	lines []bgpdumpref.Line
	// end is the time of the last line.
	end time.Time
	// routes holds the routes left at end, by prefix.
	routes map[netip.Prefix][]bgpdumpref.Line
	// first is the first line announcing each prefix.
	first map[netip.Prefix]bgpdumpref.Line
	// gone is, for a prefix without routes at end, when its last route
	// went and that route's line.
	gone map[netip.Prefix]psGone
}

// psGone is when a prefix's last route went.
type psGone struct {
	t     time.Time
	route bgpdumpref.Line
}

// psRefs holds the reference states built in this test binary, by data set.
var psRefs struct {
	sync.Mutex
	by map[string]*psRef
}

// psRefOf replays the reference lines of files once per test binary.
func psRefOf(t testing.TB, files ...string) *psRef {
	t.Helper()
	key := strings.Join(files, "\n")
	psRefs.Lock()
	defer psRefs.Unlock()
	if s := psRefs.by[key]; s != nil {
		return s
	}
	s := &psRef{lines: refOf(t, files...), routes: map[netip.Prefix][]bgpdumpref.Line{},
		first: map[netip.Prefix]bgpdumpref.Line{}, gone: map[netip.Prefix]psGone{}}
	// replayed as bgpdumpref.Model does, kept by prefix
	byPeer := map[netip.Addr]map[bgpdumpref.Key]bool{}
	remove := func(k bgpdumpref.Key, at time.Time) {
		rs := s.routes[k.Prefix]
		i := slices.IndexFunc(rs, func(r bgpdumpref.Line) bool { return r.Peer == k.Peer && r.PathID == k.PathID })
		if i < 0 {
			return
		}
		if len(rs) == 1 {
			s.gone[k.Prefix] = psGone{at, rs[i]}
			delete(s.routes, k.Prefix)
		} else {
			s.routes[k.Prefix] = slices.Delete(rs, i, i+1)
		}
		delete(byPeer[k.Peer], k)
	}
	for _, l := range s.lines {
		s.end = l.Time
		k := bgpdumpref.Key{Peer: l.Peer, Prefix: l.Prefix, PathID: l.PathID}
		switch l.Kind {
		case "B", "A":
			if _, ok := s.first[l.Prefix]; !ok {
				s.first[l.Prefix] = l
			}
			remove(k, l.Time)
			s.routes[l.Prefix] = append(s.routes[l.Prefix], l)
			delete(s.gone, l.Prefix)
			if byPeer[l.Peer] == nil {
				byPeer[l.Peer] = map[bgpdumpref.Key]bool{}
			}
			byPeer[l.Peer][k] = true
		case "W":
			remove(k, l.Time)
		case "STATE":
			if l.OldState == 6 && l.NewState != 6 {
				for k := range byPeer[l.Peer] {
					remove(k, l.Time)
				}
			}
		}
	}
	if psRefs.by == nil {
		psRefs.by = map[string]*psRef{}
	}
	psRefs.by[key] = s
	return s
}

// psOrigin is the origin AS of a reference route as routestat defines it:
// the last AS of the path when it ends in a sequence or in a set of one
// AS, else 0.
func psOrigin(l bgpdumpref.Line) uint32 {
	f := strings.Fields(l.ASPath)
	if len(f) == 0 {
		return 0
	}
	last := strings.Trim(f[len(f)-1], "{}")
	if strings.Contains(last, ",") {
		return 0
	}
	n, _ := strconv.ParseUint(last, 10, 32)
	return uint32(n)
}

// psPairs returns the adjacencies of a reference route's path: distinct
// consecutive ASes of sequences, an AS_SET breaking the chain.
func psPairs(l bgpdumpref.Line) [][2]uint32 {
	var out [][2]uint32
	var prev uint32
	have := false
	for _, f := range strings.Fields(l.ASPath) {
		if strings.HasPrefix(f, "{") {
			have = false
			continue
		}
		n, _ := strconv.ParseUint(f, 10, 32)
		as := uint32(n)
		if have && as != prev {
			out = append(out, [2]uint32{prev, as})
		}
		prev, have = as, true
	}
	return out
}

// psPeers counts the distinct peers of routes.
func psPeers(routes []bgpdumpref.Line) int {
	peers := map[netip.Addr]bool{}
	for _, r := range routes {
		peers[r.Peer] = true
	}
	return len(peers)
}

// psMainOrigins returns the origins of routes by decreasing number of
// peers, then AS.
func psMainOrigins(routes []bgpdumpref.Line) []uint32 {
	peers := map[uint32]map[netip.Addr]bool{}
	for _, r := range routes {
		o := psOrigin(r)
		if peers[o] == nil {
			peers[o] = map[netip.Addr]bool{}
		}
		peers[o][r.Peer] = true
	}
	var out []uint32
	for o := range peers {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b uint32) int { return cmp.Or(cmp.Compare(len(peers[b]), len(peers[a])), cmp.Compare(a, b)) })
	return out
}

// originPeers returns, per prefix, the peers whose route at end has
// origin as.
func (s *psRef) originPeers(as uint32) map[netip.Prefix]int {
	out := map[netip.Prefix]int{}
	for p, rs := range s.routes {
		peers := map[netip.Addr]bool{}
		for _, r := range rs {
			if psOrigin(r) == as {
				peers[r.Peer] = true
			}
		}
		if len(peers) > 0 {
			out[p] = len(peers)
		}
	}
	return out
}

// topOrigins returns the origin ASes of the B and A lines by decreasing
// number of distinct prefixes (IPv6 prefixes only when v6).
func (s *psRef) topOrigins(v6 bool) []uint32 {
	pfx := map[uint32]map[netip.Prefix]bool{}
	for _, l := range s.lines {
		if (l.Kind != "B" && l.Kind != "A") || l.Prefix.Addr().Is6() != v6 {
			continue
		}
		o := psOrigin(l)
		if pfx[o] == nil {
			pfx[o] = map[netip.Prefix]bool{}
		}
		pfx[o][l.Prefix] = true
	}
	var out []uint32
	for o := range pfx {
		if o != 0 {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b uint32) int { return cmp.Or(cmp.Compare(len(pfx[b]), len(pfx[a])), cmp.Compare(a, b)) })
	return out
}

// psKeyOrder orders prefixes as the index's keys do: IPv4 first, then by
// address, then by length.
func psKeyOrder(a, b netip.Prefix) int {
	return cmp.Or(cmp.Compare(a.Addr().BitLen(), b.Addr().BitLen()), a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
}

// psVolatile matches the envelope fields that change from run to run.
var psVolatile = regexp.MustCompile(`"(query_id|server_id|build_version)": ?"[^"]*"|"process_time": ?\d+|"time": ?"[^"]*"\}\s*$`)

// psGolden asks ts for call?query and compares the whole envelope,
// psVolatile fields normalised, with testdata/golden/<call>.json (rewritten
// with -update-prefix).
func psGolden(t *testing.T, ts *httptest.Server, call, query string) {
	t.Helper()
	resp, err := http.Get(ts.URL + "/data/" + call + "/data.json?" + query)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	norm := psVolatile.ReplaceAllFunc(body, func(b []byte) []byte {
		switch {
		case bytes.HasPrefix(b, []byte(`"process_time"`)):
			return []byte(`"process_time": 0`)
		case bytes.HasPrefix(b, []byte(`"time"`)):
			return []byte(`"time": "normalised"}`)
		}
		k, _, _ := bytes.Cut(b, []byte(":"))
		return append(slices.Clone(k), []byte(`: "normalised"`)...)
	})
	var out bytes.Buffer
	if err := json.Indent(&out, norm, "", "  "); err != nil {
		t.Fatalf("%s: %v\n%s", call, err, norm)
	}
	out.WriteByte('\n')
	path := filepath.Join("testdata", "golden", call+".json")
	if *updatePrefixGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-prefix)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("%s?%s differs from %s:\n%s", call, query, path, out.Bytes())
	}
}

// psBadInputs are hostile values every call refuses with a 400 naming the
// parameter, or answers (never a 500).
var psBadInputs = []string{
	"AS4294967296", "0.0.0.0/0", "::/0", "2001:db8::/129", "1.2.3.4/33", "\xff\xfe", "%ff%fe",
	strings.Repeat("x", 10000), "-1", "AS-1", "1.2.3.4.5", "2014-05-31T00:00;DROP", "",
}

// TestPrefixCallsGolden compares each call's whole envelope on rrc06
// with testdata/golden/<call>.json.
func TestPrefixCallsGolden(t *testing.T) {
	ix := storeOf(t, rrc06...)
	ref := psRefOf(t, rrc06...)
	top := ref.topOrigins(false)[0]
	var pfx []netip.Prefix
	for p, n := range ref.originPeers(top) {
		if n > 0 {
			pfx = append(pfx, p)
		}
	}
	slices.SortFunc(pfx, psKeyOrder)
	ts := testServer(t, ix, psNames(t, top))
	for _, c := range []struct{ call, query string }{
		{"announced-prefixes", fmt.Sprintf("resource=AS%d&min_peers_seeing=1", top)},
		{"ris-prefixes", fmt.Sprintf("resource=AS%d&list_prefixes=true", top)},
		{"routing-status", fmt.Sprintf("resource=%s&min_peers_seeing=1", pfx[0])},
		{"prefix-overview", fmt.Sprintf("resource=%s&min_peers_seeing=1", pfx[0])},
		{"as-overview", fmt.Sprintf("resource=AS%d", top)},
		{"searchcomplete", fmt.Sprintf("resource=AS%d", top)},
	} {
		psGolden(t, ts, c.call, c.query)
	}
}

// TestPrefixCallsBadInput sends hostile values to every parameter of
// the group's calls: each answer is a 200 or a 400 naming the parameter,
// and the values listed are refused.
func TestPrefixCallsBadInput(t *testing.T) {
	ix := storeOf(t, rrc06...)
	ts := testServer(t, ix, nil)
	params := map[string][]string{
		"announced-prefixes": {"resource", "starttime", "endtime", "min_peers_seeing"},
		"ris-prefixes":       {"resource", "query_time", "list_prefixes", "types", "af", "noise"},
		"routing-status":     {"resource", "timestamp", "min_peers_seeing"},
		"prefix-overview":    {"resource", "query_time", "min_peers_seeing", "max_related"},
		"as-overview":        {"resource"},
		"searchcomplete":     {"resource", "limit"},
	}
	base := map[string]string{
		"announced-prefixes": "resource=AS3333", "ris-prefixes": "resource=AS3333", "routing-status": "resource=AS3333",
		"prefix-overview": "resource=193.0.0.0/21", "as-overview": "resource=AS3333", "searchcomplete": "resource=ripe",
	}
	for call, names := range params {
		for _, name := range names {
			for _, v := range psBadInputs {
				query := base[call] + "&" + name + "=" + url.QueryEscape(v)
				if name == "resource" {
					query = "resource=" + url.QueryEscape(v)
				}
				env := get(t, ts, call, query, nil)
				switch {
				case env.StatusCode == http.StatusOK:
				case env.StatusCode == http.StatusBadRequest && len(env.Messages) > 0 && strings.Contains(env.Messages[0][1], "'"+name+"'"):
				default:
					t.Errorf("%s?%.80s: %d %v", call, query, env.StatusCode, env.Messages)
				}
			}
		}
	}
	refused := []struct{ call, query, param string }{
		{"announced-prefixes", "resource=AS4294967296", "resource"},
		{"announced-prefixes", "resource=0.0.0.0/0", "resource"},
		{"announced-prefixes", "resource=AS3333&starttime=2014-05-31&endtime=2014-05-30", "starttime"},
		{"announced-prefixes", "resource=AS3333&starttime=2014-06-30", "starttime"},
		{"announced-prefixes", "resource=AS3333&min_peers_seeing=-1", "min_peers_seeing"},
		{"announced-prefixes", "resource=" + strings.Repeat("1", 10000), "resource"},
		{"announced-prefixes", "", "resource"},
		{"ris-prefixes", "resource=AS3333&types=o,x", "types"},
		{"ris-prefixes", "resource=AS3333&af=v5", "af"},
		{"ris-prefixes", "resource=AS3333&noise=loud", "noise"},
		{"ris-prefixes", "resource=AS3333&query_time=yesterday", "query_time"},
		{"ris-prefixes", "resource=193.0.0.0/21", "resource"},
		{"routing-status", "resource=%ff%fe", "resource"},
		{"routing-status", "resource=AS3333&timestamp=2014-05-31T25:00", "timestamp"},
		{"routing-status", "resource=AS3333&min_peers_seeing=1e9", "min_peers_seeing"},
		{"prefix-overview", "resource=AS3333", "resource"},
		{"prefix-overview", "resource=193.0.0.0/21&max_related=-1", "max_related"},
		{"as-overview", "resource=193.0.0.0/21", "resource"},
		{"as-overview", "resource=AS4294967296", "resource"},
		{"searchcomplete", "resource=" + strings.Repeat("x", 10000), "resource"},
		{"searchcomplete", "resource=%ff%fe", "resource"},
		{"searchcomplete", "resource=ripe&limit=0", "limit"},
	}
	for _, r := range refused {
		env := get(t, ts, r.call, r.query, nil)
		if env.StatusCode != http.StatusBadRequest || len(env.Messages) == 0 || !strings.Contains(env.Messages[0][1], "'"+r.param+"'") {
			t.Errorf("%s?%.80s: %d %v, want 400 naming %s", r.call, r.query, env.StatusCode, env.Messages, r.param)
		}
	}
	// answers (not errors) for the widest resources and windows; their
	// cost is in BenchmarkPrefixCallsWidest
	for _, q := range []struct{ call, query string }{
		{"routing-status", "resource=0.0.0.0/0"},
		{"routing-status", "resource=::/0&min_peers_seeing=0"},
		{"prefix-overview", "resource=0.0.0.0/0&max_related=10000&min_peers_seeing=0"},
		{"announced-prefixes", "resource=AS3333&starttime=1970-01-01&endtime=9999-12-31"},
		{"searchcomplete", "resource=0.0.0.0/0"},
	} {
		if env := get(t, ts, q.call, q.query, nil); env.StatusCode != http.StatusOK {
			t.Errorf("%s?%s: %d %v", q.call, q.query, env.StatusCode, env.Messages)
		}
	}
}
