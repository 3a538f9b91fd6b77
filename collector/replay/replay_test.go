package replay

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"

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
