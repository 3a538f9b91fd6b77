package replay

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/server"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/routestat/routestat/internal/gobgpstart"
	"github.com/routestat/routestat/mrtdump"
)

// Options configure a replay.
type Options struct {
	// To is the collector's address, host:port.
	To string
	// CollectorAS is the collector's AS number (default 4200000000, the
	// collector's default).
	CollectorAS uint32
	// Speed plays updates at Speed times real time; 0 plays them as fast
	// as the sessions take them. RIB dumps are always played at once;
	// with Speed, the updates start once the speakers have sent the
	// routes before them.
	Speed float64
	// OnStart, if set, is called with Speed when the first update is due,
	// with that update's time. It may block (say, until the collector
	// has taken the RIB dumps' routes); pacing is anchored when it
	// returns (an update at t is played (t − first)/Speed later), so a
	// clock started at first as it returns, running at Speed, reads each
	// update's time when it is played.
	OnStart func(first time.Time)
	// Source is the first local address speakers use; peer k uses Source
	// + k (default 127.0.0.2).
	Source netip.Addr
	// Log receives progress and problems; nil discards.
	Log *slog.Logger
	// Hold keeps the sessions up after everything was played, until ctx
	// is done, so that the collector keeps the routes; OnDone, if set, is
	// called with the counts once everything was played and sent.
	Hold   bool
	OnDone func(Stats)
}

// Stats count what a replay did.
type Stats struct {
	Peers       int // speakers started, one per MRT peer
	Announced   int // routes announced
	Withdrawn   int // routes withdrawn
	Skipped     int // routes that could not be replayed (e.g. a dump's own routes, peer AS 0)
	Transparent int // routes whose AS path did not start with the peer AS (the collector sees it prepended)
	NoNextHop   int // routes without a next hop in the file, sent with the peer's address as next hop
}

// peerKey identifies an MRT peer.
type peerKey struct {
	addr netip.Addr
	as   uint32
}

// speaker is the BGP speaker standing in for one MRT peer. Routes reach
// it in batches over GoBGP's gRPC AddPathStream, on a unix socket: one
// API call per route costs GoBGP a management operation each, batches
// share one.
type speaker struct {
	key     peerKey
	srv     *server.BgpServer
	local   netip.Addr
	addPath bool
	conn    *grpc.ClientConn
	stream  api.GobgpApi_AddPathStreamClient
	batch   []*api.Path
	// paths are the paths the speaker should hold (announced and not
	// withdrawn); progress says how far it got, for a stuck drain.
	paths    map[pathKey]struct{}
	progress string
}

// pathKey identifies a path of a speaker.
type pathKey struct {
	prefix mrtdump.Prefix
	id     uint32
}

// batchSize is how many routes go to a speaker in one stream message.
const batchSize = 1000

// send queues a route for the speaker, sending a full batch.
func (s *speaker) send(p *api.Path) error {
	s.batch = append(s.batch, p)
	if len(s.batch) >= batchSize {
		return s.flush()
	}
	return nil
}

// flush sends the queued routes.
func (s *speaker) flush() error {
	if len(s.batch) == 0 {
		return nil
	}
	err := s.stream.Send(&api.AddPathStreamRequest{TableType: api.TableType_GLOBAL, Paths: s.batch})
	s.batch = s.batch[:0]
	if err != nil {
		return fmt.Errorf("speaker for %s AS%d: %w", s.key.addr, s.key.as, err)
	}
	return nil
}

// Run replays the MRT files to the collector: it starts one GoBGP speaker
// per peer found in them, each as the peer's AS from its own source
// address, announces RIB dumps as initial state and plays updates in
// order, then waits for the speakers to send everything and closes the
// sessions.
func Run(ctx context.Context, opts Options, files []string) (Stats, error) {
	if opts.CollectorAS == 0 {
		opts.CollectorAS = 4200000000
	}
	if !opts.Source.IsValid() {
		opts.Source = netip.MustParseAddr("127.0.0.2")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	host, portStr, err := net.SplitHostPort(opts.To)
	if err != nil {
		return Stats{}, fmt.Errorf("--to %q: %w", opts.To, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return Stats{}, fmt.Errorf("--to %q: bad port", opts.To)
	}
	r := &replayer{opts: opts, host: host, port: port, speakers: map[peerKey]*speaker{}}
	defer r.stop()
	if err := r.scan(files); err != nil {
		return r.stats, err
	}
	if err := r.start(ctx); err != nil {
		return r.stats, err
	}
	for _, f := range files {
		if err := r.play(ctx, f); err != nil {
			return r.stats, err
		}
	}
	if err := r.drain(ctx); err != nil {
		return r.stats, err
	}
	if opts.OnDone != nil {
		opts.OnDone(r.stats)
	}
	if opts.Hold {
		<-ctx.Done()
	}
	return r.stats, nil
}

type replayer struct {
	opts     Options
	host     string
	port     int
	speakers map[peerKey]*speaker
	order    []*speaker
	stats    Stats
	// playing at Speed: the first update's time and when it was played
	t0   time.Time
	wall time.Time
	// sockDir holds the speakers' gRPC sockets.
	sockDir string
}

// scan finds the peers of the files (and whether they use ADD-PATH).
func (r *replayer) scan(files []string) error {
	for _, name := range files {
		err := eachRoute(name, func(rt *route) error {
			if rt.peer.as == 0 {
				return nil // routes of the dumping router itself
			}
			s := r.speakers[rt.peer]
			if s == nil {
				next, ok := nthAddr(r.opts.Source, len(r.order))
				if !ok {
					return fmt.Errorf("too many peers for source addresses from %s", r.opts.Source)
				}
				s = &speaker{key: rt.peer, local: next, paths: map[pathKey]struct{}{}}
				r.speakers[rt.peer] = s
				r.order = append(r.order, s)
			}
			s.addPath = s.addPath || rt.addPath
			return nil
		}, true)
		if err != nil {
			return err
		}
	}
	if len(r.order) == 0 {
		return errors.New("no peers with routes in the input")
	}
	return nil
}

// nthAddr returns a + n.
func nthAddr(a netip.Addr, n int) (netip.Addr, bool) {
	for range n {
		a = a.Next()
		if !a.IsValid() {
			return a, false
		}
	}
	return a, true
}

// start starts the speakers and waits until every session is up.
func (r *replayer) start(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "routestat-replay-")
	if err != nil {
		return err
	}
	r.sockDir = dir
	// All servers are made before any serves: GoBGP's constructor writes
	// a gRPC package variable that serving gRPC streams reads.
	for i, s := range r.order {
		sock := filepath.Join(dir, strconv.Itoa(i)+".sock")
		s.srv = server.NewBgpServer(server.LoggerOption(quietLogger{}), server.GrpcListenAddress("unix://"+sock))
	}
	for i, s := range r.order {
		sock := filepath.Join(dir, strconv.Itoa(i)+".sock")
		go s.srv.Serve()
		if err := gobgpstart.Start(ctx, s.srv, &api.StartBgpRequest{Global: &api.Global{
			Asn: s.key.as, RouterId: routerID(s.local), ListenPort: -1,
		}}); err != nil {
			return fmt.Errorf("speaker for %s AS%d: %w", s.key.addr, s.key.as, err)
		}
		var afs []*api.AfiSafi
		for _, f := range []*api.Family{{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, {Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}} {
			as := &api.AfiSafi{Config: &api.AfiSafiConfig{Family: f, Enabled: true}}
			if s.addPath {
				as.AddPaths = &api.AddPaths{Config: &api.AddPathsConfig{SendMax: 255}}
			}
			afs = append(afs, as)
		}
		if err := s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: &api.Peer{
			Conf:      &api.PeerConf{NeighborAddress: r.host, PeerAsn: r.opts.CollectorAS},
			Transport: &api.Transport{LocalAddress: s.local.String(), RemotePort: uint32(r.port)},
			Timers:    &api.Timers{Config: &api.TimersConfig{ConnectRetry: 1, HoldTime: 180, KeepaliveInterval: 60}},
			AfiSafis:  afs,
		}}); err != nil {
			return fmt.Errorf("speaker for %s AS%d: %w", s.key.addr, s.key.as, err)
		}
		if err := s.connect(ctx, sock); err != nil {
			return err
		}
		r.stats.Peers++
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, s := range r.order {
		for !established(ctx, s.srv) {
			if time.Now().After(deadline) {
				return fmt.Errorf("speaker for %s AS%d (from %s): no session with %s within 60 s", s.key.addr, s.key.as, s.local, r.opts.To)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	r.opts.Log.Info("replay sessions up", "peers", len(r.order), "to", r.opts.To)
	return nil
}

// connect opens the speaker's AddPathStream, waiting for its gRPC socket.
func (s *speaker) connect(ctx context.Context, sock string) error {
	conn, err := grpc.Dial("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("speaker for %s AS%d: gRPC: %w", s.key.addr, s.key.as, err)
	}
	s.conn = conn
	cl := api.NewGobgpApiClient(conn)
	for try := 0; ; try++ {
		s.stream, err = cl.AddPathStream(ctx, grpc.WaitForReady(true))
		if err == nil {
			return nil
		}
		if try == 50 {
			return fmt.Errorf("speaker for %s AS%d: gRPC AddPathStream: %w", s.key.addr, s.key.as, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// routerID returns a BGP identifier for a speaker: its IPv4 source
// address, or one derived from an IPv6 one.
func routerID(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	return netip.AddrFrom4([4]byte{10, b[13], b[14], b[15]}).String()
}

func established(ctx context.Context, srv *server.BgpServer) bool {
	up := false
	_ = srv.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
		up = p.GetState().GetSessionState() == api.PeerState_ESTABLISHED
	})
	return up
}

// play replays one file.
func (r *replayer) play(ctx context.Context, name string) error {
	return eachRoute(name, func(rt *route) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if rt.update && r.opts.Speed > 0 {
			if err := r.pace(ctx, rt.time); err != nil {
				return err
			}
		}
		s := r.speakers[rt.peer]
		if s == nil {
			r.skip(rt, errors.New("peer AS 0: the dumping router's own route has no peer to replay it"))
			return nil
		}
		key := pathKey{rt.prefix.Masked(), rt.prefix.PathID}
		key.prefix.PathID = 0
		if rt.withdraw {
			delete(s.paths, key)
			r.stats.Withdrawn++
			return s.send(&api.Path{Family: rt.family(), NlriBinary: rt.nlri(), Identifier: rt.prefix.PathID, IsWithdraw: true})
		}
		attrs, transparent, filled, err := rt.attributes()
		if err != nil {
			r.skip(rt, err)
			return nil
		}
		if transparent {
			r.stats.Transparent++
		}
		if filled {
			r.stats.NoNextHop++
		}
		s.paths[key] = struct{}{}
		r.stats.Announced++
		return s.send(&api.Path{Family: rt.family(), NlriBinary: rt.nlri(), PattrsBinary: attrs, Identifier: rt.prefix.PathID})
	}, false)
}

func (r *replayer) skip(rt *route, err error) {
	r.stats.Skipped++
	if r.stats.Skipped <= 10 {
		r.opts.Log.Warn("route not replayed", "peer", rt.peer.addr, "prefix", rt.prefix.Prefix(), "err", err)
	}
}

// pace sleeps until an update at t is due. The first update is due once
// the routes before it (RIB dumps) have been sent.
func (r *replayer) pace(ctx context.Context, t time.Time) error {
	if r.t0.IsZero() {
		for _, s := range r.order {
			if err := s.flush(); err != nil {
				return err
			}
		}
		if err := r.waitSent(ctx); err != nil {
			return err
		}
		if r.opts.OnStart != nil {
			r.opts.OnStart(t)
		}
		r.t0, r.wall = t, time.Now()
		return nil
	}
	due := r.wall.Add(time.Duration(float64(t.Sub(r.t0)) / r.opts.Speed))
	if d := time.Until(due); d > 0 {
		for _, s := range r.order {
			if err := s.flush(); err != nil {
				r.opts.Log.Error("replay", "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
	return nil
}

// drain waits until every speaker has sent all it was given: for every
// family, the paths it has advertised to the collector number the paths
// in its table.
func (r *replayer) drain(ctx context.Context) error {
	for _, s := range r.order {
		if err := s.flush(); err != nil {
			return err
		}
		if _, err := s.stream.CloseAndRecv(); err != nil {
			return fmt.Errorf("speaker for %s AS%d: %w", s.key.addr, s.key.as, err)
		}
	}
	if err := r.waitSent(ctx); err != nil {
		return err
	}
	// Advertised paths may still sit in GoBGP's output queue: wait until
	// the UPDATEs sent stop growing.
	for _, s := range r.order {
		var last uint64 = 1<<64 - 1
		for {
			var n uint64
			_ = s.srv.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
				n = p.GetState().GetMessages().GetSent().GetUpdate()
			})
			if n == last {
				break
			}
			last = n
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(300 * time.Millisecond):
			}
		}
	}
	r.opts.Log.Info("replay done", "peers", r.stats.Peers, "announced", r.stats.Announced, "withdrawn", r.stats.Withdrawn, "skipped", r.stats.Skipped)
	return nil
}

// waitSent waits until every speaker has advertised every path it was
// given, failing when one makes no progress for 30 s.
func (r *replayer) waitSent(ctx context.Context) error {
	for _, s := range r.order {
		last, since := "", time.Now()
		for !s.sent(ctx) {
			if s.progress != last {
				last, since = s.progress, time.Now()
			} else if time.Since(since) > 30*time.Second {
				return fmt.Errorf("speaker for %s AS%d stuck for 30 s: %s", s.key.addr, s.key.as, s.progress)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// sent reports whether the speaker holds every path it was given and has
// queued them all for the collector.
func (s *speaker) sent(ctx context.Context) bool {
	var advertised uint64
	_ = s.srv.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: true}, func(p *api.Peer) {
		for _, as := range p.GetAfiSafis() {
			advertised += as.GetState().GetAdvertised()
		}
	})
	var held uint64
	for _, afi := range []api.Family_Afi{api.Family_AFI_IP, api.Family_AFI_IP6} {
		t, err := s.srv.GetTable(ctx, &api.GetTableRequest{TableType: api.TableType_GLOBAL, Family: &api.Family{Afi: afi, Safi: api.Family_SAFI_UNICAST}})
		if err != nil {
			return false
		}
		held += t.NumPath
	}
	// With ADD-PATH GoBGP's table may hold more paths than it was given.
	want := uint64(len(s.paths))
	if held < want || advertised != want {
		s.progress = fmt.Sprintf("%d of %d paths in the table, %d advertised", held, want, advertised)
		return false
	}
	return true
}

// stop closes every session and stops the speakers.
func (r *replayer) stop() {
	for _, s := range r.order {
		if s.conn != nil {
			s.conn.Close()
		}
		if s.srv != nil {
			s.srv.StopBgp(context.Background(), &api.StopBgpRequest{})
			s.srv.Stop()
		}
	}
	if r.sockDir != "" {
		os.RemoveAll(r.sockDir)
	}
}

// route is one announcement or withdrawal to replay.
type route struct {
	peer     peerKey
	time     time.Time
	update   bool // from an updates file (paced), not a RIB dump
	withdraw bool
	addPath  bool
	prefix   mrtdump.Prefix
	attrs    []byte // raw path attributes
	asnSize  int
	// nextHop is the next hop of an MP_REACH_NLRI for prefix (IPv6, or
	// IPv4 from an abbreviated RIB attribute), length 4, 16 or 32.
	nextHop []byte
}

func (rt *route) family() *api.Family {
	if rt.prefix.IPv6 {
		return &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}
	}
	return &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}
}

// nlri encodes the prefix as NLRI (length, then the significant bytes).
func (rt *route) nlri() []byte {
	p := rt.prefix.Masked()
	n := (int(p.Bits) + 7) / 8
	return append([]byte{p.Bits}, p.Addr[:n]...)
}

// attributes returns the route's path attributes as GoBGP's API takes
// them, one per element: 4-byte AS numbers; the peer's own AS taken off
// the front of AS_PATH, since the speaker (in that AS) puts it back; for
// IPv6 a full MP_REACH_NLRI with the route's next hop; no MP_UNREACH_NLRI
// and no MP_REACH_NLRI for IPv4. transparent is set when AS_PATH does not
// start with the peer AS (a route server's path), which the collector
// will see prepended. A route without a next hop (some RIB dumps leave
// it out) gets the peer's address, as the peer itself would send; filled
// says so.
func (rt *route) attributes() (out [][]byte, transparent, filled bool, err error) {
	b, err := mrtdump.AttrsTo4(nil, rt.attrs, rt.asnSize)
	if err != nil {
		return nil, false, false, err
	}
	hasPath, hasNextHop := false, false
	var seen [256]bool // GoBGP refuses a path with an attribute twice
	for len(b) >= 3 {
		flags, typ := b[0], b[1]
		n, hl := int(b[2]), 3
		if flags&0x10 != 0 {
			if len(b) < 4 {
				break
			}
			n, hl = int(binary.BigEndian.Uint16(b[2:])), 4
		}
		if len(b) < hl+n {
			return nil, false, false, fmt.Errorf("%w: attribute %d cut short", mrtdump.ErrMalformed, typ)
		}
		a, v := b[:hl+n], b[hl:hl+n]
		b = b[hl+n:]
		if seen[typ] {
			continue
		}
		seen[typ] = true
		switch typ {
		case mrtdump.AttrMPReach, mrtdump.AttrMPUnreach:
			continue
		case mrtdump.AttrNextHop:
			if rt.prefix.IPv6 {
				continue
			}
			hasNextHop = true
		case mrtdump.AttrASPath:
			hasPath = true
			var stripped bool
			a, stripped = stripPeerAS(flags, v, rt.peer.as)
			transparent = !stripped
		}
		out = append(out, a)
	}
	if !hasPath {
		transparent = true
	}
	switch nh := rt.peer.addr; {
	case rt.prefix.IPv6 && len(rt.nextHop) >= 16:
		out = append(out, mpReach(rt.nextHop, rt.nlri()))
	case rt.prefix.IPv6:
		a := netip.AddrFrom16(nh.As16()) // IPv4 peers as ::ffff:a.b.c.d
		out = append(out, mpReach(a.AsSlice(), rt.nlri()))
		filled = true
	case !hasNextHop && nh.Is4():
		out = append(out, mrtdump.AppendAttr(nil, 0x40, mrtdump.AttrNextHop, nh.AsSlice()))
		filled = true
	case !hasNextHop:
		return nil, false, false, fmt.Errorf("%w: IPv4 route without NEXT_HOP from IPv6 peer %s", mrtdump.ErrMalformed, nh)
	}
	return out, transparent, filled, nil
}

// stripPeerAS returns AS_PATH (4-byte ASNs) without its first ASN when
// that is the peer's AS, and whether it was.
func stripPeerAS(flags byte, v []byte, peerAS uint32) ([]byte, bool) {
	if len(v) < 6 || v[0] != mrtdump.SegSequence || v[1] == 0 || binary.BigEndian.Uint32(v[2:]) != peerAS {
		return mrtdump.AppendAttr(nil, flags, mrtdump.AttrASPath, v), false
	}
	var nv []byte
	if v[1] > 1 {
		nv = append([]byte{mrtdump.SegSequence, v[1] - 1}, v[6:]...)
	} else {
		nv = append(nv, v[6:]...)
	}
	return mrtdump.AppendAttr(nil, flags, mrtdump.AttrASPath, nv), true
}

// mpReach encodes an IPv6 unicast MP_REACH_NLRI with one prefix.
func mpReach(nh, nlri []byte) []byte {
	v := []byte{0, 2, 1, byte(len(nh))}
	v = append(v, nh...)
	v = append(v, 0)
	v = append(v, nlri...)
	return mrtdump.AppendAttr(nil, 0x80, mrtdump.AttrMPReach, v)
}

// eachRoute calls fn for every unicast route announced or withdrawn in an
// MRT file: RIB entries of TABLE_DUMP and TABLE_DUMP_V2, and the prefixes
// of BGP4MP UPDATEs. With peersOnly, attributes are not decoded.
func eachRoute(name string, fn func(*route) error, peersOnly bool) error {
	f, err := mrtdump.Open(name, nil)
	if err != nil {
		return err
	}
	defer f.Close()
	var (
		peers *mrtdump.PeerIndexTable
		rib   mrtdump.RIB
		td    mrtdump.TableDumpV1
		m     mrtdump.Message
		rt    route
	)
	for {
		rec, err := f.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		at := time.Unix(int64(rec.Time), int64(rec.Microseconds)*1000)
		switch rec.Type {
		case mrtdump.TypeTableDumpV2:
			if rec.Subtype == mrtdump.SubPeerIndexTable {
				if peers, err = mrtdump.DecodePeerIndexTable(rec.Body); err != nil {
					return fmt.Errorf("%s at byte %d: %w", name, rec.Offset, err)
				}
				continue
			}
			if mrtdump.DecodeRIB(rec.Body, rec.Subtype, &rib) != nil || rib.SAFI != 1 || peers == nil || !rib.Prefix.Valid() {
				continue
			}
			for _, e := range rib.Entries {
				if int(e.PeerIndex) >= len(peers.Peers) {
					continue
				}
				p := &peers.Peers[e.PeerIndex]
				rt = route{peer: peerKey{addrOf(p.Addr, p.IPv6), p.AS}, time: at, addPath: rib.AddPath, prefix: rib.Prefix, attrs: e.Attrs, asnSize: 4}
				rt.prefix.PathID = e.PathID
				if !peersOnly && rib.Prefix.IPv6 {
					rt.nextHop = ribNextHop(e.Attrs)
				}
				if err := fn(&rt); err != nil {
					return err
				}
			}
		case mrtdump.TypeTableDump:
			if mrtdump.DecodeTableDumpV1(rec.Body, rec.Subtype, &td) != nil {
				continue
			}
			for {
				if td.Prefix.Valid() {
					rt = route{peer: peerKey{addrOf(td.PeerAddr, td.PeerIPv6), td.PeerAS}, time: at, prefix: td.Prefix, attrs: td.Attrs, asnSize: td.ASNSize}
					if !peersOnly && td.Prefix.IPv6 {
						rt.nextHop = ribNextHop(td.Attrs)
					}
					if err := fn(&rt); err != nil {
						return err
					}
				}
				if more, err := td.NextEntry(); err != nil || !more {
					break
				}
			}
		case mrtdump.TypeBGP4MP, mrtdump.TypeBGP4MPET:
			if mrtdump.DecodeMessage(rec.Body, rec.Subtype, &m) != nil || m.Type != mrtdump.MsgUpdate || m.Local {
				continue
			}
			if err := eachUpdateRoute(&m, at, fn); err != nil {
				return err
			}
		}
	}
}

// eachUpdateRoute calls fn for the withdrawals, then the announcements of
// an UPDATE.
func eachUpdateRoute(m *mrtdump.Message, at time.Time, fn func(*route) error) error {
	size := 2
	if m.AS4 {
		size = 4
	}
	peer := peerKey{addrOf(m.PeerAddr, m.AFI == mrtdump.AFIIPv6), m.PeerAS}
	attrs := rawAttrs(m.Raw)
	emit := func(ps []mrtdump.Prefix, withdraw bool, nh []byte) error {
		for _, p := range ps {
			if !p.Valid() {
				continue
			}
			rt := route{peer: peer, time: at, update: true, withdraw: withdraw, addPath: m.AddPath, prefix: p, attrs: attrs, asnSize: size, nextHop: nh}
			if err := fn(&rt); err != nil {
				return err
			}
		}
		return nil
	}
	if err := emit(m.Withdrawn, true, nil); err != nil {
		return err
	}
	for _, afi := range []uint16{mrtdump.AFIIPv4, mrtdump.AFIIPv6} {
		if u := m.Attrs.Unreach[mpSlot(afi)]; u.Present {
			if err := emit(u.Prefixes, true, nil); err != nil {
				return err
			}
		}
	}
	if err := emit(m.NLRI, false, nil); err != nil {
		return err
	}
	r := &m.Attrs.Reach[mpSlot(mrtdump.AFIIPv6)]
	if r.Present {
		nh := append([]byte(nil), r.NextHop[:]...)
		if r.NextHopLen >= 32 {
			nh = append(nh, r.NextHopLocal[:]...)
		}
		return emit(r.Prefixes, false, nh)
	}
	return nil
}

// mpSlot is the index of an AFI's unicast MP attribute in mrtdump.Attrs.
func mpSlot(afi uint16) int { return int(afi-1) * 3 }

// rawAttrs returns the path attribute block of an UPDATE message.
func rawAttrs(msg []byte) []byte {
	if len(msg) < 23 {
		return nil
	}
	wl := int(binary.BigEndian.Uint16(msg[19:]))
	if len(msg) < 23+wl {
		return nil
	}
	al := int(binary.BigEndian.Uint16(msg[21+wl:]))
	return msg[23+wl : min(len(msg), 23+wl+al)]
}

// ribNextHop returns the IPv6 next hop of a RIB entry's MP_REACH_NLRI.
func ribNextHop(attrs []byte) []byte {
	var a mrtdump.Attrs
	a.Parse(attrs, 4, false)
	r := a.Reach[mpSlot(mrtdump.AFIIPv6)]
	if !r.Present || r.NextHopLen < 16 {
		return nil
	}
	nh := append([]byte(nil), r.NextHop[:]...)
	if r.NextHopLen >= 32 {
		nh = append(nh, r.NextHopLocal[:]...)
	}
	return nh
}

func addrOf(b [16]byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16(b)
	}
	return netip.AddrFrom4([4]byte(b[:4]))
}
