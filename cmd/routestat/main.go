// Command routestat is the one binary of routestat: a self-hosted route
// collector, indexer and RIPEstat-compatible data API. Each subcommand is a
// thin wrapper around the packages that do the work.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `routestat — route collector, indexer and RIPEstat-compatible data API

Usage:
  routestat <command> [arguments]

Commands:
  serve     run the collector, the route index, the data API and the RIS Live stream
  collector run a passive BGP route collector writing a RIS-style MRT archive
  ingest    add MRT files, directories or URLs to the route index
  reindex   rebuild the route index from the MRT archive
  mrtdump   print MRT files one line per route, as bgpdump -m does (or as JSON)
  replay    play MRT files into a collector over real BGP sessions
  hijack    hijack detection: backtest over MRT files, autoconfig, check a monitored-resources file
  version   print the version
  help      print this help

Run "routestat <command> -h" for a command's options.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "mrtdump":
		return runMRTDump(args[1:], stdin, stdout, stderr)
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "collector":
		return runCollector(args[1:], stdout, stderr)
	case "replay":
		return runReplay(args[1:], stdout, stderr)
	case "ingest":
		return runIngest(args[1:], stdout, stderr)
	case "reindex":
		return runReindex(args[1:], stdout, stderr)
	case "hijack":
		return runHijack(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "routestat %s %s\n", versionString(), goVersion())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "routestat: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func versionString() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func goVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.GoVersion
	}
	return ""
}
