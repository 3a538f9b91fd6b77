package calls

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// announcedOverload is how many prefixes a browser gets before the data
// overload guard leaves the list out.
const announcedOverload = 5000

// announcedPrefixesData is announced-prefixes' data (spec §2.1, v1.2).
type announcedPrefixesData struct {
	Resource       string            `json:"resource"`
	Prefixes       []announcedPrefix `json:"prefixes"`
	QueryStarttime string            `json:"query_starttime"`
	QueryEndtime   string            `json:"query_endtime"`
	EarliestTime   string            `json:"earliest_time"`
	LatestTime     string            `json:"latest_time"`
}

// announcedPrefix is one prefix with the times it was announced.
type announcedPrefix struct {
	Prefix    string              `json:"prefix"`
	Timelines []announcedTimeline `json:"timelines"`
}

// announcedTimeline is one time range.
type announcedTimeline struct {
	Starttime string `json:"starttime"`
	Endtime   string `json:"endtime"`
}

// announcedPrefixesCall declares announced-prefixes.
func announcedPrefixesCall(d *Deps) api.Call {
	return api.Call{
		Name:    "announced-prefixes",
		Version: "1.2",
		Doc:     "Prefixes an AS originated in a time window, with the time ranges during which enough peers saw each of them with that origin.",
		Methodology: "From the index of origin intervals: for every prefix the AS originated at some collector in the window, the intervals during which " +
			"at least one peer had a route to it with the AS as origin, each with the most peers that saw it at once. A time counts when the peers of the " +
			"intervals covering it (summed over collectors) reach min_peers_seeing; touching ranges are merged; ranges are clipped to the window, and " +
			"a range still open ends at the window's end or the latest data.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindASN, Required: true, Doc: "The AS number."},
			{Name: "starttime", Kind: api.KindTime, Doc: "Start of the window (default: 14 days before endtime)."},
			{Name: "endtime", Kind: api.KindTime, Doc: "End of the window (default: the latest data)."},
			statusMinPeersParam("10", "Least number of peers that must have seen a prefix with this origin at once for a time to count."),
		},
		Handle: d.announcedPrefixes,
	}
}

// announcedPrefixes answers announced-prefixes.
func (d *Deps) announcedPrefixes(_ context.Context, q *api.Query) (any, error) {
	as := q.Resource("resource").ASN
	latest := d.statusLatest(q.Now())
	end := latest
	if q.Given("endtime") {
		end = q.Time("endtime")
	}
	start := end.Add(-14 * 24 * time.Hour)
	if q.Given("starttime") {
		start = q.Time("starttime")
	}
	if start.After(end) {
		return nil, api.BadParam("starttime", api.FormatTime(start), "starttime is after endtime "+api.FormatTime(end))
	}
	minPeers := int(q.Int("min_peers_seeing"))
	tls, err := d.Index.OriginPrefixes(as, start, end)
	if err != nil {
		return nil, fmt.Errorf("announced-prefixes: %w", err)
	}
	out := announcedPrefixesData{
		Resource:       q.Resource("resource").String(),
		Prefixes:       []announcedPrefix{},
		QueryStarttime: api.FormatTime(start),
		QueryEndtime:   api.FormatTime(end),
		LatestTime:     api.FormatTime(latest),
	}
	earliest := d.Index.Earliest()
	if earliest.IsZero() {
		earliest = latest
	}
	out.EarliestTime = api.FormatTime(earliest)
	filtered := 0
	for _, tl := range tls {
		ranges := announcedRanges(tl.Intervals, start, end, latest, minPeers)
		if len(ranges) == 0 {
			filtered++
			continue
		}
		out.Prefixes = append(out.Prefixes, announcedPrefix{Prefix: tl.Prefix.String(), Timelines: ranges})
	}
	if filtered > 0 {
		q.Info(fmt.Sprintf("Results exclude %d prefixes seen by fewer than %d peers at once.", filtered, minPeers))
	}
	if q.Overloaded(len(out.Prefixes), announcedOverload) {
		out.Prefixes = []announcedPrefix{}
	}
	return out, nil
}

// announcedRanges turns a prefix's origin intervals (per collector) into
// the time ranges within [from, to] when the intervals covering a time
// add up to at least minPeers peers (and at least one interval covers
// it). An open interval ends at latest; an interval of no length (a
// route withdrawn when it came, or one ending where the window starts)
// is left out.
func announcedRanges(ivs []index.Interval, from, to, latest time.Time, minPeers int) []announcedTimeline {
	type point struct {
		t     time.Time
		delta int  // peers added (start) or removed (end)
		end   bool // the end of an interval
	}
	var pts []point
	for _, iv := range ivs {
		s, e := iv.Start, iv.End
		if e.IsZero() {
			e = latest
		}
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if !e.After(s) {
			continue
		}
		pts = append(pts, point{s, iv.Peers, false}, point{e, -iv.Peers, true})
	}
	// ends before starts at one time: an interval of a collector that
	// ends where the next begins is not counted twice (the ranges join
	// in announcedAppend)
	slices.SortFunc(pts, func(a, b point) int {
		if c := a.t.Compare(b.t); c != 0 || a.end == b.end {
			return c
		}
		if a.end {
			return -1
		}
		return 1
	})
	var out []announcedTimeline
	var open time.Time
	active, sum, on := 0, 0, false
	for _, p := range pts {
		if p.end {
			active--
		} else {
			active++
		}
		sum += p.delta
		now := active > 0 && sum >= minPeers
		switch {
		case now && !on:
			open, on = p.t, true
		case !now && on:
			out = announcedAppend(out, open, p.t)
			on = false
		}
	}
	return out
}

// announcedAppend appends [s, e] to ranges, merging it into the last range
// when they touch (the times are written in whole seconds).
func announcedAppend(ranges []announcedTimeline, s, e time.Time) []announcedTimeline {
	st, et := api.FormatTime(s), api.FormatTime(e)
	if n := len(ranges); n > 0 && cmp.Compare(ranges[n-1].Endtime, st) >= 0 {
		ranges[n-1].Endtime = max(ranges[n-1].Endtime, et)
		return ranges
	}
	return append(ranges, announcedTimeline{Starttime: st, Endtime: et})
}
