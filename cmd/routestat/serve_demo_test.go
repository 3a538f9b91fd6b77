package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
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

	"github.com/routestat/routestat/config"
	"github.com/routestat/routestat/demo"
	"github.com/routestat/routestat/stat/hijack"
	"github.com/routestat/routestat/stat/index"
)

// demoAnswer is GET /api/v1/demo's answer.
type demoAnswer struct {
	Demo bool `json:"demo"`
	demo.Info
}

// TestServeDemo runs routestat serve --demo on an empty store, at 200
// times real time (under the race detector, GoBGP and the indexer stall
// for up to half a second now and then: at 600 times that is five minutes
// of scenario time): the demo's speakers play the scenario into the
// collector over real BGP sessions; the detector opens the sub-prefix
// incident of AS64511 at about 08:30 scenario time and resolves it; the
// data API answers for AS4725 with the demo's names; the MRT archive is
// written in scenario time; the printed API key acknowledges the
// incident; /api/v1/demo describes the demo. A second start on the same
// store does not play the scenario again and still serves it.
func TestServeDemo(t *testing.T) {
	const speed = 200
	port, httpPort := freePort(t), freePort(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "routestat.yaml")
	yaml := fmt.Sprintf(`collector:
  listen_addresses: [127.0.0.1]
  listen_port: %d
archive:
  dir: %s
  rib_interval: -1s
http:
  listen: 127.0.0.1:%d
index:
  dir: %s
`, port, filepath.Join(dir, "archive"), httpPort, filepath.Join(dir, "data"))
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	serve := func() (stop func(), log *syncBuffer) {
		ctx, cancel := context.WithCancel(context.Background())
		log = &syncBuffer{}
		done := make(chan int, 1)
		go func() {
			done <- serveMain(ctx, []string{"--config", cfg, "--demo", "--demo-speed", fmt.Sprint(speed)}, make(chan os.Signal), log)
		}()
		waitHTTP(t, base+"/metrics")
		return func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("serve exited %d", code)
			}
			if t.Failed() {
				t.Logf("serve log:\n%s", log.String())
			}
		}, log
	}
	started := time.Now()
	stop, log := serve()
	incidents := func() []hijack.Incident {
		code, body := get(t, base+"/api/v1/hijack/incidents?resource="+demo.HijackedPrefix.String()+"&hijacks_only=true")
		if code != http.StatusOK {
			t.Fatalf("incidents: HTTP %d %s", code, body)
		}
		var out struct{ Incidents []hijack.Incident }
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		return out.Incidents
	}
	var got []hijack.Incident
	var opened time.Duration
	for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got = incidents()
		if len(got) > 0 && opened == 0 {
			opened = time.Since(started)
		}
		if len(got) == 1 && got[0].Status == hijack.StatusResolved {
			break
		}
	}
	if len(got) != 1 || got[0].Status != hijack.StatusResolved {
		t.Errorf("incidents %+v", got)
		stop()
		t.FailNow()
	}
	t.Logf("incident opened %v after the start, resolved %v after it (scenario times %s, %s)", opened.Round(100*time.Millisecond), time.Since(started).Round(100*time.Millisecond),
		got[0].Opened.Format(time.TimeOnly), got[0].Resolved.Format(time.TimeOnly))
	inc := got[0]
	near := func(at, want time.Time) bool { return at.Sub(want).Abs() <= 2*time.Minute }
	if inc.Type != hijack.MonitorSubPrefix || inc.OffendingAS != demo.Hijacker || !slices.Equal(inc.Prefixes, []string{demo.HijackedPrefix.String()}) {
		t.Errorf("incident %+v", inc)
	}
	if !near(inc.Opened, demo.HijackAt) || !near(inc.FirstSeen, demo.HijackAt) || !near(inc.Detected, demo.HijackAt) {
		t.Errorf("incident first seen %v, opened %v, detected %v: want about %v", inc.FirstSeen, inc.Opened, inc.Detected, demo.HijackAt)
	}
	if gone := time.Date(2019, 9, 23, 8, 49, 0, 0, time.UTC); inc.Resolved == nil || inc.Resolved.Before(demo.WithdrawAt) || !near(*inc.Resolved, gone) {
		t.Errorf("incident resolved %v, want between %v and about %v", inc.Resolved, demo.WithdrawAt, gone)
	}
	t.Logf("incident: %s", inc.Why)

	// The demo describes itself.
	checkDemo := func() {
		t.Helper()
		code, body := get(t, base+"/api/v1/demo")
		var a demoAnswer
		if err := json.Unmarshal(body, &a); err != nil || code != http.StatusOK || !a.Demo {
			t.Fatalf("/api/v1/demo: HTTP %d %s (%v)", code, body, err)
		}
		if a.Description != demo.Description || !a.HijackAt.Equal(demo.HijackAt) || !a.ScenarioStart.Equal(demo.Start) ||
			!slices.Equal(a.Resources, []string{"AS4725", demo.OriginPrefix.String(), demo.HijackedPrefix.String()}) {
			t.Errorf("/api/v1/demo: %s", body)
		}
	}
	checkDemo()
	if l := log.String(); !strings.Contains(l, "DEMO: this is a generated scenario, not real routing data") {
		t.Errorf("the log does not label the demo:\n%s", l)
	}

	// The data API answers for AS4725 from the live index, with the
	// demo's names.
	code, body := get(t, base+"/data/routing-status/data.json?resource=AS4725")
	var rs struct {
		Status string `json:"status"`
		Data   struct {
			AnnouncedSpace struct {
				V4 struct{ Prefixes int } `json:"v4"`
			} `json:"announced_space"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &rs); err != nil || code != http.StatusOK || rs.Status != "ok" || rs.Data.AnnouncedSpace.V4.Prefixes != len(demo.OriginPrefixes) {
		t.Errorf("routing-status AS4725: HTTP %d %s (%v), want %d IPv4 prefixes announced", code, body, err, len(demo.OriginPrefixes))
	}
	// The demo's peers count as full-feed peers: AS4725's /16 is visible
	// to all of them.
	code, body = get(t, base+"/data/routing-status/data.json?resource="+demo.OriginPrefix.String())
	var vis struct {
		Data struct {
			Visibility map[string]struct {
				Seeing int `json:"ris_peers_seeing"`
				Total  int `json:"total_ris_peers"`
			} `json:"visibility"`
		} `json:"data"`
	}
	peers := len(demo.Generate().Peers)
	if err := json.Unmarshal(body, &vis); err != nil || code != http.StatusOK || vis.Data.Visibility["v4"].Seeing != peers || vis.Data.Visibility["v4"].Total != peers {
		t.Errorf("routing-status %s: HTTP %d %s (%v), want visible to all %d full-feed peers", demo.OriginPrefix, code, body, err, peers)
	}
	code, body = get(t, base+"/data/as-overview/data.json?resource=AS64511")
	if code != http.StatusOK || !strings.Contains(string(body), `"holder":"DEMO-HIJACKER (documentation AS)"`) {
		t.Errorf("as-overview AS64511: HTTP %d %s", code, body)
	}

	stop()

	// The archive was written in scenario time: one updates file per 5
	// minutes from 08:00 to the moment serve stopped.
	files, err := filepath.Glob(filepath.Join(dir, "archive", "*", "*", "updates.*"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Join(filepath.Base(filepath.Dir(f)), filepath.Base(f)))
	}
	for at := demo.Start; !at.After(*inc.Resolved); at = at.Add(5 * time.Minute) {
		if want := at.Format("2006.01/updates.20060102.1504.gz"); !slices.Contains(names, want) {
			t.Errorf("archive holds %v, want %s", names, want)
		}
	}

	// A second start on the demo's store does not play it again.
	stop, log = serve()
	defer stop()
	checkDemo()
	if again := incidents(); len(again) != 1 || again[0].ID != inc.ID || again[0].Status != hijack.StatusResolved {
		t.Errorf("after a restart: %+v", again)
	}
	if l := log.String(); !strings.Contains(l, "it is not played again") || strings.Contains(l, "playing the scenario") ||
		!strings.Contains(l, "DEMO: this store holds a generated demo scenario, not real routing data") {
		t.Errorf("second start:\n%s", l)
	}

	// The API key printed acknowledges incidents. (Not while the
	// detector may publish the incident: stat/hijack's Manager.Publish
	// snapshots it for notifications outside its lock.)
	m := regexp.MustCompile(`api_key=(\S+)`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no API key in the log:\n%s", log.String())
	}
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/hijack/incidents/"+inc.ID+"/acknowledge", strings.NewReader(`{"by": "newcomer"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", m[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("acknowledge with the printed key: HTTP %d", resp.StatusCode)
	}
	if after := incidents(); len(after) != 1 || !after[0].Acknowledged {
		t.Errorf("after acknowledging: %+v", after)
	}
}

// TestSetupDemo prepares serve, with and without --demo, on stores in
// each state: with --demo an empty store gets the scenario (marker,
// clock, monitored resources, names, API key), a store with the demo
// keeps it without playing it again, a store with other data is left
// alone; /api/v1/demo answers {"demo": true} for a store holding the
// demo, --demo or not, and {"demo": false} otherwise.
func TestSetupDemo(t *testing.T) {
	other := index.Event{Kind: index.Announce, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Collector: "rrc00",
		PeerAddr: netip.MustParseAddr("192.0.2.1"), PeerAS: 64496, Prefix: netip.MustParsePrefix("198.51.100.0/24"),
		Attrs: &index.Attrs{ASPath: []index.Segment{{ASNs: []uint32{64496, 64500}}}, NextHop: netip.MustParseAddr("192.0.2.1")}}
	tests := []struct {
		name      string
		events    []index.Event
		demoFirst bool // the store was loaded with the demo before
		flag      bool // --demo
		play      bool // the scenario is to be played
		setUp     bool // monitored resources, names and API key set
		isDemo    bool // /api/v1/demo says so
	}{
		{name: "empty store", flag: true, play: true, setUp: true, isDemo: true},
		{name: "store holding the demo", events: []index.Event{other}, demoFirst: true, flag: true, setUp: true, isDemo: true},
		{name: "store holding other data", events: []index.Event{other}, flag: true},
		{name: "store holding the demo, without --demo", events: []index.Event{other}, demoFirst: true, isDemo: true},
		{name: "empty store, without --demo"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ix, err := index.Open(filepath.Join(dir, "data"), index.Options{MinFree: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			log := slog.New(slog.DiscardHandler)
			cfgFor := func() *config.File {
				c, err := config.Parse([]byte(fmt.Sprintf("index: {dir: %q}\ncollector: {listen_port: 1179}\n", filepath.Join(dir, "data"))))
				if err != nil {
					t.Fatal(err)
				}
				return &c
			}
			if tc.demoFirst {
				d, err := newDemoServe(ix, log)
				if err == nil {
					err = d.setup(cfgFor(), demo.DefaultSpeed)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := ix.Apply(context.Background(), tc.events, index.Checkpoint{Source: "test", Done: true}); err != nil {
				t.Fatal(err)
			}
			cfg := cfgFor()
			d, err := newDemoServe(ix, log)
			if err == nil && tc.flag {
				err = d.setup(cfg, demo.DefaultSpeed)
			}
			if err != nil {
				t.Fatal(err)
			}
			if plays := d.clock != nil; plays != tc.play {
				t.Errorf("scenario played: %v, want %v", plays, tc.play)
			}
			demoDir := filepath.Join(dir, "demo")
			if (cfg.Hijack.Monitored == filepath.Join(demoDir, "monitored.yaml")) != tc.setUp ||
				(cfg.API.ASNames == filepath.Join(demoDir, "asnames.txt")) != tc.setUp || (len(cfg.Hijack.APIKeys) == 1) != tc.setUp {
				t.Errorf("configuration: monitored %q, AS names %q, API keys %v", cfg.Hijack.Monitored, cfg.API.ASNames, cfg.Hijack.APIKeys)
			}
			if at := cfg.Collector.Clock(); (at.Equal(demo.Start)) != tc.play {
				t.Errorf("collector clock reads %v", at)
			}
			mux := http.NewServeMux()
			d.mount(mux)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/demo", nil))
			var a demoAnswer
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || rec.Code != http.StatusOK || a.Demo != tc.isDemo || (a.Description != "") != tc.isDemo {
				t.Errorf("/api/v1/demo: HTTP %d %s (%v), want demo %v", rec.Code, rec.Body, err, tc.isDemo)
			}
		})
	}
}

// TestDemoTarget checks where the demo's speakers reach the collector,
// and that configurations they cannot reach are refused.
func TestDemoTarget(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"defaults on 1179", "collector: {listen_port: 1179}", "127.0.0.1:1179"},
		{"loopback", "collector: {listen_port: 1179, listen_addresses: [127.0.0.1]}", "127.0.0.1:1179"},
		{"not listening", "collector: {listen_port: -1}", ""},
		{"IPv6 only", "collector: {listen_port: 1179, listen_addresses: ['::1']}", ""},
		{"static neighbours only", "collector: {listen_port: 1179, neighbors: [{address: 192.0.2.1, peer_as: 64500}]}", ""},
		{"dynamic range without the speakers", "collector: {listen_port: 1179, dynamic_neighbors: [{prefix: 127.0.0.0/30}]}", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			got, err := demoTarget(&cfg)
			if got != tc.want || (err != nil) != (tc.want == "") {
				t.Errorf("demoTarget = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
