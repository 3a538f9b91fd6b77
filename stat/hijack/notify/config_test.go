package notify

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
	"gopkg.in/yaml.v3"
)

// decodeChannels decodes a "channels:" document.
func decodeChannels(t *testing.T, doc string) []ChannelConfig {
	t.Helper()
	var f struct {
		Channels []ChannelConfig `yaml:"channels"`
	}
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("decoding %s: %v", doc, err)
	}
	return f.Channels
}

func TestConfigExample(t *testing.T) {
	cfgs := decodeChannels(t, `
channels:
  - name: noc-hook
    type: webhook
    url: https://hooks.example.net/routestat
    method: PUT
    headers: {Authorization: "Bearer abc"}
    groups: [noc, default]
    events: [opened, resolved, reopened]
    min_severity: warning
    update_interval: 30m
    rate: 10/s
    timeout: 5s
  - name: chat
    type: slack
    url: https://hooks.slack.com/services/T000/B000/XXXX
  - name: mail
    type: email
    smtp: smtp.example.net:587
    from: routestat <noc@example.net>
    to: [oncall@example.net]
    username: noc
    password: secret
    tls: starttls
  - name: log
    type: syslog
    network: tcp
    address: 127.0.0.1:6514
    facility: local4
    tag: bgp
    update_interval: 90
`)
	c := cfgs[0]
	if c.Name != "noc-hook" || c.Headers["Authorization"] != "Bearer abc" || len(c.Groups) != 2 || len(c.Events) != 3 ||
		c.MinSeverity != "warning" || c.UpdateInterval != Duration(30*time.Minute) || c.Rate != "10/s" || c.Timeout != Duration(5*time.Second) {
		t.Errorf("webhook config %+v", c)
	}
	if cfgs[3].UpdateInterval != Duration(90*time.Second) {
		t.Errorf("bare number of seconds: %v", time.Duration(cfgs[3].UpdateInterval))
	}
	d, err := New(cfgs, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer closeNow(t, d)
	o := d.outs[0]
	if o.route.interval != 30*time.Minute || o.route.limit != 10 || o.route.burst != 10 || o.route.minRank != severityRank[SeverityWarning] {
		t.Errorf("route %+v", o.route)
	}
	if r := d.outs[1].route; r.interval != DefaultUpdateInterval || r.limit != rate.Limit(1) || r.burst != 60 {
		t.Errorf("defaults %+v", r)
	}
	if e := d.outs[2].ch.(*Email); e.tlsMode != TLSStartTLS || e.from.Address != "noc@example.net" {
		t.Errorf("email %+v", e)
	}
	if s := d.outs[3].ch.(*Syslog); s.facility != 20 || s.appName != "bgp" || s.network != "tcp" {
		t.Errorf("syslog %+v", s)
	}
	w := d.outs[0].ch.(*Webhook)
	if w.p.method != "PUT" || w.p.timeout != 5*time.Second {
		t.Errorf("webhook %+v", w.p)
	}
}

func TestConfigBadDuration(t *testing.T) {
	var c ChannelConfig
	err := yaml.Unmarshal([]byte("update_interval: soon\n"), &c)
	if err == nil || !strings.Contains(err.Error(), `"soon" is not a duration`) {
		t.Errorf("error %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string // one channel, or more with their own "- "
		want string
	}{
		{"missing name", `{type: syslog, address: "127.0.0.1:514"}`, `channels[0] "": name: required`},
		{"name with space", `{name: "a b", type: syslog, address: "127.0.0.1:514"}`, `name: "a b" has spaces`},
		{"missing type", `{name: x}`, `channels[0] "x": type: required`},
		{"unknown type", `{name: x, type: pager}`, `type: "pager" is not webhook, slack, email or syslog`},
		{"empty group", `{name: x, type: syslog, address: "127.0.0.1:514", groups: [noc, ""]}`, `groups[1]: empty group name`},
		{"unknown event", `{name: x, type: syslog, address: "127.0.0.1:514", events: [opened, closed]}`, `events[1]: "closed" is not one of`},
		{"test is not an event", `{name: x, type: syslog, address: "127.0.0.1:514", events: [test]}`, `events[0]: "test"`},
		{"unknown severity", `{name: x, type: syslog, address: "127.0.0.1:514", min_severity: urgent}`, `min_severity: "urgent"`},
		{"negative interval", `{name: x, type: syslog, address: "127.0.0.1:514", update_interval: -1m}`, `update_interval: -1m0s is negative`},
		{"rate without unit", `{name: x, type: syslog, address: "127.0.0.1:514", rate: "60"}`, `rate: "60" is not N/s, N/m or N/h`},
		{"rate per day", `{name: x, type: syslog, address: "127.0.0.1:514", rate: 10/d}`, `rate: "10/d": unit "d"`},
		{"zero rate", `{name: x, type: syslog, address: "127.0.0.1:514", rate: 0/m}`, `rate: "0/m"`},
		{"negative timeout", `{name: x, type: syslog, address: "127.0.0.1:514", timeout: -1s}`, `timeout: -1s is negative`},
		{"field of another type", `{name: x, type: webhook, url: "https://h.example/", smtp: "m:25"}`, `smtp: does not apply to type webhook`},
		{"headers on slack", `{name: x, type: slack, url: "https://h.example/", headers: {A: b}}`, `headers: does not apply to type slack`},
		{"duplicate name", `{name: x, type: syslog, address: "127.0.0.1:514"}
  - {name: x, type: syslog, address: "127.0.0.1:515"}`, `channels[1] "x": name: already used by channels[0]`},

		{"webhook without url", `{name: h, type: webhook}`, `channels[0] "h": url: required`},
		{"webhook relative url", `{name: h, type: webhook, url: /hook}`, `url: "/hook" is not an absolute http or https URL`},
		{"webhook ftp url", `{name: h, type: webhook, url: "ftp://h.example/x"}`, `url: "ftp://h.example/x" is not`},
		{"webhook unparsable url", `{name: h, type: webhook, url: "http://h.example/%zz"}`, `url: parse`},
		{"webhook GET", `{name: h, type: webhook, url: "https://h.example/", method: GET}`, `method: "GET" is not POST, PUT or PATCH`},
		{"webhook bad header name", `{name: h, type: webhook, url: "https://h.example/", headers: {"Bad Header": x}}`, `headers: "Bad Header" is not a valid header name`},
		{"webhook bad header value", `{name: h, type: webhook, url: "https://h.example/", headers: {X-A: "a\nInjected: b"}}`, `headers: the value of "X-A"`},
		{"slack without url", `{name: s, type: slack}`, `channels[0] "s": url: required`},

		{"email without smtp", `{name: m, type: email, from: a@example.net, to: [b@example.net]}`, `smtp: required`},
		{"email smtp without port", `{name: m, type: email, smtp: mx.example.net, from: a@example.net, to: [b@example.net]}`, `smtp: address mx.example.net: missing port`},
		{"email smtp bad port", `{name: m, type: email, smtp: "mx.example.net:smtp", from: a@example.net, to: [b@example.net]}`, `smtp: "mx.example.net:smtp" is not host:port`},
		{"email without from", `{name: m, type: email, smtp: "mx:25", to: [b@example.net]}`, `from: required`},
		{"email bad from", `{name: m, type: email, smtp: "mx:25", from: "not an address", to: [b@example.net]}`, `from: "not an address"`},
		{"email without to", `{name: m, type: email, smtp: "mx:25", from: a@example.net}`, `to: at least one recipient required`},
		{"email bad to", `{name: m, type: email, smtp: "mx:25", from: a@example.net, to: [b@example.net, "c@example.net\r\nBcc: d@example.net"]}`, `to[1]:`},
		{"email password without username", `{name: m, type: email, smtp: "mx:25", from: a@example.net, to: [b@example.net], password: p}`, `username: required with password`},
		{"email username without password", `{name: m, type: email, smtp: "mx:25", from: a@example.net, to: [b@example.net], username: u}`, `password: required with username`},
		{"email bad tls", `{name: m, type: email, smtp: "mx:25", from: a@example.net, to: [b@example.net], tls: ssl}`, `tls: "ssl" is not starttls, none or implicit`},
		{"email skip verify without tls", `{name: m, type: email, smtp: "mx:25", from: a@example.net, to: [b@example.net], tls: none, insecure_skip_verify: true}`, `insecure_skip_verify: needs tls`},

		{"syslog bad network", `{name: l, type: syslog, network: sctp, address: "h:514"}`, `network: "sctp" is not udp, tcp or unix`},
		{"syslog without address", `{name: l, type: syslog, network: tcp}`, `address: required (host:port) for network tcp`},
		{"syslog udp without address", `{name: l, type: syslog}`, `address: required (host:port) for network udp`},
		{"syslog address without port", `{name: l, type: syslog, address: "loghost"}`, `address: address loghost: missing port`},
		{"syslog address bad port", `{name: l, type: syslog, address: "loghost:0"}`, `address: "loghost:0" is not host:port`},
		{"syslog bad facility", `{name: l, type: syslog, address: "h:514", facility: local9}`, `facility: "local9" is not one of auth, authpriv, cron, daemon`},
		{"syslog bad tag", `{name: l, type: syslog, address: "h:514", tag: "route stat"}`, `tag: "route stat" is not 1 to 48 printable ASCII`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfgs := decodeChannels(t, "channels:\n  - "+tc.doc+"\n")
			d, err := New(cfgs, Options{Logger: testLogger(t)})
			if err == nil {
				closeNow(t, d)
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n %v\nwant it to contain\n %s", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "notify: channels[") {
				t.Errorf("error %q does not name the channel's index", err)
			}
		})
	}
}

func TestOptionsErrors(t *testing.T) {
	custom := &recorder{name: "pager"}
	tests := []struct {
		name string
		cfgs []ChannelConfig
		opt  Options
		want string
	}{
		{"custom channel with a type", []ChannelConfig{{Name: "pager", Type: TypeWebhook, URL: "https://h.example/"}},
			Options{Channels: map[string]Channel{"pager": custom}}, `channels[0] "pager": type: must be left out for a channel given in Options.Channels`},
		{"custom channel with type fields", []ChannelConfig{{Name: "pager", URL: "https://h.example/"}},
			Options{Channels: map[string]Channel{"pager": custom}}, `url: does not apply to a channel given in Options.Channels`},
		{"custom channel without config", []ChannelConfig{{Name: "other", Type: TypeSyslog, Address: "127.0.0.1:514"}},
			Options{Channels: map[string]Channel{"pager": custom}}, `Options.Channels["pager"]: no channel config of that name`},
		{"negative queue", nil, Options{QueueSize: -1}, `Options.QueueSize -1 is negative`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(tc.cfgs, tc.opt)
			if err == nil {
				closeNow(t, d)
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestChannelConstructorsNameTheChannel(t *testing.T) {
	for _, err := range []error{
		func() error { _, err := NewWebhook(WebhookConfig{Name: "w"}); return err }(),
		func() error { _, err := NewSlack(SlackConfig{Name: "w"}); return err }(),
		func() error { _, err := NewEmail(EmailConfig{Name: "w"}); return err }(),
		func() error { _, err := NewSyslog(SyslogConfig{Name: "w"}); return err }(),
	} {
		if err == nil || !strings.Contains(err.Error(), `"w": `) {
			t.Errorf("error %v does not name the channel", err)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefg…"},
		{"ééééé", 8, "éé…"}, // a cut é is dropped whole
	} {
		if got := truncate(tc.s, tc.max); got != tc.want || len(got) > tc.max {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
	}
}
