package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/server"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/internal/gobgpstart"
)

// Collector is a passive BGP route collector: an in-process GoBGP server
// that accepts sessions, never announces a route, and publishes every
// UPDATE it receives (raw bytes) and every FSM change on a bus.
type Collector struct {
	cfg Config
	bus *bus.Bus
	log *slog.Logger
	m   *metrics

	mu  sync.Mutex
	srv *server.BgpServer // set while Run runs
}

// New returns a collector for cfg (defaults applied, then validated)
// publishing on b. A nil logger discards; a nil registerer registers no
// metrics.
func New(cfg Config, b *bus.Bus, log *slog.Logger, reg prometheus.Registerer) (*Collector, error) {
	if b == nil {
		return nil, errors.New("collector: nil bus")
	}
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Collector{cfg: cfg, bus: b, log: log.With("collector", cfg.Name), m: newMetrics(cfg.Name, reg)}, nil
}

// Config returns the configuration in use, defaults applied.
func (c *Collector) Config() Config { return c.cfg }

// Now returns the collector's time (Config.Clock): what it stamps on the
// events it publishes. The archive and RIB dumps of its events use it too.
func (c *Collector) Now() time.Time { return c.cfg.Clock() }

// server returns the running GoBGP server, or an error before Run.
func (c *Collector) server() (*server.BgpServer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv == nil {
		return nil, errors.New("collector is not running")
	}
	return c.srv, nil
}

// Run starts the BGP server, the in-process BMP station that feeds the
// bus, and the configured peers, and runs until ctx is cancelled; then it
// closes every session (Cease NOTIFICATION) and returns nil. It returns an
// error if the collector cannot start or its BMP feed breaks, since
// received messages would otherwise be lost unseen.
func (c *Collector) Run(ctx context.Context) error {
	// The BMP station listens before GoBGP exists: GoBGP's BMP client
	// dials it, and no peer is added until the client has registered its
	// watcher (signalled by the BMP Initiation message), so that the
	// station sees every session from its first state change and GoBGP
	// never replays table contents as if they had just been received.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("collector %s: BMP station listen: %w", c.cfg.Name, err)
	}
	defer ln.Close()

	s := server.NewBgpServer(server.LoggerOption(&gobgpLogger{log: c.log, refused: c.m.refused.Inc}))
	go s.Serve()
	defer s.Stop() // stops BGP (deleting every peer) on every return

	seq := newSequencer(c)
	pubDone := make(chan struct{})
	go func() { seq.run(); close(pubDone) }()
	defer func() { seq.close(); <-pubDone }()

	bg := context.Background()
	if err := gobgpstart.Start(ctx, s, &api.StartBgpRequest{Global: &api.Global{
		Asn:             c.cfg.ASN,
		RouterId:        c.cfg.RouterID,
		ListenPort:      int32(c.cfg.ListenPort),
		ListenAddresses: c.cfg.ListenAddresses,
	}}); err != nil {
		return fmt.Errorf("collector %s: start BGP on port %d: %w", c.cfg.Name, c.cfg.ListenPort, err)
	}
	if err := neverExport(ctx, s); err != nil {
		return fmt.Errorf("collector %s: %w", c.cfg.Name, err)
	}

	watchCtx, stopWatch := context.WithCancel(bg)
	defer stopWatch()
	if err := s.WatchEvent(watchCtx, &api.WatchEventRequest{Peer: &api.WatchEventRequest_Peer{}}, seq.watchEvent); err != nil {
		return fmt.Errorf("collector %s: watch peer events: %w", c.cfg.Name, err)
	}

	port := ln.Addr().(*net.TCPAddr).Port
	if err := s.AddBmp(ctx, &api.AddBmpRequest{
		Address: "127.0.0.1", Port: uint32(port),
		Policy:  api.AddBmpRequest_PRE,
		SysName: c.cfg.Name, SysDescr: "routestat collector",
	}); err != nil {
		return fmt.Errorf("collector %s: add BMP station: %w", c.cfg.Name, err)
	}
	st, err := acceptStation(ctx, ln, seq)
	if err != nil {
		return fmt.Errorf("collector %s: %w", c.cfg.Name, err)
	}
	defer st.conn.Close()
	stationDone := make(chan error, 1)
	go func() { stationDone <- st.serve() }()

	if err := c.addPeers(ctx, s); err != nil {
		return fmt.Errorf("collector %s: %w", c.cfg.Name, err)
	}
	c.log.Info("collector running", "asn", c.cfg.ASN, "router_id", c.cfg.RouterID,
		"listen", c.cfg.ListenAddresses, "port", c.cfg.ListenPort,
		"neighbors", len(c.cfg.Neighbors), "dynamic_neighbors", len(c.cfg.DynamicNeighbors))
	c.mu.Lock()
	c.srv = s
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.srv = nil
		c.mu.Unlock()
	}()

	select {
	case err := <-stationDone:
		return fmt.Errorf("collector %s: BMP feed ended: %w", c.cfg.Name, err)
	case <-ctx.Done():
	}
	// Close every session with a Cease (administrative shutdown) through
	// the FSM, so that both the peer watch and BMP report its end (GoBGP
	// reports nothing for a deleted peer, which is what StopBgp does), and
	// wait until the sequencer has published each end, which it does only
	// after the session's last UPDATE. Then GoBGP's BMP client is removed
	// (it terminates the feed) while BGP still runs, and BGP is stopped.
	c.closeSessions(s)
	for deadline := time.Now().Add(5 * time.Second); seq.established.Load() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.log.Warn("sessions still established at shutdown", "count", seq.established.Load())
			break
		}
	}
	if err := s.DeleteBmp(bg, &api.DeleteBmpRequest{Address: "127.0.0.1", Port: uint32(port)}); err != nil {
		c.log.Error("remove BMP station", "err", err)
	}
	select {
	case err := <-stationDone:
		if err != nil {
			c.log.Error("BMP feed broke during shutdown", "err", err)
		}
	case <-time.After(5 * time.Second):
		c.log.Warn("BMP feed did not terminate in time")
	}
	c.log.Info("collector stopped")
	return nil
}

// neverExport makes the global export policy reject every route, for
// every peer (static or dynamic): a collector must never announce. It is
// not configurable, and it is checked after being set.
func neverExport(ctx context.Context, s *server.BgpServer) error {
	if err := s.SetPolicyAssignment(ctx, &api.SetPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
		Name: "global", Direction: api.PolicyDirection_EXPORT, DefaultAction: api.RouteAction_REJECT,
	}}); err != nil {
		return fmt.Errorf("set export policy: %w", err)
	}
	// Nothing needs the global table either: received paths stay in each
	// peer's Adj-RIB-In (RIB dumps read it) and are not copied into the
	// global RIB, which saves memory and best-path work per route.
	if err := s.SetPolicyAssignment(ctx, &api.SetPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
		Name: "global", Direction: api.PolicyDirection_IMPORT, DefaultAction: api.RouteAction_REJECT,
	}}); err != nil {
		return fmt.Errorf("set import policy: %w", err)
	}
	var got *api.PolicyAssignment
	if err := s.ListPolicyAssignment(ctx, &api.ListPolicyAssignmentRequest{Name: "global", Direction: api.PolicyDirection_EXPORT},
		func(a *api.PolicyAssignment) { got = a }); err != nil {
		return fmt.Errorf("check export policy: %w", err)
	}
	if got == nil || got.DefaultAction != api.RouteAction_REJECT || len(got.Policies) != 0 {
		return fmt.Errorf("export policy is %v, want reject everything", got)
	}
	return nil
}

// families are the address families every session offers: IPv4 and IPv6
// unicast, with ADD-PATH receive and graceful-restart helper, and the
// prefix limit when max > 0.
func families(max, warnPct uint32) []*api.AfiSafi {
	var out []*api.AfiSafi
	for _, f := range []*api.Family{
		{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST},
		{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST},
	} {
		a := &api.AfiSafi{
			Config:            &api.AfiSafiConfig{Family: f, Enabled: true},
			AddPaths:          &api.AddPaths{Config: &api.AddPathsConfig{Receive: true}},
			MpGracefulRestart: &api.MpGracefulRestart{Config: &api.MpGracefulRestartConfig{Enabled: true}},
		}
		if max > 0 {
			a.PrefixLimits = &api.PrefixLimit{Family: f, MaxPrefixes: max, ShutdownThresholdPct: warnPct}
		}
		out = append(out, a)
	}
	return out
}

// timers returns the session timers for a peer.
func (c *Collector) timers(idleHold uint32) *api.Timers {
	return &api.Timers{Config: &api.TimersConfig{
		HoldTime:               uint64(c.cfg.HoldTime),
		KeepaliveInterval:      uint64(c.cfg.Keepalive),
		ConnectRetry:           DefaultConnectRetry,
		IdleHoldTimeAfterReset: uint64(idleHold),
	}}
}

// gracefulRestartHelper is the graceful-restart configuration of every
// session: the collector keeps a restarting peer's routes (helper) but
// never restarts gracefully itself.
func gracefulRestartHelper() *api.GracefulRestart {
	return &api.GracefulRestart{Enabled: true, HelperOnly: true, RestartTime: 120}
}

// rejectExport is a peer's export policy: reject everything. GoBGP uses
// the global policy for ordinary peers; this is set too in case a peer
// ever becomes a route-server client.
func rejectExport() *api.ApplyPolicy {
	return &api.ApplyPolicy{ExportPolicy: &api.PolicyAssignment{Direction: api.PolicyDirection_EXPORT, DefaultAction: api.RouteAction_REJECT}}
}

// addPeers adds the static neighbours and the dynamic neighbour ranges
// (each range through its own peer group).
func (c *Collector) addPeers(ctx context.Context, s *server.BgpServer) error {
	for i, d := range c.cfg.DynamicNeighbors {
		name := "dynamic-" + strconv.Itoa(i)
		if err := s.AddPeerGroup(ctx, &api.AddPeerGroupRequest{PeerGroup: &api.PeerGroup{
			Conf:            &api.PeerGroupConf{PeerGroupName: name, PeerAsn: d.PeerAS, Description: d.Description, AuthPassword: d.Password},
			Timers:          c.timers(0),
			Transport:       &api.Transport{PassiveMode: true},
			GracefulRestart: gracefulRestartHelper(),
			AfiSafis:        families(0, 0),
			ApplyPolicy:     rejectExport(),
		}}); err != nil {
			return fmt.Errorf("dynamic_neighbors[%d] %s: add peer group: %w", i, d.Prefix, err)
		}
		if err := s.AddDynamicNeighbor(ctx, &api.AddDynamicNeighborRequest{DynamicNeighbor: &api.DynamicNeighbor{
			Prefix: d.Prefix, PeerGroup: name,
		}}); err != nil {
			return fmt.Errorf("dynamic_neighbors[%d] %s: %w", i, d.Prefix, err)
		}
	}
	for i, n := range c.cfg.Neighbors {
		p := &api.Peer{
			Conf:            &api.PeerConf{NeighborAddress: n.Address, PeerAsn: n.PeerAS, Description: n.Description, AuthPassword: n.Password},
			Timers:          c.timers(n.RestartAfter),
			Transport:       &api.Transport{PassiveMode: n.Passive},
			GracefulRestart: gracefulRestartHelper(),
			AfiSafis:        families(n.MaxPrefixes, n.MaxPrefixWarnPercent),
			ApplyPolicy:     rejectExport(),
		}
		if n.TTLSecurity > 0 {
			p.TtlSecurity = &api.TtlSecurity{Enabled: true, TtlMin: 256 - uint32(n.TTLSecurity)}
		}
		if n.Multihop > 0 {
			p.EbgpMultihop = &api.EbgpMultihop{Enabled: true, MultihopTtl: uint32(n.Multihop)}
		}
		if err := s.AddPeer(ctx, &api.AddPeerRequest{Peer: p}); err != nil {
			return fmt.Errorf("neighbors[%d] %s: %w", i, n.Address, err)
		}
	}
	return nil
}

// closeSessions disables every peer, ending its session with a Cease
// NOTIFICATION (administrative shutdown).
func (c *Collector) closeSessions(s *server.BgpServer) {
	var addrs []string
	if err := s.ListPeer(context.Background(), &api.ListPeerRequest{}, func(p *api.Peer) {
		addrs = append(addrs, p.GetState().GetNeighborAddress())
	}); err != nil {
		c.log.Error("shutdown: list peers", "err", err)
		return
	}
	for _, a := range addrs {
		if err := s.DisablePeer(context.Background(), &api.DisablePeerRequest{Address: a, Communication: "collector shutting down"}); err != nil {
			c.log.Warn("shutdown: disable peer", "peer", a, "err", err)
		}
	}
}

// neighbor returns the static neighbour configured for addr.
func (c *Collector) neighbor(addr netip.Addr) (Neighbor, bool) {
	for _, n := range c.cfg.Neighbors {
		if a, err := netip.ParseAddr(n.Address); err == nil && a.Unmap() == addr {
			return n, true
		}
	}
	return Neighbor{}, false
}

// shutdownPeer disables a peer that exceeded its prefix limit with the
// shutdown action; an operator re-enables it (gobgp neighbor enable or a
// restart).
func (c *Collector) shutdownPeer(addr netip.Addr) {
	s, err := c.server()
	if err != nil {
		return
	}
	if err := s.DisablePeer(context.Background(), &api.DisablePeerRequest{
		Address: addr.String(), Communication: "maximum prefix limit exceeded",
	}); err != nil {
		c.log.Error("max-prefix shutdown: disable peer", "peer", addr, "err", err)
		return
	}
	c.log.Warn("peer disabled after exceeding its prefix limit (max_prefix_action shutdown)", "peer", addr)
}

// PeerStatus is one peer's state, for status pages.
type PeerStatus struct {
	Address     netip.Addr
	AS          uint32
	Description string
	// State is the FSM state as GoBGP names it (e.g. ESTABLISHED).
	State    string
	RouterID string
	// Since is when the session was last established (zero if never).
	Since time.Time
	// Received and Accepted count the prefixes in the Adj-RIB-In.
	Received, Accepted uint64
}

// Peers returns the state of every current peer (static and connected
// dynamic ones).
func (c *Collector) Peers(ctx context.Context) ([]PeerStatus, error) {
	s, err := c.server()
	if err != nil {
		return nil, err
	}
	var out []PeerStatus
	err = s.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
		st := PeerStatus{Description: p.GetConf().GetDescription()}
		addr := p.GetState().GetNeighborAddress() // set for dynamic peers too
		if addr == "" {
			addr = p.GetConf().GetNeighborAddress()
		}
		st.Address, _ = netip.ParseAddr(addr)
		st.Address = st.Address.Unmap()
		st.AS = p.GetState().GetPeerAsn()
		st.State = p.GetState().GetSessionState().String()
		st.RouterID = p.GetState().GetRouterId()
		if up := p.GetTimers().GetState().GetUptime(); up != nil && up.GetSeconds() > 0 {
			st.Since = up.AsTime()
		}
		for _, a := range p.GetAfiSafis() {
			st.Received += a.GetState().GetReceived()
			st.Accepted += a.GetState().GetAccepted()
		}
		out = append(out, st)
	})
	if err != nil {
		return nil, fmt.Errorf("list peers: %w", err)
	}
	return out, nil
}
