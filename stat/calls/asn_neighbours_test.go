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
	"github.com/routestat/routestat/stat/index"
)

// updateTopologyGolden rewrites the golden files of the topology calls.
var updateTopologyGolden = flag.Bool("update-topology", false, "rewrite testdata/golden of the AS topology calls")

// topoJinxCollector is the collector the jinx files are ingested as.
const topoJinxCollector = "route-views.jinx"

// Times of the jinx data: the RIB, a moment inside the updates, and the
// end of the updates file.
var (
	topoRIB    = time.Date(2014, 5, 30, 22, 0, 0, 0, time.UTC)
	topoMid    = time.Date(2014, 5, 30, 23, 50, 0, 0, time.UTC)
	topoBefore = time.Date(2014, 5, 30, 21, 0, 0, 0, time.UTC)
)

// topoRef caches the jinx reference lines for this test binary.
var topoRef struct {
	sync.Mutex
	lines []bgpdumpref.Line
}

// topoLines returns the bgpdump reference lines of jinx (RIB and updates).
func topoLines(t *testing.T) []bgpdumpref.Line {
	t.Helper()
	topoRef.Lock()
	defer topoRef.Unlock()
	if topoRef.lines == nil {
		topoRef.lines = refOf(t, jinx...)
	}
	return topoRef.lines
}

// topoModelAt replays the jinx reference up to and including at.
func topoModelAt(t *testing.T, at time.Time) *bgpdumpref.Model {
	t.Helper()
	m := bgpdumpref.NewModel()
	m.ApplyUntil(topoLines(t), at)
	return m
}

// topoTokens splits a bgpdump AS path into its tokens: AS numbers, and
// AS_SETs kept whole ("{1,2}").
func topoTokens(path string) []string { return strings.Fields(path) }

// topoIsSet tells an AS_SET token.
func topoIsSet(tok string) bool { return strings.HasPrefix(tok, "{") }

// refNeighbour is what the reference finds about one neighbour on one
// side.
type refNeighbour struct {
	certain bool
	paths   map[string]map[[2]string]bool // path -> (family, peer)
	v4, v6  int
	peers   [2]map[string]bool
}

// refNeighboursOf computes the neighbours of as from the routes of m,
// with bgpdump's path strings: prepending collapsed, an AS_SET breaking
// adjacency, a left neighbour "uncertain" when it is always the first AS
// and the route's peer.
func refNeighboursOf(m *bgpdumpref.Model, as uint32) map[nbKey]*refNeighbour {
	out := map[nbKey]*refNeighbour{}
	me := strconv.FormatUint(uint64(as), 10)
	for _, l := range m.Routes {
		toks := topoTokens(l.ASPath)
		var col []string
		for _, tok := range toks {
			if len(col) == 0 || col[len(col)-1] != tok || topoIsSet(tok) {
				col = append(col, tok)
			}
		}
		type occ struct {
			k     nbKey
			first bool
		}
		var found []occ
		note := func(tok string, right, first bool) {
			if topoIsSet(tok) {
				return
			}
			n, _ := strconv.ParseUint(tok, 10, 32)
			k := nbKey{uint32(n), right}
			for i := range found {
				if found[i].k == k {
					found[i].first = found[i].first && first
					return
				}
			}
			found = append(found, occ{k, first})
		}
		for i, tok := range col {
			if tok != me {
				continue
			}
			if i > 0 {
				note(col[i-1], false, i == 1)
			}
			if i+1 < len(col) {
				note(col[i+1], true, false)
			}
		}
		fam := 0
		if l.Prefix.Addr().Is6() {
			fam = 1
		}
		for _, o := range found {
			r := out[o.k]
			if r == nil {
				r = &refNeighbour{paths: map[string]map[[2]string]bool{}, peers: [2]map[string]bool{{}, {}}}
				out[o.k] = r
			}
			if o.k.right || !o.first || o.k.as != l.PeerAS {
				r.certain = true
			}
			if fam == 0 {
				r.v4++
			} else {
				r.v6++
			}
			r.peers[fam][l.Peer.String()] = true
			if r.paths[l.ASPath] == nil {
				r.paths[l.ASPath] = map[[2]string]bool{}
			}
			r.paths[l.ASPath][[2]string{strconv.Itoa(fam), l.Peer.String()}] = true
		}
	}
	return out
}

// refType is the reference's type of a neighbour.
func refType(k nbKey, r *refNeighbour) string {
	if k.right {
		return "right"
	}
	if r.certain {
		return "left"
	}
	return "uncertain"
}

// refKeys orders the reference neighbours as the spec's answers do: by
// type, then AS number as text.
func refKeys(ref map[nbKey]*refNeighbour) []nbKey {
	keys := make([]nbKey, 0, len(ref))
	for k := range ref {
		keys = append(keys, k)
	}
	rank := map[string]int{"left": 0, "right": 1, "uncertain": 2}
	slices.SortFunc(keys, func(a, b nbKey) int {
		return cmp.Or(cmp.Compare(rank[refType(a, ref[a])], rank[refType(b, ref[b])]),
			strings.Compare(strconv.FormatUint(uint64(a.as), 10), strconv.FormatUint(uint64(b.as), 10)))
	})
	return keys
}

// refNeighboursV3 is the reference answer in layout 3.2.
func refNeighboursV3(ref map[nbKey]*refNeighbour) ([]asnNeighbourV3, neighbourCounts) {
	out := []asnNeighbourV3{}
	var c neighbourCounts
	unique := map[uint32]bool{}
	for _, k := range refKeys(ref) {
		r := ref[k]
		typ := refType(k, r)
		switch typ {
		case "left":
			c.Left++
		case "right":
			c.Right++
		default:
			c.Uncertain++
		}
		unique[k.as] = true
		out = append(out, asnNeighbourV3{ASN: k.as, Type: typ, Power: len(r.paths), V4Peers: r.v4, V6Peers: r.v6})
	}
	c.Unique = len(unique)
	return out, c
}

// refNeighboursV4 is the reference answer in layout 4.1 at lod=1.
func refNeighboursV4(ref map[nbKey]*refNeighbour) []asnNeighbourV4 {
	out := []asnNeighbourV4{}
	for _, k := range refKeys(ref) {
		r := ref[k]
		det := &neighbourDetails{PeerCount: familyCount{len(r.peers[0]), len(r.peers[1])}, PathCount: len(r.paths), Paths: []neighbourPath{}}
		for p, seen := range r.paths {
			np := neighbourPath{Path: p, Locations: pathLocations{V4: []pathLocation{}, V6: []pathLocation{}}}
			var n [2]int
			for fp := range seen {
				if fp[0] == "0" {
					n[0]++
				} else {
					n[1]++
				}
			}
			if n[0] > 0 {
				np.Locations.V4 = append(np.Locations.V4, pathLocation{topoJinxCollector, n[0]})
			}
			if n[1] > 0 {
				np.Locations.V6 = append(np.Locations.V6, pathLocation{topoJinxCollector, n[1]})
			}
			det.Paths = append(det.Paths, np)
		}
		slices.SortFunc(det.Paths, func(a, b neighbourPath) int { return strings.Compare(a.Path, b.Path) })
		out = append(out, asnNeighbourV4{ASN: k.as, Position: refType(k, r), Details: det})
	}
	return out
}

// topoASes are the jinx ASes the topology tests ask about: big transits,
// the full-feed peer itself (whose neighbours are all right), a left
// neighbour that is only the peer (uncertain), and stubs.
var topoASes = []uint32{3356, 174, 6939, 30844, 37105, 15169, 56203, 7545}

// TestASNNeighboursJinx compares asn-neighbours, in both layouts, with
// the neighbours computed from the bgpdump reference routes at the same
// time, for big transit ASes, a peer and stubs, at the RIB time, inside
// the updates and at the latest data.
func TestASNNeighboursJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	ts := testServer(t, ix, nil)
	latest := ix.Latest().Truncate(time.Second)
	for _, at := range []time.Time{topoRIB, topoMid, latest} {
		m := topoModelAt(t, at)
		for _, as := range topoASes {
			ref := refNeighboursOf(m, as)
			wantNbs, wantCounts := refNeighboursV3(ref)
			query := fmt.Sprintf("resource=AS%d", as)
			if !at.Equal(latest) {
				query += "&query_time=" + at.Format(time.RFC3339)
			}
			var got asnNeighboursData
			env := get(t, ts, "asn-neighbours", query, &got)
			if env.Status != "ok" || env.Version != "3.2" {
				t.Fatalf("%s: %s version %s %v", query, env.Status, env.Version, env.Messages)
			}
			if got.Resource != strconv.FormatUint(uint64(as), 10) || got.QueryStarttime != at.Format("2006-01-02T15:04:05") ||
				got.QueryEndtime != got.QueryStarttime || got.LatestTime != latest.Format("2006-01-02T15:04:05") {
				t.Errorf("%s: header %+v", query, got)
			}
			if got.NeighbourCounts != wantCounts {
				t.Errorf("%s: counts %+v, want %+v", query, got.NeighbourCounts, wantCounts)
			}
			if !reflect.DeepEqual(got.Neighbours, wantNbs) {
				t.Errorf("%s: %d neighbours differ from the reference's %d:\n%s", query, len(got.Neighbours), len(wantNbs), topoDiff(got.Neighbours, wantNbs))
			}
			if at.Equal(latest) {
				t.Logf("AS%d: %+v, took %d ms", as, wantCounts, env.ProcessTime)
			}
			if len(wantNbs) == 0 {
				t.Errorf("%s: the reference has no neighbours", query)
			}
			if as == 6939 && wantCounts.Uncertain == 0 {
				t.Errorf("%s: the reference has no uncertain neighbour; the test lost its point", query)
			}
			var v4 asnNeighboursDataV4
			env = get(t, ts, "asn-neighbours", query+"&preferred_version=4.1&lod=1", &v4)
			if env.Version != "4.1" || v4.Lod != 1 || v4.QueryTime != got.QueryStarttime {
				t.Fatalf("%s 4.1: version %s lod %d time %s", query, env.Version, v4.Lod, v4.QueryTime)
			}
			if want := refNeighboursV4(ref); !reflect.DeepEqual(v4.Neighbours, want) || v4.NeighbourCounts != wantCounts {
				t.Errorf("%s 4.1: neighbours differ from the reference:\n%s", query, topoDiff(v4.Neighbours, want))
			}
		}
	}
	var v4 asnNeighboursDataV4
	get(t, ts, "asn-neighbours", "resource=AS56203&preferred_version=4.1&lod=0", &v4)
	for _, nb := range v4.Neighbours {
		if nb.Details != nil {
			t.Errorf("lod=0: details of AS%d", nb.ASN)
		}
	}
	if len(v4.Neighbours) == 0 {
		t.Errorf("lod=0: no neighbours of AS56203")
	}
}

// topoDiff shows the first difference of two lists as JSON lines.
func topoDiff(got, want any) string {
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	gl, wl := strings.Split(string(g), "\n"), strings.Split(string(w), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var a, b string
		if i < len(gl) {
			a = gl[i]
		}
		if i < len(wl) {
			b = wl[i]
		}
		if a != b {
			lo := max(0, i-5)
			return fmt.Sprintf("line %d:\ngot:  %s\nwant: %s\ncontext (got):\n%s", i, a, b, strings.Join(gl[lo:min(len(gl), i+5)], "\n"))
		}
	}
	return "(no difference in JSON)"
}

// TestASNNeighboursOverload checks the overload guard: a browser
// request for a big AS gets the counts and no list, with a warning;
// data_overload_limit=ignore gets everything.
func TestASNNeighboursOverload(t *testing.T) {
	ix := storeOf(t, jinx...)
	ts := testServer(t, ix, nil)
	req, err := http.NewRequest("GET", ts.URL+"/data/asn-neighbours/data.json?resource=AS30844&preferred_version=4.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Referer", "https://example.net/")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var env struct {
		Messages [][]string          `json:"messages"`
		Data     asnNeighboursDataV4 `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || len(env.Data.Neighbours) != 0 || env.Data.NeighbourCounts.Unique == 0 ||
		!slices.ContainsFunc(env.Messages, func(m []string) bool { return m[0] == "warning" }) {
		t.Errorf("browser request for AS30844's paths: HTTP %d, %d neighbours, counts %+v, messages %v",
			resp.StatusCode, len(env.Data.Neighbours), env.Data.NeighbourCounts, env.Messages)
	}
}

// topoBadInputs are hostile values every topology call must refuse
// with a 400 naming the parameter.
var topoBadInputs = []struct{ param, value string }{
	{"resource", ""},
	{"resource", "AS4294967296"},
	{"resource", "%ff%fe"},
	{"resource", strings.Repeat("1", 10240)},
	{"resource", "AS1,AS2"},
	{"resource", "not-an-as"},
}

// topoCheckBad asks call with each query and wants a 400 naming param.
func topoCheckBad(t *testing.T, ts *httptest.Server, call string, cases []struct{ query, param string }) {
	t.Helper()
	for _, tc := range cases {
		env := get(t, ts, call, tc.query, nil)
		if env.StatusCode != 400 || len(env.Messages) == 0 || !strings.Contains(env.Messages[0][1], "'"+tc.param+"'") {
			q := tc.query
			if len(q) > 80 {
				q = q[:80] + "..."
			}
			t.Errorf("%s?%s: HTTP %d %v, want 400 naming %s", call, q, env.StatusCode, env.Messages, tc.param)
		}
	}
}

// topoBadCases returns the common hostile resources plus extra cases.
func topoBadCases(resourceOK func(string) bool, extra ...struct{ query, param string }) []struct{ query, param string } {
	var out []struct{ query, param string }
	for _, b := range topoBadInputs {
		if resourceOK != nil && resourceOK(b.value) {
			continue
		}
		out = append(out, struct{ query, param string }{b.param + "=" + b.value, b.param})
	}
	return append(out, extra...)
}

// TestASNNeighboursBadInput checks that hostile input is a 400 naming the
// parameter.
func TestASNNeighboursBadInput(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	topoCheckBad(t, ts, "asn-neighbours", topoBadCases(nil,
		struct{ query, param string }{"resource=193.0.0.0/21", "resource"},
		struct{ query, param string }{"resource=0.0.0.0/0", "resource"},
		struct{ query, param string }{"resource=AS3333&lod=2", "lod"},
		struct{ query, param string }{"resource=AS3333&lod=-1", "lod"},
		struct{ query, param string }{"resource=AS3333&query_time=yesterday", "query_time"},
		struct{ query, param string }{"resource=AS3333&query_time=" + strings.Repeat("9", 3000), "query_time"},
		struct{ query, param string }{"resource=AS3333&starttime=1969-01-01", "starttime"},
	))
}

// topoVolatile matches the envelope fields that change from run to run.
var topoVolatile = regexp.MustCompile(`"(query_id|server_id|build_version)": ?"[^"]*"|"process_time": ?\d+|"time": ?"[^"]*"\}\s*$`)

// topoGolden asks ts for call?query and compares the whole envelope,
// volatile fields normalised, with testdata/golden/<name>.json (rewritten
// with -update-topology).
func topoGolden(t *testing.T, ts *httptest.Server, name, call, query string) {
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
	norm := topoVolatile.ReplaceAllFunc(body, func(b []byte) []byte {
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
	path := filepath.Join("testdata", "golden", name+".json")
	if *updateTopologyGolden {
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
		t.Fatalf("%v (run with -update-topology)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("%s?%s differs from %s:\n%s", call, query, path, out.Bytes())
	}
}

// TestTopologyGolden pins the envelopes and field types of the topology
// calls on rrc06's five minutes of updates.
func TestTopologyGolden(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	end := "2014-05-30T22:20:00"
	for _, tc := range []struct{ name, call, query string }{
		{"asn-neighbours", "asn-neighbours", "resource=AS9304&query_time=" + end},
		{"asn-neighbours-4.1", "asn-neighbours", "resource=AS9304&query_time=" + end + "&preferred_version=4.1"},
		{"asn-neighbours-history", "asn-neighbours-history", "resource=AS9304&starttime=2014-05-30T22:00:00&endtime=" + end},
		{"as-path-length", "as-path-length", "resource=AS23752&query_time=" + end},
		{"related-prefixes", "related-prefixes", "resource=209.124.160.0/20&query_time=" + end},
	} {
		topoGolden(t, ts, tc.name, tc.call, tc.query)
	}
}

// TestTopologyPathString checks the AS path writing against bgpdump's
// form, AS_SETs included.
func TestTopologyPathString(t *testing.T) {
	ix := storeOf(t, jinx...)
	seen := 0
	for _, l := range topoLines(t) {
		if !strings.Contains(l.ASPath, "{") || l.Kind != "B" {
			continue
		}
		rs, err := ix.Routes(l.Prefix, topoRIB, index.Exact)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.PeerAddr == l.Peer {
				if got := asPathString(r.Attrs.ASPath); got != l.ASPath {
					t.Errorf("%s via %s: %q, bgpdump %q", l.Prefix, l.Peer, got, l.ASPath)
				}
				seen++
			}
		}
		if seen >= 20 {
			break
		}
	}
	if seen == 0 {
		t.Error("no AS_SET path found in jinx")
	}
}

// BenchmarkASNNeighbours measures asn-neighbours on jinx for the AS in
// every path (the full-feed peer) and a big transit.
func BenchmarkASNNeighbours(b *testing.B) {
	ix := storeOf(b, jinx...)
	ts := testServer(b, ix, nil)
	for _, as := range []string{"AS30844", "AS3356"} {
		b.Run(as, func(b *testing.B) {
			for b.Loop() {
				get(b, ts, "asn-neighbours", "resource="+as, nil)
			}
		})
	}
}
