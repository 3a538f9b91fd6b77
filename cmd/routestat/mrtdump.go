package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/routestat/routestat/mrtdump"
)

const mrtdumpUsage = `Usage: routestat mrtdump [options] FILE...

Prints MRT files (RFC 6396; gzip, bzip2 and xz detected from the content)
one line per route, withdrawal or state change, byte for byte as
bgpdump 1.6.2 -m does. FILE "-" reads standard input.

Options:
`

// recordSink is what mrtdump feeds records to: the bgpdump-style Dumper or
// the JSON encoder.
type recordSink interface {
	Record(*mrtdump.Record) error
	Flush() error
}

func runMRTDump(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mrtdump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		_        = fs.Bool("m", false, "one line per entry with Unix timestamps (the default; accepted for bgpdump compatibility)")
		human    = fs.Bool("M", false, "one line per entry with human-readable timestamps, as bgpdump -M")
		timeType = fs.String("t", "dump", "RIB entry time: \"dump\" (time of the dump) or \"change\" (when the route last changed)")
		large    = fs.Bool("l", false, "add a field with large communities after the communities field")
		jsonOut  = fs.Bool("json", false, "print one JSON object per route or event, in the shape of RIS Live's ris_message data")
		jsonMsgs = fs.Bool("json-messages", false, "like --json, but one object per BGP message (a whole UPDATE), exactly as RIS Live sends them")
		host     = fs.String("host", "", "collector name for the JSON \"host\" field")
		raw      = fs.Bool("raw", false, "include the raw BGP message in JSON output (hex)")
		fix      = fs.Bool("fix", false, "print what the data says where bgpdump 1.6.2 is wrong (NLRI host bits, type-5 withdrawals, MP next-hop lengths)")
		outName  = fs.String("O", "", "write output to `file` instead of standard output")
		verbose  = fs.Bool("v", false, "report every record that could not be decoded on standard error")
		strict   = fs.Bool("strict", false, "exit with status 1 when any input is damaged or a record could not be decoded")
		quiet    = fs.Bool("q", false, "do not print the per-file summary of skipped records")
		stop     = fs.Bool("stop-at-damage", false, "stop reading a file at its first damaged record header instead of resynchronising past it")
		summary  = fs.Bool("summary", false, "decode everything but print only counts of records, routes, withdrawals and state changes")
	)
	fs.Usage = func() {
		fmt.Fprint(stderr, mrtdumpUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *timeType != "dump" && *timeType != "change" {
		fmt.Fprintf(stderr, "routestat mrtdump: -t must be \"dump\" or \"change\", not %q\n", *timeType)
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "routestat mrtdump: no input file")
		fs.Usage()
		return 2
	}
	out := stdout
	if *outName != "" {
		f, err := os.Create(*outName)
		if err != nil {
			fmt.Fprintf(stderr, "routestat mrtdump: %v\n", err)
			return 1
		}
		defer f.Close()
		out = f
	}
	var sink recordSink
	var sum *mrtdump.Summary
	if *summary {
		sum = &mrtdump.Summary{}
		sink = sum
	} else if *jsonOut || *jsonMsgs {
		sink = mrtdump.NewJSONEncoder(out, mrtdump.JSONOptions{Host: *host, IncludeRaw: *raw, SplitRoutes: !*jsonMsgs})
	} else {
		sink = mrtdump.NewDumper(out, mrtdump.DumpOptions{
			HumanTime:        *human,
			ChangeTime:       *timeType == "change",
			LargeCommunities: *large,
			Fix:              *fix,
		})
	}
	status := 0
	for _, name := range fs.Args() {
		st, err := dumpFile(name, stdin, sink, stderr, !*stop, *verbose, *quiet)
		if err != nil {
			if errors.Is(err, errOutput) {
				fmt.Fprintf(stderr, "routestat mrtdump: %v\n", err)
				return 1
			}
			fmt.Fprintf(stderr, "routestat mrtdump: %v\n", err)
			status = 1
			continue
		}
		if *strict && (st.damaged || st.skipped > 0) {
			status = 1
		}
	}
	if err := sink.Flush(); err != nil {
		fmt.Fprintf(stderr, "routestat mrtdump: write output: %v\n", err)
		return 1
	}
	if sum != nil {
		fmt.Fprintf(out, "records %d\nroutes %d\nwithdrawals %d\nstate_changes %d\nother_messages %d\nskipped %d\n",
			sum.Records, sum.Routes, sum.Withdrawals, sum.StateChanges, sum.Messages, sum.Skipped)
	}
	return status
}

var errOutput = errors.New("write output")

type fileStats struct {
	records, skipped int
	damaged          bool
}

// maxReported bounds the skipped records reported per file without -v.
const maxReported = 5

func dumpFile(name string, stdin io.Reader, sink recordSink, stderr io.Writer, resync, verbose, quiet bool) (fileStats, error) {
	var st fileStats
	f, err := mrtdump.Open(name, stdin)
	if err != nil {
		return st, err
	}
	defer f.Close()
	f.Resync = resync
	errw := bufio.NewWriter(stderr)
	defer errw.Flush()
	for {
		rec, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			st.damaged = true
			var fe *mrtdump.FramingError
			if errors.As(err, &fe) && fe.Resumed {
				fmt.Fprintf(errw, "routestat mrtdump: %s: %v\n", name, err)
				continue
			}
			fmt.Fprintf(errw, "routestat mrtdump: %s: %v; stopped reading\n", name, err)
			break
		}
		st.records++
		if err := sink.Record(rec); err != nil {
			var de *mrtdump.DecodeError
			if !errors.As(err, &de) {
				return st, fmt.Errorf("%w: %v", errOutput, err)
			}
			st.skipped++
			if verbose || st.skipped <= maxReported {
				fmt.Fprintf(errw, "routestat mrtdump: %s: %v\n", name, err)
			}
		}
	}
	if !quiet && st.skipped > 0 {
		more := ""
		if !verbose && st.skipped > maxReported {
			more = fmt.Sprintf(" (first %d shown; -v shows all)", maxReported)
		}
		fmt.Fprintf(errw, "routestat mrtdump: %s: %d of %d records skipped%s\n", name, st.skipped, st.records, more)
	}
	return st, nil
}
