package incidentapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/hijack"
)

// CallName is the data call's name: /data/hijacks/data.json.
const CallName = "hijacks"

// callOverload is the most incidents a browser gets without
// data_overload_limit=ignore (a variable so that tests can lower it).
var callOverload = 1000

// hijacksData is the hijacks call's data.
type hijacksData struct {
	// Resource is the resource as the API echoes it, null when absent.
	Resource       *string           `json:"resource"`
	QueryStarttime string            `json:"query_starttime"`
	QueryEndtime   string            `json:"query_endtime"`
	Incidents      []hijack.Incident `json:"incidents"`
	// Count is the number of matching incidents (also when the overload
	// guard left the list out).
	Count      int            `json:"count"`
	Parameters map[string]any `json:"parameters"`
}

// hijacksCall declares the hijacks data call answered from inc.
func hijacksCall(inc Incidents) api.Call {
	return api.Call{
		Name:    CallName,
		Version: "1.0",
		Mutable: true,
		Doc: "The hijack and route-anomaly incidents the detector raised for a prefix, address or AS (or for every monitored resource) " +
			"that were active in a time window, newest first, each with its evidence, the why paragraph and its timeline.",
		Methodology: "From the incidents of routestat's hijack detector (routestat serve with hijack.monitored configured), as they are " +
			"at the time of the query. An incident is in the window when its first supporting announcement is before endtime and it was " +
			"not resolved before starttime. A prefix or address selects the incidents whose affected or monitored prefixes overlap it; " +
			"an AS those in which it is the monitored, a legitimate, the offending AS or the offending origin. Types are the monitors of " +
			"the monitored-resources file; hijacks_only keeps the hijacks (exact-origin, sub-prefix, squatting, fake-first-hop: someone " +
			"else's routes in monitored space) and leaves out route leaks, RPKI-invalid announcements, visibility losses and the types " +
			"that watch changes (more-specific, new-prefix, new-neighbour, path-match and the like).",
		Params: []api.Param{
			{Name: "resource", Kind: api.KindResource, Accept: api.ResNetwork, Doc: "A prefix, an address or an AS number (default: every monitored resource)."},
			{Name: "starttime", Kind: api.KindTime, Default: "endtime-7d", Doc: "Start of the window (default: endtime minus 7 days)."},
			{Name: "endtime", Kind: api.KindTime, Default: "now", Doc: "End of the window (default: now)."},
			{Name: "status", Kind: api.KindEnum, Values: statuses, Doc: "open or resolved (default: both)."},
			{Name: "type", Kind: api.KindEnum, Values: incidentTypes, Doc: "The incident type, a monitor name (default: every type)."},
			{Name: "group", Kind: api.KindString, MaxLen: maxGroupLen, Doc: "The group of the monitored resource, as in the monitored-resources file (default: every group)."},
			{Name: "hijacks_only", Kind: api.KindBool, Default: "false", Doc: "true keeps the hijacks (exact-origin, sub-prefix, squatting, fake-first-hop) and leaves out the other types."},
		},
		Handle: func(ctx context.Context, q *api.Query) (any, error) { return answerHijacks(ctx, inc, q) },
	}
}

// Register adds the hijacks data call, answered from inc, to srv.
func Register(srv *api.Server, inc Incidents) error {
	if srv == nil || inc == nil {
		return errors.New("hijacks data call: no server or no incidents")
	}
	if err := srv.Register(hijacksCall(inc)); err != nil {
		return fmt.Errorf("hijacks data call: %w", err)
	}
	return nil
}

// answerHijacks answers the hijacks data call.
func answerHijacks(_ context.Context, inc Incidents, q *api.Query) (any, error) {
	from, to := q.Time("starttime"), q.Time("endtime")
	f := hijack.Filter{From: from, To: to, Status: q.String("status"), Type: q.String("type"),
		Group: q.String("group"), HijacksOnly: q.Bool("hijacks_only")}
	out := &hijacksData{QueryStarttime: api.FormatTime(from), QueryEndtime: api.FormatTime(to), Parameters: q.Parameters()}
	if q.Given("resource") {
		r := q.Resource("resource")
		if err := setResource(&f, r); err != nil {
			return nil, api.BadParam("resource", r.String(), err.Error())
		}
		s := r.String()
		out.Resource = &s
	}
	out.Incidents = inc.List(f)
	if out.Incidents == nil {
		out.Incidents = []hijack.Incident{}
	}
	out.Count = len(out.Incidents)
	if q.Overloaded(out.Count, callOverload) {
		out.Incidents = []hijack.Incident{}
	}
	return out, nil
}
