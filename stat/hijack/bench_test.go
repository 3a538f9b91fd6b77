package hijack

import (
	"errors"
	"io"
	"net/netip"
	"runtime"
	"slices"
	"testing"

	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
	"github.com/routestat/routestat/stat/index"
)

// loadEvents reads MRT files into route events.
func loadEvents(tb testing.TB, collector string, files ...string) []index.Event {
	tb.Helper()
	var evs []index.Event
	for _, name := range files {
		r, err := mrtdump.Open(name, nil)
		if err != nil {
			tb.Fatal(err)
		}
		conv := index.NewConverter(collector)
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
			if err := conv.Record(rec, func(e index.Event) { evs = append(evs, e) }); err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
		}
		r.Close()
	}
	return evs
}

// monitorEvery returns a configuration monitoring every n-th prefix (of
// /20 or longer, /32 for IPv6, unless short) of the announcements in evs, up to limit,
// with every origin seen for it as legitimate, so that the detectors do
// their full work on real routes.
func monitorEvery(tb testing.TB, evs []index.Event, n, limit int, short bool) *Config {
	tb.Helper()
	origins := make(map[netip.Prefix][]uint32)
	var order []netip.Prefix
	for i := range evs {
		e := &evs[i]
		if e.Kind != index.Announce || e.Attrs == nil {
			continue
		}
		o, _ := origins_(e.Attrs)
		if o == 0 || !short && (e.Prefix.Addr().Is4() && e.Prefix.Bits() < 20) || (e.Prefix.Addr().Is6() && e.Prefix.Bits() < 32) {
			continue // a covering prefix would turn every customer route under it into a sub-prefix finding
		}
		if _, ok := origins[e.Prefix]; !ok {
			order = append(order, e.Prefix)
		}
		if !slices.Contains(origins[e.Prefix], o) {
			origins[e.Prefix] = append(origins[e.Prefix], o)
		}
	}
	c := &Config{Defaults: DefaultThresholds}
	for i := 0; i < len(order) && len(c.Prefixes) < limit; i += n {
		p := order[i]
		c.Prefixes = append(c.Prefixes, &PrefixRule{Prefix: p, Origins: origins[p]})
	}
	if err := c.prepare(); err != nil {
		tb.Fatal(err)
	}
	return c
}

func origins_(a *index.Attrs) (uint32, []uint32) { return origins(a) }

type countSink struct{ n int }

func (c *countSink) Publish(Change) { c.n++ }

// BenchmarkEngine measures detector throughput: the jinx RIB (14 peers)
// and an hour of its updates through an engine monitoring 10,000 of its
// prefixes. One op is one run over every event.
func BenchmarkEngine(b *testing.B) {
	evs := loadEvents(b, "route-views.jinx",
		sharedtest.MRT(b, "libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2"),
		sharedtest.MRT(b, "libbgpstream-testdumps/routeviews.route-views.jinx.updates.1401493500.bz2"))
	for _, bc := range []struct {
		name  string
		every int
		short bool
	}{
		// Monitored prefixes of /20 and longer: most routes are clean.
		{"prefixes=10000", 30, false},
		// Every 40th prefix including /8s to /16s without
		// ignoreMorespecifics: each customer route under them is a
		// sub-prefix finding, so nearly every route is tracked.
		{"prefixes=10000-covering", 40, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := monitorEvery(b, evs, bc.every, 10000, bc.short)
			if len(cfg.Prefixes) != 10000 {
				b.Fatalf("monitoring %d prefixes, want 10000", len(cfg.Prefixes))
			}
			runtime.GC()
			b.ResetTimer()
			var sink countSink
			var tracked int64
			for b.Loop() {
				eng := NewEngine(cfg, Options{Sink: &sink})
				for i := range evs {
					eng.Process(&evs[i])
				}
				tracked = eng.Stats().Tracked
			}
			b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(len(evs)), "events")
			b.ReportMetric(float64(tracked), "tracked")
			b.ReportMetric(float64(sink.n)/float64(b.N), "changes")
		})
	}
}
