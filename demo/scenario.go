package demo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"
)

// The scenario's fixed facts: who is who and when things happen.
const (
	// Origin is the legitimate origin of the monitored space (AS4725, as
	// in the seed tutorial's exercise).
	Origin uint32 = 4725
	// Hijacker originates the more specific; HijackerUpstream carries it.
	// Both are documentation AS numbers (RFC 5398), so that no real
	// network is accused.
	Hijacker         uint32 = 64511
	HijackerUpstream uint32 = 64510
	// PeerCount collector peers (documentation ASes 64496-64507) feed
	// the collector; HijackPeers of them come to see the hijack.
	PeerCount   = 12
	HijackPeers = 8
	// firstPeerAS is the first peer's AS; peer i has firstPeerAS + i.
	firstPeerAS uint32 = 64496
	// hijackerTransit is the transit AS behind the hijacker's upstream.
	hijackerTransit uint32 = 6939
	// seed makes the generator deterministic.
	seed = 0x20190923
)

// Times of the scenario.
var (
	// Start is the time of the scenario's RIB dump and of the
	// collector's clock until the first update is played.
	Start = time.Date(2019, 9, 23, 8, 0, 0, 0, time.UTC)
	// End is when the scenario's clock slows to real time.
	End = time.Date(2019, 9, 23, 9, 0, 0, 0, time.UTC)
	// HijackAt is when the hijacker's first announcement is seen.
	HijackAt = time.Date(2019, 9, 23, 8, 30, 0, 0, time.UTC)
	// WithdrawAt is when the hijacker's route starts being withdrawn.
	WithdrawAt = time.Date(2019, 9, 23, 8, 47, 0, 0, time.UTC)
)

// FullFeedV4 and FullFeedV6 are the table sizes from which the demo's
// peers count as full-feed peers (index.Options.FullFeedV4/V6): each
// carries nearly the whole generated table, about 320 IPv4 and 40 IPv6
// routes, as a real peer with a full table carries the Internet's.
const (
	FullFeedV4 = 250
	FullFeedV6 = 30
)

// Prefixes of the story.
var (
	// OriginPrefix is AS4725's prefix the hijack targets; OriginPrefixes
	// are all AS4725 announces.
	OriginPrefix   = netip.MustParsePrefix("202.33.0.0/16")
	OriginPrefixes = []netip.Prefix{
		netip.MustParsePrefix("61.204.0.0/16"),
		OriginPrefix,
		netip.MustParsePrefix("202.224.0.0/16"),
		netip.MustParsePrefix("210.131.0.0/16"),
		netip.MustParsePrefix("211.130.0.0/16"),
	}
	// HijackedPrefix is the more specific the hijacker announces.
	HijackedPrefix = netip.MustParsePrefix("202.33.14.0/24")
	// OriginUpstreams are AS4725's transit providers: every path to its
	// prefixes reaches it through one of them.
	OriginUpstreams = []uint32{2497, 2914}
)

// transits are well-known transit networks: each peer buys transit from
// one of them, and they appear in the middle of paths.
var transits = []uint32{3356, 1299, 174, 2914, 6939, 6453, 3257, 6762, 3491, 1273, 7018, 6461}

// Description is the demo's label, stored with the data it loads and
// served by routestat serve --demo.
const Description = "DEMO: a generated scenario, not real routing data. " +
	"Twelve collector peers (documentation ASes 64496-64507) see AS4725 originate 202.33.0.0/16 and four more prefixes, " +
	"among a few hundred background routes with some churn. On 2019-09-23 at 08:30 UTC AS64511 (a documentation AS " +
	"standing in for a hijacker, behind AS64510) starts announcing 202.33.14.0/24, a more specific of AS4725's /16; " +
	"it reaches 8 of the 12 peers within 74 s and is withdrawn from 08:47, gone by 08:49. " +
	"Modelled on the seed tutorial's exercise."

// Peer is a collector peer of the scenario.
type Peer struct {
	// AS is the peer's AS number; Addr its address in the MRT files
	// (192.0.2.x; replayed from 127.0.0.2 on) and NextHop6 the next hop
	// of its IPv6 routes.
	AS       uint32
	Addr     netip.Addr
	NextHop6 netip.Addr
	// Transit is the peer's transit provider, the second AS of its paths.
	Transit uint32
}

// Route is a peer's route: the AS path (peer first, origin last) and one
// community. A nil Path is a withdrawal.
type Route struct {
	Peer      int
	Prefix    netip.Prefix
	Path      []uint32
	Community uint32
	// Originated is when the peer learnt the route (RIB entries only).
	Originated time.Time
}

// Update is one UPDATE of the scenario: one prefix announced or, with a
// nil Path, withdrawn by one peer.
type Update struct {
	Time time.Time
	Route
}

// Withdrawal reports whether u withdraws its prefix.
func (u Update) Withdrawal() bool { return u.Path == nil }

// Scenario is the generated demo: peers, their tables at Start and the
// updates until End, in time order.
type Scenario struct {
	Peers []Peer
	// RIB holds every peer's routes at Start, in prefix then peer order.
	RIB []Route
	// Updates are in time order.
	Updates []Update
	// Names are the AS names the demo gives (docs/asnames.md).
	Names map[uint32]string
}

// origin is a background network.
type origin struct {
	as       uint32
	provider uint32
	middle   uint32 // 0: none
	prepend  int
}

// gen holds the generator's state.
type gen struct {
	r       *rand.Rand
	s       *Scenario
	origins []origin
	// table is each peer's current route per prefix, kept while updates
	// are generated so that every update follows from the last.
	table []map[netip.Prefix]Route
	// bg are the background prefixes with their origin index.
	bg    []netip.Prefix
	bgOf  map[netip.Prefix]int
	taken []netip.Prefix
}

// Generate builds the scenario. It is deterministic: the same scenario,
// byte for byte once written, on every call.
func Generate() *Scenario {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed>>8)), s: &Scenario{Names: map[uint32]string{}}, bgOf: map[netip.Prefix]int{}}
	g.peers()
	g.background()
	g.rib()
	g.churn()
	g.hijack()
	slices.SortStableFunc(g.s.Updates, func(a, b Update) int { return a.Time.Compare(b.Time) })
	return g.s
}

func (g *gen) peers() {
	for i := range PeerCount {
		p := Peer{
			AS:       firstPeerAS + uint32(i),
			Addr:     netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + i)}),
			NextHop6: netip.MustParseAddr(fmt.Sprintf("2001:db8::%x", 1+i)),
			Transit:  transits[i],
		}
		g.s.Peers = append(g.s.Peers, p)
		g.s.Names[p.AS] = fmt.Sprintf("DEMO-PEER-%02d (documentation AS), a collector peer in the demo scenario", i+1)
		g.table = append(g.table, map[netip.Prefix]Route{})
	}
	g.s.Names[Origin] = "DEMO-ORIGIN (AS4725 of the seed tutorial's exercise; demo scenario, not real data)"
	g.s.Names[Hijacker] = "DEMO-HIJACKER (documentation AS)"
	g.s.Names[HijackerUpstream] = "DEMO-HIJACKER-UPSTREAM (documentation AS)"
}

// background picks the background networks and their prefixes: IPv4
// prefixes from /16 to /24 in public unicast space and IPv6 /32s and
// /48s in 2a00::/12, none overlapping another or AS4725's.
func (g *gen) background() {
	const origins, v4, v6 = 48, 320, 40
	for i := range origins {
		o := origin{as: 64512 + uint32(i), provider: transits[g.r.IntN(len(transits))]}
		if g.r.IntN(3) == 0 {
			o.middle = 65000 + uint32(g.r.IntN(400))
		}
		if g.r.IntN(6) == 0 {
			o.prepend = 1 + g.r.IntN(2)
		}
		g.origins = append(g.origins, o)
		g.s.Names[o.as] = fmt.Sprintf("DEMO-NET-%02d (private AS), background network of the demo scenario", i+1)
	}
	g.taken = append(g.taken, OriginPrefixes...)
	firsts := []int{5, 31, 37, 45, 46, 62, 77, 78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 93, 94, 95, 109, 130, 131, 134, 137, 141, 146, 151, 154, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217}
	lengths := []int{16, 18, 19, 20, 21, 22, 22, 23, 24, 24, 24, 24, 24, 24}
	for len(g.bg) < v4 {
		bits := lengths[g.r.IntN(len(lengths))]
		a := [4]byte{byte(firsts[g.r.IntN(len(firsts))]), byte(g.r.IntN(256)), byte(g.r.IntN(256)), 0}
		g.addBackground(netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked())
	}
	for len(g.bg) < v4+v6 {
		var a [16]byte
		a[0], a[1] = 0x2a, byte(g.r.IntN(16))
		a[2], a[3] = byte(g.r.IntN(256)), byte(g.r.IntN(256))
		bits := 32
		if g.r.IntN(3) == 0 {
			bits = 48
			a[4], a[5] = byte(g.r.IntN(256)), byte(g.r.IntN(256))
		}
		g.addBackground(netip.PrefixFrom(netip.AddrFrom16(a), bits).Masked())
	}
}

func (g *gen) addBackground(p netip.Prefix) {
	if slices.ContainsFunc(g.taken, p.Overlaps) {
		return
	}
	g.taken = append(g.taken, p)
	g.bgOf[p] = g.r.IntN(len(g.origins))
	g.bg = append(g.bg, p)
}

// path returns peer i's path to a background origin, via its own transit
// (alt: via another transit).
func (g *gen) path(i int, o origin, alt bool) []uint32 {
	p := g.s.Peers[i]
	t := p.Transit
	if alt {
		t = transits[(i+5)%len(transits)]
	}
	path := []uint32{p.AS, t, o.provider}
	if o.middle != 0 {
		path = append(path, o.middle)
	}
	for range o.prepend + 1 {
		path = append(path, o.as)
	}
	return slices.Compact(path)
}

// originPath returns peer i's path to AS4725, through one of its
// upstreams (the other one with swap).
func (g *gen) originPath(i int, swap bool) []uint32 {
	p := g.s.Peers[i]
	up := OriginUpstreams[i%2]
	if swap {
		up = OriginUpstreams[(i+1)%2]
	}
	return slices.Compact([]uint32{p.AS, p.Transit, up, Origin})
}

// community is the community peer i tags a route learnt from transit t
// with (peer AS:transit's index).
func (g *gen) community(i int, path []uint32) uint32 {
	return g.s.Peers[i].AS<<16 | uint32(100+slices.Index(transits, path[1]))
}

// rib fills every peer's table at Start: AS4725's prefixes at every
// peer, each background prefix at most peers.
func (g *gen) rib() {
	var all []netip.Prefix
	all = append(all, OriginPrefixes...)
	all = append(all, g.bg...)
	slices.SortFunc(all, func(a, b netip.Prefix) int {
		return cmp.Or(cmp.Compare(a.Addr().BitLen(), b.Addr().BitLen()), a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
	})
	for n, pfx := range all {
		oi, background := g.bgOf[pfx]
		for i := range g.s.Peers {
			var path []uint32
			if background {
				// The first prefix is seen by every peer, so that the
				// replay numbers the speakers in peer order.
				if n > 0 && g.r.IntN(40) == 0 {
					continue
				}
				path = g.path(i, g.origins[oi], false)
			} else {
				path = g.originPath(i, false)
			}
			rt := Route{Peer: i, Prefix: pfx, Path: path, Community: g.community(i, path),
				Originated: Start.Add(-time.Duration(1+g.r.IntN(30*24*3600)) * time.Second)}
			g.s.RIB = append(g.s.RIB, rt)
			g.table[i][pfx] = rt
		}
	}
}

// emit adds an update and applies it to the peer's table.
func (g *gen) emit(t time.Time, i int, pfx netip.Prefix, path []uint32) {
	rt := Route{Peer: i, Prefix: pfx, Path: path}
	if path != nil {
		rt.Community = g.community(i, path)
		g.table[i][pfx] = rt
	} else {
		delete(g.table[i], pfx)
	}
	g.s.Updates = append(g.s.Updates, Update{Time: t, Route: rt})
}

// churn adds the background activity between Start and End: path
// changes, a flap of one prefix at every peer, a new prefix, and one
// change of upstream in a path to AS4725.
func (g *gen) churn() {
	at := func(m, sec int) time.Time {
		return Start.Add(time.Duration(m)*time.Minute + time.Duration(sec)*time.Second)
	}
	flap := g.bg[1]
	// Path changes, the first at 08:00:05: each moves a peer's route to
	// a background prefix between the peer's own transit and another one.
	times := []time.Time{at(0, 5)}
	for range 39 {
		times = append(times, Start.Add(time.Duration(10+g.r.IntN(3580))*time.Second))
	}
	slices.SortFunc(times, time.Time.Compare)
	for _, t := range times {
		for {
			pfx := g.bg[g.r.IntN(len(g.bg))]
			i := g.r.IntN(PeerCount)
			cur, ok := g.table[i][pfx]
			if !ok || pfx == flap {
				continue
			}
			alt := cur.Path[1] == g.s.Peers[i].Transit
			g.emit(t, i, pfx, g.path(i, g.origins[g.bgOf[pfx]], alt))
			break
		}
	}
	// A flap: one prefix withdrawn by every peer at 08:21:10-25 and back
	// at 08:23:40-55.
	o := g.origins[g.bgOf[flap]]
	var had []int
	for i := range g.s.Peers {
		if _, ok := g.table[i][flap]; ok {
			had = append(had, i)
			g.emit(at(21, 10+g.r.IntN(16)), i, flap, nil)
		}
	}
	for _, i := range had {
		g.emit(at(23, 40+g.r.IntN(16)), i, flap, g.path(i, o, false))
	}
	// A new prefix of a background network, from 08:40.
	var fresh netip.Prefix
	for k := 0; !fresh.IsValid(); k++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{185, byte(200 + k), 12, 0}), 24)
		if !slices.ContainsFunc(g.taken, p.Overlaps) {
			fresh = p
		}
	}
	g.taken = append(g.taken, fresh)
	g.bgOf[fresh] = 7
	for i := range g.s.Peers {
		g.emit(at(40, g.r.IntN(20)), i, fresh, g.path(i, g.origins[7], false))
	}
	// Peer 6 moves AS4725's /16 to its other upstream at 08:12:30.
	g.emit(at(12, 30), 6, OriginPrefix, g.originPath(6, true))
}

// hijack adds the hijack: from HijackAt, HijackedPrefix originated by
// the hijacker reaches HijackPeers peers within 74 s over different
// paths; from WithdrawAt it is withdrawn, the last two peers first
// falling back to longer paths (path hunting), until 08:48:35.
func (g *gen) hijack() {
	peers := []int{0, 2, 3, 4, 6, 7, 9, 11}
	seen := []int{0, 2, 6, 11, 19, 30, 47, 74}
	gone := []int{0, 3, 8, 14, 25, 40, 62, 95}
	path := func(i int, hunt bool) []uint32 {
		p := g.s.Peers[i]
		path := []uint32{p.AS, p.Transit}
		if hunt {
			path = append(path, transits[(i+3)%len(transits)])
		}
		return slices.Compact(append(path, hijackerTransit, HijackerUpstream, Hijacker))
	}
	for k, i := range peers {
		g.emit(HijackAt.Add(time.Duration(seen[k])*time.Second), i, HijackedPrefix, path(i, false))
		out := WithdrawAt.Add(time.Duration(gone[k]) * time.Second)
		if k >= len(peers)-2 {
			g.emit(out.Add(-20*time.Second), i, HijackedPrefix, path(i, true))
		}
		g.emit(out, i, HijackedPrefix, nil)
	}
}
