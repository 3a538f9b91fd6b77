package notify

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
	"gopkg.in/yaml.v3"
)

// Channel types of a ChannelConfig.
const (
	TypeWebhook = "webhook"
	TypeSlack   = "slack"
	TypeEmail   = "email"
	TypeSyslog  = "syslog"
)

// Defaults of a ChannelConfig.
const (
	DefaultUpdateInterval = 15 * time.Minute
	DefaultRate           = "60/m"
)

// ChannelConfig is one entry of the "channels" list of the notification
// configuration (YAML, snake_case keys). Fields that do not apply to the
// channel's type must be left out.
type ChannelConfig struct {
	// Name identifies the channel in logs and metrics; unique, required.
	Name string `yaml:"name"`
	// Type is webhook, slack, email or syslog; it is left out for a
	// channel given in Options.Channels.
	Type string `yaml:"type"`

	// Groups are the groups whose notifications the channel receives
	// (empty: all).
	Groups []string `yaml:"groups"`
	// Events are the events it receives (empty: all).
	Events []string `yaml:"events"`
	// MinSeverity drops notifications less severe than this (empty: none
	// dropped).
	MinSeverity string `yaml:"min_severity"`
	// UpdateInterval is the least time between two "updated"
	// notifications of one incident (default 15m).
	UpdateInterval Duration `yaml:"update_interval"`
	// Rate is the channel's sustained rate, "N/s", "N/m" or "N/h"
	// (default 60/m), with bursts of up to N.
	Rate string `yaml:"rate"`
	// Timeout bounds one HTTP attempt, SMTP session, or syslog connection
	// attempt and write (default 10s).
	Timeout Duration `yaml:"timeout"`

	// URL is where a webhook or slack channel posts.
	URL string `yaml:"url"`
	// Method is the webhook's HTTP method: POST (default), PUT or PATCH.
	Method string `yaml:"method"`
	// Headers are added to every webhook request.
	Headers map[string]string `yaml:"headers"`

	// SMTP is the email server's host:port.
	SMTP string `yaml:"smtp"`
	// From and To are the email's sender and recipients.
	From string   `yaml:"from"`
	To   []string `yaml:"to"`
	// Username and Password authenticate to the SMTP server (PLAIN).
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// TLS is starttls (default), none or implicit.
	TLS string `yaml:"tls"`
	// InsecureSkipVerify accepts any SMTP server certificate.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`

	// Network is the syslog transport: udp (default), tcp or unix.
	Network string `yaml:"network"`
	// Address is the syslog server's host:port or socket path.
	Address string `yaml:"address"`
	// Facility is the syslog facility (default daemon).
	Facility string `yaml:"facility"`
	// Tag is the syslog APP-NAME (default routestat).
	Tag string `yaml:"tag"`
}

// Duration is a time.Duration written as "90s" or "15m" in YAML (a bare
// number is seconds).
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if s, err := strconv.ParseFloat(n.Value, 64); err == nil {
		*d = Duration(s * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration such as 90s or 15m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// ParseRate parses "N/s", "N/m" or "N/h" (N a positive integer) into a
// limit and a burst of N.
func ParseRate(s string) (rate.Limit, int, error) {
	num, unit, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n <= 0 {
		return 0, 0, fmt.Errorf("%q is not N/s, N/m or N/h with N a positive integer", s)
	}
	var per time.Duration
	switch unit {
	case "s":
		per = time.Second
	case "m":
		per = time.Minute
	case "h":
		per = time.Hour
	default:
		return 0, 0, fmt.Errorf("%q: unit %q is not s, m or h", s, unit)
	}
	return rate.Limit(float64(n) / per.Seconds()), n, nil
}

// typeFields are the type-specific fields each type accepts.
var typeFields = map[string][]string{
	TypeWebhook: {"url", "method", "headers", "timeout"},
	TypeSlack:   {"url", "timeout"},
	TypeEmail:   {"smtp", "from", "to", "username", "password", "tls", "insecure_skip_verify", "timeout"},
	TypeSyslog:  {"network", "address", "facility", "tag", "timeout"},
	"":          {}, // a channel from Options.Channels
}

// typeFieldsSet lists the type-specific fields c sets.
func (c *ChannelConfig) typeFieldsSet() []string {
	var set []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"url", c.URL != ""}, {"method", c.Method != ""}, {"headers", len(c.Headers) > 0},
		{"timeout", c.Timeout != 0}, {"smtp", c.SMTP != ""}, {"from", c.From != ""},
		{"to", len(c.To) > 0}, {"username", c.Username != ""}, {"password", c.Password != ""},
		{"tls", c.TLS != ""}, {"insecure_skip_verify", c.InsecureSkipVerify},
		{"network", c.Network != ""}, {"address", c.Address != ""},
		{"facility", c.Facility != ""}, {"tag", c.Tag != ""},
	} {
		if f.set {
			set = append(set, f.name)
		}
	}
	return set
}

// channel makes the Channel c describes, custom when c names one of
// Options.Channels.
func (c *ChannelConfig) channel(custom Channel) (Channel, error) {
	if custom != nil && c.Type != "" {
		return nil, fmt.Errorf("type: must be left out for a channel given in Options.Channels (is %q)", c.Type)
	}
	allowed, ok := typeFields[c.Type]
	if !ok {
		return nil, fmt.Errorf("type: %q is not %s, %s, %s or %s", c.Type, TypeWebhook, TypeSlack, TypeEmail, TypeSyslog)
	}
	if c.Type == "" && custom == nil {
		return nil, fmt.Errorf("type: required (%s, %s, %s or %s)", TypeWebhook, TypeSlack, TypeEmail, TypeSyslog)
	}
	for _, f := range c.typeFieldsSet() {
		if !slices.Contains(allowed, f) {
			kind := "type " + c.Type
			if c.Type == "" {
				kind = "a channel given in Options.Channels"
			}
			return nil, fmt.Errorf("%s: does not apply to %s", f, kind)
		}
	}
	timeout := time.Duration(c.Timeout)
	switch c.Type {
	case TypeWebhook:
		return asChannel(newWebhook(WebhookConfig{Name: c.Name, URL: c.URL, Method: c.Method, Headers: c.Headers, Timeout: timeout}))
	case TypeSlack:
		return asChannel(newSlack(SlackConfig{Name: c.Name, URL: c.URL, Timeout: timeout}))
	case TypeEmail:
		return asChannel(newEmail(EmailConfig{
			Name: c.Name, SMTP: c.SMTP, From: c.From, To: c.To, Username: c.Username, Password: c.Password,
			TLS: c.TLS, InsecureSkipVerify: c.InsecureSkipVerify, Timeout: timeout,
		}))
	case TypeSyslog:
		return asChannel(newSyslog(SyslogConfig{Name: c.Name, Network: c.Network, Address: c.Address, Facility: c.Facility, Tag: c.Tag, Timeout: timeout}))
	}
	return custom, nil
}

// asChannel returns c as a Channel, or nil with err.
func asChannel[C Channel](c C, err error) (Channel, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}

// route is the checked routing part of a ChannelConfig.
type route struct {
	groups   []string
	events   []string
	minRank  int
	interval time.Duration
	limit    rate.Limit
	burst    int
}

// route checks the routing fields of c.
func (c *ChannelConfig) route() (route, error) {
	r := route{groups: c.Groups, events: c.Events, interval: time.Duration(c.UpdateInterval)}
	for i, g := range c.Groups {
		if g == "" {
			return r, fmt.Errorf("groups[%d]: empty group name (the default group is %q)", i, DefaultGroup)
		}
	}
	for i, e := range c.Events {
		if !slices.Contains(events, e) {
			return r, fmt.Errorf("events[%d]: %q is not one of %s", i, e, strings.Join(events, ", "))
		}
	}
	if c.MinSeverity != "" {
		r.minRank = severityRank[c.MinSeverity]
		if r.minRank == 0 {
			return r, fmt.Errorf("min_severity: %q is not %s, %s, %s or %s", c.MinSeverity,
				SeverityCritical, SeverityHigh, SeverityWarning, SeverityInfo)
		}
	}
	switch {
	case r.interval < 0:
		return r, fmt.Errorf("update_interval: %v is negative", r.interval)
	case r.interval == 0:
		r.interval = DefaultUpdateInterval
	}
	spec := c.Rate
	if spec == "" {
		spec = DefaultRate
	}
	var err error
	if r.limit, r.burst, err = ParseRate(spec); err != nil {
		return r, fmt.Errorf("rate: %w", err)
	}
	return r, nil
}

// validName reports what is wrong with a channel name, if anything.
func validName(name string) error {
	if name == "" {
		return errors.New("name: required")
	}
	if strings.ContainsFunc(name, notPrintASCII) {
		return fmt.Errorf("name: %q has spaces or characters other than printable ASCII", name)
	}
	return nil
}
