// Command rawspeaker is the collector benchmark's load generator (see
// scripts/bench-collector.sh): it encodes a TABLE_DUMP_V2 RIB dump as
// UPDATEs, opens one BGP session per feed from 127.0.0.2, .3, …, and,
// on SIGUSR1, streams every feed at once as fast as the collector reads.
// It holds the sessions until SIGINT or SIGTERM.
//
//	go run ./collector/internal/rawspeaker/cmd/rawspeaker --to 127.0.0.1:11179 [--full N] RIB-FILE
//
// It prints to stdout "sessions up sessions=S prefixes=P updates=U" once
// every session is Established, and "sent seconds=T" when every UPDATE
// was written to the sockets.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/routestat/routestat/collector/internal/rawspeaker"
)

func main() {
	to := flag.String("to", "127.0.0.1:179", "collector address")
	full := flag.Int("full", 0, "send the dump's full table (every prefix once) over this many sessions; 0: one session per RIB peer, as the dump has them")
	v4 := flag.Bool("ipv4-only", false, "leave IPv6 routes out")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: rawspeaker --to HOST:PORT [--full N] [--ipv4-only] RIB-FILE")
		os.Exit(2)
	}
	if err := run(*to, *full, *v4, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "rawspeaker:", err)
		os.Exit(1)
	}
}

func run(to string, full int, v4 bool, path string) error {
	start := make(chan os.Signal, 1)
	signal.Notify(start, syscall.SIGUSR1)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)

	tab, err := rawspeaker.LoadRIB(path, rawspeaker.Options{IPv4Only: v4})
	if err != nil {
		return err
	}
	feeds := tab.Peers
	if full > 0 {
		feeds = make([]*rawspeaker.Feed, full)
		for i := range feeds {
			feeds[i] = tab.Full
		}
	}
	var prefixes, updates int
	for _, f := range feeds {
		prefixes += f.NumPrefixes
		updates += f.NumUpdates
	}
	sessions := make([]*rawspeaker.Session, len(feeds))
	errs := make([]error, len(feeds))
	var wg sync.WaitGroup
	for i, f := range feeds {
		wg.Go(func() {
			sessions[i], errs[i] = rawspeaker.Dial(context.Background(), rawspeaker.LocalAddr(i), to, f.AS)
		})
	}
	wg.Wait()
	defer func() {
		for _, s := range sessions {
			if s != nil {
				s.Close()
			}
		}
	}()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Printf("sessions up sessions=%d prefixes=%d updates=%d\n", len(feeds), prefixes, updates)
	select {
	case <-start:
	case <-stop:
		return nil
	}
	t0 := time.Now()
	for i, s := range sessions {
		wg.Go(func() { errs[i] = s.Send(feeds[i].Updates) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Printf("sent seconds=%.3f\n", time.Since(t0).Seconds())
	<-stop
	return nil
}
