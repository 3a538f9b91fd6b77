package index

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
)

// ingest reads shared MRT files in order and applies their events in
// batches, as the ingest layer does.
func ingest(t testing.TB, ix *Index, collector string, batch int, files ...string) int {
	t.Helper()
	n := 0
	for _, name := range files {
		f, err := mrtdump.Open(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		conv := NewConverter(collector)
		var evs []Event
		flush := func(off int64, done bool) {
			if err := ix.Apply(context.Background(), evs, Checkpoint{Source: name, Offset: off, Done: done}); err != nil {
				t.Fatal(err)
			}
			n += len(evs)
			evs = evs[:0]
		}
		for {
			rec, err := f.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				break // truncated file: bgpdump stops there too
			}
			_ = conv.Record(rec, func(e Event) { evs = append(evs, e) })
			if len(evs) >= batch {
				flush(f.Offset(), false)
			}
		}
		flush(f.Offset(), true)
		f.Close()
	}
	return n
}

// refRoute is a route of the reference model.
type refRoute struct {
	peer   netip.Addr
	pathID uint32
}

// refModel replays bgpdump -m lines into maps: the obviously correct
// reference for the index.
type refModel struct {
	routes map[netip.Prefix]map[refRoute]string // attrs as bgpdump prints them
	byPeer map[netip.Addr]map[netip.Prefix]map[uint32]bool
}

func newRefModel() *refModel {
	return &refModel{routes: map[netip.Prefix]map[refRoute]string{}, byPeer: map[netip.Addr]map[netip.Prefix]map[uint32]bool{}}
}

func (m *refModel) apply(e refEvent) {
	switch e.kind {
	case "DOWN":
		for p, ids := range m.byPeer[e.peer] {
			for id := range ids {
				delete(m.routes[p], refRoute{e.peer, id})
			}
		}
		delete(m.byPeer, e.peer)
	case "W":
		delete(m.routes[e.prefix], refRoute{e.peer, e.pathID})
		delete(m.byPeer[e.peer][e.prefix], e.pathID)
	default:
		if m.routes[e.prefix] == nil {
			m.routes[e.prefix] = map[refRoute]string{}
		}
		m.routes[e.prefix][refRoute{e.peer, e.pathID}] = e.attrs
		if m.byPeer[e.peer] == nil {
			m.byPeer[e.peer] = map[netip.Prefix]map[uint32]bool{}
		}
		if m.byPeer[e.peer][e.prefix] == nil {
			m.byPeer[e.peer][e.prefix] = map[uint32]bool{}
		}
		m.byPeer[e.peer][e.prefix][e.pathID] = true
	}
}

// lines formats a prefix's routes as sorted "peer|pathid|attrs" lines.
func (m *refModel) lines(p netip.Prefix) []string {
	var out []string
	for r, a := range m.routes[p] {
		out = append(out, r.peer.String()+"|"+itoa(r.pathID)+"|"+normAttrs(a))
	}
	sort.Strings(out)
	return out
}

func itoa(v uint32) string { return fmtUint(v) }

func fmtUint(v uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// normAttrs writes the next hop of attribute fields in netip's form.
func normAttrs(a string) string {
	f := strings.Split(a, "|")
	if len(f) > 2 {
		if ad, err := netip.ParseAddr(f[2]); err == nil {
			f[2] = ad.String()
		}
	}
	if len(f) > 5 && len(f[5]) > 900 {
		f[5] = "(long)"
	}
	return strings.Join(f, "|")
}

func routeLines(rs []Route) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.PeerAddr.String()+"|"+itoa(r.PathID)+"|"+normAttrs(formatRef(r.Attrs)))
	}
	sort.Strings(out)
	return out
}

// multicastPrefixes returns the prefixes that a file carries in multicast
// MP_REACH/MP_UNREACH attributes: bgpdump prints them like unicast ones.
func multicastPrefixes(t testing.TB, name string) map[netip.Prefix]bool {
	out := map[netip.Prefix]bool{}
	f, err := mrtdump.Open(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var m mrtdump.Message
	for {
		rec, err := f.Next()
		if err != nil {
			return out
		}
		if rec.Type != mrtdump.TypeBGP4MP && rec.Type != mrtdump.TypeBGP4MPET {
			continue
		}
		if mrtdump.DecodeMessage(rec.Body, rec.Subtype, &m) != nil || m.Type != mrtdump.MsgUpdate {
			continue
		}
		for _, set := range [][6]mrtdump.MPNLRI{m.Attrs.Reach, m.Attrs.Unreach} {
			for _, mp := range set {
				if mp.Present && mp.SAFI != 1 {
					for _, p := range mp.Prefixes {
						out[p.Prefix()] = true
					}
				}
			}
		}
	}
}

func openTest(t testing.TB, opt Options) *Index {
	t.Helper()
	ix, err := Open(t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ix.Close(); err != nil {
			t.Error(err)
		}
	})
	return ix
}

// TestIndexMatchesReference ingests real files and compares the routes of
// sampled prefixes at several times with the bgpdump reference replayed
// into maps.
func TestIndexMatchesReference(t *testing.T) {
	youtube := []string{}
	for _, f := range []string{"1824", "1954", "2009", "2026", "2041", "2056", "2111"} {
		youtube = append(youtube, "incident-youtube-2008/updates.20080224."+f+".bz2")
	}
	for _, tc := range []struct {
		name    string
		files   []string
		samples int
	}{
		{"jinx RIB then updates", []string{
			"libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2",
			"libbgpstream-testdumps/routeviews.route-views.jinx.updates.1401493500.bz2"}, 400},
		{"YouTube 2008 day", youtube, 400},
		{"IPv6 and session resets rrc06", []string{"libbgpstream-testdumps/ris.rrc06.updates.1401488100.gz"}, 400},
		{"session resets 2002", []string{"ripe-bgpdump-testdata/updates.20020722.2238.gz"}, 400},
		{"ADD-PATH RIB", []string{"ripe-bgpdump-testdata/bview.ipv6_unicast_add_path.gz", "ripe-bgpdump-testdata/bview.ipv4_unicast_add_path.gz"}, 100},
		{"ADD-PATH updates", []string{"lab-daemons-mrtparse/bird6-mrtdump_bgp", "lab-daemons-mrtparse/bird-mrtdump_bgp"}, 100},
		{"IPv6 RIB", []string{"pyasn-samples/rib6.20151101.0600_firstMB.bz2"}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var files []string
			for _, f := range tc.files {
				files = append(files, sharedtest.MRT(t, f))
			}
			// the reference: lines of all files in order, checked at the
			// end of each file and in the middle of the last one
			skip := map[netip.Prefix]bool{}
			var all []refEvent
			var ends []int64
			for _, name := range files {
				for p := range multicastPrefixes(t, name) {
					skip[p] = true
				}
				for _, l := range refLines(t, name) {
					e, ok, err := parseRef(l)
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						all = append(all, e)
					}
				}
				ends = append(ends, all[len(all)-1].t)
			}
			times := append(ends, all[len(all)*3/4].t)
			slices.Sort(times)
			rnd := rand.New(rand.NewPCG(1, 2))
			model := newRefModel()
			type check struct {
				at   int64
				p    netip.Prefix
				want []string
			}
			var checks []check
			i := 0
			for _, at := range times {
				for ; i < len(all) && all[i].t <= at; i++ {
					model.apply(all[i])
				}
				var ps []netip.Prefix
				for p := range model.routes {
					if !skip[p] {
						ps = append(ps, p)
					}
				}
				slices.SortFunc(ps, netip.Prefix.Compare)
				for range min(tc.samples, len(ps)) {
					p := ps[rnd.IntN(len(ps))]
					checks = append(checks, check{at, p, model.lines(p)})
				}
			}

			ix := openTest(t, Options{SnapshotEvery: 4})
			if n := ingest(t, ix, "rv", 5000, files...); n == 0 {
				t.Fatal("no events")
			}
			for _, c := range checks {
				rs, err := ix.Routes(c.p, time.UnixMicro(c.at), Exact)
				if err != nil {
					t.Fatal(err)
				}
				if got := routeLines(rs); !slices.Equal(got, c.want) {
					t.Errorf("%s at %d:\n got %q\nwant %q", c.p, c.at, got, c.want)
				}
			}
			// table sizes at the end
			counts := map[netip.Addr][2]int{}
			for p, rs := range model.routes {
				for r := range rs {
					c := counts[r.peer]
					if p.Addr().Is4() {
						c[0]++
					} else {
						c[1]++
					}
					counts[r.peer] = c
				}
			}
			peers, err := ix.Peers("rv", time.UnixMicro(times[len(times)-1]))
			if err != nil {
				t.Fatal(err)
			}
			if len(skip) == 0 {
				for _, p := range peers {
					if c := counts[p.Addr]; c != [2]int{p.V4, p.V6} {
						t.Errorf("peer %s: %d IPv4 and %d IPv6 routes, want %v", p.Addr, p.V4, p.V6, c)
					}
				}
			}
			t.Logf("%d events, %d checks, %d peers, %d attribute sets", len(all), len(checks), len(peers), len(ix.attrs))
		})
	}
}
