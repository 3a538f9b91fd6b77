package calls

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
)

// refAdjacent returns the neighbours of as (either side) in a bgpdump AS
// path: prepending collapsed, AS_SETs breaking adjacency.
func refAdjacent(path string, as uint32) []uint32 {
	me := strconv.FormatUint(uint64(as), 10)
	var col []string
	for _, tok := range topoTokens(path) {
		if len(col) == 0 || col[len(col)-1] != tok || topoIsSet(tok) {
			col = append(col, tok)
		}
	}
	var out []uint32
	for i, tok := range col {
		if tok != me {
			continue
		}
		for _, j := range []int{i - 1, i + 1} {
			if j < 0 || j >= len(col) || topoIsSet(col[j]) {
				continue
			}
			n, _ := strconv.ParseUint(col[j], 10, 32)
			if !slices.Contains(out, uint32(n)) {
				out = append(out, uint32(n))
			}
		}
	}
	return out
}

// refNeighbourHistory replays the reference lines and returns, per
// neighbour of as, the intervals during which some route had the
// adjacency, clipped to [from, to] and merged when they overlap or touch.
func refNeighbourHistory(lines []bgpdumpref.Line, as uint32, from, to time.Time) []neighbourHistory {
	m := bgpdumpref.NewModel()
	routes := map[uint32]int{}
	open := map[uint32]time.Time{}
	spans := map[uint32][]topoSpan{}
	change := func(l bgpdumpref.Line, d int, at time.Time) {
		for _, nb := range refAdjacent(l.ASPath, as) {
			routes[nb] += d
			switch {
			case d > 0 && routes[nb] == 1:
				open[nb] = at
			case d < 0 && routes[nb] == 0:
				spans[nb] = append(spans[nb], topoSpan{open[nb], at})
				delete(open, nb)
			}
		}
	}
	for _, l := range lines {
		var gone []bgpdumpref.Line
		switch l.Kind {
		case "B", "A", "W":
			if old, ok := m.Routes[bgpdumpref.Key{Peer: l.Peer, Prefix: l.Prefix, PathID: l.PathID}]; ok {
				gone = append(gone, old)
			}
		case "STATE":
			if l.OldState == 6 && l.NewState != 6 {
				for _, r := range m.Routes {
					if r.Peer == l.Peer {
						gone = append(gone, r)
					}
				}
			}
		}
		if l.Kind != "W" && l.Kind != "STATE" {
			change(l, 1, l.Time)
		}
		for _, g := range gone {
			change(g, -1, l.Time)
		}
		m.Apply(l)
	}
	for nb, at := range open {
		spans[nb] = append(spans[nb], topoSpan{at, to.Add(time.Hour)})
	}
	out := []neighbourHistory{}
	for nb, ss := range spans {
		var clipped []topoSpan
		for _, s := range ss {
			if s.start.After(to) || s.end.Before(from) {
				continue
			}
			if s.start.Before(from) {
				s.start = from
			}
			if s.end.After(to) {
				s.end = to
			}
			clipped = append(clipped, s)
		}
		if len(clipped) == 0 {
			continue
		}
		nh := neighbourHistory{Neighbour: nb}
		for _, s := range mergeSpans(clipped) {
			nh.Timelines = append(nh.Timelines, topoTimeline{s.start.Format("2006-01-02T15:04:05"), s.end.Format("2006-01-02T15:04:05")})
		}
		out = append(out, nh)
	}
	slices.SortFunc(out, func(a, b neighbourHistory) int { return int(int64(a.Neighbour) - int64(b.Neighbour)) })
	return out
}

// TestASNNeighboursHistoryJinx compares asn-neighbours-history with the
// neighbour intervals replayed from the bgpdump reference, over the
// whole data, a window inside the updates, a window before any data and
// the default window.
func TestASNNeighboursHistoryJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	ts := testServer(t, ix, nil)
	lines := topoLines(t)
	latest := ix.Latest().Truncate(time.Second)
	windows := []struct{ from, to time.Time }{
		{topoRIB, latest},
		{topoMid, topoMid.Add(5 * time.Minute)},
		{topoBefore.Add(-time.Hour), topoBefore},
		{latest.Add(-90 * 24 * time.Hour), latest},
	}
	for _, as := range []uint32{3356, 6939, 30844, 15169, 56203, 7545, 37105} {
		for i, w := range windows {
			want := refNeighbourHistory(lines, as, w.from, w.to)
			query := fmt.Sprintf("resource=AS%d&starttime=%d&endtime=%s&max_rows=100000", as, w.from.Unix(), w.to.Format(time.RFC3339))
			if i == 3 {
				query = fmt.Sprintf("resource=AS%d&max_rows=100000", as)
			}
			var got asnNeighboursHistoryData
			env := get(t, ts, "asn-neighbours-history", query, &got)
			if env.Status != "ok" || env.Version != "1.2" {
				t.Fatalf("%s: %s %s %v", query, env.Status, env.Version, env.Messages)
			}
			if got.QueryStarttime != w.from.Format("2006-01-02T15:04:05") || got.QueryEndtime != w.to.Format("2006-01-02T15:04:05") ||
				got.Resource != strconv.FormatUint(uint64(as), 10) || got.LatestTime != latest.Format("2006-01-02T15:04:05") ||
				got.EarliestTime != topoRIB.Format("2006-01-02T15:04:05") {
				t.Errorf("%s: header %+v", query, got)
			}
			if !reflect.DeepEqual(got.Neighbours, want) {
				t.Errorf("%s: %d neighbours differ from the reference's %d:\n%s", query, len(got.Neighbours), len(want), topoDiff(got.Neighbours, want))
			}
			if i == 0 && len(want) == 0 {
				t.Errorf("%s: the reference has no neighbours", query)
			}
		}
	}
	var got asnNeighboursHistoryData
	env := get(t, ts, "asn-neighbours-history", "resource=AS3356", &got)
	if len(got.Neighbours) != 1800 || got.Neighbours[1799].Neighbour != refNeighbourHistory(lines, 3356, windows[0].from, windows[0].to)[1799].Neighbour || !slices.ContainsFunc(env.Messages, func(m []string) bool { return strings.Contains(m[1], "max_rows") }) {
		t.Errorf("default max_rows: %d neighbours, messages %v", len(got.Neighbours), env.Messages)
	}
}

// TestASNNeighboursHistoryBadInput checks that hostile input is a 400
// naming the parameter, and that huge windows are answered.
func TestASNNeighboursHistoryBadInput(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	topoCheckBad(t, ts, "asn-neighbours-history", topoBadCases(nil,
		struct{ query, param string }{"resource=0.0.0.0/0", "resource"},
		struct{ query, param string }{"resource=AS3333&starttime=2014-05-31&endtime=2014-05-30", "starttime"},
		struct{ query, param string }{"resource=AS3333&max_rows=0", "max_rows"},
		struct{ query, param string }{"resource=AS3333&max_rows=-5", "max_rows"},
		struct{ query, param string }{"resource=AS3333&max_rows=99999999999999999999", "max_rows"},
		struct{ query, param string }{"resource=AS3333&endtime=%ff", "endtime"},
		struct{ query, param string }{"resource=AS3333&starttime=9999-01-01", "starttime"},
	))
	for _, q := range []string{"resource=AS2914&starttime=1970-01-01&endtime=9999-12-31", "resource=AS2914&starttime=2020-01-01"} {
		if env := get(t, ts, "asn-neighbours-history", q, nil); env.StatusCode != 200 {
			t.Errorf("%s: HTTP %d %v", q, env.StatusCode, env.Messages)
		}
	}
}
