package calls

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
)

// refPathLengths computes as-path-length's stats of as from the routes
// of m (one collector, jinx): the routes whose bgpdump path ends in as,
// lengths (an AS_SET of one member counting as its AS) without the leading run of the peer's AS, an AS_SET counting
// one, stripped with consecutive repeats removed.
func refPathLengths(m *bgpdumpref.Model, as uint32) []pathLengthStat {
	s := pathLengthStat{Number: -1, Location: "JINX, Johannesburg", Collector: topoJinxCollector}
	me := strconv.FormatUint(uint64(as), 10)
	first := true
	for _, l := range m.Routes {
		if topoOrigin(l.ASPath) != me {
			continue
		}
		toks := topoTokens(l.ASPath)
		peer := strconv.FormatUint(uint64(l.PeerAS), 10)
		for len(toks) > 0 && toks[0] == peer {
			toks = toks[1:]
		}
		un, st := len(toks), 0
		for i, tok := range toks {
			if i == 0 || tok != toks[i-1] || topoIsSet(tok) {
				st++
			}
		}
		for _, v := range []struct {
			ls *lengthStat
			n  int
		}{{&s.Unstripped, un}, {&s.Stripped, st}} {
			if first || v.n < v.ls.Min {
				v.ls.Min = v.n
			}
			if first || v.n > v.ls.Max {
				v.ls.Max = v.n
			}
			v.ls.Sum += v.n
		}
		first = false
		s.Count++
	}
	if s.Count == 0 {
		return []pathLengthStat{}
	}
	s.Unstripped.Avg = math.Round(float64(s.Unstripped.Sum)*100/float64(s.Count)) / 100
	s.Stripped.Avg = math.Round(float64(s.Stripped.Sum)*100/float64(s.Count)) / 100
	return []pathLengthStat{s}
}

// TestASPathLengthJinx compares as-path-length with the stats computed
// from the bgpdump reference routes, for origins big and small, the
// full-feed peer's own prefixes (length 0) and an AS that originates
// nothing, at three times.
func TestASPathLengthJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	ts := testServer(t, ix, nil)
	latest := ix.Latest().Truncate(time.Second)
	ases := []uint32{15169, 56203, 3356, 6939, 30844, 7545, 4134, 64512}
	for _, at := range []time.Time{topoRIB, topoMid, latest} {
		m := topoModelAt(t, at)
		for _, as := range ases {
			want := refPathLengths(m, as)
			query := fmt.Sprintf("resource=AS%d&query_time=%s", as, at.Format(time.RFC3339))
			var got asPathLengthData
			env := get(t, ts, "as-path-length", query, &got)
			if env.Status != "ok" || env.Version != "2.1" {
				t.Fatalf("%s: %s %s %v", query, env.Status, env.Version, env.Messages)
			}
			qt := at.Format("2006-01-02T15:04:05")
			if got.Resource != strconv.FormatUint(uint64(as), 10) || got.SortBy != "number" || got.QueryTime != qt ||
				got.QueryStarttime != qt || got.QueryEndtime != qt {
				t.Errorf("%s: header %+v", query, got)
			}
			for i := range got.Stats {
				got.Stats[i].longitude = 0
			}
			if !reflect.DeepEqual(got.Stats, want) {
				t.Errorf("%s: stats %+v, want %+v", query, got.Stats, want)
			}
			if as != 64512 && len(want) == 0 {
				t.Errorf("%s: the reference has no route to AS%d", query, as)
			}
		}
	}
}

// TestASPathLengthSort checks sort_by on a store with two collectors
// (jinx and rrc06's updates together would need one more ingest; the
// function is checked directly instead).
func TestASPathLengthSort(t *testing.T) {
	stats := []pathLengthStat{
		{Number: -1, Collector: "route-views.jinx", Location: "JINX, Johannesburg", Count: 5, longitude: 28.05},
		{Number: 6, Collector: "rrc06", Location: "DIX-IE, JPIX, Otemachi", Count: 9, longitude: 139.77},
		{Number: 0, Collector: "rrc00", Location: "Multihop, Amsterdam", Count: 1, longitude: 4.89},
	}
	order := func() string {
		var s []string
		for _, st := range stats {
			s = append(s, st.Collector)
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct{ by, want string }{
		{"number", "rrc00 rrc06 route-views.jinx"},
		{"count", "rrc06 route-views.jinx rrc00"},
		{"location", "rrc06 route-views.jinx rrc00"},
		{"geo", "rrc00 route-views.jinx rrc06"},
	} {
		sortPathLengthStats(stats, tc.by)
		if got := order(); got != tc.want {
			t.Errorf("sort_by=%s: %s, want %s", tc.by, got, tc.want)
		}
	}
}

// TestASPathLengthBadInput checks that hostile input is a 400 naming the
// parameter.
func TestASPathLengthBadInput(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	topoCheckBad(t, ts, "as-path-length", topoBadCases(nil,
		struct{ query, param string }{"resource=193.0.0.0/21", "resource"},
		struct{ query, param string }{"resource=AS3333&sort_by=size", "sort_by"},
		struct{ query, param string }{"resource=AS3333&sort_by=" + strings.Repeat("x", 10240), "sort_by"},
		struct{ query, param string }{"resource=AS3333&query_time=2014-13-01", "query_time"},
	))
}
