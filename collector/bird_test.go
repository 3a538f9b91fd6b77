package collector

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/apiutil"
	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/mrtdump"
)

// need returns the path of a program the test runs, skipping the test
// without it, or failing it under CI=true.
func need(t *testing.T, prog string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (CI=true): %v", prog, err)
	}
	t.Skipf("%s is not installed: %v", prog, err)
	return ""
}

// freePort returns a TCP port free on 127.0.0.1 just now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a goroutine-safe log sink.
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

// bird is a BIRD 2 daemon run by a test.
type bird struct {
	t    *testing.T
	sock string
	ctl  string
}

// startBird runs bird in the foreground with conf until the test ends.
func startBird(t *testing.T, conf string) *bird {
	t.Helper()
	bin, ctl := need(t, "bird"), need(t, "birdc")
	dir := t.TempDir()
	cf := filepath.Join(dir, "bird.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	b := &bird{t: t, sock: filepath.Join(dir, "bird.ctl"), ctl: ctl}
	cmd := exec.Command(bin, "-c", cf, "-s", b.sock, "-f")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start bird: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("bird output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(b.sock); err == nil {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("bird did not create its socket; output:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// birdc runs a birdc command and returns its output.
func (b *bird) birdc(args ...string) string {
	b.t.Helper()
	out, err := exec.Command(b.ctl, append([]string{"-s", b.sock}, args...)...).CombinedOutput()
	if err != nil {
		b.t.Fatalf("birdc %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// eventLog collects a subscription's events.
type eventLog struct {
	mu  sync.Mutex
	evs []*bus.Event
}

func collect(sub *bus.Subscription) *eventLog {
	l := &eventLog{}
	go func() {
		for ev := range sub.C() {
			l.mu.Lock()
			l.evs = append(l.evs, ev)
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *eventLog) snapshot() []*bus.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.evs)
}

// waitFor polls until cond holds on the events seen so far.
func (l *eventLog) waitFor(t *testing.T, what string, d time.Duration, cond func([]*bus.Event) bool) []*bus.Event {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		evs := l.snapshot()
		if cond(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; %d events seen", what, len(evs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// route is what the test checks of an announced prefix.
type route struct {
	path        []uint32
	communities [][2]uint16
	large       [][3]uint32
	pathID      uint32
}

// decode writes a message event as an MRT BGP4MP_ET record and decodes it
// back with mrtdump, as the archive and its readers will.
func decode(t *testing.T, ev *bus.Event) *mrtdump.Message {
	t.Helper()
	var buf bytes.Buffer
	w := mrtdump.NewWriter(&buf)
	err := w.WriteMessage(&mrtdump.BGP4MPInfo{
		Time: uint32(ev.Time.Unix()), Microseconds: uint32(ev.Time.Nanosecond() / 1000), ET: true,
		PeerAS: ev.PeerAS, LocalAS: ev.LocalAS, PeerAddr: ev.PeerAddr, LocalAddr: ev.LocalAddr,
		AS4: ev.AS4, AddPath: ev.AddPath,
	}, ev.Message)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		t.Fatalf("write MRT record for event %d: %v", ev.Seq, err)
	}
	rec, err := mrtdump.NewReader(&buf).Next()
	if err != nil {
		t.Fatalf("read MRT record back: %v", err)
	}
	var m mrtdump.Message
	if err := mrtdump.DecodeMessage(rec.Body, rec.Subtype, &m); err != nil {
		t.Fatalf("decode event %d: %v", ev.Seq, err)
	}
	if len(m.Attrs.Warnings) > 0 {
		t.Errorf("event %d decodes with warnings %v", ev.Seq, m.Attrs.Warnings)
	}
	return &m
}

// table applies the message events in order and returns the resulting
// routes by prefix and the prefixes withdrawn, in order.
func table(t *testing.T, evs []*bus.Event) (map[string]route, []string) {
	t.Helper()
	rib := map[string]route{}
	var withdrawn []string
	for _, ev := range evs {
		if ev.Kind != bus.KindMessage || ev.MessageType() != 2 {
			continue
		}
		m := decode(t, ev)
		for _, p := range m.Withdrawn {
			delete(rib, p.String())
			withdrawn = append(withdrawn, p.String())
		}
		if len(m.NLRI) == 0 {
			continue
		}
		var r route
		ap := m.Attrs.ASPath
		for len(ap) >= 2 {
			n := int(ap[1])
			for i := range n {
				r.path = append(r.path, binary.BigEndian.Uint32(ap[2+4*i:]))
			}
			ap = ap[2+4*n:]
		}
		for c := m.Attrs.Communities; len(c) >= 4; c = c[4:] {
			r.communities = append(r.communities, [2]uint16{binary.BigEndian.Uint16(c), binary.BigEndian.Uint16(c[2:])})
		}
		for c := m.Attrs.LargeCommunities; len(c) >= 12; c = c[12:] {
			r.large = append(r.large, [3]uint32{binary.BigEndian.Uint32(c), binary.BigEndian.Uint32(c[4:]), binary.BigEndian.Uint32(c[8:])})
		}
		for _, p := range m.NLRI {
			r.pathID = p.PathID
			q := p
			q.PathID = 0
			rib[q.String()] = r
		}
	}
	return rib, withdrawn
}

const birdConf = `
router id 10.0.0.2;
log stderr all;
protocol device {}
protocol static base4 {
	disabled;
	ipv4;
	route 192.0.2.0/24 blackhole;
	route 198.51.100.0/24 blackhole;
}
protocol static extra4 {
	disabled;
	ipv4;
	route 203.0.113.0/24 blackhole;
}
protocol bgp collector {
	local 127.0.0.2 as 4200000001;
	neighbor 127.0.0.1 port %d as 4200000000;
	source address 127.0.0.2;
	multihop;
	connect delay time 1;
	connect retry time 1;
	error wait time 1, 2;
	ipv4 {
		add paths tx;
		next hop self;
		import all;
		export filter {
			if net = 192.0.2.0/24 then {
				bgp_path.prepend(64500);
				bgp_community.add((64500, 100));
				bgp_community.add((65535, 666));
				bgp_large_community.add((4200000001, 7, 8));
			}
			if net = 203.0.113.0/24 then bgp_large_community.add((4200000001, 1, 2));
			accept;
		};
	};
}
`

func TestBirdPeer(t *testing.T) {
	port := freePort(t)
	b := bus.New()
	sub := b.Subscribe("test", 1<<16)
	defer sub.Close()
	events := collect(sub)
	var logs syncBuffer
	reg := prometheus.NewRegistry()
	c, err := New(Config{
		Name: "rrc99", RouterID: "10.255.0.1",
		ListenAddresses: []string{"127.0.0.1"}, ListenPort: port,
		Neighbors: []Neighbor{{Address: "127.0.0.2", PeerAS: 4200000001, Description: "bird", Passive: true}},
	}, b, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var br *bird
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run(ctx) }()
	defer func() {
		if t.Failed() {
			t.Logf("collector log:\n%s", logs.String())
			if br != nil {
				t.Logf("bird protocols:\n%s", br.birdc("show", "protocols", "all"))
			}
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := c.Peers(ctx); err == nil {
			break
		}
		select {
		case err := <-runErr:
			t.Fatalf("Run: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("collector did not start")
		}
	}

	br = startBird(t, fmt.Sprintf(birdConf, port))
	peer := netip.MustParseAddr("127.0.0.2")

	// BIRD's routes are enabled only once the session is up: GoBGP
	// v3.37.0 has a data race between its BMP client serializing the
	// received OPEN for Peer Up (bmp.go bmpPeerUp) and its main loop
	// serializing the same capability objects for the first UPDATE's
	// watch event (server.go toConfig); the race detector would report
	// that GoBGP bug, not ours.
	events.waitFor(t, "Established", 30*time.Second, func(evs []*bus.Event) bool {
		return slices.ContainsFunc(evs, func(e *bus.Event) bool { return e.NewState == bus.StateEstablished })
	})
	br.birdc("enable", "base4")
	br.birdc("enable", "extra4")

	// Established is published before the first UPDATE, and all three
	// prefixes arrive with their attributes, byte for byte decodable.
	evs := events.waitFor(t, "three prefixes", 30*time.Second, func(evs []*bus.Event) bool {
		rib, _ := table(t, evs)
		return len(rib) == 3
	})
	established := slices.IndexFunc(evs, func(e *bus.Event) bool {
		return e.Kind == bus.KindState && e.NewState == bus.StateEstablished
	})
	first := slices.IndexFunc(evs, func(e *bus.Event) bool { return e.Kind == bus.KindMessage })
	if established < 0 || first < established {
		t.Fatalf("Established at event index %d, first message at %d: want Established first", established, first)
	}
	if old := evs[established].OldState; old != bus.StateOpenConfirm {
		t.Errorf("Established entered from state %d, want OpenConfirm (5)", old)
	}
	prev := bus.StateIdle
	for i, e := range evs {
		if i > 0 && (e.Seq <= evs[i-1].Seq || e.Time.Before(evs[i-1].Time)) {
			t.Errorf("event %d (seq %d, %v) out of order after seq %d, %v", i, e.Seq, e.Time, evs[i-1].Seq, evs[i-1].Time)
		}
		if e.PeerAddr != peer || e.Collector != "rrc99" || e.LocalAS != DefaultASN {
			t.Errorf("event %d: peer %s collector %q local AS %d", i, e.PeerAddr, e.Collector, e.LocalAS)
		}
		if e.Kind == bus.KindState {
			if e.OldState != prev {
				t.Errorf("state event %d goes %d->%d after reaching %d", i, e.OldState, e.NewState, prev)
			}
			prev = e.NewState
			continue
		}
		if !e.AS4 || !e.AddPath || e.PeerAS != 4200000001 || e.LocalAddr != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("message event %d: AS4 %v AddPath %v peer AS %d local %s", i, e.AS4, e.AddPath, e.PeerAS, e.LocalAddr)
		}
	}
	rib, _ := table(t, evs)
	want := route{
		path:        []uint32{4200000001, 64500},
		communities: [][2]uint16{{64500, 100}, {65535, 666}},
		large:       [][3]uint32{{4200000001, 7, 8}},
	}
	got := rib["192.0.2.0/24"]
	if !slices.Equal(got.path, want.path) || !slices.Equal(got.communities, want.communities) || !slices.Equal(got.large, want.large) || got.pathID == 0 {
		t.Errorf("192.0.2.0/24: got %+v, want %+v with a path id", got, want)
	}
	if got := rib["198.51.100.0/24"]; !slices.Equal(got.path, []uint32{4200000001}) || got.communities != nil || got.large != nil {
		t.Errorf("198.51.100.0/24: got %+v, want path [4200000001] and no communities", got)
	}
	if got := rib["203.0.113.0/24"]; !slices.Equal(got.large, [][3]uint32{{4200000001, 1, 2}}) {
		t.Errorf("203.0.113.0/24: got %+v, want large community 4200000001:1:2", got)
	}

	// A route added locally on the collector must not be exported.
	s, err := c.server()
	if err != nil {
		t.Fatal(err)
	}
	nlri := bgp.NewIPAddrPrefix(24, "100.64.0.0")
	p, err := apiutil.NewPath(nlri, false, []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(0), bgp.NewPathAttributeNextHop("127.0.0.1"),
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPath(ctx, &api.AddPathRequest{TableType: api.TableType_GLOBAL, Path: p}); err != nil {
		t.Fatalf("add local path: %v", err)
	}

	// BIRD withdraws a route.
	br.birdc("disable", "extra4")
	evs = events.waitFor(t, "withdrawal of 203.0.113.0/24", 20*time.Second, func(evs []*bus.Event) bool {
		_, w := table(t, evs)
		return slices.Contains(w, "203.0.113.0/24")
	})
	if rib, _ := table(t, evs); len(rib) != 2 || rib["192.0.2.0/24"].path == nil {
		t.Errorf("after withdrawal the table holds %v", rib)
	}

	// The collector's RIB snapshot holds BIRD's two remaining routes.
	snap, err := c.AdjRIBIn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Peers) != 1 || snap.Peers[0].AS != 4200000001 || snap.Peers[0].BGPID != [4]byte{10, 0, 0, 2} {
		t.Errorf("RIB peers %+v", snap.Peers)
	}
	var prefixes []string
	for _, r := range snap.Routes {
		prefixes = append(prefixes, r.Prefix.String())
		var a mrtdump.Attrs
		a.Parse(r.Attrs, r.ASNSize, false)
		if r.Prefix.String() == "192.0.2.0/24" && (len(a.ASPath) != 10 || len(a.LargeCommunities) != 12 || r.PathID == 0) {
			t.Errorf("RIB route %s: AS_PATH %x, large communities %x, path id %d", r.Prefix, a.ASPath, a.LargeCommunities, r.PathID)
		}
	}
	slices.Sort(prefixes)
	if !slices.Equal(prefixes, []string{"192.0.2.0/24", "198.51.100.0/24"}) {
		t.Errorf("RIB prefixes %v", prefixes)
	}

	// BIRD has received nothing from the collector, though it holds a
	// local route and three received ones.
	time.Sleep(time.Second)
	if out := br.birdc("show", "route", "protocol", "collector", "count"); !regexp.MustCompile(`(?m)^0 of \d+ routes`).MatchString(out) {
		t.Errorf("bird received routes from the collector:\n%s", out)
	}
	if out := br.birdc("show", "protocols", "all", "collector"); !strings.Contains(out, "Routes:         0 imported") {
		t.Errorf("bird's session summary:\n%s", out)
	}

	if v := metricValue(t, c.m.sessionsUp); v != 1 {
		t.Errorf("sessions up %v, want 1", v)
	}
	if v := metricValue(t, c.m.updates.WithLabelValues("127.0.0.2")); v < 2 {
		t.Errorf("updates received %v, want at least 2", v)
	}
	if v := metricValue(t, c.m.prefixes.WithLabelValues("127.0.0.2")); v != 3 {
		t.Errorf("prefixes received %v, want 3", v)
	}
	if !strings.Contains(logs.String(), "BGP session established") {
		t.Errorf("no session-up log line")
	}

	// Shutting down publishes the session's end after its last message.
	n := len(events.snapshot())
	cancel()
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}
	evs = events.waitFor(t, "session end", 5*time.Second, func(evs []*bus.Event) bool {
		return len(evs) > n && slices.ContainsFunc(evs[n:], func(e *bus.Event) bool {
			return e.Kind == bus.KindState && e.OldState == bus.StateEstablished
		})
	})
	last := evs[len(evs)-1]
	down := slices.IndexFunc(evs, func(e *bus.Event) bool { return e.Kind == bus.KindState && e.OldState == bus.StateEstablished })
	if slices.ContainsFunc(evs[down:], func(e *bus.Event) bool { return e.Kind == bus.KindMessage }) {
		t.Errorf("messages published after the session went down")
	}
	if evs[down].Reason == "" {
		t.Errorf("session end without reason")
	}
	t.Logf("session ended: %d->%d %q; last event %d->%d", evs[down].OldState, evs[down].NewState, evs[down].Reason, last.OldState, last.NewState)
	if v := metricValue(t, c.m.sessionsUp); v != 0 {
		t.Errorf("sessions up %v after shutdown, want 0", v)
	}
}

// metricValue reads a gauge's or counter's value.
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Gauge != nil {
		return d.Gauge.GetValue()
	}
	return d.Counter.GetValue()
}
