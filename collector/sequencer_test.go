package collector

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/bus"
)

// update returns a minimal UPDATE message with the given NLRI byte.
func update(tag byte) []byte {
	msg := make([]byte, 19, 27)
	for i := range 16 {
		msg[i] = 0xff
	}
	msg[18] = 2
	msg = append(msg, 0, 0, 0, 0, 24, 192, 0, tag) // no withdrawn, no attrs, one /24
	msg[16], msg[17] = 0, byte(len(msg))
	return msg
}

// describe renders published events compactly: "1>3" for state changes,
// "U<tag>" for updates.
func describe(evs []*bus.Event) string {
	var out []string
	for _, e := range evs {
		if e.Kind == bus.KindState {
			out = append(out, fmt.Sprintf("%d>%d", e.OldState, e.NewState))
		} else {
			out = append(out, fmt.Sprintf("U%d", e.Message[len(e.Message)-1]))
		}
	}
	return strings.Join(out, " ")
}

func TestSequencerOrder(t *testing.T) {
	peer := netip.MustParseAddr("192.0.2.1")
	local := netip.MustParseAddr("192.0.2.254")
	state := func(s uint16) input { return input{kind: inState, peer: peer, state: s, peerAS: 64496} }
	up := input{kind: inUp, peer: peer, local: local, as4: true, addPath: map[uint16]bool{1: true}, peerAS: 64496}
	msg := func(tag byte) input {
		return input{kind: inMessage, peer: peer, as4: true, msg: update(tag), peerAS: 64496}
	}
	down := input{kind: inDown, peer: peer, reason: "received NOTIFICATION 6/2 (Cease)", direction: "received", code: 6, subcode: 2}

	tests := []struct {
		name   string
		inputs []input
		want   string
	}{
		{
			name:   "in step",
			inputs: []input{state(3), state(4), state(5), state(6), up, msg(1), msg(2), down, state(1)},
			want:   "1>3 3>4 4>5 5>6 U1 U2 6>1",
		},
		{
			name:   "BMP ahead of the peer watch",
			inputs: []input{up, msg(1), down, up, msg(2), state(3), state(4), state(5), state(6), state(1), state(3), state(4), state(5), state(6)},
			want:   "1>3 3>4 4>5 5>6 U1 6>1 1>3 3>4 4>5 5>6 U2",
		},
		{
			name:   "peer watch ahead of BMP",
			inputs: []input{state(3), state(4), state(5), state(6), state(1), state(3), up, msg(1), msg(2), down, up},
			want:   "1>3 3>4 4>5 5>6 U1 U2 6>1 1>3",
		},
		{
			name:   "leaving Established for a state other than Idle",
			inputs: []input{state(3), state(4), state(5), state(6), up, state(3), msg(1), down},
			want:   "1>3 3>4 4>5 5>6 U1 6>3",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bus.New()
			sub := b.Subscribe("test", 100)
			c, err := New(Config{ListenPort: 1179}, b, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			s := newSequencer(c)
			base := time.Now()
			for i, in := range tc.inputs {
				// Times go backwards between the streams: published times
				// must not.
				in.time = base.Add(time.Duration((i%3)*-1) * time.Millisecond)
				s.handle(in)
			}
			sub.Close()
			var evs []*bus.Event
			for e := range sub.C() {
				evs = append(evs, e)
			}
			if got := describe(evs); got != tc.want {
				t.Fatalf("published %q, want %q", got, tc.want)
			}
			for i, e := range evs {
				if i > 0 && e.Time.Before(evs[i-1].Time) {
					t.Errorf("event %d time %v before %v", i, e.Time, evs[i-1].Time)
				}
				if e.Kind == bus.KindMessage && (!e.AddPath || !e.AS4 || e.LocalAddr != local) {
					t.Errorf("message %d: AddPath %v AS4 %v local %s", i, e.AddPath, e.AS4, e.LocalAddr)
				}
				if e.Kind == bus.KindState && e.OldState == bus.StateEstablished && e.Reason != down.reason {
					t.Errorf("down event reason %q", e.Reason)
				}
				if e.Kind == bus.KindState && (!e.AS4 || !e.LocalAddr.Is4()) {
					t.Errorf("state event %d: AS4 %v local %s", i, e.AS4, e.LocalAddr)
				}
			}
			if n := s.established.Load(); n != int64(strings.Count(tc.want, ">6")-strings.Count(tc.want, "6>")) {
				t.Errorf("established count %d", n)
			}
		})
	}
}

func TestUpdateParsing(t *testing.T) {
	// IPv6 UPDATE: MP_REACH_NLRI (AFI 2, SAFI 1, 16-byte next hop) with an
	// ADD-PATH path id and 2001:db8::/32, then another /48.
	mp := []byte{0, 2, 1, 16}
	mp = append(mp, make([]byte, 16)...)
	mp = append(mp, 0)
	mp = append(mp, 0, 0, 0, 7, 32, 0x20, 0x01, 0x0d, 0xb8)
	mp = append(mp, 0, 0, 0, 8, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 1)
	attrs := append([]byte{0x80, 14, byte(len(mp))}, mp...)
	body := append([]byte{0, 0, 0, byte(len(attrs))}, attrs...)
	msg := append(slices.Repeat([]byte{0xff}, 16), 0, byte(19+len(body)), 2)
	msg = append(msg, body...)
	if afi := updateAFI(msg); afi != 2 {
		t.Errorf("updateAFI %d, want 2", afi)
	}
	if n := countPrefixes(msg, map[uint16]bool{2: true}); n != 2 {
		t.Errorf("countPrefixes %d, want 2", n)
	}
	if afi, n := updateAFI(update(1)), countPrefixes(update(1), nil); afi != 1 || n != 1 {
		t.Errorf("IPv4 update: AFI %d, %d prefixes", afi, n)
	}
	eor := append(slices.Repeat([]byte{0xff}, 16), 0, 23, 2, 0, 0, 0, 0)
	if afi, n := updateAFI(eor), countPrefixes(eor, nil); afi != 1 || n != 0 {
		t.Errorf("End-of-RIB: AFI %d, %d prefixes", afi, n)
	}
}

func TestPeerDownDecoding(t *testing.T) {
	c, err := New(Config{ListenPort: 1179}, bus.New(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := &station{seq: newSequencer(c)}
	msg := func(body ...byte) []byte {
		b := make([]byte, bmpCommonHeader+bmpPeerHeader, 64)
		b[0], b[5] = 3, bmpPeerDown
		copy(b[bmpCommonHeader+22:], []byte{192, 0, 2, 1})
		b = append(b, body...)
		binary.BigEndian.PutUint32(b[1:], uint32(len(b)))
		return b
	}
	notification := append(slices.Repeat([]byte{0xff}, 16), 0, 21, 3, 6, 1)
	for _, tc := range []struct {
		msg               []byte
		reason, direction string
		code, subcode     uint8
	}{
		// GoBGP's graceful-restart Peer Down: remote reason, no NOTIFICATION.
		{msg(3), "connection closed by the peer (graceful restart)", "", 0, 0},
		{msg(append([]byte{1}, notification...)...), "sent NOTIFICATION 6/1 (Cease)", "sent", 6, 1},
		{msg(append([]byte{3}, notification...)...), "received NOTIFICATION 6/1 (Cease)", "received", 6, 1},
		{msg(4), "connection closed by the peer", "", 0, 0},
	} {
		if err := st.peerMessage(bmpPeerDown, tc.msg, time.Now()); err != nil {
			t.Fatal(err)
		}
		in := <-st.seq.in
		if in.kind != inDown || in.peer != netip.MustParseAddr("192.0.2.1") || in.reason != tc.reason ||
			in.direction != tc.direction || in.code != tc.code || in.subcode != tc.subcode {
			t.Errorf("decoded %+v, want reason %q direction %q %d/%d", in, tc.reason, tc.direction, tc.code, tc.subcode)
		}
	}
}
