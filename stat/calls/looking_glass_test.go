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
	"github.com/routestat/routestat/stat/index"
)

// lgTest is looking-glass's data as a client decodes it.
type lgTest struct {
	RRCs []struct {
		RRC      string       `json:"rrc"`
		Location string       `json:"location"`
		Peers    []lgPeerTest `json:"peers"`
	} `json:"rrcs"`
	QueryTime  string         `json:"query_time"`
	LatestTime string         `json:"latest_time"`
	Parameters map[string]any `json:"parameters"`
}

// lgPeerTest is one route of a looking-glass answer.
type lgPeerTest struct {
	ASNOrigin   string `json:"asn_origin"`
	ASPath      string `json:"as_path"`
	Community   string `json:"community"`
	LastUpdated string `json:"last_updated"`
	LatestTime  string `json:"latest_time"`
	Prefix      string `json:"prefix"`
	Peer        string `json:"peer"`
	Origin      string `json:"origin"`
	NextHop     string `json:"next_hop"`
}

// wellKnownCommunities are the names bgpdump prints for well-known
// communities, which looking-glass writes as numbers.
var wellKnownCommunities = map[string]string{
	"no-export": "65535:65281", "no-advertise": "65535:65282", "no-export-subconfed": "65535:65283",
}

// lgWant is the looking-glass row the reference route l gives.
func (r *peerRef) lgWant(l bgpdumpref.Line) lgPeerTest {
	cs := strings.Fields(l.Community)
	for i, c := range cs {
		if n, ok := wellKnownCommunities[c]; ok {
			cs[i] = n
		}
	}
	w := lgPeerTest{ASPath: l.ASPath, Community: strings.Join(cs, " "),
		LastUpdated: api.FormatTime(r.since[bgpdumpref.Key{Peer: l.Peer, Prefix: l.Prefix, PathID: l.PathID}]),
		LatestTime:  api.FormatTime(r.latest), Prefix: l.Prefix.String(), Peer: l.Peer.String(), Origin: l.Origin, NextHop: l.NextHop}
	if w.NextHop == "255.255.255.255" {
		w.NextHop = "" // bgpdump's placeholder for a route without a next hop (ADD-PATH IPv6 RIB)
	}
	if o := refOriginAS(l); o != 0 {
		w.ASNOrigin = strconv.FormatUint(uint64(o), 10)
	}
	return w
}

// lgWantAddr is, for an address, each peer's routes to its most specific
// reference prefix covering a, by peer and path id.
func (r *peerRef) lgWantAddr(a netip.Addr) []lgPeerTest {
	best := map[netip.Addr]netip.Prefix{}
	for p, ls := range r.routes {
		if !p.Contains(a) {
			continue
		}
		for _, l := range ls {
			if b, ok := best[l.Peer]; !ok || p.Bits() > b.Bits() {
				best[l.Peer] = p
			}
		}
	}
	var lines []bgpdumpref.Line
	for peer, p := range best {
		for _, l := range r.routes[p] {
			if l.Peer == peer {
				lines = append(lines, l)
			}
		}
	}
	sortPeerLines(lines)
	out := []lgPeerTest{}
	for _, l := range lines {
		out = append(out, r.lgWant(l))
	}
	return out
}

// sortPeerLines sorts reference routes by peer then path id.
func sortPeerLines(ls []bgpdumpref.Line) {
	slices.SortFunc(ls, func(a, b bgpdumpref.Line) int {
		if c := a.Peer.Compare(b.Peer); c != 0 {
			return c
		}
		return int(a.PathID) - int(b.PathID)
	})
}

// TestLookingGlass compares looking-glass's answers with the reference
// routes at the end of each data set: the busiest and the latest-changed
// IPv4 and IPv6 prefixes of jinx (RIB and updates), rrc06 and the
// ADD-PATH RIBs (several paths per peer), and addresses (each peer's most
// specific covering route).
func TestLookingGlass(t *testing.T) {
	tests := []struct {
		name  string
		ix    func(testing.TB) *index.Index
		files []string
		rrc   string
	}{
		{"jinx", feedStore, jinx, "route-views.jinx"},
		{"rrc06", func(t testing.TB) *index.Index { return storeOf(t, rrc06...) }, rrc06, "RRC06"},
		{"addPath", func(t testing.TB) *index.Index { return storeOf(t, addPath...) }, addPath, "RRC00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := tc.ix(t)
			ref := peerRefOf(t, time.Time{}, tc.files...)
			ts := testServer(t, ix, nil)
			var resources []string
			var wants [][]lgPeerTest
			for _, v4 := range []bool{true, false} {
				for _, p := range ref.busiestPrefixes(v4, 8) {
					resources = append(resources, p.String())
					w := []lgPeerTest{}
					for _, l := range ref.routes[p] {
						w = append(w, ref.lgWant(l))
					}
					wants = append(wants, w)
					// an address inside it, past its first address
					a := p.Addr().Next()
					resources = append(resources, a.String())
					wants = append(wants, ref.lgWantAddr(a))
				}
			}
			if len(resources) < 4 {
				t.Fatalf("only %d resources from the reference", len(resources))
			}
			for i, res := range resources {
				var got lgTest
				env := get(t, ts, "looking-glass", "resource="+url.QueryEscape(res), &got)
				if env.StatusCode != 200 || env.Version != "2.1" {
					t.Fatalf("%s: status %d version %q %v", res, env.StatusCode, env.Version, env.Messages)
				}
				if got.QueryTime != api.FormatTime(ref.latest) || got.LatestTime != got.QueryTime {
					t.Errorf("%s: query_time %q latest_time %q, want %s", res, got.QueryTime, got.LatestTime, api.FormatTime(ref.latest))
				}
				if got.Parameters["resource"] != res || got.Parameters["look_back_limit"] != float64(86400) {
					t.Errorf("%s: parameters %v", res, got.Parameters)
				}
				have := []lgPeerTest{}
				for _, rrc := range got.RRCs {
					if rrc.RRC != tc.rrc {
						t.Errorf("%s: rrc %q, want %q", res, rrc.RRC, tc.rrc)
					}
					have = append(have, rrc.Peers...)
				}
				if !reflect.DeepEqual(have, wants[i]) {
					t.Errorf("%s: routes\n got %+v\nwant %+v", res, have, wants[i])
				}
			}
		})
	}
}

// TestLookingGlassBadInput checks that hostile parameters are 400s naming
// the parameter and that an unrouted prefix is an empty 200.
func TestLookingGlassBadInput(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	peerBadParams(t, ts, "looking-glass", []peerBadCase{
		{"", "resource"},
		{"resource=AS3333", "resource"},
		{"resource=AS4294967296", "resource"},
		{"resource=%ff%fe", "resource"},
		{"resource=" + strings.Repeat("1", 10000), "resource"},
		{"resource=nl", "resource"},
		{"resource=10.0.0.0/33", "resource"},
		{"resource=193.0.0.0/21&look_back_limit=-1", "look_back_limit"},
		{"resource=193.0.0.0/21&look_back_limit=99999999999999999999", "look_back_limit"},
		{"resource=193.0.0.0/21&look_back_limit=%ff", "look_back_limit"},
	})
	for _, res := range []string{"0.0.0.0/0", "::/0", "192.0.2.0/24", "192.0.2.1"} {
		var got lgTest
		if env := get(t, ts, "looking-glass", "resource="+url.QueryEscape(res), &got); env.StatusCode != 200 || len(got.RRCs) != 0 {
			t.Errorf("%s: status %d, rrcs %v", res, env.StatusCode, got.RRCs)
		}
	}
}

// TestLookingGlassGolden checks the envelope and field types on rrc06.
func TestLookingGlassGolden(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	checkPeerGolden(t, ts, "looking-glass", "looking-glass", "resource=2804:14d:ba00::/40")
}
