package replay

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/apiutil"
	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
	"github.com/osrg/gobgp/v3/pkg/server"

	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
)

// receiver is a GoBGP server standing in for the collector: it accepts
// any loopback peer with any AS, with ADD-PATH receive.
func receiver(t *testing.T) (*server.BgpServer, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx := context.Background()
	s := server.NewBgpServer(server.LoggerOption(quietLogger{}))
	go s.Serve()
	t.Cleanup(s.Stop)
	if err := s.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{Asn: 4200000000, RouterId: "127.0.0.1", ListenPort: int32(port), ListenAddresses: []string{"127.0.0.1"}}}); err != nil {
		t.Fatal(err)
	}
	var afs []*api.AfiSafi
	for _, f := range []*api.Family{{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, {Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}} {
		afs = append(afs, &api.AfiSafi{Config: &api.AfiSafiConfig{Family: f, Enabled: true}, AddPaths: &api.AddPaths{Config: &api.AddPathsConfig{Receive: true}}})
	}
	if err := s.AddPeerGroup(ctx, &api.AddPeerGroupRequest{PeerGroup: &api.PeerGroup{Conf: &api.PeerGroupConf{PeerGroupName: "any"}, AfiSafis: afs, Transport: &api.Transport{PassiveMode: true}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddDynamicNeighbor(ctx, &api.AddDynamicNeighborRequest{DynamicNeighbor: &api.DynamicNeighbor{Prefix: "127.0.0.0/8", PeerGroup: "any"}}); err != nil {
		t.Fatal(err)
	}
	return s, port
}

// routeLine describes a route for comparison: peer AS, prefix, AS path,
// next hop, communities. ADD-PATH path identifiers are left out: the
// speakers number their paths themselves.
func routeLine(peerAS uint32, prefix string, path, nh string, comms []uint32) string {
	return fmt.Sprintf("AS%d %s path %s nh %s comm %v", peerAS, prefix, path, nh, comms)
}

// expected plays the files' routes into a table (last announcement wins,
// withdrawals remove) and describes what remains.
func expected(t *testing.T, files []string) (lines []string, skipped int) {
	t.Helper()
	type key struct {
		peer   peerKey
		prefix netip.Prefix
		id     uint32
	}
	table := map[key]string{}
	for _, f := range files {
		err := eachRoute(f, func(rt *route) error {
			k := key{rt.peer, rt.prefix.Prefix(), rt.prefix.PathID}
			if rt.peer.as == 0 {
				skipped++
				return nil
			}
			if rt.withdraw {
				delete(table, k)
				return nil
			}
			var a mrtdump.Attrs
			a.Parse(rt.attrs, rt.asnSize, false)
			var comms []uint32
			for i := 0; i+4 <= len(a.Communities); i += 4 {
				comms = append(comms, binary.BigEndian.Uint32(a.Communities[i:]))
			}
			nh := netip.AddrFrom4(a.NextHop).String()
			switch {
			case rt.prefix.IPv6 && len(rt.nextHop) >= 16:
				nh = netip.AddrFrom16([16]byte(rt.nextHop[:16])).String()
			case rt.prefix.IPv6, !a.Has(mrtdump.AttrNextHop):
				nh = rt.peer.addr.String() // no next hop in the file: the peer's address
			}
			path := ""
			if a.Has(mrtdump.AttrASPath) {
				path = pathString(a.ASPath, a.ASNSize)
			}
			table[k] = routeLine(rt.peer.as, k.prefix.String(), path, nh, comms)
			return nil
		}, false)
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range table {
		lines = append(lines, l)
	}
	slices.Sort(lines)
	return lines, skipped
}

func pathString(p []byte, size int) string {
	var sb strings.Builder
	for len(p) >= 2 {
		typ, n := p[0], int(p[1])
		if len(p) < 2+size*n {
			break
		}
		fmt.Fprintf(&sb, "%d:", typ)
		for i := range n {
			if size == 4 {
				fmt.Fprintf(&sb, " %d", binary.BigEndian.Uint32(p[2+4*i:]))
			} else {
				fmt.Fprintf(&sb, " %d", binary.BigEndian.Uint16(p[2+2*i:]))
			}
		}
		sb.WriteString(";")
		p = p[2+size*n:]
	}
	return sb.String()
}

// received describes the routes the receiver holds from every peer.
func received(t *testing.T, s *server.BgpServer) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	var peers []*api.Peer
	if err := s.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) { peers = append(peers, p) }); err != nil {
		t.Fatal(err)
	}
	for _, p := range peers {
		for _, fam := range []*api.Family{{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, {Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}} {
			err := s.ListPath(ctx, &api.ListPathRequest{TableType: api.TableType_ADJ_IN, Name: p.State.NeighborAddress, Family: fam}, func(d *api.Destination) {
				for _, path := range d.Paths {
					attrs, err := apiutil.GetNativePathAttributes(path)
					if err != nil {
						t.Fatal(err)
					}
					var as, nh string
					var comms []uint32
					for _, a := range attrs {
						switch a := a.(type) {
						case *bgp.PathAttributeAsPath:
							var sb strings.Builder
							for _, seg := range a.Value {
								fmt.Fprintf(&sb, "%d:", seg.GetType())
								for _, x := range seg.GetAS() {
									fmt.Fprintf(&sb, " %d", x)
								}
								sb.WriteString(";")
							}
							as = sb.String()
						case *bgp.PathAttributeNextHop:
							nh = a.Value.String()
						case *bgp.PathAttributeMpReachNLRI:
							nh = a.Nexthop.String()
						case *bgp.PathAttributeCommunities:
							comms = a.Value
						}
					}
					out = append(out, routeLine(p.State.PeerAsn, d.Prefix, as, nh, comms))
				}
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestReplay replays real RIS and ADD-PATH files into a BGP receiver and
// checks that it ends up holding exactly the routes the files leave, with
// the original peer AS, prefix, path id, AS path, next hop and
// communities.
func TestReplay(t *testing.T) {
	for _, files := range [][]string{
		{"libbgpstream-testdumps/ris.rrc06.updates.1401488100.gz"},
		{"ripe-bgpdump-testdata/bview.ipv4_unicast_add_path.gz"},
		{"ripe-bgpdump-testdata/bview.ipv6_unicast_add_path.gz"},
	} {
		t.Run(files[0], func(t *testing.T) {
			for i := range files {
				files[i] = sharedtest.MRT(t, files[i])
			}
			s, port := receiver(t)
			ctx, cancel := context.WithCancel(context.Background())
			var got []string
			st, err := Run(ctx, Options{To: fmt.Sprintf("127.0.0.1:%d", port), Hold: true, OnDone: func(Stats) {
				got = received(t, s)
				cancel()
			}}, files)
			if err != nil {
				t.Fatal(err)
			}
			want, skipped := expected(t, files)
			if st.Skipped != skipped {
				t.Errorf("%d routes skipped, want %d (peer AS 0)", st.Skipped, skipped)
			}
			if !slices.Equal(got, want) {
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("route %d:\nreceived %s\nexpected %s", i, got[i], want[i])
					}
				}
				t.Fatalf("received %d routes, expected %d", len(got), len(want))
			}
			t.Logf("%+v; %d routes at the end", st, len(got))
		})
	}
}

// writeMRT writes a RIB dump at t0 of a peer's routes to n prefixes, and
// an updates file announcing one more prefix every 10 s from t0+5s, count
// times. One peer: the receiver re-advertises what it receives to the
// other speakers, and GoBGP's StopBgp races with a speaker's receiving
// an UPDATE.
func writeMRT(t *testing.T, t0 time.Time, n, count int) (rib, updates string) {
	t.Helper()
	dir := t.TempDir()
	peers := []mrtdump.Peer{{BGPID: [4]byte{192, 0, 2, 1}, Addr: [16]byte{192, 0, 2, 1}, AS: 64496}}
	attrs := func(p mrtdump.Peer) []byte {
		b := []byte{0x40, 1, 1, 0, 0x40, 2, 10, 2, 2}
		b = binary.BigEndian.AppendUint32(b, p.AS)
		b = binary.BigEndian.AppendUint32(b, 64500)
		return append(b, 0x40, 3, 4, p.Addr[0], p.Addr[1], p.Addr[2], p.Addr[3])
	}
	var b bytes.Buffer
	w := mrtdump.NewWriter(&b)
	if err := w.WritePeerIndexTable(uint32(t0.Unix()), &mrtdump.PeerIndexTable{Peers: peers}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		rib := mrtdump.RIB{Sequence: uint32(i), SAFI: 1, Prefix: mrtdump.Prefix{Addr: [16]byte{10, byte(i >> 8), byte(i)}, Bits: 24}}
		for k, p := range peers {
			rib.Entries = append(rib.Entries, mrtdump.RIBEntry{PeerIndex: uint16(k), Attrs: attrs(p)})
		}
		if err := w.WriteRIB(uint32(t0.Unix()), &rib); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	rib = filepath.Join(dir, "rib")
	if err := os.WriteFile(rib, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	w = mrtdump.NewWriter(&b)
	for i := range count {
		a := attrs(peers[0])
		msg := append(bytes.Repeat([]byte{0xff}, 16), 0, 0, 2, 0, 0, 0, byte(len(a)))
		msg = append(msg, a...)
		msg = append(msg, 24, 172, 16, byte(i))
		binary.BigEndian.PutUint16(msg[16:], uint16(len(msg)))
		h := mrtdump.BGP4MPInfo{Time: uint32(t0.Add(time.Duration(5+10*i) * time.Second).Unix()), PeerAS: peers[0].AS, LocalAS: 4200000000,
			PeerAddr: netip.AddrFrom4([4]byte{192, 0, 2, 1}), LocalAddr: netip.AddrFrom4([4]byte{192, 0, 2, 254}), AS4: true}
		if err := w.WriteMessage(&h, msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	updates = filepath.Join(dir, "updates")
	if err := os.WriteFile(updates, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return rib, updates
}

// TestReplayPaced replays a RIB dump and updates at a speed: the updates
// start (OnStart, with the first update's time) only once the receiver
// holds the RIB dump's routes, and follow at the speed.
func TestReplayPaced(t *testing.T) {
	t0 := time.Date(2019, 9, 23, 8, 0, 0, 0, time.UTC)
	const n, count, speed = 300, 6, 100
	rib, updates := writeMRT(t, t0, n, count)
	s, port := receiver(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var starts []time.Time
	var started, done time.Time
	var got []string
	_, err := Run(ctx, Options{To: fmt.Sprintf("127.0.0.1:%d", port), Speed: speed, Hold: true,
		OnStart: func(first time.Time) {
			started = time.Now()
			starts = append(starts, first)
			for deadline := time.Now().Add(10 * time.Second); len(received(t, s)) < n; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Errorf("updates start while the receiver holds %d of the RIB dump's %d routes", len(received(t, s)), n)
					return
				}
			}
		},
		OnDone: func(Stats) {
			done = time.Now()
			got = received(t, s)
			cancel()
		}}, []string{rib, updates})
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(5 * time.Second); len(starts) != 1 || !starts[0].Equal(want) {
		t.Errorf("OnStart called with %v, want once with the first update's time %v", starts, want)
	}
	if min := time.Duration(10*(count-1)) * time.Second / speed; done.Sub(started) < min {
		t.Errorf("updates played in %v, want at least %v at speed %d", done.Sub(started), min, speed)
	}
	if len(got) != n+count {
		t.Errorf("receiver holds %d routes, want %d", len(got), n+count)
	}
}
