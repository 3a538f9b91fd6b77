package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/replay"
	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/stat/hijack"
)

// TestServeHijackYouTubeLive replays route-views2's updates of 2008-02-24
// 20:41-21:26 over real BGP sessions into routestat serve monitoring
// AS36561's 208.65.152.0/22 (put through the API, replacing the file
// detection started with): the live detector raises the same sub-prefix
// incident as the backtest (AS17557, 208.65.153.0/24) and resolves it
// once every peer has withdrawn it; the incident is served by the API and
// survives a restart.
func TestServeHijackYouTubeLive(t *testing.T) {
	var inputs []string
	for _, f := range []string{"2041", "2056", "2111"} {
		inputs = append(inputs, sharedtest.MRT(t, "incident-youtube-2008/updates.20080224."+f+".bz2"))
	}
	port, httpPort := freePort(t), freePort(t)
	dir := t.TempDir()
	monitored := filepath.Join(dir, "monitored.yaml")
	// Detection starts on a file that does not monitor YouTube; the
	// YouTube file is put through the API before the replay.
	youtube := "prefixes:\n  208.65.152.0/22:\n    description: YouTube\n    asn: 36561\n"
	if err := os.WriteFile(monitored, []byte("prefixes:\n  192.0.2.0/24: {asn: 64500}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "routestat.yaml")
	yaml := fmt.Sprintf(`collector:
  name: rrc99
  listen_addresses: [127.0.0.1]
  listen_port: %d
archive:
  dir: %s
  rib_interval: -1s
http:
  listen: 127.0.0.1:%d
index:
  dir: %s
hijack:
  monitored: %s
  api_keys: [test-key]
`, port, filepath.Join(dir, "archive"), httpPort, filepath.Join(dir, "data"), monitored)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	serve := func() (context.CancelFunc, chan int, *syncBuffer) {
		ctx, cancel := context.WithCancel(context.Background())
		var stderr syncBuffer
		done := make(chan int, 1)
		go func() { done <- serveMain(ctx, []string{"--config", cfg}, make(chan os.Signal), &stderr) }()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			select {
			case code := <-done:
				t.Fatalf("serve exited %d:\n%s", code, stderr.String())
			default:
			}
			if resp, err := http.Get(base + "/metrics"); err == nil {
				resp.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("serve did not answer:\n%s", stderr.String())
			}
		}
		return cancel, done, &stderr
	}
	cancel, done, stderr := serve()
	put := func(key, body string) (int, string) {
		req, err := http.NewRequest(http.MethodPut, base+"/api/v1/hijack/monitored", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := put("wrong-key", youtube); code != http.StatusUnauthorized {
		t.Errorf("PUT with a wrong key: HTTP %d %s", code, body)
	}
	if code, body := put("test-key", "prefixes:\n  208.65.152.0/22: {asn: 36561, ignoreMorespecific: true}\n"); code != http.StatusBadRequest || !strings.Contains(body, "line 2") {
		t.Errorf("PUT of a bad file: HTTP %d %s", code, body)
	}
	if code, body := put("test-key", youtube); code != http.StatusOK || body != youtube {
		t.Fatalf("PUT: HTTP %d %s", code, body)
	}
	if b, err := os.ReadFile(monitored); err != nil || string(b) != youtube {
		t.Fatalf("monitored file after PUT: %q %v", b, err)
	}
	for deadline := time.Now().Add(20 * time.Second); strings.Count(stderr.String(), "hijack detection running") < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("detection did not restart on the new file:\n%s", stderr.String())
		}
	}
	// The speakers hold their sessions after playing everything, so that
	// the resolution comes from the replayed withdrawals, not from the
	// sessions closing.
	rctx, rcancel := context.WithCancel(context.Background())
	defer rcancel()
	played := make(chan replay.Stats, 1)
	ropts := replay.Options{To: fmt.Sprintf("127.0.0.1:%d", port), Hold: true, OnDone: func(s replay.Stats) { played <- s }}
	replayErr := make(chan error, 1)
	go func() {
		_, err := replay.Run(rctx, ropts, inputs)
		replayErr <- err
	}()
	select {
	case st := <-played:
		t.Logf("replayed %+v", st)
	case err := <-replayErr:
		t.Fatalf("replay ended early: %v\nserve log:\n%s", err, stderr.String())
	}

	incidents := func() []hijack.Incident {
		code, body := get(t, base+"/api/v1/hijack/incidents?resource=208.65.153.0/24&hijacks_only=true")
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
	// The collector may still be working through the backlog (GoBGP under
	// the race detector is slow): wait for the withdrawals to arrive.
	for deadline := time.Now().Add(4 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if got = incidents(); len(got) == 1 && got[0].Status == hijack.StatusResolved {
			break
		}
	}
	if _, body := get(t, base+"/metrics"); !strings.Contains(string(body), "routestat_hijack_events_lost_total 0") {
		t.Errorf("the detector lost bus events")
	}
	rcancel()
	if err := <-replayErr; err != nil {
		t.Errorf("replay: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("hijack incidents %+v\nserve log:\n%s", got, stderr.String())
	}
	inc := got[0]
	if inc.Type != hijack.MonitorSubPrefix || inc.OffendingAS != 17557 || !slices.Equal(inc.Prefixes, []string{"208.65.153.0/24"}) || inc.Status != hijack.StatusResolved {
		t.Errorf("incident %+v", inc)
	}
	if n := len(inc.Timeline); n == 0 || inc.Timeline[n-1].Event != hijack.EventResolved || !strings.HasSuffix(inc.Timeline[n-1].Detail, "withdrew it") {
		t.Errorf("resolution is not a withdrawal: %+v", inc.Timeline)
	}
	t.Logf("live incident: %s", inc.Why)

	// The data call answers in RIPEstat's envelope.
	code, body := get(t, base+"/data/hijacks/data.json?resource=208.65.152.0/22&starttime=2000-01-01")
	var env struct {
		Status string `json:"status"`
		Data   struct {
			Incidents []hijack.Incident `json:"incidents"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || code != http.StatusOK || env.Status != "ok" || !slices.ContainsFunc(env.Data.Incidents, func(i hijack.Incident) bool { return i.ID == inc.ID }) {
		t.Errorf("hijacks data call: HTTP %d %s (%v)", code, body, err)
	}

	// Incidents survive a restart.
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, stderr.String())
	}
	cancel, done, stderr = serve()
	defer func() {
		cancel()
		<-done
	}()
	if again := incidents(); len(again) != 1 || again[0].ID != inc.ID || again[0].Status != hijack.StatusResolved {
		t.Errorf("after restart: %+v\n%s", again, stderr.String())
	}
}
