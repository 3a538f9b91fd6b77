package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/replay"
	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/stat/index"
	"github.com/routestat/routestat/stat/ingest"
)

// TestServeLiveIndexEqualsArchive runs `routestat serve`, replays a real
// RIS updates file into it, and checks that the index it built live from
// the bus answers exactly as the index that ingesting its own MRT archive
// builds: every event, every route and every peer. It also checks that the data
// API and the metrics are served.
func TestServeLiveIndexEqualsArchive(t *testing.T) {
	input := sharedtest.MRT(t, "libbgpstream-testdumps/ris.rrc06.updates.1401488100.gz")
	port, httpPort := freePort(t), freePort(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "routestat.yaml")
	yaml := fmt.Sprintf(`collector:
  name: rrc99
  listen_addresses: [127.0.0.1]
  listen_port: %d
archive:
  dir: %s
  et: true
  rib_interval: -1s
http:
  listen: 127.0.0.1:%d
index:
  dir: %s
`, port, filepath.Join(dir, "archive"), httpPort, filepath.Join(dir, "live"))
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- serveMain(ctx, []string{"--config", cfg}, make(chan os.Signal), &stderr) }()

	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	waitHTTP(t, base+"/metrics")
	rctx, rcancel := context.WithCancel(context.Background())
	ropts := replay.Options{To: fmt.Sprintf("127.0.0.1:%d", port), Hold: true}
	ropts.OnDone = func(replay.Stats) {
		time.Sleep(2 * time.Second) // the live indexer applies at least every second
		rcancel()
	}
	st, err := replay.Run(rctx, ropts, []string{input})
	if err != nil {
		t.Fatalf("replay: %v\nserve log:\n%s", err, stderr.String())
	}

	// The data API answers with RIPEstat's envelope, even for an unknown
	// call.
	code, body := get(t, base+"/data/no-such-call/data.json?resource=AS3333")
	var env struct {
		Status       string `json:"status"`
		StatusCode   int    `json:"status_code"`
		DataCallName string `json:"data_call_name"`
	}
	if err := json.Unmarshal(body, &env); err != nil || code != http.StatusNotFound || env.StatusCode != http.StatusNotFound {
		t.Errorf("unknown call: HTTP %d, %s (%v)", code, body, err)
	}
	// The data calls answer from the live index: ris-peers lists the two
	// replayed peers with routes.
	code, body = get(t, base+"/data/ris-peers/data.json")
	var peers struct {
		Data struct {
			Peers map[string][]struct {
				IP      string `json:"ip"`
				V4Count int    `json:"v4_prefix_count"`
				V6Count int    `json:"v6_prefix_count"`
			} `json:"peers"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &peers); err != nil || code != http.StatusOK || len(peers.Data.Peers["rrc99"]) != 2 {
		t.Errorf("ris-peers: HTTP %d, %s (%v)", code, body, err)
	}
	if _, body := get(t, base+"/metrics"); !bytes.Contains(body, []byte("routestat_index_live_events_lost_total 0")) {
		t.Errorf("metrics lack routestat_index_live_events_lost_total 0")
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, stderr.String())
	}

	updates, _ := filepath.Glob(filepath.Join(dir, "archive", "rrc99", "*", "updates.*.gz"))
	if len(updates) == 0 {
		t.Fatal("no updates files archived")
	}
	archived := filepath.Join(dir, "archived")
	ix, err := index.Open(archived, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := (&ingest.Finder{}).Find(context.Background(), updates)
	if err != nil {
		t.Fatal(err)
	}
	ist, err := ingest.Run(context.Background(), ix, srcs, ingest.Options{Log: slog.New(slog.DiscardHandler)})
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	live, err := index.Open(filepath.Join(dir, "live"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	fromArchive, err := index.Open(archived, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fromArchive.Close()
	liveAnswers, archiveAnswers := answers(t, live), answers(t, fromArchive)
	if len(liveAnswers) < 1000 {
		t.Errorf("live index answers only %d lines", len(liveAnswers))
	}
	diffs := diffLines(liveAnswers, archiveAnswers)
	if len(diffs) > 0 {
		t.Errorf("live and archive indexes differ in %d answers, the first:\n%s", len(diffs), strings.Join(diffs[:min(5, len(diffs))], "\n"))
	}
	t.Logf("replay %+v; archive ingest %+v; %d answer lines", st, ist, len(liveAnswers))
}

// answers renders, a line each, what an index answers about everything
// it holds: every event of every prefix, the routes of every prefix at
// the end and the peers with their table sizes, sorted.
func answers(t *testing.T, ix *index.Index) []string {
	t.Helper()
	all := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	_, events, err := ix.Events(all, true, time.Unix(0, 0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	prefixes := map[netip.Prefix]bool{}
	for _, e := range events {
		prefixes[e.Prefix] = true
		attrs := ""
		if e.Attrs != nil {
			attrs = fmt.Sprintf("%+v", *e.Attrs)
		}
		out = append(out, fmt.Sprintf("event %s %d %s %s AS%d %s %d %s", e.Time.UTC().Format(time.RFC3339Nano), e.Kind, e.Collector, e.PeerAddr, e.PeerAS, e.Prefix, e.PathID, attrs))
	}
	end := ix.Latest().Add(time.Second)
	for p := range prefixes {
		routes, err := ix.Routes(p, end, index.Exact)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range routes {
			out = append(out, fmt.Sprintf("route %s %s AS%d %s %d %+v since %s", r.Collector, r.PeerAddr, r.PeerAS, r.Prefix, r.PathID, *r.Attrs, r.Since.UTC().Format(time.RFC3339Nano)))
		}
	}
	peers, err := ix.Peers("rrc99", end)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range peers {
		out = append(out, fmt.Sprintf("peer %+v", p))
	}
	slices.Sort(out)
	return out
}

// diffLines returns the lines only one of two sorted lists holds.
func diffLines(live, archived []string) []string {
	var d []string
	i, j := 0, 0
	for i < len(live) || j < len(archived) {
		switch {
		case j == len(archived) || i < len(live) && live[i] < archived[j]:
			d = append(d, "only live:    "+live[i])
			i++
		case i == len(live) || archived[j] < live[i]:
			d = append(d, "only archive: "+archived[j])
			j++
		default:
			i++
			j++
		}
	}
	return d
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	for range 400 {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// syncBuffer is a bytes.Buffer that logs may write to from several
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
