package main

// Browser tests: the web UI, the widgets, BGPlay and the embedding API in a
// real headless Chromium (internal/browsertest), against one routestat
// serve with real data: the RouteViews updates of the YouTube hijack of
// 2008-02-24, ingested with the ingest command, and the incidents of a
// hijack backtest --save over the same files. The AS names and the
// monitored prefix's description are hostile HTML, so that every page of
// every test also checks that data is shown as text, never run as markup
// (window.__xss stays unset; browsertest checks it when a page closes).
//
// Run them alone with: go test -race ./cmd/routestat -run Browser
// ROUTESTAT_ASSETS=DIR serves the UI from DIR/web/dist and DIR/widgets/dist
// (serve --assets) instead of the copies built into the test binary.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/browsertest"
	"github.com/routestat/routestat/internal/sharedtest"
)

// TestMain stops the servers and the browser of the browser tests once
// every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowserServers()
	browsertest.Shutdown()
	os.Exit(code)
}

// Hostile data: AS names (api.as_names) and the monitored prefix's
// description, which the incidents carry.
const (
	xssName36561   = `<script>window.__xss=1</script>`
	xssName17557   = `"><img src=x onerror="window.__xss=2">`
	xssDescription = `YouTube<svg onload="window.__xss=3">`
)

// The YouTube incident as the backtest finds it in the RouteViews data.
const (
	ytPrefix     = "208.65.152.0/22"
	ytHijacked   = "208.65.153.0/24"
	ytAPIKey     = "browser-test-key"
	ytWindowFrom = "2008-02-24T18:00:00"
	ytWindowTo   = "2008-02-24T22:00:00"
)

// browserServer is a routestat serve run in-process for the browser
// tests.
type browserServer struct {
	base     string // http://127.0.0.1:PORT
	incident string // the ID of the hijack incident of its data
	dir      string
	log      *syncBuffer
	cancel   context.CancelFunc
	done     chan int
}

// fixture is a server the browser tests share, built once in the
// background: the first test that needs it starts it, and may start
// others it knows will be needed, so that their set-up overlaps.
type fixture struct {
	once sync.Once
	done chan struct{}
	srv  *browserServer
	err  error
	took time.Duration
	told sync.Once
}

var (
	ytFixture   = &fixture{done: make(chan struct{})}
	demoFixture = &fixture{done: make(chan struct{})}
	// running lists the servers to stop when the tests end.
	running struct {
		sync.Mutex
		all []*browserServer
	}
)

// start builds the fixture in the background, once.
func (f *fixture) start(build func() (*browserServer, error)) {
	f.once.Do(func() {
		go func() {
			defer close(f.done)
			t0 := time.Now()
			f.srv, f.err = build()
			f.took = time.Since(t0)
			if f.srv != nil {
				running.Lock()
				running.all = append(running.all, f.srv)
				running.Unlock()
			}
		}()
	})
}

// wait returns the fixture's server once built; after a failed build it
// fails the test. When the test fails, the end of the server's log is
// logged.
func (f *fixture) wait(t *testing.T, name string) *browserServer {
	t.Helper()
	<-f.done
	if f.err != nil {
		t.Fatalf("%s: %v", name, f.err)
	}
	f.told.Do(func() { t.Logf("%s %s ready in %s", name, f.srv.base, f.took.Round(time.Millisecond)) })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s log, last lines:\n%s", name, lastLines(f.srv.log.String(), 30))
		}
	})
	return f.srv
}

// stopBrowserServers stops every server the browser tests started and
// removes their directories.
func stopBrowserServers() {
	running.Lock()
	defer running.Unlock()
	for _, s := range running.all {
		s.stop()
	}
	running.all = nil
}

func (s *browserServer) stop() {
	s.cancel()
	select {
	case code := <-s.done:
		if code != 0 {
			fmt.Fprintf(os.Stderr, "serve exited %d:\n%s", code, s.log.String())
		}
	case <-time.After(30 * time.Second):
		fmt.Fprintf(os.Stderr, "serve did not stop in 30s\n")
	}
	os.RemoveAll(s.dir)
}

// youtubeFiles returns the RouteViews update files of the YouTube
// incident (skipping or failing the test without the shared data).
func youtubeFiles(t *testing.T) []string {
	t.Helper()
	dir := filepath.Dir(sharedtest.MRT(t, "incident-youtube-2008/updates.20080224.2041.bz2"))
	files, err := filepath.Glob(filepath.Join(dir, "updates.*.bz2"))
	if err != nil || len(files) != 7 {
		t.Fatalf("YouTube files %v %v", files, err)
	}
	return files
}

// youtubeServer returns the server of the YouTube data, shared by the
// browser tests. Tests are skipped (or fail when CI=true) without
// Chromium or the shared data.
func youtubeServer(t *testing.T) *browserServer {
	t.Helper()
	browsertest.Require(t)
	files := youtubeFiles(t)
	// The demo server is not started alongside: GoBGP keeps route
	// selection options in package variables that StartBgp writes, so a
	// collector starting while another takes UPDATEs is a data race.
	ytFixture.start(func() (*browserServer, error) { return startYouTubeServer(files) })
	return ytFixture.wait(t, "YouTube server")
}

// startYouTubeServer builds the store (ingest, then hijack backtest
// --save, as a user would with the CLI) and serves it with hijack
// detection, an API key and the hostile AS names.
func startYouTubeServer(files []string) (*browserServer, error) {
	dir, err := os.MkdirTemp("", "routestat-browser-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*browserServer, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	names := filepath.Join(dir, "asnames.txt")
	monitored := filepath.Join(dir, "monitored.yaml")
	store := filepath.Join(dir, "data")
	if err := os.WriteFile(names, []byte("# hostile names: the UI must show them as text\n"+
		"AS36561 "+xssName36561+"\nAS17557 "+xssName17557+"\nAS3491 PCCW Global, HK\n"), 0o644); err != nil {
		return fail(err)
	}
	mon := fmt.Sprintf("prefixes:\n  %s:\n    description: '%s'\n    asn: 36561\n", ytPrefix, xssDescription)
	if err := os.WriteFile(monitored, []byte(mon), 0o644); err != nil {
		return fail(err)
	}
	var out, errOut bytes.Buffer
	if code := run(append([]string{"ingest", "--data", store, "--collector", "route-views2"}, files...), nil, &out, &errOut); code != 0 {
		return fail(fmt.Errorf("ingest: exit %d:\n%s", code, errOut.String()))
	}
	if code := run(append([]string{"hijack", "backtest", "--config", monitored, "--collector", "route-views2", "--save", store}, files...), nil, &out, &errOut); code != 0 {
		return fail(fmt.Errorf("hijack backtest --save: exit %d:\n%s", code, errOut.String()))
	}
	s, err := startServe(dir, "route-views2", fmt.Sprintf(`api:
  as_names: %s
index:
  dir: %s
hijack:
  monitored: %s
  api_keys: [%s]
`, names, store, monitored, ytAPIKey), assetArgs())
	if err != nil {
		return fail(err)
	}
	var list struct {
		Incidents []struct {
			ID          string `json:"id"`
			Type        string `json:"type"`
			OffendingAS uint32 `json:"offending_as"`
		} `json:"incidents"`
	}
	if err := getJSON(s.base+"/api/v1/hijack/incidents?hijacks_only=true", &list); err != nil {
		s.stop()
		return fail(err)
	}
	for _, inc := range list.Incidents {
		if inc.Type == "sub-prefix" && inc.OffendingAS == 17557 {
			s.incident = inc.ID
		}
	}
	if s.incident == "" {
		s.stop()
		return fail(fmt.Errorf("the backtest saved no sub-prefix incident by AS17557: %+v", list.Incidents))
	}
	return s, nil
}

// startServe runs serveMain with the configuration yaml (to which it
// adds the collector, archive and HTTP sections, on free loopback ports)
// and extra arguments, and waits until it answers.
func startServe(dir, collector, yaml string, args []string) (*browserServer, error) {
	bgp, err := loopbackPort()
	if err != nil {
		return nil, err
	}
	web, err := loopbackPort()
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "routestat.yaml")
	yaml = fmt.Sprintf(`collector:
  name: %s
  listen_addresses: [127.0.0.1]
  listen_port: %d
archive:
  dir: %s
  rib_interval: -1s
http:
  listen: 127.0.0.1:%d
`, collector, bgp, filepath.Join(dir, "archive"), web) + yaml
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &browserServer{base: fmt.Sprintf("http://127.0.0.1:%d", web), dir: dir, log: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- serveMain(ctx, append([]string{"--config", cfg}, args...), make(chan os.Signal), s.log)
	}()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		select {
		case code := <-s.done:
			cancel()
			return nil, fmt.Errorf("serve exited %d:\n%s", code, s.log.String())
		default:
		}
		if resp, err := http.Get(s.base + "/metrics"); err == nil {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			cancel()
			<-s.done
			return nil, fmt.Errorf("serve did not answer in a minute:\n%s", s.log.String())
		}
	}
}

// assetArgs returns serve's --assets option when ROUTESTAT_ASSETS is set.
func assetArgs() []string {
	if dir := os.Getenv("ROUTESTAT_ASSETS"); dir != "" {
		return []string{"--assets", dir}
	}
	return nil
}

// loopbackPort returns a TCP port free on 127.0.0.1.
func loopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// getJSON decodes the JSON answer to GET url into v; an answer other
// than 200 is an error.
func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d %s", url, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// openPage opens a browser tab for t on the YouTube server.
func openPage(t *testing.T) (*browsertest.Page, *browserServer) {
	t.Helper()
	s := youtubeServer(t)
	return newPage(t), s
}

// newPage opens a browser tab for t.
func newPage(t *testing.T) *browsertest.Page {
	t.Helper()
	return browsertest.Shared(t).NewPage(t)
}

// widget is what rs.widgets() reports of a widget host.
type widget struct {
	Name  string `json:"name"`
	State string `json:"state"`
	Text  string `json:"text"`
}

// waitWidgets waits until the page has widgets and none is loading, and
// fails the test for any in the error state; it returns them by name.
func waitWidgets(t *testing.T, p *browsertest.Page, what string) map[string]widget {
	t.Helper()
	raw := p.Wait(what+": every widget loaded", `(() => {
		const w = rs.widgets();
		return w.length > 0 && w.every((x) => x.state === 'ready' || x.state === 'error') && w;
	})()`)
	var list []widget
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]widget)
	for _, w := range list {
		if w.State != "ready" {
			t.Errorf("%s: widget %s is %s: %s", what, w.Name, w.State, w.Text)
		}
		out[w.Name] = w
	}
	return out
}

// widgetText returns the rendered text of the app's widget name (fails
// the test when it is missing).
func widgetText(t *testing.T, ws map[string]widget, name string) string {
	t.Helper()
	w, ok := ws[name]
	if !ok {
		names := make([]string, 0, len(ws))
		for n := range ws {
			names = append(names, n)
		}
		slices.Sort(names)
		t.Fatalf("no %s widget; widgets: %v", name, names)
	}
	return w.Text
}

// hostSel is the selector of the app's host element of widget name.
func hostSel(name string) string { return fmt.Sprintf(`[data-widget=%q]`, name) }

// openBar opens a widget's bar panel (source, data, embed-code,
// permalink, info) with the mouse and returns the hrefs of the links
// marked with attr (data-uri, data-permalink) it shows.
func openBar(t *testing.T, p *browsertest.Page, host, item, attr string) []string {
	t.Helper()
	p.Click(item+" button of "+host, fmt.Sprintf(`rs.within(%q, '.bar button[data-bar=%s]')`, host, item))
	raw := p.Wait(fmt.Sprintf("the %s panel of %s", item, host), fmt.Sprintf(`(() => {
		const a = rs.withinAll(%q, 'a[%s]').map((a) => a.href);
		return a.length > 0 && a;
	})()`, host, attr))
	var hrefs []string
	if err := json.Unmarshal(raw, &hrefs); err != nil {
		t.Fatal(err)
	}
	return hrefs
}

// TestBrowserSearchResource: a person types AS36561 into the search box,
// picks the suggestion with the keyboard, lands on the AS's page, and
// every widget there loads the real data of the YouTube files; the
// prefix page of the hijacked /24 over the incident's window shows the
// incident in the hijacks widget and both origins in routing-history.
func TestBrowserSearchResource(t *testing.T) {
	p, s := openPage(t)
	p.Navigate(s.base + "/")
	// The page is drawn once main has content (the home page then moves
	// the search box into it).
	p.Wait("the home page", `document.querySelector('main[data-page=home]')?.childElementCount > 0 && rs.visible(document.querySelector('input#search'))`)
	p.Click("the search box", `document.querySelector('input#search')`)
	p.Type("AS36561")
	raw := p.Wait("the suggestion AS36561", `(() => {
		const opts = [...document.querySelectorAll('#search-list [role=option]')];
		const i = opts.findIndex((o) => o.dataset.value === 'AS36561');
		return i >= 0 && !document.getElementById('search-list').hidden && {i, text: opts[i].textContent};
	})()`)
	var sug struct{ Text string }
	if err := json.Unmarshal(raw, &sug); err != nil {
		t.Fatal(err)
	}
	// The suggestion names the AS (the name is hostile HTML: shown as text).
	if !strings.Contains(sug.Text, xssName36561) {
		t.Errorf("the suggestion %q does not show the AS name", sug.Text)
	}
	p.Screenshot("search")
	// Arrow down to the suggestion, as a person would; the list may still
	// be redrawn for the last keystrokes, so look after each press.
	for press := 0; ; press++ {
		if press == 10 {
			t.Fatalf("ArrowDown never highlighted AS36561")
		}
		p.Press(browsertest.ArrowDown)
		if _, ok := p.TryWait(2*time.Second, `document.querySelector('#search-list [role=option][aria-selected=true]')?.dataset.value === 'AS36561'`); ok {
			break
		}
	}
	p.Press(browsertest.Enter)
	p.Wait("the resource page of AS36561", `document.querySelector('main[data-page=resource]')?.dataset.resource === 'AS36561'`)
	if u := p.URL(); !strings.HasSuffix(u, "/AS36561") {
		t.Errorf("URL %s, want /AS36561", u)
	}
	ws := waitWidgets(t, p, "AS36561")
	// The default window is the last 8 hours of data: all of it. With the
	// default of 10 peers, only the /24 YouTube announced against the
	// hijack was seen widely enough (the /22 appears in no update seen by
	// 10 peers).
	if txt := widgetText(t, ws, "announced-prefixes"); !strings.Contains(txt, ytHijacked) || !strings.Contains(txt, "2008-02-24 20:07:25") {
		t.Errorf("announced-prefixes lacks %s, first seen 2008-02-24 20:07:25: %s", ytHijacked, txt)
	}
	// AS36561's first route in the data: 64.15.112.0/20 at 18:29:52.
	if txt := widgetText(t, ws, "routing-status"); !strings.Contains(txt, "64.15.112.0/20") || !strings.Contains(txt, "2008-02-24 18:29:52") {
		t.Errorf("routing-status lacks the first route seen, 64.15.112.0/20 at 2008-02-24 18:29:52: %s", txt)
	}
	if txt := widgetText(t, ws, "as-overview"); !strings.Contains(txt, xssName36561) {
		t.Errorf("as-overview does not show the AS name: %s", txt)
	}
	if txt := widgetText(t, ws, "hijacks"); !strings.Contains(txt, "17557") {
		t.Errorf("hijacks widget of AS36561 lacks the AS17557 incident: %s", txt)
	}
	p.Screenshot("resource-as")
	// Tables sort from the keyboard: Enter on a header, again to reverse.
	sortedBy := func(dir string) []int {
		p.Wait("asn-neighbours sorted "+dir, fmt.Sprintf(`rs.within('[data-widget=asn-neighbours]', 'th[data-sort]').getAttribute('aria-sort') === %q`, dir))
		var asns []int
		p.Eval(`rs.withinAll('[data-widget=asn-neighbours]', 'tbody tr').map((tr) => +tr.cells[0].textContent.replace(/\D/g, ''))`, &asns)
		return asns
	}
	p.Eval(`rs.within('[data-widget=asn-neighbours]', 'th[data-sort]').focus()`, nil)
	p.Press(browsertest.Enter)
	up := sortedBy("ascending")
	p.Press(browsertest.Enter)
	down := sortedBy("descending")
	rev := slices.Clone(up)
	slices.Reverse(rev)
	if len(up) < 2 || !slices.IsSorted(up) || !slices.Equal(down, rev) {
		t.Errorf("asn-neighbours sorted by neighbour: ascending %v, descending %v", up, down)
	}
	// The data links are the exact data calls made.
	uris := openBar(t, p, hostSel("announced-prefixes"), "data", "data-uri")
	if !slices.ContainsFunc(uris, func(u string) bool {
		return strings.HasPrefix(u, s.base+"/data/announced-prefixes/data.json?") && strings.Contains(u, "resource=AS36561")
	}) {
		t.Errorf("announced-prefixes data links %v", uris)
	}

	t.Run("prefix", func(t *testing.T) {
		p := newPage(t)
		p.Navigate(s.base + "/" + ytHijacked + "?starttime=" + ytWindowFrom + "&endtime=" + ytWindowTo + "&routing-history.min_peers=1")
		p.Wait("the resource page of "+ytHijacked, `document.querySelector('main[data-page=resource]')?.dataset.resource === '208.65.153.0/24'`)
		ws := waitWidgets(t, p, ytHijacked)
		hj := widgetText(t, ws, "hijacks")
		for _, want := range []string{"17557", ytHijacked} {
			if !strings.Contains(hj, want) {
				t.Errorf("hijacks widget lacks %s: %s", want, hj)
			}
		}
		// The table under the chart: one row per origin and prefix.
		var origins []string
		p.Eval(`[...new Set(rs.withinAll('[data-widget=routing-history]', 'tbody tr').map((tr) => tr.cells[0].textContent.trim()))].sort()`, &origins)
		if !slices.Equal(origins, []string{"AS17557", "AS36561"}) {
			t.Errorf("routing-history shows origins %v, want 17557 and 36561: %s", origins, widgetText(t, ws, "routing-history"))
		}
		if got := p.String(`document.getElementById('range-start').value + ' → ' + document.getElementById('range-end').value`); got != "2008-02-24 18:00:00 → 2008-02-24 22:00:00" {
			t.Errorf("window inputs %q", got)
		}
		p.Screenshot("resource-prefix")
	})
}

// sorted returns s sorted (data calls made concurrently come in any
// order).
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// typeInto replaces the text of the input expr returns by typing.
func typeInto(p *browsertest.Page, what, expr, text string) {
	p.Click(what, expr)
	p.Eval(`document.activeElement.select()`, nil)
	p.Type(text)
}

// viewState is what a reload must reproduce of a resource page.
type viewState struct {
	Resource string   `json:"resource"`
	Start    string   `json:"start"`
	End      string   `json:"end"`
	MinPeers string   `json:"minPeers"`
	Origins  []string `json:"origins"`
}

const viewStateJS = `({
	resource: document.querySelector('main[data-page=resource]')?.dataset.resource,
	start: document.getElementById('range-start').value,
	end: document.getElementById('range-end').value,
	minPeers: rs.within('[data-widget=routing-history]', 'select')?.value,
	origins: [...new Set(rs.withinAll('[data-widget=routing-history]', 'tbody tr').map((tr) => tr.cells[0].textContent.trim()))].sort(),
})`

// TestBrowserPermalink: a window typed into the range inputs and a
// widget setting changed in the widget go into the URL; loading that URL
// in a new tab reproduces the view (resource, window, setting, the same
// data calls), and the widget's own permalink, the single-widget page,
// renders the same data. The single-widget page follows its URL
// fragment.
func TestBrowserPermalink(t *testing.T) {
	p, s := openPage(t)
	p.Navigate(s.base + "/" + ytHijacked)
	p.Wait("the resource page", `document.querySelector('main[data-page=resource]')?.dataset.resource === '208.65.153.0/24'`)
	waitWidgets(t, p, "default window")
	typeInto(p, "the window start", `document.getElementById('range-start')`, "2008-02-24 20:00:00")
	typeInto(p, "the window end", `document.getElementById('range-end')`, "2008-02-24 21:30")
	p.Click("Apply", `document.getElementById('range-apply')`)
	p.Wait("the window in the URL", `location.search.includes('starttime=2008-02-24T20%3A00%3A00') || location.search.includes('starttime=2008-02-24T20:00:00')`)
	waitWidgets(t, p, "custom window")
	// The widget's own control: routing-history's minimum number of peers.
	p.Eval(`(() => {
		const sel = rs.within('[data-widget=routing-history]', 'select');
		sel.value = '1';
		sel.dispatchEvent(new Event('change', {bubbles: true}));
	})()`, nil)
	p.Wait("routing-history.min_peers in the URL", `new URLSearchParams(location.search).get('routing-history.min_peers') === '1'`)
	waitWidgets(t, p, "min_peers=1")
	var before viewState
	p.Eval(viewStateJS, &before)
	want := viewState{Resource: ytHijacked, Start: "2008-02-24 20:00:00", End: "2008-02-24 21:30:00", MinPeers: "1", Origins: []string{"AS17557", "AS36561"}}
	if fmt.Sprint(before) != fmt.Sprint(want) {
		t.Errorf("state after the changes %+v, want %+v", before, want)
	}
	url := p.URL()
	dataBefore := sorted(openBar(t, p, hostSel("routing-history"), "data", "data-uri"))
	perma := openBar(t, p, hostSel("routing-history"), "permalink", "data-permalink")
	t.Logf("page %s\nwidget permalink %s\ndata %v", url, perma, dataBefore)
	if !slices.ContainsFunc(dataBefore, func(u string) bool {
		return strings.Contains(u, "min_peers=1") && strings.Contains(u, "starttime=2008-02-24T20")
	}) {
		t.Errorf("routing-history's data calls do not carry the window and min_peers=1: %v", dataBefore)
	}

	t.Run("reload", func(t *testing.T) {
		q := newPage(t)
		q.Navigate(url)
		waitWidgets(t, q, "reloaded")
		var after viewState
		q.Eval(viewStateJS, &after)
		if fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("reloaded state %+v, want %+v", after, before)
		}
		if got := sorted(openBar(t, q, hostSel("routing-history"), "data", "data-uri")); !slices.Equal(got, dataBefore) {
			t.Errorf("reloaded data calls %v, want %v", got, dataBefore)
		}
	})

	t.Run("widget permalink", func(t *testing.T) {
		if len(perma) != 1 || !strings.HasPrefix(perma[0], s.base+"/widget/routing-history#") {
			t.Fatalf("permalink %v", perma)
		}
		q := newPage(t)
		q.Navigate(perma[0])
		ws := waitWidgets(t, q, "widget page")
		if len(ws) != 1 {
			t.Errorf("widgets %+v", ws)
		}
		if got := sorted(openBar(t, q, "#widget", "data", "data-uri")); !slices.Equal(got, dataBefore) {
			t.Errorf("the permalink's data calls %v, want %v", got, dataBefore)
		}
		var origins []string
		q.Eval(`[...new Set(rs.withinAll('#widget', 'tbody tr').map((tr) => tr.cells[0].textContent.trim()))].sort()`, &origins)
		if !slices.Equal(origins, before.Origins) {
			t.Errorf("the permalink shows origins %v, want %v", origins, before.Origins)
		}
	})

	t.Run("widget page", func(t *testing.T) {
		q := newPage(t)
		q.Navigate(s.base + "/widget/routing-status#w.resource=AS36561")
		ws := waitWidgets(t, q, "routing-status page")
		txt := ""
		for _, w := range ws {
			txt = w.Text
		}
		// AS36561's first route in the data: 64.15.112.0/20 at 18:29:52.
		for _, want := range []string{"AS36561", "64.15.112.0/20", "2008-02-24 18:29:52"} {
			if !strings.Contains(txt, want) {
				t.Errorf("routing-status page lacks %q: %s", want, txt)
			}
		}
		q.Screenshot("routing-status")
		// The page follows its fragment.
		q.Eval(`location.hash = 'w.resource=' + encodeURIComponent('208.65.153.0/24')`, nil)
		q.Wait("routing-status of the /24", `rs.text('#widget').includes('208.65.153.0/24') && rs.one('#widget').dataset.state === 'ready'`)
	})
}

// bgplayState is what the BGPlay widget shows.
type bgplayState struct {
	Events   int    `json:"events"`
	Current  int    `json:"current"`
	Playing  string `json:"playing"`
	Time     string `json:"time"`
	Hijacker string `json:"hijacker"` // class of g.node[data-asn="17557"]
}

const bgplayStateJS = `(() => {
	const b = rs.one('.bgplay');
	const n = rs.one('svg.bgplay-graph g.node[data-asn="17557"]');
	return b && {events: +b.dataset.events, current: +b.dataset.current, playing: b.dataset.playing,
		time: rs.one('.bgplay-time')?.textContent || '', hijacker: n ? n.getAttribute('class') : ''};
})()`

// bgplayNow returns the state of the page's BGPlay.
func bgplayNow(t *testing.T, p *browsertest.Page) bgplayState {
	t.Helper()
	var st bgplayState
	p.Eval(bgplayStateJS, &st)
	return st
}

// TestBrowserBGPlay: BGPlay on the hijacked /24 over 20:30-21:30 loads
// every event of the data call, steps forward with the button and the
// keyboard, plays and pauses, seeks by dragging the timeline cursor, and
// shows AS17557 as an active origin exactly while it announced the
// prefix: off at 20:30, on after stepping to 20:51:36.
func TestBrowserBGPlay(t *testing.T) {
	p, s := openPage(t)
	const from, to = "2008-02-24T20:30:00", "2008-02-24T21:30:00"
	var api struct {
		Data struct {
			Events []json.RawMessage `json:"events"`
		} `json:"data"`
	}
	if err := getJSON(s.base+"/data/bgplay/data.json?resource="+ytHijacked+"&starttime="+from+"&endtime="+to, &api); err != nil {
		t.Fatal(err)
	}
	p.Navigate(s.base + "/bgplay/" + ytHijacked + "?starttime=" + from + "&endtime=" + to)
	p.Wait("the BGPlay page", `document.querySelector('main[data-page=bgplay]')?.dataset.resource === '208.65.153.0/24'`)
	waitWidgets(t, p, "BGPlay")
	p.Wait("BGPlay's events", `+rs.one('.bgplay')?.dataset.events > 0`)
	st := bgplayNow(t, p)
	if st.Events != len(api.Data.Events) {
		t.Errorf("data-events %d, the data call has %d events", st.Events, len(api.Data.Events))
	}
	if st.Current != -1 || st.Playing != "false" || !strings.Contains(st.Time, "2008-02-24 20:30:00") {
		t.Errorf("initial state %+v, want event -1 at 20:30:00, not playing", st)
	}
	// AS17557 is an origin of the window, but not before 20:51:36.
	if !strings.Contains(st.Hijacker, "origin") || !strings.Contains(st.Hijacker, "off") {
		t.Errorf("AS17557's node at 20:30 has class %q, want an inactive origin (origin off)", st.Hijacker)
	}
	p.Screenshot("initial")

	p.Click("step forward", `rs.one('.bgplay button[data-action=step-forward]')`)
	p.Wait("the first event", `+rs.one('.bgplay').dataset.current >= 0`)
	first := bgplayNow(t, p).Current
	p.Click("step forward", `rs.one('.bgplay button[data-action=step-forward]')`)
	p.Wait("the next event", fmt.Sprintf(`+rs.one('.bgplay').dataset.current > %d`, first))
	// The keyboard: → steps while BGPlay has the focus.
	cur := bgplayNow(t, p).Current
	p.Eval(`rs.one('.bgplay').focus()`, nil)
	p.Press(browsertest.ArrowRight)
	p.Wait("→ to step", fmt.Sprintf(`+rs.one('.bgplay').dataset.current > %d`, cur))

	cur = bgplayNow(t, p).Current
	p.Click("play", `rs.one('.bgplay button[data-action=play]')`)
	p.Wait("playing", `rs.one('.bgplay').dataset.playing === 'true'`)
	p.Wait("playing to advance", fmt.Sprintf(`+rs.one('.bgplay').dataset.current > %d + 1`, cur))
	p.Click("pause", `rs.one('.bgplay button[data-action=pause]')`)
	p.Wait("paused", `rs.one('.bgplay').dataset.playing === 'false'`)

	// Back to the start, then step until AS17557 originates the prefix.
	p.Click("first", `rs.one('.bgplay button[data-action=first]')`)
	p.Wait("the initial state", `rs.one('.bgplay').dataset.current === '-1'`)
	for i := 0; ; i++ {
		st = bgplayNow(t, p)
		if !strings.Contains(" "+st.Hijacker+" ", " off ") {
			break
		}
		if i > st.Events {
			t.Fatalf("stepped through every event; AS17557 never became active: %+v", st)
		}
		p.Click("step forward", `rs.one('.bgplay button[data-action=step-forward]')`)
		p.Wait("the next event", fmt.Sprintf(`+rs.one('.bgplay').dataset.current > %d`, st.Current))
	}
	// The first announcement AS17557 originated: the start of the hijack
	// in the data.
	if !strings.Contains(st.Time, "2008-02-24 20:51:36") {
		t.Errorf("AS17557 became active at %q, want 2008-02-24 20:51:36 (its first announcement)", st.Time)
	}
	var detail string
	p.Eval(`rs.text(rs.one('.bgplay-detail'))`, &detail)
	if !strings.Contains(detail, "17557") {
		t.Errorf("the event detail does not show the hijacker's path: %s", detail)
	}
	if !strings.Contains(detail, "route-views2") || strings.Contains(detail, "rrcroute-views2") {
		t.Errorf("the event detail does not name the collector route-views2: %s", detail)
	}
	p.Screenshot("hijack")

	// Dragging the timeline cursor to the end seeks there: past 21:01:34,
	// when the last peer had withdrawn AS17557's route.
	var tl struct{ X, W float64 }
	p.Eval(`(() => { const r = rs.one('svg.bgplay-timeline').getBoundingClientRect(); const c = rs.one('.bgplay-cursor').getBoundingClientRect(); return {x: c.left + c.width / 2, w: r.right - 4}; })()`, &tl)
	p.Drag("the timeline cursor", `rs.one('.bgplay-cursor')`, tl.W-tl.X, 0)
	p.Wait("the cursor to reach the end", fmt.Sprintf(`+rs.one('.bgplay').dataset.current > %d`, st.Current))
	end := bgplayNow(t, p)
	if !strings.Contains(" "+end.Hijacker+" ", " off ") || end.Playing != "false" {
		t.Errorf("after dragging to the end %+v, want AS17557 inactive", end)
	}
	p.Screenshot("end")
}

// embedPage is a page of another site embedding three widgets: one with
// RIPEstat's embed code (a script in div.statwdgtauto calling
// ripestat.init), two with routestat.init into elements by id. With
// hostile set, the page's CSS is hostile: it styles everything, tables,
// buttons and SVG. window.__hostBefore records the host's own elements'
// styles before the widget script runs.
func embedPage(server string, hostile bool) string {
	css := ""
	if hostile {
		css = `<style>
* { color: red !important; font-size: 40px; font-family: "Courier New", monospace; }
table { border: 5px solid rgb(0, 128, 0); border-collapse: separate; width: 100%; }
td, th { padding: 9px; background: yellow; text-align: right; }
div, p, span, a { margin: 3px; padding: 7px; line-height: 3; letter-spacing: 2px; }
h2 { text-transform: uppercase; }
button { display: none; }
svg { display: none; }
</style>`
	}
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Our NOC wiki</title><link rel="icon" href="data:,">` + css + `</head>
<body>
<p id="host-p">Our own paragraph, styled by our own CSS.</p>
<table id="host-table"><tr><td id="host-td">our cell</td></tr></table>
<script>
window.__styleProps = ['color', 'font-size', 'font-family', 'line-height', 'letter-spacing', 'text-transform', 'display',
  'margin-top', 'padding-top', 'border-top-width', 'border-top-color', 'background-color', 'text-align'];
window.__snap = (el) => { const cs = getComputedStyle(el); return Object.fromEntries(__styleProps.map((p) => [p, cs.getPropertyValue(p)])); };
window.__hostStyles = () => Object.fromEntries(['html', 'body', '#host-p', '#host-table', '#host-td'].map((s) => [s, __snap(document.querySelector(s))]));
window.__hostBefore = __hostStyles();
window.__sheetsBefore = document.styleSheets.length;
</script>
<div class="statwdgtauto"><script src="` + server + `/widgets/widget_api.js"></script><script>ripestat.init("routing-status", {"resource": "AS36561"})</script></div>
<div id="w-as"></div>
<div id="w-hijacks"></div>
<script>
routestat.init("as-overview", {"resource": "AS36561"}, "w-as");
routestat.init("hijacks", {"resource": "208.65.152.0/22", "starttime": "2008-02-24T18:00:00", "endtime": "2008-02-24T22:00:00"}, "w-hijacks");
</script>
</body></html>`
}

// embedServer serves embedPage on another origin (localhost, another
// port: another site than 127.0.0.1) at /plain and /hostile.
func embedServer(t *testing.T, server string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var hostile bool
		switch r.URL.Path {
		case "/plain":
		case "/hostile":
			hostile = true
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, embedPage(server, hostile))
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
}

// widgetStylesJS is the computed style of the main parts of every
// widget on the page, by widget and part.
const widgetStylesJS = `Object.fromEntries(rs.all('[data-widget]').map((h) => [h.dataset.widget, Object.fromEntries(
	['.frame', '.head', '.title', '.body', '.bar button', '.bar', 'table', 'th', 'td', 'a', 'svg', 'p', 'span']
		.map((s) => [s, h.shadowRoot.querySelector(s)]).filter(([, e]) => e).map(([s, e]) => [s, __snap(e)]))]))`

// TestBrowserEmbed: widgets embedded in a page of another site (RIPEstat's
// embed code with ripestat.init, and routestat.init into elements) load
// their data cross-origin from the routestat server, link back to it,
// and are isolated both ways: the host page's aggressive CSS changes
// nothing inside them (same computed styles as on a plain page), and the
// widgets change nothing of the host page's own styles.
func TestBrowserEmbed(t *testing.T) {
	s := youtubeServer(t)
	site := embedServer(t, s.base)
	styles := make(map[string]map[string]map[string]map[string]string)
	for _, kind := range []string{"plain", "hostile"} {
		t.Run(kind, func(t *testing.T) {
			p := newPage(t)
			p.Navigate(site + "/" + kind)
			ws := waitWidgets(t, p, kind+" embed page")
			if len(ws) != 3 {
				t.Fatalf("%d widgets on the page, want 3: %+v", len(ws), ws)
			}
			if got := p.String(`rs.one('div.statwdgtauto [data-widget]')?.dataset.widget`); got != "routing-status" {
				t.Errorf("the embed-code widget in div.statwdgtauto is %q", got)
			}
			for name, want := range map[string]string{"routing-status": "64.15.112.0/20", "as-overview": xssName36561, "hijacks": "AS17557"} {
				if txt := widgetText(t, ws, name); !strings.Contains(txt, want) {
					t.Errorf("%s lacks %q: %s", name, want, txt)
				}
			}
			// Data and links come from the routestat server, not this site.
			uris := openBar(t, p, hostSel("routing-status"), "data", "data-uri")
			for _, u := range uris {
				if !strings.HasPrefix(u, s.base+"/data/") {
					t.Errorf("data link %s is not on %s", u, s.base)
				}
			}
			var links []string
			p.Eval(`rs.all('[data-widget]').flatMap((h) => [...h.shadowRoot.querySelectorAll('a[href]')].map((a) => a.href))`, &links)
			for _, l := range links {
				if !strings.HasPrefix(l, s.base+"/") {
					t.Errorf("widget link %s leads off the routestat server", l)
				}
			}
			p.Eval(`rs.one('[data-widget=routing-status]').shadowRoot.querySelector('.bar button[aria-expanded=true]').click()`, nil)
			var ws2 map[string]map[string]map[string]string
			p.Eval(widgetStylesJS, &ws2)
			styles[kind] = ws2
			var host struct {
				Before, After             map[string]map[string]string
				SheetsBefore, SheetsAfter int
			}
			p.Eval(`({before: __hostBefore, after: __hostStyles(), sheetsBefore: __sheetsBefore, sheetsAfter: document.styleSheets.length})`, &host)
			if fmt.Sprint(host.Before) != fmt.Sprint(host.After) {
				t.Errorf("the widgets changed the host page's styles:\nbefore %v\nafter  %v", host.Before, host.After)
			}
			if host.SheetsAfter != host.SheetsBefore {
				t.Errorf("the widgets added %d style sheets to the host document", host.SheetsAfter-host.SheetsBefore)
			}
			if kind == "hostile" {
				// The host's CSS does apply to the host's own elements.
				if c := host.After["#host-td"]; c["color"] != "rgb(255, 0, 0)" || c["font-size"] != "40px" || c["background-color"] != "rgb(255, 255, 0)" {
					t.Errorf("the hostile CSS did not apply to the host's own table: %v", c)
				}
			}
			p.Screenshot(kind)
		})
	}
	plain, hostile := styles["plain"], styles["hostile"]
	if len(plain) == 0 || len(hostile) == 0 {
		t.Fatal("no styles recorded")
	}
	var leaks []string
	for name, parts := range plain {
		for part, props := range parts {
			var diff []string
			for prop, v := range props {
				if got := hostile[name][part][prop]; got != v {
					diff = append(diff, fmt.Sprintf("%s %s (plain: %s)", prop, got, v))
				}
			}
			if len(diff) > 0 {
				slices.Sort(diff)
				leaks = append(leaks, fmt.Sprintf("%s %s: %s", name, part, strings.Join(diff, "; ")))
			}
		}
	}
	if len(leaks) > 0 {
		slices.Sort(leaks)
		t.Errorf("the host page's CSS changes the widgets' computed styles:\n\t%s", strings.Join(leaks, "\n\t"))
	}
}

// TestBrowserXSS: the AS names and the monitored prefix's description are
// HTML meant to run script. Every page showing them (resource pages,
// search, incidents, BGPlay, the single-widget page, and the embed page
// of another site, which has no CSP to fall back on) shows them as
// literal text and runs nothing: window.__xss stays unset, no element
// with an event handler appears (browsertest checks both when each page
// closes), and no CSP violation is logged.
func TestBrowserXSS(t *testing.T) {
	s := youtubeServer(t)
	site := embedServer(t, s.base)
	win := "?starttime=" + ytWindowFrom + "&endtime=" + ytWindowTo
	for _, c := range []struct {
		name, url string
		ready     string // what to wait for besides the widgets
		widgets   bool
	}{
		{"AS page", s.base + "/AS36561", `document.querySelector('main[data-page=resource]')`, true},
		{"prefix page", s.base + "/" + ytHijacked + win, `document.querySelector('main[data-page=resource]')`, true},
		{"incidents", s.base + "/incidents?status=all", `document.querySelector('tr[data-incident-id]')`, false},
		{"incident", s.base + "/incidents/" + s.incident, `document.querySelector('#why')?.textContent.includes('AS17557')`, false},
		{"BGPlay", s.base + "/bgplay/" + ytHijacked + "?starttime=2008-02-24T20:30:00&endtime=2008-02-24T21:30:00", `+rs.one('.bgplay')?.dataset.events > 0`, true},
		{"widget page", s.base + "/widget/as-overview#w.resource=AS17557", `rs.one('#widget')?.dataset.state === 'ready'`, true},
		{"embed page", site + "/plain", `rs.widgets().length === 3`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPage(t)
			p.Navigate(c.url)
			p.Wait(c.name, c.ready)
			if c.widgets {
				waitWidgets(t, p, c.name)
			}
			var shown []string
			for _, x := range []string{xssName36561, xssName17557, xssDescription} {
				var where *struct{ How, Path string }
				p.Eval(fmt.Sprintf(`rs.findText(%q)`, x), &where)
				if where != nil {
					shown = append(shown, fmt.Sprintf("%s as %s at %s", x, where.How, where.Path))
				}
			}
			if len(shown) == 0 {
				t.Errorf("%s shows none of the hostile names literally; the test proves nothing here", c.name)
			}
			t.Logf("%s shows:\n\t%s", c.name, strings.Join(shown, "\n\t"))
			var xss any
			p.Eval(`window.__xss`, &xss)
			if xss != nil {
				t.Errorf("window.__xss = %v", xss)
			}
		})
	}
}

// TestBrowserIncident: the incidents list shows the YouTube incident; its
// page explains it (#why names the hijacker and the prefix), shows the
// evidence and the whole timeline; acknowledging with a wrong API key
// shows the server's refusal and changes nothing, with the right key it
// marks the incident acknowledged, for the server and after a reload;
// the theme toggle switches the page and its widgets to dark and back,
// and is remembered.
func TestBrowserIncident(t *testing.T) {
	p, s := openPage(t)
	var inc struct {
		Timeline     []json.RawMessage `json:"timeline"`
		Acknowledged bool              `json:"acknowledged"`
		By           string            `json:"ack_by"`
	}
	if err := getJSON(s.base+"/api/v1/hijack/incidents/"+s.incident, &inc); err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf(`document.querySelector('tr[data-incident-id=%q]')`, s.incident)
	p.Navigate(s.base + "/incidents")
	p.Wait("the incident's row", row)
	txt := p.String(row + `.textContent`)
	for _, want := range []string{ytHijacked, "AS17557", "AS36561", "2008-02-24 20:52"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the incident's row lacks %q: %s", want, txt)
		}
	}
	p.Screenshot("incidents")
	p.Click("the incident's link", row+`.querySelector('a[href^="/incidents/"]')`)
	p.Wait("the incident page", fmt.Sprintf(`document.querySelector('main[data-page=incident]') && location.pathname === %q && document.getElementById('why')?.textContent.length > 0`, "/incidents/"+s.incident))
	why := p.String(`document.getElementById('why').textContent`)
	for _, want := range []string{"AS17557", ytHijacked, ytPrefix} {
		if !strings.Contains(why, want) {
			t.Errorf("#why lacks %q: %s", want, why)
		}
	}
	var n int
	p.Eval(`document.querySelectorAll('#timeline li').length`, &n)
	if n != len(inc.Timeline) {
		t.Errorf("#timeline shows %d events, the incident has %d", n, len(inc.Timeline))
	}
	if ev := p.String(`document.getElementById('evidence')?.textContent || ''`); !strings.Contains(ev, "3491 17557") {
		t.Errorf("#evidence lacks the example paths: %s", ev)
	}
	status := p.String(`document.getElementById('incident-status').textContent`)
	if !strings.Contains(status, "resolved") || strings.Contains(status, "acknowledged") {
		t.Fatalf("#incident-status %q before acknowledging", status)
	}
	p.Screenshot("incident")

	// A wrong key: the server's refusal is shown, nothing changes.
	p.Allow(`status of 401 \(Unauthorized\) \(http://[^)]*/acknowledge:`)
	typeInto(p, "the API key", `document.getElementById('api-key')`, "not-the-key")
	typeInto(p, "by", `document.getElementById('ack-by')`, "browser test")
	p.Click("Acknowledge", `document.getElementById('ack')`)
	p.Wait("the refusal", `document.getElementById('action-result')?.textContent.includes('not valid')`)
	if got := p.String(`document.getElementById('incident-status').textContent`); got != status {
		t.Errorf("#incident-status changed to %q after a refused acknowledgement", got)
	}
	if err := getJSON(s.base+"/api/v1/hijack/incidents/"+s.incident, &inc); err != nil || inc.Acknowledged {
		t.Fatalf("after a wrong key: acknowledged %v (%v)", inc.Acknowledged, err)
	}
	p.Screenshot("wrong-key")

	// The right key.
	typeInto(p, "the API key", `document.getElementById('api-key')`, ytAPIKey)
	p.Click("Acknowledge", `document.getElementById('ack')`)
	p.Wait("acknowledged", `document.getElementById('incident-status').textContent.includes('acknowledged')`)
	if err := getJSON(s.base+"/api/v1/hijack/incidents/"+s.incident, &inc); err != nil || !inc.Acknowledged || inc.By != "browser test" {
		t.Errorf("the server has acknowledged=%v by %q (%v)", inc.Acknowledged, inc.By, err)
	}
	p.Navigate(p.URL())
	p.Wait("acknowledged after a reload", `document.getElementById('incident-status')?.textContent.includes('acknowledged')`)

	// Dark mode, remembered across a reload, and back.
	theme := func() (page, widget, bg string) {
		var v struct{ Page, Widget, Bg string }
		p.Eval(`({page: document.documentElement.dataset.theme, widget: rs.one('[data-widget]')?.dataset.theme || '', bg: getComputedStyle(document.body).backgroundColor})`, &v)
		return v.Page, v.Widget, v.Bg
	}
	page0, _, bg0 := theme()
	if page0 != "light" {
		t.Errorf("html[data-theme] = %q at first, want light (the browser prefers light)", page0)
	}
	p.Click("the theme toggle", `document.getElementById('theme-toggle')`)
	p.Wait("dark", `document.documentElement.dataset.theme === 'dark'`)
	if pg, w, bg := theme(); w != "dark" || bg == bg0 {
		t.Errorf("after the toggle: page %s, widget %q, background %s (was %s)", pg, w, bg, bg0)
	}
	p.Screenshot("dark")
	p.Navigate(p.URL())
	p.Wait("dark after a reload", `document.documentElement.dataset.theme === 'dark' && document.getElementById('why')?.textContent.length > 0`)
	p.Click("the theme toggle", `document.getElementById('theme-toggle')`)
	p.Wait("light again", `document.documentElement.dataset.theme === 'light'`)
}

// startDemoServer runs serve --demo on an empty store, at 200 times real
// time, and waits until the scenario has played and its hijack incident
// (AS64511 announcing 202.33.14.0/24 from 08:30) is resolved, so that
// what the pages show no longer changes.
func startDemoServer() (*browserServer, error) {
	dir, err := os.MkdirTemp("", "routestat-browser-demo-")
	if err != nil {
		return nil, err
	}
	s, err := startServe(dir, "rrc00", fmt.Sprintf("index:\n  dir: %s\n", filepath.Join(dir, "data")),
		append([]string{"--demo", "--demo-speed", "200"}, assetArgs()...))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var list struct {
		Incidents []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"incidents"`
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		err := getJSON(s.base+"/api/v1/hijack/incidents?resource=202.33.14.0/24&hijacks_only=true", &list)
		if err == nil && len(list.Incidents) == 1 && list.Incidents[0].Status == "resolved" && strings.Contains(s.log.String(), "DEMO: scenario played") {
			s.incident = list.Incidents[0].ID
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("the demo did not play its resolved hijack in 3 minutes (incidents %+v, %v):\n%s", list.Incidents, err, lastLines(s.log.String(), 40))
		}
	}
}

// docShot saves a screenshot for the documentation (docs/quickstart.md):
// an artifact, and a copy in $ROUTESTAT_SCREENSHOTS when set.
func docShot(t *testing.T, p *browsertest.Page, name string) {
	t.Helper()
	path := p.Screenshot(name)
	dir := os.Getenv("ROUTESTAT_SCREENSHOTS")
	if dir == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644)
	}
	if err != nil {
		t.Errorf("copy %s to %s: %v", name, dir, err)
		return
	}
	t.Logf("screenshot %s", filepath.Join(dir, name+".png"))
}

// TestBrowserDemo walks through the demo as docs/quickstart.md tells a
// newcomer to, and takes its screenshots: routestat serve --demo, search
// AS4725 (01-search), its page with the hijack in the hijacks widget
// (02-resource), the incident (03-incident), and BGPlay at the hijack's
// first announcement (04-bgplay). Every page shows the demo banner.
func TestBrowserDemo(t *testing.T) {
	browsertest.Require(t)
	demoFixture.start(startDemoServer)
	s := demoFixture.wait(t, "demo server")
	// Stopped when this test ends, before other tests start collectors
	// (see youtubeServer).
	t.Cleanup(func() {
		running.Lock()
		running.all = slices.DeleteFunc(running.all, func(r *browserServer) bool { return r == s })
		running.Unlock()
		s.stop()
	})
	p := newPage(t)
	p.Navigate(s.base + "/")
	p.Wait("the home page", `document.querySelector('main[data-page=home]')?.childElementCount > 0 && rs.visible(document.querySelector('input#search'))`)
	p.Wait("the demo banner", `rs.visible(document.getElementById('demo-banner')) && /demo/i.test(document.getElementById('demo-banner').textContent)`)
	p.Click("the search box", `document.querySelector('input#search')`)
	p.Type("AS4725")
	raw := p.Wait("the suggestion AS4725", `(() => {
		const o = document.querySelector('#search-list [role=option][data-value=AS4725]');
		return o && !document.getElementById('search-list').hidden && o.textContent;
	})()`)
	if !strings.Contains(string(raw), "DEMO-ORIGIN") {
		t.Errorf("the suggestion %s does not name the AS", raw)
	}
	docShot(t, p, "01-search")
	for press := 0; ; press++ {
		if press == 10 {
			t.Fatalf("ArrowDown never highlighted AS4725")
		}
		p.Press(browsertest.ArrowDown)
		if _, ok := p.TryWait(2*time.Second, `document.querySelector('#search-list [role=option][aria-selected=true]')?.dataset.value === 'AS4725'`); ok {
			break
		}
	}
	p.Press(browsertest.Enter)
	p.Wait("the resource page of AS4725", `document.querySelector('main[data-page=resource]')?.dataset.resource === 'AS4725'`)
	ws := waitWidgets(t, p, "AS4725")
	if txt := widgetText(t, ws, "announced-prefixes"); !strings.Contains(txt, "202.33.0.0/16") {
		t.Errorf("announced-prefixes lacks 202.33.0.0/16: %s", txt)
	}
	hj := widgetText(t, ws, "hijacks")
	for _, want := range []string{"AS64511", "202.33.14.0/24"} {
		if !strings.Contains(hj, want) {
			t.Errorf("the hijacks widget lacks %s: %s", want, hj)
		}
	}
	p.Eval(`window.scrollTo(0, 0)`, nil)
	docShot(t, p, "02-resource")

	// The incident, from its link in the hijacks widget.
	p.Click("the incident in the hijacks widget", fmt.Sprintf(`rs.within('[data-widget=hijacks]', 'a[data-incident-id=%q]')`, s.incident))
	p.Wait("the incident page", fmt.Sprintf(`location.pathname === %q && document.getElementById('why')?.textContent.length > 0`, "/incidents/"+s.incident))
	why := p.String(`document.getElementById('why').textContent`)
	for _, want := range []string{"AS64511", "202.33.14.0/24", "202.33.0.0/16"} {
		if !strings.Contains(why, want) {
			t.Errorf("#why lacks %s: %s", want, why)
		}
	}
	waitWidgets(t, p, "the incident's BGPlay")
	docShot(t, p, "03-incident")

	// BGPlay over the hijack: play a little, then pick the hijacker's
	// first announcement in the events list.
	p.Navigate(s.base + "/bgplay/202.33.0.0/16?starttime=2019-09-23T08:20:00&endtime=2019-09-23T09:00:00")
	waitWidgets(t, p, "BGPlay")
	p.Wait("BGPlay's events", `+rs.one('.bgplay')?.dataset.events > 0`)
	p.Click("play", `rs.one('.bgplay button[data-action=play]')`)
	p.Wait("playing to advance", `+rs.one('.bgplay').dataset.current > 1`)
	p.Click("pause", `rs.one('.bgplay button[data-action=pause]')`)
	p.Wait("paused", `rs.one('.bgplay').dataset.playing === 'false'`)
	p.Click("the hijacker's first announcement", `rs.all('.bgplay [data-event-index]').find((r) => r.textContent.includes('202.33.14.0/24') && / 64511\b/.test(r.textContent))`)
	p.Wait("AS64511 active", `(() => { const n = rs.one('svg.bgplay-graph g.node[data-asn="64511"]'); return n && n.classList.contains('origin') && !n.classList.contains('off'); })()`)
	if tm := p.String(`rs.one('.bgplay-time').textContent`); !strings.Contains(tm, "2019-09-23 08:30") {
		t.Errorf("the hijacker's first announcement at %q, want 2019-09-23 08:30", tm)
	}
	// Its last announcement before the withdrawals: the hijack at its
	// peak, eight of the twelve peers routing to AS64511.
	p.Click("the hijacker's last announcement", `rs.all('.bgplay [data-event-index]').filter((r) => r.textContent.includes('202.33.14.0/24') && / 64511\b/.test(r.textContent) && r.textContent.trim().slice(0, 8) < '08:40:00').pop()`)
	p.Wait("eight peers routing to AS64511", `rs.all('.bgplay-legend li').some((li) => li.textContent.includes('AS64511') && /\b8 peers\b/.test(li.textContent))`)
	docShot(t, p, "04-bgplay")
}
