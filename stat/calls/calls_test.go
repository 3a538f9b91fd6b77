package calls

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/routestat/routestat/internal/bgpdumpref"
	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
	"github.com/routestat/routestat/stat/ingest"
)

// Test data sets: shared MRT files (paths under testdata/mrt) ingested
// together into one store each.
var (
	// jinx is the RouteViews jinx RIB of 2014-05-30 22:00 and the updates
	// of 23:45 (14 peers, ~500k routes, IPv4 and IPv6).
	jinx = []string{
		"libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2",
		"libbgpstream-testdumps/routeviews.route-views.jinx.updates.1401493500.bz2",
	}
	// rrc06 is 5 minutes of RIS rrc06 updates (2014-05-30 22:15).
	rrc06 = []string{"libbgpstream-testdumps/ris.rrc06.updates.1401488100.gz"}
	// youtube is route-views2's updates of 2008-02-24, seven 15-minute files from 18:24 to
	// 21:26 (the
	// Pakistan Telecom hijack of YouTube's 208.65.153.0/24).
	youtube = []string{
		"incident-youtube-2008/updates.20080224.1824.bz2",
		"incident-youtube-2008/updates.20080224.1954.bz2",
		"incident-youtube-2008/updates.20080224.2009.bz2",
		"incident-youtube-2008/updates.20080224.2026.bz2",
		"incident-youtube-2008/updates.20080224.2041.bz2",
		"incident-youtube-2008/updates.20080224.2056.bz2",
		"incident-youtube-2008/updates.20080224.2111.bz2",
	}
	// addPath is RIS's ADD-PATH RIB samples (IPv4 and IPv6).
	addPath = []string{
		"ripe-bgpdump-testdata/bview.ipv4_unicast_add_path.gz",
		"ripe-bgpdump-testdata/bview.ipv6_unicast_add_path.gz",
	}
)

// stores holds the stores built in this test binary, by data set.
var stores struct {
	sync.Mutex
	dirs []string
	by   map[string]*index.Index
}

// TestMain removes the stores the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	stores.Lock()
	for _, ix := range stores.by {
		ix.Close()
	}
	for _, d := range stores.dirs {
		os.RemoveAll(d)
	}
	stores.Unlock()
	os.Exit(code)
}

// storeOf returns an index holding the shared MRT files (paths under
// testdata/mrt), ingested with routestat ingest's code once per test
// binary. The collector of a file is what its path names, else "rrc00".
func storeOf(t testing.TB, files ...string) *index.Index {
	t.Helper()
	key := strings.Join(files, "\n")
	stores.Lock()
	defer stores.Unlock()
	if ix := stores.by[key]; ix != nil {
		return ix
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, sharedtest.MRT(t, f))
	}
	dir, err := os.MkdirTemp("", "routestat-calls-")
	if err != nil {
		t.Fatal(err)
	}
	stores.dirs = append(stores.dirs, dir)
	ix, err := index.Open(filepath.Join(dir, "data"), index.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := (&ingest.Finder{}).Find(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(context.Background(), ix, srcs, ingest.Options{Log: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	if stores.by == nil {
		stores.by = map[string]*index.Index{}
	}
	stores.by[key] = ix
	return ix
}

// refOf returns the bgpdump -m reference lines of shared MRT files, in
// time order.
func refOf(t testing.TB, files ...string) []bgpdumpref.Line {
	t.Helper()
	var all [][]bgpdumpref.Line
	for _, f := range files {
		p := sharedtest.MRT(t, f) + ".bgpdump-m.txt"
		if _, err := os.Stat(p); err != nil {
			p += ".gz"
		}
		lines, err := bgpdumpref.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, lines)
	}
	return bgpdumpref.Merge(all...)
}

// envelope is the RIPEstat response envelope as clients decode it.
type envelope struct {
	Status         string          `json:"status"`
	StatusCode     int             `json:"status_code"`
	Messages       [][]string      `json:"messages"`
	DataCallName   string          `json:"data_call_name"`
	DataCallStatus string          `json:"data_call_status"`
	Version        string          `json:"version"`
	Cached         bool            `json:"cached"`
	QueryID        string          `json:"query_id"`
	ProcessTime    int             `json:"process_time"`
	Data           json.RawMessage `json:"data"`
}

// testServer serves the calls from ix with names (may be nil).
func testServer(t testing.TB, ix *index.Index, names ASNames) *httptest.Server {
	t.Helper()
	srv, err := api.New(api.Options{BuildVersion: "test", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := Register(srv, Deps{Index: ix, Names: names}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Mount(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// get asks ts for /data/<call>/data.json?<query> and decodes the
// envelope; data, when not nil, receives envelope.data.
func get(t testing.TB, ts *httptest.Server, call, query string, data any) envelope {
	t.Helper()
	resp, err := http.Get(ts.URL + "/data/" + call + "/data.json?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("%s?%s: HTTP %d, not JSON: %v\n%s", call, query, resp.StatusCode, err, body)
	}
	if env.StatusCode != resp.StatusCode {
		t.Errorf("%s?%s: status_code %d, HTTP %d", call, query, env.StatusCode, resp.StatusCode)
	}
	if data != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(env.Data, data); err != nil {
			t.Fatalf("%s?%s: data: %v\n%s", call, query, err, env.Data)
		}
	}
	return env
}
