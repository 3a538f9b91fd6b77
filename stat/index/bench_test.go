package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/sharedtest"
)

// loadJinx converts the jinx RIB and the jinx updates of 105 minutes
// later.
func loadJinx(b *testing.B) []Event {
	b.Helper()
	var evs []Event
	for _, f := range []string{
		"libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2",
		"libbgpstream-testdumps/routeviews.route-views.jinx.updates.1401493500.bz2",
	} {
		readMRT(b, sharedtest.MRT(b, f), NewConverter("route-views.jinx"), func(e Event) { evs = append(evs, e) }, nil)
	}
	return evs
}

// applyAll applies events in batches of 50,000, as the ingest layer does.
func applyAll(b *testing.B, ix *Index, evs []Event, source string) {
	b.Helper()
	const batch = 50000
	for i := 0; i < len(evs); i += batch {
		j := min(i+batch, len(evs))
		if err := ix.Apply(context.Background(), evs[i:j], Checkpoint{Source: source, Offset: int64(j), Done: j == len(evs)}); err != nil {
			b.Fatal(err)
		}
	}
}

// heapInUse returns the live heap after a GC.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkIngestJinx applies the jinx RIB and updates (converted
// beforehand) into a new store: route events per second, and the memory
// held per current route.
func BenchmarkIngestJinx(b *testing.B) {
	evs := loadJinx(b)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		before := heapInUse()
		ix, err := Open(b.TempDir(), Options{GCInterval: -1})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		applyAll(b, ix, evs, "jinx")
		el := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(len(evs))/el.Seconds(), "events/s")
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		reportMemory(b, ix, before)
		b.StartTimer()
	}
}

// reportMemory reports the heap held per current route by a closed index
// (its Badger memory released, its in-memory state still reachable),
// beyond the interned attribute sets.
func reportMemory(b *testing.B, ix *Index, before uint64) {
	routes := 0
	attrBytes := 0
	for i := range ix.prefixes {
		routes += len(ix.prefixes[i].routes)
	}
	for _, a := range ix.attrs {
		attrBytes += len(a.enc) + 16 + 24 + 8*len(a.adj) + 40 // string, info, map entry
	}
	held := int64(heapInUse()) - int64(before) - int64(attrBytes)
	runtime.KeepAlive(ix)
	b.ReportMetric(float64(routes), "routes")
	b.ReportMetric(float64(held)/float64(max(routes, 1)), "B/route")
}

// BenchmarkConvertJinx converts the jinx RIB into events: MRT decoding
// and attribute copying, without the index.
func BenchmarkConvertJinx(b *testing.B) {
	name := sharedtest.MRT(b, "libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2")
	for range b.N {
		n := 0
		start := time.Now()
		readMRT(b, name, NewConverter("jinx"), func(Event) { n++ }, nil)
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
	}
}

// synthetic describes a synthetic stream built from the jinx RIB: peers
// copies of the table of its largest peer announced as RIB entries at t0,
// then updates events spread over two weeks: re-announcements with other
// paths, withdrawals and re-announcements of random routes. One prefix in
// 80 is originated by AS64512, which so originates about 6,000 prefixes.
type synthetic struct {
	peers   int
	updates int
}

const syntheticAS = 64512

var synthT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// stream calls fn with batches of the synthetic events in time order.
func (s synthetic) stream(b *testing.B, base []Event, fn func([]Event)) int {
	// the largest peer's table
	count := map[netip.Addr]int{}
	for _, e := range base {
		if e.FromRIB {
			count[e.PeerAddr]++
		}
	}
	var top netip.Addr
	for p, n := range count {
		if n > count[top] {
			top = p
		}
	}
	var table []Event
	for _, e := range base {
		if e.FromRIB && e.PeerAddr == top {
			table = append(table, e)
		}
	}
	for i := range table {
		if i%80 == 0 {
			a := *table[i].Attrs
			a.ASPath = append(slices.Clone(a.ASPath), Segment{ASNs: []uint32{syntheticAS}})
			table[i].Attrs = &a
		}
	}
	// a pool of alternative attribute sets: the same paths, prepended
	alt := make([]*Attrs, 0, 4096)
	for i := 0; i < len(table) && len(alt) < cap(alt); i += len(table)/cap(alt) + 1 {
		a := *table[i].Attrs
		a.ASPath = append([]Segment{{ASNs: []uint32{64999, 64999}}}, a.ASPath...)
		alt = append(alt, &a)
	}
	peer := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)}) }
	n := 0
	batch := make([]Event, 0, 50000)
	flush := func() {
		fn(batch)
		n += len(batch)
		batch = batch[:0]
	}
	for p := range s.peers {
		for _, e := range table {
			e.Time, e.PeerAddr, e.PeerAS, e.Collector = synthT0, peer(p), uint32(64600+p), "synth"
			batch = append(batch, e)
			if len(batch) == cap(batch) {
				flush()
			}
		}
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	span := 14 * 24 * time.Hour
	for i := range s.updates {
		e := table[rnd.IntN(len(table))]
		e.Time = synthT0.Add(time.Duration(int64(span) / int64(s.updates) * int64(i+1)))
		e.PeerAddr, e.Collector, e.FromRIB = peer(rnd.IntN(s.peers)), "synth", false
		switch r := rnd.IntN(10); {
		case r < 3:
			e.Kind, e.Attrs = Withdraw, nil
		case r < 6:
			e.Attrs = alt[rnd.IntN(len(alt))]
		}
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	return n
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// syntheticSize is the synthetic stream of the benchmarks:
// ROUTESTAT_BENCH_PEERS copies of the largest jinx table (default 4) and
// ROUTESTAT_BENCH_UPDATES updates (default 1,000,000).
func syntheticSize() synthetic {
	return synthetic{peers: envInt("ROUTESTAT_BENCH_PEERS", 4), updates: envInt("ROUTESTAT_BENCH_UPDATES", 1000000)}
}

// BenchmarkIngestSynthetic applies the synthetic stream into a new store.
// Run it with -benchtime=1x; size it with ROUTESTAT_BENCH_PEERS and
// ROUTESTAT_BENCH_UPDATES.
func BenchmarkIngestSynthetic(b *testing.B) {
	base := loadJinx(b)
	s := syntheticSize()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		before := heapInUse()
		ix, err := Open(b.TempDir(), Options{GCInterval: -1})
		if err != nil {
			b.Fatal(err)
		}
		var applying time.Duration
		off := 0
		n := s.stream(b, base, func(evs []Event) {
			off += len(evs)
			b.StartTimer()
			start := time.Now()
			if err := ix.Apply(context.Background(), evs, Checkpoint{Source: "synth", Offset: int64(off)}); err != nil {
				b.Fatal(err)
			}
			applying += time.Since(start)
			b.StopTimer()
		})
		b.ReportMetric(float64(n), "events")
		b.ReportMetric(float64(n)/applying.Seconds(), "events/s")
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		reportMemory(b, ix, before)
	}
}

// queryStore is a store holding the synthetic stream, built once for the
// query benchmarks.
var queryStore struct {
	once sync.Once
	ix   *Index
	pfx  []netip.Prefix
	n    int
	err  error
}

func openQueryStore(b *testing.B) *Index {
	b.Helper()
	queryStore.once.Do(func() {
		dir, err := os.MkdirTemp("", "routestat-index-bench")
		if err != nil {
			queryStore.err = err
			return
		}
		ix, err := Open(dir, Options{GCInterval: -1})
		if err != nil {
			queryStore.err = err
			return
		}
		off := 0
		seen := map[netip.Prefix]bool{}
		start := time.Now()
		queryStore.n = syntheticSize().stream(b, loadJinx(b), func(evs []Event) {
			off += len(evs)
			for _, e := range evs {
				if !seen[e.Prefix] {
					seen[e.Prefix] = true
					queryStore.pfx = append(queryStore.pfx, e.Prefix)
				}
			}
			if err := ix.Apply(context.Background(), evs, Checkpoint{Source: "synth", Offset: int64(off)}); err != nil && queryStore.err == nil {
				queryStore.err = err
			}
		})
		fmt.Fprintf(os.Stderr, "query store: %d events in %s\n", queryStore.n, time.Since(start).Round(time.Second))
		queryStore.ix = ix
	})
	if queryStore.err != nil {
		b.Fatal(queryStore.err)
	}
	return queryStore.ix
}

// reportLatency reports the median and p99 of latencies.
func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkQueryPrefixAt asks the routes of one random prefix at a random
// time in the two weeks (from the store, not the in-memory state).
func BenchmarkQueryPrefixAt(b *testing.B) {
	ix := openQueryStore(b)
	rnd := rand.New(rand.NewPCG(1, 1))
	var lat []time.Duration
	b.ReportMetric(float64(queryStore.n), "events")
	b.ResetTimer()
	for range b.N {
		p := queryStore.pfx[rnd.IntN(len(queryStore.pfx))]
		at := synthT0.Add(time.Duration(rnd.Int64N(int64(14 * 24 * time.Hour))))
		start := time.Now()
		if _, err := ix.Routes(p, at, Exact); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
}

// BenchmarkQueryOriginTwoWeeks asks the prefixes of AS64512 (about 6,000)
// over the two weeks, with their intervals.
func BenchmarkQueryOriginTwoWeeks(b *testing.B) {
	ix := openQueryStore(b)
	var lat []time.Duration
	n := 0
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		tl, err := ix.OriginPrefixes(syntheticAS, synthT0, synthT0.Add(14*24*time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		n = len(tl)
	}
	b.ReportMetric(float64(n), "prefixes")
	reportLatency(b, lat)
}
