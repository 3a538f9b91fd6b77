package calls

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
)

// gotRoute is a bgp_state or initial_state item as a client decodes it.
type gotRoute struct {
	SourceID     string   `json:"source_id"`
	TargetPrefix string   `json:"target_prefix"`
	Path         []uint32 `json:"path"`
	Community    []string `json:"community"`
}

// String is how routes are compared.
func (r gotRoute) String() string {
	return fmt.Sprintf("%s %s %v %v", r.SourceID, r.TargetPrefix, r.Path, r.Community)
}

// refState returns the routes the bgpdump model holds at t for the
// matched prefixes, sorted as the calls sort them.
func refState(lines []bgpdumpref.Line, match prefixMatch, t time.Time, rrc string) []string {
	m := bgpdumpref.NewModel()
	m.ApplyUntil(lines, t)
	var rs []gotRoute
	var ps []netip.Prefix
	for k, l := range m.Routes {
		if !match(k.Prefix) {
			continue
		}
		r := gotRoute{SourceID: rrc + "-" + l.Peer.String(), TargetPrefix: l.Prefix.String(), Path: l.Path(), Community: refCommunities(l.Community)}
		if r.Path == nil {
			r.Path = []uint32{}
		}
		rs = append(rs, r)
		ps = append(ps, k.Prefix)
	}
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := ps[a].Compare(ps[b]); c != 0 {
			return c
		}
		if rs[a].SourceID < rs[b].SourceID {
			return -1
		}
		if rs[a].SourceID > rs[b].SourceID {
			return 1
		}
		return 0
	})
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = rs[j].String()
	}
	return out
}

// routeStrings formats routes for comparison.
func routeStrings(rs []gotRoute) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// TestBGPState compares bgp-state with the routes the bgpdump model holds
// at the same instant: on jinx at the RIB, between RIB and updates and
// during the updates; on the YouTube data around AS13237's withdrawal.
func TestBGPState(t *testing.T) {
	type tcase struct {
		query string
		qs    []netip.Prefix
		at    time.Time
	}
	sets := []struct {
		name  string
		files []string
		rrc   string
		tests []tcase
	}{
		{"youtube", youtube, "00", []tcase{
			{"resource=208.65.153.0/24&timestamp=2008-02-24T21:01:20", []netip.Prefix{hijacked}, youtubeDay(21, 1, 20)},
			{"resource=208.65.153.0/24&timestamp=2008-02-24T21:01:21", []netip.Prefix{hijacked}, youtubeDay(21, 1, 21)},
			{"resource=208.65.153.0/24&timestamp=1203886894", []netip.Prefix{hijacked}, youtubeDay(21, 1, 34)},
			{"resource=208.65.152.0/22&timestamp=2008-02-24T21:20", []netip.Prefix{netip.MustParsePrefix("208.65.152.0/22")}, youtubeDay(21, 20, 0)},
		}},
		{"jinx", jinx, "route-views.jinx", []tcase{
			{"resource=193.0.0.0/16&timestamp=2014-05-30T22:00:01", []netip.Prefix{netip.MustParsePrefix("193.0.0.0/16")}, time.Unix(1401487201, 0)},
			{"resource=193.0.0.0/16&timestamp=2014-05-30T23:00", []netip.Prefix{netip.MustParsePrefix("193.0.0.0/16")}, time.Unix(1401490800, 0)},
			{"resource=12.0.0.0/8,2001:500::/24&timestamp=2014-05-30T23:52", []netip.Prefix{netip.MustParsePrefix("12.0.0.0/8"), netip.MustParsePrefix("2001:500::/24")}, time.Unix(1401493920, 0)},
			{"resource=12.0.0.0/8&timestamp=2014-05-31T00:00", []netip.Prefix{netip.MustParsePrefix("12.0.0.0/8")}, time.Unix(1401494400, 0)},
		}},
	}
	for _, set := range sets {
		ix := storeOf(t, set.files...)
		lines := refOf(t, set.files...)
		ts := testServer(t, ix, nil)
		for _, tc := range set.tests {
			var data struct {
				QueryTime string     `json:"query_time"`
				Timestamp string     `json:"timestamp"`
				NrRoutes  int        `json:"nr_routes"`
				State     []gotRoute `json:"bgp_state"`
			}
			env := get(t, ts, "bgp-state", tc.query, &data)
			if env.StatusCode != 200 {
				t.Fatalf("%s: %d %v", tc.query, env.StatusCode, env.Messages)
			}
			want := refState(lines, under(tc.qs...), tc.at, set.rrc)
			if len(want) == 0 {
				t.Errorf("%s %s: no reference routes", set.name, tc.query)
			}
			if got := routeStrings(data.State); !slices.Equal(got, want) {
				t.Errorf("%s %s: %d routes, want %d\n got %v\nwant %v", set.name, tc.query, len(got), len(want), got, want)
			}
			at := tc.at.UTC().Format("2006-01-02T15:04:05")
			if data.NrRoutes != len(data.State) || data.QueryTime != at || data.Timestamp != at {
				t.Errorf("%s %s: nr_routes %d of %d, query_time %s, timestamp %s", set.name, tc.query, data.NrRoutes, len(data.State), data.QueryTime, data.Timestamp)
			}
		}
	}
	// AS13237's route is gone at 21:01:21, AS17557's last at 21:01:34
	ts := testServer(t, storeOf(t, youtube...), nil)
	for _, c := range []struct {
		at   string
		want int
	}{{"2008-02-24T21:01:20", 2}, {"2008-02-24T21:01:21", 1}, {"2008-02-24T21:01:33", 1}, {"2008-02-24T21:01:34", 0}} {
		var data struct {
			State []gotRoute `json:"bgp_state"`
		}
		get(t, ts, "bgp-state", "resource=208.65.153.0/24&timestamp="+c.at, &data)
		n := 0
		for _, r := range data.State {
			if len(r.Path) > 0 && r.Path[len(r.Path)-1] == 17557 {
				n++
			}
		}
		if n != c.want {
			t.Errorf("at %s: %d routes from AS17557, want %d", c.at, n, c.want)
		}
	}
}

// TestHistoryHostile sends every time-window call bad and hostile input
// on jinx (whose /0 covers 500,000 prefixes): each is a 400 naming the
// parameter, never a 500.
func TestHistoryHostile(t *testing.T) {
	ts := testServer(t, storeOf(t, jinx...), nil)
	long := strings.Repeat("1", 10240)
	tests := []struct {
		call, query, param string
	}{
		{"bgp-updates", "", "resource"},
		{"bgp-updates", "resource=AS4294967296", "resource"},
		{"bgp-updates", "resource=%ff%fe", "resource"},
		{"bgp-updates", "resource=" + long, "resource"},
		{"bgp-updates", "resource=0.0.0.0/0", "resource"},
		{"bgp-updates", "resource=128.0.0.0/1", "resource"},
		{"bgp-updates", "resource=nl", "resource"},
		{"bgp-updates", "resource=AS3333&starttime=2014-05-31T01:00&endtime=2014-05-30", "starttime"},
		{"bgp-updates", "resource=AS3333&starttime=2014-06-01", "starttime"}, // after the latest data
		{"bgp-updates", "resource=AS3333&starttime=2010-01-01&endtime=2014-05-30", "starttime"},
		{"bgp-updates", "resource=AS3333&starttime=1990-01-01", "starttime"},
		{"bgp-updates", "resource=AS3333&endtime=" + long, "endtime"},
		{"bgp-updates", "resource=AS3333&rrcs=99999", "rrcs"},
		{"bgp-updates", "resource=AS3333&rrcs=-1", "rrcs"},
		{"bgp-updates", "resource=AS3333&rrcs=nosuch", "rrcs"},
		{"bgp-updates", "resource=AS3333&rrcs=" + long, "rrcs"},
		{"bgp-updates", "resource=AS3333&unix_timestamps=maybe", "unix_timestamps"},
		{"bgp-state", "resource=0.0.0.0/0", "resource"},
		{"bgp-state", "resource=AS3333&timestamp=yesterday", "timestamp"},
		{"bgp-state", "resource=AS3333&timestamp=99999999999999", "timestamp"},
		{"bgp-state", "resource=AS3333&rrcs=%00", "rrcs"},
		{"bgplay", "", "resource"},
		{"bgplay", "resource=[AS4294967296]", "resource"},
		{"bgplay", "resource=[]", "resource"},
		{"bgplay", "resource=" + long, "resource"},
		{"bgplay", "resource=%ff", "resource"},
		{"bgplay", "resource=[0.0.0.0/0]", "resource"},
		{"bgplay", "resource=AS3333&starttime=2014-01-01&endtime=2014-05-30", "starttime"},
		{"bgplay", "resource=AS3333&starttime=2014-05-31&endtime=2014-05-30", "starttime"},
		{"bgplay", "resource=AS3333&rrcs=a,b", "rrcs"},
		{"routing-history", "", "resource"},
		{"routing-history", "resource=0.0.0.0/0", "resource"},
		{"routing-history", "resource=AS1,AS2", "resource"},
		{"routing-history", "resource=AS3333&min_peers=-1", "min_peers"},
		{"routing-history", "resource=AS3333&max_rows=0", "max_rows"},
		{"routing-history", "resource=AS3333&max_rows=" + long, "max_rows"},
		{"routing-history", "resource=AS3333&include_first_hop=2", "include_first_hop"},
		{"routing-history", "resource=AS3333&starttime=2014-05-31&endtime=2014-05-30", "starttime"},
		{"routing-history", "resource=AS3333&starttime=2030-01-01", "starttime"},
	}
	for _, tc := range tests {
		env := get(t, ts, tc.call, tc.query, nil)
		if len(tc.query) > 200 {
			tc.query = tc.query[:200] + "..."
		}
		if env.StatusCode != 400 || len(env.Messages) == 0 || !strings.Contains(env.Messages[len(env.Messages)-1][1], "'"+tc.param+"'") {
			t.Errorf("%s?%s: %d %v, want 400 naming %s", tc.call, tc.query, env.StatusCode, env.Messages, tc.param)
		}
	}
}
