package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/routestat/routestat/collector"
	"github.com/routestat/routestat/collector/archive"
	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/collector/rislive"
	"github.com/routestat/routestat/config"
	"github.com/routestat/routestat/stat/index"
	"github.com/routestat/routestat/stat/ingest"
)

const collectorUsage = `Usage: routestat collector [--config routestat.yaml]

Runs a passive BGP route collector: accepts BGP sessions (with no
configuration, from loopback addresses with any AS), never announces a
route, and writes a RIS-style MRT archive of everything it receives, with
RIB dumps every 8 hours and on SIGUSR1. Serves Prometheus metrics
(/metrics) and a RIS Live compatible stream (/v1/ws/?client=NAME, and
/v1/stream/?format=json) on http.listen. Stops cleanly on SIGINT or
SIGTERM.

Options:
`

func runCollector(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dump := make(chan os.Signal, 1)
	signal.Notify(dump, syscall.SIGUSR1)
	defer signal.Stop(dump)
	return collectorMain(ctx, args, dump, stderr)
}

// collectorMain runs the collector until ctx is done; a value on dump
// asks for a RIB dump.
func collectorMain(ctx context.Context, args []string, dump <-chan os.Signal, stderr io.Writer) int {
	fs := flag.NewFlagSet("collector", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "routestat.yaml (default: none, all defaults)")
	debug := fs.Bool("debug", false, "log at debug level")
	fs.Usage = func() {
		fmt.Fprint(stderr, collectorUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	if err := serveCollector(ctx, cfg, dump, log, extras{}); err != nil {
		log.Error("collector stopped", "err", err)
		return 1
	}
	return 0
}

// extras are what routestat serve runs beside the collector.
type extras struct {
	// index, when not nil, indexes the collector's bus live.
	index *index.Index
	// mount, when not nil, adds handlers to the HTTP endpoint.
	mount func(mux *http.ServeMux, reg prometheus.Registerer) error
	// detect, when not nil, runs the hijack detector on the bus until the
	// subscription closes.
	detect func(ctx context.Context, sub *bus.Subscription, collector string) error
}

// serveCollector runs the collector, its archive, its RIB dumps, its HTTP
// endpoint and the extras until ctx is done or one of them fails.
func serveCollector(ctx context.Context, cfg config.File, dump <-chan os.Signal, log *slog.Logger, ex extras) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	b := bus.New()
	c, err := collector.New(cfg.Collector, b, log, reg)
	if err != nil {
		return err
	}
	name := c.Config().Name
	arch, err := archive.New(archive.Config{
		Dir: cfg.Archive.Dir, Collector: name, UpdatesInterval: cfg.Archive.UpdatesInterval,
		FlushInterval: cfg.Archive.FlushInterval, ET: cfg.Archive.ET, Now: c.Now,
	}, log, reg)
	if err != nil {
		return err
	}
	sub := b.Subscribe("archive", 1<<16)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	run := func(what string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				cancel(fmt.Errorf("%s: %w", what, err))
				return
			}
			cancel(nil) // one part ending ends the others
		}()
	}
	// The archive drains what the collector published before it stopped:
	// the subscription is closed once the collector is done.
	archDone := make(chan struct{})
	go func() {
		defer close(archDone)
		if err := arch.Run(context.Background(), sub); err != nil {
			cancel(fmt.Errorf("archive: %w", err))
		}
	}()
	// The live indexer, like the archive, drains what the collector
	// published before it stopped.
	var isub *bus.Subscription
	indexDone := make(chan struct{})
	if ex.index != nil {
		isub = b.Subscribe("index", 1<<16)
		lost := prometheus.NewCounter(prometheus.CounterOpts{
			Name: "routestat_index_live_events_lost_total",
			Help: "Bus events the live indexer fell behind on and lost (reindex recovers them from the archive).",
		})
		reg.MustRegister(lost)
		go func() {
			defer close(indexDone)
			err := ingest.Live(context.Background(), ex.index, isub, name, ingest.LiveOptions{
				Log: log, Lost: func(n uint64) { lost.Add(float64(n)) },
			})
			if err != nil {
				cancel(fmt.Errorf("index: %w", err))
			}
		}()
	} else {
		close(indexDone)
	}
	// The detector subscribes before the collector starts (it misses
	// nothing) and runs once the HTTP endpoint has mounted its API.
	var hsub *bus.Subscription
	if ex.detect != nil {
		hsub = b.Subscribe("hijack", 1<<16)
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "routestat_hijack_events_lost_total",
			Help: "Bus events the hijack detector fell behind on and lost.",
		}, func() float64 { return float64(hsub.Dropped()) }))
	}
	run("BGP", func() error {
		defer sub.Close()
		if isub != nil {
			defer isub.Close()
		}
		if hsub != nil {
			defer hsub.Close()
		}
		return c.Run(ctx)
	})
	if cfg.HTTP.Listen != "off" {
		ln, err := net.Listen("tcp", cfg.HTTP.Listen)
		if err != nil {
			cancel(nil)
			wg.Wait()
			<-archDone
			<-indexDone
			return fmt.Errorf("http.listen %s: %w", cfg.HTTP.Listen, err)
		}
		live := rislive.NewHandler(b, rislive.Options{
			Hosts: []string{name}, Buffer: cfg.Stream.Buffer, MaxSubscriptions: cfg.Stream.MaxSubscriptions,
			SlowGrace: cfg.Stream.SlowGrace, Logger: log, Registerer: reg,
		})
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
		mux.Handle("/v1/", live)
		if ex.mount != nil {
			if err := ex.mount(mux, reg); err != nil {
				ln.Close()
				cancel(nil)
				wg.Wait()
				<-archDone
				<-indexDone
				return err
			}
		}
		// WriteTimeout is left unset: RIS Live streams are long-lived; the
		// data API bounds its own requests (30 s).
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		log.Info("HTTP listening", "address", ln.Addr().String(), "metrics", "/metrics", "ris_live", "/v1/ws/")
		go srv.Serve(ln)
		go func() {
			<-ctx.Done()
			live.Close()
			srv.Close()
		}()
	}
	if hsub != nil {
		run("hijack detection", func() error { return ex.detect(ctx, hsub, name) })
	}
	if cfg.Archive.RIBInterval > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ribDumps(ctx, c, arch, cfg.Archive.RIBInterval, dump, log)
		}()
	}
	<-ctx.Done()
	wg.Wait()
	<-archDone
	<-indexDone
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// ribDumps dumps every peer's Adj-RIB-In at every multiple of interval
// since midnight UTC (00:00, 08:00, 16:00 for 8 hours, as RIS), and when
// asked on dump, by the collector's clock.
func ribDumps(ctx context.Context, c *collector.Collector, a *archive.Archive, interval time.Duration, dump <-chan os.Signal, log *slog.Logger) {
	for {
		now := c.Now().UTC()
		next := now.Truncate(interval).Add(interval)
		t := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-dump:
			t.Stop()
		case <-t.C:
		}
		rib, err := c.AdjRIBIn(ctx)
		if err != nil {
			log.Error("RIB dump: reading the Adj-RIB-In", "err", err)
			continue
		}
		routes := make([]archive.Route, len(rib.Routes))
		for i, r := range rib.Routes {
			routes[i] = archive.Route(r)
		}
		if _, err := a.DumpRIB(c.Now(), rib.Peers, routes); err != nil {
			log.Error("RIB dump", "err", err)
		}
	}
}
