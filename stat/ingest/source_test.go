package ingest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/sharedtest"
)

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind Kind
		time string // RFC 3339, "" for none
	}{
		{"updates.20080224.1824.bz2", Updates, "2008-02-24T18:24:00Z"},
		{"bview.20020722.2337.gz", RIB, "2002-07-22T23:37:00Z"},
		{"rib.20260101.0000.bz2", RIB, "2026-01-01T00:00:00Z"},
		{"rib6.20151101.0600_firstMB.bz2", RIB, ""},
		{"ris.rrc06.updates.1401488100.gz", Updates, "2014-05-30T22:15:00Z"},
		{"routeviews.route-views.jinx.ribs.1401487200.bz2", RIB, "2014-05-30T22:00:00Z"},
		{"bird_bgp", Updates, ""},
		{"quagga_rib", RIB, ""},
	} {
		kind, tm := parseName(tc.name)
		if kind != tc.kind {
			t.Errorf("%s: kind %v, want %v", tc.name, kind, tc.kind)
		}
		got := ""
		if !tm.IsZero() {
			got = tm.Format(time.RFC3339)
		}
		if got != tc.time {
			t.Errorf("%s: time %q, want %q", tc.name, got, tc.time)
		}
	}
}

func TestCollectorFromPath(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/data/ris/rrc00/2026.01/updates.20260101.0000.gz", "rrc00"},
		{"var/archive/rrc99/2026.11/bview.20261123.0800.gz", "rrc99"},
		{"/mirror/route-views.jinx/bgpdata/2014.05/UPDATES/updates.20140530.2215.bz2", "route-views.jinx"},
		{"/mirror/route-views2/bgpdata/2014.05/RIBS/rib.20140530.2200.bz2", "route-views2"},
		{"/t/libbgpstream-testdumps/ris.rrc06.updates.1401488100.gz", "rrc06"},
		{"/t/routeviews.route-views.jinx.ribs.1401487200.bz2", "route-views.jinx"},
		{"/t/incident-youtube-2008/updates.20080224.1824.bz2", ""},
		{"bird_bgp", ""},
	} {
		if got := collectorFromPath(tc.path); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestLooksLikeMRT(t *testing.T) {
	for name, want := range map[string]bool{
		"updates.20080224.1824.bz2":                       true,
		"updates.20080224.1824.bz2.bgpdump-m.txt.gz":      false,
		"bview.20020722.2337.gz":                          true,
		".bview.20020722.2337.gz.tmp":                     false,
		"routeviews.route-views.jinx.ribs.1401487200.bz2": true,
		"PROVENANCE.md":                                   false,
		"bird_bgp":                                        false,
	} {
		if got := looksLikeMRT(name); got != want {
			t.Errorf("looksLikeMRT(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestFindDirectoryAndOrder finds the MRT files of a directory tree in
// RIS layout, given out of order, and checks their collectors and order.
func TestFindDirectoryAndOrder(t *testing.T) {
	dir := t.TempDir()
	files := []string{
		"rrc01/2026.01/updates.20260101.0005.gz",
		"rrc00/2026.01/updates.20260101.0005.gz",
		"rrc00/2026.01/updates.20260101.0000.gz",
		"rrc00/2026.01/bview.20260101.0000.gz",
		"rrc00/2026.01/updates.20260101.0000.gz.bgpdump-m.txt",
		"rrc00/2025.12/updates.20251231.2355.gz",
	}
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := &Finder{}
	srcs, err := f.Find(context.Background(), []string{dir, filepath.Join(dir, files[0])})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range srcs {
		rel, _ := filepath.Rel(dir, s.Name)
		got = append(got, s.Collector+" "+s.Kind.String()+" "+rel)
	}
	want := []string{
		"rrc00 updates rrc00/2025.12/updates.20251231.2355.gz",
		"rrc00 rib rrc00/2026.01/bview.20260101.0000.gz",
		"rrc00 updates rrc00/2026.01/updates.20260101.0000.gz",
		"rrc00 updates rrc00/2026.01/updates.20260101.0005.gz",
		"rrc01 updates rrc01/2026.01/updates.20260101.0005.gz",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sources:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFindErrors(t *testing.T) {
	f := &Finder{}
	if _, err := f.Find(context.Background(), []string{filepath.Join(t.TempDir(), "missing.gz")}); err == nil || !strings.Contains(err.Error(), "missing.gz") {
		t.Errorf("missing file: err %v", err)
	}
	if _, err := f.Find(context.Background(), []string{t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no MRT files") {
		t.Errorf("empty directory: err %v", err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if _, err := f.Find(context.Background(), []string{srv.URL + "/rrc00/2026.01/"}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("listing not found: err %v", err)
	}
}

// TestFindListing lists a directory of real RIS files over HTTP, as
// net/http's file server (like RIS's and RouteViews' web servers) writes
// the listing.
func TestFindListing(t *testing.T) {
	dir := filepath.Join(sharedtest.Dir(t), "testdata", "mrt", "incident-youtube-2008")
	mux := http.NewServeMux()
	mux.Handle("/rrc00/2008.02/", http.StripPrefix("/rrc00/2008.02/", http.FileServer(http.Dir(dir))))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := &Finder{Collector: "unused"}
	srcs, err := f.Find(context.Background(), []string{srv.URL + "/rrc00/2008.02/"})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "updates.*.bz2"))
	if len(srcs) != len(entries) {
		t.Fatalf("%d sources, want %d: %v", len(srcs), len(entries), srcs)
	}
	for i, s := range srcs {
		if s.Collector != "rrc00" || s.Kind != Updates || !s.IsURL() || path.Base(s.Name) != filepath.Base(entries[i]) {
			t.Errorf("source %d: %+v, want %s", i, s, filepath.Base(entries[i]))
		}
	}
	// A URL naming a file is taken as it is.
	one := srv.URL + "/rrc00/2008.02/updates.20080224.2056.bz2"
	srcs, err = f.Find(context.Background(), []string{one})
	if err != nil || len(srcs) != 1 || srcs[0].Name != one {
		t.Errorf("file URL: %v, %v", srcs, err)
	}
}
