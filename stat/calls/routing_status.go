package calls

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// routingStatusSpecifics caps less_specifics and more_specifics (spec
// §2.2).
const routingStatusSpecifics = 50

// routingStatusData is routing-status' data (spec §2.2, v3 layout); the
// AS fields and the prefix fields are left out for the other kind.
type routingStatusData struct {
	Resource           string                      `json:"resource"`
	QueryTime          string                      `json:"query_time"`
	FirstSeen          *routingStatusSeen          `json:"first_seen,omitempty"`
	LastSeen           *routingStatusSeen          `json:"last_seen,omitempty"`
	Visibility         map[string]routingStatusVis `json:"visibility"`
	AnnouncedSpace     *routingStatusSpace         `json:"announced_space,omitempty"`
	ObservedNeighbours *int                        `json:"observed_neighbours,omitempty"`
	Origins            *[]routingStatusOrigin      `json:"origins,omitempty"`
	LessSpecifics      *[]routingStatusSpecific    `json:"less_specifics,omitempty"`
	MoreSpecifics      *[]routingStatusSpecific    `json:"more_specifics,omitempty"`
	Parameters         map[string]any              `json:"parameters"`
}

// routingStatusSeen is when and with which origin a resource was first or
// last seen.
type routingStatusSeen struct {
	Prefix string `json:"prefix"`
	Origin string `json:"origin"`
	Time   string `json:"time"`
}

// routingStatusVis is the full-feed peers of one family and how many of
// them see the resource.
type routingStatusVis struct {
	RISPeersSeeing int `json:"ris_peers_seeing"`
	TotalRISPeers  int `json:"total_ris_peers"`
}

// routingStatusSpace is the address space an AS originates.
type routingStatusSpace struct {
	V4 routingStatusSpaceV4 `json:"v4"`
	V6 routingStatusSpaceV6 `json:"v6"`
}

// routingStatusSpaceV4 counts IPv4 prefixes and addresses.
type routingStatusSpaceV4 struct {
	Prefixes int   `json:"prefixes"`
	IPs      int64 `json:"ips"`
}

// routingStatusSpaceV6 counts IPv6 prefixes and /48s.
type routingStatusSpaceV6 struct {
	Prefixes int   `json:"prefixes"`
	Slash48s int64 `json:"48s"`
}

// routingStatusOrigin is an origin AS of the prefix.
type routingStatusOrigin struct {
	Origin       uint32   `json:"origin"`
	RouteObjects []string `json:"route_objects"`
}

// routingStatusSpecific is a less or more specific prefix with its
// origin.
type routingStatusSpecific struct {
	Prefix string `json:"prefix"`
	Origin uint32 `json:"origin"`
}

// routingStatusCall declares routing-status.
func routingStatusCall(d *Deps) api.Call {
	return api.Call{
		Name:    "routing-status",
		Version: "3.0",
		SnapRIB: true,
		Doc:     "Routing summary of a prefix, address or AS at a time: first and last seen, visibility by full-feed peers, origins and related prefixes, or the AS's announced space and neighbours.",
		Methodology: "From the route index at the query time: first seen is when the prefix (for an AS, any prefix it originated) was first announced; " +
			"last seen is the query time while it is routed, else when it was last withdrawn. Visibility counts the full-feed peers of each family " +
			"(table size thresholds of the index) that have a route to the prefix (for an AS, to one of its prefixes). Origins, less and more " +
			"specifics count only prefixes routed by at least min_peers_seeing peers (any peer, not only full-feed ones); route objects are not known (no IRR data).",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindResource, Accept: api.ResNetwork, Required: true, Doc: "A prefix, an address or an AS number."},
			{Name: "timestamp", Kind: api.KindTime, Doc: "Time of the answer, moved to the RIB dump time at or before it (default: the latest data)."},
			statusMinPeersParam("10", "Least number of peers routing a prefix for it to count (origins, specifics, announced space)."),
		},
		Handle: d.routingStatus,
	}
}

// routingStatus answers routing-status.
func (d *Deps) routingStatus(_ context.Context, q *api.Query) (any, error) {
	r := q.Resource("resource")
	at := d.statusTime(q, "timestamp")
	minPeers := int(q.Int("min_peers_seeing"))
	out := routingStatusData{Resource: r.String(), QueryTime: api.FormatTime(at), Parameters: q.Parameters()}
	out.Parameters["timestamp"] = out.QueryTime
	peers, err := d.Index.Peers("", at)
	if err != nil {
		return nil, fmt.Errorf("routing-status: %w", err)
	}
	if r.Kind == api.ResASN {
		err = d.routingStatusAS(&out, r.ASN, at, minPeers, peers)
	} else {
		err = d.routingStatusPrefix(q, &out, r, at, minPeers, peers)
	}
	if err != nil {
		return nil, fmt.Errorf("routing-status: %w", err)
	}
	return out, nil
}

// routingStatusVisibility counts, per family, the full-feed peers and
// those of them that seeing holds.
func routingStatusVisibility(peers []index.Peer, seeing map[string]map[index.PeerRef]bool) map[string]routingStatusVis {
	vis := map[string]routingStatusVis{"v4": {}, "v6": {}}
	for _, p := range peers {
		for _, af := range []string{"v4", "v6"} {
			full := p.FullFeedV4
			if af == "v6" {
				full = p.FullFeedV6
			}
			if !full {
				continue
			}
			v := vis[af]
			v.TotalRISPeers++
			if seeing[af][index.PeerRef{Collector: p.Collector, Addr: p.Addr}] {
				v.RISPeersSeeing++
			}
			vis[af] = v
		}
	}
	return vis
}

// routingStatusAS fills the AS fields.
func (d *Deps) routingStatusAS(out *routingStatusData, as uint32, at time.Time, minPeers int, peers []index.Peer) error {
	asn := strconv.FormatUint(uint64(as), 10)
	tls, err := d.Index.OriginPrefixes(as, time.Time{}, at)
	if err != nil {
		return err
	}
	var first, last *routingStatusSeen
	var firstT, lastT time.Time
	for _, tl := range tls {
		for _, iv := range tl.Intervals {
			if first == nil || iv.Start.Before(firstT) {
				firstT, first = iv.Start, &routingStatusSeen{tl.Prefix.String(), asn, api.FormatTime(iv.Start)}
			}
			end := iv.End
			if end.IsZero() || end.After(at) {
				end = at
			}
			if last == nil || end.After(lastT) {
				lastT, last = end, &routingStatusSeen{tl.Prefix.String(), asn, api.FormatTime(end)}
			}
		}
	}
	out.FirstSeen, out.LastSeen = first, last
	found, err := d.Index.ASPrefixes(as, at, false)
	if err != nil {
		return err
	}
	space := &routingStatusSpace{}
	var v4, v6 []netip.Prefix
	seeing := map[string]map[index.PeerRef]bool{"v4": {}, "v6": {}}
	for _, e := range found {
		af := statusFamily(e.Prefix)
		for _, p := range e.OriginPeers {
			seeing[af][p] = true
		}
		if len(e.OriginPeers) < max(minPeers, 1) {
			continue
		}
		if af == "v4" {
			v4 = append(v4, e.Prefix)
		} else {
			v6 = append(v6, e.Prefix)
		}
	}
	space.V4.Prefixes, space.V6.Prefixes = len(v4), len(v6)
	space.V4.IPs = routingStatusUnion(v4, 32)
	space.V6.Slash48s = routingStatusUnion(v6, 48)
	out.AnnouncedSpace = space
	out.Visibility = routingStatusVisibility(peers, seeing)
	nbs, err := d.Index.Neighbours(as, at, at)
	if err != nil {
		return err
	}
	distinct := map[uint32]bool{}
	for _, n := range nbs {
		distinct[n.AS] = true
	}
	n := len(distinct)
	out.ObservedNeighbours = &n
	return nil
}

// routingStatusUnion returns the size of the union of prefixes (all of
// one family) in /unit prefixes (unit 32 for IPv4 addresses, 48 for IPv6
// /48s); a prefix longer than unit counts as one. unit is at most 48, so
// the sum fits.
func routingStatusUnion(ps []netip.Prefix, unit int) int64 {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
	})
	var total int64
	var cover netip.Prefix
	for _, p := range ps {
		if cover.IsValid() && cover.Contains(p.Addr()) && cover.Bits() <= p.Bits() {
			continue
		}
		cover = p
		total += int64(1) << max(0, unit-p.Bits())
	}
	return total
}

// routingStatusPrefix fills the prefix fields.
func (d *Deps) routingStatusPrefix(q *api.Query, out *routingStatusData, r api.Resource, at time.Time, minPeers int, peers []index.Peer) error {
	p, _, err := d.statusRoutedPrefix(r, at)
	if err != nil {
		return err
	}
	if seen, ok := d.Index.Seen(p); ok && !seen.First.After(at) {
		first, last, err := d.routingStatusSeen(p, seen.First, at)
		if err != nil {
			return err
		}
		out.FirstSeen, out.LastSeen = first, last
	}
	routes, err := d.Index.Routes(p, at, index.Exact)
	if err != nil {
		return err
	}
	seeing := map[string]map[index.PeerRef]bool{"v4": {}, "v6": {}}
	for _, rt := range routes {
		seeing[statusFamily(p)][index.PeerRef{Collector: rt.Collector, Addr: rt.PeerAddr}] = true
	}
	out.Visibility = routingStatusVisibility(peers, seeing)
	exact, _, err := d.Index.Origins(p, at, index.Exact, minPeers, 0)
	if err != nil {
		return err
	}
	origins := []routingStatusOrigin{}
	for _, po := range exact {
		for _, o := range po.Origins {
			origins = append(origins, routingStatusOrigin{Origin: o.AS, RouteObjects: []string{}})
		}
	}
	out.Origins = &origins
	less, _, err := d.Index.Origins(p, at, index.LessSpecific, minPeers, 0)
	if err != nil {
		return err
	}
	// the nearest less-specifics
	less = less[max(0, len(less)-routingStatusSpecifics):]
	lessList := routingStatusList(less)
	out.LessSpecifics = &lessList
	more, truncated, err := d.Index.Origins(p, at, index.MoreSpecific, minPeers, routingStatusSpecifics)
	if err != nil {
		return err
	}
	moreList := routingStatusList(more)
	out.MoreSpecifics = &moreList
	if truncated {
		q.Info(fmt.Sprintf("Only the first %d more-specific prefixes are listed.", routingStatusSpecifics))
	}
	return nil
}

// routingStatusList lists prefixes with their main origin (the origin
// most peers route to).
func routingStatusList(pos []index.PrefixOrigins) []routingStatusSpecific {
	out := make([]routingStatusSpecific, 0, len(pos))
	for _, po := range pos {
		var origin uint32
		if len(po.Origins) > 0 {
			origin = po.Origins[0].AS
		}
		out = append(out, routingStatusSpecific{Prefix: po.Prefix.String(), Origin: origin})
	}
	return out
}

// routingStatusSeen returns when p (first seen at first) was first seen
// and with which origin, and when it was last seen up to at: at itself
// while it is routed (with the origin most peers route to), else when its
// last route went, with that route's origin.
func (d *Deps) routingStatusSeen(p netip.Prefix, first, at time.Time) (*routingStatusSeen, *routingStatusSeen, error) {
	initial, events, err := d.Index.Events([]netip.Prefix{p}, false, first, at)
	if err != nil {
		return nil, nil, err
	}
	type key struct {
		coll   string
		peer   netip.Addr
		pathID uint32
	}
	cur := map[key]uint32{}
	for _, r := range initial {
		cur[key{r.Collector, r.PeerAddr, r.PathID}] = r.Attrs.OriginAS()
	}
	seen := func(origin uint32, t time.Time) *routingStatusSeen {
		return &routingStatusSeen{Prefix: p.String(), Origin: strconv.FormatUint(uint64(origin), 10), Time: api.FormatTime(t)}
	}
	var firstSeen, lastSeen *routingStatusSeen
	for _, e := range events {
		k := key{e.Collector, e.PeerAddr, e.PathID}
		if e.Kind == index.Announce {
			if firstSeen == nil && len(cur) == 0 {
				firstSeen = seen(e.Attrs.OriginAS(), e.Time)
			}
			cur[k] = e.Attrs.OriginAS()
			continue
		}
		origin, ok := cur[k]
		if !ok {
			continue
		}
		delete(cur, k)
		if len(cur) == 0 {
			lastSeen = seen(origin, e.Time)
		}
	}
	if len(cur) > 0 {
		counts := map[uint32]int{}
		var main uint32
		for _, o := range cur {
			counts[o]++
			if c := counts[o]; c > counts[main] || c == counts[main] && o < main {
				main = o
			}
		}
		lastSeen = seen(main, at)
		if firstSeen == nil {
			firstSeen = seen(main, first)
		}
	}
	return firstSeen, lastSeen, nil
}
