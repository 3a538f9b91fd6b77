package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

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

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "routestat.yaml")
	yaml := fmt.Sprintf("collector:\n  name: rrc99\n  listen_addresses: [127.0.0.1]\n  listen_port: %d\narchive:\n  dir: %s\n  et: true\nhttp:\n  listen: \"off\"\n", port, filepath.Join(dir, "archive"))
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dump := make(chan os.Signal, 1)
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() { done <- collectorMain(ctx, []string{"--config", cfg}, dump, &stderr) }()

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
	t.Logf("replay %+v; %d routes at the end, %d updates files", st, len(want), len(updates))
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
