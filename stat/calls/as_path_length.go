package calls

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// asPathLengthMaxPrefixes bounds the prefixes of one origin AS whose
// routes as-path-length reads for a browser request (spec §1.7).
const asPathLengthMaxPrefixes = 20000

// asPathLengthData is as-path-length's data (spec §2.28, v2.1).
type asPathLengthData struct {
	Resource       string           `json:"resource"`
	SortBy         string           `json:"sort_by"`
	QueryTime      string           `json:"query_time"`
	QueryStarttime string           `json:"query_starttime"`
	QueryEndtime   string           `json:"query_endtime"`
	Stats          []pathLengthStat `json:"stats"`
	Parameters     map[string]any   `json:"parameters"`
}

// pathLengthStat is the lengths of the AS paths to the AS at one
// collector. number is the RIS collector's number (-1 for a collector
// that is not rrcNN); collector names it.
type pathLengthStat struct {
	Number     int        `json:"number"`
	Location   string     `json:"location"`
	Count      int        `json:"count"`
	Stripped   lengthStat `json:"stripped"`
	Unstripped lengthStat `json:"unstripped"`
	Collector  string     `json:"collector"`
	// longitude orders sort_by=geo.
	longitude float64
}

// lengthStat summarises path lengths.
type lengthStat struct {
	Min int     `json:"min"`
	Max int     `json:"max"`
	Sum int     `json:"sum"`
	Avg float64 `json:"avg"`
}

// add counts one path length.
func (s *lengthStat) add(n int, first bool) {
	if first || n < s.Min {
		s.Min = n
	}
	if first || n > s.Max {
		s.Max = n
	}
	s.Sum += n
}

// asPathLengthCall declares as-path-length.
func asPathLengthCall(d *Deps) api.Call {
	return api.Call{
		Name:    "as-path-length",
		Version: "2.1",
		Doc:     "Lengths of the AS paths to an AS's prefixes seen at each collector: count of routes, min, max, sum and average, with and without prepending.",
		Methodology: "From the routes at the query time whose origin (last AS of the path) is the AS, per collector. The peer's own AS " +
			"(the leading run of the peer's AS number) is not counted; an AS_SET counts as one AS. \"unstripped\" counts every AS " +
			"of the path, \"stripped\" counts it with prepending removed. A route of a peer that originates the prefix itself has length 0.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindASN, Required: true, Doc: "The AS number."},
			{Name: "sort_by", Kind: api.KindEnum, Default: "number", Values: []string{"number", "count", "location", "geo"},
				Doc: "Order of the collectors: number (collector number, then name), count (most routes first), location (name of the site), geo (west to east)."},
			{Name: "query_time", Kind: api.KindTime, Doc: "Time of the answer (default: the latest data)."},
		},
		Handle: d.asPathLength,
	}
}

// asPathLength answers as-path-length.
func (d *Deps) asPathLength(_ context.Context, q *api.Query) (any, error) {
	as := q.Resource("resource").ASN
	at := d.topoTime(q, "query_time")
	qt := api.FormatTime(at)
	params := q.Parameters()
	params["query_time"] = qt
	out := asPathLengthData{Resource: q.Resource("resource").String(), SortBy: q.String("sort_by"), QueryTime: qt,
		QueryStarttime: qt, QueryEndtime: qt, Stats: []pathLengthStat{}, Parameters: params}
	tls, err := d.Index.OriginPrefixes(as, at, at)
	if err != nil {
		return nil, fmt.Errorf("as-path-length: %w", err)
	}
	if q.Overloaded(len(tls), asPathLengthMaxPrefixes) {
		return out, nil
	}
	by := map[string]*pathLengthStat{}
	for _, tl := range tls {
		routes, err := d.Index.Routes(tl.Prefix, at, index.Exact)
		if err != nil {
			return nil, fmt.Errorf("as-path-length: %w", err)
		}
		for _, r := range routes {
			if r.Attrs.OriginAS() != as {
				continue
			}
			s := by[r.Collector]
			if s == nil {
				s = newPathLengthStat(r.Collector)
				by[r.Collector] = s
			}
			unstripped, stripped := pathLengths(r.Attrs.ASPath, r.PeerAS)
			s.Unstripped.add(unstripped, s.Count == 0)
			s.Stripped.add(stripped, s.Count == 0)
			s.Count++
		}
	}
	for _, s := range by {
		s.Unstripped.Avg = avg2(s.Unstripped.Sum, s.Count)
		s.Stripped.Avg = avg2(s.Stripped.Sum, s.Count)
		out.Stats = append(out.Stats, *s)
	}
	sortPathLengthStats(out.Stats, out.SortBy)
	return out, nil
}

// newPathLengthStat returns the empty stats of a collector with its
// number and site.
func newPathLengthStat(collector string) *pathLengthStat {
	s := &pathLengthStat{Number: -1, Collector: collector}
	if n, ok := risNumber(collector); ok {
		s.Number = n
	}
	if site, ok := collectorSites[collector]; ok {
		s.Location, s.longitude = site.IXP+", "+site.City, site.Longitude
	}
	return s
}

// pathLengths returns the length of an AS path without the leading run
// of the peer's AS, with prepending (unstripped) and without (stripped);
// an AS_SET counts as one.
func pathLengths(segs []index.Segment, peerAS uint32) (unstripped, stripped int) {
	leading := true
	var prev uint32
	have := false
	for _, s := range segs {
		if s.Set {
			leading, have = false, false
			unstripped++
			stripped++
			continue
		}
		for _, as := range s.ASNs {
			if leading && as == peerAS {
				continue
			}
			leading = false
			unstripped++
			if !have || as != prev {
				stripped++
			}
			prev, have = as, true
		}
	}
	return unstripped, stripped
}

// avg2 is sum/n rounded to two decimals (0 when n is 0).
func avg2(sum, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(float64(sum)/float64(n)*100) / 100
}

// sortPathLengthStats orders the collectors as sort_by asks, then by
// collector name.
func sortPathLengthStats(stats []pathLengthStat, by string) {
	slices.SortFunc(stats, func(a, b pathLengthStat) int {
		var c int
		switch by {
		case "count":
			c = cmp.Compare(b.Count, a.Count)
		case "location":
			c = cmp.Compare(a.Location, b.Location)
		case "geo":
			c = cmp.Compare(a.longitude, b.longitude)
		default:
			na, nb := a.Number, b.Number
			if na < 0 {
				na = math.MaxInt
			}
			if nb < 0 {
				nb = math.MaxInt
			}
			c = cmp.Compare(na, nb)
		}
		return cmp.Or(c, cmp.Compare(a.Collector, b.Collector))
	})
}
