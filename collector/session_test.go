package collector

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/collector/bus"
)

// startCollector runs a collector with cfg (listening on a free loopback
// port) until the test ends, and returns it with its events and log.
func startCollector(t *testing.T, cfg Config) (*Collector, *eventLog, *syncBuffer, int) {
	t.Helper()
	port := freePort(t)
	if cfg.ListenAddresses == nil {
		cfg.ListenAddresses = []string{"127.0.0.1"}
	}
	cfg.ListenPort = port
	b := bus.New()
	sub := b.Subscribe("test", 1<<16)
	events := collect(sub)
	logs := &syncBuffer{}
	c, err := New(cfg, b, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-runErr; err != nil {
			t.Errorf("Run: %v", err)
		}
		sub.Close()
		if t.Failed() {
			t.Logf("collector log:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := c.Peers(ctx); err == nil {
			return c, events, logs, port
		}
		if time.Now().After(deadline) {
			t.Fatal("collector did not start")
		}
	}
}

// speaker is a minimal BGP speaker written for the tests, so that they
// can send exactly the bytes they want, malformed ones included.
type speaker struct {
	t    *testing.T
	conn net.Conn
	addr netip.Addr
	as   uint32
}

// message frames a BGP message of type typ.
func message(typ byte, body []byte) []byte {
	m := append(bytes.Repeat([]byte{0xff}, 16), 0, 0, typ)
	m = append(m, body...)
	binary.BigEndian.PutUint16(m[16:], uint16(len(m)))
	return m
}

// dial connects from addr with AS as and brings the session up.
func dial(t *testing.T, addr string, port int, as uint32) *speaker {
	t.Helper()
	a := netip.MustParseAddr(addr)
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: a.AsSlice()}, Timeout: 5 * time.Second}
	to := "127.0.0.1"
	if a.Is6() {
		to = "::1"
	}
	conn, err := d.Dial("tcp", net.JoinHostPort(to, itoa(port)))
	if err != nil {
		t.Fatalf("dial from %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &speaker{t: t, conn: conn, addr: a, as: as}
	my := uint16(as)
	if as > 0xffff {
		my = 23456
	}
	caps := []byte{1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1, 2, 0, 65, 4}
	caps = binary.BigEndian.AppendUint32(caps, as)
	open := []byte{4, byte(my >> 8), byte(my), 0, 90}
	id := []byte{10, 0, 0, 6}
	if a.Is4() {
		id = a.AsSlice()
	}
	open = append(open, id...)
	open = append(open, byte(len(caps)+2), 2, byte(len(caps)))
	open = append(open, caps...)
	s.send(message(1, open))
	if typ, _ := s.read(); typ != 1 {
		t.Fatalf("%s: got message type %d, want OPEN", addr, typ)
	}
	s.send(message(4, nil))
	if typ, _ := s.read(); typ != 4 {
		t.Fatalf("%s: got message type %d, want KEEPALIVE", addr, typ)
	}
	return s
}

func (s *speaker) send(m []byte) {
	s.t.Helper()
	if _, err := s.conn.Write(m); err != nil {
		s.t.Fatalf("%s: send: %v", s.addr, err)
	}
}

// read returns the next message's type and body.
func (s *speaker) read() (byte, []byte) {
	s.t.Helper()
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	h := make([]byte, 19)
	if _, err := io.ReadFull(s.conn, h); err != nil {
		s.t.Fatalf("%s: read: %v", s.addr, err)
	}
	body := make([]byte, int(binary.BigEndian.Uint16(h[16:]))-19)
	if _, err := io.ReadFull(s.conn, body); err != nil {
		s.t.Fatalf("%s: read: %v", s.addr, err)
	}
	return h[18], body
}

// update returns an UPDATE announcing prefix (a /24 given by its first
// three bytes) with the given ORIGIN value (0-2 valid).
func (s *speaker) update(origin byte, p [3]byte) []byte {
	attrs := []byte{0x40, 1, 1, origin, 0x40, 2, 6, 2, 1}
	attrs = binary.BigEndian.AppendUint32(attrs, s.as)
	attrs = append(attrs, 0x40, 3, 4)
	attrs = append(attrs, s.addr.AsSlice()...)
	body := binary.BigEndian.AppendUint16([]byte{0, 0}, uint16(len(attrs)))
	body = append(body, attrs...)
	body = append(body, 24, p[0], p[1], p[2])
	return message(2, body)
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestDefaultConfigAndMalformedUpdate runs the collector with no
// configuration: loopback peers with any AS are accepted. One of two
// peers sends a malformed UPDATE (ORIGIN 7, treat-as-withdraw under RFC
// 7606): it is published as received, logged with peer and reason, and
// both sessions keep running.
func TestDefaultConfigAndMalformedUpdate(t *testing.T) {
	c, events, logs, port := startCollector(t, Config{})
	// Each session's first UPDATE waits for its Established event: see
	// the GoBGP race described in TestBirdPeer.
	established := func(s *speaker) {
		events.waitFor(t, s.addr.String()+" Established", 5*time.Second, func(evs []*bus.Event) bool {
			return slices.ContainsFunc(evs, func(e *bus.Event) bool { return e.PeerAddr == s.addr && e.NewState == bus.StateEstablished })
		})
	}
	a := dial(t, "127.0.0.3", port, 65001)
	established(a)
	b := dial(t, "127.0.0.4", port, 4200000002)
	established(b)

	good := a.update(0, [3]byte{192, 0, 2})
	bad := a.update(7, [3]byte{198, 51, 100})
	after := a.update(1, [3]byte{203, 0, 113})
	fromB := b.update(0, [3]byte{100, 64, 1})
	a.send(good)
	a.send(bad)
	b.send(fromB)
	a.send(after)

	evs := events.waitFor(t, "four UPDATEs", 10*time.Second, func(evs []*bus.Event) bool {
		n := 0
		for _, e := range evs {
			if e.MessageType() == 2 {
				n++
			}
		}
		return n == 4
	})
	var fromA [][]byte
	for _, e := range evs {
		if e.MessageType() == 2 && e.PeerAddr == a.addr {
			fromA = append(fromA, e.Message)
			if e.PeerAS != 65001 || !e.AS4 || e.AddPath {
				t.Errorf("event from %s: peer AS %d AS4 %v AddPath %v", e.PeerAddr, e.PeerAS, e.AS4, e.AddPath)
			}
		}
		if e.MessageType() == 2 && e.PeerAddr == b.addr && (!bytes.Equal(e.Message, fromB) || e.PeerAS != 4200000002) {
			t.Errorf("event from %s: AS %d message %x", e.PeerAddr, e.PeerAS, e.Message)
		}
	}
	if len(fromA) != 3 || !bytes.Equal(fromA[0], good) || !bytes.Equal(fromA[1], bad) || !bytes.Equal(fromA[2], after) {
		t.Errorf("messages from %s: %x, want the three sent in order, byte for byte", a.addr, fromA)
	}
	if l := logs.String(); !strings.Contains(l, "treated as withdraw") || !strings.Contains(l, "peer=127.0.0.3") {
		t.Errorf("no log line names the malformed UPDATE's peer and reason")
	}

	// Both sessions are still up: keepalives are answered and GoBGP shows
	// them Established with the valid routes.
	a.send(message(4, nil))
	b.send(message(4, nil))
	peers, err := c.Peers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(peers, func(x, y PeerStatus) int { return x.Address.Compare(y.Address) })
	if len(peers) != 2 || peers[0].State != "ESTABLISHED" || peers[1].State != "ESTABLISHED" ||
		peers[0].Accepted != 2 || peers[1].Accepted != 1 || peers[1].AS != 4200000002 {
		t.Errorf("peers %+v", peers)
	}
	if v := metricValue(t, c.m.sessionsUp); v != 2 {
		t.Errorf("sessions up %v", v)
	}
	if v := metricValue(t, c.m.updates.WithLabelValues("127.0.0.3")); v != 3 {
		t.Errorf("updates from 127.0.0.3: %v, want 3", v)
	}
}

// TestUnknownPeerRefused checks that a connection from an address that is
// no neighbour is refused, logged and counted.
func TestUnknownPeerRefused(t *testing.T) {
	c, events, logs, port := startCollector(t, Config{
		Neighbors: []Neighbor{{Address: "127.0.0.2", PeerAS: 64496, Passive: true}},
	})
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 9)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := conn.Read(make([]byte, 1)); err == nil {
		t.Fatalf("unknown peer's connection gave %d bytes, want it closed", n)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "refused BGP connection from unknown peer"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no log line for the refused connection")
		}
	}
	if l := logs.String(); !strings.Contains(l, "peer=127.0.0.9") {
		t.Errorf("refusal log does not name the peer")
	}
	if v := metricValue(t, c.m.refused); v != 1 {
		t.Errorf("refused connections %v, want 1", v)
	}
	for _, e := range events.snapshot() {
		if e.PeerAddr == netip.MustParseAddr("127.0.0.9") {
			t.Errorf("event for the refused peer: %+v", e)
		}
	}
}

// TestMaxPrefixShutdown checks the shutdown max-prefix action: past the
// limit the collector sends Cease/Maximum Number of Prefixes Reached,
// counts and logs it, and disables the peer, which then cannot reconnect.
func TestMaxPrefixShutdown(t *testing.T) {
	c, events, logs, port := startCollector(t, Config{
		Neighbors: []Neighbor{{Address: "127.0.0.5", PeerAS: 64500, Passive: true, MaxPrefixes: 2, MaxPrefixAction: MaxPrefixShutdown}},
	})
	s := dial(t, "127.0.0.5", port, 64500)
	events.waitFor(t, "Established", 5*time.Second, func(evs []*bus.Event) bool {
		return slices.ContainsFunc(evs, func(e *bus.Event) bool { return e.NewState == bus.StateEstablished })
	})
	for i := range 3 {
		s.send(s.update(0, [3]byte{10, 0, byte(i)}))
	}
	for {
		typ, body := s.read()
		if typ == 4 {
			continue
		}
		if typ != 3 || len(body) < 2 || body[0] != 6 || body[1] != 1 {
			t.Fatalf("got message type %d %x, want NOTIFICATION 6/1", typ, body)
		}
		break
	}
	evs := events.waitFor(t, "session end", 5*time.Second, func(evs []*bus.Event) bool {
		return slices.ContainsFunc(evs, func(e *bus.Event) bool { return e.OldState == bus.StateEstablished })
	})
	down := evs[slices.IndexFunc(evs, func(e *bus.Event) bool { return e.OldState == bus.StateEstablished })]
	if !strings.Contains(down.Reason, "sent NOTIFICATION 6/1") {
		t.Errorf("down reason %q", down.Reason)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "peer disabled after exceeding its prefix limit"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("peer not disabled")
		}
	}
	if v := metricValue(t, c.m.notifications.WithLabelValues("127.0.0.5", "sent")); v != 1 {
		t.Errorf("sent notifications %v, want 1", v)
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 5)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := conn.Read(make([]byte, 1)); err == nil {
		t.Errorf("disabled peer's new connection gave %d bytes, want it closed", n)
	}
}

// TestIPv6Session runs an IPv6 session over ::1 (accepted by the default
// ::1/128 range) announcing an IPv6 prefix in MP_REACH_NLRI.
func TestIPv6Session(t *testing.T) {
	_, events, _, port := startCollector(t, Config{ListenAddresses: []string{"::1"}})
	s := dial(t, "::1", port, 64510)
	events.waitFor(t, "Established", 5*time.Second, func(evs []*bus.Event) bool {
		return slices.ContainsFunc(evs, func(e *bus.Event) bool { return e.NewState == bus.StateEstablished })
	})
	mp := []byte{0, 2, 1, 16}
	mp = append(mp, netip.MustParseAddr("2001:db8::1").AsSlice()...)
	mp = append(mp, 0, 32, 0x20, 0x01, 0x0d, 0xb8)
	attrs := []byte{0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfb, 0xfe, 0x80, 14, byte(len(mp))}
	attrs = append(attrs, mp...)
	body := binary.BigEndian.AppendUint16([]byte{0, 0}, uint16(len(attrs)))
	msg := message(2, append(body, attrs...))
	s.send(msg)
	evs := events.waitFor(t, "the UPDATE", 5*time.Second, func(evs []*bus.Event) bool {
		return slices.ContainsFunc(evs, func(e *bus.Event) bool { return e.MessageType() == 2 })
	})
	ev := evs[slices.IndexFunc(evs, func(e *bus.Event) bool { return e.MessageType() == 2 })]
	if !bytes.Equal(ev.Message, msg) || ev.PeerAddr != netip.IPv6Loopback() || ev.LocalAddr != netip.IPv6Loopback() || ev.PeerAS != 64510 {
		t.Fatalf("event: peer %s local %s AS %d message %x", ev.PeerAddr, ev.LocalAddr, ev.PeerAS, ev.Message)
	}
	m := decode(t, ev)
	if r := m.Attrs.ReachFor(2, 1); r == nil || len(r.Prefixes) != 1 || r.Prefixes[0].String() != "2001:db8::/32" {
		t.Errorf("MP_REACH_NLRI %+v", r)
	}
}
