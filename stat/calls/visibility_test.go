package calls

import (
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
	"github.com/routestat/routestat/stat/api"
)

// visibilityTest is visibility's data as a client decodes it.
type visibilityTest struct {
	Resource        string   `json:"resource"`
	QueryTime       string   `json:"query_time"`
	LatestTime      string   `json:"latest_time"`
	Include         []string `json:"include"`
	RelatedPrefixes []string `json:"related_prefixes"`
	Visibilities    []struct {
		Probe            probeTest     `json:"probe"`
		V4FullTableCount int           `json:"ipv4_full_table_peer_count"`
		V6FullTableCount int           `json:"ipv6_full_table_peer_count"`
		V4NotSeeing      []visPeerTest `json:"ipv4_full_table_peers_not_seeing"`
		V6NotSeeing      []visPeerTest `json:"ipv6_full_table_peers_not_seeing"`
		V4Seeing         []visPeerTest `json:"ipv4_full_table_peers_seeing"`
		V6Seeing         []visPeerTest `json:"ipv6_full_table_peers_seeing"`
	} `json:"visibilities"`
}

// visPeerTest is a full-table peer entry.
type visPeerTest struct {
	ASN         uint32 `json:"asn"`
	IP          string `json:"ip"`
	PrefixCount int    `json:"prefix_count"`
}

// visWant is what the reference says for one family: the full-table
// peers (at least min routes of the family) that do not and that do have
// a route to one of the prefixes of that family.
func (r *peerRef) visWant(prefixes []netip.Prefix, v4 bool, min int) (full int, notSeeing, seeing []visPeerTest) {
	notSeeing, seeing = []visPeerTest{}, []visPeerTest{}
	for _, a := range r.sortedPeers() {
		p := r.peers[a]
		n := p.v6
		if v4 {
			n = p.v4
		}
		if n < min {
			continue
		}
		full++
		sees := false
		for _, pfx := range prefixes {
			if pfx.Addr().Is4() == v4 && slices.ContainsFunc(r.routes[pfx], func(l bgpdumpref.Line) bool { return l.Peer == a }) {
				sees = true
			}
		}
		e := visPeerTest{ASN: p.as, IP: a.String(), PrefixCount: n}
		if sees {
			seeing = append(seeing, e)
		} else {
			notSeeing = append(notSeeing, e)
		}
	}
	return full, notSeeing, seeing
}

// TestVisibility compares visibility's whole answer with the reference at
// the end of jinx, in a store whose full-feed thresholds (1,000 IPv4 and
// 15 IPv6 routes) make four IPv4 and four IPv6 jinx peers full-table
// peers (one of them with exactly 15 routes: the threshold counts): for
// the busiest and latest-changed prefixes, an address in each, their
// origin ASes and an unrouted prefix, with and without peers_seeing.
func TestVisibility(t *testing.T) {
	ix := feedStore(t)
	ref := peerRefOf(t, time.Time{}, jinx...)
	ts := testServer(t, ix, nil)
	v4peers, v6peers := ref.probeCounts()
	type question struct {
		resource string
		prefixes []netip.Prefix
		fams     []bool
		related  bool
	}
	unrouted := netip.MustParsePrefix("192.0.2.0/24")
	qs := []question{{unrouted.String(), nil, []bool{true}, false}}
	seenAS := map[uint32]bool{}
	for _, v4 := range []bool{true, false} {
		for _, p := range ref.busiestPrefixes(v4, 5) {
			qs = append(qs, question{p.String(), []netip.Prefix{p}, []bool{v4}, false})
			a := p.Addr().Next()
			c, _ := ref.covering(a)
			qs = append(qs, question{a.String(), []netip.Prefix{c}, []bool{v4}, true})
			if o := refOriginAS(ref.routes[p][0]); o != 0 && !seenAS[o] {
				seenAS[o] = true
				ps := ref.originated(o)
				var fams []bool
				for _, f := range []bool{true, false} {
					if slices.ContainsFunc(ps, func(p netip.Prefix) bool { return p.Addr().Is4() == f }) {
						fams = append(fams, f)
					}
				}
				qs = append(qs, question{strconv.FormatUint(uint64(o), 10), ps, fams, true})
			}
		}
	}
	full4, _, _ := ref.visWant(nil, true, testFullFeedV4)
	full6, _, _ := ref.visWant(nil, false, testFullFeedV6)
	if full4 < 2 || full6 < 2 {
		t.Fatalf("only %d IPv4 and %d IPv6 full-table peers in the reference", full4, full6)
	}
	for _, q := range qs {
		for _, include := range []string{"", "peers_seeing"} {
			var got visibilityTest
			env := get(t, ts, "visibility", "resource="+url.QueryEscape(q.resource)+"&include="+include, &got)
			if env.StatusCode != 200 {
				t.Fatalf("%s: status %d %v", q.resource, env.StatusCode, env.Messages)
			}
			if got.Resource != q.resource || got.QueryTime != api.FormatTime(ref.latest) || got.LatestTime != got.QueryTime {
				t.Errorf("%s: resource %q times %q %q", q.resource, got.Resource, got.QueryTime, got.LatestTime)
			}
			wantRelated := []string{}
			if q.related {
				for _, p := range q.prefixes {
					wantRelated = append(wantRelated, p.String())
				}
			}
			wantInclude := []string{}
			if include != "" {
				wantInclude = append(wantInclude, include)
			}
			if !slices.Equal(got.RelatedPrefixes, wantRelated) || !slices.Equal(got.Include, wantInclude) {
				t.Errorf("%s: related_prefixes %v include %v, want %v %v", q.resource, got.RelatedPrefixes, got.Include, wantRelated, wantInclude)
			}
			if len(got.Visibilities) != 1 {
				t.Fatalf("%s: %d collectors, want 1", q.resource, len(got.Visibilities))
			}
			v := got.Visibilities[0]
			if v.Probe.Name != "route-views.jinx" || v.Probe.IPv4PeerCount != v4peers || v.Probe.IPv6PeerCount != v6peers ||
				v.Probe.City != "Johannesburg" {
				t.Errorf("%s: probe %+v", q.resource, v.Probe)
			}
			if v.V4FullTableCount != full4 || v.V6FullTableCount != full6 {
				t.Errorf("%s: full-table peers %d and %d, want %d and %d", q.resource, v.V4FullTableCount, v.V6FullTableCount, full4, full6)
			}
			for _, v4 := range []bool{true, false} {
				min, notSeeing, seeing := testFullFeedV6, []visPeerTest{}, []visPeerTest{}
				gotNot, gotSeeing := v.V6NotSeeing, v.V6Seeing
				if v4 {
					min, gotNot, gotSeeing = testFullFeedV4, v.V4NotSeeing, v.V4Seeing
				}
				if slices.Contains(q.fams, v4) {
					_, notSeeing, seeing = ref.visWant(q.prefixes, v4, min)
				}
				if include == "" {
					seeing = nil
				}
				if !reflect.DeepEqual(gotNot, notSeeing) || !reflect.DeepEqual(gotSeeing, seeing) {
					t.Errorf("%s include=%s IPv4 %v: not seeing %v seeing %v, want %v %v", q.resource, include, v4, gotNot, gotSeeing, notSeeing, seeing)
				}
			}
		}
	}
}

// TestVisibilityDefaultThreshold checks that with the index's default
// full-feed thresholds (800,000 IPv4 and 150,000 IPv6 routes) rrc06's
// peers, whose tables hold only the few routes of 5 minutes of updates,
// are not full-table peers: the counts are 0 and the lists empty.
func TestVisibilityDefaultThreshold(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	var got visibilityTest
	if env := get(t, ts, "visibility", "resource=2804:14d:ba00::/40&include=peers_seeing", &got); env.StatusCode != 200 {
		t.Fatalf("status %d %v", env.StatusCode, env.Messages)
	}
	if len(got.Visibilities) != 1 {
		t.Fatalf("%d collectors, want 1", len(got.Visibilities))
	}
	v := got.Visibilities[0]
	if v.Probe.Name != "RRC06" || v.V4FullTableCount != 0 || v.V6FullTableCount != 0 || len(v.V6NotSeeing) != 0 || len(v.V6Seeing) != 0 {
		t.Errorf("visibility %+v", v)
	}
}

// TestVisibilityBadInput checks that hostile parameters are 400s naming
// the parameter.
func TestVisibilityBadInput(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	peerBadParams(t, ts, "visibility", []peerBadCase{
		{"", "resource"},
		{"resource=AS4294967296", "resource"},
		{"resource=%ff%fe", "resource"},
		{"resource=" + strings.Repeat("9", 10000), "resource"},
		{"resource=nl", "resource"},
		{"resource=193.0.0.0/21&include=everything", "include"},
		{"resource=193.0.0.0/21&query_time=-5", "query_time"},
	})
	for _, res := range []string{"0.0.0.0/0", "::/0", "AS0"} {
		if env := get(t, ts, "visibility", "resource="+url.QueryEscape(res), nil); env.StatusCode != 200 {
			t.Errorf("%s: status %d %v", res, env.StatusCode, env.Messages)
		}
	}
}

// TestVisibilityGolden checks the envelope and field types on jinx with
// the test full-feed thresholds.
func TestVisibilityGolden(t *testing.T) {
	ts := testServer(t, feedStore(t), nil)
	checkPeerGolden(t, ts, "visibility", "visibility", "resource=196.223.14.0/24&include=peers_seeing")
}

// BenchmarkPeerCalls times the peer and visibility calls over HTTP on
// jinx (~500k routes): a busy prefix, an address, the largest origin AS
// of the data set, and the whole peer table.
func BenchmarkPeerCalls(b *testing.B) {
	ts := testServer(b, feedStore(b), nil)
	for _, c := range []struct{ call, query string }{
		{"looking-glass", "resource=196.223.14.0/24"},
		{"looking-glass", "resource=8.8.8.8"},
		{"ris-peers", ""},
		{"ris-peerings", "resource=8.8.8.8"},
		{"ris-peerings", "resource=AS30844"},
		{"visibility", "resource=8.8.8.0/24"},
		{"visibility", "resource=AS30844"},
		{"ris-first-last-seen", "resource=8.0.0.0/8&include=more_specific"},
		{"ris-first-last-seen", "resource=AS30844"},
	} {
		b.Run(c.call+"?"+c.query, func(b *testing.B) {
			for b.Loop() {
				if env := get(b, ts, c.call, c.query+"&cache=ignore&data_overload_limit=ignore", nil); env.StatusCode != 200 {
					b.Fatalf("status %d %v", env.StatusCode, env.Messages)
				}
			}
		})
	}
}
