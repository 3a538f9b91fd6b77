package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/routestat/routestat/config"
	"github.com/routestat/routestat/stat/index"
	"github.com/routestat/routestat/stat/ingest"
)

const ingestUsage = `Usage: routestat ingest [--data DIR] [--collector NAME] FILE_OR_URL...

Adds MRT files to the route index: files, directories (every MRT file in
them) and http(s) URLs of files or of RIS/RouteViews-style directory
listings, in any order. Files are applied per collector in the order of
the times in their names, RIB dumps before updates. Ingest is resumable:
a file already ingested is skipped, one cut short goes on where it
stopped. The collector of a file comes from its path (rrc00/2026.01/...,
route-views.jinx/bgpdata/..., ris.rrc06.updates...) or --collector.

Options:
`

const reindexUsage = `Usage: routestat reindex [--config routestat.yaml] [--data DIR] [--archive DIR]

Rebuilds the route index from the MRT archive: ingests every file under
the archive directory into a new store beside the old one and swaps them
when done, so the old index serves until the new one is complete.

Options:
`

func runIngest(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "routestat.yaml (default: none, all defaults)")
	data := fs.String("data", "", "index directory (default: index.dir of the config, var/data)")
	coll := fs.String("collector", "", "collector of files whose path does not name one (default: collector.name of the config, rrc00)")
	batch := fs.Int("batch", 0, "events per checkpointed batch (default 50000)")
	fs.Usage = func() {
		fmt.Fprint(stderr, ingestUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	if *data == "" {
		*data = cfg.Index.Dir
	}
	if *coll == "" {
		*coll = cfg.Collector.Name
	}
	f := &ingest.Finder{Collector: *coll}
	srcs, err := f.Find(ctx, fs.Args())
	if err != nil {
		log.Error("ingest", "err", err)
		return 1
	}
	if err := ingestInto(ctx, *data, cfg, srcs, *batch, stderr, log); err != nil {
		log.Error("ingest", "err", err)
		return 1
	}
	return 0
}

// ingestInto opens the index in dir and ingests srcs into it.
func ingestInto(ctx context.Context, dir string, cfg config.File, srcs []ingest.Source, batch int, stderr io.Writer, log *slog.Logger) error {
	ix, err := index.Open(dir, cfg.Index.Options())
	if err != nil {
		return fmt.Errorf("open index %s: %w", dir, err)
	}
	opt := ingest.Options{BatchSize: batch, Log: log}
	if isTerminal(stderr) {
		opt.Progress = stderr
	}
	_, err = ingest.Run(ctx, ix, srcs, opt)
	if cerr := ix.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close index %s: %w", dir, cerr)
	}
	return err
}

func runReindex(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "routestat.yaml (default: none, all defaults)")
	data := fs.String("data", "", "index directory (default: index.dir of the config, var/data)")
	archive := fs.String("archive", "", "MRT archive directory (default: archive.dir of the config, var/archive)")
	fs.Usage = func() {
		fmt.Fprint(stderr, reindexUsage)
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
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	if *data == "" {
		*data = cfg.Index.Dir
	}
	if *archive == "" {
		*archive = cfg.Archive.Dir
	}
	if err := reindex(ctx, cfg, *data, *archive, stderr, log); err != nil {
		log.Error("reindex", "err", err)
		return 1
	}
	return 0
}

// reindex builds a new index of the archive in data.new and swaps it with
// data, keeping the old one as data.old until the swap is done.
func reindex(ctx context.Context, cfg config.File, data, archive string, stderr io.Writer, log *slog.Logger) error {
	f := &ingest.Finder{Collector: cfg.Collector.Name}
	srcs, err := f.Find(ctx, []string{archive})
	if err != nil {
		return err
	}
	data = filepath.Clean(data)
	next, old := data+".new", data+".old"
	// A reindex cut short leaves data.new: it resumes from its checkpoints.
	if err := ingestInto(ctx, next, cfg, srcs, 0, stderr, log); err != nil {
		return fmt.Errorf("%s (run reindex again to resume): %w", next, err)
	}
	if err := carryDocs(next, data, cfg); err != nil {
		return err
	}
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	if _, err := os.Stat(data); err == nil {
		if err := os.Rename(data, old); err != nil {
			return err
		}
	}
	if err := os.Rename(next, data); err != nil {
		return err
	}
	log.Info("reindexed", "archive", archive, "index", data, "files", len(srcs))
	return os.RemoveAll(old)
}

// carryDocs copies the documents kept beside the routes (hijack
// incidents) from the current index in data, if there is one, to the
// rebuilt one in next.
func carryDocs(next, data string, cfg config.File) error {
	if _, err := os.Stat(data); err != nil {
		return nil
	}
	src, err := index.Open(data, cfg.Index.Options())
	if err != nil {
		return fmt.Errorf("open %s to carry its incidents over: %w", data, err)
	}
	defer src.Close()
	dst, err := index.Open(next, cfg.Index.Options())
	if err != nil {
		return fmt.Errorf("open %s: %w", next, err)
	}
	if err := index.CopyDocs(dst, src); err != nil {
		dst.Close()
		return fmt.Errorf("%s to %s: %w", data, next, err)
	}
	return dst.Close()
}

// isTerminal tells whether w is a terminal, where a progress line can be
// redrawn.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
