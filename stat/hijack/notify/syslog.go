package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Syslog severities (RFC 5424, section 6.2.1) used by the channel.
const (
	sevCrit    = 2
	sevErr     = 3
	sevWarning = 4
	sevNotice  = 5
	sevInfo    = 6
)

// syslogFacilities are the facility codes by name (RFC 5424, 6.2.1).
var syslogFacilities = map[string]int{
	"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6,
	"news": 7, "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11,
	"local0": 16, "local1": 17, "local2": 18, "local3": 19,
	"local4": 20, "local5": 21, "local6": 22, "local7": 23,
}

// sdID is the SD-ID of the structured data element: "routestat" under a
// private enterprise number.
const sdID = "routestat@32473"

// defaultSyslogSocket is the local syslog socket of a "unix" channel
// without an address.
const defaultSyslogSocket = "/dev/log"

// SyslogConfig configures a Syslog channel.
type SyslogConfig struct {
	// Name names the channel in logs, errors and metrics.
	Name string
	// Network is "udp" (default), "tcp" (octet-counting framing, RFC
	// 6587) or "unix" (a datagram or stream socket).
	Network string
	// Address is host:port, or the socket's path for "unix" (default
	// /dev/log).
	Address string
	// Facility is a facility name such as "daemon" (default) or "local0".
	Facility string
	// Tag is the APP-NAME (default "routestat").
	Tag string
	// Timeout bounds connecting and each write (default DefaultTimeout).
	Timeout time.Duration
}

// Syslog sends each notification as one RFC 5424 message. It keeps one
// connection, and reconnects when a write fails or a stream's peer has
// closed it. It is safe for concurrent use.
type Syslog struct {
	name     string
	network  string
	address  string
	facility int
	appName  string
	hostname string
	procID   string
	timeout  time.Duration

	mu     sync.Mutex
	conn   net.Conn
	stream bool // conn needs framing
}

// NewSyslog checks cfg and makes the channel; it connects on the first
// Send.
func NewSyslog(cfg SyslogConfig) (*Syslog, error) {
	s, err := newSyslog(cfg)
	if err != nil {
		return nil, fmt.Errorf("syslog %q: %w", cfg.Name, err)
	}
	return s, nil
}

func newSyslog(cfg SyslogConfig) (*Syslog, error) {
	s := &Syslog{name: cfg.Name, network: cfg.Network, address: cfg.Address, timeout: cfg.Timeout}
	switch s.network {
	case "":
		s.network = "udp"
		fallthrough
	case "udp", "tcp":
		if s.address == "" {
			return nil, fmt.Errorf("address: required (host:port) for network %s", s.network)
		}
		host, port, err := net.SplitHostPort(s.address)
		if err != nil {
			return nil, fmt.Errorf("address: %w", err)
		}
		if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 || host == "" {
			return nil, fmt.Errorf("address: %q is not host:port", s.address)
		}
	case "unix":
		if s.address == "" {
			s.address = defaultSyslogSocket
		}
	default:
		return nil, fmt.Errorf("network: %q is not udp, tcp or unix", cfg.Network)
	}
	facility := cfg.Facility
	if facility == "" {
		facility = "daemon"
	}
	f, ok := syslogFacilities[facility]
	if !ok {
		return nil, fmt.Errorf("facility: %q is not one of %s", cfg.Facility, strings.Join(facilityNames(), ", "))
	}
	s.facility = f
	s.appName = "routestat"
	if cfg.Tag != "" {
		if len(cfg.Tag) > 48 || strings.ContainsFunc(cfg.Tag, notPrintASCII) {
			return nil, fmt.Errorf("tag: %q is not 1 to 48 printable ASCII characters without spaces", cfg.Tag)
		}
		s.appName = cfg.Tag
	}
	if s.timeout < 0 {
		return nil, fmt.Errorf("timeout: %v is negative", s.timeout)
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	host, _ := os.Hostname()
	s.hostname = headerField(host, 255)
	s.procID = strconv.Itoa(os.Getpid())
	return s, nil
}

// Name implements Channel.
func (s *Syslog) Name() string { return s.name }

// Send implements Channel. A failed write is retried once on a new
// connection.
func (s *Syslog) Send(ctx context.Context, n Notification) error {
	msg := s.format(&n, time.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.write(ctx, msg)
	if err != nil && ctx.Err() == nil {
		s.disconnect()
		err = s.write(ctx, msg)
	}
	if err != nil {
		s.disconnect()
		return fmt.Errorf("syslog %q: %s %s: %w", s.name, s.network, s.address, err)
	}
	return nil
}

// Close closes the connection; a later Send opens a new one.
func (s *Syslog) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disconnect()
}

// disconnect closes the connection, if any.
func (s *Syslog) disconnect() error {
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// write sends one message, connecting first if needed.
func (s *Syslog) write(ctx context.Context, msg []byte) error {
	if s.conn != nil && s.stream && !alive(s.conn) {
		s.disconnect()
	}
	if s.conn == nil {
		if err := s.connect(ctx); err != nil {
			return err
		}
	}
	dl := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	if err := s.conn.SetWriteDeadline(dl); err != nil {
		return err
	}
	if s.stream {
		msg = append([]byte(strconv.Itoa(len(msg))+" "), msg...)
	}
	_, err := s.conn.Write(msg)
	return err
}

// connect dials the server; "unix" tries a datagram socket first, as
// /dev/log usually is one, then a stream socket.
func (s *Syslog) connect(ctx context.Context) error {
	d := net.Dialer{Timeout: s.timeout}
	networks := []string{s.network}
	if s.network == "unix" {
		networks = []string{"unixgram", "unix"}
	}
	var errs []error
	for _, nw := range networks {
		c, err := d.DialContext(ctx, nw, s.address)
		if err == nil {
			s.conn, s.stream = c, nw == "tcp" || nw == "unix"
			return nil
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// alive reports whether a stream connection's peer has not closed it. A
// syslog server never sends, so a short read that does not time out
// means end of stream or a broken connection.
func alive(c net.Conn) bool {
	if err := c.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
		return false
	}
	var b [1]byte
	_, err := c.Read(b[:])
	var ne net.Error
	return err == nil || errors.As(err, &ne) && ne.Timeout()
}

// syslogSeverity maps n to a syslog severity: resolved is a notice,
// other events follow the incident's severity.
func syslogSeverity(n *Notification) int {
	if n.Event == EventResolved {
		return sevNotice
	}
	switch n.Severity {
	case SeverityCritical:
		return sevCrit
	case SeverityHigh:
		return sevErr
	case SeverityWarning:
		return sevWarning
	}
	return sevInfo
}

// format renders n as an RFC 5424 message stamped now.
func (s *Syslog) format(n *Notification, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<%d>1 %s %s %s %s %s [%s", s.facility*8+syslogSeverity(n),
		now.UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
		s.hostname, s.appName, s.procID, headerField(n.Event, 32), sdID)
	for _, p := range [][2]string{{"incident", n.IncidentID}, {"group", n.group()}, {"severity", n.Severity}} {
		b.WriteString(" " + p[0] + `="` + sdEscaper.Replace(oneLine(p[1])) + `"`)
	}
	b.WriteString("]")
	msg := oneLine(n.Title + ": " + n.Why)
	if strings.ContainsFunc(msg, func(r rune) bool { return r > '~' }) {
		// MSG-UTF8 starts with a BOM (RFC 5424, section 6.4).
		msg = "\uFEFF" + msg
	}
	b.WriteString(" " + msg)
	return b.Bytes()
}

// sdEscaper escapes a PARAM-VALUE (RFC 5424, section 6.3.3).
var sdEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`)

// notPrintASCII reports whether r is outside PRINTUSASCII (%d33-126).
func notPrintASCII(r rune) bool { return r < '!' || r > '~' }

// headerField makes s a valid header field of at most max characters:
// characters outside PRINTUSASCII become '_', and empty is NILVALUE.
func headerField(s string, max int) string {
	if s == "" {
		return "-"
	}
	b := []byte(strings.Map(func(r rune) rune {
		if notPrintASCII(r) {
			return '_'
		}
		return r
	}, s))
	return string(b[:min(len(b), max)])
}

// facilityNames lists the facility names, for error messages.
func facilityNames() []string {
	names := make([]string, 0, len(syslogFacilities))
	for k := range syslogFacilities {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
