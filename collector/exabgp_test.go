package collector

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/mrtdump"
)

// exabgpScript announces routes through exabgp's API, withdraws one when
// the trigger file appears, and records every message exabgp reports
// receiving from the collector.
const exabgpScript = `import sys, os, time, threading
trigger, received = sys.argv[1], sys.argv[2]
def listen():
    with open(received, "a") as out:
        for line in sys.stdin:
            out.write(line)
            out.flush()
threading.Thread(target=listen, daemon=True).start()
for r in [
    "announce route 198.51.100.0/24 next-hop 127.0.0.4 as-path [ 4200000003 65010 ( 65011 65012 ) ] community [ 64500:100 ] large-community [ 4200000003:1:2 ] med 50 atomic-aggregate aggregator ( 4200000003:127.0.0.4 )",
    "announce route 2001:db8:100::/48 next-hop 2001:db8::4 as-path [ 4200000003 ] community [ 64500:200 ]",
    "announce route 203.0.113.0/24 next-hop 127.0.0.4",
]:
    sys.stdout.write(r + "\n")
sys.stdout.flush()
while not os.path.exists(trigger):
    time.sleep(0.05)
sys.stdout.write("withdraw route 203.0.113.0/24 next-hop 127.0.0.4\n")
sys.stdout.flush()
while True:
    time.sleep(1)
`

const exabgpConf = `process announcer {
  run /usr/bin/python3 %s %s %s;
  encoder json;
}
neighbor 127.0.0.1 {
  router-id 127.0.0.4;
  local-address 127.0.0.4;
  local-as 4200000003;
  peer-as %d;
  family { ipv4 unicast; ipv6 unicast; }
  api { processes [ announcer ]; neighbor-changes; receive { parsed; update; } }
}
`

// TestExaBGPPeer peers exabgp (Debian's exabgp) with the collector over
// an IPv4 session carrying IPv4 and IPv6 routes: an AS path with an
// AS_SET, standard and large communities, MED, ATOMIC_AGGREGATE and
// AGGREGATOR with a 4-byte AS; then a withdrawal. exabgp must report no
// UPDATE from the collector.
func TestExaBGPPeer(t *testing.T) {
	prog := need(t, "exabgp")
	_, events, logs, port := startCollector(t, Config{
		Name: "rrc99", RouterID: "10.255.0.1",
		Neighbors: []Neighbor{{Address: "127.0.0.4", PeerAS: 4200000003, Description: "exabgp", Passive: true}},
	})
	dir := t.TempDir()
	script, trigger, received := filepath.Join(dir, "announce.py"), filepath.Join(dir, "withdraw"), filepath.Join(dir, "received")
	conf := filepath.Join(dir, "exabgp.conf")
	if err := os.WriteFile(script, []byte(exabgpScript), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(exabgpConf, script, trigger, received, DefaultASN)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "exabgp.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(prog, conf)
	cmd.Env = append(os.Environ(), fmt.Sprintf("exabgp.tcp.port=%d", port), "exabgp.tcp.bind=", "exabgp.daemon.user=root", "exabgp.log.destination=stdout")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "exabgp.log"))
			t.Logf("exabgp log:\n%s\ncollector log:\n%s", b, logs.String())
		}
	}()

	var v4, v6 *mrtdump.Message
	events.waitFor(t, "exabgp's routes", 60*time.Second, func(evs []*bus.Event) bool {
		for _, ev := range evs {
			if ev.Kind != bus.KindMessage || ev.MessageType() != 2 {
				continue
			}
			m := decode(t, ev)
			if len(m.NLRI) == 1 && m.NLRI[0].String() == "198.51.100.0/24" {
				v4 = m
			}
			if r := m.Attrs.ReachFor(mrtdump.AFIIPv6, 1); r != nil && len(r.Prefixes) == 1 && r.Prefixes[0].String() == "2001:db8:100::/48" {
				v6 = m
			}
		}
		return v4 != nil && v6 != nil
	})
	a := &v4.Attrs
	wantPath := []byte{mrtdump.SegSequence, 2}
	wantPath = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(wantPath, 4200000003), 65010)
	wantPath = append(wantPath, mrtdump.SegSet, 2)
	wantPath = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(wantPath, 65011), 65012)
	if !slices.Equal(a.ASPath, wantPath) || a.ASNSize != 4 {
		t.Errorf("AS_PATH % x, want % x (a sequence and an AS_SET)", a.ASPath, wantPath)
	}
	if a.MED != 50 || !a.Has(mrtdump.AttrAtomicAggregate) || a.AggregatorAS != 4200000003 || netip.AddrFrom4(a.AggregatorAddr) != netip.MustParseAddr("127.0.0.4") {
		t.Errorf("MED %d, atomic aggregate %v, aggregator %d %v", a.MED, a.Has(mrtdump.AttrAtomicAggregate), a.AggregatorAS, netip.AddrFrom4(a.AggregatorAddr))
	}
	if !slices.Equal(a.Communities, []byte{0xfb, 0xf4, 0, 100}) || len(a.LargeCommunities) != 12 || binary.BigEndian.Uint32(a.LargeCommunities) != 4200000003 {
		t.Errorf("communities % x, large % x", a.Communities, a.LargeCommunities)
	}
	if r := v6.Attrs.ReachFor(mrtdump.AFIIPv6, 1); netip.AddrFrom16(r.NextHop) != netip.MustParseAddr("2001:db8::4") {
		t.Errorf("IPv6 next hop %v", netip.AddrFrom16(r.NextHop))
	}

	if err := os.WriteFile(trigger, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	events.waitFor(t, "the withdrawal", 30*time.Second, func(evs []*bus.Event) bool {
		_, w := table(t, evs)
		return slices.Contains(w, "203.0.113.0/24")
	})
	time.Sleep(time.Second) // time for anything the collector might send
	b, err := os.ReadFile(received)
	if err != nil {
		t.Fatalf("exabgp's process recorded nothing (not even the session): %v", err)
	}
	if !strings.Contains(string(b), `"state"`) {
		t.Fatalf("exabgp reported no messages at all; the received-message check would prove nothing:\n%s", b)
	}
	for l := range strings.Lines(string(b)) {
		if strings.Contains(l, `"type": "update"`) || strings.Contains(l, `"type":"update"`) {
			t.Errorf("exabgp received an UPDATE from the collector: %s", l)
		}
	}
}
