package notify

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rfc5424 is a parsed RFC 5424 message.
type rfc5424 struct {
	pri                                         int
	version                                     string
	timestamp                                   time.Time
	hostname, appName, procID, msgID, sdID, msg string
	params                                      map[string]string
}

// parse5424 parses one message strictly enough to catch bad escaping: the
// structured data must be exactly one element.
func parse5424(s string) (m rfc5424, err error) {
	if !strings.HasPrefix(s, "<") {
		return m, fmt.Errorf("no PRI in %q", s)
	}
	end := strings.IndexByte(s, '>')
	if m.pri, err = strconv.Atoi(s[1:end]); err != nil {
		return m, fmt.Errorf("PRI: %w", err)
	}
	f := strings.SplitN(s[end+1:], " ", 7)
	if len(f) != 7 {
		return m, fmt.Errorf("too few header fields in %q", s)
	}
	m.version, m.hostname, m.appName, m.procID, m.msgID = f[0], f[2], f[3], f[4], f[5]
	if m.timestamp, err = time.Parse(time.RFC3339Nano, f[1]); err != nil {
		return m, fmt.Errorf("TIMESTAMP: %w", err)
	}
	rest := f[6]
	if !strings.HasPrefix(rest, "[") {
		return m, fmt.Errorf("no structured data in %q", rest)
	}
	rest = rest[1:]
	sp := strings.IndexByte(rest, ' ')
	m.sdID, rest = rest[:sp], rest[sp+1:]
	m.params = map[string]string{}
	for {
		eq := strings.Index(rest, `="`)
		if eq < 0 {
			return m, fmt.Errorf("bad SD-PARAM in %q", rest)
		}
		name := rest[:eq]
		rest = rest[eq+2:]
		var v strings.Builder
		i := 0
		for ; i < len(rest) && rest[i] != '"'; i++ {
			if rest[i] == ']' {
				return m, fmt.Errorf("unescaped ] in the value of %s", name)
			}
			if rest[i] == '\\' && i+1 < len(rest) && strings.IndexByte(`"\]`, rest[i+1]) >= 0 {
				i++
			}
			v.WriteByte(rest[i])
		}
		if i == len(rest) {
			return m, fmt.Errorf("unterminated value of %s", name)
		}
		m.params[name] = v.String()
		rest = rest[i+1:]
		if strings.HasPrefix(rest, "]") {
			rest = rest[1:]
			break
		}
		if !strings.HasPrefix(rest, " ") {
			return m, fmt.Errorf("junk after the value of %s: %q", name, rest)
		}
		rest = rest[1:]
	}
	if !strings.HasPrefix(rest, " ") {
		return m, fmt.Errorf("no space before MSG: %q", rest)
	}
	m.msg = strings.TrimPrefix(rest[1:], "\uFEFF")
	return m, nil
}

// udpSink receives syslog datagrams.
func udpSink(t *testing.T) (addr string, next func() string) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String(), func() string {
		t.Helper()
		buf := make([]byte, 64<<10)
		pc.SetReadDeadline(time.Now().Add(waitTimeout))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("reading a datagram: %v", err)
		}
		return string(buf[:n])
	}
}

func TestSyslogUDP(t *testing.T) {
	addr, next := udpSink(t)
	s, err := NewSyslog(SyslogConfig{Name: "log", Address: addr, Facility: "local3"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	host, _ := os.Hostname()
	tests := []struct {
		event, severity string
		wantPRI         int
	}{
		{EventOpened, SeverityCritical, 19*8 + 2},
		{EventUpdated, SeverityHigh, 19*8 + 3},
		{EventReopened, SeverityWarning, 19*8 + 4},
		{EventOpened, SeverityInfo, 19*8 + 6},
		{EventResolved, SeverityCritical, 19*8 + 5},
		{EventAcknowledged, SeverityHigh, 19*8 + 3},
	}
	for _, tc := range tests {
		n := youtube()
		n.Event, n.Severity = tc.event, tc.severity
		n.IncidentID = `inc "7" [x] \ y`
		n.Group = `g]"\`
		n.Why = `AS17557 says "hello" ] and \ back`
		before := time.Now()
		if err := s.Send(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		raw := next()
		m, err := parse5424(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if m.pri != tc.wantPRI || m.version != "1" || m.appName != "routestat" || m.msgID != tc.event ||
			m.procID != strconv.Itoa(os.Getpid()) || m.hostname != headerField(host, 255) {
			t.Errorf("%s/%s: header %+v, want PRI %d", tc.event, tc.severity, m, tc.wantPRI)
		}
		if m.timestamp.Before(before.Add(-time.Second)) || m.timestamp.Location() != time.UTC {
			t.Errorf("timestamp %v", m.timestamp)
		}
		wantSD := map[string]string{"incident": n.IncidentID, "group": n.Group, "severity": tc.severity}
		if m.sdID != "routestat@32473" || fmt.Sprint(m.params) != fmt.Sprint(wantSD) {
			t.Errorf("structured data %s %v, want %v in\n%s", m.sdID, m.params, wantSD, raw)
		}
		if want := n.Title + ": " + n.Why; m.msg != want {
			t.Errorf("MSG %q, want %q", m.msg, want)
		}
	}
}

func TestSyslogMessageIsOneLine(t *testing.T) {
	s, err := NewSyslog(SyslogConfig{Name: "log", Address: "127.0.0.1:514", Tag: "bgp-noc"})
	if err != nil {
		t.Fatal(err)
	}
	n := youtube()
	n.Event = "opened by\nsomeone"
	n.Title = "Détournement\r\nfake: line"
	raw := string(s.format(&n, time.Now()))
	m, err := parse5424(raw)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(raw, "\r\n") || m.appName != "bgp-noc" || m.msgID != "opened_by_someone" ||
		!strings.HasPrefix(m.msg, "Détournement  fake: line: ") || !strings.Contains(raw, "] \uFEFFDétournement") {
		t.Errorf("message %q", raw)
	}
}

// tcpSink accepts syslog connections on a fixed address and parses
// octet-counted frames.
type tcpSink struct {
	t      *testing.T
	l      net.Listener
	frames chan string
	conns  chan net.Conn
}

func newTCPSink(t *testing.T, addr string) *tcpSink {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	k := &tcpSink{t: t, l: l, frames: make(chan string, 16), conns: make(chan net.Conn, 16)}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			k.conns <- c
			go k.read(c)
		}
	}()
	return k
}

// read parses "LEN SP MSG" frames (RFC 6587, 3.4.1) until the peer or
// the sink closes.
func (k *tcpSink) read(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		lenField, err := r.ReadString(' ')
		if err != nil {
			return
		}
		n, err := strconv.Atoi(strings.TrimSuffix(lenField, " "))
		if err != nil || n <= 0 {
			k.frames <- "BAD FRAME LENGTH " + lenField
			return
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		k.frames <- string(buf)
	}
}

func (k *tcpSink) next() string {
	k.t.Helper()
	select {
	case f := <-k.frames:
		return f
	case <-time.After(waitTimeout):
		k.t.Fatal("no syslog frame arrived")
		return ""
	}
}

// stop closes the listener and every accepted connection.
func (k *tcpSink) stop() {
	k.l.Close()
	for {
		select {
		case c := <-k.conns:
			c.Close()
		default:
			return
		}
	}
}

func TestSyslogTCP(t *testing.T) {
	sink := newTCPSink(t, "127.0.0.1:0")
	addr := sink.l.Addr().String()
	s, err := NewSyslog(SyslogConfig{Name: "log", Network: "tcp", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	send := func(id string) {
		t.Helper()
		n := youtube()
		n.IncidentID = id
		n.Why = "multi\nline ] \" \\ why"
		if err := s.Send(context.Background(), n); err != nil {
			t.Fatalf("send %s: %v", id, err)
		}
	}
	expect := func(k *tcpSink, id string) {
		t.Helper()
		raw := k.next()
		m, err := parse5424(raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if m.params["incident"] != id || m.pri != 3*8+2 || m.msg != youtube().Title+": multi line ] \" \\ why" {
			t.Errorf("got %+v, want incident %s, PRI 26", m, id)
		}
	}
	// Octet counting keeps back-to-back messages apart.
	send("a")
	send("b")
	expect(sink, "a")
	expect(sink, "b")

	// The server restarts: the next message goes to the new one.
	sink.stop()
	sink = newTCPSink(t, addr)
	send("c")
	expect(sink, "c")

	// While the server is down Send fails; once it is back, Send works.
	sink.stop()
	n := youtube()
	if err := s.Send(context.Background(), n); err == nil || !strings.Contains(err.Error(), `syslog "log": tcp `+addr) {
		t.Errorf("send to a stopped server: error %v", err)
	}
	sink = newTCPSink(t, addr)
	defer sink.stop()
	send("d")
	expect(sink, "d")
}

func TestSyslogUnixgram(t *testing.T) {
	dir, err := os.MkdirTemp("", "syslog")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "log.sock")
	pc, err := net.ListenPacket("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := NewSyslog(SyslogConfig{Name: "local", Network: "unix", Address: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), youtube()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8192)
	pc.SetReadDeadline(time.Now().Add(waitTimeout))
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := parse5424(string(buf[:n])); err != nil || m.params["incident"] != "inc-2008-02-24-1" {
		t.Errorf("got %q (%v)", buf[:n], err)
	}
}
