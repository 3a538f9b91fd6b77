package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/config"
	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/hijack"
	"github.com/routestat/routestat/stat/hijack/incidentapi"
	"github.com/routestat/routestat/stat/hijack/notify"
	"github.com/routestat/routestat/stat/index"
)

// detection is hijack detection as routestat serve runs it: one engine
// on the collector's bus, its incidents kept in the index's store.
type detection struct {
	cfg    config.Hijack
	mon    *hijack.Config
	inputs hijack.Inputs
	mgr    *hijack.Manager
	ix     *index.Index
	log    *slog.Logger
	notify *notify.Dispatcher
	// clock is the collector's clock, which the engine runs on.
	clock func() time.Time
	// file is the monitored-resources file, replaced through the API.
	file *monitoredFile
	// done ends the incident streams when detection stops (HTTP server
	// shutdown does not close WebSockets).
	done chan struct{}
}

// newDetection loads what detection needs; nil when it is off (no
// monitored-resources file configured). The engine runs on clock, the
// collector's (a demo scenario's clock, or time.Now).
func newDetection(cfg config.Hijack, ix *index.Index, log *slog.Logger, clock func() time.Time) (*detection, error) {
	if cfg.Monitored == "" {
		return nil, nil
	}
	mon, err := hijack.LoadConfig(cfg.Monitored)
	if err != nil {
		return nil, fmt.Errorf("hijack.monitored: %w", err)
	}
	in, err := hijack.OpenInputs(cfg.RPKI, cfg.Relationships, log)
	if err != nil {
		return nil, err
	}
	return &detection{cfg: cfg, mon: mon, inputs: in, ix: ix, log: log, clock: clock,
		file: newMonitoredFile(cfg.Monitored), done: make(chan struct{})}, nil
}

// mount sets detection up (channel metrics to reg) and adds the incident
// API and the hijacks data call.
func (d *detection) mount(mux *http.ServeMux, srv *api.Server, reg prometheus.Registerer) error {
	if err := d.setup(reg); err != nil {
		return err
	}
	if err := incidentapi.Register(srv, d.mgr); err != nil {
		return err
	}
	mux.Handle("/api/v1/hijack/", incidentapi.Handler(d.mgr, incidentapi.Options{APIKeys: d.cfg.APIKeys, Log: d.log, Done: d.done, Monitored: d.file}))
	return nil
}

// setup makes the notification channels (metrics to reg, if not nil)
// and the incident manager.
func (d *detection) setup(reg prometheus.Registerer) error {
	disp, err := notify.New(d.cfg.Channels, notify.Options{Logger: d.log, Registerer: reg})
	if err != nil {
		return fmt.Errorf("hijack.channels: %w", err)
	}
	d.notify = disp
	mgr, err := hijack.NewManager(d.ix, hijack.ManagerOptions{Notifier: disp, LinkBase: d.cfg.Link, Log: d.log})
	if err != nil {
		return err
	}
	d.mgr = mgr
	return nil
}

// run restores the stored incidents, warms the engine up from the index
// and follows the bus until it closes.
func (d *detection) run(ctx context.Context, sub *bus.Subscription, collector string) error {
	if d.mgr == nil { // no HTTP endpoint: detection and notifications only
		if err := d.setup(nil); err != nil {
			return err
		}
	}
	defer close(d.done)
	mctx, stop := context.WithCancel(context.Background())
	mdone := make(chan struct{})
	go func() { defer close(mdone); d.mgr.Run(mctx) }()
	defer func() {
		stop()
		<-mdone
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.notify.Close(cctx)
	}()
	go d.inputs.Run(ctx, d.cfg.RPKIRefresh)
	mon := d.mon
	for {
		opt := d.inputs.Options(d.mgr)
		opt.Clock = d.clock
		eng := hijack.NewEngine(mon, opt)
		eng.Restore(d.mgr.All())
		start := time.Now()
		n, err := hijack.WarmStart(eng, d.ix, d.clock())
		if err != nil {
			return err
		}
		d.log.Info("hijack detection running", "prefixes", len(mon.Prefixes), "asns", len(mon.ASNs),
			"warm_start_routes", n, "warm_start", time.Since(start).Round(time.Millisecond))
		// The engine follows the bus until the monitored resources are
		// replaced through the API; then a new engine takes over the same
		// subscription, warmed up from the index, with the open
		// incidents restored.
		lctx, cancel := context.WithCancel(ctx)
		live := make(chan error, 1)
		go func() { live <- hijack.Live(lctx, eng, sub, collector, d.log) }()
		select {
		case err := <-live:
			cancel()
			return err
		case next := <-d.file.next:
			cancel()
			if err := <-live; ctx.Err() != nil || !errors.Is(err, context.Canceled) {
				return err
			}
			d.log.Info("hijack detection: monitored resources replaced, restarting the engine", "file", d.cfg.Monitored)
			mon = next
		}
	}
}
