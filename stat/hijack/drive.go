package hijack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/stat/index"
	"github.com/routestat/routestat/stat/ingest"
)

// BacktestOptions configure Backtest.
type BacktestOptions struct {
	// To stops the run at the first event at or after it (zero: read
	// everything). Events before the report window still build the route
	// state, so an anomaly already present is reported from its start.
	To time.Time
	// Log receives per-file lines and damaged-record warnings.
	Log *slog.Logger
}

// BacktestStats count what a backtest did.
type BacktestStats struct {
	Files   int
	Records int64
	Events  int64
	// First and Last are the times of the first and last event fed.
	First, Last time.Time
	// Covered is the time the data covers: the sum of the gaps between
	// consecutive events shorter than 10 minutes (archives of unrelated
	// periods do not count the years between them).
	Covered    time.Duration
	Elapsed    time.Duration
	BadRecords int64
}

// Backtest feeds the events of MRT sources to eng in time order, merging
// the collectors' streams (each collector's files are read in the order
// ingest.Sort gives), exactly as Live feeds a collector's bus.
func Backtest(ctx context.Context, eng *Engine, srcs []ingest.Source, opt BacktestOptions) (BacktestStats, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	byColl := make(map[string][]ingest.Source)
	var order []string
	for _, s := range srcs {
		if byColl[s.Collector] == nil {
			order = append(order, s.Collector)
		}
		byColl[s.Collector] = append(byColl[s.Collector], s)
	}
	type stream struct {
		c     chan []index.Event
		batch []index.Event
		i     int
		done  bool
	}
	streams := make([]*stream, len(order))
	errc := make(chan error, len(order))
	statc := make(chan ingest.Stats, len(order))
	for i, coll := range order {
		st := &stream{c: make(chan []index.Event, 2)}
		streams[i] = st
		list := byColl[coll]
		ingest.Sort(list)
		go func() {
			defer close(st.c)
			stats, err := ingest.Run(ctx, feeder{ctx: ctx, c: st.c}, list, ingest.Options{BatchSize: 4096, Log: opt.Log, ProgressEvery: time.Hour})
			statc <- stats
			errc <- err
		}()
	}
	var bs BacktestStats
	// next returns the stream whose next event is earliest.
	next := func() *stream {
		var best *stream
		for _, st := range streams {
			for !st.done && st.i >= len(st.batch) {
				b, ok := <-st.c
				if !ok {
					st.done = true
					break
				}
				st.batch, st.i = b, 0
			}
			if st.done {
				continue
			}
			if best == nil || st.batch[st.i].Time.Before(best.batch[best.i].Time) {
				best = st
			}
		}
		return best
	}
	stopped := false
	for {
		st := next()
		if st == nil {
			break
		}
		ev := &st.batch[st.i]
		st.i++
		if !opt.To.IsZero() && !ev.Time.Before(opt.To) {
			stopped = true
			cancel()
			break
		}
		if bs.Events == 0 {
			bs.First = ev.Time
		} else if gap := ev.Time.Sub(bs.Last); gap > 0 && gap < 10*time.Minute {
			bs.Covered += gap
		}
		bs.Last = ev.Time
		bs.Events++
		eng.Process(ev)
		if bs.Events%65536 == 0 && ctx.Err() != nil {
			break
		}
	}
	// Drain the readers so that they finish.
	for _, st := range streams {
		for range st.c {
		}
	}
	var errs []error
	for range order {
		s := <-statc
		bs.Files += s.Files
		bs.Records += s.Records
		bs.BadRecords += s.BadRecords
		if err := <-errc; err != nil && !(stopped && errors.Is(err, context.Canceled)) {
			errs = append(errs, err)
		}
	}
	bs.Elapsed = time.Since(start)
	if len(errs) > 0 {
		return bs, errors.Join(errs...)
	}
	return bs, nil
}

// feeder is an ingest.Store that hands batches to the merger instead of
// storing them.
type feeder struct {
	ctx context.Context
	c   chan<- []index.Event
}

func (f feeder) Apply(ctx context.Context, events []index.Event, _ index.Checkpoint) error {
	if len(events) == 0 {
		return nil
	}
	select {
	case f.c <- events:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f feeder) Checkpoint(string) (index.Checkpoint, bool, error) {
	return index.Checkpoint{}, false, nil
}

// Live runs eng on a collector's bus until ctx is done or the
// subscription closes (then it returns nil), ticking the engine every
// second with its clock (Options.Clock, the collector's) so that held
// visibility losses open without waiting for the next UPDATE.
func Live(ctx context.Context, eng *Engine, sub *bus.Subscription, collector string, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conv := index.NewConverter(collector)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	emit := func(ev index.Event) { eng.Process(&ev) }
	var lost uint64
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			eng.Tick(eng.opt.Clock()) // the collector's clock, which stamps the events
			if d := sub.Dropped(); d > lost {
				log.Error("hijack: the detector fell behind the collector and lost bus events; incidents may be wrong until the routes are announced again or the detector restarts (it then warms up from the index)",
					"collector", collector, "lost", d-lost)
				lost = d
			}
		case ev, ok := <-sub.C():
			if !ok {
				return nil // the collector stopped
			}
			if err := ingest.ConvertBusEvent(conv, ev, emit); err != nil {
				log.Warn("hijack: undecodable message", "collector", collector, "peer", ev.PeerAddr, "seq", ev.Seq, "err", err)
			}
		}
	}
}

// WarmStart feeds eng the routes the index holds at time at for every
// monitored prefix (and its more specifics) and every prefix a monitored
// AS originates, as RIB state, so that a restarted detector knows the
// current state before live updates arrive. It then resolves restored
// incidents that are no longer supported.
func WarmStart(eng *Engine, ix *index.Index, at time.Time) (int, error) {
	n := 0
	feed := func(rs []index.Route) {
		for _, r := range rs {
			ev := index.Event{Kind: index.Announce, Time: at, Collector: r.Collector, PeerAddr: r.PeerAddr, PeerAS: r.PeerAS,
				Prefix: r.Prefix, PathID: r.PathID, Attrs: r.Attrs, FromRIB: true}
			eng.Process(&ev)
			n++
		}
	}
	for _, p := range eng.cfg.Prefixes {
		if p.Ignore {
			continue
		}
		rs, err := ix.Routes(p.Prefix, at, index.Exact|index.MoreSpecific)
		if err != nil {
			return n, fmt.Errorf("warm start %s: %w", p.Prefix, err)
		}
		feed(rs)
	}
	for _, a := range eng.cfg.ASNs {
		aps, err := ix.ASPrefixes(a.ASN, at, false)
		if err != nil {
			return n, fmt.Errorf("warm start AS%d: %w", a.ASN, err)
		}
		for _, ap := range aps {
			if eng.lookup(ap.Prefix) != nil {
				continue // fed above
			}
			rs, err := ix.Routes(ap.Prefix, at, index.Exact)
			if err != nil {
				return n, fmt.Errorf("warm start %s: %w", ap.Prefix, err)
			}
			feed(rs)
		}
	}
	eng.Settle(at)
	return n, nil
}
