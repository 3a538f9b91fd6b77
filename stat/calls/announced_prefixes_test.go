package calls

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
	"github.com/routestat/routestat/stat/index"
)

// psInterval is a time a prefix had routes with one origin, with the
// most peers that had one at once.
type psInterval struct {
	start, end time.Time // end zero while open
	peers      int
}

// psOriginIntervals replays the reference lines and returns, for each
// of the ASes, its prefixes with the intervals during which at least one
// peer's route had the AS as origin.
func psOriginIntervals(lines []bgpdumpref.Line, ases []uint32) map[uint32]map[netip.Prefix][]psInterval {
	want := map[uint32]bool{}
	for _, as := range ases {
		want[as] = true
	}
	tracked := map[netip.Prefix]bool{}
	for _, l := range lines {
		if (l.Kind == "B" || l.Kind == "A") && want[psOrigin(l)] {
			tracked[l.Prefix] = true
		}
	}
	out := map[uint32]map[netip.Prefix][]psInterval{}
	for _, as := range ases {
		out[as] = map[netip.Prefix][]psInterval{}
	}
	// the routes of the tracked prefixes, replayed as bgpdumpref.Model
	// does (B and A set, W removes, leaving Established removes the peer's)
	routes := map[netip.Prefix]map[bgpdumpref.Key]bgpdumpref.Line{}
	update := func(p netip.Prefix, at time.Time) {
		count := map[uint32]map[netip.Addr]bool{}
		for _, r := range routes[p] {
			if o := psOrigin(r); want[o] {
				if count[o] == nil {
					count[o] = map[netip.Addr]bool{}
				}
				count[o][r.Peer] = true
			}
		}
		for _, as := range ases {
			n := len(count[as])
			ivs := out[as][p]
			open := len(ivs) > 0 && ivs[len(ivs)-1].end.IsZero()
			switch {
			case n > 0 && !open:
				out[as][p] = append(ivs, psInterval{start: at, peers: n})
			case n > 0:
				ivs[len(ivs)-1].peers = max(ivs[len(ivs)-1].peers, n)
			case open:
				ivs[len(ivs)-1].end = at
			}
		}
	}
	for _, l := range lines {
		switch {
		case l.Kind == "STATE" && l.OldState == 6 && l.NewState != 6:
			for p, rs := range routes {
				touched := false
				for k := range rs {
					if k.Peer == l.Peer {
						delete(rs, k)
						touched = true
					}
				}
				if touched {
					update(p, l.Time)
				}
			}
		case !tracked[l.Prefix]:
		case l.Kind == "B" || l.Kind == "A":
			if routes[l.Prefix] == nil {
				routes[l.Prefix] = map[bgpdumpref.Key]bgpdumpref.Line{}
			}
			routes[l.Prefix][bgpdumpref.Key{Peer: l.Peer, Prefix: l.Prefix, PathID: l.PathID}] = l
			update(l.Prefix, l.Time)
		case l.Kind == "W":
			delete(routes[l.Prefix], bgpdumpref.Key{Peer: l.Peer, Prefix: l.Prefix, PathID: l.PathID})
			update(l.Prefix, l.Time)
		}
	}
	return out
}

// psAnnounced computes announced-prefixes' prefixes from reference
// intervals: the intervals with at least minPeers peers, clipped to
// [from, to] (open ones end at latest), empty ones left out, touching
// ones joined.
func psAnnounced(ivs map[netip.Prefix][]psInterval, from, to, latest time.Time, minPeers int) map[string][]announcedTimeline {
	out := map[string][]announcedTimeline{}
	for p, list := range ivs {
		var tl []announcedTimeline
		for _, iv := range list {
			s, e := iv.start, iv.end
			if e.IsZero() {
				e = latest
			}
			s, e = psMaxTime(s, from), psMinTime(e, to)
			if iv.peers < minPeers || !e.After(s) {
				continue
			}
			st, et := s.UTC().Format("2006-01-02T15:04:05"), e.UTC().Format("2006-01-02T15:04:05")
			if n := len(tl); n > 0 && tl[n-1].Endtime >= st {
				tl[n-1].Endtime = et
				continue
			}
			tl = append(tl, announcedTimeline{st, et})
		}
		if len(tl) > 0 {
			out[p.String()] = tl
		}
	}
	return out
}

// psMaxTime returns the later of a and b.
func psMaxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// psMinTime returns the earlier of a and b.
func psMinTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// TestAnnouncedPrefixesJinx compares announced-prefixes on the jinx RIB
// and updates with the intervals replayed from the bgpdump reference, for
// the ASes with the most IPv4 and IPv6 prefixes and the origins most
// active in the updates, over several windows and thresholds.
func TestAnnouncedPrefixesJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	ref := psRefOf(t, jinx...)
	ts := testServer(t, ix, nil)
	v4, v6 := ref.topOrigins(false), ref.topOrigins(true)
	// origins of the update lines, by number of lines
	byUpdates := map[uint32]int{}
	for _, l := range ref.lines {
		if l.Kind == "A" {
			byUpdates[psOrigin(l)]++
		}
	}
	busy := slices.Collect(func(yield func(uint32) bool) {
		for as := range byUpdates {
			if as != 0 && !yield(as) {
				return
			}
		}
	})
	slices.SortFunc(busy, func(a, b uint32) int { return byUpdates[b] - byUpdates[a] })
	ases := []uint32{v4[0], v4[1], v6[0], busy[0], busy[1], busy[2], 64496}
	ivs := psOriginIntervals(ref.lines, ases)
	latest := ix.Latest().Truncate(time.Second)
	rib := time.Date(2014, 5, 30, 22, 0, 0, 0, time.UTC)
	windows := []struct{ from, to time.Time }{
		{latest.Add(-14 * 24 * time.Hour), latest},
		{rib, rib},
		{rib.Add(time.Second), time.Date(2014, 5, 30, 23, 50, 0, 0, time.UTC)},
		{time.Date(2014, 5, 30, 23, 50, 0, 0, time.UTC), time.Date(2014, 6, 2, 0, 0, 0, 0, time.UTC)},
	}
	for _, as := range ases {
		for _, w := range windows {
			for _, minPeers := range []int{0, 1, 10, 14} {
				query := fmt.Sprintf("resource=AS%d&starttime=%d&endtime=%d&min_peers_seeing=%d", as, w.from.Unix(), w.to.Unix(), minPeers)
				var data announcedPrefixesData
				if env := get(t, ts, "announced-prefixes", query, &data); env.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d %v", query, env.StatusCode, env.Messages)
				}
				got := map[string][]announcedTimeline{}
				for _, p := range data.Prefixes {
					got[p.Prefix] = p.Timelines
				}
				want := psAnnounced(ivs[as], w.from, w.to, latest, minPeers)
				if len(got) != len(want) {
					t.Errorf("%s: %d prefixes, want %d", query, len(got), len(want))
				}
				bad := 0
				for p, tl := range want {
					if !slices.Equal(got[p], tl) && bad < 5 {
						bad++
						t.Errorf("%s: %s: got %v, want %v", query, p, got[p], tl)
					}
				}
				if data.Resource != fmt.Sprint(as) || data.LatestTime != latest.Format("2006-01-02T15:04:05") ||
					data.EarliestTime != "2014-05-30T22:00:00" || data.QueryStarttime != w.from.Format("2006-01-02T15:04:05") {
					t.Errorf("%s: header %+v", query, data)
				}
			}
		}
	}
	t.Logf("ASes %v: AS%d has %d prefixes", ases, v4[0], len(ivs[v4[0]]))
}

// BenchmarkAnnouncedPrefixesTop asks announced-prefixes for the AS with
// the most prefixes in jinx (target < 100 ms), each time with a new
// parameter so the cache never answers.
func BenchmarkAnnouncedPrefixesTop(b *testing.B) {
	ix := storeOf(b, jinx...)
	ref := psRefOf(b, jinx...)
	ts := testServer(b, ix, nil)
	query := fmt.Sprintf("resource=AS%d", ref.topOrigins(false)[0])
	var data announcedPrefixesData
	get(b, ts, "announced-prefixes", query, &data)
	if len(data.Prefixes) == 0 {
		b.Fatalf("%s: no prefixes", query)
	}
	b.ResetTimer()
	for i := range b.N {
		get(b, ts, "announced-prefixes", query+"&x="+fmt.Sprint(i), nil)
	}
}

// TestAnnouncedPrefixesRanges checks the union of intervals of several
// collectors against the peers threshold.
func TestAnnouncedPrefixesRanges(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2024, 1, 1, 0, m, 0, 0, time.UTC) }
	iv := func(coll string, s, e, peers int) index.Interval {
		i := index.Interval{Collector: coll, Start: at(s), Peers: peers}
		if e >= 0 {
			i.End = at(e)
		}
		return i
	}
	tests := []struct {
		name string
		ivs  []index.Interval
		min  int
		want string
	}{
		{"one", []index.Interval{iv("a", 1, 5, 3)}, 3, "00:01-00:05"},
		{"below", []index.Interval{iv("a", 1, 5, 3)}, 4, ""},
		{"sum of collectors", []index.Interval{iv("a", 1, 5, 3), iv("b", 3, 8, 2)}, 5, "00:03-00:05"},
		{"touching same collector", []index.Interval{iv("a", 1, 5, 3), iv("a", 5, 9, 3)}, 6, ""},
		{"touching joined", []index.Interval{iv("a", 1, 5, 3), iv("a", 5, 9, 3)}, 1, "00:01-00:09"},
		{"open ends at latest", []index.Interval{iv("a", 1, -1, 3)}, 1, "00:01-00:30"},
		{"clipped", []index.Interval{iv("a", 0, 59, 3)}, 1, "00:10-00:40"},
		{"empty", []index.Interval{iv("a", 7, 7, 3)}, 0, ""},
		{"gap", []index.Interval{iv("a", 11, 12, 1), iv("a", 14, 15, 1)}, 1, "00:11-00:12 00:14-00:15"},
	}
	for _, tc := range tests {
		from, to := at(0), at(59)
		if tc.name == "clipped" {
			from, to = at(10), at(40)
		}
		var short []string
		for _, r := range announcedRanges(tc.ivs, from, to, at(30), tc.min) {
			short = append(short, r.Starttime[11:16]+"-"+r.Endtime[11:16])
		}
		if s := strings.Join(short, " "); s != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, s, tc.want)
		}
	}
}
