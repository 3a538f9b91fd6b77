package calls

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
)

// updateHistoryGolden regenerates the golden files of the time-window
// calls (routing-history, bgp-updates, bgplay, bgp-state).
var updateHistoryGolden = flag.Bool("update-history", false, "rewrite testdata/golden of the time-window calls")

// youtubeDay is a time of 2008-02-24 UTC, the day of the YouTube hijack.
func youtubeDay(h, m, s int) time.Time { return time.Date(2008, 2, 24, h, m, s, 0, time.UTC) }

// hijacked is YouTube's /24 that AS17557 announced.
var hijacked = netip.MustParsePrefix("208.65.153.0/24")

// refCommunity maps bgpdump's names of well-known communities back to
// numbers.
var refCommunity = map[string]string{"no-export": "65535:65281", "no-advertise": "65535:65282", "local-AS": "65535:65283"}

// refCommunities splits a bgpdump community field.
func refCommunities(s string) []string {
	out := []string{}
	for _, c := range strings.Fields(s) {
		if n, ok := refCommunity[c]; ok {
			c = n
		}
		out = append(out, c)
	}
	return out
}

// gotUpdate is one bgp-updates item as a client decodes it.
type gotUpdate struct {
	Seq       int64  `json:"seq"`
	Timestamp string `json:"timestamp"`
	Type      string `json:"type"`
	Attrs     struct {
		SourceID     string   `json:"source_id"`
		TargetPrefix string   `json:"target_prefix"`
		Path         []uint32 `json:"path"`
		Community    []string `json:"community"`
	} `json:"attrs"`
}

// key is how an update is compared: time, type, path and communities.
func (u gotUpdate) key() string {
	return fmt.Sprintf("%s %s %v %v", u.Timestamp, u.Type, u.Attrs.Path, u.Attrs.Community)
}

// refUpdate turns an A or W line into the item bgp-updates must give.
func refUpdate(l bgpdumpref.Line, rrc string) gotUpdate {
	var u gotUpdate
	u.Timestamp, u.Type = l.Time.UTC().Format("2006-01-02T15:04:05"), l.Kind
	u.Attrs.SourceID, u.Attrs.TargetPrefix = rrc+"-"+l.Peer.String(), l.Prefix.String()
	if l.Kind == "A" {
		u.Attrs.Path, u.Attrs.Community = l.Path(), refCommunities(l.Community)
		if u.Attrs.Path == nil {
			u.Attrs.Path = []uint32{}
		}
	}
	return u
}

// prefixMatch selects the prefixes of a reference answer.
type prefixMatch func(netip.Prefix) bool

// under matches the prefixes qs and their more-specifics.
func under(qs ...netip.Prefix) prefixMatch {
	return func(p netip.Prefix) bool {
		return slices.ContainsFunc(qs, func(q netip.Prefix) bool { return q.Bits() <= p.Bits() && q.Contains(p.Addr()) })
	}
}

// originated matches the prefixes that some peer routed with origin as
// at from or in (from, to], as the bgpdump lines tell.
func originated(lines []bgpdumpref.Line, as uint32, from, to time.Time) prefixMatch {
	set := map[netip.Prefix]bool{}
	m := bgpdumpref.NewModel()
	rest := m.ApplyUntil(lines, from)
	for _, l := range m.Routes {
		if o, ok := histOrigin(l); ok && o == as {
			set[l.Prefix] = true
		}
	}
	for _, l := range rest {
		if l.Time.After(to) {
			break
		}
		if o, ok := histOrigin(l); ok && o == as && (l.Kind == "A" || l.Kind == "B") {
			set[l.Prefix] = true
		}
	}
	return func(p netip.Prefix) bool { return set[p] }
}

// byRoute groups updates by (source, prefix), each group in order.
func byRoute(us []gotUpdate) map[string][]string {
	m := map[string][]string{}
	for _, u := range us {
		k := u.Attrs.SourceID + " " + u.Attrs.TargetPrefix
		m[k] = append(m[k], u.key())
	}
	return m
}

// compareUpdates checks got against the reference updates: the same
// number, the same sequence per (peer, prefix), time order and seq
// increasing.
func compareUpdates(t *testing.T, name string, got, want []gotUpdate) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d updates, want %d", name, len(got), len(want))
	}
	g, w := byRoute(got), byRoute(want)
	for k, ws := range w {
		if !slices.Equal(g[k], ws) {
			t.Errorf("%s: updates of %s:\n got %v\nwant %v", name, k, g[k], ws)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: unexpected updates of %s: %v", name, k, g[k])
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i].Timestamp < got[i-1].Timestamp || got[i].Seq <= got[i-1].Seq {
			t.Errorf("%s: update %d (%s seq %d) out of order after %s seq %d", name, i, got[i].Timestamp, got[i].Seq, got[i-1].Timestamp, got[i-1].Seq)
			break
		}
	}
}

// refUpdates returns the A and W lines of the matched prefixes in
// [from, to].
func refUpdates(lines []bgpdumpref.Line, match prefixMatch, from, to time.Time, rrc string) []gotUpdate {
	var out []gotUpdate
	for _, l := range lines {
		if (l.Kind == "A" || l.Kind == "W") && !l.Time.Before(from) && !l.Time.After(to) && match(l.Prefix) {
			out = append(out, refUpdate(l, rrc))
		}
	}
	return out
}

// TestBGPUpdatesYouTube asks for the updates of YouTube's hijacked /24 on
// 2008-02-24 and compares every one with bgpdump's lines; the answer must
// hold AS17557's announcements, the first in the data at 20:51:36, and
// the withdrawal by AS13237 at 21:01:21.
func TestBGPUpdatesYouTube(t *testing.T) {
	ix := storeOf(t, youtube...)
	lines := refOf(t, youtube...)
	ts := testServer(t, ix, nil)
	tests := []struct {
		query    string
		qs       []netip.Prefix
		from, to time.Time
	}{
		{"resource=208.65.153.0/24&starttime=2008-02-24T18:00&endtime=2008-02-24T21:30", []netip.Prefix{hijacked}, youtubeDay(18, 0, 0), youtubeDay(21, 30, 0)},
		{"resource=208.65.152.0/22&starttime=2008-02-24T20:00&endtime=2008-02-24T21:05:00", []netip.Prefix{netip.MustParsePrefix("208.65.152.0/22")}, youtubeDay(20, 0, 0), youtubeDay(21, 5, 0)},
		{"resource=208.65.153.1&starttime=1203884280&endtime=1203884460", []netip.Prefix{netip.MustParsePrefix("208.65.153.0/25")}, time.Unix(1203884280, 0), time.Unix(1203884460, 0)},
	}
	for _, tc := range tests {
		var data struct {
			Resource  any         `json:"resource"`
			NrUpdates int         `json:"nr_updates"`
			Start     string      `json:"query_starttime"`
			End       string      `json:"query_endtime"`
			Updates   []gotUpdate `json:"updates"`
		}
		env := get(t, ts, "bgp-updates", tc.query, &data)
		if env.StatusCode != 200 {
			t.Fatalf("%s: %d %v", tc.query, env.StatusCode, env.Messages)
		}
		want := refUpdates(lines, under(tc.qs...), tc.from, tc.to, "00")
		if len(want) == 0 {
			t.Fatalf("%s: no reference updates", tc.query)
		}
		compareUpdates(t, tc.query, data.Updates, want)
		if data.NrUpdates != len(data.Updates) {
			t.Errorf("%s: nr_updates %d, %d updates", tc.query, data.NrUpdates, len(data.Updates))
		}
	}

	// the incident itself
	var data struct {
		Updates []gotUpdate `json:"updates"`
	}
	get(t, ts, "bgp-updates", "resource=208.65.153.0/24&starttime=2008-02-24T18:00&endtime=2008-02-24T21:30", &data)
	first := slices.IndexFunc(data.Updates, func(u gotUpdate) bool {
		return u.Type == "A" && len(u.Attrs.Path) > 0 && u.Attrs.Path[len(u.Attrs.Path)-1] == 17557
	})
	if first < 0 || data.Updates[first].Timestamp != "2008-02-24T20:51:36" || !slices.Equal(data.Updates[first].Attrs.Path, []uint32{1221, 4637, 3491, 17557}) {
		t.Errorf("first announcement by AS17557: %+v, want 20:51:36 via 1221 4637 3491", data.Updates[max(first, 0)])
	}
	if !slices.ContainsFunc(data.Updates, func(u gotUpdate) bool {
		return u.Type == "W" && u.Timestamp == "2008-02-24T21:01:21" && u.Attrs.SourceID == "00-81.209.156.1" && u.Attrs.TargetPrefix == "208.65.153.0/24"
	}) {
		t.Error("no withdrawal by AS13237 (81.209.156.1) at 21:01:21")
	}
}

// TestBGPUpdatesJinx compares the updates of the jinx data set (RIB at
// 22:00, updates 23:45-24:00) for the busiest prefixes, an AS and a list
// with bgpdump's lines; the RIB's entries are not updates.
func TestBGPUpdatesJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	lines := refOf(t, jinx...)
	ts := testServer(t, ix, nil)
	// the busiest prefixes of the updates file
	count := map[netip.Prefix]int{}
	for _, l := range lines {
		if l.Kind == "A" || l.Kind == "W" {
			count[l.Prefix]++
		}
	}
	var busy []netip.Prefix
	for p := range count {
		busy = append(busy, p)
	}
	slices.SortFunc(busy, func(a, b netip.Prefix) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return a.Compare(b)
	})
	busy = busy[:4]
	var v6 netip.Prefix
	for _, p := range busy {
		if p.Addr().Is6() {
			v6 = p
		}
	}
	if !v6.IsValid() {
		for p := range count {
			if p.Addr().Is6() && (!v6.IsValid() || p.Compare(v6) < 0) {
				v6 = p
			}
		}
	}
	from, to := time.Unix(1401487200, 0), time.Unix(1401494400, 0)
	window := "&starttime=1401487200&endtime=1401494400"
	type tcase struct {
		query string
		qs    []netip.Prefix
	}
	var tests []tcase
	for _, p := range append(busy, v6) {
		tests = append(tests, tcase{"resource=" + p.String() + window, []netip.Prefix{p}})
	}
	tests = append(tests, tcase{"resource=" + busy[0].String() + "," + busy[1].String() + window, busy[:2]},
		// a collector by name, in any case; RIS numbers on a server without
		// RIS collectors select every collector
		tcase{"resource=" + busy[0].String() + window + "&rrcs=ROUTE-VIEWS.jinx", busy[:1]},
		tcase{"resource=" + busy[0].String() + window + "&rrcs=0,1,5,6", busy[:1]})
	for _, tc := range tests {
		var data struct {
			NrUpdates int         `json:"nr_updates"`
			Updates   []gotUpdate `json:"updates"`
		}
		env := get(t, ts, "bgp-updates", tc.query, &data)
		if env.StatusCode != 200 {
			t.Fatalf("%s: %d %v", tc.query, env.StatusCode, env.Messages)
		}
		compareUpdates(t, tc.query, data.Updates, refUpdates(lines, under(tc.qs...), from, to, "route-views.jinx"))
	}
}

// historyVolatile matches the envelope fields that change from run to
// run.
var historyVolatile = regexp.MustCompile(`"(time|query_id|server_id|build_version)":"[^"]*"|"process_time":\d+`)

// checkHistoryGolden compares the raw answer to /data/<call>/data.json?query
// with testdata/golden/<file>, the volatile envelope fields normalised
// and the JSON indented (key order kept); -update-history rewrites it.
func checkHistoryGolden(t *testing.T, ts *httptest.Server, call, query, file string) {
	t.Helper()
	resp, err := http.Get(ts.URL + "/data/" + call + "/data.json?" + query)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	body = historyVolatile.ReplaceAllFunc(body, func(m []byte) []byte {
		if bytes.HasPrefix(m, []byte(`"process_time"`)) {
			return []byte(`"process_time":0`)
		}
		return append(bytes.SplitN(m, []byte(":"), 2)[0], []byte(`:"-"`)...)
	})
	var out bytes.Buffer
	if err := json.Indent(&out, body, "", "  "); err != nil {
		t.Fatalf("%s?%s: %v", call, query, err)
	}
	out.WriteByte('\n')
	path := filepath.Join("testdata", "golden", file)
	if *updateHistoryGolden {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-history)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("%s?%s differs from %s (run with -update-history to accept):\n%s", call, query, path, out.Bytes())
	}
}

// TestHistoryGolden keeps the envelope and the types of every field of
// the time-window calls on small answers from the YouTube data.
func TestHistoryGolden(t *testing.T) {
	ts := testServer(t, storeOf(t, youtube...), names{17557: "PKTELECOM-AS-PK", 36561: "YOUTUBE"})
	for _, c := range []struct{ call, query, file string }{
		{"routing-history", "resource=208.65.153.0/24&min_peers=1&normalise_visibility=true&starttime=2008-02-24T20:00&endtime=2008-02-24T21:30", "routing-history.json"},
		{"bgp-updates", "resource=208.65.153.0/24&starttime=2008-02-24T21:00&endtime=2008-02-24T21:02", "bgp-updates.json"},
		{"bgplay", "unix_timestamps=TRUE&type=bgp&resource=[208.65.153.0/24]&starttime=1203886800&endtime=1203886920", "bgplay.json"},
		{"bgp-state", "resource=208.65.153.0/24&timestamp=2008-02-24T21:01:00", "bgp-state.json"},
	} {
		checkHistoryGolden(t, ts, c.call, c.query, c.file)
	}
}

// TestHistoryOverload checks the size guard: a browser (Referer) gets the
// counts without the lists and a warning, data_overload_limit=ignore the
// whole answer.
func TestHistoryOverload(t *testing.T) {
	ts := testServer(t, storeOf(t, youtube...), nil)
	defer func(a, b, c int) { bgpUpdatesBrowserLimit, bgplayBrowserLimit, bgpStateBrowserLimit = a, b, c }(bgpUpdatesBrowserLimit, bgplayBrowserLimit, bgpStateBrowserLimit)
	bgpUpdatesBrowserLimit, bgplayBrowserLimit, bgpStateBrowserLimit = 5, 5, 1
	for _, c := range []struct{ call, query, count, list string }{
		{"bgp-updates", "resource=208.65.153.0/24&starttime=2008-02-24T20:00&endtime=2008-02-24T21:30", "nr_updates", "updates"},
		{"bgplay", "resource=208.65.153.0/24&starttime=2008-02-24T20:00&endtime=2008-02-24T21:30", "nr_events", "events"},
		{"bgp-state", "resource=208.65.153.0/24&timestamp=2008-02-24T21:00", "nr_routes", "bgp_state"},
	} {
		for _, ignore := range []bool{false, true} {
			q := c.query
			if ignore {
				q += "&data_overload_limit=ignore"
			}
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/data/"+c.call+"/data.json?"+q, nil)
			req.Header.Set("Referer", "https://example.net/widget")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var env struct {
				Messages [][]string                 `json:"messages"`
				Data     map[string]json.RawMessage `json:"data"`
			}
			err = json.NewDecoder(resp.Body).Decode(&env)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s?%s: %d %v", c.call, q, resp.StatusCode, err)
			}
			var n int
			var list []any
			json.Unmarshal(env.Data[c.count], &n)
			json.Unmarshal(env.Data[c.list], &list)
			warned := slices.ContainsFunc(env.Messages, func(m []string) bool { return m[0] == "warning" })
			if ignore && (len(list) != n || warned) || !ignore && (len(list) != 0 || n <= 1 || !warned) {
				t.Errorf("%s?%s from a browser: %s %d, %d items, warned %v", c.call, q, c.count, n, len(list), warned)
			}
		}
	}
}
