package collector

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	bindable := true
	defer func(f func(int) bool) { canBind = f }(canBind)
	canBind = func(port int) bool { return bindable && port == DefaultPort }

	tests := []struct {
		name     string
		yaml     string
		bindable bool
		check    func(t *testing.T, c Config)
		err      string // substring of the error; "" for success
	}{
		{name: "empty gives defaults", yaml: "", bindable: true, check: func(t *testing.T, c Config) {
			if c.Name != "rrc00" || c.ASN != 4200000000 || c.RouterID != "127.0.0.1" || c.ListenPort != 179 ||
				c.HoldTime != 180 || c.Keepalive != 60 || len(c.ListenAddresses) != 2 {
				t.Errorf("defaults: %+v", c)
			}
			if len(c.DynamicNeighbors) != 2 || c.DynamicNeighbors[0].Prefix != "127.0.0.0/8" || c.DynamicNeighbors[1].Prefix != "::1/128" ||
				c.DynamicNeighbors[0].PeerAS != 0 {
				t.Errorf("default dynamic neighbours: %+v", c.DynamicNeighbors)
			}
		}},
		{name: "port falls back when 179 cannot be bound", yaml: "name: rrc01", bindable: false, check: func(t *testing.T, c Config) {
			if c.ListenPort != 1179 || c.Name != "rrc01" {
				t.Errorf("port %d name %q, want 1179 rrc01", c.ListenPort, c.Name)
			}
		}},
		{name: "explicit port kept", yaml: "listen_port: 10179", bindable: true, check: func(t *testing.T, c Config) {
			if c.ListenPort != 10179 {
				t.Errorf("port %d", c.ListenPort)
			}
		}},
		{name: "static neighbours replace the loopback default", bindable: true, yaml: `
asn: 12654
router_id: 193.0.4.28
hold_time: 90
neighbors:
  - address: 192.0.2.1
    peer_as: 64496
    description: transit
    password: secret
    ttl_security: 1
    max_prefixes: 1000
    max_prefix_action: shutdown
  - address: 2001:db8::1
    peer_as: 4200000001
    multihop: 4
`, check: func(t *testing.T, c Config) {
			if c.ASN != 12654 || c.Keepalive != 30 || len(c.DynamicNeighbors) != 0 || len(c.Neighbors) != 2 {
				t.Fatalf("config: %+v", c)
			}
			n := c.Neighbors[0]
			if n.Password != "secret" || n.TTLSecurity != 1 || n.MaxPrefixes != 1000 || n.MaxPrefixAction != "shutdown" {
				t.Errorf("neighbour 0: %+v", n)
			}
			if c.Neighbors[1].MaxPrefixAction != "restart" || c.Neighbors[1].Multihop != 4 {
				t.Errorf("neighbour 1: %+v", c.Neighbors[1])
			}
		}},
		{name: "dynamic range", bindable: true, yaml: "dynamic_neighbors:\n  - prefix: 192.0.2.0/24\n    peer_as: 64496\n", check: func(t *testing.T, c Config) {
			if len(c.DynamicNeighbors) != 1 || c.DynamicNeighbors[0].PeerAS != 64496 {
				t.Errorf("dynamic: %+v", c.DynamicNeighbors)
			}
		}},
		{name: "bad YAML names the line", yaml: "name: rrc00\nneighbors:\n  - address: [\n", err: "yaml: line 3"},
		{name: "unknown field names the line", yaml: "name: rrc00\nlisten_prot: 179\n", err: "line 2: field listen_prot not found"},
		{name: "wrong type names the line", yaml: "asn: twelve\n", err: "line 1"},
		{name: "bad neighbour address", yaml: "neighbors:\n  - address: 192.0.2.300\n    peer_as: 1\n", err: `neighbors[0].address: "192.0.2.300" is not an IP address`},
		{name: "duplicate neighbour", yaml: "neighbors:\n  - address: 192.0.2.1\n  - address: 192.0.2.1\n", err: "neighbors[1].address: 192.0.2.1 is configured twice"},
		{name: "bad max-prefix action", yaml: "neighbors:\n  - address: 192.0.2.1\n    max_prefix_action: warn\n", err: "neighbors[0].max_prefix_action"},
		{name: "ttl security with multihop", yaml: "neighbors:\n  - address: 192.0.2.1\n    ttl_security: 1\n    multihop: 2\n", err: "neighbors[0]: ttl_security and multihop"},
		{name: "bad router id", yaml: "router_id: 2001:db8::1\n", err: "router_id"},
		{name: "AS_TRANS", yaml: "asn: 23456\n", err: "asn: 23456"},
		{name: "bad port", yaml: "listen_port: 70000\n", err: "listen_port: 70000"},
		{name: "keepalive above hold time", yaml: "hold_time: 30\nkeepalive: 60\n", err: "keepalive: 60 s"},
		{name: "dynamic prefix with host bits", yaml: "dynamic_neighbors:\n  - prefix: 192.0.2.1/24\n", err: "dynamic_neighbors[0].prefix: 192.0.2.1/24 has host bits set"},
		{name: "bad listen address", yaml: "listen_addresses: [localhost]\n", err: "listen_addresses[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bindable = tc.bindable
			c, err := ParseConfig([]byte(tc.yaml))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestLoadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "collector.yaml")
	if err := os.WriteFile(path, []byte("name: rrc21\nlisten_port: 1179\nneighbors:\n  - address: bogus\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "neighbors[0].address") {
		t.Fatalf("error %v, want one naming the file and neighbors[0].address", err)
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Fatal("no error for a missing file")
	}
}
