package calls

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// peerCalls returns the peer and visibility calls: looking-glass,
// ris-peers, ris-peerings, ris-first-last-seen and visibility. They
// answer from the index's current routes and peer table sizes; times
// default to the latest data the index holds.
func peerCalls(d *Deps) []api.Call {
	return []api.Call{lookingGlassCall(d), risPeersCall(d), risPeeringsCall(d), risFirstLastSeenCall(d), visibilityCall(d)}
}

// apiTime is a time written as the data API writes times (spec §1.5), or
// null when zero (an empty index has no latest time).
type apiTime time.Time

// MarshalJSON writes the time as "2006-01-02T15:04:05" in UTC, or null.
func (t apiTime) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + api.FormatTime(time.Time(t)) + `"`), nil
}

// queryTimeParam is the optional point-in-time parameter of the RIB-style
// calls; absent, they answer at the index's latest data.
var queryTimeParam = api.Param{Name: "query_time", Kind: api.KindTime,
	Doc: "Time to answer for; default the latest data of the index. Not moved to RIB dump times: the index is continuous."}

// queryTime returns the time a call answers for: the query_time given,
// else the index's latest data.
func (d *Deps) queryTime(q *api.Query) time.Time {
	if q.Given("query_time") {
		return q.Time("query_time")
	}
	return d.Index.Latest()
}

// timeParams is the parameters echo of the calls whose only own
// parameter is query_time (spec §2.12).
type timeParams struct {
	QueryTime apiTime `json:"query_time"`
	Cache     *string `json:"cache"`
}

// collectorSite is where a route collector is: what the probe objects of
// visibility and ris-peerings, and looking-glass's location, show.
type collectorSite struct {
	City, Country, IXP  string
	Latitude, Longitude float64
}

// collectorSites are the known collectors' sites (RIPE RIS's published
// list, and the RouteViews collectors of the test data). Others are shown
// without a site.
var collectorSites = map[string]collectorSite{
	"rrc00":            {"Amsterdam", "Netherlands", "Multihop", 52.37, 4.89},
	"rrc01":            {"London", "United Kingdom", "LINX, LONAP", 51.51, -0.13},
	"rrc03":            {"Amsterdam", "Netherlands", "AMS-IX, NL-IX", 52.37, 4.89},
	"rrc04":            {"Geneva", "Switzerland", "CIXP", 46.2, 6.14},
	"rrc05":            {"Vienna", "Austria", "VIX", 48.21, 16.37},
	"rrc06":            {"Otemachi", "Japan", "DIX-IE, JPIX", 35.69, 139.77},
	"rrc07":            {"Stockholm", "Sweden", "Netnod", 59.33, 18.07},
	"rrc10":            {"Milan", "Italy", "MIX", 45.46, 9.19},
	"rrc11":            {"New York", "United States", "NYIIX", 40.71, -74.01},
	"rrc12":            {"Frankfurt", "Germany", "DE-CIX", 50.11, 8.68},
	"rrc13":            {"Moscow", "Russia", "MSK-IX", 55.76, 37.62},
	"rrc14":            {"Palo Alto", "United States", "PAIX", 37.44, -122.14},
	"rrc15":            {"Sao Paulo", "Brazil", "PTTMetro-SP", -23.55, -46.63},
	"rrc16":            {"Miami", "United States", "NOTA", 25.76, -80.19},
	"rrc18":            {"Barcelona", "Spain", "CATNIX", 41.39, 2.17},
	"rrc19":            {"Johannesburg", "South Africa", "NAP Africa JB", -26.2, 28.05},
	"rrc20":            {"Zurich", "Switzerland", "SwissIX", 47.38, 8.54},
	"rrc21":            {"Paris", "France", "France-IX", 48.86, 2.35},
	"rrc22":            {"Bucharest", "Romania", "InterLAN", 44.43, 26.1},
	"rrc23":            {"Singapore", "Singapore", "Equinix SG", 1.35, 103.82},
	"rrc24":            {"Montevideo", "Uruguay", "Multihop", -34.9, -56.16},
	"rrc25":            {"Amsterdam", "Netherlands", "Multihop", 52.37, 4.89},
	"rrc26":            {"Dubai", "United Arab Emirates", "UAE-IX", 25.2, 55.27},
	"route-views2":     {"Eugene", "United States", "Multihop", 44.05, -123.09},
	"route-views.jinx": {"Johannesburg", "South Africa", "JINX", -26.2, 28.05},
}

// rrcName is a collector's name as the probe and looking-glass objects
// show it: RIS collectors upper case ("RRC00"), others as they are.
func rrcName(coll string) string {
	if strings.HasPrefix(coll, "rrc") {
		return strings.ToUpper(coll)
	}
	return coll
}

// location is a collector's "City, Country", or "" when unknown.
func location(coll string) string {
	s, ok := collectorSites[coll]
	if !ok {
		return ""
	}
	return s.City + ", " + s.Country
}

// probe is a collector as visibility and ris-peerings describe it.
type probe struct {
	Name          string  `json:"name"`
	City          string  `json:"city"`
	Country       string  `json:"country"`
	IXP           string  `json:"ixp"`
	Latitude      float64 `json:"latitude"`
	Longitude     float64 `json:"longitude"`
	IPv4PeerCount int     `json:"ipv4_peer_count"`
	IPv6PeerCount int     `json:"ipv6_peer_count"`
}

// collectorPeers is one collector's peers with routes at a time.
type collectorPeers struct {
	name  string
	peers []index.Peer
}

// probe describes the collector: its site and how many of its peers have
// IPv4 and IPv6 routes.
func (c *collectorPeers) probe() probe {
	s := collectorSites[c.name]
	p := probe{Name: rrcName(c.name), City: s.City, Country: s.Country, IXP: s.IXP, Latitude: s.Latitude, Longitude: s.Longitude}
	for _, pe := range c.peers {
		if pe.V4 > 0 {
			p.IPv4PeerCount++
		}
		if pe.V6 > 0 {
			p.IPv6PeerCount++
		}
	}
	return p
}

// activePeers returns, by collector name, the peers that have at least
// one route at time at (a peer whose session is down, or that had not
// sent anything yet, is left out).
func (d *Deps) activePeers(at time.Time) ([]collectorPeers, error) {
	all, err := d.Index.Peers("", at)
	if err != nil {
		return nil, fmt.Errorf("peers at %s: %w", api.FormatTime(at), err)
	}
	var out []collectorPeers
	for _, pe := range all {
		if pe.V4+pe.V6 == 0 {
			continue
		}
		if n := len(out); n == 0 || out[n-1].name != pe.Collector {
			out = append(out, collectorPeers{name: pe.Collector})
		}
		out[len(out)-1].peers = append(out[len(out)-1].peers, pe)
	}
	return out, nil
}

// peerID names a peer: its collector and address.
type peerID struct {
	coll string
	addr netip.Addr
}

// hostPrefix is the single-address prefix of a.
func hostPrefix(a netip.Addr) netip.Prefix {
	return netip.PrefixFrom(a, a.BitLen())
}

// coveringPrefix returns the most specific prefix covering a that some
// peer routes at time at (ok false when none does).
func (d *Deps) coveringPrefix(a netip.Addr, at time.Time) (netip.Prefix, bool, error) {
	rs, err := d.Index.Routes(hostPrefix(a), at, index.Exact|index.LessSpecific)
	if err != nil {
		return netip.Prefix{}, false, fmt.Errorf("routes covering %s: %w", a, err)
	}
	if len(rs) == 0 {
		return netip.Prefix{}, false, nil
	}
	best := rs[0].Prefix
	for _, r := range rs[1:] {
		if r.Prefix.Bits() > best.Bits() {
			best = r.Prefix
		}
	}
	return best, true, nil
}

// resourcePrefixes returns the prefixes a call about a network resource
// looks at, at time at: a prefix itself; for an address, the most
// specific routed prefix covering it (none when unrouted); for an AS,
// the prefixes it originates at at. related tells whether they differ
// from the resource (related_prefixes). An AS with more than limit
// prefixes trips the data overload guard: overloaded is then true and no
// prefix is returned.
func (d *Deps) resourcePrefixes(q *api.Query, r api.Resource, at time.Time, limit int) (ps []netip.Prefix, related, overloaded bool, err error) {
	switch r.Kind {
	case api.ResPrefix:
		return []netip.Prefix{r.Prefix}, false, false, nil
	case api.ResAddr:
		p, ok, err := d.coveringPrefix(r.Addr, at)
		if err != nil || !ok {
			return nil, false, false, err
		}
		return []netip.Prefix{p}, true, false, nil
	case api.ResASN:
		aps, err := d.Index.ASPrefixes(r.ASN, at, false)
		if err != nil {
			return nil, false, false, fmt.Errorf("prefixes of AS%d: %w", r.ASN, err)
		}
		if q.Overloaded(len(aps), limit) {
			return nil, true, true, nil
		}
		for _, ap := range aps {
			ps = append(ps, ap.Prefix)
		}
		return ps, true, false, nil
	}
	return nil, false, false, api.BadParam("resource", r.String(), "an AS number, a prefix or an address is expected")
}

// routesOf returns the routes at time at of the prefixes, checking ctx
// between prefixes.
func (d *Deps) routesOf(ctx context.Context, ps []netip.Prefix, at time.Time) ([]index.Route, error) {
	var out []index.Route
	for _, p := range ps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rs, err := d.Index.Routes(p, at, index.Exact)
		if err != nil {
			return nil, fmt.Errorf("routes of %s: %w", p, err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// asPathString writes an AS path as bgpdump and RIPEstat's looking glass
// do: space-separated, AS_SETs in braces with commas ("3333 {1,2}").
func asPathString(segs []index.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Set {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteByte('{')
			for i, as := range s.ASNs {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.FormatUint(uint64(as), 10))
			}
			b.WriteByte('}')
			continue
		}
		for _, as := range s.ASNs {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatUint(uint64(as), 10))
		}
	}
	return b.String()
}

// asPathInts returns the AS_SEQUENCE members of a path in order; AS_SET
// members are left out (an int array cannot show a set).
func asPathInts(segs []index.Segment) []uint32 {
	out := []uint32{}
	for _, s := range segs {
		if !s.Set {
			out = append(out, s.ASNs...)
		}
	}
	return out
}

// communitiesString writes standard communities as "asn:value"
// separated by spaces, numerically (well-known ones too).
func communitiesString(cs []uint32) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = strconv.FormatUint(uint64(c>>16), 10) + ":" + strconv.FormatUint(uint64(c&0xffff), 10)
	}
	return strings.Join(parts, " ")
}

// largeCommunitiesString writes large communities as "a:b:c" separated
// by spaces.
func largeCommunitiesString(cs [][3]uint32) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%d:%d:%d", c[0], c[1], c[2])
	}
	return strings.Join(parts, " ")
}

// originName is the ORIGIN attribute as bgpdump names it, "" when absent.
func originName(o uint8) string {
	switch o {
	case 0:
		return "IGP"
	case 1:
		return "EGP"
	case 2:
		return "INCOMPLETE"
	}
	return ""
}
