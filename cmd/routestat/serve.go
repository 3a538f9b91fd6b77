package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/config"
	"github.com/routestat/routestat/demo"
	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/asnames"
	"github.com/routestat/routestat/stat/calls"
	"github.com/routestat/routestat/stat/index"
	"github.com/routestat/routestat/web"
	"github.com/routestat/routestat/widgets"
)

const serveUsage = `Usage: routestat serve [--config routestat.yaml] [--data DIR] [--http ADDR] [--demo]

Runs everything in one process: the passive BGP collector and its MRT
archive (as "routestat collector"), the route index fed live by the
collector, the RIS Live stream (/v1/ws/), the RIPEstat-compatible data API
(/data/<call>/data.json), the web UI (/) and embeddable widgets
(/widgets/widget_api.js), and Prometheus metrics (/metrics). With no
configuration it accepts BGP sessions from loopback addresses with any AS
and serves HTTP on :8080. RIB dumps on SIGUSR1; stops cleanly on SIGINT
or SIGTERM. With --demo, an empty store is loaded with a generated demo
scenario (a hijack of AS4725's 202.33.0.0/16, docs/demo.md).

Options:
`

func runServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dump := make(chan os.Signal, 1)
	signal.Notify(dump, syscall.SIGUSR1)
	defer signal.Stop(dump)
	return serveMain(ctx, args, dump, stderr)
}

// serveMain runs routestat serve until ctx is done; a value on dump asks
// for a RIB dump.
func serveMain(ctx context.Context, args []string, dump <-chan os.Signal, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "routestat.yaml (default: none, all defaults)")
	data := fs.String("data", "", "index directory (default: index.dir of the config, var/data)")
	httpAddr := fs.String("http", "", `HTTP address (default: http.listen of the config, ":8080"; "off" disables)`)
	debug := fs.Bool("debug", false, "log at debug level")
	assets := fs.String("assets", "", "serve the web UI and widgets from `DIR`/web/dist and DIR/widgets/dist instead of the built-in copies (front-end work)")
	demoOn := fs.Bool("demo", false, "on an empty store, play the generated demo scenario into the collector (docs/demo.md)")
	demoSpeed := fs.Float64("demo-speed", demo.DefaultSpeed, "how many times faster than real time the demo scenario plays")
	fs.Usage = func() {
		fmt.Fprint(stderr, serveUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fs.Usage()
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
	if *data != "" {
		cfg.Index.Dir = *data
	}
	if *httpAddr != "" {
		cfg.HTTP.Listen = *httpAddr
	}
	ix, err := index.Open(cfg.Index.Dir, cfg.Index.Options())
	if err != nil {
		log.Error("open index", "dir", cfg.Index.Dir, "err", err)
		return 1
	}
	log.Info("index open", "dir", cfg.Index.Dir)
	dm, err := newDemoServe(ix, log)
	if err == nil && *demoOn {
		err = dm.setup(&cfg, *demoSpeed)
	}
	if err != nil {
		ix.Close()
		log.Error("demo", "err", err)
		return 1
	}
	deps := calls.Deps{Index: ix}
	if cfg.API.ASNames != "" {
		names, err := asnames.Load(cfg.API.ASNames)
		if err != nil {
			ix.Close()
			log.Error("AS names", "err", err)
			return 2
		}
		deps.Names = names
	}
	det, err := newDetection(cfg.Hijack, ix, log, cfg.Collector.Clock)
	if err != nil {
		ix.Close()
		log.Error("hijack detection", "err", err)
		return 2
	}
	mount := func(mux *http.ServeMux, reg prometheus.Registerer) error {
		srv, err := api.New(api.Options{BuildVersion: versionString(), Logger: log, Registerer: reg})
		if err != nil {
			return fmt.Errorf("data API: %w", err)
		}
		if err := calls.Register(srv, deps); err != nil {
			return err
		}
		if det != nil {
			if err := det.mount(mux, srv, reg); err != nil {
				return err
			}
		}
		srv.Mount(mux)
		dm.mount(mux)
		return mountUI(mux, *assets)
	}
	ex := extras{index: ix, mount: mount}
	if det != nil {
		ex.detect = det.run
	}
	stopDemo := dm.start(ctx)
	err = serveCollector(ctx, cfg, dump, log, ex)
	stopDemo()
	if cerr := ix.Close(); cerr != nil {
		log.Error("close index", "dir", cfg.Index.Dir, "err", cerr)
		if err == nil {
			return 1
		}
	}
	if err != nil {
		log.Error("serve stopped", "err", err)
		return 1
	}
	return 0
}

// mountUI adds the web UI and the widgets to mux, from the binary or,
// with dir set, from dir/web/dist and dir/widgets/dist.
func mountUI(mux *http.ServeMux, dir string) error {
	var webDir, widgetsDir string
	if dir != "" {
		webDir, widgetsDir = filepath.Join(dir, "web", "dist"), filepath.Join(dir, "widgets", "dist")
	}
	w, err := widgets.Handler(widgets.Options{Dir: widgetsDir})
	if err != nil {
		return err
	}
	for _, p := range widgets.Prefixes {
		mux.Handle(p, w)
	}
	ui, err := web.Handler(web.Options{Dir: webDir})
	if err != nil {
		return err
	}
	mux.Handle("/", ui)
	// Everything under /api/ answers JSON, also what this server does
	// not run (the hijack API without detection), never the app's page.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		msg := fmt.Sprintf("nothing is served at %s", r.URL.Path)
		if strings.HasPrefix(r.URL.Path, "/api/v1/hijack/") {
			msg = "hijack detection is not enabled on this server (hijack.monitored in the configuration, docs/hijack.md)"
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
	})
	return nil
}
