package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/routestat/routestat/collector/replay"
)

// PlayOptions configure Play.
type PlayOptions struct {
	// To is the collector's address, host:port; CollectorAS its AS
	// number (default: the collector's default).
	To          string
	CollectorAS uint32
	// Clock is the scenario clock the collector runs on (required):
	// Play starts it when the first update is played, and plays at its
	// speed.
	Clock *Clock
	// Received, if set, counts the routes the collector has received
	// (say, from its index): Play waits until it has the RIB dump's
	// before it starts the clock and the updates, so that a collector
	// still busy with the RIB dump does not see the first updates late.
	Received func() (int, error)
	// Log receives progress; nil discards.
	Log *slog.Logger
}

// Play replays the scenario's MRT files into the collector over real BGP
// sessions (collector/replay: one GoBGP speaker per peer, from 127.0.0.2
// on): the RIB dump at once, then the updates at the clock's speed. The
// clock is started at the first update's time when it is played (once
// the collector has the RIB dump, see Received), so that the collector,
// stamping events with the clock, sees every update at about its time
// in the files. The sessions stay up once everything was played, until
// ctx is done; Play then returns nil.
func Play(ctx context.Context, f Files, opt PlayOptions) error {
	if opt.Clock == nil {
		return fmt.Errorf("demo replay to %s: no scenario clock", opt.To)
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	_, err := replay.Run(ctx, replay.Options{
		To: opt.To, CollectorAS: opt.CollectorAS, Speed: opt.Clock.Speed(), Log: log, Hold: true,
		OnStart: func(first time.Time) {
			if opt.Received != nil {
				waitReceived(ctx, opt.Received, f.RIBRoutes, log)
			}
			opt.Clock.StartAt(first)
			log.Info("DEMO: scenario clock started", "scenario_time", first.UTC().Format(time.RFC3339), "speed", opt.Clock.Speed(),
				"hijack_in", (time.Duration(float64(HijackAt.Sub(first)) / opt.Clock.Speed())).Round(100*time.Millisecond))
		},
		OnDone: func(st replay.Stats) {
			log.Info("DEMO: scenario played; its clock now runs at real time", "peers", st.Peers,
				"announced", st.Announced, "withdrawn", st.Withdrawn)
		},
	}, f.MRT())
	if ctx.Err() != nil {
		return nil // stopped
	}
	if err != nil {
		return fmt.Errorf("demo replay to %s: %w", opt.To, err)
	}
	return nil
}

// waitReceived waits until received counts want routes, giving up (with a
// warning) when the count has not moved for 30 s.
func waitReceived(ctx context.Context, received func() (int, error), want int, log *slog.Logger) {
	last, since := -1, time.Now()
	for {
		n, err := received()
		switch {
		case err != nil:
			log.Warn("DEMO: cannot count the routes received; starting the scenario anyway", "err", err)
			return
		case n >= want:
			return
		case n != last:
			last, since = n, time.Now()
		case time.Since(since) > 30*time.Second:
			log.Warn("DEMO: the collector holds only part of the scenario's RIB dump; starting anyway", "routes", n, "want", want)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}
