package archive

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
)

func needBgpdump(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("bgpdump"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bgpdump not installed (apt-get install bgpdump)")
		}
		t.Skip("bgpdump not installed")
	}
}

func addr(b *[16]byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16(*b)
	}
	return netip.AddrFrom4([4]byte(b[:4]))
}

// realEvents turns the BGP4MP messages and state changes of a real updates
// file into the events a collector would have published.
func realEvents(t testing.TB, path string) []*bus.Event {
	t.Helper()
	f, err := mrtdump.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []*bus.Event
	var m mrtdump.Message
	var sc mrtdump.StateChange
	for {
		rec, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Type != mrtdump.TypeBGP4MP && rec.Type != mrtdump.TypeBGP4MPET {
			continue
		}
		at := time.Unix(int64(rec.Time), int64(rec.Microseconds)*1000)
		switch rec.Subtype {
		case mrtdump.SubStateChange, mrtdump.SubStateChangeAS4:
			size := 2
			if rec.Subtype == mrtdump.SubStateChangeAS4 {
				size = 4
			}
			if err := mrtdump.DecodeStateChange(rec.Body, size, &sc); err != nil {
				t.Fatal(err)
			}
			v6 := sc.AFI == mrtdump.AFIIPv6
			evs = append(evs, &bus.Event{Kind: bus.KindState, Time: at, PeerAddr: addr(&sc.PeerAddr, v6), LocalAddr: addr(&sc.LocalAddr, v6),
				PeerAS: sc.PeerAS, LocalAS: sc.LocalAS, OldState: sc.OldState, NewState: sc.NewState})
		default:
			if err := mrtdump.DecodeMessage(rec.Body, rec.Subtype, &m); err != nil {
				t.Fatal(err)
			}
			v6 := m.AFI == mrtdump.AFIIPv6
			evs = append(evs, &bus.Event{Kind: bus.KindMessage, Time: at, PeerAddr: addr(&m.PeerAddr, v6), LocalAddr: addr(&m.LocalAddr, v6),
				PeerAS: m.PeerAS, LocalAS: m.LocalAS, AS4: m.AS4, AddPath: m.AddPath, Local: m.Local, Message: bytes.Clone(m.Raw)})
		}
	}
	if len(evs) == 0 {
		t.Fatalf("no BGP4MP records in %s", path)
	}
	return evs
}

// runArchive archives evs through a bus and returns the archive and the
// registry holding its metrics.
func runArchive(t *testing.T, cfg Config, evs []*bus.Event) (*Archive, *prometheus.Registry, error) {
	t.Helper()
	reg := prometheus.NewRegistry()
	a, err := New(cfg, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	b := bus.New()
	sub := b.Subscribe("archive", len(evs)+1)
	for _, ev := range evs {
		b.Publish(ev)
	}
	sub.Close() // Run drains the buffered events, then completes the file
	return a, reg, a.Run(context.Background(), sub)
}

// listFiles returns the archive's files (relative paths), sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

var bgp4mpTime = regexp.MustCompile(`^BGP4MP(?:_ET)?(_AP)?\|(\d+)(?:\.\d+)?\|`)

// bgpdumpLines runs bgpdump -m on files and returns its lines with
// BGP4MP_ET written BGP4MP (BGP4MP_ET_AP: BGP4MP_AP) and the sub-second
// part of the time dropped.
func bgpdumpLines(t *testing.T, files ...string) []string {
	t.Helper()
	var lines []string
	for _, f := range files {
		out, err := exec.Command("bgpdump", "-m", f).Output()
		if err != nil {
			t.Fatalf("bgpdump -m %s: %v", f, err)
		}
		for l := range strings.Lines(string(out)) {
			lines = append(lines, bgp4mpTime.ReplaceAllString(strings.TrimSuffix(l, "\n"), "BGP4MP$1|$2|"))
		}
	}
	return lines
}

// TestUpdatesArchive archives every message and state change of a real
// RIS updates file with 1-minute files, then reads the archive back with
// routestat's reader (raw bytes, times, peers) and with bgpdump (the same
// lines as bgpdump prints for the original).
func TestUpdatesArchive(t *testing.T) {
	needBgpdump(t)
	src := sharedtest.MRT(t, "ripe-bgpdump-testdata/updates.20160811.1600.gz")
	evs := realEvents(t, src)
	for _, et := range []bool{false, true} {
		t.Run(fmt.Sprintf("ET=%v", et), func(t *testing.T) {
			dir := t.TempDir()
			last := evs[len(evs)-1].Time
			// The clock stands at the last event for the whole run: no flush
			// tick may close a file early (under load the run outlasts the
			// default second, and later events of an interval would be
			// written into the next, still open, file).
			cfg := Config{Dir: dir, Collector: "rrc99", UpdatesInterval: time.Minute, ET: et, FlushInterval: time.Hour, Now: func() time.Time { return last }}
			_, reg, err := runArchive(t, cfg, evs)
			if err != nil {
				t.Fatal(err)
			}
			files := listFiles(t, dir)
			var want []string
			for m := evs[0].Time.UTC().Truncate(time.Minute); !m.After(last); m = m.Add(time.Minute) {
				want = append(want, filepath.Join("rrc99", m.Format("2006.01"), "updates."+m.Format("20060102.1504")+".gz"))
			}
			if !slices.Equal(files, want) {
				t.Fatalf("files %v, want %v", files, want)
			}
			// routestat's reader: every event, in order, byte for byte.
			i := 0
			var m mrtdump.Message
			for _, name := range files {
				f, err := mrtdump.Open(filepath.Join(dir, name), nil)
				if err != nil {
					t.Fatal(err)
				}
				for {
					rec, err := f.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					ev := evs[i]
					i++
					wantType := mrtdump.TypeBGP4MP
					if et {
						wantType = mrtdump.TypeBGP4MPET
						if rec.Microseconds != uint32(ev.Time.Nanosecond()/1000) {
							t.Fatalf("record %d: %d µs, want %d", i, rec.Microseconds, ev.Time.Nanosecond()/1000)
						}
					}
					if rec.Type != wantType || rec.Time != uint32(ev.Time.Unix()) {
						t.Fatalf("record %d: %s at %d, want %s at %d", i, rec.Type, rec.Time, wantType, ev.Time.Unix())
					}
					if !strings.HasSuffix(name, ev.Time.UTC().Truncate(time.Minute).Format("20060102.1504")+".gz") {
						t.Fatalf("event at %s in %s", ev.Time.UTC(), name)
					}
					if ev.Kind == bus.KindMessage {
						if err := mrtdump.DecodeMessage(rec.Body, rec.Subtype, &m); err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(m.Raw, ev.Message) || m.PeerAS != ev.PeerAS || addr(&m.PeerAddr, ev.PeerAddr.Is6()) != ev.PeerAddr {
							t.Fatalf("record %d: message differs from the event", i)
						}
					} else if rec.Subtype != mrtdump.SubStateChangeAS4 {
						t.Fatalf("record %d: state change subtype %d, want STATE_CHANGE_AS4", i, rec.Subtype)
					}
				}
				f.Close()
			}
			if i != len(evs) {
				t.Fatalf("read %d records, archived %d events", i, len(evs))
			}
			// bgpdump: the same lines as for the original file.
			paths := make([]string, len(files))
			for k, f := range files {
				paths[k] = filepath.Join(dir, f)
			}
			got, orig := bgpdumpLines(t, paths...), bgpdumpLines(t, src)
			if !slices.Equal(got, orig) {
				for k := range min(len(got), len(orig)) {
					if got[k] != orig[k] {
						t.Fatalf("bgpdump line %d:\narchive  %s\noriginal %s", k, got[k], orig[k])
					}
				}
				t.Fatalf("bgpdump printed %d lines for the archive, %d for the original", len(got), len(orig))
			}
			if n := metricSum(t, reg, "routestat_mrt_records_written_total"); n != float64(len(evs)) {
				t.Errorf("records metric %v, want %d", n, len(evs))
			}
			t.Logf("%d events, %d files, %d bgpdump lines", len(evs), len(files), len(got))
		})
	}
}

// metricSum returns the sum of the named counter's series in reg.
func metricSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

// TestIdleIntervalCloses checks that a file is completed when its interval
// ends even if no further event comes.
func TestIdleIntervalCloses(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(start.Add(10 * time.Second).UnixNano())
	a, err := New(Config{Dir: dir, Collector: "rrc99", FlushInterval: 10 * time.Millisecond, Now: func() time.Time { return time.Unix(0, now.Load()) }}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := bus.New()
	sub := b.Subscribe("archive", 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, sub) }()
	b.Publish(&bus.Event{Kind: bus.KindState, Time: start.Add(10 * time.Second), PeerAddr: netip.MustParseAddr("192.0.2.1"), LocalAddr: netip.MustParseAddr("192.0.2.254"), PeerAS: 64500, LocalAS: 64496, OldState: 1, NewState: 2})
	final := filepath.Join(dir, "rrc99", "2026.11", "updates.20261123.1200.gz")
	tmp := filepath.Join(dir, "rrc99", "2026.11", ".updates.20261123.1200.gz.tmp")
	waitFor(t, func() bool { _, err := os.Stat(tmp); return err == nil })
	if _, err := os.Stat(final); err == nil {
		t.Fatal("file published before its interval ended")
	}
	now.Store(start.Add(5 * time.Minute).UnixNano())
	waitFor(t, func() bool { _, err := os.Stat(final); return err == nil })
	if _, err := os.Stat(tmp); err == nil {
		t.Fatal("temporary file left after publishing")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := readRecords(t, final); got != 1 {
		t.Fatalf("%d records in %s, want 1", got, final)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met within 5 s")
}

// readRecords counts the records of an MRT file, failing on any error.
func readRecords(t *testing.T, path string) int {
	t.Helper()
	f, err := mrtdump.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for {
		_, err := f.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		n++
	}
}

// TestNoOverwrite: a file of the same name already in the archive (an
// earlier run) is never replaced.
func TestNoOverwrite(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 11, 23, 12, 7, 31, 0, time.UTC)
	month := filepath.Join(dir, "rrc99", "2026.11")
	if err := os.MkdirAll(month, 0o755); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(month, "updates.20261123.1205.gz")
	if err := os.WriteFile(existing, []byte("earlier run"), 0o644); err != nil {
		t.Fatal(err)
	}
	ev := &bus.Event{Kind: bus.KindState, Time: at, PeerAddr: netip.MustParseAddr("2001:db8::1"), LocalAddr: netip.MustParseAddr("2001:db8::fe"), PeerAS: 4200000001, LocalAS: 64496, OldState: 6, NewState: 1}
	if _, _, err := runArchive(t, Config{Dir: dir, Collector: "rrc99", Now: func() time.Time { return at }}, []*bus.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "earlier run" {
		t.Fatalf("existing file overwritten: %q", b)
	}
	if n := readRecords(t, filepath.Join(month, "updates.20261123.1205.1.gz")); n != 1 {
		t.Fatalf("%d records in the new file", n)
	}
}

// TestUnwritable: an archive directory that cannot be created, and one
// that becomes unusable while running, are loud errors; nothing is
// published under a final name.
func TestUnwritable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plainfile")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{Dir: file, Collector: "rrc99"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("New on a file: %v", err)
	}

	at := time.Date(2026, 11, 23, 12, 7, 31, 0, time.UTC)
	// The month directory's name is taken by a file.
	if err := os.MkdirAll(filepath.Join(dir, "ok", "rrc99"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok", "rrc99", "2026.11"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ev := &bus.Event{Kind: bus.KindState, Time: at, PeerAddr: netip.MustParseAddr("192.0.2.1"), LocalAddr: netip.MustParseAddr("192.0.2.254"), PeerAS: 1, LocalAS: 2, OldState: 1, NewState: 2}
	_, reg, err := runArchive(t, Config{Dir: filepath.Join(dir, "ok"), Collector: "rrc99", Now: func() time.Time { return at }}, []*bus.Event{ev})
	if err == nil || !strings.Contains(err.Error(), "2026.11") {
		t.Fatalf("Run into an unusable directory: %v", err)
	}
	if n := metricSum(t, reg, "routestat_archive_errors_total"); n != 1 {
		t.Fatalf("errors metric %v, want 1", n)
	}
}

// TestCrashRecovery kills a process that is archiving (SIGKILL, after its
// records were flushed) and checks that the next start publishes a
// complete file holding every flushed record, readable by bgpdump.
func TestCrashRecovery(t *testing.T) {
	if dir := os.Getenv("ROUTESTAT_ARCHIVE_CRASH_DIR"); dir != "" {
		crashChild(dir)
		return
	}
	needBgpdump(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRecovery$")
	cmd.Env = append(os.Environ(), "ROUTESTAT_ARCHIVE_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var flushed int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "flushed %d", &flushed); err == nil {
			break
		}
	}
	if flushed == 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child did not report flushed records")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	month := filepath.Join(dir, "rrc99", "2026.11")
	tmps, _ := filepath.Glob(filepath.Join(month, ".*.tmp"))
	if len(tmps) != 1 {
		t.Fatalf("temporary files after the crash: %v", tmps)
	}
	// An earlier run's file of the same interval must survive.
	existing := filepath.Join(month, "updates.20261123.1205.gz")
	if err := os.WriteFile(existing, []byte("earlier run"), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	if _, err := New(Config{Dir: dir, Collector: "rrc99"}, nil, reg); err != nil {
		t.Fatal(err)
	}
	want := []string{"rrc99/2026.11/updates.20261123.1205.1.gz", "rrc99/2026.11/updates.20261123.1205.gz"}
	if files := listFiles(t, dir); !slices.Equal(files, want) {
		t.Fatalf("files after recovery: %v, want %v", files, want)
	}
	if b, _ := os.ReadFile(existing); string(b) != "earlier run" {
		t.Fatalf("existing file overwritten: %q", b)
	}
	path := filepath.Join(dir, want[0])
	if n := readRecords(t, path); n < flushed {
		t.Fatalf("recovered %d records, %d were flushed before the crash", n, flushed)
	}
	if lines := bgpdumpLines(t, path); len(lines) < flushed {
		t.Fatalf("bgpdump prints %d lines for %d recovered records", len(lines), flushed)
	}
	if out, err := exec.Command("gzip", "-t", path).CombinedOutput(); err != nil {
		t.Fatalf("recovered file is not a complete gzip file: %v %s", err, out)
	}
	if n := metricSum(t, reg, "routestat_archive_files_total"); n != 1 {
		t.Fatalf("files metric %v, want 1 recovered", n)
	}
}

// crashChild archives events, waits until its temporary file holds them
// all (flushed: they reached the file), reports how many, then waits to be
// killed.
func crashChild(dir string) {
	at := time.Date(2026, 11, 23, 12, 7, 31, 0, time.UTC)
	a, err := New(Config{Dir: dir, Collector: "rrc99", FlushInterval: 20 * time.Millisecond, Now: func() time.Time { return at }}, nil, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	b := bus.New()
	sub := b.Subscribe("archive", 1000)
	go a.Run(context.Background(), sub)
	const n = 500
	for _, ev := range stateEvents(at, n) {
		b.Publish(ev)
	}
	tmp := filepath.Join(dir, "rrc99", "2026.11", ".updates.20261123.1205.gz.tmp")
	for range 1000 {
		data, _ := readGzipPrefix(tmp)
		if _, records := wholeRecords(data); records == n {
			fmt.Printf("flushed %d\n", n)
			select {}
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("error: records not flushed within 10 s")
	os.Exit(1)
}

// BenchmarkRun archives the messages and state changes of a real RIS
// updates file (17,406 events, 5 minutes of rrc00 in 2016) per iteration.
func BenchmarkRun(b *testing.B) {
	evs := realEvents(b, sharedtest.MRT(b, "ripe-bgpdump-testdata/updates.20160811.1600.gz"))
	last := evs[len(evs)-1].Time
	var size int64
	for _, ev := range evs {
		size += int64(len(ev.Message))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		a, err := New(Config{Dir: b.TempDir(), Collector: "rrc99", Now: func() time.Time { return last }}, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		bu := bus.New()
		sub := bu.Subscribe("archive", len(evs))
		for _, ev := range evs {
			bu.Publish(ev)
		}
		sub.Close()
		if err := a.Run(context.Background(), sub); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
