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

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// probeTest is a probe object as a client decodes it.
type probeTest struct {
	Name          string  `json:"name"`
	City          string  `json:"city"`
	Country       string  `json:"country"`
	IXP           string  `json:"ixp"`
	Latitude      float64 `json:"latitude"`
	Longitude     float64 `json:"longitude"`
	IPv4PeerCount int     `json:"ipv4_peer_count"`
	IPv6PeerCount int     `json:"ipv6_peer_count"`
}

// risPeeringsTest is ris-peerings's data as a client decodes it.
type risPeeringsTest struct {
	Resource       string `json:"resource"`
	QueryStarttime string `json:"query_starttime"`
	QueryEndtime   string `json:"query_endtime"`
	Peerings       []struct {
		Probe probeTest    `json:"probe"`
		Peers []rpPeerTest `json:"peers"`
	} `json:"peerings"`
}

// rpPeerTest is one peer entry of ris-peerings.
type rpPeerTest struct {
	ASN          uint32        `json:"asn"`
	IP           string        `json:"ip"`
	IPVersion    string        `json:"ip_version"`
	TableVersion string        `json:"table_version"`
	PrefixCount  int           `json:"prefix_count"`
	Routes       []rpRouteTest `json:"routes"`
}

// rpRouteTest is one route of a ris-peerings peer.
type rpRouteTest struct {
	ASPath []uint32 `json:"as_path"`
	Prefix string   `json:"prefix"`
}

// probeCounts returns the probe counts the reference gives: the peers
// with IPv4 and with IPv6 routes.
func (r *peerRef) probeCounts() (v4, v6 int) {
	for _, p := range r.peers {
		if p.v4 > 0 {
			v4++
		}
		if p.v6 > 0 {
			v6++
		}
	}
	return v4, v6
}

// sortedPeers returns the reference's peers by address.
func (r *peerRef) sortedPeers() []netip.Addr {
	var out []netip.Addr
	for a := range r.peers {
		out = append(out, a)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// peeringsWant is the peers list of ris-peerings the reference gives for
// prefixes (in order): every peer with a table of a family in fams, with
// its routes to the prefixes of that family.
func (r *peerRef) peeringsWant(prefixes []netip.Prefix, fams []bool) []rpPeerTest {
	out := []rpPeerTest{}
	for _, a := range r.sortedPeers() {
		p := r.peers[a]
		for _, v4 := range []bool{true, false} {
			n := p.v6
			if v4 {
				n = p.v4
			}
			if !slices.Contains(fams, v4) || n == 0 {
				continue
			}
			e := rpPeerTest{ASN: p.as, IP: a.String(), IPVersion: "6", TableVersion: "6", PrefixCount: n, Routes: []rpRouteTest{}}
			if a.Is4() {
				e.IPVersion = "4"
			}
			if v4 {
				e.TableVersion = "4"
			}
			for _, pfx := range prefixes {
				if pfx.Addr().Is4() != v4 {
					continue
				}
				for _, l := range r.routes[pfx] {
					if l.Peer == a {
						e.Routes = append(e.Routes, rpRouteTest{append([]uint32{}, l.Path()...), pfx.String()})
					}
				}
			}
			out = append(out, e)
		}
	}
	return out
}

// originated returns the reference prefixes that some route at the end
// has as as its origin, sorted.
func (r *peerRef) originated(as uint32) []netip.Prefix { return r.byOrigin[as] }

// covering returns the most specific reference prefix covering a.
func (r *peerRef) covering(a netip.Addr) (netip.Prefix, bool) {
	var best netip.Prefix
	for p := range r.routes {
		if p.Contains(a) && (!best.IsValid() || p.Bits() > best.Bits()) {
			best = p
		}
	}
	return best, best.IsValid()
}

// TestRISPeerings compares ris-peerings's whole answer with the
// reference at the end of jinx, rrc06 and the ADD-PATH RIBs: for the
// busiest and latest-changed IPv4 and IPv6 prefixes, an address inside
// each, and the origin AS of each.
func TestRISPeerings(t *testing.T) {
	tests := []struct {
		name  string
		ix    func(testing.TB) *index.Index
		files []string
		probe string
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
			v4peers, v6peers := ref.probeCounts()
			type question struct {
				resource string
				prefixes []netip.Prefix
				fams     []bool
			}
			var qs []question
			seenAS := map[uint32]bool{}
			for _, v4 := range []bool{true, false} {
				for _, p := range ref.busiestPrefixes(v4, 5) {
					qs = append(qs, question{p.String(), []netip.Prefix{p}, []bool{v4}})
					a := p.Addr().Next()
					c, _ := ref.covering(a)
					qs = append(qs, question{a.String(), []netip.Prefix{c}, []bool{v4}})
					if o := refOriginAS(ref.routes[p][0]); o != 0 && !seenAS[o] {
						seenAS[o] = true
						ps := ref.originated(o)
						var fams []bool
						for _, f := range []bool{true, false} {
							if slices.ContainsFunc(ps, func(p netip.Prefix) bool { return p.Addr().Is4() == f }) {
								fams = append(fams, f)
							}
						}
						qs = append(qs, question{strconv.FormatUint(uint64(o), 10), ps, fams})
					}
				}
			}
			for _, q := range qs {
				var got risPeeringsTest
				env := get(t, ts, "ris-peerings", "resource="+url.QueryEscape(q.resource), &got)
				if env.StatusCode != 200 || env.Version != "1.0" {
					t.Fatalf("%s: status %d version %q %v", q.resource, env.StatusCode, env.Version, env.Messages)
				}
				if got.Resource != q.resource || got.QueryStarttime != api.FormatTime(ref.latest) || got.QueryEndtime != got.QueryStarttime {
					t.Errorf("%s: resource %q times %q %q, want %s", q.resource, got.Resource, got.QueryStarttime, got.QueryEndtime, api.FormatTime(ref.latest))
				}
				if len(got.Peerings) != 1 {
					t.Fatalf("%s: %d collectors, want 1", q.resource, len(got.Peerings))
				}
				pr := got.Peerings[0].Probe
				if pr.Name != tc.probe || pr.IPv4PeerCount != v4peers || pr.IPv6PeerCount != v6peers {
					t.Errorf("%s: probe %+v, want %s with %d and %d peers", q.resource, pr, tc.probe, v4peers, v6peers)
				}
				want := ref.peeringsWant(q.prefixes, q.fams)
				if !reflect.DeepEqual(got.Peerings[0].Peers, want) {
					t.Errorf("%s: peers\n got %+v\nwant %+v", q.resource, got.Peerings[0].Peers, want)
				}
			}
		})
	}
}

// TestRISPeeringsBadInput checks that hostile parameters are 400s naming
// the parameter, and that unrouted resources answer every peer without
// routes.
func TestRISPeeringsBadInput(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	peerBadParams(t, ts, "ris-peerings", []peerBadCase{
		{"", "resource"},
		{"resource=AS4294967296", "resource"},
		{"resource=%ff%fe", "resource"},
		{"resource=" + strings.Repeat("a", 10000), "resource"},
		{"resource=nl", "resource"},
		{"resource=193.0.0.0/21&query_time=2014-13-01", "query_time"},
		{"resource=193.0.0.0/21&query_time=" + strings.Repeat("1", 10000), "query_time"},
	})
	for _, res := range []string{"0.0.0.0/0", "::/0", "192.0.2.1", "AS64496"} {
		var got risPeeringsTest
		env := get(t, ts, "ris-peerings", "resource="+url.QueryEscape(res), &got)
		if env.StatusCode != 200 {
			t.Errorf("%s: status %d %v", res, env.StatusCode, env.Messages)
			continue
		}
		for _, c := range got.Peerings {
			for _, p := range c.Peers {
				if len(p.Routes) != 0 {
					t.Errorf("%s: peer %s has routes %v", res, p.IP, p.Routes)
				}
			}
		}
	}
}

// TestRISPeeringsGolden checks the envelope and field types on rrc06.
func TestRISPeeringsGolden(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	checkPeerGolden(t, ts, "ris-peerings", "ris-peerings", "resource=2804:14d:ba00::/40")
}
