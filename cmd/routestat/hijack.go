package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/routestat/routestat/config"
	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/hijack"
	"github.com/routestat/routestat/stat/index"
	"github.com/routestat/routestat/stat/ingest"
)

const hijackUsage = `Usage: routestat hijack <command> [options]

Commands:
  backtest    run the hijack detectors over MRT files and print the incidents
  autoconfig  write a monitored-resources file from the indexed routing state
  check       validate a monitored-resources file (routestat or BGPalerter format)

Run "routestat hijack <command> -h" for a command's options.
`

func runHijack(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, hijackUsage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "backtest":
		return hijackBacktest(ctx, args[1:], stdout, stderr)
	case "autoconfig":
		return hijackAutoconfig(args[1:], stdout, stderr)
	case "check":
		return hijackCheck(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, hijackUsage)
		return 0
	}
	fmt.Fprintf(stderr, "routestat hijack: unknown command %q\n\n%s", args[0], hijackUsage)
	return 2
}

// parseFlags parses args into fs, printing usage on -h; it returns the
// exit code to use and false when the command must stop.
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

const backtestUsage = `Usage: routestat hijack backtest --config monitored.yaml [--from T1] [--to T2] FILE|DIR|URL...

Runs the same detectors as live monitoring over archived MRT data (RIS or
RouteViews update and RIB files, directories of them, or URLs), merging
collectors in time order, and prints the incidents that were active
between --from and --to, with the time each took to detect. Routes before
--from still build the state (an anomaly already present at --from is
reported from its start); reading stops at --to. Of the files given, only
those the window needs are read: per collector the last RIB dump at or
before --from and the updates after it (8 hours of updates without a
dump), up to --to. With --save, the incidents (all of them, watch types
included) are also stored in an index, as live detection stores them, so
that the API, the web UI and BGPlay show them beside the routes
ingested from the same files.

Options:
`

func hijackBacktest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hijack backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "monitored-resources file (required)")
	from := fs.String("from", "", "report incidents active from this time (RFC 3339, unix seconds, 2008-02-24T18:00)")
	to := fs.String("to", "", "stop reading at this time")
	rpki := fs.String("rpki", "", "RPKI VRPs (rpki-client JSON or CSV)")
	rels := fs.String("relationships", "", "AS relationships (CAIDA as1|as2|rel)")
	collector := fs.String("collector", "rrc00", "collector name for files whose path names none")
	asJSON := fs.Bool("json", false, "print the incidents as JSON lines")
	all := fs.Bool("all", false, "also print the watch types (more-specific, new prefix, new neighbour, path rules)")
	save := fs.String("save", "", "store the incidents in the index in `DIR` (e.g. var/data)")
	fs.Usage = func() { fmt.Fprint(stderr, backtestUsage); fs.PrintDefaults() }
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if *cfgPath == "" || fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	var fromT, toT time.Time
	for _, p := range []struct {
		name string
		s    string
		t    *time.Time
	}{{"--from", *from, &fromT}, {"--to", *to, &toT}} {
		if p.s == "" {
			continue
		}
		t, err := api.ParseTime(p.s)
		if err != nil {
			fmt.Fprintf(stderr, "routestat hijack backtest: %s %q: %v\n", p.name, p.s, err)
			return 2
		}
		*p.t = t
	}
	cfg, err := hijack.LoadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "routestat hijack backtest: %v\n", err)
		return 2
	}
	in, err := hijack.OpenInputs(*rpki, *rels, log)
	if err != nil {
		fmt.Fprintf(stderr, "routestat hijack backtest: %v\n", err)
		return 2
	}
	f := &ingest.Finder{Collector: *collector}
	srcs, err := f.Find(ctx, fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "routestat hijack backtest: %v\n", err)
		return 1
	}
	srcs = backtestWindow(srcs, fromT, toT)
	rec := &backtestSink{}
	eng := hijack.NewEngine(cfg, in.Options(rec))
	st, err := hijack.Backtest(ctx, eng, srcs, hijack.BacktestOptions{To: toT, Log: log})
	if err != nil {
		fmt.Fprintf(stderr, "routestat hijack backtest: %v\n", err)
		return 1
	}
	incs := rec.active(fromT, toT)
	if *save != "" {
		if err := saveIncidents(*save, rec); err != nil {
			fmt.Fprintf(stderr, "routestat hijack backtest: %v\n", err)
			return 1
		}
	}
	shown := 0
	for _, inc := range incs {
		if !inc.Hijack && !*all && !slices.Contains([]string{hijack.MonitorVisibility, hijack.MonitorRPKI, hijack.MonitorLeak}, inc.Type) {
			continue
		}
		shown++
		if *asJSON {
			b, err := json.Marshal(inc)
			if err != nil {
				fmt.Fprintf(stderr, "routestat hijack backtest: %v\n", err)
				return 1
			}
			fmt.Fprintf(stdout, "%s\n", b)
			continue
		}
		printIncident(stdout, &inc)
	}
	es := eng.Stats()
	hours := st.Covered.Hours()
	rate := 0.0
	if hours > 0 {
		rate = float64(len(incs)) / hours
	}
	w := stdout
	if *asJSON {
		w = stderr
	}
	fmt.Fprintf(w, "# %d files, %d records, %d events (%s to %s, covering %s) in %s (%.0f events/s)\n",
		st.Files, st.Records, st.Events, st.First.UTC().Format(time.RFC3339), st.Last.UTC().Format(time.RFC3339),
		st.Covered.Round(time.Second), st.Elapsed.Round(time.Millisecond), float64(st.Events)/max(st.Elapsed.Seconds(), 1e-9))
	fmt.Fprintf(w, "# %d incidents (%d shown; %.2f per hour of data), %d reopened; %d routes tracked\n",
		len(incs), shown, rate, es.Reopened, es.Tracked)
	if st.BadRecords > 0 {
		fmt.Fprintf(w, "# %d damaged records skipped (see the log)\n", st.BadRecords)
	}
	return 0
}

// backtestWindow keeps the files a backtest from..to needs, by the times
// in their names (files without one are kept): per collector, the last
// RIB dump at or before from and the updates since it (or, without a
// dump, since 8 hours before from), and nothing that starts at or after
// to. A month's directory listing thus reads hours, not the month.
func backtestWindow(srcs []ingest.Source, from, to time.Time) []ingest.Source {
	start := make(map[string]time.Time)
	if !from.IsZero() {
		for _, s := range srcs {
			if _, ok := start[s.Collector]; !ok {
				start[s.Collector] = from.Add(-8 * time.Hour)
			}
			if s.Kind == ingest.RIB && !s.Time.IsZero() && !s.Time.After(from) && s.Time.After(start[s.Collector]) {
				start[s.Collector] = s.Time
			}
		}
	}
	var out []ingest.Source
	for _, s := range srcs {
		switch {
		case s.Time.IsZero():
		case !to.IsZero() && !s.Time.Before(to):
			continue
		case !from.IsZero() && s.Time.Before(start[s.Collector]):
			continue
		case !from.IsZero() && s.Kind == ingest.RIB && s.Time.After(start[s.Collector]):
			continue // a later dump repeats what the updates say
		}
		out = append(out, s)
	}
	return out
}

func printIncident(w io.Writer, inc *hijack.Incident) {
	status := inc.Status
	if inc.Resolved != nil {
		status += " " + inc.Resolved.Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(w, "%s  %-8s %-15s %s  [%s] opened %s, detected %s after the first announcement\n",
		inc.ID, inc.Severity, inc.Type, hijack.Title(inc), status,
		inc.Opened.Format("2006-01-02 15:04:05"), inc.Opened.Sub(inc.FirstSeen).Round(time.Second))
	fmt.Fprintf(w, "    %s\n", inc.Why)
	for _, p := range inc.ExamplePaths {
		fmt.Fprintf(w, "    path: %s\n", p)
	}
}

// saveIncidents stores the last state of every incident of a backtest in
// the index in dir, through the same Manager live detection uses (what
// people recorded about an incident already stored is kept).
func saveIncidents(dir string, rec *backtestSink) error {
	ix, err := index.Open(dir, index.Options{})
	if err != nil {
		return fmt.Errorf("--save: open index %s: %w", dir, err)
	}
	mgr, err := hijack.NewManager(ix, hijack.ManagerOptions{})
	if err == nil {
		for _, id := range rec.order {
			mgr.Publish(hijack.Change{Event: "backtest", Incident: rec.last[id]})
		}
		err = mgr.Flush()
	}
	if cerr := ix.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("--save %s: %w", dir, err)
	}
	return nil
}

// backtestSink keeps the last state of every incident.
type backtestSink struct {
	order []string
	last  map[string]hijack.Incident
}

func (s *backtestSink) Publish(c hijack.Change) {
	if s.last == nil {
		s.last = make(map[string]hijack.Incident)
	}
	if _, ok := s.last[c.Incident.ID]; !ok {
		s.order = append(s.order, c.Incident.ID)
	}
	s.last[c.Incident.ID] = c.Incident
}

// active returns the incidents open at some time in [from, to).
func (s *backtestSink) active(from, to time.Time) []hijack.Incident {
	var out []hijack.Incident
	for _, id := range s.order {
		inc := s.last[id]
		if !from.IsZero() && inc.Resolved != nil && inc.Resolved.Before(from) {
			continue
		}
		if !to.IsZero() && !inc.Opened.Before(to) {
			continue
		}
		out = append(out, inc)
	}
	return out
}

const autoconfigUsage = `Usage: routestat hijack autoconfig [--data DIR] [--at T] [-o FILE] AS4725 [AS…]
       routestat hijack autoconfig --top 50 [--data DIR] [-o FILE]

Writes a monitored-resources file from the indexed routing state: for
each AS, the prefixes it originates at --at (default: the latest data)
with the AS as their origin, and the AS's upstreams seen over the week
before. Review it before use.

Options:
`

func hijackAutoconfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hijack autoconfig", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "routestat.yaml (for index.dir)")
	data := fs.String("data", "", "index directory (default: index.dir of the config, var/data)")
	at := fs.String("at", "", "routing state at this time (default: the latest indexed)")
	window := fs.Duration("window", 7*24*time.Hour, "how far back upstreams are collected")
	top := fs.Int("top", 0, "monitor the N ASes originating the most prefixes instead of listed ones")
	minPeers := fs.Int("min-peers", 1, "only prefixes routed by at least this many peers")
	out := fs.String("o", "", "output file (default: standard output)")
	fs.Usage = func() { fmt.Fprint(stderr, autoconfigUsage); fs.PrintDefaults() }
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var asns []uint32
	for _, a := range fs.Args() {
		n, err := hijack.ParseASN(a)
		if err != nil {
			fmt.Fprintf(stderr, "routestat hijack autoconfig: %v\n", err)
			return 2
		}
		asns = append(asns, n)
	}
	if (len(asns) == 0) == (*top == 0) {
		fs.Usage()
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "routestat hijack autoconfig: %v\n", err)
		return 2
	}
	if *data != "" {
		cfg.Index.Dir = *data
	}
	ix, err := index.Open(cfg.Index.Dir, cfg.Index.Options())
	if err != nil {
		fmt.Fprintf(stderr, "routestat hijack autoconfig: open index %s: %v\n", cfg.Index.Dir, err)
		return 1
	}
	defer ix.Close()
	when := ix.Latest()
	if *at != "" {
		if when, err = api.ParseTime(*at); err != nil {
			fmt.Fprintf(stderr, "routestat hijack autoconfig: --at %q: %v\n", *at, err)
			return 2
		}
	}
	if *top > 0 {
		if asns, err = topOrigins(ix, when, *top, *minPeers); err != nil {
			fmt.Fprintf(stderr, "routestat hijack autoconfig: %v\n", err)
			return 1
		}
	}
	mon, err := hijack.Autoconfig(ix, asns, when, *window, *minPeers)
	if err != nil {
		fmt.Fprintf(stderr, "routestat hijack autoconfig: %v\n", err)
		return 1
	}
	b, err := mon.Marshal()
	if err != nil {
		fmt.Fprintf(stderr, "routestat hijack autoconfig: %v\n", err)
		return 1
	}
	if *out == "" {
		_, err = stdout.Write(b)
	} else {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "routestat hijack autoconfig: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "routestat hijack autoconfig: %d prefixes of %d ASes (state at %s)\n", len(mon.Prefixes), len(mon.ASNs), when.UTC().Format(time.RFC3339))
	return 0
}

// topOrigins returns the n ASes originating the most prefixes at t.
func topOrigins(ix *index.Index, t time.Time, n, minPeers int) ([]uint32, error) {
	count := make(map[uint32]int)
	for _, root := range []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")} {
		pos, _, err := ix.Origins(root, t, index.Exact|index.MoreSpecific, minPeers, 0)
		if err != nil {
			return nil, fmt.Errorf("origins at %s: %w", t.UTC().Format(time.RFC3339), err)
		}
		for _, po := range pos {
			for _, o := range po.Origins {
				count[o.AS]++
			}
		}
	}
	asns := make([]uint32, 0, len(count))
	for a := range count {
		asns = append(asns, a)
	}
	slices.SortFunc(asns, func(a, b uint32) int { return cmp.Or(count[b]-count[a], cmp.Compare(a, b)) })
	return asns[:min(n, len(asns))], nil
}

func hijackCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hijack check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: routestat hijack check monitored.yaml\n\nValidates a monitored-resources file and prints what it monitors.\n")
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	cfg, err := hijack.LoadConfig(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "routestat hijack check: %v\n", err)
		return 1
	}
	groups := make(map[string]int)
	for _, p := range cfg.Prefixes {
		groups[p.Group]++
	}
	names := make([]string, 0, len(groups))
	for g, n := range groups {
		names = append(names, fmt.Sprintf("%s (%d)", g, n))
	}
	slices.Sort(names)
	fmt.Fprintf(stdout, "%s: %d prefixes, %d ASes; groups: %s\n", fs.Arg(0), len(cfg.Prefixes), len(cfg.ASNs), strings.Join(names, ", "))
	return 0
}
