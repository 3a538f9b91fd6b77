package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sentMail is one message an smtpSink accepted.
type sentMail struct {
	from string
	to   []string
	data []byte
	tls  bool   // the session was encrypted
	user string // the authenticated user, if any
}

// smtpSink is a real SMTP server (go-smtp) that keeps what it accepts.
type smtpSink struct {
	addr     string
	mu       sync.Mutex
	mails    []sentMail
	password string // of user "noc"
	reject   string // a recipient refused with 550
}

// smtpSession is one SMTP session of an smtpSink.
type smtpSession struct {
	sink *smtpSink
	conn *smtp.Conn
	cur  sentMail
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != "noc" || password != s.sink.password {
			return errors.New("invalid username or password")
		}
		s.cur.user = username
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.sink.reject {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.sink.mu.Lock()
	s.sink.mails = append(s.sink.mails, s.cur)
	s.sink.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.cur = sentMail{user: s.cur.user} }
func (s *smtpSession) Logout() error { return nil }

// sinkOptions configure a test SMTP server.
type sinkOptions struct {
	startTLS     bool // offer STARTTLS
	implicitTLS  bool // speak TLS from the start
	insecureAuth bool // allow AUTH without TLS
}

// newSMTPSink runs a go-smtp server on 127.0.0.1 with a self-signed
// certificate for its TLS modes.
func newSMTPSink(t *testing.T, o sinkOptions) *smtpSink {
	t.Helper()
	sink := &smtpSink{password: "hunter2"}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{sink: sink, conn: c}, nil
	}))
	srv.Domain = "mx.example.net"
	srv.AllowInsecureAuth = o.insecureAuth
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = waitTimeout, waitTimeout
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.startTLS || o.implicitTLS {
		cfg := &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
		if o.startTLS {
			srv.TLSConfig = cfg
		} else {
			l = tls.NewListener(l, cfg)
		}
	}
	sink.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return sink
}

func (s *smtpSink) received() []sentMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sentMail(nil), s.mails...)
}

// selfSigned makes a certificate for 127.0.0.1 signed by itself.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.example.net"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"mx.example.net"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// parsedMail is a received message, headers and decoded body.
type parsedMail struct {
	raw    string
	header mail.Header
	body   string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("unparsable message: %v\n%s", err, data)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return parsedMail{raw: string(data), header: m.Header, body: string(body)}
}

func (p parsedMail) subject(t *testing.T) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject %q: %v", p.header.Get("Subject"), err)
	}
	return s
}

func TestEmailMessage(t *testing.T) {
	sink := newSMTPSink(t, sinkOptions{})
	e, err := NewEmail(EmailConfig{
		Name: "noc-mail", SMTP: sink.addr, From: "routestat <noc@example.net>",
		To: []string{"oncall@example.net", "Network Team <net@example.org>"},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := youtube()
	if err := e.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	mails := sink.received()
	if len(mails) != 1 {
		t.Fatalf("got %d mails, want 1", len(mails))
	}
	m := mails[0]
	if m.from != "noc@example.net" || strings.Join(m.to, ",") != "oncall@example.net,net@example.org" {
		t.Errorf("envelope MAIL FROM %q RCPT TO %q", m.from, m.to)
	}
	p := parseMail(t, m.data)
	for k, want := range map[string]string{
		"From":                      `"routestat" <noc@example.net>`,
		"To":                        `<oncall@example.net>, "Network Team" <net@example.org>`,
		"Subject":                   "[routestat] opened: Sub-prefix hijack of 208.65.152.0/22 by AS17557",
		"Mime-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"X-Routestat-Event":         "opened",
		"X-Routestat-Incident":      "inc-2008-02-24-1",
	} {
		if got := p.header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if d, err := p.header.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %q (%v), want about now", p.header.Get("Date"), err)
	}
	if id := p.header.Get("Message-Id"); !regexp.MustCompile(`^<\d+\.[0-9a-f]{24}@example\.net>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	for _, want := range []string{
		n.Why + "\r\n\r\n",
		"Event:    opened\r\n", "Severity: critical\r\n", "Group:    noc\r\n",
		"Incident: inc-2008-02-24-1\r\n", "Time:     2008-02-24T18:47:45Z\r\n", "Link:     " + n.Link + "\r\n",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("body lacks %q:\n%s", want, p.body)
		}
	}
	// Every line of the raw message is CRLF-terminated and short.
	for i, line := range strings.Split(strings.TrimSuffix(p.raw, "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") || len(line) > 998 {
			t.Errorf("raw line %d is malformed: %q", i, line)
		}
	}
}

func TestEmailSubjects(t *testing.T) {
	sink := newSMTPSink(t, sinkOptions{})
	e, err := NewEmail(EmailConfig{Name: "m", SMTP: sink.addr, From: "noc@example.net", To: []string{"oncall@example.net"}})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("détournement ", 40)
	tests := []struct {
		name, title, want string
		wantEncoded       bool
	}{
		{name: "non-ASCII", title: "Détournement de 208.65.152.0/22 par AS17557 — ünïcødé",
			want: "[routestat] opened: Détournement de 208.65.152.0/22 par AS17557 — ünïcødé", wantEncoded: true},
		{name: "long non-ASCII is cut and folded", title: long,
			want: truncate("[routestat] opened: "+long, subjectLimit), wantEncoded: true},
		{name: "CR LF cannot inject headers", title: "hijack\r\nBcc: evil@example.com\r\nX-Injected: yes\n\nbody",
			want: "[routestat] opened: hijack  Bcc: evil@example.com  X-Injected: yes  body"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := youtube()
			n.Title = tc.title
			n.IncidentID = "id\r\nX-Injected: also"
			n.Event = "opened"
			if err := e.Send(context.Background(), n); err != nil {
				t.Fatal(err)
			}
			mails := sink.received()
			if len(mails) != i+1 {
				t.Fatalf("got %d mails, want %d", len(mails), i+1)
			}
			m := mails[i]
			if strings.Join(m.to, ",") != "oncall@example.net" {
				t.Errorf("RCPT TO %q", m.to)
			}
			p := parseMail(t, m.data)
			if got := p.subject(t); got != tc.want {
				t.Errorf("subject\n got %q\nwant %q", got, tc.want)
			}
			if enc := strings.Contains(p.header.Get("Subject"), "=?utf-8?q?"); enc != tc.wantEncoded {
				t.Errorf("subject %q: RFC 2047-encoded %v, want %v", p.header.Get("Subject"), enc, tc.wantEncoded)
			}
			for _, k := range []string{"Bcc", "X-Injected"} {
				if v, ok := p.header[k]; ok {
					t.Errorf("injected header %s: %q", k, v)
				}
			}
			if got := p.header.Get("X-Routestat-Incident"); got != "id  X-Injected: also" {
				t.Errorf("X-Routestat-Incident %q", got)
			}
			for j, line := range strings.Split(p.raw, "\r\n") {
				if len(line) > 998 {
					t.Errorf("raw line %d has %d bytes", j, len(line))
				}
			}
		})
	}
}

func TestEmailTLSAndAuth(t *testing.T) {
	tests := []struct {
		name     string
		sink     sinkOptions
		cfg      EmailConfig
		wantErr  string
		wantTLS  bool
		wantUser string
	}{
		{
			name:    "STARTTLS with self-signed certificate and auth",
			sink:    sinkOptions{startTLS: true},
			cfg:     EmailConfig{TLS: TLSStartTLS, InsecureSkipVerify: true, Username: "noc", Password: "hunter2"},
			wantTLS: true, wantUser: "noc",
		},
		{
			name:    "STARTTLS is the default",
			sink:    sinkOptions{startTLS: true},
			cfg:     EmailConfig{InsecureSkipVerify: true},
			wantTLS: true,
		},
		{
			name:    "STARTTLS verifies the certificate",
			sink:    sinkOptions{startTLS: true},
			cfg:     EmailConfig{},
			wantErr: "STARTTLS: tls: failed to verify certificate",
		},
		{
			name: "tls none does not upgrade",
			sink: sinkOptions{startTLS: true},
			cfg:  EmailConfig{TLS: TLSNone},
		},
		{
			name:    "implicit TLS",
			sink:    sinkOptions{implicitTLS: true},
			cfg:     EmailConfig{TLS: TLSImplicit, InsecureSkipVerify: true, Username: "noc", Password: "hunter2"},
			wantTLS: true, wantUser: "noc",
		},
		{
			name:    "implicit TLS verifies the certificate",
			sink:    sinkOptions{implicitTLS: true},
			cfg:     EmailConfig{TLS: TLSImplicit},
			wantErr: "tls: tls: failed to verify certificate",
		},
		{
			name:     "plain auth to localhost without TLS",
			sink:     sinkOptions{insecureAuth: true},
			cfg:      EmailConfig{TLS: TLSNone, Username: "noc", Password: "hunter2"},
			wantUser: "noc",
		},
		{
			name:    "wrong password",
			sink:    sinkOptions{startTLS: true},
			cfg:     EmailConfig{InsecureSkipVerify: true, Username: "noc", Password: "wrong"},
			wantErr: "AUTH: ",
		},
		{
			name:    "server offers no auth without TLS",
			sink:    sinkOptions{},
			cfg:     EmailConfig{Username: "noc", Password: "hunter2"},
			wantErr: "AUTH: the server offers no authentication",
		},
		{
			name:    "refused recipient",
			sink:    sinkOptions{},
			cfg:     EmailConfig{To: []string{"oncall@example.net", "gone@example.net"}},
			wantErr: "RCPT TO gone@example.net: 550",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := newSMTPSink(t, tc.sink)
			sink.reject = "gone@example.net"
			cfg := tc.cfg
			cfg.Name, cfg.SMTP, cfg.From = "mail", sink.addr, "noc@example.net"
			if cfg.To == nil {
				cfg.To = []string{"oncall@example.net"}
			}
			e, err := NewEmail(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = e.Send(context.Background(), youtube())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), `email "mail": smtp `+sink.addr) {
					t.Errorf("error %v does not name the channel and server", err)
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "wrong") {
					t.Errorf("error %v shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			mails := sink.received()
			if len(mails) != 1 {
				t.Fatalf("got %d mails, want 1", len(mails))
			}
			if mails[0].tls != tc.wantTLS || mails[0].user != tc.wantUser {
				t.Errorf("session TLS %v user %q, want %v %q", mails[0].tls, mails[0].user, tc.wantTLS, tc.wantUser)
			}
		})
	}
}

// TestEmailTimeout checks that a server that never answers cannot hold a
// Send longer than the channel's timeout.
func TestEmailTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			// Read, never greet.
			go io.Copy(io.Discard, bufio.NewReader(c))
		}
	}()
	e, err := NewEmail(EmailConfig{Name: "m", SMTP: l.Addr().String(), From: "noc@example.net",
		To: []string{"oncall@example.net"}, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = e.Send(context.Background(), youtube())
	if err == nil || !strings.Contains(err.Error(), "greeting") {
		t.Errorf("error %v, want a greeting timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v", d)
	}
}
