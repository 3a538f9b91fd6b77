package calls

import (
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
)

// gotBGPlay is bgplay's data as BGPlay's client reads it.
type gotBGPlay struct {
	Resource any `json:"resource"`
	Start    any `json:"query_starttime"`
	End      any `json:"query_endtime"`
	Targets  []struct {
		Prefix string `json:"prefix"`
	} `json:"targets"`
	Sources []struct {
		ID       string `json:"id"`
		RRC      string `json:"rrc"`
		IP       string `json:"ip"`
		ASNumber uint32 `json:"as_number"`
	} `json:"sources"`
	Nodes []struct {
		ASNumber uint32 `json:"as_number"`
		Owner    string `json:"owner"`
		ASHolder string `json:"as_holder"`
	} `json:"nodes"`
	InitialState []gotRoute  `json:"initial_state"`
	Events       []gotUpdate `json:"events"`
}

// refEvents returns the events bgplay must list for the matched prefixes
// in (from, to]: every A and W line; a RIB entry that changes the
// route as an A; a session leaving Established as a W of each of its
// routes.
func refEvents(lines []bgpdumpref.Line, match prefixMatch, from, to time.Time, rrc string) []gotUpdate {
	m := bgpdumpref.NewModel()
	rest := m.ApplyUntil(lines, from)
	var out []gotUpdate
	for _, l := range rest {
		if l.Time.After(to) {
			break
		}
		switch l.Kind {
		case "STATE":
			if l.OldState == 6 && l.NewState != 6 {
				for k := range m.Routes {
					if k.Peer == l.Peer && match(k.Prefix) {
						out = append(out, refUpdate(bgpdumpref.Line{Kind: "W", Time: l.Time, Peer: l.Peer, Prefix: k.Prefix}, rrc))
					}
				}
			}
		case "B":
			if match(l.Prefix) {
				old, ok := m.Routes[bgpdumpref.Key{Peer: l.Peer, Prefix: l.Prefix, PathID: l.PathID}]
				old.Time, old.Kind = l.Time, l.Kind
				if !ok || old != l {
					a := l
					a.Kind = "A"
					out = append(out, refUpdate(a, rrc))
				}
			}
		case "A", "W":
			if match(l.Prefix) {
				out = append(out, refUpdate(l, rrc))
			}
		}
		m.Apply(l)
	}
	return out
}

// checkTables checks what BGPlay's client dereferences: every source,
// target and AS that initial_state and events name is listed.
func checkTables(t *testing.T, name string, d gotBGPlay) {
	t.Helper()
	targets, sources, nodes := map[string]bool{}, map[string]uint32{}, map[uint32]bool{}
	for _, x := range d.Targets {
		targets[x.Prefix] = true
	}
	for _, x := range d.Sources {
		sources[x.ID] = x.ASNumber
		if x.ID != x.RRC+"-"+x.IP {
			t.Errorf("%s: source %+v: id is not rrc-ip", name, x)
		}
	}
	for _, x := range d.Nodes {
		nodes[x.ASNumber] = true
	}
	check := func(src, prefix string, path []uint32) {
		as, ok := sources[src]
		if !ok || !targets[prefix] || !nodes[as] {
			t.Errorf("%s: source %s (in sources %v, AS in nodes %v) or target %s (%v) not listed", name, src, ok, nodes[as], prefix, targets[prefix])
		}
		for _, a := range path {
			if !nodes[a] {
				t.Errorf("%s: AS%d of %s's path to %s not in nodes", name, a, src, prefix)
			}
		}
	}
	for _, r := range d.InitialState {
		check(r.SourceID, r.TargetPrefix, r.Path)
	}
	for _, e := range d.Events {
		check(e.Attrs.SourceID, e.Attrs.TargetPrefix, e.Attrs.Path)
	}
}

// names is a fixed AS name table.
type names map[uint32]string

// Name returns the name of as.
func (n names) Name(as uint32) string { return n[as] }

// TestBGPlay compares bgplay's initial state with the bgpdump model at
// starttime and its events with the lines after it, on jinx (across the
// RIB and during the updates) and on the YouTube hijack, and checks the
// tables BGPlay's client needs.
func TestBGPlay(t *testing.T) {
	type tcase struct {
		query    string
		qs       []netip.Prefix // nil: the prefixes AS17557 originated
		from, to time.Time
	}
	p := netip.MustParsePrefix
	sets := []struct {
		name  string
		files []string
		rrc   string
		tests []tcase
	}{
		{"youtube", youtube, "00", []tcase{
			{"resource=208.65.153.0/24&starttime=2008-02-24T20:00&endtime=2008-02-24T21:30", []netip.Prefix{hijacked}, youtubeDay(20, 0, 0), youtubeDay(21, 30, 0)},
			{"resource=208.65.152.0/22&starttime=2008-02-24T21:00&endtime=2008-02-24T21:26", []netip.Prefix{p("208.65.152.0/22")}, youtubeDay(21, 0, 0), youtubeDay(21, 26, 0)},
			{"resource=AS17557&starttime=2008-02-24T20:50&endtime=2008-02-24T21:10", nil, youtubeDay(20, 50, 0), youtubeDay(21, 10, 0)},
		}},
		{"jinx", jinx, "route-views.jinx", []tcase{
			{"resource=193.0.0.0/16&starttime=2014-05-30T21:59&endtime=2014-05-30T22:10", []netip.Prefix{p("193.0.0.0/16")}, time.Unix(1401487140, 0), time.Unix(1401487800, 0)},
			{"resource=12.0.0.0/8,2001:500::/24&starttime=2014-05-30T22:30&endtime=2014-05-31T00:00", []netip.Prefix{p("12.0.0.0/8"), p("2001:500::/24")}, time.Unix(1401489000, 0), time.Unix(1401494400, 0)},
			{"resource=[12.0.0.0/8]&starttime=2014-05-30T23:50&endtime=2014-05-30T23:55", []netip.Prefix{p("12.0.0.0/8")}, time.Unix(1401493800, 0), time.Unix(1401494100, 0)},
		}},
	}
	for _, set := range sets {
		ix := storeOf(t, set.files...)
		lines := refOf(t, set.files...)
		ts := testServer(t, ix, names{17557: "PKTELECOM-AS-PK Pakistan Telecommunication Company Limited, PK"})
		for _, tc := range set.tests {
			var data gotBGPlay
			env := get(t, ts, "bgplay", tc.query, &data)
			if env.StatusCode != 200 {
				t.Fatalf("%s: %d %v", tc.query, env.StatusCode, env.Messages)
			}
			name := set.name + " " + tc.query
			match := under(tc.qs...)
			if tc.qs == nil {
				match = originated(lines, 17557, tc.from, tc.to)
			}
			want := refState(lines, match, tc.from, set.rrc)
			if got := routeStrings(data.InitialState); !slices.Equal(got, want) {
				t.Errorf("%s: initial state, %d routes, want %d\n got %v\nwant %v", name, len(got), len(want), got, want)
			}
			wantEvents := refEvents(lines, match, tc.from, tc.to, set.rrc)
			if len(want)+len(wantEvents) == 0 {
				t.Errorf("%s: nothing in the reference", name)
			}
			compareUpdates(t, name, data.Events, wantEvents)
			checkTables(t, name, data)
			if len(data.Nodes) == 0 {
				t.Errorf("%s: no nodes", name)
			}
		}
	}

	// what BGPlay's client sends: unix_timestamps=TRUE, the resource in
	// brackets, type=bgp, rrcs (RIS numbers on a server with rrc00
	// only), JSON-P
	ts := testServer(t, storeOf(t, youtube...), names{17557: "PKTELECOM-AS-PK"})
	q := "unix_timestamps=TRUE&type=bgp&resource=[208.65.153.0/24]&rrcs=0,1,5,6&endtime=1203887400&starttime=1203883200"
	var data struct {
		Resource any   `json:"resource"`
		Start    int64 `json:"query_starttime"`
		End      int64 `json:"query_endtime"`
		Nodes    []struct {
			ASNumber uint32 `json:"as_number"`
			Owner    string `json:"owner"`
		} `json:"nodes"`
		Events []struct {
			Timestamp int64 `json:"timestamp"`
			Type      string
		} `json:"events"`
	}
	if env := get(t, ts, "bgplay", q, &data); env.StatusCode != 200 {
		t.Fatalf("%s: %d %v", q, env.StatusCode, env.Messages)
	}
	if data.Start != 1203883200 || data.End != 1203887400 || data.Resource != "208.65.153.0/24" || len(data.Events) == 0 || data.Events[0].Timestamp < data.Start {
		t.Errorf("client query: resource %v, window %d-%d, %d events", data.Resource, data.Start, data.End, len(data.Events))
	}
	if !slices.ContainsFunc(data.Nodes, func(n struct {
		ASNumber uint32 `json:"as_number"`
		Owner    string `json:"owner"`
	}) bool {
		return n.ASNumber == 17557 && n.Owner == "PKTELECOM-AS-PK"
	}) {
		t.Errorf("nodes lack AS17557 with its name: %+v", data.Nodes)
	}
	// rrcs naming another RIS collector on a RIS server selects nothing
	var none gotBGPlay
	get(t, ts, "bgplay", "resource=208.65.153.0/24&rrcs=6&endtime=1203887400&starttime=1203883200", &none)
	if len(none.Events)+len(none.InitialState)+len(none.Nodes) != 0 {
		t.Errorf("rrcs=6: %d events, %d routes", len(none.Events), len(none.InitialState))
	}
	resp, err := http.Get(ts.URL + "/data/bgplay/data.json?" + q + "&callback=jQuery1_2")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(body), "jQuery1_2(") || !strings.Contains(string(body), `"initial_state"`) {
		t.Errorf("JSON-P answer starts %.60q", body)
	}
}

// BenchmarkBGPlayDay asks bgplay for one prefix over a day of jinx
// (target < 200 ms), each time with a new end time so the cache never
// answers.
func BenchmarkBGPlayDay(b *testing.B) {
	ts := testServer(b, storeOf(b, jinx...), nil)
	for _, prefix := range []string{"193.0.0.0/21", "202.70.88.0/21"} {
		b.Run(prefix, func(b *testing.B) {
			for i := range b.N {
				q := "resource=" + prefix + "&unix_timestamps=TRUE&starttime=1401408000&endtime=" + fmt.Sprint(1401494400+i)
				var data struct {
					Events []any `json:"events"`
				}
				if env := get(b, ts, "bgplay", q, &data); env.StatusCode != 200 || len(data.Events) == 0 {
					b.Fatalf("%s: %d %v, %d events", q, env.StatusCode, env.Messages, len(data.Events))
				}
			}
		})
	}
}
