package rislive

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/routestat/routestat/collector/bus"
)

// risMessage is a ris_message's data decoded with the types RIS Live
// clients (bgpkit's serde structs) insist on; unknown members fail.
type risMessage struct {
	Timestamp     float64           `json:"timestamp"`
	Peer          string            `json:"peer"`
	PeerASN       string            `json:"peer_asn"`
	ID            string            `json:"id"`
	Host          string            `json:"host"`
	Type          string            `json:"type"`
	Raw           string            `json:"raw"`
	Path          []json.RawMessage `json:"path"`
	Origin        string            `json:"origin"`
	Community     [][2]uint32       `json:"community"`
	Announcements []struct {
		NextHop  string   `json:"next_hop"`
		Prefixes []string `json:"prefixes"`
	} `json:"announcements"`
	Withdrawals []string `json:"withdrawals"`
	MED         *uint32  `json:"med"`
	LocalPref   *uint32  `json:"local_pref"`
	Aggregator  string   `json:"aggregator"`
	State       string   `json:"state"`
	OldState    string   `json:"old_state"`
	NewState    string   `json:"new_state"`
	Direction   string   `json:"direction"`
}

// checkTypes decodes a ris_message's data strictly and checks the types
// clients depend on: path members are integers or arrays of integers.
func checkTypes(t *testing.T, data json.RawMessage) risMessage {
	t.Helper()
	var m risMessage
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("ris_message data: %v\n%s", err, data)
	}
	if m.Timestamp <= 0 || m.ID == "" || m.Host != "rrc00" || m.Type == "" {
		t.Fatalf("timestamp, id, host or type wrong:\n%s", data)
	}
	if _, err := netip.ParseAddr(m.Peer); err != nil {
		t.Fatalf("peer: %v", err)
	}
	for _, e := range m.Path {
		var as uint32
		var set []uint32
		if json.Unmarshal(e, &as) != nil && json.Unmarshal(e, &set) != nil {
			t.Fatalf("path member %s is neither an AS number nor an AS_SET", e)
		}
	}
	return m
}

// oracle tells from JSONEncoder's data object whether a message should
// reach a subscriber.
type oracle func(data map[string]any) bool

func prefixes(data map[string]any) []netip.Prefix {
	var out []netip.Prefix
	add := func(v any) {
		for _, p := range v.([]any) {
			out = append(out, netip.MustParsePrefix(p.(string)))
		}
	}
	if anns, ok := data["announcements"].([]any); ok {
		for _, a := range anns {
			add(a.(map[string]any)["prefixes"])
		}
	}
	if w, ok := data["withdrawals"]; ok {
		add(w)
	}
	return out
}

func pathHas(data map[string]any, as float64) bool {
	p, _ := data["path"].([]any)
	for _, e := range p {
		if e == as {
			return true
		}
	}
	return false
}

// TestWebSocketEndToEnd publishes the messages of a real RIS updates file
// on the bus and checks that clients with different subscriptions receive
// exactly the matching ones, once each, in order, with the data mrtdump
// writes for the same MRT records.
func TestWebSocketEndToEnd(t *testing.T) {
	samples := loadSamples(t)
	ts := newTestServer(t, nil, Options{Buffer: len(samples) + 10})

	in103 := netip.MustParsePrefix("103.0.0.0/8")
	clients := []struct {
		name       string
		subs       []map[string]any
		want       oracle
		includeRaw bool
		sentinel   *bus.Event
	}{
		{
			name: "prefix-or-path",
			subs: []map[string]any{
				{"prefix": "103.0.0.0/8", "socketOptions": map[string]any{"acknowledge": true}},
				{"path": 6939},
			},
			want: func(d map[string]any) bool {
				return d["type"] == "UPDATE" && (pathHas(d, 6939) || slices.ContainsFunc(prefixes(d), func(p netip.Prefix) bool {
					return p.Addr().Is4() && p.Bits() >= 8 && in103.Contains(p.Addr())
				}))
			},
			sentinel: testEvent("rrc00", "198.18.0.1", 64500, buildUpdate(route{path: []seg{{as: []uint32{6939}}}, ann: []string{"198.18.0.0/24"}, nextHop: "198.18.0.1"})),
		},
		{
			name: "peer-withdrawals-raw",
			subs: []map[string]any{
				{"type": "UPDATE", "require": "withdrawals", "peer": "37.49.236.145", "socketOptions": map[string]any{"includeRaw": true}},
			},
			want: func(d map[string]any) bool {
				w, _ := d["withdrawals"].([]any)
				return d["type"] == "UPDATE" && d["peer"] == "37.49.236.145" && len(w) > 0
			},
			includeRaw: true,
			sentinel:   testEvent("rrc00", "37.49.236.145", 64500, buildUpdate(route{wd: []string{"198.18.0.0/24"}})),
		},
		{
			name: "states-and-keepalives-of-ipv6-peers-in-path",
			subs: []map[string]any{
				{"type": "RIS_PEER_STATE"},
				{"type": "KEEPALIVE"},
				{"path": "^59689,6939"},
			},
			want: func(d map[string]any) bool {
				if d["type"] == "RIS_PEER_STATE" || d["type"] == "KEEPALIVE" {
					return true
				}
				p, _ := d["path"].([]any)
				return len(p) >= 2 && p[0] == 59689.0 && p[1] == 6939.0
			},
			sentinel: &bus.Event{Kind: bus.KindState, Time: time.Unix(1470932000, 0), Collector: "rrc00", PeerAddr: netip.MustParseAddr("198.18.0.1"), PeerAS: 64500, OldState: 6, NewState: 1},
		},
	}
	conns := make([]*wsClient, len(clients))
	for i, cl := range clients {
		c := dial(t, ts, cl.name)
		conns[i] = c
		for _, s := range cl.subs {
			c.send("ris_subscribe", s)
		}
	}
	// acknowledge: the first client's ok names the normalised filter
	var ok struct {
		Subscription  map[string]any `json:"subscription"`
		SocketOptions map[string]any `json:"socketOptions"`
	}
	if err := json.Unmarshal(conns[0].expect("ris_subscribe_ok"), &ok); err != nil {
		t.Fatal(err)
	}
	wantOK := map[string]any{"prefix": "103.0.0.0/8", "moreSpecific": true, "lessSpecific": false}
	if !reflect.DeepEqual(ok.Subscription, wantOK) || !reflect.DeepEqual(ok.SocketOptions, map[string]any{"includeRaw": false, "acknowledge": true}) {
		t.Fatalf("ris_subscribe_ok %+v", ok)
	}
	// the second subscribe of the socket is acknowledged too (options persist)
	if err := json.Unmarshal(conns[0].expect("ris_subscribe_ok"), &ok); err != nil {
		t.Fatal(err)
	}
	if ok.Subscription["path"] != 6939.0 {
		t.Fatalf("second ris_subscribe_ok %+v", ok)
	}
	// subscriptions are applied before the messages that follow them
	for _, c := range conns {
		c.send("ping", nil)
		c.expect("pong")
	}

	evs := publishSamples(ts.bus, samples)
	for _, cl := range clients {
		ts.bus.Publish(cl.sentinel)
	}

	for i, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			c := conns[i]
			c.t = t
			var want []int
			for j, s := range samples {
				if cl.want(s.data) {
					want = append(want, j)
				}
			}
			if len(want) < 20 {
				t.Fatalf("only %d samples match; the test needs a better filter", len(want))
			}
			types := map[string]int{}
			for n := 0; ; n++ {
				data := c.expect("ris_message")
				m := checkTypes(t, data)
				if m.ID == wantID(cl.sentinel) {
					if n != len(want) {
						t.Fatalf("got %d messages before the sentinel, want %d", n, len(want))
					}
					break
				}
				if n >= len(want) {
					t.Fatalf("message %d beyond the %d expected: %s", n, len(want), data)
				}
				s, ev := samples[want[n]], evs[want[n]]
				if m.ID != wantID(ev) {
					t.Fatalf("message %d has id %s, want %s (sample %d)", n, m.ID, wantID(ev), want[n])
				}
				var got map[string]any
				json.Unmarshal(data, &got)
				delete(got, "id")
				raw, hasRaw := got["raw"]
				delete(got, "raw")
				if !reflect.DeepEqual(got, s.data) {
					t.Fatalf("message %d differs from mrtdump's JSON:\n got %v\nwant %v", n, got, s.data)
				}
				wantRaw := cl.includeRaw && ev.Kind == bus.KindMessage
				if hasRaw != wantRaw || hasRaw && raw != strings.ToUpper(hex.EncodeToString(ev.Message)) {
					t.Fatalf("message %d: raw %v, want it %v and equal to the message", n, raw, wantRaw)
				}
				types[m.Type]++
			}
			t.Logf("%d messages %v", len(want), types)
		})
	}
	if got, want := ts.metric("subscribers", "ws"), 3.0; got != want {
		t.Errorf("routestat_stream_subscribers = %v, want %v", got, want)
	}
	if got := ts.metric("drops", "ws"); got != 0 {
		t.Errorf("routestat_stream_drops_total = %v, want 0", got)
	}
	if got := ts.metric("sent", "ws"); got < 60 {
		t.Errorf("routestat_stream_messages_sent_total = %v", got)
	}
}

// wantID returns the id a ris_message for ev has.
func wantID(ev *bus.Event) string {
	frac := "0"
	if us := ev.Time.Nanosecond() / 1000; us != 0 {
		frac = strings.TrimRight(fmt.Sprintf("%06d", us), "0")
	}
	return fmt.Sprintf("%s-%s-%d.%s-%d", ev.Collector, ev.PeerAddr, ev.Time.Unix(), frac, ev.Seq)
}

// TestWebSocketControl checks ping, request_rrc_list, unsubscribe, the
// subscription limit and that bad input is answered with a ris_error
// naming the problem, without disconnecting.
func TestWebSocketControl(t *testing.T) {
	ts := newTestServer(t, nil, Options{Hosts: []string{"rrc00", "rrc01"}, MaxSubscriptions: 3})
	c := dial(t, ts, "control")

	c.send("ping", nil)
	if d := c.expect("pong"); string(d) != "null" {
		t.Errorf("pong data %s", d)
	}
	c.send("request_rrc_list", nil)
	if d := c.expect("ris_rrc_list"); string(d) != `["rrc00","rrc01"]` {
		t.Errorf("ris_rrc_list %s", d)
	}

	bad := []struct{ msg, want string }{
		{`{"type":"ris_subscribe","data":{"prefix":"203.0.113.0/33"}}`, "prefix:"},
		{`{"type":"ris_subscribe","data":{"path":"64500,,1"}}`, "path:"},
		{`{"type":"ris_subscribe","data":{"type":"UPDATES"}}`, "type:"},
		{`{"type":"ris_subscribe","data":{"host":"rrc99"}}`, "host:"},
		{`{"type":"ris_subscribe","data":{"peer":"x"}}`, "peer:"},
		{`{"type":"ris_subscribe","data":{"moreSpecific":"no"}}`, "moreSpecific:"},
		{`{"type":"ris_subscribe","data":{"socketOptions":{"includeRaw":1}}}`, "socketOptions.includeRaw:"},
		{`{"type":"ris_subscribe","data":null}`, "data:"},
		{`{"type":"ris_subscribe"}`, "data:"},
		{`{"type":"ris_subscribe","data":[1]}`, "data:"},
		{`{"type":"subscribe","data":{}}`, `unknown message type "subscribe"`},
		{`{"data":{}}`, "type: missing"},
		{`{"type":5}`, "invalid message"},
		{`not json`, "invalid message"},
		{`{"type":"ris_subscribe","data":{"prefix":["10.0.0.0/8","10.1.0.0/16","10.2.0.0/16","10.3.0.0/16"]}}`, "limit of 3"},
		{`{"type":"ris_unsubscribe","data":{"prefix":"10.0.0.0/8"}}`, "no such subscription"},
	}
	for _, b := range bad {
		c.sendRaw(b.msg)
		c.expectError(b.want)
	}
	c.send("ping", nil)
	c.expect("pong") // still connected

	sub := map[string]any{"prefix": []string{"198.18.0.0/16", "198.19.0.0/16"}, "socketOptions": map[string]any{"acknowledge": true}}
	c.send("ris_subscribe", sub)
	c.expect("ris_subscribe_ok")
	c.expect("ris_subscribe_ok")
	c.send("ris_subscribe", map[string]any{"prefix": "198.18.0.0/16", "moreSpecific": true}) // the same again: no new subscription
	c.expect("ris_subscribe_ok")
	h := ts.h
	var cl *client
	waitFor(t, "the client", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for x := range h.clients {
			cl = x
		}
		return cl != nil
	})
	if n := len(cl.state.Load().filters); n != 2 {
		t.Fatalf("%d subscriptions, want 2", n)
	}

	a := testEvent("rrc00", "192.0.2.1", 64500, buildUpdate(route{path: []seg{{as: []uint32{64500}}}, ann: []string{"198.18.1.0/24"}, nextHop: "192.0.2.1"}))
	b := testEvent("rrc00", "192.0.2.1", 64500, buildUpdate(route{path: []seg{{as: []uint32{64500}}}, ann: []string{"198.19.1.0/24", "198.18.2.0/24"}, nextHop: "192.0.2.1"}))
	ts.bus.Publish(a)
	ts.bus.Publish(b)
	for _, ev := range []*bus.Event{a, b} {
		m := checkTypes(t, c.expect("ris_message"))
		if m.ID != wantID(ev) {
			t.Fatalf("got %s, want %s", m.ID, wantID(ev))
		}
	}
	// unsubscribe one prefix; b still matches the other, a no longer
	c.send("ris_unsubscribe", map[string]any{"prefix": "198.18.0.0/16"})
	c.send("ping", nil)
	c.expect("pong")
	if n := len(cl.state.Load().filters); n != 1 {
		t.Fatalf("%d subscriptions after unsubscribe, want 1", n)
	}
	a2, b2 := *a, *b
	ts.bus.Publish(&a2)
	ts.bus.Publish(&b2)
	if m := checkTypes(t, c.expect("ris_message")); m.ID != wantID(&b2) {
		t.Fatalf("got %s, want %s", m.ID, wantID(&b2))
	}
	c.send("ris_unsubscribe", map[string]any{"prefix": "198.19.0.0/16"})
	c.send("ping", nil)
	c.expect("pong")
	a3, b3 := *a, *b
	ts.bus.Publish(&a3)
	ts.bus.Publish(&b3)
	c.quiet(300 * time.Millisecond)
}

// TestSlowClient checks that a client that does not read never blocks
// publishing or a fast client of another Handler on the same bus, that
// its drops are counted and reported to it, and that it is disconnected
// when it stays behind.
func TestSlowClient(t *testing.T) {
	b := bus.New()
	slow := newTestServer(t, b, Options{Buffer: 8})
	fast := newTestServer(t, b, Options{Buffer: 1 << 16})
	sc := dial(t, slow, "slow")
	fc := dial(t, fast, "fast")
	sc.send("ris_subscribe", map[string]any{"socketOptions": map[string]any{"acknowledge": true}})
	sc.expect("ris_subscribe_ok")
	fc.send("ris_subscribe", map[string]any{"socketOptions": map[string]any{"acknowledge": true}})
	fc.expect("ris_subscribe_ok")

	msg := buildUpdate(route{path: []seg{{as: []uint32{64500, 64510}}}, ann: []string{"203.0.113.0/24"}, nextHop: "192.0.2.1"})
	const burst = 3000
	published := 0
	publish := func() {
		start := time.Now()
		for range burst {
			b.Publish(testEvent("rrc00", "192.0.2.1", 64500, msg))
		}
		published += burst
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("publishing %d events took %v", burst, d)
		}
	}

	// first burst: the slow client is told how many it lost
	publish()
	var reported uint64
	received := 0
	for {
		m := sc.read(10 * time.Second)
		if m.Type == "ris_message" {
			received++
			continue
		}
		var e struct{ Message string }
		json.Unmarshal(m.Data, &e)
		if m.Type != "ris_error" || !strings.Contains(e.Message, "messages dropped") || strings.Contains(e.Message, "disconnecting") {
			t.Fatalf("got %s %s, want a ris_error about drops", m.Type, m.Data)
		}
		var n uint64
		fmt.Sscan(e.Message, &n)
		reported += n
		break
	}
	if reported == 0 {
		t.Fatal("no drops reported")
	}
	// second burst, within SlowGrace: a final ris_error, then the close
	publish()
	var final string
	for {
		m, err := sc.tryRead(10 * time.Second)
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseTryAgainLater) {
				t.Fatalf("connection ended with %v, want close 1013", err)
			}
			break
		}
		switch m.Type {
		case "ris_message":
			received++
		case "ris_error":
			var e struct{ Message string }
			json.Unmarshal(m.Data, &e)
			var n uint64
			fmt.Sscan(e.Message, &n)
			reported += n
			final = e.Message
		default:
			t.Fatalf("unexpected %s", m.Type)
		}
	}
	if !strings.Contains(final, "disconnecting") {
		t.Fatalf("last ris_error %q does not announce the disconnection", final)
	}
	waitFor(t, "the slow client to go", func() bool { return slow.metric("subscribers", "ws") == 0 })
	if got := slow.metric("drops", "ws"); got != float64(reported) {
		t.Errorf("routestat_stream_drops_total = %v, reported %d", got, reported)
	}
	if got := slow.metric("sent", "ws"); got < float64(received) {
		t.Errorf("routestat_stream_messages_sent_total = %v, client received %d", got, received)
	}
	t.Logf("slow client: %d received, %d dropped of %d", received, reported, published)

	// the fast client got everything
	for i := range published {
		if m := fc.expect("ris_message"); i == published-1 {
			checkTypes(t, m)
		}
	}
	if got := fast.metric("drops", "ws"); got != 0 {
		t.Errorf("fast client: %v drops", got)
	}
	if got := fast.metric("subscribers", "ws"); got != 1 {
		t.Errorf("fast handler: %v subscribers", got)
	}
}

// TestWebSocketLiveness checks that the server pings an idle subscribed
// client and keeps it, and answers both WebSocket and application pings.
func TestWebSocketLiveness(t *testing.T) {
	ts := newTestServer(t, nil, Options{PingInterval: 20 * time.Millisecond})
	c := dial(t, ts, "idle")
	var pings, pongs atomic.Int32
	c.conn.SetPingHandler(func(data string) error {
		pings.Add(1)
		return c.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	c.conn.SetPongHandler(func(string) error {
		pongs.Add(1)
		return nil
	})
	msgs := make(chan envelopeIn, 10)
	go func() {
		defer close(msgs)
		for {
			var m envelopeIn
			if err := c.conn.ReadJSON(&m); err != nil {
				return
			}
			msgs <- m
		}
	}()
	c.send("ris_subscribe", map[string]any{"prefix": "203.0.113.0/24"})
	waitFor(t, "five server pings", func() bool { return pings.Load() >= 5 })
	time.Sleep(200 * time.Millisecond) // idle for ten ping intervals
	if err := c.conn.WriteControl(websocket.PingMessage, []byte("x"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pong", func() bool { return pongs.Load() == 1 })
	c.send("ping", nil)
	select {
	case m, ok := <-msgs:
		if !ok || m.Type != "pong" {
			t.Fatalf("got %+v (open %v), want pong", m, ok)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
	ev := testEvent("rrc00", "192.0.2.1", 64500, buildUpdate(route{path: []seg{{as: []uint32{64500}}}, ann: []string{"203.0.113.0/24"}, nextHop: "192.0.2.1"}))
	ts.bus.Publish(ev)
	select {
	case m := <-msgs:
		if m.Type != "ris_message" || checkTypes(t, m.Data).ID != wantID(ev) {
			t.Fatalf("got %s %s", m.Type, m.Data)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no ris_message after idling")
	}
	if got := ts.metric("subscribers", "ws"); got != 1 {
		t.Fatalf("%v subscribers", got)
	}
}
