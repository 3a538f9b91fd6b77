package archive

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
)

// ribRoutes reads a real RIB dump (TABLE_DUMP or TABLE_DUMP_V2) into the
// peers and routes DumpRIB takes, and returns the dump's time.
func ribRoutes(t *testing.T, path string) (time.Time, []mrtdump.Peer, []Route) {
	t.Helper()
	f, err := mrtdump.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		at     time.Time
		peers  []mrtdump.Peer
		routes []Route
		rib    mrtdump.RIB
		td     mrtdump.TableDumpV1
	)
	index := map[[20]byte]uint16{}
	for {
		rec, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if at.IsZero() {
			at = time.Unix(int64(rec.Time), 0)
		}
		switch {
		case rec.Type == mrtdump.TypeTableDumpV2 && rec.Subtype == mrtdump.SubPeerIndexTable:
			pit, err := mrtdump.DecodePeerIndexTable(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			peers = pit.Peers
		case rec.Type == mrtdump.TypeTableDumpV2:
			if err := mrtdump.DecodeRIB(rec.Body, rec.Subtype, &rib); err != nil {
				t.Fatal(err)
			}
			for _, e := range rib.Entries {
				routes = append(routes, Route{PeerIndex: e.PeerIndex, Prefix: rib.Prefix.Prefix(), PathID: e.PathID,
					Originated: time.Unix(int64(e.OriginatedTime), 0), Attrs: bytes.Clone(e.Attrs), ASNSize: 4})
			}
		case rec.Type == mrtdump.TypeTableDump:
			if err := mrtdump.DecodeTableDumpV1(rec.Body, rec.Subtype, &td); err != nil {
				t.Fatal(err)
			}
			for {
				var key [20]byte
				copy(key[:], td.PeerAddr[:])
				key[16], key[17], key[18], key[19] = byte(td.PeerAS>>24), byte(td.PeerAS>>16), byte(td.PeerAS>>8), byte(td.PeerAS)
				i, ok := index[key]
				if !ok {
					i = uint16(len(peers))
					index[key] = i
					peers = append(peers, mrtdump.Peer{Addr: td.PeerAddr, IPv6: td.PeerIPv6, AS: td.PeerAS})
				}
				routes = append(routes, Route{PeerIndex: i, Prefix: td.Prefix.Prefix(), Originated: time.Unix(int64(td.OriginatedTime), 0),
					Attrs: bytes.Clone(td.Attrs), ASNSize: td.ASNSize})
				more, err := td.NextEntry()
				if err != nil {
					t.Fatal(err)
				}
				if !more {
					break
				}
			}
		}
	}
	return at, peers, routes
}

// routeLines returns bgpdump's -m lines from the "B" field on (the record
// kind and time differ between a TABLE_DUMP and a TABLE_DUMP_V2 dump),
// sorted.
func routeLines(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, l := range bgpdumpLines(t, path) {
		f := strings.SplitN(l, "|", 3)
		if len(f) == 3 {
			out = append(out, f[2])
		}
	}
	slices.Sort(out)
	return out
}

// TestDumpRIB rewrites real RIB dumps — RIPE RIS 2002 (TABLE_DUMP, 2-byte
// ASNs, so attributes are widened) and ADD-PATH TABLE_DUMP_V2 ones —
// through DumpRIB and checks that bgpdump prints the same routes for the
// result as for the original.
func TestDumpRIB(t *testing.T) {
	needBgpdump(t)
	for _, rel := range []string{
		"ripe-bgpdump-testdata/bview.20020722.2337.gz",
		"ripe-bgpdump-testdata/bview.ipv4_unicast_add_path.gz",
		"ripe-bgpdump-testdata/bview.ipv6_unicast_add_path.gz",
	} {
		t.Run(rel, func(t *testing.T) {
			src := sharedtest.MRT(t, rel)
			at, peers, routes := ribRoutes(t, src)
			dir := t.TempDir()
			a, err := New(Config{Dir: dir, Collector: "rrc99"}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			path, err := a.DumpRIB(at, peers, routes)
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(dir, "rrc99", at.UTC().Format("2006.01"), "bview."+at.UTC().Format("20060102.1504")+".gz")
			if path != want {
				t.Fatalf("wrote %s, want %s", path, want)
			}
			got, orig := routeLines(t, path), routeLines(t, src)
			if len(got) != len(routes) {
				t.Fatalf("bgpdump prints %d routes for the dump of %d", len(got), len(routes))
			}
			if !slices.Equal(got, orig) {
				for i := range min(len(got), len(orig)) {
					if got[i] != orig[i] {
						t.Fatalf("route %d:\ndump     %s\noriginal %s", i, got[i], orig[i])
					}
				}
				t.Fatalf("%d routes, original %d", len(got), len(orig))
			}
			t.Logf("%d peers, %d routes", len(peers), len(routes))
		})
	}
}

// TestDumpRIBFailures: a dump the disk cannot take, or with a route of an
// unknown peer, fails with the cause, is counted and leaves no file; a
// second dump of the same minute gets a distinct name.
func TestDumpRIBFailures(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	peers := []mrtdump.Peer{{Addr: [16]byte{192, 0, 2, 1}, AS: 64500}}
	attrs := []byte{0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfb, 0xf4, 0x40, 3, 4, 192, 0, 2, 1}
	routes := func() []Route {
		var rs []Route
		for i := range 2000 {
			rs = append(rs, Route{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24), Originated: at, Attrs: attrs, ASNSize: 4})
		}
		return rs
	}
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	a, err := New(Config{Dir: dir, Collector: "rrc99"}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DumpRIB(at, peers, []Route{{PeerIndex: 1, Prefix: netip.MustParsePrefix("10.0.0.0/8"), Attrs: attrs, ASNSize: 4}}); err == nil || !strings.Contains(err.Error(), "peer 1 of 1") {
		t.Fatalf("route of an unknown peer: %v", err)
	}
	a.wrapFile = func(w io.Writer) io.Writer { return &failAfter{w: w, n: 100} }
	if _, err := a.DumpRIB(at, peers, routes()); err == nil || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "bview.20261123.0800.gz") {
		t.Fatalf("dump onto a full disk: %v", err)
	}
	if files := listFiles(t, dir); len(files) != 0 {
		t.Fatalf("files after failed dumps: %v", files)
	}
	if n := metricSum(t, reg, "routestat_archive_errors_total"); n != 2 {
		t.Fatalf("errors metric %v, want 2", n)
	}
	a.wrapFile = nil
	for _, want := range []string{"bview.20261123.0800.gz", "bview.20261123.0800.1.gz"} {
		path, err := a.DumpRIB(at, peers, routes())
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(path) != want {
			t.Fatalf("dump written to %s, want %s", path, want)
		}
		if n := readRecords(t, path); n != 2001 {
			t.Fatalf("%s: %d records, want a peer index table and 2000 RIB records", path, n)
		}
	}
}
