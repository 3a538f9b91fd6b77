package calls

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
)

// gotHistory is routing-history's data as a client decodes it.
type gotHistory struct {
	Resource        string `json:"resource"`
	Start           string `json:"query_starttime"`
	End             string `json:"query_endtime"`
	TimeGranularity int64  `json:"time_granularity"`
	LatestMaxFF     struct {
		V4 int `json:"v4"`
		V6 int `json:"v6"`
	} `json:"latest_max_ff_peers"`
	ByOrigin []struct {
		Origin   string `json:"origin"`
		Prefixes []struct {
			Prefix    string `json:"prefix"`
			Timelines []struct {
				Starttime       string   `json:"starttime"`
				Endtime         string   `json:"endtime"`
				FullPeersSeeing float64  `json:"full_peers_seeing"`
				Visibility      *float64 `json:"visibility"`
			} `json:"timelines"`
		} `json:"prefixes"`
	} `json:"by_origin"`
}

// rows flattens the answer to "origin prefix start end peers" lines.
func (h gotHistory) rows() []string {
	var out []string
	for _, o := range h.ByOrigin {
		for _, p := range o.Prefixes {
			for _, tl := range p.Timelines {
				out = append(out, fmt.Sprintf("%s %s %s %s %g", o.Origin, p.Prefix, tl.Starttime, tl.Endtime, tl.FullPeersSeeing))
			}
		}
	}
	return out
}

// histOrigin is the origin AS of a line as the index defines it: the last
// AS of the path, also when it is an AS_SET of one member ({32786}).
func histOrigin(l bgpdumpref.Line) (uint32, bool) {
	if o, ok := l.OriginAS(); ok {
		return o, true
	}
	f := strings.Fields(l.ASPath)
	if len(f) == 0 {
		return 0, false
	}
	last := f[len(f)-1]
	if !strings.HasPrefix(last, "{") || strings.Contains(last, ",") {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.Trim(last, "{}"), 10, 32)
	return uint32(n), err == nil
}

// refHistory computes routing-history's rows at 1-second granularity from
// the bgpdump lines: the model is replayed second by second, and after
// each second the peers whose route to a matched prefix has each origin
// (and, with firstHop, each first hop) are counted; a row's timelines are
// its runs of one count of at least minPeers, from the second the count
// was reached to the second it changed (or to end). Rows are sorted by
// origin, first hop and prefix, as the call sorts them.
func refHistory(lines []bgpdumpref.Line, match prefixMatch, origin uint32, from, end time.Time, minPeers int, firstHop bool) []string {
	type row struct {
		first, origin uint32
		prefix        netip.Prefix
	}
	type run struct {
		start time.Time
		n     int
	}
	rowOf := func(l bgpdumpref.Line) (row, bool) {
		o, ok := histOrigin(l)
		if !ok || !match(l.Prefix) || origin != 0 && o != origin {
			return row{}, false
		}
		r := row{origin: o, prefix: l.Prefix}
		if path := l.Path(); firstHop && len(path) > 0 {
			r.first = path[0]
		}
		return r, true
	}
	m := bgpdumpref.NewModel()
	counts := map[row]int{}
	touched := map[row]bool{}
	runs := map[row][]run{}
	// apply replays one line, counting the routes it removes and sets
	apply := func(l bgpdumpref.Line) {
		var gone []bgpdumpref.Line
		switch l.Kind {
		case "STATE":
			if l.OldState == 6 && l.NewState != 6 {
				for k, r := range m.Routes {
					if k.Peer == l.Peer {
						gone = append(gone, r)
					}
				}
			}
		case "A", "B", "W":
			if r, ok := m.Routes[bgpdumpref.Key{Peer: l.Peer, Prefix: l.Prefix, PathID: l.PathID}]; ok {
				gone = append(gone, r)
			}
		}
		for _, r := range gone {
			if k, ok := rowOf(r); ok {
				counts[k]--
				touched[k] = true
			}
		}
		if l.Kind == "A" || l.Kind == "B" {
			if k, ok := rowOf(l); ok {
				counts[k]++
				touched[k] = true
			}
		}
		m.Apply(l)
	}
	// mark ends the second at: a row whose count changed starts a run
	mark := func(at time.Time) {
		for k := range touched {
			rs := runs[k]
			if len(rs) == 0 || rs[len(rs)-1].n != counts[k] {
				runs[k] = append(rs, run{at, counts[k]})
			}
		}
		clear(touched)
	}
	rest := lines
	for len(rest) > 0 && !rest[0].Time.After(from) {
		apply(rest[0])
		rest = rest[1:]
	}
	mark(from)
	for len(rest) > 0 && !rest[0].Time.After(end) {
		t := rest[0].Time
		for len(rest) > 0 && rest[0].Time.Equal(t) {
			apply(rest[0])
			rest = rest[1:]
		}
		mark(t)
	}
	var keys []row
	for r := range runs {
		keys = append(keys, r)
	}
	slices.SortFunc(keys, func(a, b row) int {
		if a.origin != b.origin {
			return int(int64(a.origin) - int64(b.origin))
		}
		if a.first != b.first {
			return int(int64(a.first) - int64(b.first))
		}
		return a.prefix.Compare(b.prefix)
	})
	f := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }
	var out []string
	for _, r := range keys {
		name := fmt.Sprint(r.origin)
		if firstHop {
			name = fmt.Sprint(r.first) + " " + name
		}
		rs := runs[r]
		for i, x := range rs {
			if x.n < max(minPeers, 1) {
				continue
			}
			stop := end
			if i+1 < len(rs) {
				stop = rs[i+1].start
			}
			out = append(out, fmt.Sprintf("%s %s %s %s %d", name, r.prefix, f(x.start), f(stop), x.n))
		}
	}
	return out
}

// missing returns the first 20 of a's lines that b lacks.
func missing(a, b []string) []string {
	in := map[string]int{}
	for _, x := range b {
		in[x]++
	}
	var out []string
	for _, x := range a {
		if in[x] > 0 {
			in[x]--
		} else if len(out) < 20 {
			out = append(out, x)
		}
	}
	return out
}

// TestRoutingHistory compares routing-history's timelines with those
// computed from the bgpdump lines: YouTube's hijacked /24 and its
// more-specifics (every origin), AS17557, and on jinx a /16, an AS and
// first hops.
func TestRoutingHistory(t *testing.T) {
	type tcase struct {
		query    string
		match    func(lines []bgpdumpref.Line) prefixMatch
		origin   uint32
		from, to time.Time
		min      int
		firstHop bool
	}
	p := netip.MustParsePrefix
	prefixes := func(qs ...netip.Prefix) func([]bgpdumpref.Line) prefixMatch {
		return func([]bgpdumpref.Line) prefixMatch { return under(qs...) }
	}
	sets := []struct {
		name  string
		files []string
		tests []tcase
	}{
		{"youtube", youtube, []tcase{
			{"resource=208.65.153.0/24&min_peers=1&starttime=2008-02-24T18:00&endtime=2008-02-24T21:30", prefixes(hijacked), 0, youtubeDay(18, 0, 0), youtubeDay(21, 30, 0), 1, false},
			{"resource=208.65.152.0/22&min_peers=3&starttime=2008-02-24T20:00&endtime=2008-02-24T21:30", prefixes(p("208.65.152.0/22")), 0, youtubeDay(20, 0, 0), youtubeDay(21, 30, 0), 3, false},
			{"resource=AS17557&min_peers=1&starttime=2008-02-24T20:50&endtime=2008-02-24T21:10&include_first_hop=true&max_rows=100000", func(l []bgpdumpref.Line) prefixMatch {
				return originated(l, 17557, youtubeDay(20, 50, 0), youtubeDay(21, 10, 0))
			}, 17557, youtubeDay(20, 50, 0), youtubeDay(21, 10, 0), 1, true},
		}},
		{"jinx", jinx, []tcase{
			{"resource=193.0.0.0/16&min_peers=1&starttime=2014-05-30T21:00&endtime=2014-05-31T00:00", prefixes(p("193.0.0.0/16")), 0, time.Unix(1401483600, 0), time.Unix(1401494400, 0), 1, false},
			{"resource=12.0.0.0/8&min_peers=1&starttime=2014-05-30T22:30&endtime=2014-05-31T00:00", prefixes(p("12.0.0.0/8")), 0, time.Unix(1401489000, 0), time.Unix(1401494400, 0), 1, false},
			{"resource=AS3356&min_peers=0&starttime=2014-05-30T21:00&endtime=2014-05-31T00:00", func(l []bgpdumpref.Line) prefixMatch {
				return originated(l, 3356, time.Unix(1401483600, 0), time.Unix(1401494400, 0))
			}, 3356, time.Unix(1401483600, 0), time.Unix(1401494400, 0), 0, false},
			{"resource=AS3356&min_peers=1&starttime=2014-05-30T21:00&endtime=2014-05-31T00:00&include_first_hop=true", func(l []bgpdumpref.Line) prefixMatch {
				return originated(l, 3356, time.Unix(1401483600, 0), time.Unix(1401494400, 0))
			}, 3356, time.Unix(1401483600, 0), time.Unix(1401494400, 0), 1, true},
		}},
	}
	for _, set := range sets {
		ix := storeOf(t, set.files...)
		lines := refOf(t, set.files...)
		ts := testServer(t, ix, nil)
		for _, tc := range set.tests {
			var data gotHistory
			env := get(t, ts, "routing-history", tc.query, &data)
			if env.StatusCode != 200 {
				t.Fatalf("%s: %d %v", tc.query, env.StatusCode, env.Messages)
			}
			want := refHistory(lines, tc.match(lines), tc.origin, tc.from, tc.to, tc.min, tc.firstHop)
			if len(want) == 0 {
				t.Errorf("%s %s: no reference rows", set.name, tc.query)
			}
			if got := data.rows(); !slices.Equal(got, want) {
				t.Errorf("%s %s: %d timelines, want %d\nonly in the answer: %s\nonly in the reference: %s", set.name, tc.query, len(got), len(want),
					strings.Join(missing(got, want), "\n     "), strings.Join(missing(want, got), "\n     "))
			}
			if data.TimeGranularity != 1 {
				t.Errorf("%s %s: time_granularity %d", set.name, tc.query, data.TimeGranularity)
			}
		}
	}
}

// TestRoutingHistoryYouTube is the acceptance test: the history
// of 208.65.153.0/24 shows AS17557's announcement from the first one in
// the data (20:51:36; the files covering the hijack's start at about
// 18:47 are missing) to the withdrawal by AS13237 at 21:01:21, after
// which one peer (AS5413) kept the route until 21:01:34.
func TestRoutingHistoryYouTube(t *testing.T) {
	ts := testServer(t, storeOf(t, youtube...), nil)
	var data gotHistory
	get(t, ts, "routing-history", "resource=208.65.153.0/24&min_peers=1", &data)
	if data.Start != "2008-02-24T20:07:25" || data.TimeGranularity != 1 {
		t.Errorf("query_starttime %s, time_granularity %d; want the first route in the data (AS36561 at 20:07:25) at 1 s", data.Start, data.TimeGranularity)
	}
	i := slices.IndexFunc(data.ByOrigin, func(o struct {
		Origin   string `json:"origin"`
		Prefixes []struct {
			Prefix    string `json:"prefix"`
			Timelines []struct {
				Starttime       string   `json:"starttime"`
				Endtime         string   `json:"endtime"`
				FullPeersSeeing float64  `json:"full_peers_seeing"`
				Visibility      *float64 `json:"visibility"`
			} `json:"timelines"`
		} `json:"prefixes"`
	}) bool {
		return o.Origin == "17557"
	})
	if i < 0 || len(data.ByOrigin[i].Prefixes) != 1 || data.ByOrigin[i].Prefixes[0].Prefix != "208.65.153.0/24" {
		t.Fatalf("no AS17557 row for 208.65.153.0/24: %v", data.rows())
	}
	tls := data.ByOrigin[i].Prefixes[0].Timelines
	first, last := tls[0], tls[len(tls)-1]
	if first.Starttime != "2008-02-24T20:51:36" || last.Endtime != "2008-02-24T21:01:34" || last.Starttime != "2008-02-24T21:01:21" || last.FullPeersSeeing != 1 {
		t.Errorf("AS17557 timelines %v: want 20:51:36 to 21:01:34, the last from 21:01:21 (AS13237's withdrawal) seen by 1 peer", tls)
	}
	if prev := tls[len(tls)-2]; prev.Endtime != "2008-02-24T21:01:21" || prev.FullPeersSeeing != 2 {
		t.Errorf("timeline before AS13237's withdrawal: %+v, want 2 peers until 21:01:21", prev)
	}
}

// TestTimelines checks how a row's changes become timelines: cut at each
// change at 1 s, joined up to the granularity (time-weighted mean), split
// where fewer than min_peers see it, the last one ending at the window's
// end.
func TestTimelines(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	ch := []change{{at(0), 2}, {at(10), 4}, {at(20), 1}, {at(30), 3}, {at(40), 0}, {at(50), 2}}
	end := at(60)
	f := func(tls []timeline) []string {
		var out []string
		for _, tl := range tls {
			out = append(out, fmt.Sprintf("%s-%s %g", tl.Starttime[11:16], tl.Endtime[11:16], tl.FullPeersSeeing))
		}
		return out
	}
	tests := []struct {
		min  int
		gran time.Duration
		want []string
	}{
		{1, time.Second, []string{"00:00-00:10 2", "00:10-00:20 4", "00:20-00:30 1", "00:30-00:40 3", "00:50-01:00 2"}},
		{2, time.Second, []string{"00:00-00:10 2", "00:10-00:20 4", "00:30-00:40 3", "00:50-01:00 2"}},
		{1, 15 * time.Minute, []string{"00:00-00:20 3", "00:20-00:40 2", "00:50-01:00 2"}},
		{1, time.Hour, []string{"00:00-00:40 2.5", "00:50-01:00 2"}},
		{5, time.Second, nil},
	}
	for _, tc := range tests {
		if got := f(timelines(ch, end, tc.min, tc.gran)); !slices.Equal(got, tc.want) {
			t.Errorf("min %d, granularity %v: %v, want %v", tc.min, tc.gran, got, tc.want)
		}
	}
	// a change at the window's end is a timeline of no length
	if got := f(timelines([]change{{end, 3}}, end, 1, time.Second)); !slices.Equal(got, []string{"01:00-01:00 3"}) {
		t.Errorf("change at the end: %v", got)
	}
	for w, g := range map[time.Duration]time.Duration{time.Hour: time.Second, 48 * time.Hour: time.Second, 72 * time.Hour: 5 * time.Minute,
		30 * 24 * time.Hour: time.Hour, 365 * 24 * time.Hour: 8 * time.Hour, 26 * 365 * 24 * time.Hour: 12 * 24 * time.Hour} {
		if got := historyGranularity(w); got != g {
			t.Errorf("granularity of %v: %v, want %v", w, got, g)
		}
	}
}

// TestRoutingHistoryMaxRows checks that max_rows keeps origins whole and
// says where it cut.
func TestRoutingHistoryMaxRows(t *testing.T) {
	ts := testServer(t, storeOf(t, youtube...), nil)
	var all, cut gotHistory
	get(t, ts, "routing-history", "resource=208.65.152.0/22&min_peers=1", &all)
	env := get(t, ts, "routing-history", "resource=208.65.152.0/22&min_peers=1&max_rows=1", &cut)
	if len(all.ByOrigin) < 2 || len(cut.ByOrigin) != 1 || len(cut.ByOrigin[0].Prefixes) != len(all.ByOrigin[0].Prefixes) {
		t.Errorf("max_rows=1: %d origins (first with %d prefixes), of %d", len(cut.ByOrigin), len(cut.ByOrigin[0].Prefixes), len(all.ByOrigin))
	}
	if !slices.ContainsFunc(env.Messages, func(m []string) bool { return m[0] == "info" && strings.Contains(m[1], "max_rows") }) {
		t.Errorf("no message about max_rows: %v", env.Messages)
	}
}
