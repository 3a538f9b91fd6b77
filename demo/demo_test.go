package demo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
	"github.com/routestat/routestat/mrtdump"
	"github.com/routestat/routestat/stat/asnames"
	"github.com/routestat/routestat/stat/hijack"
)

// write generates the scenario and writes it into a new directory.
func write(t *testing.T) (*Scenario, Files) {
	t.Helper()
	s := Generate()
	f, err := s.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s, f
}

// dump prints an MRT file as bgpdump -m does, with routestat's reader.
func dump(t *testing.T, name string) []byte {
	t.Helper()
	f, err := mrtdump.Open(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	d := mrtdump.NewDumper(&out, mrtdump.DumpOptions{})
	for {
		rec, err := f.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := d.Record(rec); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	if st := d.Stats(); st.Skipped != 0 {
		t.Errorf("%s: %d records not decoded", name, st.Skipped)
	}
	return out.Bytes()
}

// lines reads every MRT file of f with routestat's reader and, when
// bgpdump is installed, checks that bgpdump prints the same.
func lines(t *testing.T, f Files) (rib, updates []bgpdumpref.Line) {
	t.Helper()
	bgpdump, err := exec.LookPath("bgpdump")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bgpdump not installed")
		}
		t.Log("bgpdump not installed: checked with routestat's reader only")
	}
	for _, name := range f.MRT() {
		ours := dump(t, name)
		if bgpdump != "" {
			ref, err := exec.Command(bgpdump, "-m", name).Output()
			if err != nil {
				t.Fatalf("bgpdump %s: %v", name, err)
			}
			if !bytes.Equal(ours, ref) {
				t.Errorf("%s: bgpdump reads\n%s\nroutestat's reader\n%s", filepath.Base(name), ref, ours)
			}
		}
		ls, err := bgpdumpref.Read(bytes.NewReader(ours))
		if err != nil {
			t.Fatal(err)
		}
		if name == f.RIB {
			rib = ls
		} else {
			updates = append(updates, ls...)
		}
	}
	return rib, updates
}

func pathString(p []uint32) string {
	var b strings.Builder
	for i, as := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, as)
	}
	return b.String()
}

// checkLine compares a route read back from the files with the
// scenario's.
func checkLine(t *testing.T, s *Scenario, kind string, at time.Time, rt Route, l bgpdumpref.Line) {
	t.Helper()
	p := s.Peers[rt.Peer]
	nh := p.Addr.String()
	if rt.Prefix.Addr().Is6() {
		nh = p.NextHop6.String()
	}
	comm := fmt.Sprintf("%d:%d", rt.Community>>16, rt.Community&0xffff)
	switch {
	case l.Kind != kind || !l.Time.Equal(at) || l.Peer != p.Addr || l.PeerAS != p.AS || l.Prefix != rt.Prefix:
	case kind != "W" && (l.ASPath != pathString(rt.Path) || l.Origin != "IGP" || l.NextHop != nh || l.Community != comm):
	default:
		return
	}
	t.Errorf("read %+v, want %s at %v of %+v (next hop %s, community %s)", l, kind, at, rt, nh, comm)
}

// TestFilesReadBack reads the scenario's MRT files with routestat's
// reader and with bgpdump: they print the same, and every RIB entry and
// update is the scenario's, in its order.
func TestFilesReadBack(t *testing.T) {
	s, f := write(t)
	rib, updates := lines(t, f)
	if len(rib) != len(s.RIB) {
		t.Fatalf("%d RIB entries read, the scenario has %d", len(rib), len(s.RIB))
	}
	for i, rt := range s.RIB {
		checkLine(t, s, "B", Start, rt, rib[i])
	}
	if len(updates) != len(s.Updates) {
		t.Fatalf("%d updates read, the scenario has %d", len(updates), len(s.Updates))
	}
	var announced, withdrawn, readA, readW int
	for i, u := range s.Updates {
		kind := "A"
		if u.Withdrawal() {
			kind = "W"
			withdrawn++
		} else {
			announced++
		}
		checkLine(t, s, kind, u.Time, u.Route, updates[i])
		switch updates[i].Kind {
		case "A":
			readA++
		case "W":
			readW++
		}
	}
	if readA != announced || readW != withdrawn {
		t.Errorf("read %d announcements and %d withdrawals, the scenario has %d and %d", readA, readW, announced, withdrawn)
	}
	// One updates file per 5 minutes with updates, named after its start.
	for _, name := range f.Updates {
		start, err := time.Parse("updates.20060102.1504.gz", filepath.Base(name))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines0(t, name) {
			if l.Time.Before(start) || !l.Time.Before(start.Add(5*time.Minute)) {
				t.Errorf("%s holds an update at %v", filepath.Base(name), l.Time)
			}
		}
	}
	t.Logf("%d RIB entries, %d announcements, %d withdrawals in %d updates files", len(rib), readA, readW, len(f.Updates))
}

// lines0 reads one file with routestat's reader.
func lines0(t *testing.T, name string) []bgpdumpref.Line {
	t.Helper()
	ls, err := bgpdumpref.Read(bytes.NewReader(dump(t, name)))
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// TestDeterministic generates and writes the scenario twice: the same
// scenario, the same bytes.
func TestDeterministic(t *testing.T) {
	s1, f1 := write(t)
	s2, f2 := write(t)
	if !reflect.DeepEqual(s1, s2) {
		t.Fatal("two scenarios differ")
	}
	n1 := append(f1.MRT(), f1.Monitored, f1.ASNames)
	n2 := append(f2.MRT(), f2.Monitored, f2.ASNames)
	for i := range n1 {
		b1, err := os.ReadFile(n1[i])
		if err != nil {
			t.Fatal(err)
		}
		b2, err := os.ReadFile(n2[i])
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(n1[i]) != filepath.Base(n2[i]) || !bytes.Equal(b1, b2) {
			t.Errorf("%s and %s differ", n1[i], n2[i])
		}
	}
}

// TestStory replays the files' lines as a collector's tables and checks
// the story the scenario tells: twelve peers of distinct documentation
// ASes; AS4725's prefixes seen by every peer all along through its
// upstreams; the more specific absent before HijackAt, originated by the
// hijacker at 8 peers over distinct paths between 60 and 90 seconds
// after it, and gone from every peer between WithdrawAt and 08:49; no
// session changes.
func TestStory(t *testing.T) {
	s, f := write(t)
	rib, updates := lines(t, f)
	ases := map[uint32]bool{}
	for _, p := range s.Peers {
		if p.AS < 64496 || p.AS > 64511 {
			t.Errorf("peer AS%d is not a documentation AS", p.AS)
		}
		ases[p.AS] = true
	}
	if len(ases) != PeerCount || PeerCount != 12 {
		t.Errorf("%d distinct peer ASes, want 12", len(ases))
	}
	if Hijacker < 64496 || Hijacker > 64511 {
		t.Errorf("hijacker AS%d is not a documentation AS", Hijacker)
	}

	m := bgpdumpref.NewModel()
	for _, l := range rib {
		m.Apply(l)
	}
	check := func(at time.Time) {
		for _, p := range OriginPrefixes {
			rs := m.Of(p)
			if len(rs) != PeerCount {
				t.Errorf("%v: %s seen by %d peers, want every one", at, p, len(rs))
			}
			for _, r := range rs {
				path := r.Path()
				if len(path) < 2 || path[len(path)-1] != Origin || !slices.Contains(OriginUpstreams, path[len(path)-2]) {
					t.Errorf("%v: %s path %s does not reach AS%d through its upstreams", at, p, r.ASPath, Origin)
				}
			}
		}
	}
	check(Start)
	var first, last, gone time.Time
	paths := map[string]bool{}
	peers := map[netip.Addr]bool{}
	for _, l := range updates {
		if l.Kind == "STATE" {
			t.Errorf("session change %+v", l)
		}
		if l.Prefix == HijackedPrefix {
			switch {
			case l.Time.Before(HijackAt):
				t.Errorf("%s touched before the hijack: %+v", HijackedPrefix, l)
			case l.Kind == "A" && l.Time.Before(WithdrawAt):
				if o, ok := l.OriginAS(); !ok || o != Hijacker {
					t.Errorf("hijack announcement not originated by AS%d: %+v", Hijacker, l)
				}
				if first.IsZero() {
					first = l.Time
				}
				last = l.Time
				paths[l.ASPath] = true
				peers[l.Peer] = true
			case l.Kind == "W":
				gone = l.Time
			}
		}
		m.Apply(l)
		check(l.Time)
		if l.Time.Equal(last) && len(m.Of(HijackedPrefix)) != len(peers) {
			t.Errorf("%v: %d peers route %s, want %d", l.Time, len(m.Of(HijackedPrefix)), HijackedPrefix, len(peers))
		}
	}
	if !first.Equal(HijackAt) {
		t.Errorf("hijack first seen at %v, want %v", first, HijackAt)
	}
	if spread := last.Sub(first); spread < 60*time.Second || spread > 90*time.Second {
		t.Errorf("hijack reached its last peer %v after the first, want 60-90 s", spread)
	}
	if len(peers) != HijackPeers || HijackPeers != 8 || len(paths) != len(peers) {
		t.Errorf("hijack seen by %d peers over %d paths, want 8 peers over distinct paths", len(peers), len(paths))
	}
	if gone.Before(WithdrawAt) || gone.After(time.Date(2019, 9, 23, 8, 49, 0, 0, time.UTC)) {
		t.Errorf("hijack gone from the last peer at %v, want between %v and 08:49", gone, WithdrawAt)
	}
	if n := len(m.Of(HijackedPrefix)); n != 0 {
		t.Errorf("%d peers still route %s at the end", n, HijackedPrefix)
	}
	if u := s.Updates[len(s.Updates)-1]; !u.Time.Before(End) {
		t.Errorf("last update at %v, after the scenario's end", u.Time)
	}
}

// TestMonitoredAndNames reads the monitored-resources and AS-names files
// back with the detector's and the data API's own loaders.
func TestMonitoredAndNames(t *testing.T) {
	_, f := write(t)
	c, err := hijack.LoadConfig(f.Monitored)
	if err != nil {
		t.Fatal(err)
	}
	var got []netip.Prefix
	for _, r := range c.Prefixes {
		got = append(got, r.Prefix)
		if !slices.Equal(r.Origins, []uint32{Origin}) || !slices.Equal(r.Upstreams, OriginUpstreams) {
			t.Errorf("%s: origins %v upstreams %v", r.Prefix, r.Origins, r.Upstreams)
		}
	}
	if !slices.Equal(got, OriginPrefixes) {
		t.Errorf("monitored prefixes %v, want AS%d's %v", got, Origin, OriginPrefixes)
	}
	if len(c.ASNs) != 1 || c.ASNs[0].ASN != Origin || c.ASNs[0].Upstreams == nil || !slices.Equal(*c.ASNs[0].Upstreams, OriginUpstreams) {
		t.Errorf("monitored ASes %+v", c.ASNs)
	}

	names, err := asnames.Load(f.ASNames)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		as   uint32
		want string
	}{
		{Origin, "DEMO-ORIGIN"},
		{Hijacker, "DEMO-HIJACKER (documentation AS)"},
		{HijackerUpstream, "DEMO-HIJACKER-UPSTREAM"},
		{firstPeerAS, "DEMO-PEER-01"},
		{firstPeerAS + PeerCount - 1, "DEMO-PEER-12"},
	}
	for _, tc := range tests {
		if got := names.Name(tc.as); !strings.HasPrefix(got, tc.want) {
			t.Errorf("AS%d named %q, want it to start with %q", tc.as, got, tc.want)
		}
	}
}

// TestClock runs the clock over a table of elapsed wall-clock times:
// Start until started, then speed times real time from the first update
// until End, real time after.
func TestClock(t *testing.T) {
	first := Start.Add(5 * time.Second)
	fast := time.Duration(float64(End.Sub(first)) / 60) // wall time from first to End at 60x
	tests := []struct {
		name    string
		started bool
		elapsed time.Duration
		want    time.Time
	}{
		{"not started", false, 0, Start},
		{"just started", true, 0, first},
		{"half a minute in: the hijack", true, fast / 2, first.Add(End.Sub(first) / 2)},
		{"at the end", true, fast, End},
		{"a minute after the end", true, fast + time.Minute, End.Add(time.Minute)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClock(0)
			if c.Speed() != DefaultSpeed {
				t.Fatalf("speed %v, want the default %v", c.Speed(), DefaultSpeed)
			}
			if tc.started {
				c.StartAt(first)
				c.since = c.since.Add(-tc.elapsed)
			}
			// The test itself takes some wall-clock time: a second of
			// scenario time is 17 ms of it.
			if got := c.Now(); got.Before(tc.want) || got.Sub(tc.want) > time.Second {
				t.Errorf("Now() = %v, want %v", got, tc.want)
			}
		})
	}
	c := NewClock(0)
	c.StartAt(first)
	c.StartAt(End)
	if got := c.Now(); got.Sub(first) > time.Second {
		t.Errorf("a second StartAt moved the clock to %v", got)
	}
}

// TestFullFeedTables: every peer's initial table reaches FullFeedV4 and
// FullFeedV6, so that the demo's peers count as full-feed peers, and the
// thresholds are not so low that a table of AS4725's prefixes alone
// would.
func TestFullFeedTables(t *testing.T) {
	s := Generate()
	v4 := make([]int, len(s.Peers))
	v6 := make([]int, len(s.Peers))
	for _, r := range s.RIB {
		if r.Prefix.Addr().Is4() {
			v4[r.Peer]++
		} else {
			v6[r.Peer]++
		}
	}
	for i := range s.Peers {
		if v4[i] < FullFeedV4 || v6[i] < FullFeedV6 {
			t.Errorf("peer %d (AS%d): %d IPv4 and %d IPv6 routes, below the full-feed sizes %d and %d", i, s.Peers[i].AS, v4[i], v6[i], FullFeedV4, FullFeedV6)
		}
	}
	if len(OriginPrefixes) >= FullFeedV4 {
		t.Errorf("FullFeedV4 %d is reached by AS4725's %d prefixes alone", FullFeedV4, len(OriginPrefixes))
	}
}
