package rislive

import (
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/mrtdump"
)

// seg is an AS path segment for buildUpdate.
type seg struct {
	set bool
	as  []uint32
}

// route is the content of a test UPDATE.
type route struct {
	path             []seg
	ann, wd          []string // IPv4 NLRI and withdrawn routes
	ann6, wd6        []string // in MP_REACH_NLRI / MP_UNREACH_NLRI
	communities      [][2]uint16
	nextHop          string
	nextHop6, local6 string
}

func appendNLRI(b []byte, ps []string) []byte {
	for _, s := range ps {
		p := netip.MustParsePrefix(s)
		a := p.Addr().AsSlice()
		b = append(b, byte(p.Bits()))
		b = append(b, a[:(p.Bits()+7)/8]...)
	}
	return b
}

func appendAttr(b []byte, flags, typ byte, v []byte) []byte {
	if len(v) > 255 {
		b = append(b, flags|0x10, typ)
		b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	} else {
		b = append(b, flags, typ, byte(len(v)))
	}
	return append(b, v...)
}

// buildUpdate returns a whole BGP UPDATE (4-byte AS numbers).
func buildUpdate(r route) []byte {
	wd := appendNLRI(nil, r.wd)
	var attrs []byte
	if len(r.ann) > 0 || len(r.ann6) > 0 {
		attrs = appendAttr(attrs, 0x40, 1, []byte{0}) // ORIGIN IGP
		var path []byte
		for _, s := range r.path {
			typ := byte(2)
			if s.set {
				typ = 1
			}
			path = append(path, typ, byte(len(s.as)))
			for _, as := range s.as {
				path = binary.BigEndian.AppendUint32(path, as)
			}
		}
		attrs = appendAttr(attrs, 0x40, 2, path)
		if len(r.ann) > 0 {
			nh := netip.MustParseAddr(r.nextHop).As4()
			attrs = appendAttr(attrs, 0x40, 3, nh[:])
		}
		var comm []byte
		for _, c := range r.communities {
			comm = binary.BigEndian.AppendUint16(comm, c[0])
			comm = binary.BigEndian.AppendUint16(comm, c[1])
		}
		if len(comm) > 0 {
			attrs = appendAttr(attrs, 0xc0, 8, comm)
		}
	}
	if len(r.ann6) > 0 {
		v := []byte{0, 2, 1}
		nh := netip.MustParseAddr(r.nextHop6).As16()
		if r.local6 != "" {
			ll := netip.MustParseAddr(r.local6).As16()
			v = append(v, 32)
			v = append(append(v, nh[:]...), ll[:]...)
		} else {
			v = append(append(v, 16), nh[:]...)
		}
		v = append(v, 0)
		attrs = appendAttr(attrs, 0x80, 14, appendNLRI(v, r.ann6))
	}
	if len(r.wd6) > 0 {
		attrs = appendAttr(attrs, 0x80, 15, appendNLRI([]byte{0, 2, 1}, r.wd6))
	}
	body := binary.BigEndian.AppendUint16(nil, uint16(len(wd)))
	body = append(body, wd...)
	body = binary.BigEndian.AppendUint16(body, uint16(len(attrs)))
	body = append(body, attrs...)
	body = appendNLRI(body, r.ann)
	return bgpMessage(2, body)
}

// bgpMessage returns a BGP message of the given type and body.
func bgpMessage(typ byte, body []byte) []byte {
	m := make([]byte, 16, 19+len(body))
	for i := range m {
		m[i] = 0xff
	}
	m = binary.BigEndian.AppendUint16(m, uint16(19+len(body)))
	m = append(m, typ)
	return append(m, body...)
}

// testEvent returns a message event from a peer.
func testEvent(host, peer string, as uint32, msg []byte) *bus.Event {
	return &bus.Event{
		Kind: bus.KindMessage, Time: time.Unix(1767225600, 420000000), Collector: host,
		PeerAddr: netip.MustParseAddr(peer), PeerAS: as, AS4: true, Message: msg,
	}
}

// filterEvents are the events the filter table runs over.
func filterEvents() map[string]*bus.Event {
	return map[string]*bus.Event{
		// path 64500 64510 {65010,65011}
		"u1": testEvent("rrc00", "192.0.2.1", 64500, buildUpdate(route{
			path:    []seg{{as: []uint32{64500, 64510}}, {set: true, as: []uint32{65011, 65010}}},
			ann:     []string{"203.0.113.0/24", "198.51.100.128/25"},
			wd:      []string{"192.0.2.0/24"},
			nextHop: "192.0.2.1", communities: [][2]uint16{{64500, 100}},
		})),
		// path 64501 64500 64500 64520, IPv6 with link-local next hop
		"u2": testEvent("rrc01", "2001:db8::1", 64501, buildUpdate(route{
			path:     []seg{{as: []uint32{64501, 64500, 64500, 64520}}},
			ann6:     []string{"2001:db8:100::/48"},
			nextHop6: "2001:db8::1", local6: "fe80::1",
		})),
		// withdrawal only
		"w": testEvent("rrc00", "192.0.2.1", 64500, buildUpdate(route{wd: []string{"203.0.113.0/25"}, wd6: []string{"2001:db8::/32"}})),
		"k": testEvent("rrc00", "192.0.2.1", 64500, bgpMessage(4, nil)),
		"n": testEvent("rrc00", "192.0.2.2", 64502, bgpMessage(3, []byte{6, 2})),
		"s": {Kind: bus.KindState, Time: time.Unix(1767225600, 0), Collector: "rrc00",
			PeerAddr: netip.MustParseAddr("192.0.2.1"), PeerAS: 64500, OldState: bus.StateOpenConfirm, NewState: bus.StateEstablished},
	}
}

// TestFilters runs subscriptions over a fixed set of events and checks
// which ones each passes.
func TestFilters(t *testing.T) {
	all := "u1 u2 w k n s"
	tests := []struct {
		sub  string
		want string // event names, space-separated
	}{
		{`{}`, all},
		{`{"host":"rrc00"}`, "u1 w k n s"},
		{`{"host":"rrc01"}`, "u2"},
		{`{"type":"UPDATE"}`, "u1 u2 w"},
		{`{"type":"update"}`, "u1 u2 w"},
		{`{"type":"KEEPALIVE"}`, "k"},
		{`{"type":"NOTIFICATION"}`, "n"},
		{`{"type":"RIS_PEER_STATE"}`, "s"},
		{`{"type":"OPEN"}`, ""},
		{`{"peer":"192.0.2.1"}`, "u1 w k s"},
		{`{"peer":"::ffff:192.0.2.1"}`, "u1 w k s"},
		{`{"peer":"2001:db8:0::1"}`, "u2"},
		{`{"require":"announcements"}`, "u1 u2"},
		{`{"require":"withdrawals"}`, "u1 w"},
		{`{"require":"community"}`, "u1"},
		{`{"require":"notification"}`, "n"},
		{`{"require":"state"}`, "s"},
		{`{"require":"nothing_like_this"}`, ""},
		// path: an AS number anywhere, also inside an AS_SET
		{`{"path":64500}`, "u1 u2"},
		{`{"path":65010}`, "u1"},
		{`{"path":"64500"}`, "u1 u2"},
		{`{"path":"^64500"}`, "u1"},
		{`{"path":"^64501,64500"}`, "u2"},
		{`{"path":"64500,64510"}`, "u1"},
		{`{"path":"64510,64500"}`, ""},
		{`{"path":"64500,64500,64520$"}`, "u2"},
		{`{"path":"64520$"}`, "u2"},
		{`{"path":"64510$"}`, ""},
		{`{"path":"[65010,65011]$"}`, "u1"},
		{`{"path":"^64500,64510,[65010,65011]$"}`, "u1"},
		{`{"path":"64510,[65010,65011]"}`, "u1"},
		{`{"path":"[65010]"}`, ""},
		{`{"path":"65011$"}`, "u1"},
		{`{"path":"^64501,64500,64500,64520$"}`, "u2"},
		{`{"path":"^64501,64520$"}`, ""},
		{`{"path":" ^ 64500 , 64510\t"}`, "u1"},
		// negation applies to UPDATEs; the withdrawal's path is empty
		{`{"path":"!^64500"}`, "u2 w"},
		{`{"path":"!64500"}`, "w"},
		{`{"path":"!64999"}`, "u1 u2 w"},
		// prefixes: announced and withdrawn, more specific by default
		{`{"prefix":"203.0.113.0/24"}`, "u1 w"},
		{`{"prefix":"203.0.113.0/24","moreSpecific":false}`, "u1"},
		{`{"prefix":"203.0.113.0/25","moreSpecific":false}`, "w"},
		{`{"prefix":"203.0.113.128/25"}`, ""},
		{`{"prefix":"203.0.113.128/25","lessSpecific":true}`, "u1"},
		{`{"prefix":"203.0.113.7","lessSpecific":true}`, "u1 w"},
		{`{"prefix":"203.0.0.0/16"}`, "u1 w"},
		{`{"prefix":"203.0.0.0/16","moreSpecific":false,"lessSpecific":true}`, ""},
		{`{"prefix":"198.51.100.0/24"}`, "u1"},
		{`{"prefix":"192.0.2.0/24"}`, "u1"},
		{`{"prefix":"0.0.0.0/0"}`, "u1 w"},
		{`{"prefix":"2001:db8::/32"}`, "u2 w"},
		{`{"prefix":"2001:db8:100::/48","moreSpecific":false}`, "u2"},
		{`{"prefix":"2001:db8:100:1::/64","lessSpecific":true}`, "u2 w"},
		{`{"prefix":"::/0"}`, "u2 w"},
		{`{"prefix":"2001:db8:100::1/48"}`, "u2"},
		// combinations are conjunctions
		{`{"prefix":"203.0.113.0/24","require":"announcements"}`, "u1"},
		{`{"prefix":"203.0.113.0/24","type":"UPDATE","host":"rrc00","peer":"192.0.2.1","path":"[65010,65011]$"}`, "u1"},
		{`{"prefix":"203.0.113.0/24","host":"rrc01"}`, ""},
		{`{"type":"KEEPALIVE","path":64500}`, ""},
		// unknown members are ignored, null is absent
		{`{"host":null,"unknownField":1,"moreSpecific":null}`, all},
	}
	events := filterEvents()
	for _, tc := range tests {
		t.Run(tc.sub, func(t *testing.T) {
			p, err := parseSubscribe(json.RawMessage(tc.sub), []string{"rrc00", "rrc01"})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.filters) != 1 {
				t.Fatalf("%d filters", len(p.filters))
			}
			var got []string
			var v view
			for name, ev := range events {
				v.reset(ev, mrtdump.NewMessageEncoder(ev.Collector))
				if p.filters[0].match(&v) {
					got = append(got, name)
				}
			}
			slices.Sort(got)
			want := strings.Fields(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("matched %v, want %v", got, want)
			}
		})
	}
}

// TestParseSubscribe checks normalisation, prefix arrays, socket options
// and the errors for bad fields.
func TestParseSubscribe(t *testing.T) {
	p, err := parseSubscribe(json.RawMessage(`{"prefix":["203.0.113.1/24","2001:DB8::/32","203.0.113.0/24"],"path":"^ 64500,[1,2]","type":"update","socketOptions":{"includeRaw":true}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range p.filters {
		keys = append(keys, f.key)
	}
	want := []string{
		`{"type":"UPDATE","path":"^64500,[1,2]","prefix":"203.0.113.0/24","moreSpecific":true,"lessSpecific":false}`,
		`{"type":"UPDATE","path":"^64500,[1,2]","prefix":"2001:db8::/32","moreSpecific":true,"lessSpecific":false}`,
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys\n%s\nwant\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	if p.options == nil || !p.options.IncludeRaw || p.options.Acknowledge {
		t.Errorf("options %+v", p.options)
	}
	p, err = parseSubscribe(json.RawMessage(`{"path":4200000000,"peer":"::ffff:192.0.2.1"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if k := p.filters[0].key; k != `{"peer":"192.0.2.1","path":4200000000,"moreSpecific":true,"lessSpecific":false}` {
		t.Errorf("key %s", k)
	}
	if p.options != nil {
		t.Errorf("options %+v without socketOptions", p.options)
	}

	bad := []struct{ sub, field string }{
		{`[]`, "data:"},
		{`null`, "data:"},
		{`"x"`, "data:"},
		{`{"host":"rrc99"}`, "host:"},
		{`{"host":5}`, "host:"},
		{`{"type":"BOGUS"}`, "type:"},
		{`{"require":"Announcements!"}`, "require:"},
		{`{"peer":"192.0.2"}`, "peer:"},
		{`{"peer":"fe80::1%eth0"}`, "peer:"},
		{`{"path":"64500,,64501"}`, "path:"},
		{`{"path":"^$"}`, "path:"},
		{`{"path":"[2,1]"}`, "path:"},
		{`{"path":"[1,2"}`, "path:"},
		{`{"path":"64500 64501"}`, "path:"},
		{`{"path":"645 00"}`, "path:"},
		{`{"path":"64500,"}`, "path:"},
		{`{"path":"abc"}`, "path:"},
		{`{"path":"[1,2]3"}`, "path:"},
		{`{"path":-1}`, "path:"},
		{`{"path":1.5}`, "path:"},
		{`{"path":4294967296}`, "path:"},
		{`{"path":true}`, "path:"},
		{`{"prefix":"203.0.113.0/33"}`, "prefix:"},
		{`{"prefix":"foo"}`, "prefix:"},
		{`{"prefix":[]}`, "prefix:"},
		{`{"prefix":["203.0.113.0/24",5]}`, "prefix:"},
		{`{"prefix":"::ffff:0.0.0.0/8"}`, "prefix:"},
		{`{"moreSpecific":"yes"}`, "moreSpecific:"},
		{`{"lessSpecific":1}`, "lessSpecific:"},
		{`{"socketOptions":true}`, "socketOptions:"},
		{`{"socketOptions":{"includeRaw":"true"}}`, "socketOptions.includeRaw:"},
		{`{"socketOptions":{"acknowledge":0}}`, "socketOptions.acknowledge:"},
	}
	for _, tc := range bad {
		_, err := parseSubscribe(json.RawMessage(tc.sub), []string{"rrc00"})
		if err == nil || !strings.HasPrefix(err.Error(), tc.field) {
			t.Errorf("parseSubscribe(%s) = %v, want an error about %s", tc.sub, err, tc.field)
		}
	}
}
