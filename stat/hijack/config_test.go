package hijack

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const bgpalerterFixture = "testdata/bgpalerter-prefixes.yml"

// monitorsOn lists the monitors a set holds, in monitorNames order.
func monitorsOn(s monitorSet) []string {
	var out []string
	for _, n := range monitorNames {
		if s.has(n) {
			out = append(out, n)
		}
	}
	return out
}

func allBut(names ...string) []string {
	return slices.DeleteFunc(slices.Clone(monitorNames), func(n string) bool { return slices.Contains(names, n) })
}

func asnsPtr(p *[]uint32) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

// TestConfigBGPalerterFixture reads a BGPalerter prefixes.yml as it is.
func TestConfigBGPalerterFixture(t *testing.T) {
	cfg, err := LoadConfig(bgpalerterFixture)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Defaults != DefaultThresholds {
		t.Errorf("defaults %+v, want the built-in %+v", cfg.Defaults, DefaultThresholds)
	}
	type rule struct {
		prefix, description string
		origins             []uint32
		ignoreMoreSpecifics bool
		ignore              bool
		group               string
		monitors            []string
		path                []PathRule
	}
	want := []rule{{
		prefix: "202.33.0.0/16", description: "Backbone aggregate", origins: []uint32{4725}, group: "noc",
		monitors: monitorNames,
		// BGPalerter's documented form: path is a single rule.
		path: []PathRule{{Match: ".*,666,.*", MatchDescription: "through a blacklisted transit"}},
	}, {
		prefix: "202.33.64.0/18", description: "Delegated to customer AS64777", origins: []uint32{64777},
		ignoreMoreSpecifics: true, ignore: true, group: "default", monitors: monitorNames,
	}, {
		prefix: "203.0.113.0/24", description: "Anycast DNS", origins: []uint32{4725, 64511},
		ignoreMoreSpecifics: true, group: "dns", monitors: allBut(MonitorVisibility),
	}, {
		prefix: "198.51.100.0/24", description: "Lab network", origins: []uint32{64496}, group: "default",
		monitors: []string{MonitorExact, MonitorSubPrefix, MonitorPath, MonitorDelegated},
		path: []PathRule{
			{Match: "^174,", NotMatch: ".*,64500,.*", MatchDescription: "learned through AS174"},
			{MaxLength: 6, MatchDescription: "suspiciously long path"},
		},
	}, {
		prefix: "2001:db8::/32", description: "IPv6 aggregate", origins: []uint32{4725}, group: "default",
		monitors: monitorNames,
	}}
	if len(cfg.Prefixes) != len(want) {
		t.Fatalf("%d prefixes, want %d", len(cfg.Prefixes), len(want))
	}
	for i, w := range want {
		r := cfg.Prefixes[i]
		if r.Prefix != netip.MustParsePrefix(w.prefix) || r.Description != w.description || !slices.Equal(r.Origins, w.origins) ||
			r.IgnoreMoreSpecifics != w.ignoreMoreSpecifics || r.Ignore != w.ignore || r.Group != w.group || len(r.Upstreams) != 0 {
			t.Errorf("rule %d: %s %q asn %v ignoreMorespecifics %v ignore %v group %q upstreams %v, want %+v",
				i, r.Prefix, r.Description, r.Origins, r.IgnoreMoreSpecifics, r.Ignore, r.Group, r.Upstreams, w)
		}
		if got := monitorsOn(r.monitors); !slices.Equal(got, w.monitors) {
			t.Errorf("%s: monitors %v, want %v", w.prefix, got, w.monitors)
		}
		if r.th != DefaultThresholds || r.Thresholds != nil {
			t.Errorf("%s: thresholds %+v (%v), want the defaults", w.prefix, r.th, r.Thresholds)
		}
		if len(r.Path) != len(w.path) {
			t.Errorf("%s: %d path rules, want %d", w.prefix, len(r.Path), len(w.path))
			continue
		}
		for j, pr := range r.Path {
			wp := w.path[j]
			if pr.Match != wp.Match || pr.NotMatch != wp.NotMatch || pr.MatchDescription != wp.MatchDescription ||
				pr.MaxLength != wp.MaxLength || pr.MinLength != wp.MinLength ||
				(pr.Match != "") != (pr.match != nil) || (pr.NotMatch != "") != (pr.notMatch != nil) {
				t.Errorf("%s: path rule %d %+v, want %+v", w.prefix, j+1, pr, wp)
			}
		}
	}
	if len(cfg.ASNs) != 2 {
		t.Fatalf("%d monitored ASes, want 2", len(cfg.ASNs))
	}
	for i, w := range []struct {
		asn                    uint32
		group                  string
		upstreams, downstreams string
		monitors               []string
	}{
		{4725, "noc", "[2914 3356]", "[64777]", monitorNames},
		{64511, "dns", "unset", "unset", monitorNames},
	} {
		a := cfg.ASNs[i]
		if a.ASN != w.asn || a.Group != w.group || asnsPtr(a.Upstreams) != w.upstreams || asnsPtr(a.Downstreams) != w.downstreams ||
			!slices.Equal(monitorsOn(a.monitors), w.monitors) || a.th != DefaultThresholds {
			t.Errorf("AS rule %d: AS%d group %q upstreams %s downstreams %s monitors %v th %+v, want %+v",
				i, a.ASN, a.Group, asnsPtr(a.Upstreams), asnsPtr(a.Downstreams), monitorsOn(a.monitors), a.th, w)
		}
	}
}

// TestConfigBGPalerterFixtureBehaviour runs the engine on the fixture:
// each of its settings shows in what is raised.
func TestConfigBGPalerterFixtureBehaviour(t *testing.T) {
	cfg, err := LoadConfig(bgpalerterFixture)
	if err != nil {
		t.Fatal(err)
	}
	three := []peer{dozen[0], dozen[6], dozen[1]}
	type got struct {
		typ      string
		offender uint32
		group    string
		prefixes string
	}
	for _, tc := range []struct {
		name string
		feed func(b *bed)
		want []got
	}{{
		name: "sub-prefix hijack, group noc",
		feed: func(b *bed) {
			for i, p := range three {
				b.feed(p.ann(t0.Add(sec(i)), "202.33.14.0/24", 64666))
			}
		},
		want: []got{{MonitorSubPrefix, 64666, "noc", "[202.33.14.0/24]"}},
	}, {
		name: "the carve-out is not monitored",
		feed: func(b *bed) {
			for i, p := range three {
				b.feed(p.ann(t0.Add(sec(i)), "202.33.70.0/24", 64666))
				b.feed(p.ann(t0.Add(sec(i)), "202.33.64.0/18", 64777))
			}
		},
	}, {
		name: "path rule (a single mapping)",
		feed: func(b *bed) {
			for i, p := range three {
				b.feed(p.ann(t0.Add(sec(i)), "202.33.0.0/16", 666, 2914, 4725))
			}
		},
		want: []got{{MonitorPath, 4725, "noc", "[202.33.0.0/16]"}},
	}, {
		name: "first hop: upstreams of the monitored AS",
		feed: func(b *bed) {
			for i, p := range three {
				b.feed(p.ann(t0.Add(sec(i)), "202.33.0.0/16", 2914, 4725))
				b.feed(p.ann(t0.Add(sec(i)), "2001:db8::/32", 64999, 4725))
			}
		},
		want: []got{{MonitorFirstHop, 64999, "default", "[2001:db8::/32]"}},
	}, {
		name: "withdrawal-detection excluded",
		feed: func(b *bed) {
			for i, p := range dozen[:10] {
				b.feed(p.ann(t0.Add(-time.Hour), "203.0.113.0/24", 2914, []uint32{4725, 64511}[i%2]))
			}
			for i, p := range losers {
				b.feed(p.wd(t0.Add(sec(i)), "203.0.113.0/24"))
			}
			b.eng.Tick(t0.Add(time.Hour))
		},
	}, {
		name: "withdrawal-detection elsewhere",
		feed: func(b *bed) {
			for _, p := range dozen[:10] {
				b.feed(p.ann(t0.Add(-time.Hour), "202.33.0.0/16", 2914, 4725))
			}
			for i, p := range losers {
				b.feed(p.wd(t0.Add(sec(i)), "202.33.0.0/16"))
			}
			b.eng.Tick(t0.Add(time.Hour))
		},
		want: []got{{MonitorVisibility, 0, "noc", "[202.33.0.0/16]"}},
	}, {
		name: "includeMonitors: no more-specific, long paths",
		feed: func(b *bed) {
			for i, p := range three {
				b.feed(p.ann(t0.Add(sec(i)), "198.51.100.128/25", 2914, 64496))
				b.feed(p.ann(t0.Add(sec(i)), "198.51.100.0/24", 2914, 64500, 64501, 64502, 64503, 64496))
			}
		},
		want: []got{{MonitorPath, 64496, "default", "[198.51.100.0/24]"}},
	}, {
		name: "new prefix and downstream of the monitored AS",
		feed: func(b *bed) {
			for i, p := range three {
				b.feed(p.ann(t0.Add(sec(i)), "192.0.2.0/24", 2914, 4725))
				b.feed(p.ann(t0.Add(sec(i)), "192.0.2.0/25", 2914, 4725, 64777))
				b.feed(p.ann(t0.Add(sec(i)), "192.0.2.128/25", 2914, 4725, 64778))
			}
		},
		want: []got{{MonitorNewPrefix, 4725, "noc", "[192.0.2.0/24]"}, {MonitorNeighbour, 64778, "noc", "[192.0.2.128/25]"}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBedConfig(t, cfg, Options{})
			tc.feed(b)
			var gots []got
			for _, inc := range b.rec.final() {
				gots = append(gots, got{inc.Type, inc.OffendingAS, inc.Group, fmt.Sprint(inc.Prefixes)})
			}
			if !slices.Equal(gots, tc.want) {
				t.Errorf("incidents %+v, want %+v\n%s", gots, tc.want, describeAll(b.rec.final()))
			}
		})
	}
}

// routestatConfig is routestat's own layout (docs/hijack.md).
const routestatConfig = `# monitored resources
defaults:
  min_peer_ases: 4
  min_collectors: 2
  visibility_loss_percent: 60
  visibility_min_peers: 5
  visibility_hold: 90s
  reopen_window: 1h30m
prefixes:
  202.33.0.0/16:
    description: Example network
    asn: [4725]
    upstreams: [2497, 2914]
    ignoreMorespecifics: false
    group: noc
    thresholds: {min_peer_ases: 2, visibility_hold: 30}
  202.33.200.0/24:
    ignore: true
  192.0.2.0/24:
    description: unused, must never be announced
  198.51.100.0/24:
    asn: [64496, 64497, 64496]
    includeMonitors: [exact-origin, sub-prefix, prefix-detection]
    path:
      - match: "^174,"
        matchDescription: through AS174
        minLength: 3
asns:
  AS4725:
    group: noc
    upstreams: [2497, 2914]
    downstreams: []
    excludeMonitors: [new-prefix]
  64496:
    thresholds: {min_collectors: 1}
`

// TestConfigRoutestatLayout reads routestat's own layout.
func TestConfigRoutestatLayout(t *testing.T) {
	cfg, err := ParseConfig([]byte(routestatConfig))
	if err != nil {
		t.Fatal(err)
	}
	defaults := Thresholds{MinPeerASes: 4, MinCollectors: 2, VisibilityLossPercent: 60, VisibilityMinPeers: 5,
		VisibilityHold: Duration(90 * time.Second), ReopenWindow: Duration(90 * time.Minute)}
	if cfg.Defaults != defaults {
		t.Errorf("defaults %+v, want %+v", cfg.Defaults, defaults)
	}
	if len(cfg.Prefixes) != 4 || len(cfg.ASNs) != 2 {
		t.Fatalf("%d prefixes and %d ASes, want 4 and 2", len(cfg.Prefixes), len(cfg.ASNs))
	}
	p := cfg.Prefixes
	// Per-prefix thresholds override the file's defaults, field by field;
	// a bare number of seconds is a duration.
	override := defaults
	override.MinPeerASes, override.VisibilityHold = 2, Duration(30*time.Second)
	if p[0].th != override || !slices.Equal(p[0].Upstreams, []uint32{2497, 2914}) || p[0].Group != "noc" ||
		!slices.Equal(p[0].Origins, []uint32{4725}) || p[0].Description != "Example network" {
		t.Errorf("202.33.0.0/16: %+v th %+v", *p[0], p[0].th)
	}
	if !p[1].Ignore || p[1].Group != "default" || p[1].th != defaults || len(p[1].Origins) != 0 {
		t.Errorf("carve-out: %+v", *p[1])
	}
	if p[2].Prefix.String() != "192.0.2.0/24" || len(p[2].Origins) != 0 || p[2].Ignore {
		t.Errorf("squatting monitor: %+v", *p[2])
	}
	// Origins are sorted and deduplicated; our and BGPalerter's monitor
	// names mix.
	if !slices.Equal(p[3].Origins, []uint32{64496, 64497}) {
		t.Errorf("origins %v", p[3].Origins)
	}
	if got := monitorsOn(p[3].monitors); !slices.Equal(got, []string{MonitorExact, MonitorSubPrefix, MonitorMoreSpecific}) {
		t.Errorf("monitors %v", got)
	}
	if len(p[3].Path) != 1 || p[3].Path[0].MinLength != 3 || p[3].Path[0].match == nil {
		t.Errorf("path %+v", p[3].Path)
	}
	a := cfg.ASNs
	if a[0].ASN != 4725 || a[0].Group != "noc" || asnsPtr(a[0].Upstreams) != "[2497 2914]" || asnsPtr(a[0].Downstreams) != "[]" ||
		!slices.Equal(monitorsOn(a[0].monitors), allBut(MonitorNewPrefix)) || a[0].th != defaults {
		t.Errorf("AS4725: %+v monitors %v", *a[0], monitorsOn(a[0].monitors))
	}
	as64496 := defaults
	as64496.MinCollectors = 1
	if a[1].ASN != 64496 || a[1].Group != "default" || a[1].Upstreams != nil || a[1].Downstreams != nil || a[1].th != as64496 {
		t.Errorf("AS64496: %+v th %+v", *a[1], a[1].th)
	}

	// An empty file monitors nothing, with the built-in thresholds.
	for _, empty := range []string{"", "# nothing yet\n"} {
		cfg, err := ParseConfig([]byte(empty))
		if err != nil || cfg.Defaults != DefaultThresholds || len(cfg.Prefixes)+len(cfg.ASNs) != 0 {
			t.Errorf("empty file %q: %+v, %v", empty, cfg, err)
		}
	}
}

// configView renders everything a Config holds, resolved fields included.
func configView(c *Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "defaults %+v\n", c.Defaults)
	for _, r := range c.Prefixes {
		th := "none"
		if r.Thresholds != nil {
			th = fmt.Sprintf("%+v", *r.Thresholds)
		}
		fmt.Fprintf(&b, "prefix %s %q asn=%v up=%v ims=%v ignore=%v group=%q include=%v exclude=%v thresholds=%s th=%+v monitors=%v\n",
			r.Prefix, r.Description, r.Origins, r.Upstreams, r.IgnoreMoreSpecifics, r.Ignore, r.Group,
			r.IncludeMonitors, r.ExcludeMonitors, th, r.th, monitorsOn(r.monitors))
		for _, pr := range r.Path {
			fmt.Fprintf(&b, "  path match=%q notMatch=%q desc=%q max=%d min=%d compiled=%v/%v\n",
				pr.Match, pr.NotMatch, pr.MatchDescription, pr.MaxLength, pr.MinLength, pr.match != nil, pr.notMatch != nil)
		}
	}
	for _, a := range c.ASNs {
		th := "none"
		if a.Thresholds != nil {
			th = fmt.Sprintf("%+v", *a.Thresholds)
		}
		fmt.Fprintf(&b, "as %d group=%q up=%s down=%s include=%v exclude=%v thresholds=%s th=%+v monitors=%v\n",
			a.ASN, a.Group, asnsPtr(a.Upstreams), asnsPtr(a.Downstreams), a.IncludeMonitors, a.ExcludeMonitors, th, a.th, monitorsOn(a.monitors))
	}
	return b.String()
}

// TestConfigMarshalRoundTrip: ParseConfig(Marshal(cfg)) holds what cfg
// holds, for either layout.
func TestConfigMarshalRoundTrip(t *testing.T) {
	fixture, err := os.ReadFile(bgpalerterFixture)
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{"bgpalerter": string(fixture), "routestat": routestatConfig} {
		t.Run(name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			out, err := cfg.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseConfig(out)
			if err != nil {
				t.Fatalf("re-parse: %v\n%s", err, out)
			}
			if a, b := configView(cfg), configView(again); a != b {
				t.Errorf("round trip differs:\n--- parsed\n%s--- re-parsed\n%s--- marshalled\n%s", a, b, out)
			}
			for _, key := range []string{"\ndefaults:\n", "\nprefixes:\n", "\nasns:\n"} {
				if !strings.Contains(string(out), key) {
					t.Errorf("marshalled file lacks %q:\n%s", key, out)
				}
			}
			out2, err := again.Marshal()
			if err != nil || string(out2) != string(out) {
				t.Errorf("marshalling is not stable: %v\n%s\n---\n%s", err, out, out2)
			}
		})
	}
}

// TestConfigErrors: each bad input is refused with an error naming the
// problem and where it is.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		yml  string
		want []string
	}{
		{"bad prefix", "prefixes:\n  202.33.0.0/33:\n    asn: 4725\n",
			[]string{"line 2", `"202.33.0.0/33" is not a prefix`}},
		{"misspelt prefix setting", "prefixes:\n  202.33.0.0/16:\n    ans: 4725\n",
			[]string{"prefix 202.33.0.0/16", "line 3", `unknown setting "ans"`}},
		{"misspelt threshold", "prefixes:\n  202.33.0.0/16:\n    asn: 4725\n    thresholds: {min_peers: 2}\n",
			[]string{"prefix 202.33.0.0/16", "line 4", `unknown setting "min_peers"`}},
		{"misspelt path rule key", "202.33.0.0/16:\n  asn: 4725\n  path:\n    - matches: '^174,'\n",
			[]string{"prefix 202.33.0.0/16", "line 4", `unknown setting "matches"`}},
		{"misspelt AS setting", "asns:\n  4725: {upstream: [1]}\n",
			[]string{"AS4725", "line 2", `unknown setting "upstream"`}},
		{"misspelt default", "defaults: {min_peer_as: 2}\n",
			[]string{"defaults", "line 1", `unknown setting "min_peer_as"`}},
		{"bad prefix as a BGPalerter key", "202.33.0.0/33:\n  asn: 4725\n",
			[]string{"line 1", `unknown key "202.33.0.0/33"`}},
		{"unknown top-level key", "prefix:\n  202.33.0.0/16: {asn: 4725}\n",
			[]string{"line 1", `unknown key "prefix"`}},
		{"host bits set", "prefixes:\n  202.33.1.0/16: {asn: 4725}\n",
			[]string{"line 2", "prefix 202.33.1.0/16 has host bits set (did you mean 202.33.0.0/16?)"}},
		{"IPv6 host bits set", "2001:db8::1/32:\n  asn: 4725\n",
			[]string{"line 1", "prefix 2001:db8::1/32 has host bits set (did you mean 2001:db8::/32?)"}},
		{"prefix listed twice", "prefixes:\n  202.33.0.0/16: {asn: 4725}\n  202.33.0.0/16: {asn: 4726}\n",
			[]string{"prefix 202.33.0.0/16", "listed twice"}},
		{"prefix listed in both layouts", "202.33.0.0/16: {asn: 4725}\nprefixes:\n  202.33.0.0/16: {asn: 4725}\n",
			[]string{"prefix 202.33.0.0/16", "listed twice"}},
		{"AS listed twice", "asns:\n  AS4725: {group: noc}\n  4725: {group: dns}\n",
			[]string{"AS4725", "listed twice"}},
		{"AS0 origin", "prefixes:\n  202.33.0.0/16: {asn: [4725, 0]}\n",
			[]string{"prefix 202.33.0.0/16", "AS0 is not a valid origin"}},
		{"AS0 upstream", "prefixes:\n  202.33.0.0/16: {asn: 4725, upstreams: [0]}\n",
			[]string{"prefix 202.33.0.0/16", "AS0"}},
		{"AS0 monitored", "asns:\n  4725: {}\n  0: {group: noc}\n",
			[]string{"line 3", `"0" is not an AS number`}},
		{"AS0 in monitorASns", "202.33.0.0/16: {asn: 4725}\noptions:\n  monitorASns:\n    AS0:\n      group: noc\n",
			[]string{"options.monitorASns", "line 4", `"AS0" is not an AS number`}},
		{"asn not a number", "202.33.0.0/16:\n  asn: four\n",
			[]string{"prefix 202.33.0.0/16", "line 2", "four"}},
		{"negative default threshold", "defaults:\n  min_peer_ases: -1\n",
			[]string{"defaults", "min_peer_ases -1 is negative"}},
		{"negative prefix threshold", "prefixes:\n  202.33.0.0/16:\n    asn: 4725\n    thresholds: {min_collectors: -2}\n",
			[]string{"prefix 202.33.0.0/16", "min_collectors -2 is negative"}},
		{"loss percent over 100", "asns:\n  4725:\n    thresholds: {visibility_loss_percent: 150}\n",
			[]string{"AS4725", "visibility_loss_percent 150 is not within 0..100"}},
		{"negative duration", "defaults:\n  reopen_window: -5m\n",
			[]string{"defaults", "durations must not be negative"}},
		{"include and exclude", "202.33.0.0/16:\n  asn: 4725\n  includeMonitors: [basic-hijack-detection]\n  excludeMonitors: [withdrawal-detection]\n",
			[]string{"prefix 202.33.0.0/16", "includeMonitors and excludeMonitors are mutually exclusive"}},
		{"include and exclude on an AS", "asns:\n  4725: {includeMonitors: [new-prefix], excludeMonitors: [path-neighbors]}\n",
			[]string{"AS4725", "mutually exclusive"}},
		{"unknown monitor", "202.33.0.0/16:\n  asn: 4725\n  excludeMonitors: [withdrawl-detection]\n",
			[]string{"prefix 202.33.0.0/16", `unknown monitor "withdrawl-detection"`}},
		{"unknown monitor on an AS", "asns:\n  4725: {includeMonitors: [asn-monitr]}\n",
			[]string{"AS4725", `unknown monitor "asn-monitr"`}},
		{"bad match regex", "202.33.0.0/16:\n  asn: 4725\n  path:\n    match: \"(174\"\n    matchDescription: x\n",
			[]string{"prefix 202.33.0.0/16", "path rule 1: match", "missing closing )"}},
		{"bad notMatch regex", "prefixes:\n  202.33.0.0/16:\n    asn: 4725\n    path:\n      - match: \"^174,\"\n      - notMatch: \"[64500\"\n",
			[]string{"prefix 202.33.0.0/16", "path rule 2: notMatch", "missing closing ]"}},
		{"bad default duration", "defaults:\n  visibility_hold: soon\n",
			[]string{"defaults", "line 2", `bad duration "soon"`}},
		{"bad prefix duration", "prefixes:\n  202.33.0.0/16:\n    asn: 4725\n    thresholds:\n      reopen_window: 5 minutes\n",
			[]string{"prefix 202.33.0.0/16", "line 5", `bad duration "5 minutes"`}},
		{"duration not a scalar", "defaults:\n  visibility_hold: [1, 2]\n",
			[]string{"line 2", "a duration must be a scalar"}},
		{"file not a mapping", "- 202.33.0.0/16\n- 202.33.1.0/24\n",
			[]string{"line 1", "the file must be a mapping"}},
		{"prefixes not a mapping", "prefixes:\n  - 202.33.0.0/16\n",
			[]string{"line 2", "prefixes must map each prefix to its settings"}},
		{"asns not a mapping", "asns: 4725\n",
			[]string{"line 1", "asns must map each AS number to its settings"}},
		{"monitorASns not a mapping", "options:\n  monitorASns: [4725]\n",
			[]string{"options.monitorASns", "line 2", "asns must map"}},
		{"prefix settings not a mapping", "202.33.0.0/16: 4725\n",
			[]string{"prefix 202.33.0.0/16 (line 1)", "settings must be a mapping"}},
		{"not YAML", "prefixes: [202.33.0.0/16\n",
			[]string{"line"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.yml))
			if err == nil {
				t.Fatalf("no error for\n%s\nparsed: %s", tc.yml, configView(cfg))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestConfigLoad: LoadConfig names the file in its errors.
func TestConfigLoad(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yml")
	if _, err := LoadConfig(missing); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yml")
	if err := os.WriteFile(bad, []byte("prefixes:\n  202.33.1.0/16: {asn: 4725}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(bad); err == nil || !strings.HasPrefix(err.Error(), bad+": line 2: prefix 202.33.1.0/16 has host bits set") {
		t.Errorf("bad file: %v", err)
	}
}

// TestConfigExplicitZero: "0s" sets a duration to zero where an absent
// value inherits, and survives Marshal.
func TestConfigExplicitZero(t *testing.T) {
	cfg, err := ParseConfig([]byte("defaults: {reopen_window: 0s}\nprefixes:\n  202.33.0.0/16: {asn: 4725, thresholds: {visibility_hold: 0}}\n  203.0.113.0/24: {asn: 4725}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Prefixes[0].th; got.VisibilityHold != 0 || got.ReopenWindow != 0 {
		t.Errorf("explicit zeros: %+v", got)
	}
	if got := cfg.Prefixes[1].th; got.VisibilityHold != DefaultThresholds.VisibilityHold || got.ReopenWindow != 0 {
		t.Errorf("inherited: %+v", got)
	}
	b, err := cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseConfig(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if again.Prefixes[0].th != cfg.Prefixes[0].th || again.Prefixes[1].th != cfg.Prefixes[1].th {
		t.Errorf("after Marshal: %+v %+v\n%s", again.Prefixes[0].th, again.Prefixes[1].th, b)
	}
}
