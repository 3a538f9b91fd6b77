package collector

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
	"github.com/osrg/gobgp/v3/pkg/packet/bmp"
)

// BMP message types and per-peer header flags (RFC 7854 section 4.2).
const (
	bmpRouteMonitoring = 0
	bmpPeerDown        = 2
	bmpPeerUp          = 3
	bmpInitiation      = 4
	bmpTermination     = 5

	bmpFlagV6         = 0x80
	bmpFlagPostPolicy = 0x40
	bmpFlagTwoAS      = 0x20

	bmpCommonHeader = 6
	bmpPeerHeader   = 42
	bmpMaxMessage   = 1 << 20
)

// station is the collector's in-process BMP station: GoBGP's BMP client
// (pre-policy route monitoring) connects to it, and it hands Peer Up,
// Route Monitoring and Peer Down messages to the sequencer in stream
// order. Route Monitoring carries each UPDATE exactly as received: GoBGP
// copies the message's bytes off the wire (fsm.go, fsmMsg.payload) and
// writes them unparsed (bmp.go, bmpPeerRoute with msg.Payload).
type station struct {
	conn net.Conn
	seq  *sequencer
}

// acceptStation waits for GoBGP's BMP client to connect and send its
// Initiation message. GoBGP registers the client's watcher before it
// writes the Initiation, so from then on no received UPDATE is missed.
func acceptStation(ctx context.Context, ln net.Listener, seq *sequencer) (*station, error) {
	type accepted struct {
		conn net.Conn
		err  error
	}
	ch := make(chan accepted, 1)
	go func() {
		conn, err := ln.Accept()
		ch <- accepted{conn, err}
	}()
	var a accepted
	select {
	case a = <-ch:
	case <-ctx.Done():
		ln.Close()
		return nil, fmt.Errorf("waiting for GoBGP's BMP client: %w", ctx.Err())
	case <-time.After(30 * time.Second):
		ln.Close()
		return nil, errors.New("GoBGP's BMP client did not connect within 30 s")
	}
	if a.err != nil {
		return nil, fmt.Errorf("BMP station accept: %w", a.err)
	}
	st := &station{conn: a.conn, seq: seq}
	typ, _, err := st.read()
	if err != nil {
		a.conn.Close()
		return nil, fmt.Errorf("BMP station: read Initiation: %w", err)
	}
	if typ != bmpInitiation {
		a.conn.Close()
		return nil, fmt.Errorf("BMP station: first message is type %d, not Initiation", typ)
	}
	return st, nil
}

// read returns the next BMP message's type and whole bytes.
func (st *station) read() (uint8, []byte, error) {
	var h [bmpCommonHeader]byte
	if _, err := io.ReadFull(st.conn, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:5])
	if h[0] != bmp.BMP_VERSION || n < bmpCommonHeader || n > bmpMaxMessage {
		return 0, nil, fmt.Errorf("bad BMP header: version %d, length %d", h[0], n)
	}
	b := make([]byte, n)
	copy(b, h[:])
	if _, err := io.ReadFull(st.conn, b[bmpCommonHeader:]); err != nil {
		return 0, nil, fmt.Errorf("BMP message body: %w", err)
	}
	return h[5], b, nil
}

// serve reads the BMP stream until GoBGP terminates it (nil) or it
// breaks (an error).
func (st *station) serve() error {
	for {
		typ, b, err := st.read()
		now := st.seq.c.Now()
		if err != nil {
			return fmt.Errorf("BMP station: %w", err)
		}
		switch typ {
		case bmpTermination:
			return nil
		case bmpRouteMonitoring, bmpPeerUp, bmpPeerDown:
			if err := st.peerMessage(typ, b, now); err != nil {
				return fmt.Errorf("BMP station: %w", err)
			}
		}
	}
}

// peerMessage decodes a per-peer BMP message and queues it.
func (st *station) peerMessage(typ uint8, b []byte, now time.Time) error {
	if len(b) < bmpCommonHeader+bmpPeerHeader {
		return fmt.Errorf("BMP message type %d of %d bytes has no per-peer header", typ, len(b))
	}
	ph := b[bmpCommonHeader:]
	flags := ph[1]
	peer := netip.AddrFrom16([16]byte(ph[10:26]))
	if flags&bmpFlagV6 == 0 {
		peer = netip.AddrFrom4([4]byte(ph[22:26]))
	}
	peer = peer.Unmap()
	in := input{peer: peer, time: now, peerAS: binary.BigEndian.Uint32(ph[26:30])}
	switch typ {
	case bmpRouteMonitoring:
		if flags&bmpFlagPostPolicy != 0 {
			return nil // not requested; never a received message
		}
		msg := b[bmpCommonHeader+bmpPeerHeader:]
		if len(msg) < bgp.BGP_HEADER_LENGTH || int(binary.BigEndian.Uint16(msg[16:18])) != len(msg) {
			return fmt.Errorf("route monitoring for %s holds %d bytes that are not one BGP message", peer, len(msg))
		}
		in.kind, in.msg, in.as4 = inMessage, msg, flags&bmpFlagTwoAS == 0
	case bmpPeerUp:
		// A Peer Up whose OPENs do not decode must not stop the feed: the
		// session is then recorded without its local address and with
		// ADD-PATH assumed off.
		in.kind = inUp
		m, err := bmp.ParseBMPMessage(b)
		if err != nil {
			st.seq.c.log.Error("BMP Peer Up does not decode; ADD-PATH and local address unknown", "peer", peer, "err", err)
			break
		}
		if up, ok := m.Body.(*bmp.BMPPeerUpNotification); ok {
			in.local, _ = netip.AddrFromSlice(up.LocalAddress)
			in.local = in.local.Unmap()
			in.as4, in.addPath = negotiated(up.SentOpenMsg, up.ReceivedOpenMsg)
		}
	case bmpPeerDown:
		// Decoded here rather than by bmp.ParseBMPMessage, which rejects
		// the "remote NOTIFICATION" Peer Down without a NOTIFICATION that
		// GoBGP sends when a peer closes a graceful-restart session.
		body := b[bmpCommonHeader+bmpPeerHeader:]
		if len(body) < 1 {
			return fmt.Errorf("peer down for %s without reason", peer)
		}
		d := &bmp.BMPPeerDownNotification{Reason: body[0], Data: body[1:]}
		if (d.Reason == bmp.BMP_PEER_DOWN_REASON_LOCAL_BGP_NOTIFICATION || d.Reason == bmp.BMP_PEER_DOWN_REASON_REMOTE_BGP_NOTIFICATION) && len(body) > 1 {
			if n, err := bgp.ParseBGPMessage(body[1:]); err == nil {
				d.BGPNotification = n
			}
		}
		in.kind = inDown
		in.reason, in.direction, in.code, in.subcode = downReason(d)
	}
	st.seq.push(in)
	return nil
}

// capabilities returns the capabilities of an OPEN message.
func capabilities(m *bgp.BGPMessage) []bgp.ParameterCapabilityInterface {
	if m == nil {
		return nil
	}
	o, ok := m.Body.(*bgp.BGPOpen)
	if !ok {
		return nil
	}
	var out []bgp.ParameterCapabilityInterface
	for _, p := range o.OptParams {
		if c, ok := p.(*bgp.OptionParameterCapability); ok {
			out = append(out, c.Capability...)
		}
	}
	return out
}

// negotiated tells from the OPENs sent and received whether the session
// uses 4-byte AS numbers, and for which AFIs (unicast) the peer sends
// ADD-PATH path identifiers to the collector.
func negotiated(sent, recv *bgp.BGPMessage) (as4 bool, addPath map[uint16]bool) {
	has := func(m *bgp.BGPMessage, code bgp.BGPCapabilityCode) bool {
		for _, c := range capabilities(m) {
			if c.Code() == code {
				return true
			}
		}
		return false
	}
	modes := func(m *bgp.BGPMessage) map[bgp.RouteFamily]bgp.BGPAddPathMode {
		out := map[bgp.RouteFamily]bgp.BGPAddPathMode{}
		for _, c := range capabilities(m) {
			if ap, ok := c.(*bgp.CapAddPath); ok {
				for _, t := range ap.Tuples {
					out[t.RouteFamily] = t.Mode
				}
			}
		}
		return out
	}
	as4 = has(sent, bgp.BGP_CAP_FOUR_OCTET_AS_NUMBER) && has(recv, bgp.BGP_CAP_FOUR_OCTET_AS_NUMBER)
	ours, theirs := modes(sent), modes(recv)
	addPath = map[uint16]bool{}
	for rf, afi := range map[bgp.RouteFamily]uint16{bgp.RF_IPv4_UC: bgp.AFI_IP, bgp.RF_IPv6_UC: bgp.AFI_IP6} {
		if ours[rf]&bgp.BGP_ADD_PATH_RECEIVE != 0 && theirs[rf]&bgp.BGP_ADD_PATH_SEND != 0 {
			addPath[afi] = true
		}
	}
	return as4, addPath
}

// downReason describes why a session ended, and, when a NOTIFICATION
// ended it, whether it was "sent" or "received" and its code and subcode.
func downReason(d *bmp.BMPPeerDownNotification) (reason, direction string, code, subcode uint8) {
	switch d.Reason {
	case bmp.BMP_PEER_DOWN_REASON_LOCAL_BGP_NOTIFICATION:
		direction = "sent"
	case bmp.BMP_PEER_DOWN_REASON_REMOTE_BGP_NOTIFICATION:
		direction = "received"
	case bmp.BMP_PEER_DOWN_REASON_LOCAL_NO_NOTIFICATION:
		return "closed by the collector", "", 0, 0
	case bmp.BMP_PEER_DOWN_REASON_REMOTE_NO_NOTIFICATION:
		return "connection closed by the peer", "", 0, 0
	case bmp.BMP_PEER_DOWN_REASON_PEER_DE_CONFIGURED:
		return "peer deconfigured", "", 0, 0
	default:
		return fmt.Sprintf("unknown (BMP peer down reason %d)", d.Reason), "", 0, 0
	}
	if d.BGPNotification != nil {
		if n, ok := d.BGPNotification.Body.(*bgp.BGPNotification); ok {
			return fmt.Sprintf("%s NOTIFICATION %d/%d (%s)", direction, n.ErrorCode, n.ErrorSubcode, notificationNames[n.ErrorCode]),
				direction, n.ErrorCode, n.ErrorSubcode
		}
	}
	if direction == "received" {
		// GoBGP's graceful-restart case: the peer closed the connection.
		return "connection closed by the peer (graceful restart)", "", 0, 0
	}
	return "sent NOTIFICATION", direction, 0, 0
}

// updateAFI returns the AFI an UPDATE is about: IPv4 when it has IPv4
// withdrawn routes or NLRI (or nothing at all, the IPv4 End-of-RIB), else
// the AFI of its MP_REACH_NLRI or MP_UNREACH_NLRI.
func updateAFI(msg []byte) uint16 {
	b := msg[bgp.BGP_HEADER_LENGTH:]
	if len(b) < 4 {
		return bgp.AFI_IP
	}
	wl := int(binary.BigEndian.Uint16(b))
	if wl > 0 || len(b) < 4+wl {
		return bgp.AFI_IP
	}
	al := int(binary.BigEndian.Uint16(b[2+wl:]))
	attrs := b[4+wl:]
	if len(attrs) < al {
		return bgp.AFI_IP
	}
	if len(attrs) > al { // IPv4 NLRI follow the attributes
		return bgp.AFI_IP
	}
	for len(attrs) >= 3 {
		flags, typ := attrs[0], attrs[1]
		hl, n := 3, int(attrs[2])
		if flags&byte(bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH) != 0 {
			if len(attrs) < 4 {
				break
			}
			hl, n = 4, int(binary.BigEndian.Uint16(attrs[2:]))
		}
		if len(attrs) < hl+n {
			break
		}
		if (typ == byte(bgp.BGP_ATTR_TYPE_MP_REACH_NLRI) || typ == byte(bgp.BGP_ATTR_TYPE_MP_UNREACH_NLRI)) && n >= 2 {
			return binary.BigEndian.Uint16(attrs[hl:])
		}
		attrs = attrs[hl+n:]
	}
	return bgp.AFI_IP
}

// countPrefixes counts the prefixes an UPDATE announces (IPv4 NLRI and
// MP_REACH_NLRI), stopping quietly at anything malformed.
func countPrefixes(msg []byte, addPath map[uint16]bool) int {
	walk := func(b []byte, ap bool) int {
		n := 0
		for len(b) > 0 {
			if ap {
				if len(b) < 4 {
					return n
				}
				b = b[4:]
			}
			if len(b) < 1 || len(b) < 1+(int(b[0])+7)/8 {
				return n
			}
			b = b[1+(int(b[0])+7)/8:]
			n++
		}
		return n
	}
	b := msg[bgp.BGP_HEADER_LENGTH:]
	if len(b) < 4 {
		return 0
	}
	wl := int(binary.BigEndian.Uint16(b))
	if len(b) < 4+wl {
		return 0
	}
	al := int(binary.BigEndian.Uint16(b[2+wl:]))
	if len(b) < 4+wl+al {
		return 0
	}
	attrs := b[4+wl : 4+wl+al]
	total := walk(b[4+wl+al:], addPath[bgp.AFI_IP])
	for len(attrs) >= 3 {
		flags, typ := attrs[0], attrs[1]
		hl, n := 3, int(attrs[2])
		if flags&byte(bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH) != 0 {
			if len(attrs) < 4 {
				break
			}
			hl, n = 4, int(binary.BigEndian.Uint16(attrs[2:]))
		}
		if len(attrs) < hl+n {
			break
		}
		if v := attrs[hl : hl+n]; typ == byte(bgp.BGP_ATTR_TYPE_MP_REACH_NLRI) && len(v) >= 5 && v[2] == 1 {
			afi, nh := binary.BigEndian.Uint16(v), int(v[3])
			if len(v) >= 5+nh {
				total += walk(v[5+nh:], addPath[afi])
			}
		}
		attrs = attrs[hl+n:]
	}
	return total
}

// notificationNames names the NOTIFICATION error codes (RFC 4271 section
// 4.5, RFC 7313).
var notificationNames = map[uint8]string{
	1: "Message Header Error",
	2: "OPEN Message Error",
	3: "UPDATE Message Error",
	4: "Hold Timer Expired",
	5: "Finite State Machine Error",
	6: "Cease",
	7: "ROUTE-REFRESH Message Error",
}
