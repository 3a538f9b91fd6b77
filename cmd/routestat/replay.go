package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/routestat/routestat/collector/replay"
)

const replayUsage = `Usage: routestat replay --to HOST:PORT [--speed N | --fast] FILE...

Plays MRT files into a collector over real BGP sessions: one speaker per
peer of the files, in the peer's AS and from its own loopback address
(127.0.0.2, 127.0.0.3, ...). Files are played in the order given — a RIB
dump first, then updates files — RIB entries at once, updates at --speed.

Options:
`

func runReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		to     = fs.String("to", "127.0.0.1:1179", "the collector, `host:port`")
		speed  = fs.Float64("speed", 1, "play updates at `N` times real time")
		fast   = fs.Bool("fast", false, "play updates as fast as the sessions take them")
		as     = fs.Uint("collector-as", 4200000000, "the collector's AS `number`")
		source = fs.String("source", "127.0.0.2", "first local `address` of the speakers")
		hold   = fs.Bool("hold", false, "keep the sessions up after playing, until interrupted")
	)
	fs.Usage = func() {
		fmt.Fprint(stderr, replayUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	src, err := netip.ParseAddr(*source)
	if err != nil {
		fmt.Fprintf(stderr, "routestat replay: --source: %v\n", err)
		return 2
	}
	if *speed <= 0 {
		fmt.Fprintln(stderr, "routestat replay: --speed must be positive (or use --fast)")
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "routestat replay: no input file")
		fs.Usage()
		return 2
	}
	opts := replay.Options{To: *to, CollectorAS: uint32(*as), Speed: *speed, Source: src, Hold: *hold,
		Log: slog.New(slog.NewTextHandler(stderr, nil))}
	if *fast {
		opts.Speed = 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := replay.Run(ctx, opts, fs.Args())
	fmt.Fprintf(stdout, "peers %d\nannounced %d\nwithdrawn %d\nskipped %d\ntransparent %d\nno_next_hop %d\n",
		st.Peers, st.Announced, st.Withdrawn, st.Skipped, st.Transparent, st.NoNextHop)
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "routestat replay: %v\n", err)
		return 1
	}
	return 0
}
