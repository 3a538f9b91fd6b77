package calls

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// Overload limits of asn-neighbours for browser requests (spec §1.7):
// neighbours in the summary layouts, paths in the detailed one.
const (
	asnNeighboursMax      = 5000
	asnNeighboursPathsMax = 20000
)

// asnNeighboursData is asn-neighbours' data in layout 3.2 (spec §2.6),
// keys in RIPEstat's order.
type asnNeighboursData struct {
	Resource        string           `json:"resource"`
	QueryStarttime  string           `json:"query_starttime"`
	QueryEndtime    string           `json:"query_endtime"`
	LatestTime      string           `json:"latest_time"`
	EarliestTime    string           `json:"earliest_time"`
	NeighbourCounts neighbourCounts  `json:"neighbour_counts"`
	Neighbours      []asnNeighbourV3 `json:"neighbours"`
	Parameters      map[string]any   `json:"parameters"`
}

// neighbourCounts counts the neighbours by type; unique counts distinct
// ASes.
type neighbourCounts struct {
	Left      int `json:"left"`
	Right     int `json:"right"`
	Unique    int `json:"unique"`
	Uncertain int `json:"uncertain"`
}

// asnNeighbourV3 is a neighbour in layout 3.2: power is the number of
// distinct AS paths with the adjacency, v4_peers and v6_peers the routes
// (prefix × peer) with it.
type asnNeighbourV3 struct {
	ASN     uint32 `json:"asn"`
	Type    string `json:"type"`
	Power   int    `json:"power"`
	V4Peers int    `json:"v4_peers"`
	V6Peers int    `json:"v6_peers"`
}

// asnNeighboursDataV4 is asn-neighbours' data in layout 4.1 (prsw's),
// keys in the order of RIPEstat's answers.
type asnNeighboursDataV4 struct {
	QueryTime       string           `json:"query_time"`
	Neighbours      []asnNeighbourV4 `json:"neighbours"`
	NeighbourCounts neighbourCounts  `json:"neighbour_counts"`
	Resource        string           `json:"resource"`
	Lod             int64            `json:"lod"`
	LatestTime      string           `json:"latest_time"`
	EarliestTime    string           `json:"earliest_time"`
	Parameters      map[string]any   `json:"parameters"`
}

// asnNeighbourV4 is a neighbour in layout 4.1; details only at lod=1.
type asnNeighbourV4 struct {
	ASN      uint32            `json:"asn"`
	Position string            `json:"position"`
	Details  *neighbourDetails `json:"details,omitempty"`
}

// neighbourDetails is how widely a neighbour is seen: peers per family,
// distinct AS paths, and where each path is seen.
type neighbourDetails struct {
	PeerCount familyCount     `json:"peer_count"`
	PathCount int             `json:"path_count"`
	Paths     []neighbourPath `json:"paths"`
}

// familyCount is a count per address family.
type familyCount struct {
	V4 int `json:"v4"`
	V6 int `json:"v6"`
}

// neighbourPath is one AS path with the adjacency and the collectors
// whose peers have it, per family.
type neighbourPath struct {
	Path      string        `json:"path"`
	Locations pathLocations `json:"locations"`
}

// pathLocations are a path's collectors per family.
type pathLocations struct {
	V4 []pathLocation `json:"v4"`
	V6 []pathLocation `json:"v6"`
}

// pathLocation is a collector and how many of its peers have the path.
type pathLocation struct {
	Location  string `json:"location"`
	PeerCount int    `json:"peer_count"`
}

// asnNeighboursCall declares asn-neighbours in layout version (3.2, the
// default, or 4.1).
func asnNeighboursCall(d *Deps, version string) api.Call {
	return api.Call{
		Name:    "asn-neighbours",
		Version: version,
		Default: version == "3.2",
		Doc: "The ASes adjacent to an AS in the AS paths routed at a time: left (towards the collector), right (towards the origin) " +
			"or uncertain (left only as the collector's own peer), with the number of AS paths and routes showing each. " +
			"Layout 4.1 (preferred_version=4.1) adds, at lod=1, the paths and where they are seen.",
		Methodology: "From every route at the query time (all collectors, all peers, IPv4 and IPv6) whose AS path has the AS next to " +
			"another AS in an AS_SEQUENCE; prepending is collapsed and an AS_SET ends an adjacency. A left neighbour that is only ever " +
			"the route's peer AS at the start of the path is \"uncertain\". power (path_count) counts distinct AS paths, " +
			"v4_peers/v6_peers count routes (prefix × peer), 4.1's peer_count counts peers.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindASN, Required: true, Doc: "The AS number."},
			{Name: "query_time", Kind: api.KindTime, Doc: "Time of the answer (default: the latest data)."},
			{Name: "starttime", Kind: api.KindTime, Doc: "Older name of query_time, used when query_time is absent."},
			{Name: "lod", Kind: api.KindInt, Default: "1", Min: 0, Max: 1, Doc: "Level of detail of layout 4.1: 0 without, 1 with the paths."},
		},
		Handle: d.asnNeighbours,
	}
}

// nbKey is a neighbour on one side.
type nbKey struct {
	as    uint32
	right bool
}

// nbAgg is what the paths say about one neighbour on one side.
type nbAgg struct {
	// certain: for a left neighbour, seen other than as the route's
	// peer at the start of the path.
	certain bool
	// routes per family
	v4, v6 int
	// peers per family
	peers [2]map[index.PeerRef]bool
	// paths by their string, with their peers per family and collector
	// when details are asked for (else nil)
	paths map[string]*[2]map[string]map[netip.Addr]bool
}

// asNeighbours aggregates the neighbours of as over paths; details
// records where each path is seen.
func asNeighbours(as uint32, paths []index.PathRoutes, details bool) map[nbKey]*nbAgg {
	out := map[nbKey]*nbAgg{}
	var seen []nbSide
	for _, pr := range paths {
		seen = pathNeighbours(pr.Attrs.ASPath, as, seen[:0])
		if len(seen) == 0 {
			continue
		}
		ps := asPathString(pr.Attrs.ASPath)
		ref := index.PeerRef{Collector: pr.Collector, Addr: pr.PeerAddr}
		for _, s := range seen {
			k := nbKey{s.as, s.right}
			a := out[k]
			if a == nil {
				a = &nbAgg{paths: map[string]*[2]map[string]map[netip.Addr]bool{}}
				a.peers[0], a.peers[1] = map[index.PeerRef]bool{}, map[index.PeerRef]bool{}
				out[k] = a
			}
			if s.right || !s.first || s.as != pr.PeerAS {
				a.certain = true
			}
			a.v4 += pr.V4
			a.v6 += pr.V6
			p, ok := a.paths[ps]
			if !ok && details {
				p = &[2]map[string]map[netip.Addr]bool{{}, {}}
			}
			a.paths[ps] = p
			for fam, n := range [2]int{pr.V4, pr.V6} {
				if n == 0 {
					continue
				}
				a.peers[fam][ref] = true
				if p == nil {
					continue
				}
				if p[fam][pr.Collector] == nil {
					p[fam][pr.Collector] = map[netip.Addr]bool{}
				}
				p[fam][pr.Collector][pr.PeerAddr] = true
			}
		}
	}
	return out
}

// nbSide is a neighbour found in one path.
type nbSide struct {
	as    uint32
	right bool
	// first: a left neighbour that is the first AS of the path
	first bool
}

// pathNeighbours appends to dst the neighbours of as in an AS path, each
// (AS, side) once: prepending collapsed, adjacency only inside and across
// AS_SEQUENCEs (an AS_SET breaks it).
func pathNeighbours(segs []index.Segment, as uint32, dst []nbSide) []nbSide {
	var prev uint32
	have, prevFirst, leading := false, false, true
	add := func(s nbSide) {
		for i := range dst {
			if dst[i].as == s.as && dst[i].right == s.right {
				dst[i].first = dst[i].first && s.first
				return
			}
		}
		dst = append(dst, s)
	}
	for _, seg := range segs {
		if seg.Set {
			have, leading = false, false
			continue
		}
		for _, x := range seg.ASNs {
			if have && x == prev {
				continue
			}
			if have {
				if x == as {
					add(nbSide{as: prev, first: prevFirst})
				} else if prev == as {
					add(nbSide{as: x, right: true})
				}
				leading = false
			}
			prev, have, prevFirst = x, true, leading
		}
	}
	return dst
}

// neighbourType is a neighbour's type: "left", "right" or "uncertain".
func neighbourType(k nbKey, a *nbAgg) string {
	switch {
	case k.right:
		return "right"
	case a.certain:
		return "left"
	}
	return "uncertain"
}

// typeRank orders the types as RIPEstat lists them.
var typeRank = map[string]int{"left": 0, "right": 1, "uncertain": 2}

// sortedNeighbours returns the neighbours in RIPEstat's order: by type
// (left, right, uncertain), then by the AS number as a string (RIPEstat
// sorts "137409" before "15958"), with the counts.
func sortedNeighbours(aggs map[nbKey]*nbAgg) ([]nbKey, neighbourCounts) {
	keys := make([]nbKey, 0, len(aggs))
	var c neighbourCounts
	unique := map[uint32]bool{}
	for k, a := range aggs {
		keys = append(keys, k)
		unique[k.as] = true
		switch neighbourType(k, a) {
		case "left":
			c.Left++
		case "right":
			c.Right++
		default:
			c.Uncertain++
		}
	}
	c.Unique = len(unique)
	slices.SortFunc(keys, func(a, b nbKey) int {
		return cmp.Or(cmp.Compare(typeRank[neighbourType(a, aggs[a])], typeRank[neighbourType(b, aggs[b])]),
			cmp.Compare(strconv.FormatUint(uint64(a.as), 10), strconv.FormatUint(uint64(b.as), 10)))
	})
	return keys, c
}

// asnNeighbours answers asn-neighbours in the layout asked for.
func (d *Deps) asnNeighbours(_ context.Context, q *api.Query) (any, error) {
	as := q.Resource("resource").ASN
	at := d.topoTime(q, "query_time", "starttime")
	paths, err := d.Index.ASPaths(as, at)
	if err != nil {
		return nil, fmt.Errorf("asn-neighbours: %w", err)
	}
	aggs := asNeighbours(as, paths, q.Version() == "4.1" && q.Int("lod") == 1)
	keys, counts := sortedNeighbours(aggs)
	qt := api.FormatTime(at)
	params := q.Parameters()
	params["query_time"] = qt
	resource := q.Resource("resource").String()
	latest, earliest := api.FormatTime(d.topoLatest(q.Now())), d.topoEarliest()
	if q.Version() == "4.1" {
		return asnNeighboursV4(q, keys, aggs, asnNeighboursDataV4{QueryTime: qt, NeighbourCounts: counts, Resource: resource,
			Lod: q.Int("lod"), LatestTime: latest, EarliestTime: earliest, Parameters: params}), nil
	}
	out := asnNeighboursData{Resource: resource, QueryStarttime: qt, QueryEndtime: qt, LatestTime: latest, EarliestTime: earliest,
		NeighbourCounts: counts, Neighbours: []asnNeighbourV3{}, Parameters: params}
	if q.Overloaded(len(keys), asnNeighboursMax) {
		return out, nil
	}
	for _, k := range keys {
		a := aggs[k]
		out.Neighbours = append(out.Neighbours, asnNeighbourV3{ASN: k.as, Type: neighbourType(k, a), Power: len(a.paths), V4Peers: a.v4, V6Peers: a.v6})
	}
	return out, nil
}

// asnNeighboursV4 fills layout 4.1's neighbours, with details at lod=1.
func asnNeighboursV4(q *api.Query, keys []nbKey, aggs map[nbKey]*nbAgg, out asnNeighboursDataV4) asnNeighboursDataV4 {
	out.Neighbours = []asnNeighbourV4{}
	n, limit := len(keys), asnNeighboursMax
	if out.Lod == 1 {
		n, limit = 0, asnNeighboursPathsMax
		for _, a := range aggs {
			n += len(a.paths)
		}
	}
	if q.Overloaded(n, limit) {
		return out
	}
	for _, k := range keys {
		a := aggs[k]
		nb := asnNeighbourV4{ASN: k.as, Position: neighbourType(k, a)}
		if out.Lod == 1 {
			nb.Details = neighbourDetailsOf(a)
		}
		out.Neighbours = append(out.Neighbours, nb)
	}
	return out
}

// neighbourDetailsOf is layout 4.1's details of a neighbour: paths sorted
// by string, locations by collector.
func neighbourDetailsOf(a *nbAgg) *neighbourDetails {
	det := &neighbourDetails{PeerCount: familyCount{len(a.peers[0]), len(a.peers[1])}, PathCount: len(a.paths), Paths: []neighbourPath{}}
	for ps, p := range a.paths {
		np := neighbourPath{Path: ps, Locations: pathLocations{V4: []pathLocation{}, V6: []pathLocation{}}}
		for fam, dst := range []*[]pathLocation{&np.Locations.V4, &np.Locations.V6} {
			for coll, peers := range p[fam] {
				*dst = append(*dst, pathLocation{Location: coll, PeerCount: len(peers)})
			}
			slices.SortFunc(*dst, func(a, b pathLocation) int { return cmp.Compare(a.Location, b.Location) })
		}
		det.Paths = append(det.Paths, np)
	}
	slices.SortFunc(det.Paths, func(a, b neighbourPath) int { return cmp.Compare(a.Path, b.Path) })
	return det
}
