package calls

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/stat/index"
	"github.com/routestat/routestat/stat/ingest"
)

// psFormat writes a time as the API does.
func psFormat(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// psVisibility is the reference visibility: per family, the peers whose
// table at the end reaches the index's default full-feed sizes, and
// those of them with a route in seeing.
func (s *psRef) psVisibility(seeing map[string]map[netip.Addr]bool) map[string]routingStatusVis {
	v4, v6 := map[netip.Addr]int{}, map[netip.Addr]int{}
	for p, rs := range s.routes {
		for _, r := range rs {
			if p.Addr().Is4() {
				v4[r.Peer]++
			} else {
				v6[r.Peer]++
			}
		}
	}
	vis := map[string]routingStatusVis{"v4": {}, "v6": {}}
	for af, sizes := range map[string]map[netip.Addr]int{"v4": v4, "v6": v6} {
		full := map[string]int{"v4": 800000, "v6": 150000}[af]
		v := vis[af]
		for peer, n := range sizes {
			if n >= full {
				v.TotalRISPeers++
				if seeing[af][peer] {
					v.RISPeersSeeing++
				}
			}
		}
		vis[af] = v
	}
	return vis
}

// psSpan is an address range [lo, hi] of one family, as 64-bit numbers
// (IPv4 addresses, or IPv6 /48s).
type psSpan struct{ lo, hi uint64 }

// psUnionSize counts addresses (IPv4) or /48s (IPv6) covered by prefixes
// by merging their ranges.
func psUnionSize(ps []netip.Prefix) int64 {
	var spans []psSpan
	for _, p := range ps {
		var lo, size uint64
		if p.Addr().Is4() {
			b := p.Addr().As4()
			lo = uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
			size = 1 << (32 - p.Bits())
		} else {
			b := p.Addr().As16()
			for i := range 6 {
				lo = lo<<8 | uint64(b[i])
			}
			size = 1
			if p.Bits() < 48 {
				size = 1 << (48 - p.Bits())
			}
		}
		spans = append(spans, psSpan{lo, lo + size - 1})
	}
	slices.SortFunc(spans, func(a, b psSpan) int { return cmp.Compare(a.lo, b.lo) })
	var total int64
	cur := psSpan{1, 0}
	for _, sp := range spans {
		if cur.lo <= cur.hi && sp.lo <= cur.hi+1 {
			cur.hi = max(cur.hi, sp.hi)
			continue
		}
		if cur.lo <= cur.hi {
			total += int64(cur.hi - cur.lo + 1)
		}
		cur = sp
	}
	if cur.lo <= cur.hi {
		total += int64(cur.hi - cur.lo + 1)
	}
	return total
}

// psStatusPrefix is the reference routing-status answer for a prefix at
// the end of the data.
func (s *psRef) psStatusPrefix(p netip.Prefix, at time.Time, minPeers int) routingStatusData {
	minPeers = max(minPeers, 1)
	out := routingStatusData{Resource: p.String(), QueryTime: psFormat(at)}
	seen := func(origin uint32, t time.Time) *routingStatusSeen {
		return &routingStatusSeen{Prefix: p.String(), Origin: strconv.FormatUint(uint64(origin), 10), Time: psFormat(t)}
	}
	if f, ok := s.first[p]; ok {
		out.FirstSeen = seen(psOrigin(f), f.Time)
		if rs := s.routes[p]; len(rs) > 0 {
			out.LastSeen = seen(psMainOrigins(rs)[0], at)
		} else {
			g := s.gone[p]
			out.LastSeen = seen(psOrigin(g.route), g.t)
		}
	}
	seeing := map[string]map[netip.Addr]bool{"v4": {}, "v6": {}}
	for _, r := range s.routes[p] {
		seeing[statusFamily(p)][r.Peer] = true
	}
	out.Visibility = s.psVisibility(seeing)
	origins := []routingStatusOrigin{}
	if rs := s.routes[p]; psPeers(rs) >= minPeers {
		for _, o := range psMainOrigins(rs) {
			origins = append(origins, routingStatusOrigin{o, []string{}})
		}
	}
	var less, more []netip.Prefix
	for q, rs := range s.routes {
		if q.Addr().Is4() != p.Addr().Is4() || psPeers(rs) < minPeers {
			continue
		}
		if q.Bits() < p.Bits() && q.Contains(p.Addr()) {
			less = append(less, q)
		}
		if q.Bits() > p.Bits() && p.Contains(q.Addr()) {
			more = append(more, q)
		}
	}
	slices.SortFunc(less, func(a, b netip.Prefix) int { return cmp.Compare(a.Bits(), b.Bits()) })
	less = less[max(0, len(less)-50):]
	slices.SortFunc(more, psKeyOrder)
	more = more[:min(len(more), 50)]
	list := func(ps []netip.Prefix) *[]routingStatusSpecific {
		out := []routingStatusSpecific{}
		for _, q := range ps {
			out = append(out, routingStatusSpecific{q.String(), psMainOrigins(s.routes[q])[0]})
		}
		return &out
	}
	out.Origins, out.LessSpecifics, out.MoreSpecifics = &origins, list(less), list(more)
	return out
}

// psStatusAS is the reference routing-status answer for an AS at the end
// of the data; ivs are its origin intervals.
func (s *psRef) psStatusAS(as uint32, ivs map[netip.Prefix][]psInterval, at time.Time, minPeers int) routingStatusData {
	minPeers = max(minPeers, 1)
	asn := strconv.FormatUint(uint64(as), 10)
	out := routingStatusData{Resource: asn, QueryTime: psFormat(at)}
	prefixes := slices.SortedFunc(func(yield func(netip.Prefix) bool) {
		for p := range ivs {
			if !yield(p) {
				return
			}
		}
	}, psKeyOrder)
	var firstT, lastT time.Time
	for _, p := range prefixes {
		for _, iv := range ivs[p] {
			if out.FirstSeen == nil || iv.start.Before(firstT) {
				firstT, out.FirstSeen = iv.start, &routingStatusSeen{p.String(), asn, psFormat(iv.start)}
			}
			end := iv.end
			if end.IsZero() {
				end = at
			}
			if out.LastSeen == nil || end.After(lastT) {
				lastT, out.LastSeen = end, &routingStatusSeen{p.String(), asn, psFormat(end)}
			}
		}
	}
	seeing := map[string]map[netip.Addr]bool{"v4": {}, "v6": {}}
	var v4, v6 []netip.Prefix
	for p, rs := range s.routes {
		peers := map[netip.Addr]bool{}
		for _, r := range rs {
			if psOrigin(r) == as {
				peers[r.Peer] = true
				seeing[statusFamily(p)][r.Peer] = true
			}
		}
		switch {
		case len(peers) < minPeers:
		case p.Addr().Is4():
			v4 = append(v4, p)
		default:
			v6 = append(v6, p)
		}
	}
	out.AnnouncedSpace = &routingStatusSpace{
		V4: routingStatusSpaceV4{Prefixes: len(v4), IPs: psUnionSize(v4)},
		V6: routingStatusSpaceV6{Prefixes: len(v6), Slash48s: psUnionSize(v6)},
	}
	out.Visibility = s.psVisibility(seeing)
	nbs := map[uint32]bool{}
	for _, rs := range s.routes {
		for _, r := range rs {
			for _, pair := range psPairs(r) {
				if pair[0] == as {
					nbs[pair[1]] = true
				}
				if pair[1] == as {
					nbs[pair[0]] = true
				}
			}
		}
	}
	n := len(nbs)
	out.ObservedNeighbours = &n
	return out
}

// TestRoutingStatusJinx compares routing-status on jinx (at the latest
// data, after the RIB and the updates) with answers computed from the
// bgpdump reference: ASes (the largest IPv4 and IPv6 origins, busy ones in
// the updates, an unknown one) and prefixes (every prefix of the update
// lines that changed origin or went away, short prefixes with many
// more-specifics, IPv6 ones, an address, an unseen prefix), for two
// thresholds.
func TestRoutingStatusJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	ref := psRefOf(t, jinx...)
	ts := testServer(t, ix, nil)
	at := ix.Latest().Truncate(time.Second)
	v4, v6 := ref.topOrigins(false), ref.topOrigins(true)
	ases := []uint32{v4[0], v4[5], v6[0], 64496}
	var prefixes []netip.Prefix
	seenP := map[netip.Prefix]bool{}
	add := func(p netip.Prefix) {
		if !seenP[p] {
			seenP[p] = true
			prefixes = append(prefixes, p)
		}
	}
	for _, l := range ref.lines {
		if l.Kind == "W" && len(prefixes) < 40 {
			add(l.Prefix)
		}
	}
	short := 0
	for p := range ref.routes {
		if p.Addr().Is4() && p.Bits() <= 9 && short < 4 || p.Addr().Is6() && p.Bits() <= 24 && short < 8 {
			add(p)
			short++
		}
	}
	add(netip.MustParsePrefix("192.0.2.0/24"))
	add(netip.MustParsePrefix("2001:db8::/32"))
	ivs := psOriginIntervals(ref.lines, ases)
	for _, minPeers := range []int{10, 1} {
		for _, as := range ases {
			query := fmt.Sprintf("resource=AS%d&min_peers_seeing=%d", as, minPeers)
			got := psGetStatus(t, ts, query)
			want := ref.psStatusAS(as, ivs[as], at, minPeers)
			psCompare(t, query, got, want)
		}
		for _, p := range prefixes {
			query := fmt.Sprintf("resource=%s&min_peers_seeing=%d", p, minPeers)
			psCompare(t, query, psGetStatus(t, ts, query), ref.psStatusPrefix(p, at, minPeers))
		}
	}
	// before the data (the RIB dump time before the jinx RIB): nothing seen
	for _, res := range []string{fmt.Sprintf("AS%d", v4[0]), prefixes[0].String()} {
		got := psGetStatus(t, ts, "resource="+res+"&timestamp=2014-05-30T21:59:59&min_peers_seeing=0")
		empty := got.FirstSeen == nil && got.LastSeen == nil && got.QueryTime == "2014-05-30T16:00:00"
		if got.AnnouncedSpace != nil {
			empty = empty && *got.AnnouncedSpace == routingStatusSpace{} && *got.ObservedNeighbours == 0
		} else {
			empty = empty && len(*got.Origins) == 0 && len(*got.LessSpecifics) == 0 && len(*got.MoreSpecifics) == 0
		}
		if !empty {
			t.Errorf("%s before the data: %+v", res, got)
		}
	}
	// an address stands for the most specific routed prefix covering it
	var addrP netip.Prefix
	for p := range ref.routes {
		if p.Addr().Is4() && p.Bits() == 24 {
			addrP = p
			break
		}
	}
	for q := range ref.routes {
		if q.Contains(addrP.Addr()) && q.Bits() > addrP.Bits() {
			addrP = q
		}
	}
	addr := addrP.Addr().Next()
	got := psGetStatus(t, ts, "resource="+addr.String())
	want := ref.psStatusPrefix(addrP, at, 10)
	want.Resource = addr.String()
	psCompare(t, addr.String(), got, want)
}

// psGetStatus asks routing-status and decodes its data.
func psGetStatus(t *testing.T, ts *httptest.Server, query string) routingStatusData {
	t.Helper()
	var data routingStatusData
	if env := get(t, ts, "routing-status", query, &data); env.StatusCode != http.StatusOK {
		t.Fatalf("routing-status?%s: %d %v", query, env.StatusCode, env.Messages)
	}
	return data
}

// psCompare compares two routing-status answers, parameters aside.
func psCompare(t *testing.T, query string, got, want routingStatusData) {
	t.Helper()
	got.Parameters, want.Parameters = nil, nil
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("routing-status?%s:\n got %s\nwant %s", query, g, w)
	}
}

// TestRoutingStatusVisibility checks visibility with non-trivial full-feed
// peers: rrc06 ingested into a store whose full-feed thresholds are
// small (20 IPv4, 5 IPv6 routes), compared with the peers' table sizes and
// routes in the reference, for the prefixes of the data and the largest
// origin AS.
func TestRoutingStatusVisibility(t *testing.T) {
	dir := t.TempDir()
	ix, err := index.Open(filepath.Join(dir, "data"), index.Options{GCInterval: -1, FullFeedV4: 20, FullFeedV6: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	srcs, err := (&ingest.Finder{}).Find(context.Background(), []string{sharedtest.MRT(t, rrc06[0])})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(context.Background(), ix, srcs, ingest.Options{Log: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	ref := psRefOf(t, rrc06...)
	ts := testServer(t, ix, nil)
	sizes := map[string]map[netip.Addr]int{"v4": {}, "v6": {}}
	for p, rs := range ref.routes {
		for _, r := range rs {
			sizes[statusFamily(p)][r.Peer]++
		}
	}
	full := func(af string, peer netip.Addr) bool { return sizes[af][peer] >= map[string]int{"v4": 20, "v6": 5}[af] }
	vis := func(seeing map[string]map[netip.Addr]bool) map[string]routingStatusVis {
		out := map[string]routingStatusVis{}
		for _, af := range []string{"v4", "v6"} {
			v := routingStatusVis{}
			for peer := range sizes[af] {
				if full(af, peer) {
					v.TotalRISPeers++
					if seeing[af][peer] {
						v.RISPeersSeeing++
					}
				}
			}
			out[af] = v
		}
		return out
	}
	prefixes := slices.SortedFunc(func(yield func(netip.Prefix) bool) {
		for p := range ref.routes {
			if !yield(p) {
				return
			}
		}
	}, psKeyOrder)
	nonzero := 0
	for i, p := range prefixes {
		if i%20 != 0 {
			continue
		}
		seeing := map[string]map[netip.Addr]bool{"v4": {}, "v6": {}}
		for _, r := range ref.routes[p] {
			seeing[statusFamily(p)][r.Peer] = true
		}
		want := vis(seeing)
		got := psGetStatus(t, ts, "resource="+p.String()).Visibility
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: visibility %v, want %v", p, got, want)
		}
		nonzero += want[statusFamily(p)].RISPeersSeeing
	}
	if nonzero == 0 {
		t.Error("no prefix seen by a full-feed peer: the test checks nothing")
	}
	as := ref.topOrigins(false)[0]
	seeing := map[string]map[netip.Addr]bool{"v4": {}, "v6": {}}
	for p, rs := range ref.routes {
		for _, r := range rs {
			if psOrigin(r) == as {
				seeing[statusFamily(p)][r.Peer] = true
			}
		}
	}
	if got, want := psGetStatus(t, ts, fmt.Sprintf("resource=AS%d", as)).Visibility, vis(seeing); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("AS%d: visibility %v, want %v", as, got, want)
	}
}
