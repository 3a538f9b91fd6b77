package calls

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/routestat/routestat/stat/api"
)

// firstLastSeenLimit is how many more-specifics a browser gets before the
// data overload guard empties the list.
const firstLastSeenLimit = 10000

// Values of ris-first-last-seen's include parameter.
const (
	includeMoreSpecific = "more_specific"
	includeLowVis       = "low_visibility_flag"
)

// firstLastSeenData is ris-first-last-seen's data (spec §2.14).
type firstLastSeenData struct {
	Resource   string        `json:"resource"`
	LatestTime apiTime       `json:"latest_time"`
	Include    []string      `json:"include"`
	Stats      flsStats      `json:"stats"`
	Resources  []flsResource `json:"resources"`
}

// flsStats counts the resources listed.
type flsStats struct {
	Count int `json:"count"`
}

// flsResource is one prefix or AS with when it was first and last seen.
type flsResource struct {
	Resource string  `json:"resource"`
	Type     string  `json:"type,omitempty"`
	First    flsTime `json:"first"`
	Last     flsTime `json:"last"`
}

// flsTime is a first or last sighting.
type flsTime struct {
	Time apiTime `json:"time"`
}

// risFirstLastSeenCall is ris-first-last-seen: when a prefix (and its
// more-specifics) or an AS (as an origin) was first and last seen.
func risFirstLastSeenCall(d *Deps) api.Call {
	return api.Call{
		Name:    "ris-first-last-seen",
		Version: "1.0",
		Doc:     "When a prefix (with include=more_specific, also every more-specific ever seen) or an AS as an origin was first and last seen by any collector peer.",
		Methodology: "Answered from the route index's first/last-seen records: first is when some peer first had a route to the " +
			"prefix; last is when the last peer stopped having one, or the latest data time while some peer still does. For an " +
			"AS, first and last bound its origin intervals over all collectors. low_visibility_flag is accepted but not " +
			"computed (routestat does not record how many peers saw a first or last sighting).",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindResource, Required: true, Accept: api.ResASN | api.ResPrefix, Doc: "Prefix or AS number."},
			{Name: "include", Kind: api.KindString, MaxLen: 64,
				Doc: "Comma-separated: more_specific (prefix queries: also the more-specifics), low_visibility_flag (accepted, not computed)."},
		},
		Handle: d.risFirstLastSeen,
	}
}

// risFirstLastSeen answers ris-first-last-seen.
func (d *Deps) risFirstLastSeen(_ context.Context, q *api.Query) (any, error) {
	latest := d.Index.Latest()
	r := q.Resource("resource")
	out := firstLastSeenData{Resource: r.String(), LatestTime: apiTime(latest), Include: []string{}, Resources: []flsResource{}}
	more := false
	if s := q.String("include"); s != "" {
		for item := range strings.SplitSeq(s, ",") {
			switch item = strings.ToLower(strings.TrimSpace(item)); item {
			case includeMoreSpecific:
				more = true
			case includeLowVis:
				q.Info("low_visibility_flag is not computed by routestat.")
			default:
				return nil, api.BadParam("include", s, "only more_specific and low_visibility_flag are known")
			}
			out.Include = append(out.Include, item)
		}
	}
	switch r.Kind {
	case api.ResPrefix:
		seen, err := d.Index.SeenPrefixes(r.Prefix, more)
		if err != nil {
			return nil, fmt.Errorf("ris-first-last-seen %s: %w", r, err)
		}
		out.Stats.Count = len(seen)
		if q.Overloaded(len(seen), firstLastSeenLimit) {
			break
		}
		for _, s := range seen {
			last := s.Last
			if s.Visible {
				last = latest
			}
			out.Resources = append(out.Resources, flsResource{Resource: s.Prefix.String(),
				First: flsTime{apiTime(s.First)}, Last: flsTime{apiTime(last)}})
		}
	case api.ResASN:
		tls, err := d.Index.OriginPrefixes(r.ASN, time.Unix(0, 0), latest)
		if err != nil {
			return nil, fmt.Errorf("ris-first-last-seen AS%d: %w", r.ASN, err)
		}
		var first, last time.Time
		for _, tl := range tls {
			for _, iv := range tl.Intervals {
				if first.IsZero() || iv.Start.Before(first) {
					first = iv.Start
				}
				end := iv.End
				if end.IsZero() {
					end = latest
				}
				if end.After(last) {
					last = end
				}
			}
		}
		if !first.IsZero() {
			out.Resources = append(out.Resources, flsResource{Resource: r.String(), Type: "o",
				First: flsTime{apiTime(first)}, Last: flsTime{apiTime(last)}})
		}
		out.Stats.Count = len(out.Resources)
	}
	return out, nil
}
