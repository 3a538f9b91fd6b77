package calls

import (
	"cmp"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"testing"
)

// psOverview is the reference prefix-overview answer for resource (a
// prefix, or an address as its host prefix p) at the end of the data.
func (s *psRef) psOverview(resource string, p netip.Prefix, minPeers, maxRelated int, names func(uint32) string) prefixOverviewData {
	out := prefixOverviewData{Resource: resource, Type: "prefix", ASNs: []prefixOverviewASN{}, Block: ianaBlock(p), RelatedPrefixes: []string{}}
	var cover, less, more []netip.Prefix
	for q, rs := range s.routes {
		if q.Addr().Is4() != p.Addr().Is4() || len(rs) == 0 {
			continue
		}
		if q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
			cover = append(cover, q)
			if q.Bits() < p.Bits() {
				less = append(less, q)
			}
		}
		if q.Bits() > p.Bits() && p.Contains(q.Addr()) {
			more = append(more, q)
		}
	}
	slices.SortFunc(cover, func(a, b netip.Prefix) int { return cmp.Compare(b.Bits(), a.Bits()) })
	var subject netip.Prefix
	for _, q := range cover {
		if psPeers(s.routes[q]) >= minPeers {
			subject = q
			break
		}
	}
	if subject.IsValid() {
		out.Announced = true
		out.IsLessSpecific = subject != p
		if out.IsLessSpecific {
			out.Resource = subject.String()
		}
		peers := map[uint32]map[netip.Addr]bool{}
		for _, r := range s.routes[subject] {
			o := psOrigin(r)
			if peers[o] == nil {
				peers[o] = map[netip.Addr]bool{}
			}
			peers[o][r.Peer] = true
		}
		for _, o := range psMainOrigins(s.routes[subject]) {
			if len(peers[o]) < minPeers {
				out.NumFilteredOut++
				continue
			}
			out.ASNs = append(out.ASNs, prefixOverviewASN{o, names(o)})
		}
	}
	slices.SortFunc(less, func(a, b netip.Prefix) int { return cmp.Compare(a.Bits(), b.Bits()) })
	slices.SortFunc(more, psKeyOrder)
	related := append(less, more...)
	related = related[:min(len(related), maxRelated+1)]
	for _, q := range related {
		if psPeers(s.routes[q]) < minPeers {
			out.NumFilteredOut++
			continue
		}
		if q == subject {
			continue
		}
		out.ActualNumRelated++
		if len(out.RelatedPrefixes) < maxRelated {
			out.RelatedPrefixes = append(out.RelatedPrefixes, q.String())
		}
	}
	return out
}

// TestPrefixOverviewJinx compares prefix-overview on jinx (latest data)
// with the reference for prefixes with several origins, short prefixes
// with many more-specifics, withdrawn and unseen prefixes, IPv6 ones and
// addresses, with several thresholds and related limits.
func TestPrefixOverviewJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	ref := psRefOf(t, jinx...)
	names := psNames(t, ref.topOrigins(false)[:3]...)
	ts := testServer(t, ix, names)
	var resources []string
	moas, short := 0, 0
	for p, rs := range ref.routes {
		if len(psMainOrigins(rs)) > 1 && moas < 10 {
			resources = append(resources, p.String())
			moas++
		}
		if p.Bits() <= 10 && short < 4 {
			resources = append(resources, p.String())
			short++
		}
		if len(resources) > 10 && p.Addr().Is6() {
			resources = append(resources, p.String(), p.Addr().Next().String())
			break
		}
	}
	gone := 0
	for p := range ref.gone {
		if gone++; gone > 6 {
			break
		}
		resources = append(resources, p.String())
	}
	for p := range ref.routes {
		if p.Addr().Is4() && p.Bits() == 24 {
			resources = append(resources, p.Addr().Next().String(), netip.PrefixFrom(p.Addr(), 25).String())
			break
		}
	}
	resources = append(resources, "192.0.2.0/24", "2001:db8::1", "8.0.0.0/8")
	at := psFormat(ix.Latest())
	for _, res := range resources {
		for _, c := range []struct{ min, max int }{{3, 100}, {1, 5}, {14, 2}} {
			query := fmt.Sprintf("resource=%s&min_peers_seeing=%d&max_related=%d", res, c.min, c.max)
			var got prefixOverviewData
			if env := get(t, ts, "prefix-overview", query, &got); env.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %v", query, env.StatusCode, env.Messages)
			}
			p, err := netip.ParsePrefix(res)
			if err != nil {
				a := netip.MustParseAddr(res)
				p = netip.PrefixFrom(a, a.BitLen())
			}
			want := ref.psOverview(res, p, max(c.min, 1), c.max, names.Name)
			want.QueryTime = at
			if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
				t.Errorf("%s:\n got %s\nwant %s", query, g, w)
			}
		}
	}
}

// TestIANABlock checks the blocks of some prefixes.
func TestIANABlock(t *testing.T) {
	for p, want := range map[string]string{
		"193.0.0.0/21":  "193.0.0.0/8 IANA IPv4 Address Space Registry ",
		"10.1.0.0/16":   "10.0.0.0/8 IANA IPv4 Address Space Registry IANA - Private Use",
		"0.0.0.0/0":     "0.0.0.0/0 IANA IPv4 Address Space Registry ",
		"230.0.0.0/8":   "230.0.0.0/8 IANA IPv4 Address Space Registry Multicast",
		"2001:db8::/32": "2000::/3 IANA IPv6 Address Space Registry Global Unicast",
		"fd00::/8":      "fc00::/7 IANA IPv6 Address Space Registry Unique Local Unicast",
		"4000::/16":     "4000::/3 IANA IPv6 Address Space Registry Reserved by IETF",
		"::/0":          "::/0 IANA IPv6 Address Space Registry Reserved by IETF",
	} {
		b := ianaBlock(netip.MustParsePrefix(p))
		if got := b.Resource + " " + b.Name + " " + b.Desc; got != want {
			t.Errorf("%s: %q, want %q", p, got, want)
		}
	}
}
