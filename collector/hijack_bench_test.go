package collector

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/internal/rawspeaker"
	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
	"github.com/routestat/routestat/stat/hijack"
	"github.com/routestat/routestat/stat/hijack/notify"
	"github.com/routestat/routestat/stat/index"
)

// BenchmarkHijackLatency measures detection latency end to end: while the
// collector takes the jinx RIB from its 14 peers (503,590 routes), one
// more session announces, every 25 ms, a /25 of a different monitored
// prefix from a foreign origin; the detector (monitoring 10,000 of the
// table's prefixes) runs on the collector's bus and its incidents go out
// on a webhook channel. Latency is the webhook's arrival time minus the
// time the collector received the hijacking UPDATE (the incident's
// Opened time), for 200 hijacks.
func BenchmarkHijackLatency(b *testing.B) {
	tbl := loadFeeds(b)
	monitored := monitoredFromRIB(b, sharedtest.MRT(b, jinxRIB), 30, 10000)
	const hijacks = 200
	for range b.N {
		lat := hijackLatencyOnce(b, tbl.Peers, monitored, hijacks)
		slices.Sort(lat)
		if len(lat) != hijacks {
			b.Fatalf("%d of %d hijacks notified", len(lat), hijacks)
		}
		q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond) }
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(q(1), "max-ms")
	}
}

// monitoredFromRIB returns every n-th IPv4 prefix of /20 to /24 of a RIB
// dump, up to limit, with the origins seen for it.
func monitoredFromRIB(tb testing.TB, path string, n, limit int) []hijack.PrefixRule {
	f, err := mrtdump.Open(path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	conv := index.NewConverter("bench")
	origins := make(map[netip.Prefix][]uint32)
	var order []netip.Prefix
	for {
		rec, err := f.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		conv.Record(rec, func(e index.Event) {
			if !e.Prefix.Addr().Is4() || e.Prefix.Bits() < 20 || e.Prefix.Bits() > 24 || e.Attrs == nil || len(e.Attrs.ASPath) == 0 {
				return
			}
			last := e.Attrs.ASPath[len(e.Attrs.ASPath)-1]
			if last.Set || len(last.ASNs) == 0 {
				return
			}
			o := last.ASNs[len(last.ASNs)-1]
			if _, ok := origins[e.Prefix]; !ok {
				order = append(order, e.Prefix)
			}
			if !slices.Contains(origins[e.Prefix], o) {
				origins[e.Prefix] = append(origins[e.Prefix], o)
			}
		})
	}
	var out []hijack.PrefixRule
	for i := 0; i < len(order) && len(out) < limit; i += n {
		out = append(out, hijack.PrefixRule{Prefix: order[i], Origins: origins[order[i]]})
	}
	if len(out) < limit {
		tb.Fatalf("only %d prefixes to monitor", len(out))
	}
	return out
}

func hijackLatencyOnce(b *testing.B, feeds []*rawspeaker.Feed, rules []hijack.PrefixRule, hijacks int) []time.Duration {
	b.StopTimer()
	var yaml strings.Builder
	yaml.WriteString("defaults: {min_peer_ases: 1}\nprefixes:\n")
	for _, r := range rules {
		fmt.Fprintf(&yaml, "  %s: {asn: %s}\n", r.Prefix, strings.ReplaceAll(fmt.Sprint(r.Origins), " ", ","))
	}
	cfg, err := hijack.ParseConfig([]byte(yaml.String()))
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	lat := make(map[string]time.Duration)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		var n struct {
			Event    string          `json:"event"`
			Incident hijack.Incident `json:"incident"`
		}
		if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
			b.Errorf("webhook: %v", err)
		}
		if n.Event == hijack.EventOpened && n.Incident.OffendingAS == 65001 {
			mu.Lock()
			lat[n.Incident.ID] = arrived.Sub(n.Incident.Opened)
			mu.Unlock()
		}
	}))
	defer hook.Close()
	disp, err := notify.New([]notify.ChannelConfig{{Name: "bench", Type: "webhook", URL: hook.URL, Rate: "100000/s"}}, notify.Options{})
	if err != nil {
		b.Fatal(err)
	}
	mgr, err := hijack.NewManager(nil, hijack.ManagerOptions{Notifier: disp})
	if err != nil {
		b.Fatal(err)
	}

	rig := startFeedRig(b, feeds)
	sub := rig.bus.Subscribe("hijack", 1<<16)
	ctx, cancel := context.WithCancel(context.Background())
	eng := hijack.NewEngine(cfg, hijack.Options{Sink: mgr})
	live := make(chan error, 1)
	go func() { live <- hijack.Live(ctx, eng, sub, "bench", nil) }()
	inj, err := rawspeaker.Dial(ctx, rawspeaker.LocalAddr(len(feeds)), rig.addr, 64666)
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	var wg sync.WaitGroup
	wg.Go(func() { rig.send(b, feeds) })
	time.Sleep(200 * time.Millisecond) // the table is flowing
	for i := range hijacks {
		p := rules[i*len(rules)/hijacks].Prefix
		sub := netip.PrefixFrom(p.Addr(), 25)
		if err := inj.Send(hijackUpdate(sub, 64666, 65001)); err != nil {
			b.Fatal(err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	wg.Wait()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(lat)
		mu.Unlock()
		if n >= hijacks {
			break
		}
	}
	b.StopTimer()
	inj.Close()
	rig.stop()
	cancel()
	<-live
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	disp.Close(cctx)
	ccancel()
	if d := sub.Dropped(); d > 0 {
		b.Errorf("the detector fell behind the bus: %d events dropped", d)
	}
	mu.Lock()
	defer mu.Unlock()
	out := make([]time.Duration, 0, len(lat))
	for _, d := range lat {
		out = append(out, d)
	}
	return out
}

// hijackUpdate encodes an UPDATE announcing p (IPv4) with AS path
// "peer origin", 4-byte ASNs, next hop 127.0.0.1.
func hijackUpdate(p netip.Prefix, peer, origin uint32) []byte {
	attrs := []byte{0x40, 1, 1, 0} // ORIGIN IGP
	attrs = append(attrs, 0x40, 2, 10, 2, 2)
	attrs = binary.BigEndian.AppendUint32(attrs, peer)
	attrs = binary.BigEndian.AppendUint32(attrs, origin)
	attrs = append(attrs, 0x40, 3, 4, 127, 0, 0, 1) // NEXT_HOP
	body := []byte{0, 0}
	body = binary.BigEndian.AppendUint16(body, uint16(len(attrs)))
	body = append(body, attrs...)
	a := p.Addr().As4()
	body = append(body, byte(p.Bits()))
	body = append(body, a[:(p.Bits()+7)/8]...)
	msg := make([]byte, 16, 19+len(body))
	for i := range msg {
		msg[i] = 0xff
	}
	msg = binary.BigEndian.AppendUint16(msg, uint16(19+len(body)))
	msg = append(msg, 2)
	return append(msg, body...)
}
