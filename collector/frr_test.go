package collector

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/bus"
)

// frrBgpd is where Debian's frr package installs bgpd.
const frrBgpd = "/usr/lib/frr/bgpd"

const frrConf = `frr defaults traditional
hostname routestat-test
router bgp 4200000002
 bgp router-id 127.0.0.3
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 127.0.0.1 remote-as %d
 neighbor 127.0.0.1 port %d
 neighbor 127.0.0.1 update-source 127.0.0.3
 neighbor 127.0.0.1 timers connect 1
 address-family ipv4 unicast
  network 198.51.100.0/24
  network 203.0.113.0/24
  neighbor 127.0.0.1 route-map OUT out
 exit-address-family
ip prefix-list P1 seq 5 permit 198.51.100.0/24
route-map OUT permit 10
 match ip address prefix-list P1
 set community 64500:100
 set large-community 4200000002:1:2
 set metric 50
route-map OUT permit 20
`

// frr is an FRR bgpd run by a test, without zebra.
type frr struct {
	t   *testing.T
	dir string
}

func startFRR(t *testing.T, conf string) *frr {
	t.Helper()
	if _, err := os.Stat(frrBgpd); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("FRR is not installed (CI=true): %v", err)
		}
		t.Skipf("FRR is not installed: %v", err)
	}
	need(t, "vtysh")
	dir := t.TempDir()
	cf := filepath.Join(dir, "bgpd.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "bgpd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(frrBgpd, "-Z", "-S", "-f", cf, "-i", filepath.Join(dir, "bgpd.pid"), "--vty_socket", dir, "-p", "0", "--log", "stdout")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "bgpd.log"))
			t.Logf("bgpd log:\n%s", b)
		}
	})
	return &frr{t: t, dir: dir}
}

// vtysh runs commands against the test's bgpd.
func (f *frr) vtysh(cmds ...string) string {
	f.t.Helper()
	args := []string{"--vty_socket", f.dir, "-d", "bgpd"}
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	var out []byte
	var err error
	for range 50 { // the vty socket appears once bgpd is up
		out, err = exec.Command("vtysh", args...).CombinedOutput()
		if err == nil {
			return string(out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.t.Fatalf("vtysh %v: %v\n%s", cmds, err, out)
	return ""
}

// TestFRRPeer peers FRR's bgpd (Debian's frr) with the collector: it
// announces two IPv4 routes from a 4-byte AS, one with a community, a large
// community and MED set by an outbound route-map, withdraws the other, and
// must receive nothing from the collector.
func TestFRRPeer(t *testing.T) {
	_, events, logs, port := startCollector(t, Config{
		Name: "rrc99", RouterID: "10.255.0.1",
		Neighbors: []Neighbor{{Address: "127.0.0.3", PeerAS: 4200000002, Description: "frr", Passive: true}},
	})
	defer func() {
		if t.Failed() {
			t.Logf("collector log:\n%s", logs.String())
		}
	}()
	f := startFRR(t, fmt.Sprintf(frrConf, DefaultASN, port))
	evs := events.waitFor(t, "both routes from FRR", 60*time.Second, func(evs []*bus.Event) bool {
		rib, _ := table(t, evs)
		return len(rib) == 2
	})
	if !slices.ContainsFunc(evs, func(e *bus.Event) bool {
		return e.Kind == bus.KindState && e.NewState == bus.StateEstablished && e.PeerAS == 4200000002 && e.AS4
	}) {
		t.Fatal("no Established event for FRR's 4-byte AS session")
	}
	rib, _ := table(t, evs)
	r := rib["198.51.100.0/24"]
	if !slices.Equal(r.path, []uint32{4200000002}) || !slices.Equal(r.communities, [][2]uint16{{64500, 100}}) ||
		!slices.Equal(r.large, [][3]uint32{{4200000002, 1, 2}}) {
		t.Errorf("198.51.100.0/24: %+v", r)
	}
	if r := rib["203.0.113.0/24"]; !slices.Equal(r.path, []uint32{4200000002}) || len(r.communities) != 0 {
		t.Errorf("203.0.113.0/24: %+v", r)
	}
	// the MED, from the route-map
	for _, ev := range evs {
		if ev.Kind == bus.KindMessage && ev.MessageType() == 2 {
			if m := decode(t, ev); len(m.NLRI) > 0 && m.NLRI[0].String() == "198.51.100.0/24" && m.Attrs.MED != 50 {
				t.Errorf("MED %d, want 50", m.Attrs.MED)
			}
		}
	}

	f.vtysh("configure terminal", "router bgp 4200000002", "address-family ipv4 unicast", "no network 203.0.113.0/24")
	events.waitFor(t, "the withdrawal", 30*time.Second, func(evs []*bus.Event) bool {
		_, w := table(t, evs)
		return slices.Contains(w, "203.0.113.0/24")
	})
	time.Sleep(time.Second) // time for anything the collector might send
	if out := f.vtysh("show bgp ipv4 unicast summary"); !strings.Contains(out, "127.0.0.1") {
		t.Errorf("summary without the collector:\n%s", out)
	} else {
		found := false
		for _, l := range strings.Split(out, "\n") {
			if fs := strings.Fields(l); len(fs) > 9 && fs[0] == "127.0.0.1" {
				found = true
				if fs[9] != "0" {
					t.Errorf("FRR counts %s prefixes received from the collector:\n%s", fs[9], out)
				}
			}
		}
		if !found {
			t.Errorf("no prefix count for the collector in:\n%s", out)
		}
	}
}
