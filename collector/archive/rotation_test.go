package archive

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/mrtdump"
)

// update returns a BGP UPDATE announcing prefix with AS_PATH path (2- or
// 4-byte ASNs as as4 says), ORIGIN IGP and NEXT_HOP nh, with a path
// identifier when pathID is not 0 (ADD-PATH).
func update(as4 bool, prefix netip.Prefix, pathID uint32, nh netip.Addr, path ...uint32) []byte {
	var attrs []byte
	attrs = append(attrs, 0x40, 1, 1, 0) // ORIGIN IGP
	seg := []byte{2, byte(len(path))}    // AS_SEQUENCE
	for _, as := range path {
		if as4 {
			seg = binary.BigEndian.AppendUint32(seg, as)
		} else {
			seg = binary.BigEndian.AppendUint16(seg, uint16(as))
		}
	}
	attrs = append(attrs, 0x40, 2, byte(len(seg)))
	attrs = append(attrs, seg...)
	n4 := nh.As4()
	attrs = append(attrs, 0x40, 3, 4)
	attrs = append(attrs, n4[:]...)
	var nlri []byte
	if pathID != 0 {
		nlri = binary.BigEndian.AppendUint32(nlri, pathID)
	}
	a4 := prefix.Addr().As4()
	nlri = append(nlri, byte(prefix.Bits()))
	nlri = append(nlri, a4[:(prefix.Bits()+7)/8]...)
	msg := make([]byte, 16, 64)
	for i := range msg {
		msg[i] = 0xff
	}
	msg = append(msg, 0, 0, 2, 0, 0) // length, type UPDATE, no withdrawn routes
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(attrs)))
	msg = append(msg, attrs...)
	msg = append(msg, nlri...)
	binary.BigEndian.PutUint16(msg[16:], uint16(len(msg)))
	return msg
}

var keepalive = []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 19, 4}

// TestRotation archives hand-made events of every kind the collector
// publishes across intervals (one of them idle, one a month boundary) and
// checks the files' names, which record landed where with which subtype
// and header, and what bgpdump prints for each file.
func TestRotation(t *testing.T) {
	needBgpdump(t)
	v4p, v4l := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.254")
	v6p, v6l := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::fe")
	nh := netip.MustParseAddr("192.0.2.1")
	at := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04:05.999999", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	type want struct {
		file    string // final name relative to the collector's directory
		subtype uint16
		peerAS  uint32 // in the record header
		bgpdump string // the line bgpdump -m prints, after the time; "" for none

	}
	tests := []struct {
		ev   bus.Event
		want want
	}{
		{bus.Event{Kind: bus.KindState, Time: at("2026-11-30 23:50:10.000001"), PeerAddr: v4p, LocalAddr: v4l, PeerAS: 64500, LocalAS: 64496, OldState: 5, NewState: 6},
			want{"2026.11/updates.20261130.2350.gz", mrtdump.SubStateChangeAS4, 64500, "STATE|192.0.2.1|64500|5|6"}},
		{bus.Event{Kind: bus.KindMessage, Time: at("2026-11-30 23:54:59.999999"), PeerAddr: v4p, LocalAddr: v4l, PeerAS: 64500, LocalAS: 64496, AS4: true,
			Message: update(true, netip.MustParsePrefix("10.0.0.0/8"), 0, nh, 64500, 4200000001)},
			want{"2026.11/updates.20261130.2350.gz", mrtdump.SubMessageAS4, 64500, "A|192.0.2.1|64500|10.0.0.0/8|64500 4200000001|IGP|192.0.2.1|0|0||NAG||"}},
		// A 2-byte session with a 4-byte peer ASN: MESSAGE with AS_TRANS.
		{bus.Event{Kind: bus.KindMessage, Time: at("2026-11-30 23:55:00"), PeerAddr: v4p, LocalAddr: v4l, PeerAS: 4200000001, LocalAS: 64496,
			Message: update(false, netip.MustParsePrefix("10.1.0.0/16"), 0, nh, 23456, 64501)},
			want{"2026.11/updates.20261130.2355.gz", mrtdump.SubMessage, mrtdump.ASTrans, "A|192.0.2.1|23456|10.1.0.0/16|23456 64501|IGP|192.0.2.1|0|0||NAG||"}},
		{bus.Event{Kind: bus.KindMessage, Time: at("2026-11-30 23:56:00"), PeerAddr: v4p, LocalAddr: v4l, PeerAS: 64500, LocalAS: 64496, AS4: true, AddPath: true,
			Message: update(true, netip.MustParsePrefix("10.2.0.0/16"), 7, nh, 64500)},
			want{"2026.11/updates.20261130.2355.gz", mrtdump.SubMessageAS4AddPath, 64500, "A|192.0.2.1|64500|10.2.0.0/16|7|64500|IGP|192.0.2.1|0|0||NAG||"}},
		{bus.Event{Kind: bus.KindMessage, Time: at("2026-11-30 23:57:00"), PeerAddr: v6p, LocalAddr: v6l, PeerAS: 64501, LocalAS: 64496, AS4: true, Message: keepalive},
			want{"2026.11/updates.20261130.2355.gz", mrtdump.SubMessageAS4, 64501, ""}},
		{bus.Event{Kind: bus.KindMessage, Time: at("2026-11-30 23:57:01"), PeerAddr: v6p, LocalAddr: v6l, PeerAS: 64501, LocalAS: 64496, AS4: true, Local: true, Message: keepalive},
			want{"2026.11/updates.20261130.2355.gz", mrtdump.SubMessageAS4Local, 64501, ""}},
		// 00:00 to 00:05 is idle: no file. The month changes.
		{bus.Event{Kind: bus.KindState, Time: at("2026-12-01 00:05:00"), PeerAddr: v6p, LocalAddr: v6l, PeerAS: 64501, LocalAS: 64496, OldState: 6, NewState: 1},
			want{"2026.12/updates.20261201.0005.gz", mrtdump.SubStateChangeAS4, 64501, "STATE|2001:db8::1|64501|6|1"}},
	}
	for _, et := range []bool{false, true} {
		t.Run(fmt.Sprintf("ET=%v", et), func(t *testing.T) {
			dir := t.TempDir()
			evs := make([]*bus.Event, len(tests))
			for i := range tests {
				ev := tests[i].ev
				evs[i] = &ev
			}
			last := evs[len(evs)-1].Time
			_, reg, err := runArchive(t, Config{Dir: dir, Collector: "rrc99", ET: et, FlushInterval: time.Hour, Now: func() time.Time { return last }}, evs)
			if err != nil {
				t.Fatal(err)
			}
			var wantFiles []string
			for _, tc := range tests {
				f := filepath.Join("rrc99", tc.want.file)
				if !slices.Contains(wantFiles, f) {
					wantFiles = append(wantFiles, f)
				}
			}
			if files := listFiles(t, dir); !slices.Equal(files, wantFiles) {
				t.Fatalf("files %v, want %v", files, wantFiles)
			}
			i := 0
			for _, file := range wantFiles {
				path := filepath.Join(dir, file)
				var wantLines []string
				f, err := mrtdump.Open(path, nil)
				if err != nil {
					t.Fatal(err)
				}
				for {
					rec, err := f.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("%s: %v", file, err)
					}
					tc := tests[i]
					i++
					if got := filepath.Join("rrc99", tc.want.file); got != file {
						t.Fatalf("event %d in %s, want %s", i, file, got)
					}
					wantType, micro := mrtdump.TypeBGP4MP, uint32(0)
					if et {
						wantType, micro = mrtdump.TypeBGP4MPET, uint32(tc.ev.Time.Nanosecond()/1000)
					}
					if rec.Type != wantType || rec.Subtype != tc.want.subtype || rec.Time != uint32(tc.ev.Time.Unix()) || rec.Microseconds != micro {
						t.Errorf("event %d: record %s/%d at %d.%06d, want %s/%d at %d.%06d", i, rec.Type, rec.Subtype, rec.Time, rec.Microseconds,
							wantType, tc.want.subtype, tc.ev.Time.Unix(), micro)
					}
					var peerAS uint32
					if tc.ev.Kind == bus.KindMessage {
						var m mrtdump.Message
						if err := mrtdump.DecodeMessage(rec.Body, rec.Subtype, &m); err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(m.Raw, tc.ev.Message) {
							t.Errorf("event %d: message bytes differ", i)
						}
						peerAS = m.PeerAS
					} else {
						var sc mrtdump.StateChange
						if err := mrtdump.DecodeStateChange(rec.Body, 4, &sc); err != nil {
							t.Fatal(err)
						}
						if sc.OldState != tc.ev.OldState || sc.NewState != tc.ev.NewState {
							t.Errorf("event %d: states %d→%d", i, sc.OldState, sc.NewState)
						}
						peerAS = sc.PeerAS
					}
					if peerAS != tc.want.peerAS {
						t.Errorf("event %d: header peer AS %d, want %d", i, peerAS, tc.want.peerAS)
					}
					if tc.want.bgpdump != "" {
						kind := "BGP4MP"
						if tc.ev.AddPath {
							kind = "BGP4MP_AP"
						}
						wantLines = append(wantLines, fmt.Sprintf("%s|%d|%s", kind, tc.ev.Time.Unix(), tc.want.bgpdump))
					}
				}
				f.Close()
				if got := bgpdumpLines(t, path); !slices.Equal(got, wantLines) {
					t.Errorf("bgpdump -m %s:\n%s\nwant\n%s", file, strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
				}
			}
			if i != len(tests) {
				t.Fatalf("read %d records, want %d", i, len(tests))
			}
			if n := metricSum(t, reg, "routestat_archive_files_total"); n != float64(len(wantFiles)) {
				t.Errorf("files metric %v, want %d", n, len(wantFiles))
			}
			var size int64
			for _, f := range wantFiles {
				st, err := os.Stat(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				size += st.Size()
			}
			if n := metricSum(t, reg, "routestat_mrt_bytes_written_total"); n != float64(size) {
				t.Errorf("bytes metric %v, files hold %d bytes", n, size)
			}
		})
	}
}

// TestLateEvent: an event stamped in an interval whose file the timer has
// already completed goes to the next file, never to a second file of the
// completed interval.
func TestLateEvent(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(start.Add(4 * time.Minute).UnixNano())
	a, err := New(Config{Dir: dir, Collector: "rrc99", FlushInterval: 5 * time.Millisecond, Now: func() time.Time { return time.Unix(0, now.Load()) }}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := bus.New()
	sub := b.Subscribe("archive", 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, sub) }()
	ev := func(at time.Time) *bus.Event {
		return &bus.Event{Kind: bus.KindState, Time: at, PeerAddr: netip.MustParseAddr("192.0.2.1"), LocalAddr: netip.MustParseAddr("192.0.2.254"), PeerAS: 64500, LocalAS: 64496, OldState: 1, NewState: 2}
	}
	month := filepath.Join(dir, "rrc99", "2026.11")
	b.Publish(ev(start.Add(4 * time.Minute)))
	now.Store(start.Add(5*time.Minute + time.Millisecond).UnixNano())
	waitFor(t, func() bool { _, err := os.Stat(filepath.Join(month, "updates.20261123.1200.gz")); return err == nil })
	b.Publish(ev(start.Add(5*time.Minute - time.Millisecond))) // late
	b.Publish(ev(start.Add(5*time.Minute + 2*time.Millisecond)))
	waitFor(t, func() bool {
		_, err := os.Stat(filepath.Join(month, ".updates.20261123.1205.gz.tmp"))
		return err == nil
	})
	sub.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := []string{"rrc99/2026.11/updates.20261123.1200.gz", "rrc99/2026.11/updates.20261123.1205.gz"}
	if files := listFiles(t, dir); !slices.Equal(files, want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	for i, n := range []int{1, 2} {
		if got := readRecords(t, filepath.Join(dir, want[i])); got != n {
			t.Errorf("%s: %d records, want %d", want[i], got, n)
		}
	}
}
