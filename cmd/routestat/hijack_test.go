package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/stat/hijack"
	"github.com/routestat/routestat/stat/index"
	"github.com/routestat/routestat/stat/ingest"
)

// TestBacktestWindow: a month of files is cut down to the last RIB dump
// before the window and the updates from it to the window's end.
func TestBacktestWindow(t *testing.T) {
	day := func(h, m int) time.Time { return time.Date(2008, 2, 24, h, m, 0, 0, time.UTC) }
	var srcs []ingest.Source
	for _, h := range []int{0, 8, 16} {
		srcs = append(srcs, ingest.Source{Name: fmt.Sprintf("bview.%02d", h), Collector: "rrc00", Kind: ingest.RIB, Time: day(h, 0)})
	}
	for h := 0; h < 24; h++ {
		srcs = append(srcs, ingest.Source{Name: fmt.Sprintf("updates.%02d", h), Collector: "rrc00", Time: day(h, 0)})
	}
	srcs = append(srcs, ingest.Source{Name: "undated", Collector: "rrc00"})
	ingest.Sort(srcs)
	var got []string
	for _, s := range backtestWindow(srcs, day(18, 0), day(22, 0)) {
		got = append(got, s.Name)
	}
	want := []string{"undated", "bview.16", "updates.16", "updates.17", "updates.18", "updates.19", "updates.20", "updates.21"}
	if !slices.Equal(got, want) {
		t.Errorf("window %v, want %v", got, want)
	}
	if n := len(backtestWindow(srcs, time.Time{}, time.Time{})); n != len(srcs) {
		t.Errorf("no window kept %d of %d", n, len(srcs))
	}
}

// TestHijackBacktestCLI runs routestat hijack backtest over the YouTube
// files with a window and checks the incident it prints.
func TestHijackBacktestCLI(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "yt.yaml")
	if err := os.WriteFile(cfg, []byte("prefixes:\n  208.65.152.0/22: {asn: 36561, description: YouTube}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(filepath.Dir(sharedtest.MRT(t, "incident-youtube-2008/updates.20080224.2041.bz2")), "updates.*.bz2"))
	if err != nil || len(files) != 7 {
		t.Fatalf("YouTube files %v %v", files, err)
	}
	var out, errOut strings.Builder
	store := filepath.Join(dir, "data")
	args := append([]string{"hijack", "backtest", "--config", cfg, "--collector", "route-views2", "--from", "2008-02-24T20:00", "--to", "2008-02-24T22:00", "--save", store}, files...)
	if code := run(args, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"critical sub-prefix",
		"Sub-prefix hijack of 208.65.152.0/22 by AS17557 (208.65.153.0/24)  [resolved 2008-02-24 21:01:34] opened 2008-02-24 20:52:25, detected 49s after the first announcement",
		"AS17557 began originating 208.65.153.0/24, a more specific of 208.65.152.0/22 (YouTube) registered to AS36561",
		"# 2 incidents (1 shown;", // and YouTube's own more specifics, shown with --all
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// --save stored every incident, watch types included, as live
	// detection does.
	ix, err := index.Open(store, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := hijack.NewManager(ix, hijack.ManagerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var saved []string
	for _, inc := range mgr.All() {
		saved = append(saved, fmt.Sprintf("%s %s %s", inc.Type, inc.Prefixes[0], inc.Status))
	}
	ix.Close()
	slices.Sort(saved)
	if want := []string{"more-specific 208.65.153.0/24 open", "sub-prefix 208.65.153.0/24 resolved"}; !slices.Equal(saved, want) {
		t.Errorf("saved incidents %q, want %q", saved, want)
	}
	// Bad input: a clear error, no panic.
	for _, bad := range [][]string{
		{"hijack", "backtest", "--config", cfg, "--save", filepath.Join(cfg, "not-a-dir"), files[0]},
		{"hijack", "backtest", "--config", filepath.Join(dir, "missing.yaml"), files[0]},
		{"hijack", "backtest", "--config", cfg, "--from", "yesterday-ish", files[0]},
		{"hijack", "autoconfig"},
		{"hijack", "nonsense"},
	} {
		errOut.Reset()
		if code := run(bad, nil, io.Discard, &errOut); code == 0 || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errOut.String())
		}
	}
}

// TestHijackAutoconfigCLI writes a monitored-resources file from an
// index of the sample archive and reads it back.
func TestHijackAutoconfigCLI(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code := run([]string{"ingest", "--data", data, "../../mrtdump/testdata/sample/updates.sample.gz"}, nil, io.Discard, io.Discard); code != 0 {
		t.Fatalf("ingest exited %d", code)
	}
	out := filepath.Join(dir, "monitored.yaml")
	var errOut strings.Builder
	if code := run([]string{"hijack", "autoconfig", "--data", data, "-o", out, "AS65001"}, nil, io.Discard, &errOut); code != 0 {
		t.Fatalf("autoconfig exited %d: %s", code, errOut.String())
	}
	cfg, err := hijack.LoadConfig(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Prefixes) == 0 || len(cfg.ASNs) != 1 || cfg.ASNs[0].ASN != 65001 {
		t.Fatalf("autoconfig wrote %d prefixes, ASes %+v", len(cfg.Prefixes), cfg.ASNs)
	}
	for _, p := range cfg.Prefixes {
		if !p.Ignore && !slices.Contains(p.Origins, 65001) {
			t.Errorf("prefix %s with origins %v", p.Prefix, p.Origins)
		}
	}
	var check strings.Builder
	if code := run([]string{"hijack", "check", out}, nil, &check, io.Discard); code != 0 || !strings.Contains(check.String(), "1 ASes") {
		t.Errorf("check: exit %d: %s", code, check.String())
	}
}
