package demo

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/routestat/routestat/stat/hijack"
)

// Monitored returns the hijack detector's monitored-resources file for
// the scenario (routestat's layout, docs/hijack.md): AS4725's prefixes
// with AS4725 as their legitimate origin reached through its two
// upstreams, and AS4725 itself with those upstreams.
func (s *Scenario) Monitored() ([]byte, error) {
	c := &hijack.Config{Defaults: hijack.DefaultThresholds}
	for _, p := range OriginPrefixes {
		c.Prefixes = append(c.Prefixes, &hijack.PrefixRule{
			Prefix: p, Description: fmt.Sprintf("AS%d (demo scenario)", Origin),
			Origins: []uint32{Origin}, Upstreams: slices.Clone(OriginUpstreams),
		})
	}
	ups := slices.Clone(OriginUpstreams)
	c.ASNs = append(c.ASNs, &hijack.ASRule{ASN: Origin, Upstreams: &ups})
	b, err := c.Marshal()
	if err != nil {
		return nil, fmt.Errorf("demo monitored resources: %w", err)
	}
	return b, nil
}

// ASNames returns the AS-names file for the scenario (docs/asnames.md):
// AS4725, the hijacker and its upstream, the peers and the background
// networks, each named as part of the demo. The transit networks in the
// middle of paths are left unnamed.
func (s *Scenario) ASNames() []byte {
	var b bytes.Buffer
	b.WriteString("# routestat demo scenario: generated names, not registry data\n")
	for _, as := range slices.Sorted(maps.Keys(s.Names)) {
		fmt.Fprintf(&b, "AS%d %s\n", as, s.Names[as])
	}
	return b.Bytes()
}

// Info describes the demo scenario for people and programs (routestat
// serve --demo stores it with the data and serves it at /api/v1/demo).
type Info struct {
	Description   string    `json:"description"`
	ScenarioStart time.Time `json:"scenario_start"`
	ScenarioEnd   time.Time `json:"scenario_end"`
	HijackAt      time.Time `json:"hijack_at"`
	// Resources are what to look at: the origin AS, its prefix and the
	// hijacked more specific.
	Resources []string `json:"resources"`
}

// About returns the scenario's description.
func About() Info {
	return Info{
		Description: Description, ScenarioStart: Start, ScenarioEnd: End, HijackAt: HijackAt,
		Resources: []string{fmt.Sprintf("AS%d", Origin), OriginPrefix.String(), HijackedPrefix.String()},
	}
}
