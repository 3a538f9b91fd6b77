package index

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/mrtdump"
)

// readMRT converts every record of a shared MRT file with a Converter.
// Records that do not decode are counted, as bgpdump skips them. done,
// when not nil, is called after each record.
func readMRT(t testing.TB, name string, conv *Converter, emit func(Event), done func()) (bad int) {
	t.Helper()
	f, err := mrtdump.Open(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for {
		rec, err := f.Next()
		if errors.Is(err, io.EOF) {
			return bad
		}
		if err != nil {
			// a truncated or damaged file: bgpdump stops there too
			return bad + 1
		}
		if err := conv.Record(rec, emit); err != nil {
			bad++
		}
		if done != nil {
			done()
		}
	}
}

// refLines reads the bgpdump -m reference of a shared MRT file.
func refLines(t testing.TB, name string) []string {
	t.Helper()
	var r io.Reader
	f, err := os.Open(name + ".bgpdump-m.txt")
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.Open(name + ".bgpdump-m.txt.gz")
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	} else if err != nil {
		t.Fatal(err)
	} else {
		r = f
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// refEvent is a bgpdump -m line reduced to what an Event holds: kind
// (B, A, W or DOWN), time in µs, peer, peer AS, prefix, path id and the
// attribute fields as bgpdump prints them.
type refEvent struct {
	kind   string
	t      int64
	peer   netip.Addr
	peerAS uint32
	prefix netip.Prefix
	pathID uint32
	attrs  string
}

// parseRef parses a bgpdump -m line; ok is false for lines that are not
// route events (STATE lines that do not leave Established).
func parseRef(line string) (e refEvent, ok bool, err error) {
	f := strings.Split(line, "|")
	if len(f) < 6 {
		return e, false, fmt.Errorf("short line %q", line)
	}
	sec, usec, _ := strings.Cut(f[1], ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return e, false, fmt.Errorf("time in %q", line)
	}
	e.t = s * 1e6
	if usec != "" {
		u, err := strconv.ParseInt(usec, 10, 64)
		if err != nil {
			return e, false, fmt.Errorf("time in %q", line)
		}
		e.t += u
	}
	if e.peer, err = netip.ParseAddr(f[3]); err != nil {
		return e, false, fmt.Errorf("peer in %q", line)
	}
	as, err := strconv.ParseUint(f[4], 10, 32)
	if err != nil {
		return e, false, fmt.Errorf("peer AS in %q", line)
	}
	e.peerAS = uint32(as)
	e.kind = f[2]
	if e.kind == "STATE" {
		return refEvent{kind: "DOWN", t: e.t, peer: e.peer, peerAS: e.peerAS}, f[5] == "6" && f[6] != "6", nil
	}
	if e.prefix, err = netip.ParsePrefix(f[5]); err != nil {
		return e, false, fmt.Errorf("prefix in %q", line)
	}
	e.prefix = e.prefix.Masked()
	rest := f[6:]
	if strings.HasSuffix(f[0], "_AP") {
		id, err := strconv.ParseUint(f[6], 10, 32)
		if err != nil {
			return e, false, fmt.Errorf("path id in %q", line)
		}
		e.pathID = uint32(id)
		rest = f[7:]
	}
	if e.kind != "W" {
		e.attrs = strings.Join(rest, "|")
	}
	return e, true, nil
}

// formatRef renders attributes like the fields of a bgpdump -m line from
// the AS path to the trailing empty field.
func formatRef(a *Attrs) string {
	var b strings.Builder
	for i, s := range a.ASPath {
		if i > 0 {
			b.WriteByte(' ')
		}
		sep := " "
		if s.Set {
			b.WriteByte('{')
			sep = ","
		}
		for j, as := range s.ASNs {
			if j > 0 {
				b.WriteString(sep)
			}
			b.WriteString(strconv.FormatUint(uint64(as), 10))
		}
		if s.Set {
			b.WriteByte('}')
		}
	}
	switch a.Origin {
	case 0:
		b.WriteString("|IGP|")
	case 1:
		b.WriteString("|EGP|")
	default:
		b.WriteString("|INCOMPLETE|")
	}
	if a.NextHop.IsValid() {
		b.WriteString(a.NextHop.String())
	} else {
		b.WriteString("255.255.255.255")
	}
	fmt.Fprintf(&b, "|%d|%d|", a.LocalPref, a.MED)
	for i, c := range a.Communities {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch c {
		case 0xFFFFFF01:
			b.WriteString("no-export")
		case 0xFFFFFF02:
			b.WriteString("no-advertise")
		case 0xFFFFFF03:
			b.WriteString("local-AS")
		default:
			fmt.Fprintf(&b, "%d:%d", c>>16, c&0xffff)
		}
	}
	if a.AtomicAggregate {
		b.WriteString("|AG|")
	} else {
		b.WriteString("|NAG|")
	}
	if a.AggregatorAddr.IsValid() {
		fmt.Fprintf(&b, "%d %s", a.AggregatorAS, a.AggregatorAddr)
	}
	b.WriteByte('|')
	return b.String()
}

func eventRef(e Event) refEvent {
	r := refEvent{t: e.Time.UnixMicro(), peer: e.PeerAddr, peerAS: e.PeerAS, prefix: e.Prefix, pathID: e.PathID}
	switch {
	case e.Kind == PeerDown:
		return refEvent{kind: "DOWN", t: r.t, peer: r.peer, peerAS: r.peerAS}
	case e.Kind == Withdraw:
		r.kind = "W"
	case e.FromRIB:
		r.kind, r.attrs = "B", formatRef(e.Attrs)
	default:
		r.kind, r.attrs = "A", formatRef(e.Attrs)
	}
	return r
}

// sameAttrs compares attribute fields, allowing for bgpdump's truncation
// of long community lists.
func sameAttrs(got, want string) bool {
	if got == want {
		return true
	}
	g, w := strings.Split(got, "|"), strings.Split(want, "|")
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		switch {
		case g[i] == w[i]:
		case i == 2: // inet_ntop and netip write some IPv6 addresses differently
			ga, err1 := netip.ParseAddr(g[i])
			wa, err2 := netip.ParseAddr(w[i])
			if err1 != nil || err2 != nil || ga != wa {
				return false
			}
		case i == 5 && len(w[i]) > 900 && strings.HasPrefix(g[i], strings.TrimSpace(w[i])):
		default:
			return false
		}
	}
	return true
}

func sameRef(g, w refEvent) bool {
	return g.kind == w.kind && g.t == w.t && g.peer == w.peer && g.peerAS == w.peerAS &&
		g.prefix == w.prefix && g.pathID == w.pathID && sameAttrs(g.attrs, w.attrs)
}

func (e refEvent) String() string {
	return fmt.Sprintf("%s|%d|%s|%d|%s|%d|%s", e.kind, e.t, e.peer, e.peerAS, e.prefix, e.pathID, e.attrs)
}

// TestConverterMatchesBGPDump converts shared MRT files and compares every
// event, in order, with bgpdump's reference lines.
func TestConverterMatchesBGPDump(t *testing.T) {
	for _, tc := range []struct {
		file string
		// bad is how many records may fail to decode
		bad int
	}{
		{"lab-daemons-mrtparse/bird-mrtdump_rib", 0},
		{"lab-daemons-mrtparse/bird6-mrtdump_rib", 0},
		{"lab-daemons-mrtparse/bird6-mrtdump_bgp", 0},
		{"lab-daemons-mrtparse/bird-mrtdump_bgp", 0},
		{"lab-daemons-mrtparse/quagga_rib", 0},
		{"lab-daemons-mrtparse/openbgpd_rib_table", 0},
		{"ripe-bgpdump-testdata/bview.ipv4_unicast_add_path.gz", 0},
		{"ripe-bgpdump-testdata/bview.ipv6_unicast_add_path.gz", 0},
		{"ripe-bgpdump-testdata/bview.64k_stream_overflow.gz", 0},
		{"ripe-bgpdump-testdata/updates.20020722.2238.gz", 0},
		{"ripe-bgpdump-testdata/updates.20100722.2015.gz", 0},
		{"ripe-bgpdump-testdata/updates.20160811.1600.gz", 0},
		{"ripe-bgpdump-testdata/updates.nlri_mask_trailing_bits.gz", 0},
		{"libbgpstream-testdumps/ris.rrc06.updates.1401488100.gz", 0},
		{"libbgpstream-testdumps/routeviews.route-views.jinx.updates.1401493500.bz2", 0},
		{"libbgpstream-testdumps/routeviews.route-views.jinx.updates.1427846400.bz2", 0},
		{"routeviews-bgp4mp-et/updates.20260222.1530.bz2", 0},
		{"incident-youtube-2008/updates.20080224.2056.bz2", 0},
		{"ris-historic-bgpkit/rrc15/updates.20100227.1610.gz", 0},
		{"pyasn-samples/rib6.20151101.0600_firstMB.bz2", 1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			name := sharedtest.MRT(t, tc.file)
			var want []refEvent
			for _, l := range refLines(t, name) {
				e, ok, err := parseRef(l)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					want = append(want, e)
				}
			}
			// bgpdump prints multicast routes like unicast ones: the
			// events of each record must be in order among its lines, of
			// which there are as many as events plus multicast routes.
			var rec []refEvent
			conv := NewConverter("test")
			next, diffs, events := 0, 0, 0
			var mc int64
			bad := readMRT(t, name, conv, func(e Event) { rec = append(rec, eventRef(e)) }, func() {
				skip := int(conv.Stats().Multicast - mc)
				mc = conv.Stats().Multicast
				events += len(rec)
				for _, g := range rec {
					for next < len(want) && skip > 0 && !sameRef(g, want[next]) {
						next++
						skip--
					}
					if next >= len(want) || !sameRef(g, want[next]) {
						if diffs++; diffs <= 5 {
							w := refEvent{}
							if next < len(want) {
								w = want[next]
							}
							t.Errorf("event %d:\n got %v\nwant %v", events, g, w)
						}
					}
					next++
				}
				next += skip
				rec = rec[:0]
			})
			if bad > tc.bad {
				t.Errorf("%d records did not decode, want at most %d", bad, tc.bad)
			}
			if events == 0 || next != len(want) {
				t.Errorf("%d events (%d multicast) account for %d of bgpdump's %d lines", events, mc, next, len(want))
			}
			if diffs > 5 {
				t.Errorf("%d events differ", diffs)
			}
		})
	}
}

// TestConverterMessage converts a bare UPDATE as a live collector passes
// it on: an IPv6 ADD-PATH announcement and an IPv4 withdrawal.
func TestConverterMessage(t *testing.T) {
	attrs := []byte{
		0x40, 1, 1, 0, // ORIGIN IGP
		0x40, 2, 10, 2, 2, 0, 0, 0xfd, 0xe8, 0, 0, 0x30, 0x39, // AS_PATH 65000 12345
		0x90, 14, 0, 30, 0, 2, 1, 16, // MP_REACH IPv6 unicast, next hop 16 bytes
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0,                                      // no SNPA
		0, 0, 0, 7, 32, 0x20, 0x01, 0x0d, 0xb8, // path id 7, 2001:db8::/32
	}
	withdrawn := []byte{0, 0, 0, 3, 24, 10, 1, 2} // path id 3, 10.1.2.0/24
	body := []byte{0, byte(len(withdrawn))}
	body = append(body, withdrawn...)
	body = append(body, 0, byte(len(attrs)))
	body = append(body, attrs...)
	msg := make([]byte, 16, 19+len(body))
	for i := range msg {
		msg[i] = 0xff
	}
	msg = append(msg, byte((19+len(body))>>8), byte(19+len(body)), 2)
	msg = append(msg, body...)

	when := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	peer := netip.MustParseAddr("192.0.2.1")
	var got []Event
	c := NewConverter("rrc99")
	if err := c.Message(when, peer, 65000, true, true, msg, func(e Event) { got = append(got, e) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d events, want 2: %+v", len(got), got)
	}
	w, a := got[0], got[1]
	if w.Kind != Withdraw || w.Prefix != netip.MustParsePrefix("10.1.2.0/24") || w.PathID != 3 || !w.Time.Equal(when) || w.Collector != "rrc99" {
		t.Errorf("withdrawal %+v", w)
	}
	if a.Kind != Announce || a.Prefix != netip.MustParsePrefix("2001:db8::/32") || a.PathID != 7 || a.PeerAS != 65000 ||
		a.Attrs.NextHop != netip.MustParseAddr("2001:db8::1") || a.Attrs.OriginAS() != 12345 || a.FromRIB {
		t.Errorf("announcement %+v attrs %+v", a, a.Attrs)
	}
	// A message cut short is an error, not a panic.
	for n := range len(msg) {
		_ = c.Message(when, peer, 65000, true, true, msg[:n], func(Event) {})
	}
}
