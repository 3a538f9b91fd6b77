package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/stat/index"
)

// LiveOptions configure Live. Zero values select the defaults.
type LiveOptions struct {
	// BatchSize is how many events are applied at once at most (default
	// 10,000); FlushInterval how long an event may wait for its batch
	// (default 1s).
	BatchSize     int
	FlushInterval time.Duration
	Log           *slog.Logger
	// Lost, when not nil, is called with the number of bus events the
	// indexer fell behind on and lost (the archive keeps them; reindex
	// recovers them).
	Lost func(n uint64)
}

// maxHeld is how many events the live indexer holds while the disk is
// too full to apply them.
const maxHeld = 1000000

// fsmEstablished is the BGP FSM state Established (RFC 6396 numbering).
const fsmEstablished = 6

// Live indexes a collector's bus events as they arrive, through the same
// Converter and Apply as MRT files: UPDATEs become route events and a
// session leaving Established withdraws the peer's routes. Each batch is
// checkpointed as source "live:<collector>" with the next bus sequence
// number. It returns when sub's channel is closed (nil) or ctx is done.
func Live(ctx context.Context, store Store, sub *bus.Subscription, collector string, opt LiveOptions) error {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 10000
	}
	if opt.FlushInterval <= 0 {
		opt.FlushInterval = time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	conv := index.NewConverter(collector)
	source := "live:" + collector
	var (
		batch    []index.Event
		nextSeq  uint64
		lost     uint64
		lowSpace bool // Apply refused for lack of disk space; events held
	)
	emit := func(e index.Event) { batch = append(batch, e) }
	flush := func() error {
		if d := sub.Dropped(); d > lost {
			opt.Log.Warn("live indexer fell behind: events lost (reindex recovers them from the archive)", "lost", d-lost)
			if opt.Lost != nil {
				opt.Lost(d - lost)
			}
			lost = d
		}
		if len(batch) == 0 {
			return nil
		}
		err := store.Apply(ctx, batch, index.Checkpoint{Source: source, Offset: int64(nextSeq)})
		switch {
		case errors.Is(err, index.ErrLowSpace):
			// Keep the events and try again at the next flush: the
			// archive goes on writing them, and beyond maxHeld they are
			// dropped (and counted) rather than held in memory.
			if !lowSpace {
				opt.Log.Error("live indexer paused: low disk space; it resumes when there is space", "err", err)
				lowSpace = true
			}
			if len(batch) > maxHeld {
				opt.Log.Warn("live indexer: events dropped while paused (reindex recovers them from the archive)", "lost", len(batch))
				if opt.Lost != nil {
					opt.Lost(uint64(len(batch)))
				}
				batch = batch[:0:0]
			}
			return nil
		case err != nil:
			return fmt.Errorf("live index of %s: apply events before bus sequence %d: %w", collector, nextSeq, err)
		}
		if lowSpace {
			opt.Log.Info("live indexer resumed: disk space is back")
			lowSpace = false
		}
		batch = batch[:0:0]
		return nil
	}
	tick := time.NewTicker(opt.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return flush()
		case <-tick.C:
			if err := flush(); err != nil {
				return err
			}
		case ev, ok := <-sub.C():
			if !ok {
				return flush()
			}
			nextSeq = ev.Seq + 1
			if err := ConvertBusEvent(conv, ev, emit); err != nil {
				opt.Log.Warn("live indexer: undecodable message", "peer", ev.PeerAddr, "seq", ev.Seq, "err", err)
			}
			if len(batch) >= opt.BatchSize && !lowSpace { // paused: retried every tick
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
}

// ConvertBusEvent turns a bus event into route events: UPDATEs received
// through the converter, a session leaving Established into PeerDown. The
// indexer and the hijack detector both read the bus through it.
func ConvertBusEvent(conv *index.Converter, ev *bus.Event, emit func(index.Event)) error {
	switch {
	case ev.Kind == bus.KindState:
		if ev.OldState == fsmEstablished && ev.NewState != fsmEstablished {
			emit(index.Event{Kind: index.PeerDown, Time: ev.Time, Collector: ev.Collector, PeerAddr: ev.PeerAddr, PeerAS: ev.PeerAS})
		}
		return nil
	case ev.Kind == bus.KindMessage && !ev.Local:
		return conv.Message(ev.Time, ev.PeerAddr, ev.PeerAS, ev.AS4, ev.AddPath, ev.Message, emit)
	}
	return nil
}
