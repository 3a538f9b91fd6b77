package collector

import (
	"net/netip"
	"sync/atomic"
	"time"

	api "github.com/osrg/gobgp/v3/api"

	"github.com/routestat/routestat/collector/bus"
)

// inputKind says where an input came from.
type inputKind uint8

const (
	// inState is an FSM state change from GoBGP's peer watch.
	inState inputKind = iota + 1
	// inUp, inMessage and inDown are BMP Peer Up, Route Monitoring (a
	// received UPDATE) and Peer Down messages.
	inUp
	inMessage
	inDown
)

// input is one thing the sequencer is told about a peer.
type input struct {
	kind   inputKind
	peer   netip.Addr
	time   time.Time
	peerAS uint32
	// state is the new FSM state (MRT numbering) of an inState input.
	state uint16
	// local, as4 and addPath describe the session (inUp); as4 also comes
	// with every inMessage.
	local   netip.Addr
	as4     bool
	addPath map[uint16]bool
	// msg is a received BGP message (inMessage).
	msg []byte
	// reason says why a session went down (inDown); direction is "sent"
	// or "received" when a NOTIFICATION ended it, with its code/subcode.
	reason        string
	direction     string
	code, subcode uint8
}

// peerSeq is what the sequencer knows about one peer.
type peerSeq struct {
	// state is the last FSM state published.
	state uint16
	// watchQ holds state changes from the peer watch and bmpQ BMP
	// messages, each in its stream's order, until they can be published.
	watchQ, bmpQ []input
	peerAS       uint32
	local        netip.Addr
	addPath      map[uint16]bool
}

// sequencer merges GoBGP's two views of the sessions into one ordered
// stream of bus events, published from its single goroutine.
//
// The peer watch (WatchEvent) reports every FSM change but no message
// bytes; the BMP feed reports received UPDATEs byte for byte, but of the
// FSM only Peer Up (entering Established) and Peer Down (leaving it).
// GoBGP emits both from its main loop in the same order, but they reach
// the collector through different goroutines, so either may run ahead.
// Per peer, the sequencer therefore pairs the watch's "Established" with
// BMP's Peer Up and the watch's first change out of Established with
// BMP's Peer Down, holding back whichever stream is early: the
// Established event is published before the session's first UPDATE, and
// the change out of Established after its last.
type sequencer struct {
	c     *Collector
	in    chan input
	stop  chan struct{}
	peers map[netip.Addr]*peerSeq
	last  time.Time
	// established counts the peers whose last published state is
	// Established.
	established atomic.Int64
}

func newSequencer(c *Collector) *sequencer {
	return &sequencer{c: c, in: make(chan input, 4096), stop: make(chan struct{}), peers: map[netip.Addr]*peerSeq{}}
}

// push queues an input; after close it drops it.
func (s *sequencer) push(in input) {
	select {
	case s.in <- in:
	case <-s.stop:
	}
}

// close makes run return once it has handled what is queued.
func (s *sequencer) close() { close(s.stop) }

// run handles inputs until close.
func (s *sequencer) run() {
	for {
		select {
		case in := <-s.in:
			s.handle(in)
		case <-s.stop:
			for {
				select {
				case in := <-s.in:
					s.handle(in)
				default:
					return
				}
			}
		}
	}
}

// watchEvent is the WatchEvent callback: it queues peer state changes.
func (s *sequencer) watchEvent(r *api.WatchEventResponse) {
	pe := r.GetPeer()
	if pe == nil || pe.GetType() != api.WatchEventResponse_PeerEvent_STATE {
		return
	}
	st := pe.GetPeer().GetState()
	addr, err := netip.ParseAddr(st.GetNeighborAddress())
	state := uint16(st.GetSessionState()) // GoBGP numbers them as MRT does
	if err != nil || state < bus.StateIdle || state > bus.StateEstablished {
		return
	}
	in := input{kind: inState, peer: addr.Unmap(), time: s.c.Now(), state: state, peerAS: st.GetPeerAsn()}
	if l, err := netip.ParseAddr(pe.GetPeer().GetTransport().GetLocalAddress()); err == nil {
		in.local = l.Unmap()
	}
	s.push(in)
}

// handle queues in for its peer and publishes what has become publishable.
func (s *sequencer) handle(in input) {
	p := s.peers[in.peer]
	if p == nil {
		p = &peerSeq{state: bus.StateIdle}
		s.peers[in.peer] = p
	}
	if in.peerAS != 0 {
		p.peerAS = in.peerAS
	}
	if in.kind == inState {
		if in.local.IsValid() && !in.local.IsUnspecified() {
			p.local = in.local
		}
		p.watchQ = append(p.watchQ, in)
	} else {
		p.bmpQ = append(p.bmpQ, in)
	}
	s.process(in.peer, p)
	if p.state == bus.StateIdle && len(p.watchQ) == 0 && len(p.bmpQ) == 0 {
		delete(s.peers, in.peer) // dynamic peers come and go
	}
}

// process publishes the peer's queued inputs as far as their order is
// known.
func (s *sequencer) process(addr netip.Addr, p *peerSeq) {
	for progressed := true; progressed; {
		progressed = false
		if len(p.watchQ) > 0 {
			w := p.watchQ[0]
			switch {
			case w.state == p.state:
				p.watchQ = p.watchQ[1:]
				progressed = true
			case w.state == bus.StateEstablished:
				if len(p.bmpQ) > 0 && p.bmpQ[0].kind == inUp {
					up := p.bmpQ[0]
					p.bmpQ = p.bmpQ[1:]
					p.watchQ = p.watchQ[1:]
					p.addPath = up.addPath
					if up.local.IsValid() {
						p.local = up.local
					}
					s.sessionUp(addr, p, w.time, up)
					progressed = true
				}
			case p.state == bus.StateEstablished:
				if len(p.bmpQ) > 0 && p.bmpQ[0].kind == inDown {
					down := p.bmpQ[0]
					p.bmpQ = p.bmpQ[1:]
					p.watchQ = p.watchQ[1:]
					s.sessionDown(addr, p, w, down)
					progressed = true
				}
			default:
				s.publishState(addr, p, w.time, w.state, "")
				p.watchQ = p.watchQ[1:]
				progressed = true
			}
		}
		if len(p.bmpQ) > 0 && p.bmpQ[0].kind == inMessage && p.state == bus.StateEstablished {
			s.message(addr, p, p.bmpQ[0])
			p.bmpQ = p.bmpQ[1:]
			progressed = true
		}
	}
}

// publish stamps ev (times never go backwards, so that Seq order is
// time order) and publishes it.
func (s *sequencer) publish(ev *bus.Event, t time.Time) {
	t = t.Truncate(time.Microsecond)
	if t.Before(s.last) {
		t = s.last
	}
	s.last = t
	ev.Time = t
	ev.Collector = s.c.cfg.Name
	s.c.bus.Publish(ev)
}

// publishState publishes the peer's change to state.
func (s *sequencer) publishState(addr netip.Addr, p *peerSeq, t time.Time, state uint16, reason string) {
	local := p.local
	if !local.IsValid() || local.Is4() != addr.Is4() {
		local = netip.IPv4Unspecified()
		if addr.Is6() {
			local = netip.IPv6Unspecified()
		}
	}
	s.publish(&bus.Event{
		Kind: bus.KindState, PeerAddr: addr, LocalAddr: local,
		PeerAS: p.peerAS, LocalAS: s.c.cfg.ASN, AS4: true,
		OldState: p.state, NewState: state, Reason: reason,
	}, t)
	p.state = state
}

// sessionUp publishes a change to Established.
func (s *sequencer) sessionUp(addr netip.Addr, p *peerSeq, t time.Time, up input) {
	s.publishState(addr, p, t, bus.StateEstablished, "")
	s.c.m.sessionsUp.Inc()
	s.established.Add(1)
	s.c.log.Info("BGP session established", "peer", addr, "peer_as", p.peerAS, "local", p.local,
		"as4", up.as4, "addpath_ipv4", up.addPath[1], "addpath_ipv6", up.addPath[2])
}

// sessionDown publishes the change out of Established that w reports,
// with the reason from BMP's Peer Down, and applies the max-prefix
// shutdown action.
func (s *sequencer) sessionDown(addr netip.Addr, p *peerSeq, w, down input) {
	s.publishState(addr, p, w.time, w.state, down.reason)
	s.c.m.sessionsUp.Dec()
	s.established.Add(-1)
	s.c.log.Warn("BGP session down", "peer", addr, "peer_as", p.peerAS, "reason", down.reason)
	if down.direction == "" {
		return
	}
	s.c.m.notifications.WithLabelValues(addr.String(), down.direction).Inc()
	const cease, maxPrefix = 6, 1
	if down.direction == "sent" && down.code == cease && down.subcode == maxPrefix {
		if n, ok := s.c.neighbor(addr); ok && n.MaxPrefixAction == MaxPrefixShutdown {
			go s.c.shutdownPeer(addr)
		}
	}
}

// message publishes a received BGP message.
func (s *sequencer) message(addr netip.Addr, p *peerSeq, in input) {
	ev := &bus.Event{
		Kind: bus.KindMessage, PeerAddr: addr, LocalAddr: p.local,
		PeerAS: in.peerAS, LocalAS: s.c.cfg.ASN, AS4: in.as4, Message: in.msg,
	}
	if !ev.LocalAddr.IsValid() {
		ev.LocalAddr = netip.IPv4Unspecified()
		if addr.Is6() {
			ev.LocalAddr = netip.IPv6Unspecified()
		}
	}
	if !in.as4 && ev.LocalAS > 0xffff {
		ev.LocalAS = 23456 // AS_TRANS: what a 2-byte session sees
	}
	if ev.MessageType() == 2 {
		ev.AddPath = p.addPath[updateAFI(in.msg)]
		peer := addr.String()
		s.c.m.updates.WithLabelValues(peer).Inc()
		s.c.m.prefixes.WithLabelValues(peer).Add(float64(countPrefixes(in.msg, p.addPath)))
	}
	s.publish(ev, in.time)
}
