package hijack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Monitor names select detectors per prefix or AS (includeMonitors,
// excludeMonitors) and name incident types.
const (
	MonitorExact        = "exact-origin"
	MonitorSubPrefix    = "sub-prefix"
	MonitorSquat        = "squatting"
	MonitorFirstHop     = "fake-first-hop"
	MonitorLeak         = "route-leak"
	MonitorRPKI         = "rpki-invalid"
	MonitorVisibility   = "visibility-loss"
	MonitorMoreSpecific = "more-specific"
	MonitorNewPrefix    = "new-prefix"
	MonitorNeighbour    = "new-neighbour"
	MonitorPath         = "path-match"
	// MonitorDelegated is a more specific originated by another AS but
	// reached through a legitimate origin of the covering prefix: most
	// likely space delegated to a customer.
	MonitorDelegated = "delegated-more-specific"
)

// monitorNames lists every monitor; the index is its bit in a monitorSet.
var monitorNames = []string{
	MonitorExact, MonitorSubPrefix, MonitorSquat, MonitorFirstHop, MonitorLeak,
	MonitorRPKI, MonitorVisibility, MonitorMoreSpecific, MonitorNewPrefix,
	MonitorNeighbour, MonitorPath, MonitorDelegated,
}

// bgpalerterMonitors maps BGPalerter's default monitor names to ours.
var bgpalerterMonitors = map[string][]string{
	"basic-hijack-detection": {MonitorExact, MonitorSubPrefix, MonitorDelegated},
	"withdrawal-detection":   {MonitorVisibility},
	"prefix-detection":       {MonitorMoreSpecific},
	"path-matching":          {MonitorPath},
	"rpki-monitor":           {MonitorRPKI},
	"asn-monitor":            {MonitorNewPrefix},
	"path-neighbors":         {MonitorNeighbour},
}

// Monitors returns every monitor name (the incident types).
func Monitors() []string { return slices.Clone(monitorNames) }

type monitorSet uint32

func (s monitorSet) has(name string) bool {
	i := slices.Index(monitorNames, name)
	return i >= 0 && s&(1<<i) != 0
}

const allMonitors = monitorSet(1<<12 - 1)

// Thresholds decide when findings become incidents. Zero values inherit
// (from the file's defaults, then the built-in ones).
type Thresholds struct {
	// MinPeerASes is how many distinct peer ASes must see an anomaly
	// before it opens an incident (default 3); MinCollectors how many
	// distinct collectors (default 1).
	MinPeerASes   int `yaml:"min_peer_ases,omitempty"`
	MinCollectors int `yaml:"min_collectors,omitempty"`
	// VisibilityLossPercent is the share of the peers that carried the
	// legitimate route which must have lost it (default 50);
	// VisibilityMinPeers the peers that must have carried it for loss to
	// count at all (default 3); VisibilityHold how long the loss must last
	// (default 60s).
	VisibilityLossPercent int      `yaml:"visibility_loss_percent,omitempty"`
	VisibilityMinPeers    int      `yaml:"visibility_min_peers,omitempty"`
	VisibilityHold        Duration `yaml:"visibility_hold,omitempty"`
	// ReopenWindow: an anomaly that comes back within this time of its
	// incident's resolution reopens that incident instead of opening a new
	// one (default 1h).
	ReopenWindow Duration `yaml:"reopen_window,omitempty"`
}

// DefaultThresholds are the built-in thresholds.
var DefaultThresholds = Thresholds{
	MinPeerASes: 3, MinCollectors: 1,
	VisibilityLossPercent: 50, VisibilityMinPeers: 3,
	VisibilityHold: Duration(time.Minute), ReopenWindow: Duration(time.Hour),
}

func (t Thresholds) over(base Thresholds) Thresholds {
	if t.MinPeerASes == 0 {
		t.MinPeerASes = base.MinPeerASes
	}
	if t.MinCollectors == 0 {
		t.MinCollectors = base.MinCollectors
	}
	if t.VisibilityLossPercent == 0 {
		t.VisibilityLossPercent = base.VisibilityLossPercent
	}
	if t.VisibilityMinPeers == 0 {
		t.VisibilityMinPeers = base.VisibilityMinPeers
	}
	if t.VisibilityHold == 0 {
		t.VisibilityHold = base.VisibilityHold
	}
	if t.ReopenWindow == 0 {
		t.ReopenWindow = base.ReopenWindow
	}
	return t
}

func (t Thresholds) check(where string) error {
	switch {
	case t.MinPeerASes < 0:
		return fmt.Errorf("%s: min_peer_ases %d is negative", where, t.MinPeerASes)
	case t.MinCollectors < 0:
		return fmt.Errorf("%s: min_collectors %d is negative", where, t.MinCollectors)
	case t.VisibilityLossPercent < 0 || t.VisibilityLossPercent > 100:
		return fmt.Errorf("%s: visibility_loss_percent %d is not within 0..100", where, t.VisibilityLossPercent)
	case t.VisibilityMinPeers < 0:
		return fmt.Errorf("%s: visibility_min_peers %d is negative", where, t.VisibilityMinPeers)
	case t.VisibilityHold < 0 && t.VisibilityHold != Duration(zeroSet) || t.ReopenWindow < 0 && t.ReopenWindow != Duration(zeroSet):
		return fmt.Errorf("%s: durations must not be negative", where)
	}
	return nil
}

// Duration is a time.Duration written as "90s" or "1h" in YAML (a bare
// number is seconds).
type Duration time.Duration

// UnmarshalYAML reads "90s", "1h30m" or a number of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a duration must be a scalar like 90s", n.Line)
	}
	var v time.Duration
	if s, err := strconv.ParseFloat(n.Value, 64); err == nil {
		v = time.Duration(s * float64(time.Second))
	} else if v, err = time.ParseDuration(n.Value); err != nil {
		return fmt.Errorf("line %d: bad duration %q (want e.g. 90s, 10m, 1h)", n.Line, n.Value)
	}
	if v == 0 {
		v = zeroSet // an explicit 0, not "inherit"
	}
	*d = Duration(v)
	return nil
}

// zeroSet marks a duration explicitly set to 0 (a zero Duration
// inherits); prepare turns it into 0.
const zeroSet = -time.Nanosecond

// MarshalYAML writes the duration as "90s".
func (d Duration) MarshalYAML() (any, error) { return time.Duration(max(d, 0)).String(), nil }

// settle turns an explicit zero into 0.
func (t Thresholds) settle() Thresholds {
	if t.VisibilityHold == Duration(zeroSet) {
		t.VisibilityHold = 0
	}
	if t.ReopenWindow == Duration(zeroSet) {
		t.ReopenWindow = 0
	}
	return t
}

// PathRule is a BGPalerter AS-path rule: the fields of one rule must all
// hold; a prefix's rules are alternatives.
type PathRule struct {
	// Match and NotMatch are regular expressions on the comma-joined AS
	// path as received ("137,3333,1335,2914").
	Match            string `yaml:"match,omitempty"`
	NotMatch         string `yaml:"notMatch,omitempty"`
	MatchDescription string `yaml:"matchDescription,omitempty"`
	MaxLength        int    `yaml:"maxLength,omitempty"`
	MinLength        int    `yaml:"minLength,omitempty"`

	match, notMatch *regexp.Regexp
}

// PrefixRule monitors a prefix and, unless IgnoreMoreSpecifics, its more
// specifics.
type PrefixRule struct {
	Prefix      netip.Prefix `yaml:"-"`
	Description string       `yaml:"description,omitempty"`
	// Origins are the legitimate origin ASes; none makes the prefix a
	// squatting monitor (any announcement is an anomaly).
	Origins []uint32 `yaml:"asn,flow,omitempty"`
	// Upstreams are the expected neighbours of the origin (the AS before
	// it in paths); when set, another first hop is a Type-1 anomaly.
	Upstreams           []uint32 `yaml:"upstreams,flow,omitempty"`
	IgnoreMoreSpecifics bool     `yaml:"ignoreMorespecifics"`
	// Ignore makes the prefix a carve-out: it and its more specifics are
	// not monitored (e.g. space delegated to a customer).
	Ignore          bool        `yaml:"ignore,omitempty"`
	Group           string      `yaml:"group,omitempty"`
	IncludeMonitors []string    `yaml:"includeMonitors,flow,omitempty"`
	ExcludeMonitors []string    `yaml:"excludeMonitors,flow,omitempty"`
	Thresholds      *Thresholds `yaml:"thresholds,omitempty"`
	Path            []PathRule  `yaml:"path,omitempty"`

	monitors monitorSet
	th       Thresholds
}

// ASRule monitors an AS: prefixes it originates outside the monitored
// prefixes, and neighbours outside the expected ones.
type ASRule struct {
	ASN   uint32 `yaml:"-"`
	Group string `yaml:"group,omitempty"`
	// Upstreams and Downstreams are the expected neighbours (left: nearer
	// the collector; right: nearer the origin). Unset: that side is not
	// checked; an empty list: any neighbour on that side is new.
	Upstreams       *[]uint32   `yaml:"upstreams,flow,omitempty"`
	Downstreams     *[]uint32   `yaml:"downstreams,flow,omitempty"`
	IncludeMonitors []string    `yaml:"includeMonitors,flow,omitempty"`
	ExcludeMonitors []string    `yaml:"excludeMonitors,flow,omitempty"`
	Thresholds      *Thresholds `yaml:"thresholds,omitempty"`

	monitors monitorSet
	th       Thresholds
}

// Config is a monitored-resources file.
type Config struct {
	// Defaults are the thresholds of every monitor that sets none.
	Defaults Thresholds
	Prefixes []*PrefixRule
	ASNs     []*ASRule
}

// LoadConfig reads a monitored-resources file: routestat's format or a
// BGPalerter prefixes.yml.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses a monitored-resources file. Both layouts are
// accepted: routestat's (top-level defaults, prefixes, asns) and
// BGPalerter's (prefixes as top-level keys, options.monitorASns).
func ParseConfig(b []byte) (*Config, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return &Config{Defaults: DefaultThresholds}, nil
		}
		return nil, err
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the file must be a mapping (prefixes, asns, defaults)", root.Line)
	}
	top := root.Content[0]
	c := &Config{}
	var defaults Thresholds
	var monitorASns *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "defaults":
			if err := checkKeys(v, reflect.TypeFor[Thresholds]()); err != nil {
				return nil, fmt.Errorf("defaults: %w", err)
			}
			if err := v.Decode(&defaults); err != nil {
				return nil, fmt.Errorf("defaults: %w", err)
			}
		case "prefixes":
			if err := decodePrefixes(v, c); err != nil {
				return nil, err
			}
		case "asns":
			if err := decodeASNs(v, c); err != nil {
				return nil, err
			}
		case "options":
			for j := 0; j+1 < len(v.Content); j += 2 {
				if v.Content[j].Value == "monitorASns" {
					monitorASns = v.Content[j+1]
				}
			}
		default:
			// BGPalerter: a prefix as a top-level key.
			if _, err := netip.ParsePrefix(k.Value); err != nil {
				return nil, fmt.Errorf("line %d: unknown key %q (want defaults, prefixes, asns, options or a prefix)", k.Line, k.Value)
			}
			if err := decodePrefix(k, v, c); err != nil {
				return nil, err
			}
		}
	}
	if monitorASns != nil {
		if err := decodeASNs(monitorASns, c); err != nil {
			return nil, fmt.Errorf("options.monitorASns: %w", err)
		}
	}
	if err := defaults.check("defaults"); err != nil {
		return nil, err
	}
	c.Defaults = defaults.over(DefaultThresholds)
	if err := c.prepare(); err != nil {
		return nil, err
	}
	return c, nil
}

func decodePrefixes(v *yaml.Node, c *Config) error {
	if v.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: prefixes must map each prefix to its settings", v.Line)
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		if err := decodePrefix(v.Content[i], v.Content[i+1], c); err != nil {
			return err
		}
	}
	return nil
}

func decodePrefix(k, v *yaml.Node, c *Config) error {
	p, err := netip.ParsePrefix(k.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a prefix: %w", k.Line, k.Value, err)
	}
	if p != p.Masked() {
		return fmt.Errorf("line %d: prefix %s has host bits set (did you mean %s?)", k.Line, p, p.Masked())
	}
	r := &PrefixRule{Prefix: p}
	if v.Kind == yaml.MappingNode {
		// asn may be a single number or a list; path a single rule (as
		// BGPalerter documents it) or a list.
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, w := v.Content[i].Value, v.Content[i+1]
			if k == "asn" && w.Kind == yaml.ScalarNode || k == "path" && w.Kind == yaml.MappingNode {
				v.Content[i+1] = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: w.Line, Content: []*yaml.Node{w}}
			}
		}
		if err := checkKeys(v, reflect.TypeFor[PrefixRule]()); err != nil {
			return fmt.Errorf("prefix %s: %w", p, err)
		}
		if err := v.Decode(r); err != nil {
			return fmt.Errorf("prefix %s (line %d): %w", p, k.Line, err)
		}
	} else if v.Tag != "!!null" {
		return fmt.Errorf("prefix %s (line %d): settings must be a mapping", p, k.Line)
	}
	r.Prefix = p
	c.Prefixes = append(c.Prefixes, r)
	return nil
}

func decodeASNs(v *yaml.Node, c *Config) error {
	if v.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: asns must map each AS number to its settings", v.Line)
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k := v.Content[i]
		asn, err := ParseASN(k.Value)
		if err != nil {
			return fmt.Errorf("line %d: %w", k.Line, err)
		}
		r := &ASRule{}
		if v.Content[i+1].Tag != "!!null" {
			if err := checkKeys(v.Content[i+1], reflect.TypeFor[ASRule]()); err != nil {
				return fmt.Errorf("AS%d: %w", asn, err)
			}
			if err := v.Content[i+1].Decode(r); err != nil {
				return fmt.Errorf("AS%d (line %d): %w", asn, k.Line, err)
			}
		}
		r.ASN = asn
		c.ASNs = append(c.ASNs, r)
	}
	return nil
}

// checkKeys refuses keys of mapping n that no field of struct type t
// (or of the structs inside it) declares: a misspelt "ans:" must not
// silently turn a prefix into a squatting monitor.
func checkKeys(n *yaml.Node, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	fields := make(map[string]reflect.Type)
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = f.Type
		names = append(names, name)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			return fmt.Errorf("line %d: unknown setting %q (known: %s)", k.Line, k.Value, strings.Join(names, ", "))
		}
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			if err := checkKeys(v, ft); err != nil {
				return err
			}
		case ft.Kind() == reflect.Slice && v.Kind == yaml.SequenceNode:
			for _, item := range v.Content {
				if err := checkKeys(item, ft.Elem()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ParseASN reads "AS4725", "as4725" or "4725".
func ParseASN(s string) (uint32, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "AS"), "as")
	n, err := strconv.ParseUint(t, 10, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not an AS number", s)
	}
	return uint32(n), nil
}

func monitorsOf(include, exclude []string, where string) (monitorSet, error) {
	if len(include) > 0 && len(exclude) > 0 {
		return 0, fmt.Errorf("%s: includeMonitors and excludeMonitors are mutually exclusive", where)
	}
	set := func(names []string) (monitorSet, error) {
		var s monitorSet
		for _, n := range names {
			ours := bgpalerterMonitors[n]
			if ours == nil {
				ours = []string{n}
			}
			for _, o := range ours {
				i := slices.Index(monitorNames, o)
				if i < 0 {
					return 0, fmt.Errorf("%s: unknown monitor %q (known: %s)", where, n, strings.Join(monitorNames, ", "))
				}
				s |= 1 << i
			}
		}
		return s, nil
	}
	if len(include) > 0 {
		return set(include)
	}
	s, err := set(exclude)
	return allMonitors &^ s, err
}

// prepare validates the rules and resolves their thresholds and monitors.
func (c *Config) prepare() error {
	seen := make(map[netip.Prefix]bool)
	for _, r := range c.Prefixes {
		where := "prefix " + r.Prefix.String()
		if seen[r.Prefix] {
			return fmt.Errorf("%s: listed twice", where)
		}
		seen[r.Prefix] = true
		for _, a := range append(slices.Clone(r.Origins), r.Upstreams...) {
			if a == 0 {
				return fmt.Errorf("%s: AS0 is not a valid origin or upstream", where)
			}
		}
		slices.Sort(r.Origins)
		r.Origins = slices.Compact(r.Origins)
		var err error
		if r.monitors, r.th, err = c.resolve(r.IncludeMonitors, r.ExcludeMonitors, r.Thresholds, &r.Group, where); err != nil {
			return err
		}
		for i := range r.Path {
			pr := &r.Path[i]
			if pr.Match != "" {
				if pr.match, err = regexp.Compile(pr.Match); err != nil {
					return fmt.Errorf("%s: path rule %d: match: %w", where, i+1, err)
				}
			}
			if pr.NotMatch != "" {
				if pr.notMatch, err = regexp.Compile(pr.NotMatch); err != nil {
					return fmt.Errorf("%s: path rule %d: notMatch: %w", where, i+1, err)
				}
			}
		}
	}
	seenAS := make(map[uint32]bool)
	for _, r := range c.ASNs {
		where := fmt.Sprintf("AS%d", r.ASN)
		if seenAS[r.ASN] {
			return fmt.Errorf("%s: listed twice", where)
		}
		seenAS[r.ASN] = true
		var err error
		if r.monitors, r.th, err = c.resolve(r.IncludeMonitors, r.ExcludeMonitors, r.Thresholds, &r.Group, where); err != nil {
			return err
		}
	}
	c.Defaults = c.Defaults.settle()
	return nil
}

// resolve returns a rule's monitors and thresholds (its own over the
// file's defaults) and defaults its group.
func (c *Config) resolve(include, exclude []string, th *Thresholds, group *string, where string) (monitorSet, Thresholds, error) {
	m, err := monitorsOf(include, exclude, where)
	if err != nil {
		return 0, Thresholds{}, err
	}
	t := c.Defaults
	if th != nil {
		if err := th.check(where); err != nil {
			return 0, Thresholds{}, err
		}
		t = th.over(c.Defaults)
	}
	if *group == "" {
		*group = "default"
	}
	return m, t.settle(), nil
}

// Marshal writes the configuration in routestat's layout.
func (c *Config) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# routestat monitored resources (stat/hijack). Review before use.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	prefixes := &yaml.Node{Kind: yaml.MappingNode}
	for _, r := range c.Prefixes {
		var v yaml.Node
		if err := v.Encode(r); err != nil {
			return nil, err
		}
		prefixes.Content = append(prefixes.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: r.Prefix.String()}, &v)
	}
	asns := &yaml.Node{Kind: yaml.MappingNode}
	for _, r := range c.ASNs {
		var v yaml.Node
		if err := v.Encode(r); err != nil {
			return nil, err
		}
		asns.Content = append(asns.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatUint(uint64(r.ASN), 10)}, &v)
	}
	// Explicit zeros of the defaults must be written (an absent value
	// inherits the built-in one).
	d := c.Defaults
	if d.VisibilityHold == 0 {
		d.VisibilityHold = Duration(zeroSet)
	}
	if d.ReopenWindow == 0 {
		d.ReopenWindow = Duration(zeroSet)
	}
	var defaults yaml.Node
	if err := defaults.Encode(d); err != nil {
		return nil, err
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "defaults"}, &defaults,
		{Kind: yaml.ScalarNode, Value: "prefixes"}, prefixes,
		{Kind: yaml.ScalarNode, Value: "asns"}, asns,
	}}
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
