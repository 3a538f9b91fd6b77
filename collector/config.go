package collector

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults applied by Config.Defaults.
const (
	// DefaultName is the collector name used when none is configured.
	DefaultName = "rrc00"
	// DefaultASN is the collector's AS number when none is configured: the
	// first 4-byte private AS number (RFC 6996), so that an unconfigured
	// collector never claims someone else's AS.
	DefaultASN = 4200000000
	// DefaultRouterID is the BGP identifier when none is configured.
	DefaultRouterID = "127.0.0.1"
	// DefaultPort is the BGP port, used when the process may bind it;
	// FallbackPort is used otherwise (unprivileged runs).
	DefaultPort  = 179
	FallbackPort = 1179
	// DefaultHoldTime and DefaultKeepalive are the timers RIS collectors
	// offer (the RFC 4271 suggested values), in seconds.
	DefaultHoldTime  = 180
	DefaultKeepalive = 60
	// DefaultConnectRetry is the connect retry timer for active sessions,
	// in seconds.
	DefaultConnectRetry = 30
)

// Max-prefix actions. GoBGP itself only knows one action on exceeding a
// prefix limit: it sends a Cease NOTIFICATION (subcode 1) and drops the
// session. "restart" lets the peer reconnect (after the idle hold time,
// RestartAfter); "shutdown" additionally disables the peer until an
// operator enables it again.
const (
	MaxPrefixRestart  = "restart"
	MaxPrefixShutdown = "shutdown"
)

// Config configures a Collector. Every field has a default (see
// Defaults); the zero Config is a collector named rrc00 that accepts BGP
// sessions from loopback addresses with any peer AS.
type Config struct {
	// Name is the collector's name, e.g. rrc00.
	Name string `yaml:"name"`
	// ASN is the collector's own AS number (4-byte ASNs allowed).
	ASN uint32 `yaml:"asn"`
	// RouterID is the collector's BGP identifier, an IPv4 address.
	RouterID string `yaml:"router_id"`
	// ListenAddresses are the addresses to accept BGP sessions on
	// (default: all IPv4 and IPv6 addresses).
	ListenAddresses []string `yaml:"listen_addresses"`
	// ListenPort is the TCP port to listen on: 179 when the process may
	// bind it, else 1179. -1 disables listening (active sessions only).
	ListenPort int `yaml:"listen_port"`
	// HoldTime and Keepalive are the offered timers in seconds (defaults
	// 180 and 60, as RIS).
	HoldTime  uint32 `yaml:"hold_time"`
	Keepalive uint32 `yaml:"keepalive"`
	// Neighbors are the statically configured peers.
	Neighbors []Neighbor `yaml:"neighbors"`
	// DynamicNeighbors are prefixes any router in which may open a session.
	// When no Neighbors and no DynamicNeighbors are configured, the
	// collector accepts 127.0.0.0/8 and ::1/128 with any peer AS.
	DynamicNeighbors []DynamicNeighbor `yaml:"dynamic_neighbors"`
	// Clock gives the time stamped on every event the collector publishes
	// (received UPDATEs and session state changes), and so on the MRT
	// archive's records and the choice of its files (default time.Now).
	// It is not read from the file: a demo scenario sets it so that its
	// replayed routes are seen at their scenario time.
	Clock func() time.Time `yaml:"-"`
}

// Neighbor is a statically configured BGP peer.
type Neighbor struct {
	// Address is the peer's IPv4 or IPv6 address.
	Address string `yaml:"address"`
	// PeerAS is the peer's AS number; 0 accepts whatever AS it announces.
	PeerAS uint32 `yaml:"peer_as"`
	// Description is free text shown in status and logs.
	Description string `yaml:"description"`
	// Password enables TCP-MD5 (RFC 2385) with this key.
	Password string `yaml:"password"`
	// Passive makes the collector wait for the peer to connect instead of
	// also connecting to it.
	Passive bool `yaml:"passive"`
	// TTLSecurity enables GTSM (RFC 5082) accepting packets that crossed
	// at most TTLSecurity hops (1 for a directly connected peer); 0 is off.
	TTLSecurity uint8 `yaml:"ttl_security"`
	// Multihop enables eBGP multihop with this TTL; 0 is off.
	Multihop uint8 `yaml:"multihop"`
	// MaxPrefixes limits the prefixes accepted per address family; 0 is
	// no limit. MaxPrefixAction says what exceeding it does (restart,
	// the default, or shutdown); MaxPrefixWarnPercent logs a warning
	// when that percentage of the limit is reached (0: no warning).
	MaxPrefixes          uint32 `yaml:"max_prefixes"`
	MaxPrefixAction      string `yaml:"max_prefix_action"`
	MaxPrefixWarnPercent uint32 `yaml:"max_prefix_warn_percent"`
	// RestartAfter is the idle hold time in seconds before a session torn
	// down by the collector (e.g. max-prefix restart) may come up again;
	// 0 means GoBGP's default (30 s).
	RestartAfter uint32 `yaml:"restart_after"`
}

// DynamicNeighbor lets any router in Prefix open a session.
type DynamicNeighbor struct {
	// Prefix is the range peers may come from, e.g. 192.0.2.0/24.
	Prefix string `yaml:"prefix"`
	// PeerAS restricts the peers' AS number; 0 accepts any AS.
	PeerAS uint32 `yaml:"peer_as"`
	// Description is free text shown in status and logs.
	Description string `yaml:"description"`
	// Password enables TCP-MD5 for the range.
	Password string `yaml:"password"`
}

// canBind reports whether the process may listen on TCP port; it is a
// variable so that tests can pretend either way.
var canBind = func(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// Defaults returns c with every unset field given its default: name rrc00,
// ASN 4200000000, router ID 127.0.0.1, all addresses, port 179 if it can
// be bound (else 1179), hold time 180 s and keepalive 60 s, max-prefix
// action restart, the clock time.Now, and — when no neighbour of either
// kind is configured — dynamic neighbours 127.0.0.0/8 and ::1/128 with any
// AS.
func (c Config) Defaults() Config {
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.ASN == 0 {
		c.ASN = DefaultASN
	}
	if c.RouterID == "" {
		c.RouterID = DefaultRouterID
	}
	if len(c.ListenAddresses) == 0 {
		c.ListenAddresses = []string{"0.0.0.0", "::"}
	}
	if c.ListenPort == 0 {
		c.ListenPort = FallbackPort
		if canBind(DefaultPort) {
			c.ListenPort = DefaultPort
		}
	}
	if c.HoldTime == 0 {
		c.HoldTime = DefaultHoldTime
	}
	if c.Keepalive == 0 {
		c.Keepalive = min(DefaultKeepalive, c.HoldTime/3)
	}
	c.Neighbors = append([]Neighbor(nil), c.Neighbors...)
	for i := range c.Neighbors {
		if c.Neighbors[i].MaxPrefixAction == "" {
			c.Neighbors[i].MaxPrefixAction = MaxPrefixRestart
		}
	}
	if len(c.Neighbors) == 0 && len(c.DynamicNeighbors) == 0 {
		c.DynamicNeighbors = []DynamicNeighbor{
			{Prefix: "127.0.0.0/8", Description: "loopback (default)"},
			{Prefix: "::1/128", Description: "loopback (default)"},
		}
	}
	return c
}

// Validate reports the first invalid field of c (after Defaults), naming
// it as in the YAML file.
func (c Config) Validate() error {
	if c.Name == "" {
		return errors.New("config: name: empty")
	}
	if c.ASN == 0 || c.ASN == 23456 {
		return fmt.Errorf("config: asn: %d is not a usable AS number", c.ASN)
	}
	id, err := netip.ParseAddr(c.RouterID)
	if err != nil || !id.Is4() {
		return fmt.Errorf("config: router_id: %q is not an IPv4 address", c.RouterID)
	}
	for i, a := range c.ListenAddresses {
		if _, err := netip.ParseAddr(a); err != nil {
			return fmt.Errorf("config: listen_addresses[%d]: %q is not an IP address", i, a)
		}
	}
	if c.ListenPort < -1 || c.ListenPort > 65535 || c.ListenPort == 0 {
		return fmt.Errorf("config: listen_port: %d is not a TCP port (or -1)", c.ListenPort)
	}
	if c.HoldTime != 0 && c.HoldTime < 3 {
		return fmt.Errorf("config: hold_time: %d s is below the minimum of 3 s", c.HoldTime)
	}
	if c.Keepalive == 0 || c.Keepalive > c.HoldTime {
		return fmt.Errorf("config: keepalive: %d s must be between 1 and hold_time (%d s)", c.Keepalive, c.HoldTime)
	}
	seen := map[netip.Addr]bool{}
	for i, n := range c.Neighbors {
		field := fmt.Sprintf("config: neighbors[%d]", i)
		a, err := netip.ParseAddr(n.Address)
		if err != nil || a.Zone() != "" {
			return fmt.Errorf("%s.address: %q is not an IP address", field, n.Address)
		}
		a = a.Unmap()
		if seen[a] {
			return fmt.Errorf("%s.address: %s is configured twice", field, a)
		}
		seen[a] = true
		if n.PeerAS == 23456 {
			return fmt.Errorf("%s.peer_as: 23456 is AS_TRANS, not a peer AS", field)
		}
		if n.TTLSecurity != 0 && n.Multihop != 0 {
			return fmt.Errorf("%s: ttl_security and multihop exclude each other", field)
		}
		if n.MaxPrefixAction != MaxPrefixRestart && n.MaxPrefixAction != MaxPrefixShutdown {
			return fmt.Errorf("%s.max_prefix_action: %q is neither %q nor %q", field, n.MaxPrefixAction, MaxPrefixRestart, MaxPrefixShutdown)
		}
		if n.MaxPrefixWarnPercent > 100 {
			return fmt.Errorf("%s.max_prefix_warn_percent: %d is above 100", field, n.MaxPrefixWarnPercent)
		}
		if len(n.Password) > 80 {
			return fmt.Errorf("%s.password: longer than the 80 bytes TCP-MD5 allows", field)
		}
	}
	for i, d := range c.DynamicNeighbors {
		field := fmt.Sprintf("config: dynamic_neighbors[%d]", i)
		p, err := netip.ParsePrefix(d.Prefix)
		if err != nil {
			return fmt.Errorf("%s.prefix: %q is not a prefix: %w", field, d.Prefix, err)
		}
		if p != p.Masked() {
			return fmt.Errorf("%s.prefix: %s has host bits set (did you mean %s?)", field, p, p.Masked())
		}
		if d.PeerAS == 23456 {
			return fmt.Errorf("%s.peer_as: 23456 is AS_TRANS, not a peer AS", field)
		}
	}
	return nil
}

// LoadConfig reads a YAML configuration file, applies Defaults and
// validates the result. Syntax errors and unknown fields name the line.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("load collector config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("load collector config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig is LoadConfig for YAML already in memory. Empty input gives
// the default configuration.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	if err := d.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, err
	}
	c = c.Defaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}
