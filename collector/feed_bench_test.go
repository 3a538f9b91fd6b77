package collector

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/collector/archive"
	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/collector/internal/rawspeaker"
	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
)

// The feed benchmarks measure the collector alone: raw BGP speakers
// (collector/internal/rawspeaker) open real TCP sessions from 127.0.0.2,
// .3, … and stream UPDATEs encoded from the jinx RIB before the clock
// starts, into a collector whose archive writes MRT files; the clock
// stops when the archive has written every UPDATE. They report
// prefixes/s and UPDATEs/s archived, and the resident memory (RSS) and
// live Go heap the collector grew by per route held.
//
//	go test -run '^$' -bench BenchmarkCollectorFeed -benchtime 1x ./collector/
//	ROUTESTAT_BENCH_HEAPPROFILE=held.prof: heap profile of the routes held
//	ROUTESTAT_BENCH_RIBDUMP=1: then dump the RIB (time, peak memory)
//	ROUTESTAT_BENCH_FULL_FEEDS=1,4,8 go test -run '^$' -bench BenchmarkCollectorFullFeeds -benchtime 1x -timeout 1h ./collector/
//
// One iteration is a whole run; use -benchtime 1x.

const jinxRIB = "libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2"

var (
	feedOnce  sync.Once
	feedTable *rawspeaker.Table
	feedErr   error
)

func loadFeeds(b testing.TB) *rawspeaker.Table {
	path := sharedtest.MRT(b, jinxRIB)
	feedOnce.Do(func() { feedTable, feedErr = rawspeaker.LoadRIB(path, rawspeaker.Options{}) })
	if feedErr != nil {
		b.Fatal(feedErr)
	}
	return feedTable
}

// BenchmarkCollectorFeed sends the jinx RIB as its 14 peers sent it (one
// session per MRT peer, 503,590 routes), as scripts/bench-collector.sh
// does with routestat replay.
func BenchmarkCollectorFeed(b *testing.B) {
	benchFeeds(b, loadFeeds(b).Peers)
}

// BenchmarkCollectorFullFeeds sends the jinx RIB's full table (497,407
// prefixes) over N sessions at once, for each N in
// ROUTESTAT_BENCH_FULL_FEEDS (comma-separated, default 1,4).
func BenchmarkCollectorFullFeeds(b *testing.B) {
	list := os.Getenv("ROUTESTAT_BENCH_FULL_FEEDS")
	if list == "" {
		list = "1,4"
	}
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			b.Fatalf("ROUTESTAT_BENCH_FULL_FEEDS: bad count %q", s)
		}
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			full := loadFeeds(b).Full
			feeds := make([]*rawspeaker.Feed, n)
			for i := range feeds {
				feeds[i] = full
			}
			benchFeeds(b, feeds)
		})
	}
}

func benchFeeds(b *testing.B, feeds []*rawspeaker.Feed) {
	for range b.N {
		benchFeedsOnce(b, feeds)
	}
}

// feedRig is a collector with its archive, fed by raw speakers.
type feedRig struct {
	c        *Collector
	bus      *bus.Bus
	addr     string // the collector's BGP address
	arch     *archive.Archive
	reg      *prometheus.Registry
	dir      string // the archive's
	sessions []*rawspeaker.Session
	stop     func()
}

// startFeedRig runs a collector and its archive, brings up one raw
// speaker session per feed (sending nothing yet), and waits until every
// session is Established. stop (also run at cleanup) closes the sessions
// and stops the collector and the archive.
func startFeedRig(tb testing.TB, feeds []*rawspeaker.Feed) *feedRig {
	tb.Helper()
	r := &feedRig{reg: prometheus.NewRegistry(), dir: tb.TempDir()}
	bs := bus.New()
	port := freePort(tb)
	r.bus, r.addr = bs, fmt.Sprintf("127.0.0.1:%d", port)
	var log *slog.Logger
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	var err error
	r.c, err = New(Config{Name: "bench", ListenAddresses: []string{"127.0.0.1"}, ListenPort: port}, bs, log, r.reg)
	if err != nil {
		tb.Fatal(err)
	}
	r.arch, err = archive.New(archive.Config{Dir: r.dir, Collector: "bench"}, log, r.reg)
	if err != nil {
		tb.Fatal(err)
	}
	sub := bs.Subscribe("archive", 1<<16)
	ctx, cancel := context.WithCancel(context.Background())
	runErr, archErr := make(chan error, 1), make(chan error, 1)
	go func() { archErr <- r.arch.Run(context.Background(), sub) }()
	go func() {
		err := r.c.Run(ctx)
		sub.Close()
		runErr <- err
	}()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			for _, s := range r.sessions {
				if s != nil {
					s.Close()
				}
			}
			cancel()
			if err := <-runErr; err != nil {
				tb.Errorf("collector: %v", err)
			}
			if err := <-archErr; err != nil {
				tb.Errorf("archive: %v", err)
			}
		})
	}
	tb.Cleanup(r.stop)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := r.c.Peers(ctx); err == nil {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatal("collector did not start")
		}
	}
	r.sessions = make([]*rawspeaker.Session, len(feeds))
	errs := make([]error, len(feeds))
	var wg sync.WaitGroup
	for i, f := range feeds {
		wg.Go(func() {
			r.sessions[i], errs[i] = rawspeaker.Dial(ctx, rawspeaker.LocalAddr(i), fmt.Sprintf("127.0.0.1:%d", port), f.AS)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	waitMetric(tb, r.reg, "routestat_bgp_sessions_up", float64(len(feeds)), time.Minute)
	return r
}

// send streams each feed over its session, all at once.
func (r *feedRig) send(tb testing.TB, feeds []*rawspeaker.Feed) {
	var wg sync.WaitGroup
	for i, s := range r.sessions {
		wg.Go(func() {
			if err := s.Send(feeds[i].Updates); err != nil {
				tb.Errorf("session %s: %v", s.Local, err)
			}
		})
	}
	wg.Wait()
}

func benchFeedsOnce(b *testing.B, feeds []*rawspeaker.Feed) {
	b.StopTimer()
	var wantPrefixes, wantUpdates int
	for _, f := range feeds {
		wantPrefixes += f.NumPrefixes
		wantUpdates += f.NumUpdates
	}
	r := startFeedRig(b, feeds)
	defer r.stop()
	c, arch, reg := r.c, r.arch, r.reg
	// Wait until the archive has written every state change.
	records0 := stableMetric(reg, "routestat_mrt_records_written_total")

	debug.FreeOSMemory() // the table's encoding garbage is not the collector's
	rss0, heap0 := memory()
	b.StartTimer()
	start := time.Now()
	r.send(b, feeds)
	waitMetric(b, reg, "routestat_bgp_prefixes_received_total", float64(wantPrefixes), time.Hour)
	waitMetric(b, reg, "routestat_mrt_records_written_total", records0+float64(wantUpdates), time.Hour)
	elapsed := time.Since(start)
	b.StopTimer()

	rss1, heap1 := memory() // as the collector runs: no forced GC
	runtime.GC()
	_, live1 := memory()
	if path := os.Getenv("ROUTESTAT_BENCH_HEAPPROFILE"); path != "" {
		// What the collector holds (the encoded feeds too), sessions up.
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	if lost := metricSum(reg, "routestat_archive_events_lost_total"); lost > 0 {
		b.Errorf("archive lost %.0f events", lost)
	}
	if os.Getenv("ROUTESTAT_BENCH_RIBDUMP") != "" {
		benchRIBDump(b, c, arch, rss1)
	}
	b.ReportMetric(float64(wantPrefixes)/elapsed.Seconds(), "prefixes/s")
	b.ReportMetric(float64(wantUpdates)/elapsed.Seconds(), "updates/s")
	b.ReportMetric(float64(rss1-rss0)/float64(wantPrefixes), "rssB/route")
	b.ReportMetric(float64(live1-heap0)/float64(wantPrefixes), "heapB/route")
	b.ReportMetric(float64(rss1)/(1<<20), "rssMiB")
	b.Logf("%d sessions, %d prefixes in %d UPDATEs in %v; RSS %d -> %d MiB, heap %d -> %d MiB (%d MiB live after GC); load %s",
		len(feeds), wantPrefixes, wantUpdates, elapsed.Round(time.Millisecond),
		rss0>>20, rss1>>20, heap0>>20, heap1>>20, live1>>20, loadAvg())
}

// benchRIBDump dumps every peer's Adj-RIB-In as routestat collector does
// (cmd/routestat ribDumps) and logs how long it took and how far the
// resident set rose above rss while it ran.
func benchRIBDump(b *testing.B, c *Collector, arch *archive.Archive, rss uint64) {
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM
	start := time.Now()
	rib, err := c.AdjRIBIn(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	snap := time.Since(start)
	runtime.ReadMemStats(&ms1)
	allocated := ms1.TotalAlloc - ms0.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	held := int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc)
	start = start.Add(time.Since(start) - snap) // the GC is not the dump's
	routes := make([]archive.Route, len(rib.Routes))
	for i, r := range rib.Routes {
		routes[i] = archive.Route(r)
	}
	if _, err := arch.DumpRIB(time.Now(), rib.Peers, routes); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	peak := procStatus("VmHWM:")
	b.ReportMetric(took.Seconds(), "ribdump-s")
	b.ReportMetric(float64(peak-rss)/(1<<20), "ribdump-peak+MiB")
	b.Logf("RIB dump of %d routes: %v (snapshot %v: allocated %d MiB, holds %d MiB); peak RSS %d MiB, %d MiB above the RSS before it",
		len(routes), took.Round(time.Millisecond), snap.Round(time.Millisecond), allocated>>20, held>>20, peak>>20, (int64(peak)-int64(rss))>>20)
	runtime.KeepAlive(rib)
}

// memory returns the process's resident set (VmRSS) and the Go heap in
// use, in bytes.
func memory() (rss, heap uint64) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return procStatus("VmRSS:"), ms.HeapInuse
}

// procStatus returns a size field of /proc/self/status in bytes.
func procStatus(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// metricSum adds up every series of the metric name in reg.
func metricSum(reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return 0
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			switch {
			case m.GetCounter() != nil:
				sum += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				sum += m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

// waitMetric waits until metric name reaches want.
func waitMetric(b testing.TB, reg *prometheus.Registry, name string, want float64, timeout time.Duration) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for metricSum(reg, name) < want {
		if time.Now().After(deadline) {
			b.Fatalf("%s is %.0f after %v, want %.0f", name, metricSum(reg, name), timeout, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stableMetric returns metric name once it has not changed for 300 ms.
func stableMetric(reg *prometheus.Registry, name string) float64 {
	v, since := metricSum(reg, name), time.Now()
	for time.Since(since) < 300*time.Millisecond {
		time.Sleep(20 * time.Millisecond)
		if n := metricSum(reg, name); n != v {
			v, since = n, time.Now()
		}
	}
	return v
}

// TestRawSpeakerArchive sends the jinx RIB's smaller peers (every peer
// but the full-feed one: 6,269 routes in 1,229 UPDATEs, IPv4 and IPv6,
// packed as routers pack them) from raw speakers over 13 sessions at once,
// and checks that the archive holds every UPDATE byte for byte, in the
// order each session sent them. It checks the benchmarks' load generator
// as much as the collector.
func TestRawSpeakerArchive(t *testing.T) {
	tab := loadFeeds(t)
	var feeds []*rawspeaker.Feed
	updates := 0
	for _, f := range tab.Peers {
		if f.NumPrefixes < 100000 {
			feeds = append(feeds, f)
			updates += f.NumUpdates
		}
	}
	r := startFeedRig(t, feeds)
	records0 := stableMetric(r.reg, "routestat_mrt_records_written_total")
	r.send(t, feeds)
	waitMetric(t, r.reg, "routestat_mrt_records_written_total", records0+float64(updates), time.Minute)
	r.stop()

	got := map[netip.Addr][]byte{} // each peer's archived UPDATEs, concatenated
	files, err := filepath.Glob(filepath.Join(r.dir, "bench", "*", "updates.*.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no updates files (%v)", err)
	}
	sort.Strings(files)
	var m mrtdump.Message
	for _, name := range files {
		f, err := mrtdump.Open(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := f.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if rec.Type != mrtdump.TypeBGP4MP || mrtdump.DecodeMessage(rec.Body, rec.Subtype, &m) != nil || m.Type != mrtdump.MsgUpdate {
				continue
			}
			if !m.AS4 {
				t.Fatalf("%s: UPDATE archived as from a 2-byte-AS session", name)
			}
			peer := netip.AddrFrom4([4]byte(m.PeerAddr[:4]))
			got[peer] = append(got[peer], m.Raw...)
		}
		f.Close()
	}
	for i, f := range feeds {
		peer := rawspeaker.LocalAddr(i)
		if !bytes.Equal(got[peer], f.Updates) {
			t.Errorf("%s: archived %d bytes of UPDATEs, sent %d (%d UPDATEs); not the same bytes", peer, len(got[peer]), len(f.Updates), f.NumUpdates)
		}
	}
}
