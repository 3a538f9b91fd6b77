package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/routestat/routestat/collector/replay"
	"github.com/routestat/routestat/internal/sharedtest"
)

// finalRoutes reads MRT files with bgpdump -m and applies their
// announcements and withdrawals in order: what remains, per peer AS and
// prefix, is AS path, origin, next hop, MED, communities and aggregator.
// TABLE_DUMP2 "B" lines are taken as announcements.
func finalRoutes(t *testing.T, files ...string) map[string]string {
	t.Helper()
	bgpdump, err := exec.LookPath("bgpdump")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bgpdump not installed")
		}
		t.Skip("bgpdump not installed")
	}
	table := map[string]string{}
	for _, f := range files {
		out, err := exec.Command(bgpdump, "-m", f).Output()
		if err != nil {
			t.Fatalf("bgpdump -m %s: %v", f, err)
		}
		for l := range strings.Lines(string(out)) {
			f := strings.Split(strings.TrimSuffix(l, "\n"), "|")
			if len(f) < 6 {
				continue
			}
			key := f[4] + " " + f[5]
			switch f[2] {
			case "A", "B":
				// path, origin, next hop, MED, communities, AG, aggregator
				table[key] = strings.Join([]string{f[6], f[7], f[8], f[10], f[11], f[12], f[13]}, "|")
			case "W":
				delete(table, key)
			}
		}
	}
	return table
}

// TestCollectorReplayEndToEnd runs `routestat collector` on loopback,
// replays a real RIS updates file into it with `routestat replay`'s
// package, asks for a RIB dump (SIGUSR1's channel), stops it, and reads
// the archive with bgpdump: the routes left by its updates files, and
// those in its RIB dump, are the routes the input file leaves.
func TestCollectorReplayEndToEnd(t *testing.T) {
	input := sharedtest.MRT(t, "libbgpstream-testdumps/ris.rrc06.updates.1401488100.gz")
	want := finalRoutes(t, input)

	port, httpPort := freePort(t), freePort(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "routestat.yaml")
	yaml := fmt.Sprintf("collector:\n  name: rrc99\n  listen_addresses: [127.0.0.1]\n  listen_port: %d\narchive:\n  dir: %s\n  et: true\nhttp:\n  listen: 127.0.0.1:%d\nstream:\n  buffer: 100000\n", port, filepath.Join(dir, "archive"), httpPort)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dump := make(chan os.Signal, 1)
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() { done <- collectorMain(ctx, []string{"--config", cfg}, dump, &stderr) }()
	live := risLiveRoutes(t, fmt.Sprintf("ws://127.0.0.1:%d/v1/ws/?client=e2e", httpPort))

	ropts := replay.Options{To: fmt.Sprintf("127.0.0.1:%d", port), Hold: true}
	rctx, rcancel := context.WithCancel(context.Background())
	ropts.OnDone = func(replay.Stats) {
		time.Sleep(500 * time.Millisecond) // the collector archives what it received
		dump <- syscall.SIGUSR1
		waitForFile(t, filepath.Join(dir, "archive", "rrc99", "*", "bview.*.gz"))
		rcancel()
	}
	st, err := replay.Run(rctx, ropts, []string{input})
	if err != nil {
		t.Fatalf("replay: %v\ncollector log:\n%s", err, stderr.String())
	}
	got, msgs := live()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("collector exited %d:\n%s", code, stderr.String())
	}
	updates, _ := filepath.Glob(filepath.Join(dir, "archive", "rrc99", "*", "updates.*.gz"))
	bviews, _ := filepath.Glob(filepath.Join(dir, "archive", "rrc99", "*", "bview.*.gz"))
	if len(updates) == 0 || len(bviews) != 1 {
		t.Fatalf("archive holds updates %v, RIB dumps %v", updates, bviews)
	}
	slices.Sort(updates)
	for name, got := range map[string]map[string]string{"updates files": finalRoutes(t, updates...), "RIB dump": finalRoutes(t, bviews...)} {
		if len(got) != len(want) {
			t.Errorf("%s: %d routes, the input leaves %d", name, len(got), len(want))
		}
		n := 0
		for k, w := range want {
			if got[k] != w && n < 5 {
				n++
				t.Errorf("%s: %s\ngot  %s\nwant %s", name, k, got[k], w)
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("RIS Live: %d routes, the input leaves %d", len(got), len(want))
	}
	n := 0
	for k, w := range want {
		if p, _, _ := strings.Cut(w, "|"); got[k] != p && n < 5 {
			n++
			t.Errorf("RIS Live: %s: path %q, want %q", k, got[k], p)
		}
	}
	t.Logf("replay %+v; %d routes at the end, %d updates files, %d RIS Live messages", st, len(want), len(updates), msgs)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// risLiveRoutes connects to a RIS Live endpoint as a client would,
// subscribes to every UPDATE and applies the ris_messages it receives. The
// returned function waits until no message came for a second and returns
// the routes left, "peer_asn prefix" → AS path as bgpdump writes it, and
// how many messages came.
func risLiveRoutes(t *testing.T, url string) func() (map[string]string, int) {
	t.Helper()
	var conn *websocket.Conn
	for try := 0; ; try++ {
		var err error
		conn, _, err = websocket.DefaultDialer.Dial(url, nil)
		if err == nil {
			break
		}
		if try == 200 {
			t.Fatalf("RIS Live %s: %v", url, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ris_subscribe","data":{"type":"UPDATE","host":"rrc99"}}`)); err != nil {
		t.Fatal(err)
	}
	routes := map[string]string{}
	var msgs atomic.Int64
	var readErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn.SetReadDeadline(time.Now().Add(time.Minute))
			_, b, err := conn.ReadMessage()
			if err != nil {
				readErr = err
				return
			}
			var m struct {
				Type string
				Data struct {
					PeerASN       string `json:"peer_asn"`
					Path          []any
					Announcements []struct{ Prefixes []string }
					Withdrawals   []string
					Message       string
				}
			}
			if err := json.Unmarshal(b, &m); err != nil {
				readErr = fmt.Errorf("%w: %s", err, b)
				return
			}
			if m.Type != "ris_message" {
				readErr = fmt.Errorf("unexpected %s", b)
				return
			}
			msgs.Add(1)
			for _, p := range m.Data.Withdrawals {
				delete(routes, m.Data.PeerASN+" "+p)
			}
			for _, a := range m.Data.Announcements {
				for _, p := range a.Prefixes {
					routes[m.Data.PeerASN+" "+p] = bgpdumpPath(m.Data.Path)
				}
			}
		}
	}()
	return func() (map[string]string, int) {
		for last := int64(-1); ; {
			select {
			case <-done:
				t.Fatalf("RIS Live: %v", readErr)
			case <-time.After(time.Second):
			}
			n := msgs.Load()
			if n == last {
				break
			}
			last = n
		}
		conn.SetReadDeadline(time.Now()) // ends the reader
		<-done
		return routes, int(msgs.Load())
	}
}

// bgpdumpPath writes a RIS Live path ([1, 2, [3, 4]]) as bgpdump does
// ("1 2 {3,4}").
func bgpdumpPath(p []any) string {
	var b strings.Builder
	for i, e := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch e := e.(type) {
		case float64:
			fmt.Fprint(&b, uint32(e))
		case []any:
			b.WriteByte('{')
			for j, a := range e {
				if j > 0 {
					b.WriteByte(',')
				}
				fmt.Fprint(&b, uint32(a.(float64)))
			}
			b.WriteByte('}')
		}
	}
	return b.String()
}

func waitForFile(t *testing.T, pattern string) {
	t.Helper()
	for range 300 {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("no file %s after 6 s", pattern)
}
