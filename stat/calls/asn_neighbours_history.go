package calls

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/routestat/routestat/stat/api"
)

// asnNeighboursHistoryData is asn-neighbours-history's data (spec §2.7,
// v1.2), keys in the order of RIPEstat's answers.
type asnNeighboursHistoryData struct {
	Resource       string             `json:"resource"`
	QueryStarttime string             `json:"query_starttime"`
	QueryEndtime   string             `json:"query_endtime"`
	Neighbours     []neighbourHistory `json:"neighbours"`
	LatestTime     string             `json:"latest_time"`
	EarliestTime   string             `json:"earliest_time"`
	Parameters     map[string]any     `json:"parameters"`
}

// neighbourHistory is when an AS was a neighbour.
type neighbourHistory struct {
	Neighbour uint32         `json:"neighbour"`
	Timelines []topoTimeline `json:"timelines"`
}

// topoTimeline is one time interval.
type topoTimeline struct {
	Starttime string `json:"starttime"`
	Endtime   string `json:"endtime"`
}

// asnNeighboursHistoryCall declares asn-neighbours-history.
func asnNeighboursHistoryCall(d *Deps) api.Call {
	return api.Call{
		Name:    "asn-neighbours-history",
		Version: "1.2",
		Doc:     "When each AS was adjacent to an AS in the routed AS paths, over a window.",
		Methodology: "From the adjacency intervals of the route index: an AS is a neighbour (left or right, all collectors together) " +
			"while at least one peer has a route whose AS path has the two ASes next to each other in an AS_SEQUENCE. " +
			"Intervals are clipped to the window; overlapping and touching ones are merged. An interval still open ends at query_endtime.",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindASN, Required: true, Doc: "The AS number."},
			{Name: "starttime", Kind: api.KindTime, Default: "endtime-90d", Doc: "Start of the window (default: endtime minus 90 days)."},
			{Name: "endtime", Kind: api.KindTime, Default: "now", Doc: "End of the window (default: the latest data)."},
			{Name: "max_rows", Kind: api.KindInt, Default: "1800", Min: 1, Max: 1000000, Doc: "Most neighbours returned (the lowest AS numbers are kept)."},
		},
		Handle: d.asnNeighboursHistory,
	}
}

// asnNeighboursHistory answers asn-neighbours-history.
func (d *Deps) asnNeighboursHistory(_ context.Context, q *api.Query) (any, error) {
	as := q.Resource("resource").ASN
	latest := d.topoLatest(q.Now())
	start, end := q.Time("starttime"), q.Time("endtime")
	if !q.Given("endtime") {
		end = latest
		if !q.Given("starttime") {
			start = end.Add(-90 * 24 * time.Hour)
		}
		end = laterOf(end, start)
	}
	params := q.Parameters()
	params["starttime"], params["endtime"] = api.FormatTime(start), api.FormatTime(end)
	out := asnNeighboursHistoryData{Resource: q.Resource("resource").String(), QueryStarttime: api.FormatTime(start),
		QueryEndtime: api.FormatTime(end), Neighbours: []neighbourHistory{}, LatestTime: api.FormatTime(latest),
		EarliestTime: d.topoEarliest(), Parameters: params}
	spans, err := d.Index.NeighbourSpans(as, start, end)
	if err != nil {
		return nil, fmt.Errorf("asn-neighbours-history: %w", err)
	}
	// spans come by neighbour, then side, then start: merge per neighbour
	var cur []topoSpan
	var curAS uint32
	flush := func() {
		if len(cur) == 0 {
			return
		}
		nh := neighbourHistory{Neighbour: curAS}
		for _, v := range mergeSpans(cur) {
			nh.Timelines = append(nh.Timelines, topoTimeline{api.FormatTime(v.start), api.FormatTime(v.end)})
		}
		out.Neighbours = append(out.Neighbours, nh)
		cur = cur[:0]
	}
	for _, sp := range spans {
		if sp.AS != curAS {
			flush()
			curAS = sp.AS
		}
		s, e := laterOf(sp.Start, start), sp.End
		if e.IsZero() || e.After(end) {
			e = end
		}
		if e.Before(s) {
			continue
		}
		cur = append(cur, topoSpan{s, e})
	}
	flush()
	if maxRows := int(q.Int("max_rows")); len(out.Neighbours) > maxRows {
		q.Info(fmt.Sprintf("The result was truncated to %d neighbours (max_rows) of %d.", maxRows, len(out.Neighbours)))
		out.Neighbours = out.Neighbours[:maxRows]
	}
	return out, nil
}

// topoSpan is a time interval.
type topoSpan struct{ start, end time.Time }

// mergeSpans sorts spans by start and merges those that overlap or
// touch.
func mergeSpans(spans []topoSpan) []topoSpan {
	slices.SortFunc(spans, func(a, b topoSpan) int { return a.start.Compare(b.start) })
	var out []topoSpan
	for _, v := range spans {
		if n := len(out); n > 0 && !v.start.After(out[n-1].end) {
			out[n-1].end = laterOf(out[n-1].end, v.end)
			continue
		}
		out = append(out, v)
	}
	return out
}

// laterOf returns the later of two times.
func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
