package widgets

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"testing"

	"github.com/routestat/routestat/internal/browsertest"
)

// BenchmarkBGPlay times BGPlay in headless Chromium on a synthetic bgplay
// answer (bgplaySynth: 150 peers, 5,000 events over 8 hours). It serves the
// built widget_api.js with Handler, a page that embeds the widget with
// routestat.init at the window's width (1366×900, as on the BGPlay page),
// and the answer at /data/bgplay/data.json, and measures in the page with
// performance.now():
//
//   - ms/ready: from routestat.init to the host's data-state=ready (fetch,
//     JSON parsing, model, graph layout and DOM of the 1 MB answer);
//   - ms/shown: the same until the first frame after that is rendered
//     (style, layout and paint of the whole widget);
//   - ms/step, ms/step-p95: one click on button[data-action=step-forward],
//     from the start of a frame (requestAnimationFrame) until that frame is
//     rendered (a message posted from the callback runs after its paint),
//     over 300 steps from the initial state, one per frame;
//     ms/step-layout is the part until style and layout are done (forced
//     right after the click), the rest is paint; ms/frame is the frame
//     interval while stepping so;
//   - ms/seek: the same for button[data-action=last] at the initial state
//     (every event applied at once).
//
// Each iteration loads the page afresh; the metrics are medians (and a
// 95th percentile) of the samples of every iteration. Without Chromium
// the benchmark is skipped, or fails when CI=true.
func BenchmarkBGPlay(b *testing.B) {
	browsertest.Require(b)
	data := bgplaySynth()
	answer, err := json.Marshal(bgplayEnvelope{Status: "ok", StatusCode: 200, Version: "1.3", DataCallName: "bgplay",
		DataCallStatus: "supported", Messages: [][2]string{}, Data: data})
	if err != nil {
		b.Fatal(err)
	}
	srv := bgplayServer(b, data.Resource, answer)
	br, err := browsertest.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := br.Close(); err != nil {
			b.Log(err)
		}
	})
	page := br.NewPage(b)
	params, err := json.Marshal(map[string]string{"resource": data.Resource,
		"starttime": fmt.Sprint(data.QueryStart), "endtime": fmt.Sprint(data.QueryEnd)})
	if err != nil {
		b.Fatal(err)
	}

	const steps, seeks = 300, 5
	var ready, shown, step, stepLayout, frame, seek []float64
	var mounted bgplayMounted
	for b.Loop() {
		page.Navigate(srv.URL + "/")
		page.Eval("bench.mount("+string(params)+")", &mounted)
		if mounted.Events != len(data.Events) || mounted.Current != -1 {
			b.Fatalf("mounted: data-events %d (want %d), data-current %d (want -1)", mounted.Events, len(data.Events), mounted.Current)
		}
		ready = append(ready, mounted.Ready)
		shown = append(shown, mounted.Shown)
		var st struct {
			MS, Layout, Frames []float64
		}
		page.Eval(fmt.Sprintf("bench.steps(%d)", steps), &st)
		if len(st.MS) != steps {
			b.Fatalf("%d steps forward, want %d", len(st.MS), steps)
		}
		step = append(step, st.MS...)
		stepLayout = append(stepLayout, st.Layout...)
		frame = append(frame, st.Frames...)
		var sk []float64
		page.Eval(fmt.Sprintf("bench.seek(%d)", seeks), &sk)
		seek = append(seek, sk...)
	}
	b.Logf("answer %d bytes: %d peers, %d ASes, %d routes, %d events; drawn: %d AS nodes, %d links",
		len(answer), len(data.Sources), len(data.Nodes), len(data.InitialState), len(data.Events), mounted.Nodes, mounted.Edges)
	b.ReportMetric(quantile(ready, 0.5), "ms/ready")
	b.ReportMetric(quantile(shown, 0.5), "ms/shown")
	b.ReportMetric(quantile(step, 0.5), "ms/step")
	b.ReportMetric(quantile(step, 0.95), "ms/step-p95")
	b.ReportMetric(quantile(stepLayout, 0.5), "ms/step-layout")
	b.ReportMetric(quantile(frame, 0.5), "ms/frame")
	b.ReportMetric(quantile(seek, 0.5), "ms/seek")
}

// bgplayMounted is what bench.mount reports.
type bgplayMounted struct {
	Ready, Shown float64 // ms from routestat.init
	Events       int     // .bgplay[data-events]
	Current      int     // .bgplay[data-current]
	Nodes, Edges int     // g.node and path.edge in svg.bgplay-graph
}

// quantile returns the q-quantile of xs (nearest rank), NaN if empty.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// bgplayServer serves the widget loader (Handler), the benchmark page at /
// and the answer at /data/bgplay/data.json for resource.
func bgplayServer(tb testing.TB, resource string, answer []byte) *httptest.Server {
	tb.Helper()
	h, err := Handler(Options{})
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, p := range Prefixes {
		mux.Handle(p, h)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(bgplayBenchPage))
	})
	mux.HandleFunc("GET /data/bgplay/data.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if got := r.URL.Query().Get("resource"); got != resource {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `{"status":"error","status_code":400,"messages":[["error","bench: resource %q, want %q"]],"data":{}}`, got, resource)
			return
		}
		_, _ = w.Write(answer)
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv
}

// bgplayBenchPage embeds BGPlay as a third-party page would (routestat.init
// into a div) and defines the timing functions BenchmarkBGPlay calls.
const bgplayBenchPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>BGPlay benchmark</title>
<link rel="icon" href="data:,">
<style>body{margin:0;padding:12px;font-family:system-ui,sans-serif}</style>
</head>
<body>
<div id="bgplay"></div>
<script src="/widgets/widget_api.js"></script>
<script>
const host = document.getElementById('bgplay');
const root = () => host.shadowRoot && host.shadowRoot.querySelector('.bgplay');
const button = (action) => root().querySelector('button[data-action="' + action + '"]');

// framed runs f at the start of the next frame, forces style and layout,
// and resolves once that frame is rendered: a message posted from a
// requestAnimationFrame callback is handled after the frame's paint. It
// resolves with the milliseconds from before f to then (ms) and to the end
// of layout (layout), and the frame's timestamp.
const framed = (f) => new Promise((resolve) => requestAnimationFrame((ts) => {
  const t0 = performance.now();
  f();
  host.getBoundingClientRect();
  const layout = performance.now() - t0;
  const ch = new MessageChannel();
  ch.port1.onmessage = () => resolve({ ms: performance.now() - t0, layout, ts });
  ch.port2.postMessage(null);
}));

window.bench = {
  // mount embeds BGPlay and times it until data-state=ready and until the
  // next frame is rendered.
  mount(params) {
    return new Promise((resolve, reject) => {
      let t0 = 0;
      const mo = new MutationObserver(() => {
        const state = host.getAttribute('data-state');
        if (state === 'error') {
          mo.disconnect();
          reject(new Error('BGPlay: ' + host.shadowRoot.querySelector('.body').textContent));
        }
        if (state !== 'ready') return;
        mo.disconnect();
        const ready = performance.now() - t0;
        const r = root();
        if (!r || !r.hasAttribute('data-events')) { reject(new Error('ready without .bgplay[data-events]')); return; }
        framed(() => {}).then(() => {
          const svg = r.querySelector('svg.bgplay-graph');
          resolve({
            ready, shown: performance.now() - t0,
            events: Number(r.getAttribute('data-events')), current: Number(r.getAttribute('data-current')),
            nodes: svg.querySelectorAll('g.node').length, edges: svg.querySelectorAll('path.edge').length,
          });
        });
      });
      mo.observe(host, { attributes: true, attributeFilter: ['data-state'] });
      t0 = performance.now();
      routestat.init('bgplay', params, 'bgplay', { size: 'fit' }); // the window's width, as on the BGPlay page
    });
  },

  // steps clicks step-forward n times, once per frame.
  async steps(n) {
    const r = root();
    const fwd = button('step-forward');
    const ms = []; const layout = []; const frames = [];
    let last = 0;
    for (let i = 0; i < n && !fwd.disabled; i++) {
      const before = r.getAttribute('data-current');
      const s = await framed(() => fwd.click());
      if (r.getAttribute('data-current') === before) throw new Error('step ' + i + ': data-current stayed ' + before);
      ms.push(s.ms);
      layout.push(s.layout);
      if (last) frames.push(s.ts - last);
      last = s.ts;
    }
    return { ms, layout, frames };
  },

  // seek jumps from the initial state to the last event reps times.
  async seek(reps) {
    const r = root();
    const ms = [];
    for (let i = 0; i < reps; i++) {
      await framed(() => button('first').click());
      if (r.getAttribute('data-current') !== '-1') throw new Error('first: data-current ' + r.getAttribute('data-current'));
      const s = await framed(() => button('last').click());
      if (!button('step-forward').disabled) throw new Error('last: step-forward still enabled at ' + r.getAttribute('data-current'));
      ms.push(s.ms);
    }
    return ms;
  },
};
</script>
</body>
</html>
`

// The bgplay answer (docs/calls/bgplay.md, spec §2.9) with unix timestamps.
type bgplayEnvelope struct {
	Status         string      `json:"status"`
	StatusCode     int         `json:"status_code"`
	Version        string      `json:"version"`
	DataCallName   string      `json:"data_call_name"`
	DataCallStatus string      `json:"data_call_status"`
	Messages       [][2]string `json:"messages"`
	Data           bgplayData  `json:"data"`
}

type bgplayData struct {
	Resource     string         `json:"resource"`
	QueryStart   int64          `json:"query_starttime"`
	QueryEnd     int64          `json:"query_endtime"`
	Targets      []bgplayTarget `json:"targets"`
	Sources      []bgplaySource `json:"sources"`
	Nodes        []bgplayNode   `json:"nodes"`
	InitialState []bgplayAttrs  `json:"initial_state"`
	Events       []bgplayEvent  `json:"events"`
	NrEvents     int            `json:"nr_events"`
	NrRoutes     int            `json:"nr_routes"`
	Parameters   map[string]any `json:"parameters"`
}

type bgplayTarget struct {
	Prefix string `json:"prefix"`
}

type bgplaySource struct {
	ID       string `json:"id"`
	RRC      string `json:"rrc"`
	IP       string `json:"ip"`
	ASNumber uint32 `json:"as_number"`
}

type bgplayNode struct {
	ASNumber uint32 `json:"as_number"`
	Owner    string `json:"owner"`
	ASHolder string `json:"as_holder"`
}

// bgplayAttrs is a route of initial_state and the attrs of an event (a
// withdrawal has neither path nor community).
type bgplayAttrs struct {
	SourceID     string   `json:"source_id"`
	TargetPrefix string   `json:"target_prefix"`
	Path         []uint32 `json:"path,omitempty"`
	Community    []string `json:"community,omitempty"`
}

type bgplayEvent struct {
	Timestamp int64       `json:"timestamp"`
	Type      string      `json:"type"`
	Seq       int         `json:"seq"`
	Attrs     bgplayAttrs `json:"attrs"`
}

// The synthetic scenario.
const (
	synthPeers   = 150
	synthEvents  = 5000
	synthStart   = 1767945600 // 2026-01-09 08:00:00 UTC
	synthSpan    = 8 * 3600
	synthOrigin  = 64500 // the prefixes' owner
	synthHijack  = 64511 // announces synthVictim mid-window
	synthVictim  = "203.0.113.0/24"
	synthHijackT = synthStart + synthSpan*45/100 // 11:36 UTC
	synthRevertT = synthStart + synthSpan*60/100 // 12:48 UTC
)

var (
	synthCollectors = []string{"00", "01", "03"}
	synthPrefixes   = []string{"203.0.112.0/22", "203.0.112.0/24", synthVictim}
	synthCountries  = []string{"NL", "DE", "GB", "US", "JP", "BR", "ZA", "AU", "SG", "FR", "IT", "SE"}
)

// synthTopo is a tree-like AS topology: edge networks buy transit from
// regional carriers, which buy it from a full mesh of tier-1s.
type synthTopo struct {
	tier1     []uint32
	providers map[uint32][]uint32 // an AS's upstreams (none: a tier-1)
	names     map[uint32]string
}

// path is the valley-free AS path from a peer's AS to origin; variant
// picks among the upstreams at each level. The origin prepends itself
// twice towards its backup upstream.
func (tp *synthTopo) path(from, origin uint32, variant uint64) []uint32 {
	pick := func(xs []uint32) uint32 {
		x := xs[variant%uint64(len(xs))]
		variant /= uint64(len(xs))
		return x
	}
	ups := tp.providers[origin]
	end := func(p []uint32, via uint32) []uint32 {
		p = append(p, origin)
		if via == ups[len(ups)-1] && origin == synthOrigin {
			p = append(p, origin, origin)
		}
		return p
	}
	p := []uint32{from}
	cur := from
	for {
		if slices.Contains(ups, cur) {
			return end(p, cur)
		}
		prov := tp.providers[cur]
		if len(prov) == 0 {
			break // a tier-1
		}
		cur = pick(prov)
		p = append(p, cur)
	}
	// down from tier-1 cur: to an upstream of the origin, through one of
	// its tier-1s unless cur is one
	u := pick(ups)
	if uprov := tp.providers[u]; len(uprov) > 0 && !slices.Contains(uprov, cur) {
		p = append(p, pick(uprov))
	}
	return end(append(p, u), u)
}

// bgplaySynth returns a deterministic synthetic bgplay answer for
// 203.0.112.0/22 and its more-specifics over 8 hours: 150 peers on 3
// collectors each with a route to every prefix at the start, and 5,000
// events: path changes, withdrawals, re-announcements (same path, new
// communities), and, from 11:36 to 12:48, a second origin (AS64511)
// announcing 203.0.113.0/24, adopted by about 60% of the peers within a
// few minutes and dropped as fast.
func bgplaySynth() bgplayData {
	rng := rand.New(rand.NewPCG(2026, 109))
	tp := &synthTopo{providers: map[uint32][]uint32{}, names: map[uint32]string{}}
	country := func() string { return synthCountries[rng.IntN(len(synthCountries))] }
	for i := range 12 {
		as := uint32(64600 + i)
		tp.tier1 = append(tp.tier1, as)
		tp.names[as] = fmt.Sprintf("BACKBONE-%c Global IP Network, %s", 'A'+i, country())
	}
	// two distinct elements of xs
	two := func(xs []uint32) []uint32 {
		i := rng.IntN(len(xs))
		j := (i + 1 + rng.IntN(len(xs)-1)) % len(xs)
		return []uint32{xs[i], xs[j]}
	}
	var transits, edges []uint32
	for i := range 50 {
		as := uint32(64700 + i)
		transits = append(transits, as)
		tp.providers[as] = two(tp.tier1)
		tp.names[as] = fmt.Sprintf("CARRIER-%d Regional Transit, %s", i+1, country())
	}
	for i := range 80 {
		as := uint32(65000 + i)
		edges = append(edges, as)
		if i%6 == 5 {
			tp.providers[as] = []uint32{transits[rng.IntN(len(transits))]} // single-homed
		} else {
			tp.providers[as] = two(transits)
		}
		tp.names[as] = fmt.Sprintf("ACCESS-%d Broadband, %s", i+1, country())
	}
	// the origin: two transits and a tier-1 (its backup, prepended to);
	// the second origin: one transit
	tp.providers[synthOrigin] = []uint32{transits[0], transits[1], tp.tier1[2]}
	tp.names[synthOrigin] = "EXAMPLE-VIDEO Content Hosting, US"
	tp.providers[synthHijack] = []uint32{transits[len(transits)-1]}
	tp.names[synthHijack] = "EXAMPLE-TELECOM Misorigin, ZZ"

	d := bgplayData{Resource: synthPrefixes[0], QueryStart: synthStart, QueryEnd: synthStart + synthSpan,
		Parameters: map[string]any{"resource": synthPrefixes[0], "starttime": synthStart, "endtime": synthStart + synthSpan,
			"rrcs": synthCollectors, "unix_timestamps": true}}
	for _, p := range synthPrefixes {
		d.Targets = append(d.Targets, bgplayTarget{p})
	}
	v4 := netip.MustParseAddr("192.0.2.0")
	v6 := netip.MustParseAddr("2001:db8::")
	for i := range synthPeers {
		ip := v4
		if i%5 == 4 {
			ip = v6
		}
		for range i + 1 {
			ip = ip.Next()
		}
		var as uint32
		switch i % 10 {
		case 0:
			as = tp.tier1[(i/10)%len(tp.tier1)]
		case 5:
			as = transits[rng.IntN(len(transits))]
		default:
			as = edges[rng.IntN(len(edges))]
		}
		rrc := synthCollectors[i%len(synthCollectors)]
		d.Sources = append(d.Sources, bgplaySource{ID: rrc + "-" + ip.String(), RRC: rrc, IP: ip.String(), ASNumber: as})
	}

	// communities: the peer's region and the origin's upstream
	community := func(src bgplaySource, path []uint32, n int) []string {
		up := path[0]
		for k := len(path) - 1; k >= 0; k-- {
			if path[k] != path[len(path)-1] {
				up = path[k]
				break
			}
		}
		return []string{fmt.Sprintf("%d:%d", src.ASNumber, 100+slices.Index(synthCollectors, src.RRC)), fmt.Sprintf("%d:%d", up, 2000+n)}
	}
	type route struct{ path []uint32 }
	routes := map[string]route{}
	key := func(peer int, prefix string) string { return d.Sources[peer].ID + "|" + prefix }
	for i, src := range d.Sources {
		for _, p := range synthPrefixes {
			path := tp.path(src.ASNumber, synthOrigin, rng.Uint64())
			routes[key(i, p)] = route{path}
			d.InitialState = append(d.InitialState, bgplayAttrs{SourceID: src.ID, TargetPrefix: p, Path: path, Community: community(src, path, 0)})
		}
	}

	// the schedule: the second origin's spread and retreat among the
	// peers it reaches, and random events evenly over the window
	const (
		random = iota
		hijack
		revert
	)
	type slot struct {
		t    int64
		kind int
		peer int
	}
	var sched []slot
	for i := range synthPeers {
		if rng.Float64() < 0.6 {
			sched = append(sched,
				slot{synthHijackT + 2 + int64(min(240, rng.ExpFloat64()*30)), hijack, i},
				slot{synthRevertT + 1 + int64(min(180, rng.ExpFloat64()*20)), revert, i})
		}
	}
	nRandom := synthEvents - len(sched)
	for j := range nRandom {
		sched = append(sched, slot{t: synthStart + int64((float64(j)+rng.Float64())/float64(nRandom)*synthSpan), kind: random})
	}
	slices.SortStableFunc(sched, func(a, b slot) int { return int(a.t - b.t) })

	hijacked := make([]bool, synthPeers)
	announce := func(t int64, peer int, prefix string, path []uint32, n int) {
		routes[key(peer, prefix)] = route{path}
		src := d.Sources[peer]
		d.Events = append(d.Events, bgplayEvent{Timestamp: t, Type: "A", Seq: len(d.Events) + 1,
			Attrs: bgplayAttrs{SourceID: src.ID, TargetPrefix: prefix, Path: path, Community: community(src, path, n)}})
	}
	for _, s := range sched {
		switch s.kind {
		case hijack:
			hijacked[s.peer] = true
			announce(s.t, s.peer, synthVictim, tp.path(d.Sources[s.peer].ASNumber, synthHijack, rng.Uint64()), 0)
		case revert:
			hijacked[s.peer] = false
			announce(s.t, s.peer, synthVictim, tp.path(d.Sources[s.peer].ASNumber, synthOrigin, rng.Uint64()), 0)
		default:
			peer := rng.IntN(synthPeers)
			var prefix string
			switch r := rng.Float64(); {
			case r < 0.4:
				prefix = synthPrefixes[0]
			case r < 0.6:
				prefix = synthPrefixes[1]
			default:
				prefix = synthPrefixes[2]
			}
			origin := uint32(synthOrigin)
			if prefix == synthVictim && hijacked[peer] {
				origin = synthHijack
			}
			cur, ok := routes[key(peer, prefix)]
			switch r := rng.Float64(); {
			case ok && r < 0.10:
				delete(routes, key(peer, prefix))
				d.Events = append(d.Events, bgplayEvent{Timestamp: s.t, Type: "W", Seq: len(d.Events) + 1,
					Attrs: bgplayAttrs{SourceID: d.Sources[peer].ID, TargetPrefix: prefix}})
			case ok && r < 0.27:
				announce(s.t, peer, prefix, cur.path, 1+rng.IntN(99))
			default:
				// a different path where the topology offers one
				var path []uint32
				for range 8 {
					path = tp.path(d.Sources[peer].ASNumber, origin, rng.Uint64())
					if !ok || !slices.Equal(path, cur.path) {
						break
					}
				}
				announce(s.t, peer, prefix, path, 0)
			}
		}
	}

	seen := map[uint32]bool{}
	add := func(as uint32) {
		if !seen[as] {
			seen[as] = true
			d.Nodes = append(d.Nodes, bgplayNode{ASNumber: as, Owner: tp.names[as], ASHolder: tp.names[as]})
		}
	}
	for _, s := range d.Sources {
		add(s.ASNumber)
	}
	for _, r := range d.InitialState {
		for _, as := range r.Path {
			add(as)
		}
	}
	for _, e := range d.Events {
		for _, as := range e.Attrs.Path {
			add(as)
		}
	}
	slices.SortFunc(d.Nodes, func(a, b bgplayNode) int { return int(a.ASNumber) - int(b.ASNumber) })
	d.NrEvents, d.NrRoutes = len(d.Events), len(d.InitialState)
	return d
}

// TestBGPlaySynth checks the benchmark's answer: what BGPlay's client
// dereferences is listed, and the scenario is the one described.
func TestBGPlaySynth(t *testing.T) {
	d := bgplaySynth()
	if again := bgplaySynth(); !slices.EqualFunc(d.Events, again.Events, func(a, b bgplayEvent) bool {
		return a.Timestamp == b.Timestamp && a.Type == b.Type && a.Attrs.SourceID == b.Attrs.SourceID && slices.Equal(a.Attrs.Path, b.Attrs.Path)
	}) {
		t.Error("two answers differ")
	}
	sources := map[string]bool{}
	rrcs := map[string]bool{}
	for _, s := range d.Sources {
		sources[s.ID] = true
		rrcs[s.RRC] = true
	}
	targets := map[string]bool{}
	for _, p := range d.Targets {
		targets[p.Prefix] = true
	}
	nodes := map[uint32]bool{}
	for _, n := range d.Nodes {
		if n.Owner == "" {
			t.Errorf("AS%d has no name", n.ASNumber)
		}
		nodes[n.ASNumber] = true
	}
	for _, s := range d.Sources {
		if !nodes[s.ASNumber] {
			t.Errorf("peer %s: AS%d not in nodes", s.ID, s.ASNumber)
		}
	}
	if len(sources) != 150 || len(rrcs) != 3 || len(d.Events) != 5000 || d.NrEvents != 5000 || d.NrRoutes != len(d.InitialState) {
		t.Errorf("%d peers on %d collectors, %d events (nr_events %d), nr_routes %d of %d", len(sources), len(rrcs), len(d.Events), d.NrEvents, d.NrRoutes, len(d.InitialState))
	}
	check := func(what string, r bgplayAttrs, withPath bool) {
		if !sources[r.SourceID] {
			t.Errorf("%s: source %s not in sources", what, r.SourceID)
		}
		if !targets[r.TargetPrefix] {
			t.Errorf("%s: prefix %s not in targets", what, r.TargetPrefix)
		}
		if withPath != (len(r.Path) > 0) {
			t.Errorf("%s: path %v", what, r.Path)
		}
		for _, as := range r.Path {
			if !nodes[as] {
				t.Errorf("%s: AS%d of %v not in nodes", what, as, r.Path)
			}
		}
		if seen := map[uint32]bool{}; len(r.Path) > 0 {
			for k, as := range r.Path {
				if seen[as] && r.Path[k-1] != as {
					t.Errorf("%s: loop in %v", what, r.Path)
				}
				seen[as] = true
			}
		}
	}
	initial := map[string]bool{}
	for i, r := range d.InitialState {
		check(fmt.Sprintf("initial_state[%d]", i), r, true)
		initial[r.SourceID] = true
	}
	if len(initial) != len(sources) {
		t.Errorf("initial_state has routes of %d peers, want all %d", len(initial), len(sources))
	}
	routes := map[string][]uint32{}
	for _, r := range d.InitialState {
		routes[r.SourceID+"|"+r.TargetPrefix] = r.Path
	}
	kinds := map[string]int{}
	var firstHijack, lastHijack int64
	for i, e := range d.Events {
		what := fmt.Sprintf("events[%d]", i)
		check(what, e.Attrs, e.Type == "A")
		if e.Seq != i+1 || (i > 0 && e.Timestamp < d.Events[i-1].Timestamp) || e.Timestamp < d.QueryStart || e.Timestamp > d.QueryEnd {
			t.Errorf("%s: seq %d at %d out of order or window", what, e.Seq, e.Timestamp)
		}
		k := e.Attrs.SourceID + "|" + e.Attrs.TargetPrefix
		old, had := routes[k]
		switch {
		case e.Type == "W":
			kinds["withdrawal"]++
			delete(routes, k)
		case !had:
			kinds["re-announcement after a withdrawal"]++
		case slices.Equal(old, e.Attrs.Path):
			kinds["same path"]++
		default:
			kinds["path change"]++
		}
		if e.Type == "A" {
			routes[k] = e.Attrs.Path
			if e.Attrs.Path[len(e.Attrs.Path)-1] == synthHijack {
				if firstHijack == 0 {
					firstHijack = e.Timestamp
				}
				lastHijack = e.Timestamp
			}
		}
	}
	t.Logf("events: %v; nodes %d", kinds, len(d.Nodes))
	if kinds["withdrawal"] < 300 || kinds["same path"] < 500 || kinds["path change"] < 2500 || kinds["re-announcement after a withdrawal"] < 200 {
		t.Errorf("events: %v", kinds)
	}
	if firstHijack < synthHijackT || lastHijack > synthRevertT+300 || lastHijack-firstHijack < 3600 {
		t.Errorf("the second origin is announced from %d to %d, want within %d–%d", firstHijack, lastHijack, synthHijackT, synthRevertT+300)
	}
}
