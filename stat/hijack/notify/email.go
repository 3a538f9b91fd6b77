package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"time"
)

// TLS modes of an Email channel.
const (
	// TLSStartTLS upgrades the connection with STARTTLS when the server
	// offers it (the default).
	TLSStartTLS = "starttls"
	// TLSNone never uses TLS.
	TLSNone = "none"
	// TLSImplicit speaks TLS from the start (SMTPS, usually port 465).
	TLSImplicit = "implicit"
)

// subjectLimit caps the subject, in bytes before encoding, so that its
// header stays far below the 998-byte line limit of RFC 5322.
const subjectLimit = 250

// EmailConfig configures an Email channel.
type EmailConfig struct {
	// Name names the channel in logs, errors and metrics.
	Name string
	// SMTP is the server's host:port.
	SMTP string
	// From is the sender address (RFC 5322, e.g. "routestat
	// <noc@example.net>"); To the recipients, at least one.
	From string
	To   []string
	// Username and Password, when set, authenticate with PLAIN, which
	// net/smtp allows only over TLS or to localhost.
	Username string
	Password string
	// TLS is TLSStartTLS (default), TLSNone or TLSImplicit.
	TLS string
	// InsecureSkipVerify accepts any server certificate.
	InsecureSkipVerify bool
	// Timeout bounds one whole SMTP session (default DefaultTimeout).
	Timeout time.Duration
}

// Email sends each notification as a plain-text mail through an SMTP
// server. It is safe for concurrent use: each Send is one SMTP session.
type Email struct {
	name     string
	addr     string // host:port
	host     string
	from     *mail.Address
	to       []*mail.Address
	username string
	password string
	tlsMode  string
	tlsConf  *tls.Config
	timeout  time.Duration
	helo     string
}

// NewEmail checks cfg and makes the channel.
func NewEmail(cfg EmailConfig) (*Email, error) {
	e, err := newEmail(cfg)
	if err != nil {
		return nil, fmt.Errorf("email %q: %w", cfg.Name, err)
	}
	return e, nil
}

func newEmail(cfg EmailConfig) (*Email, error) {
	if cfg.SMTP == "" {
		return nil, errors.New("smtp: required (host:port)")
	}
	host, port, err := net.SplitHostPort(cfg.SMTP)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 || host == "" {
		return nil, fmt.Errorf("smtp: %q is not host:port", cfg.SMTP)
	}
	if cfg.From == "" {
		return nil, errors.New("from: required")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("from: %q: %w", cfg.From, err)
	}
	if len(cfg.To) == 0 {
		return nil, errors.New("to: at least one recipient required")
	}
	to := make([]*mail.Address, len(cfg.To))
	for i, s := range cfg.To {
		if to[i], err = mail.ParseAddress(s); err != nil {
			return nil, fmt.Errorf("to[%d]: %q: %w", i, s, err)
		}
	}
	if cfg.Username == "" && cfg.Password != "" {
		return nil, errors.New("username: required with password")
	}
	if cfg.Username != "" && cfg.Password == "" {
		return nil, errors.New("password: required with username")
	}
	mode := cfg.TLS
	switch mode {
	case "":
		mode = TLSStartTLS
	case TLSStartTLS, TLSNone, TLSImplicit:
	default:
		return nil, fmt.Errorf("tls: %q is not %s, %s or %s", cfg.TLS, TLSStartTLS, TLSNone, TLSImplicit)
	}
	if mode == TLSNone && cfg.InsecureSkipVerify {
		return nil, errors.New("insecure_skip_verify: needs tls starttls or implicit")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("timeout: %v is negative", cfg.Timeout)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	helo, err := os.Hostname()
	if err != nil || helo == "" || strings.ContainsFunc(helo, func(r rune) bool { return r <= ' ' || r > '~' }) {
		helo = "localhost"
	}
	return &Email{
		name: cfg.Name, addr: cfg.SMTP, host: host, from: from, to: to,
		username: cfg.Username, password: cfg.Password, tlsMode: mode,
		tlsConf: &tls.Config{ServerName: host, InsecureSkipVerify: cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12},
		timeout: timeout, helo: helo,
	}, nil
}

// Name implements Channel.
func (e *Email) Name() string { return e.name }

// Send implements Channel: one SMTP session delivers n to every
// recipient.
func (e *Email) Send(ctx context.Context, n Notification) error {
	if err := e.deliver(ctx, e.message(&n, time.Now())); err != nil {
		return fmt.Errorf("email %q: smtp %s: %w", e.name, e.addr, err)
	}
	return nil
}

// deliver runs one SMTP session that sends msg.
func (e *Email) deliver(ctx context.Context, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", e.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Closing the connection unblocks whatever step waits when ctx ends.
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	dl, _ := ctx.Deadline()
	if err := conn.SetDeadline(dl); err != nil {
		return err
	}
	var sc net.Conn = conn
	if e.tlsMode == TLSImplicit {
		tc := tls.Client(conn, e.tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		sc = tc
	}
	c, err := smtp.NewClient(sc, e.host)
	if err != nil {
		return e.failed(ctx, "greeting", err)
	}
	if err := c.Hello(e.helo); err != nil {
		return e.failed(ctx, "EHLO", err)
	}
	if e.tlsMode == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(e.tlsConf); err != nil {
				return e.failed(ctx, "STARTTLS", err)
			}
		}
	}
	if e.username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("AUTH: the server offers no authentication (on this connection)")
		}
		if err := c.Auth(smtp.PlainAuth("", e.username, e.password, e.host)); err != nil {
			return e.failed(ctx, "AUTH", err)
		}
	}
	if err := c.Mail(e.from.Address); err != nil {
		return e.failed(ctx, "MAIL FROM", err)
	}
	for _, to := range e.to {
		if err := c.Rcpt(to.Address); err != nil {
			return e.failed(ctx, "RCPT TO "+to.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return e.failed(ctx, "DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return e.failed(ctx, "DATA", err)
	}
	if err := w.Close(); err != nil {
		return e.failed(ctx, "DATA", err)
	}
	if err := c.Quit(); err != nil {
		return e.failed(ctx, "QUIT", err)
	}
	return nil
}

// failed wraps the error of an SMTP step, naming ctx's end as the cause
// when it cut the session short.
func (e *Email) failed(ctx context.Context, step string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w (%w)", step, context.Cause(ctx), err)
	}
	return fmt.Errorf("%s: %w", step, err)
}

// message is the mail of n, sent at now.
func (e *Email) message(n *Notification, now time.Time) []byte {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	to := make([]string, len(e.to))
	for i, a := range e.to {
		to[i] = a.String()
	}
	subject := truncate(oneLine("[routestat] "+n.Event+": "+n.Title), subjectLimit)
	header("From", e.from.String())
	header("To", strings.Join(to, ",\r\n "))
	// Fold between encoded words; unfolding restores the space.
	header("Subject", strings.ReplaceAll(mime.QEncoding.Encode("utf-8", subject), "?= =?", "?=\r\n =?"))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", e.messageID(now))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("X-Routestat-Event", mime.QEncoding.Encode("utf-8", truncate(oneLine(n.Event), 64)))
	header("X-Routestat-Incident", mime.QEncoding.Encode("utf-8", truncate(oneLine(n.IncidentID), 200)))
	b.WriteString("\r\n")

	var body strings.Builder
	body.WriteString(n.Why + "\n\n")
	field := func(k, v string) { fmt.Fprintf(&body, "%-9s %s\n", k+":", v) }
	field("Event", n.Event)
	field("Severity", n.Severity)
	field("Group", n.group())
	field("Incident", n.IncidentID)
	field("Time", n.Time.UTC().Format(time.RFC3339))
	if n.Link != "" {
		field("Link", n.Link)
	}
	body.WriteString("\n-- \nroutestat hijack detection\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(body.String())) // writes to a bytes.Buffer cannot fail
	qp.Close()
	return b.Bytes()
}

// messageID is a fresh Message-ID in the sender's domain.
func (e *Email) messageID(now time.Time) string {
	var r [12]byte
	rand.Read(r[:]) // never fails (crypto/rand panics instead)
	domain := e.from.Address[strings.LastIndexByte(e.from.Address, '@')+1:]
	return fmt.Sprintf("<%d.%s@%s>", now.Unix(), hex.EncodeToString(r[:]), oneLine(domain))
}
